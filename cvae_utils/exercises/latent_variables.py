"""Chapter 2, "Generative models and latent variables": exercise self-checks.

The chapter's two small latent-variable models (their helpers are in :mod:`cvae_utils.evaluate`):

* a *toy Gaussian model* in ``d`` dimensions, ``z ~ N(0, I)`` and ``x | z ~ N(z, sigma^2 I)``,
  whose marginal ``p(x) = N(x; 0, (1 + sigma^2) I)`` is known in closed form, so a Monte Carlo
  estimate of ``p(x)`` can be compared with the truth and its variance computed exactly;
* *Bernoulli pixel models* of binarized MNIST, where every pixel is an independent coin flip
  given the latent variable (for instance the digit's class), so ``log p(x | z)`` is a sum over pixels.

The ``check_*`` functions are the exercises' self-checks: each calls a student's function on
known inputs, prints a line starting with "✓" when it is right and raises AssertionError
saying what is wrong otherwise.
"""

from __future__ import annotations

import math

import numpy as np

from ..evaluate import toy_marginal, toy_relative_variance
from . import as_numpy_result, close, per_class_means_verdict, report

__all__ = [
    "check_class_mean_images", "check_mc_marginal", "check_bernoulli_log_likelihood",
]


# ----------------------------------------------------------------------------------------------
# Exercise self-checks
# ----------------------------------------------------------------------------------------------


def check_class_mean_images(fn) -> bool:
    """Check ``fn(x, y, num_classes=10)``: the mean image of each class, shape (num_classes, *image_shape).

    Uses synthetic images with unsorted, unbalanced labels, so averaging over all images,
    over the wrong axis or per position in the batch is caught.
    """
    name = "class_mean_images"
    if not callable(fn):
        raise TypeError(f"check_class_mean_images expects your function, got {type(fn).__name__}")
    rng = np.random.default_rng(2)
    num_classes = 4
    y = np.concatenate([np.repeat(np.arange(num_classes), [3, 7, 2, 5]), [1, 3, 0]])
    rng.shuffle(y)
    x = rng.random((len(y), 28, 28, 1)).astype("float32")
    x += y[:, None, None, None].astype("float32")  # classes differ, so mixing them up shows
    x /= num_classes
    got = as_numpy_result(fn(x, y, num_classes=num_classes), name, lists=True)
    return per_class_means_verdict(name, got, x, y, num_classes, "images", atol=1e-5)


def check_mc_marginal(fn) -> bool:
    """Check ``fn(x, sigma, num_samples, rng)``: the naive Monte Carlo estimate of p(x) in the 1-D toy model.

    Checks that (1) it returns one number, (2) it draws from the given ``rng`` (same seed, same
    answer), (3) with many samples it lands within 5 standard errors of the exact p(x), and
    (4) with few samples its spread over repeated runs matches the exact standard error - so
    returning the closed form, or a wrongly normalised density, fails.
    """
    name = "mc_marginal"
    if not callable(fn):
        raise TypeError(f"check_mc_marginal expects your function, got {type(fn).__name__}")
    value = fn(0.5, 0.5, 10, np.random.default_rng(0))
    if np.ndim(value) != 0:
        return report(name, False, f"expected one number (the estimate of p(x)), got shape {np.shape(value)}")
    again = fn(0.5, 0.5, 10, np.random.default_rng(0))
    if not math.isclose(float(value), float(again), rel_tol=1e-9):
        return report(name, False, "two calls with identically seeded rng gave different answers: draw z with "
                                   "the rng you are given, e.g. rng.standard_normal(num_samples)")
    for x, sigma in ((0.5, 0.5), (-1.2, 0.2), (2.0, 1.0)):
        k = 100_000
        estimate = float(fn(x, sigma, k, np.random.default_rng(1)))
        exact = toy_marginal(x, sigma)
        stderr = exact * math.sqrt(toy_relative_variance(x, sigma) / k)
        if not math.isfinite(estimate) or abs(estimate - exact) > 5 * stderr:
            return report(name, False, f"for x={x}, sigma={sigma} and {k:,} samples the estimate is {estimate:.5g} "
                                       f"but p(x) = {exact:.5g} (standard error {stderr:.2g}); check the Gaussian "
                                       f"density N(x; z, sigma^2), including its normalising constant")
    x, sigma, k, runs = 0.3, 0.3, 20, 400
    estimates = np.array([float(fn(x, sigma, k, np.random.default_rng(100 + r))) for r in range(runs)])
    exact_sd = toy_marginal(x, sigma) * math.sqrt(toy_relative_variance(x, sigma) / k)
    ratio = float(estimates.std() / exact_sd)
    if not 0.7 < ratio < 1.4:
        return report(name, False, f"over {runs} runs with {k} samples the estimates spread with standard deviation "
                                   f"{estimates.std():.3g}, but a Monte Carlo average of {k} prior samples spreads "
                                   f"with {exact_sd:.3g}: average p(x|z) over z drawn from the prior N(0, 1)")
    return report(name, True, "matches the exact p(x) with 100,000 samples and has the right spread with 20")


