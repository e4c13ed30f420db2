"""Chapter 2, "Generative models and latent variables": helpers and exercise self-checks.

Two small latent-variable models are used in the chapter:

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
import numbers

import numpy as np

from ..checks import as_array
from . import close, report

__all__ = [
    "toy_marginal", "toy_relative_variance", "samples_for_relative_error",
    "smoothed_probabilities", "bernoulli_log_likelihood_matrix", "log_mean_exp", "effective_sample_size",
    "plot_latent_variable_schematic",
    "check_class_mean_images", "check_mc_marginal", "check_bernoulli_log_likelihood",
]


# ----------------------------------------------------------------------------------------------
# The toy Gaussian latent-variable model
# ----------------------------------------------------------------------------------------------

def _check_sigma(sigma) -> float:
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"sigma must be a positive number, got {type(sigma).__name__} {sigma!r}")
    if not math.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a finite number > 0, got {sigma}")
    return float(sigma)


def _point(x) -> np.ndarray:
    """A data point of the toy model as a float64 vector of shape (d,) (a number counts as d = 1)."""
    arr = as_array(x, "x").astype("float64")
    if arr.ndim == 0:
        arr = arr[None]
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"x must be a number or a vector of shape (d,), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x contains NaN or infinite values")
    return arr


def _log_normal(x, var) -> float:
    """log N(x; 0, var I) summed over the entries of x."""
    return float(np.sum(-0.5 * (math.log(2 * math.pi * var) + x ** 2 / var)))


def toy_marginal(x, sigma) -> float:
    """Exact density p(x) of the toy model ``z ~ N(0, I)``, ``x | z ~ N(z, sigma^2 I)``.

    Integrating z out of a Gaussian with a Gaussian gives ``p(x) = N(x; 0, (1 + sigma^2) I)``.
    ``x`` is a number (d = 1) or a vector of shape (d,).
    """
    sigma = _check_sigma(sigma)
    return math.exp(_log_normal(_point(x), 1.0 + sigma ** 2))


def toy_relative_variance(x, sigma) -> float:
    """Exact ``Var[w] / p(x)^2`` of one naive Monte Carlo term ``w = p(x | z)``, ``z ~ p(z)``.

    The average of K such terms estimates p(x) with relative standard error
    ``sqrt(toy_relative_variance(x, sigma) / K)``. Per dimension,
    ``E[w^2] = N(x_i; 0, 1 + sigma^2 / 2) / (2 sigma sqrt(pi))``, and the d dimensions multiply.
    """
    sigma = _check_sigma(sigma)
    x = _point(x)
    log_second_moment = -x.size * math.log(2 * sigma * math.sqrt(math.pi)) + _log_normal(x, 1.0 + sigma ** 2 / 2)
    log_ratio = log_second_moment - 2 * _log_normal(x, 1.0 + sigma ** 2)
    return math.expm1(log_ratio) if log_ratio < 700 else math.inf


def samples_for_relative_error(x, sigma, relative_error: float = 0.1) -> float:
    """How many prior samples the naive Monte Carlo estimate of p(x) needs for a given relative error.

    ``K = Var[w] / (p(x)^2 * relative_error^2)`` (rounded up), from :func:`toy_relative_variance`.
    """
    if isinstance(relative_error, bool) or not isinstance(relative_error, numbers.Real) or not relative_error > 0:
        raise ValueError(f"relative_error must be a number > 0, got {relative_error!r}")
    ratio = toy_relative_variance(x, sigma) / relative_error ** 2
    return math.inf if not math.isfinite(ratio) else float(math.ceil(ratio))


# ----------------------------------------------------------------------------------------------
# Bernoulli pixel models
# ----------------------------------------------------------------------------------------------

def _flat_images(x, name) -> np.ndarray:
    arr = as_array(x, name).astype("float64")
    if arr.ndim < 2:
        raise ValueError(f"{name} must be a batch of images of shape (N, ...), got shape {arr.shape}")
    return arr.reshape(len(arr), -1)


def smoothed_probabilities(images, eps: float = 0.05) -> np.ndarray:
    """Turn images in [0, 1] into pixel probabilities in [eps, 1 - eps]: ``eps + (1 - 2 eps) * images``.

    A Bernoulli pixel with probability exactly 0 or 1 gives log-likelihood minus infinity to any
    image that disagrees in one pixel; keeping eps away from the ends avoids that.
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < 0.5:
        raise ValueError(f"eps must be a number in (0, 0.5), got {eps!r}")
    arr = as_array(images, "images").astype("float32")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"images must hold values in [0, 1], got [{arr.min():g}, {arr.max():g}]")
    return (eps + (1 - 2 * eps) * arr).astype("float32")


