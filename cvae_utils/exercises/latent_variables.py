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
from . import as_numpy_result, close, report

__all__ = [
    "check_bernoulli_log_likelihood",
    "check_class_posterior",
    "check_mc_marginal",
]


# ----------------------------------------------------------------------------------------------
# Exercise self-checks
# ----------------------------------------------------------------------------------------------


def _posterior_inputs():
    """Log-likelihoods of 6 images under 4 classes, as large and negative as real ones (so
    exp() underflows to 0 in float64), unbalanced log-priors; image 5 has two equal classes."""
    rng = np.random.default_rng(4)
    ll = -900.0 + 6.0 * rng.standard_normal((6, 4))
    ll[5, 1] = ll[5, 3] = -880.0
    log_prior = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    return ll, log_prior


def _softmax_rows(a):
    a = a - a.max(axis=1, keepdims=True)
    return np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)


def check_class_posterior(fn) -> None:
    """Check ``fn(ll_given_class, log_prior)``: the posterior p(z = k | x) of the
    class-as-latent model, shape (N, K), each row summing to 1.

    ``ll_given_class[i, k]`` is log p(x_i | z = k) (around -900 here, so
    exp() underflows) and ``log_prior[k]`` is log p(z = k). Catches a
    missing or subtracted prior, normalising over the images instead of
    the classes, log-probabilities returned, an unnormalised product and the
    0 / 0 of exp() without subtracting the row maximum first.
    """
    name = "class_posterior"
    if not callable(fn):
        raise TypeError(
            f"check_class_posterior expects your function, "
            f"got {type(fn).__name__}"
        )
    ll, log_prior = _posterior_inputs()
    expected = _softmax_rows(ll + log_prior)
    got = as_numpy_result(fn(ll.copy(), log_prior.copy()), name, lists=True)
    if got.shape != expected.shape:
        report(
            name,
            False,
            f"expected one row per image and one column per "
            f"class, shape {expected.shape}; got {got.shape}",
        )
    if not np.all(np.isfinite(got)):
        report(
            name,
            False,
            "your posterior is not finite: log p(x | z) is "
            "around -900 here, so exp() of it is 0 and 0 / 0 "
            "is nan. Subtract each row's maximum from the log "
            "scores before exp() (or use scipy.special.softmax "
            "on the row); the posterior does not change",
        )
    if close(got, ll + log_prior, atol=1e-6) or close(
        got, np.log(expected), atol=1e-6
    ):
        report(
            name,
            False,
            "these are log-probabilities: return the "
            "probabilities p(z = k | x), which lie in [0, 1]",
        )
    if not np.allclose(got.sum(axis=1), 1.0, atol=1e-5):
        hint = ""
        if np.allclose(got.sum(axis=0), 1.0, atol=1e-5):
            hint = (
                " Your columns sum to 1: normalise over the classes "
                "of each image (axis=1), not over the images."
            )
        report(
            name,
            False,
            f"each row must sum to 1 (a distribution over "
            f"the classes); yours sum to "
            f"{np.round(got.sum(axis=1), 4)}.{hint}",
        )
    if not close(got, expected, atol=1e-6):
        hint = ""
        if close(got, _softmax_rows(ll), atol=1e-6):
            hint = (
                " You left out the prior: Bayes' rule multiplies by "
                "p(z = k), i.e. adds log_prior to the log-likelihoods."
            )
        elif close(got, _softmax_rows(ll - log_prior), atol=1e-6):
            hint = " You subtracted the log-prior: add it."
        report(
            name,
            False,
            f"expected the rows {np.round(expected[:2], 4)} "
            f"..., got {np.round(got[:2], 4)} ...{hint}",
        )
    report(
        name,
        True,
        "Bayes' rule on log-likelihoods of about -900 "
        "nats with unbalanced priors; where two classes "
        "explain an image equally well, the prior decides",
    )