def check_bernoulli_log_likelihood(fn) -> bool:
    """Check ``fn(x, probs)``: log p(x) of binary images under independent Bernoulli pixels, shape (N,).

    Compared with the course's own loss :func:`cvae_utils.losses.bernoulli_nll_from_logits`
    (which takes logits and returns the negative), on random binary images and probabilities.
    """
    from ..losses import bernoulli_nll_from_logits
    from keras import ops

    name = "bernoulli_log_likelihood"
    if not callable(fn):
        raise TypeError(f"check_bernoulli_log_likelihood expects your function, got {type(fn).__name__}")
    ones, half = np.ones((1, 28, 28, 1), "float32"), np.full((1, 28, 28, 1), 0.5, "float32")
    got = as_numpy_result(fn(ones, half), name, lists=True)
    want = 784 * math.log(0.5)
    if got.shape != (1,):
        return report(name, False, f"expected one log-likelihood per image, shape (1,) for one image; got {got.shape}")
    if math.isclose(float(got[0]), -want, rel_tol=1e-4):
        return report(name, False, f"got {float(got[0]):.2f} for an all-ones image with p = 0.5; the log-likelihood is "
                                   f"{want:.2f} (negative) - you returned the negative log-likelihood")
    if math.isclose(float(got[0]), math.log(0.5), rel_tol=1e-4):
        return report(name, False, "you averaged over pixels; sum the 784 pixel log-probabilities instead")
    if not math.isclose(float(got[0]), want, rel_tol=1e-4):
        return report(name, False, f"an all-ones image with every p = 0.5 should give 784 * log(0.5) = {want:.2f}, "
                                   f"got {float(got[0]):.4g}")
    rng = np.random.default_rng(3)
    x = (rng.random((6, 28, 28, 1)) < 0.3).astype("float32")
    probs = rng.uniform(0.02, 0.98, size=x.shape).astype("float32")
    got = as_numpy_result(fn(x, probs), name, lists=True)
    logits = np.log(probs) - np.log1p(-probs)
    want = -ops.convert_to_numpy(bernoulli_nll_from_logits(ops.convert_to_tensor(x), ops.convert_to_tensor(logits)))
    if got.shape != want.shape:
        return report(name, False, f"expected shape {want.shape} (one value per image), got {got.shape}")
    if not close(got, want, atol=1e-2, rtol=1e-4):
        only_ones = (x * np.log(probs)).reshape(6, -1).sum(axis=1)
        hint = (" - the pixels that are 0 contribute log(1 - p) too" if close(got, only_ones, atol=1e-2, rtol=1e-4)
                else "")
        return report(name, False, f"random images: expected {np.round(want[:3], 2)} ..., got {np.round(got[:3], 2)} ...{hint}")
    return report(name, True, "agrees with cvae_utils.losses.bernoulli_nll_from_logits on random binary images")