def bernoulli_log_likelihood_matrix(x, probs) -> np.ndarray:
    """``log p(x_n | component k)`` for every image n and every Bernoulli component k; shape (N, K).

    ``x``: N images with pixels in {0, 1} (any shape (N, ...)); ``probs``: K images of pixel
    probabilities strictly inside (0, 1), of the same image shape. One matrix product does all
    N * K sums over pixels: ``x . log(p / (1 - p)) + sum log(1 - p)``.
    """
    xf, pf = _flat_images(x, "x"), _flat_images(probs, "probs")
    if xf.shape[1] != pf.shape[1]:
        raise ValueError(f"x and probs must have the same image shape, got {np.shape(x)[1:]} and {np.shape(probs)[1:]}")
    if not np.all((pf > 0) & (pf < 1)):
        raise ValueError("probs must lie strictly between 0 and 1 (smooth them, e.g. with smoothed_probabilities)")
    log_p, log_1mp = np.log(pf), np.log1p(-pf)
    return xf @ (log_p - log_1mp).T + log_1mp.sum(axis=1)


def log_mean_exp(a, axis: int = -1) -> np.ndarray:
    """``log(mean(exp(a)))`` along an axis, computed without overflow or underflow."""
    a = as_array(a, "a").astype("float64")
    a_max = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.mean(np.exp(a - a_max), axis=axis, keepdims=True)) + a_max
    return np.squeeze(out, axis=axis)


def effective_sample_size(log_weights, axis: int = -1) -> np.ndarray:
    """``(sum w)^2 / sum w^2`` for weights given as logs: how many of the terms really count.

    It is K when all K weights are equal and 1 when one weight dominates all others.
    """
    lw = as_array(log_weights, "log_weights").astype("float64")
    w = np.exp(lw - np.max(lw, axis=axis, keepdims=True))
    return np.sum(w, axis=axis) ** 2 / np.sum(w ** 2, axis=axis)


# ----------------------------------------------------------------------------------------------
# Figure: the two halves of a latent-variable model
# ----------------------------------------------------------------------------------------------

def plot_latent_variable_schematic(title: str = "Encoder and decoder: the two halves of the model"):
    """A block diagram: x -> encoder f(x) ≈ q(z|x) -> z -> decoder g(z) = p(x|z) -> x, with the prior p(z)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(9, 3.4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.axis("off")

    def box(x, y, w, h, text, color):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.08", fc=color, ec="black", lw=1.2))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=10)

    def arrow(x0, y0, x1, y1, text=None, dy=0.18):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", lw=1.5))
        if text:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + dy, text, ha="center", va="bottom", fontsize=9)

    box(0.2, 2.2, 1.3, 1.0, "image\n$x$", "#e8e8e8")
    box(2.3, 2.2, 1.9, 1.0, "encoder\n$f(x)$, later $q_\\phi(z|x)$", "#cfe2f3")
    box(4.9, 2.2, 0.9, 1.0, "code\n$z$", "#fff2cc")
    box(6.5, 2.2, 1.9, 1.0, "decoder\n$g(z)$, i.e. $p_\\theta(x|z)$", "#d9ead3")
    box(8.9, 2.2, 1.0, 1.0, "image\n$\\hat{x}$", "#e8e8e8")
    box(4.55, 0.25, 1.6, 0.9, "prior\n$p(z)=\\mathcal{N}(0, I)$", "#fce5cd")
    arrow(1.6, 2.7, 2.25, 2.7)
    arrow(4.3, 2.7, 4.85, 2.7)
    arrow(5.9, 2.7, 6.45, 2.7)
    arrow(8.5, 2.7, 8.85, 2.7)
    arrow(5.35, 1.25, 5.35, 2.1)
    ax.text(5.5, 1.6, "generate: sample $z$", fontsize=9, ha="left", va="center")
    ax.text(3.25, 3.55, "encode: image → code", ha="center", fontsize=9, style="italic")
    ax.text(7.45, 3.55, "decode: code → image", ha="center", fontsize=9, style="italic")
    ax.set_title(title)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Exercise self-checks
# ----------------------------------------------------------------------------------------------

def _reference_class_means(x, y, num_classes):
    return np.stack([x[y == k].mean(axis=0) for k in range(num_classes)])


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
    expected = _reference_class_means(x, y, num_classes)
    got = np.asarray(fn(x, y, num_classes=num_classes))
    if got.shape != expected.shape:
        return report(name, False, f"expected shape {expected.shape} (one image per class), got {got.shape}")
    if close(got, np.broadcast_to(x.mean(axis=0), expected.shape)):
        return report(name, False, "every class got the mean of ALL images: select the images of class k with x[y == k]")
    if not close(got, expected, atol=1e-5):
        wrong = [k for k in range(num_classes) if not close(got[k], expected[k], atol=1e-5)]
        return report(name, False, f"the mean images of classes {wrong} are wrong (max error "
                                   f"{float(np.abs(got - expected).max()):.3g})")
    return report(name, True, f"{num_classes} classes with unbalanced counts, shape {got.shape}")


def _reference_mc_marginal(x, sigma, num_samples, rng):
    z = rng.standard_normal(num_samples)
    return float(np.mean(np.exp(-0.5 * ((x - z) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))))


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
    got = np.asarray(fn(ones, half), dtype="float64")
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
    got = np.asarray(fn(x, probs), dtype="float64")
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