def check_mc_marginal(fn) -> None:
    """Check ``fn(x, sigma, num_samples, rng)``: the naive Monte Carlo estimate of p(x) in the 1-D toy model.

    Checks that (1) it returns one number, (2) it draws from the given ``rng`` (same seed, same
    answer), (3) with many samples it lands within 5 standard errors of the exact p(x), and
    (4) with few samples its spread over repeated runs matches the exact standard error - so
    returning the closed form, or a wrongly normalised density, fails.
    """
    name = "mc_marginal"
    if not callable(fn):
        raise TypeError(
            f"check_mc_marginal expects your function, got {type(fn).__name__}"
        )
    value = fn(0.5, 0.5, 10, np.random.default_rng(0))
    if np.ndim(value) != 0:
        return report(
            name,
            False,
            f"expected one number (the estimate of p(x)), got shape {np.shape(value)}",
        )
    again = fn(0.5, 0.5, 10, np.random.default_rng(0))
    if not math.isclose(float(value), float(again), rel_tol=1e-9):
        return report(
            name,
            False,
            "two calls with identically seeded rng gave different answers: draw z with "
            "the rng you are given, e.g. rng.standard_normal(num_samples)",
        )
    for x, sigma in ((0.5, 0.5), (-1.2, 0.2), (2.0, 1.0)):
        k = 100_000
        estimate = float(fn(x, sigma, k, np.random.default_rng(1)))
        exact = toy_marginal(x, sigma)
        stderr = exact * math.sqrt(toy_relative_variance(x, sigma) / k)
        if not math.isfinite(estimate) or abs(estimate - exact) > 5 * stderr:
            return report(
                name,
                False,
                f"for x={x}, sigma={sigma} and {k:,} samples the estimate is {estimate:.5g} "
                f"but p(x) = {exact:.5g} (standard error {stderr:.2g}); check the Gaussian "
                f"density N(x; z, sigma^2), including its normalising constant",
            )
    x, sigma, k, runs = 0.3, 0.3, 20, 400
    estimates = np.array(
        [
            float(fn(x, sigma, k, np.random.default_rng(100 + r)))
            for r in range(runs)
        ]
    )
    exact_sd = toy_marginal(x, sigma) * math.sqrt(
        toy_relative_variance(x, sigma) / k
    )
    ratio = float(estimates.std() / exact_sd)
    if not 0.7 < ratio < 1.4:
        return report(
            name,
            False,
            f"over {runs} runs with {k} samples the estimates spread with standard deviation "
            f"{estimates.std():.3g}, but a Monte Carlo average of {k} prior samples spreads "
            f"with {exact_sd:.3g}: average p(x|z) over z drawn from the prior N(0, 1)",
        )
    report(
        name,
        True,
        "matches the exact p(x) with 100,000 samples and has the right spread with 20",
    )


def check_bernoulli_log_likelihood(fn) -> None:
    """Check ``fn(x, probs)``: log p(x) of binary images under independent Bernoulli pixels, shape (N,).

    Compared with the course's own loss :func:`cvae_utils.losses.bernoulli_nll_from_logits`
    (which takes logits and returns the negative), on random binary images and probabilities.
    """
    from keras import ops

    from ..losses import bernoulli_nll_from_logits

    name = "bernoulli_log_likelihood"
    if not callable(fn):
        raise TypeError(
            f"check_bernoulli_log_likelihood expects your function, got {type(fn).__name__}"
        )
    ones, half = (
        np.ones((1, 28, 28, 1), "float32"),
        np.full((1, 28, 28, 1), 0.5, "float32"),
    )
    got = as_numpy_result(fn(ones, half), name, lists=True)
    want = 784 * math.log(0.5)
    if got.shape != (1,):
        return report(
            name,
            False,
            f"expected one log-likelihood per image, shape (1,) for one image; got {got.shape}",
        )
    if math.isclose(float(got[0]), -want, rel_tol=1e-4):
        return report(
            name,
            False,
            f"got {float(got[0]):.2f} for an all-ones image with p = 0.5; the log-likelihood is "
            f"{want:.2f} (negative) - you returned the negative log-likelihood",
        )
    if math.isclose(float(got[0]), math.log(0.5), rel_tol=1e-4):
        return report(
            name,
            False,
            "you averaged over pixels; sum the 784 pixel log-probabilities instead",
        )
    if not math.isclose(float(got[0]), want, rel_tol=1e-4):
        return report(
            name,
            False,
            f"an all-ones image with every p = 0.5 should give 784 * log(0.5) = {want:.2f}, "
            f"got {float(got[0]):.4g}",
        )
    rng = np.random.default_rng(3)
    x = (rng.random((6, 28, 28, 1)) < 0.3).astype("float32")
    probs = rng.uniform(0.02, 0.98, size=x.shape).astype("float32")
    got = as_numpy_result(fn(x, probs), name, lists=True)
    logits = np.log(probs) - np.log1p(-probs)
    want = -ops.convert_to_numpy(
        bernoulli_nll_from_logits(
            ops.convert_to_tensor(x), ops.convert_to_tensor(logits)
        )
    )
    if got.shape != want.shape:
        return report(
            name,
            False,
            f"expected shape {want.shape} (one value per image), got {got.shape}",
        )
    if not close(got, want, atol=1e-2, rtol=1e-4):
        only_ones = (x * np.log(probs)).reshape(6, -1).sum(axis=1)
        hint = (
            " - the pixels that are 0 contribute log(1 - p) too"
            if close(got, only_ones, atol=1e-2, rtol=1e-4)
            else ""
        )
        return report(
            name,
            False,
            f"random images: expected {np.round(want[:3], 2)} ..., got {np.round(got[:3], 2)} ...{hint}",
        )
    report(
        name,
        True,
        "agrees with cvae_utils.losses.bernoulli_nll_from_logits on random binary images",
    )
