"""The toy model and the Monte Carlo arithmetic of chapter 02, *Generative models and latent variables*:
exact densities of z ~ N(0, I), x | z ~ N(z, sigma^2 I), the naive estimator's variance, Bernoulli
mixtures of images, log-mean-exp and the effective sample size.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_array, check_number, check_positive_float

__all__ = [
    "bernoulli_log_likelihood_matrix",
    "effective_sample_size",
    "log_mean_exp",
    "samples_for_relative_error",
    "smoothed_probabilities",
    "toy_marginal",
    "toy_relative_variance",
]


def _point(x) -> np.ndarray:
    """A data point of the toy model as a float64 vector of shape (d,) (a number counts as d = 1)."""
    arr = as_array(x, "x").astype("float64")
    if arr.ndim == 0:
        arr = arr[None]
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"x must be a number or a vector of shape (d,), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("x contains NaN or infinite values")
    return arr


def _log_normal(x, var) -> float:
    """log N(x; 0, var I) summed over the entries of x."""
    return float(np.sum(-0.5 * (math.log(2 * math.pi * var) + x**2 / var)))


def toy_marginal(x, sigma) -> float:
    """Exact density p(x) of the toy model ``z ~ N(0, I)``, ``x | z ~ N(z, sigma^2 I)``.

    Integrating z out of a Gaussian with a Gaussian gives ``p(x) = N(x; 0, (1 + sigma^2) I)``.
    ``x`` is a number (d = 1) or a vector of shape (d,).

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    sigma = check_positive_float(sigma, "sigma")
    return math.exp(_log_normal(_point(x), 1.0 + sigma**2))


def toy_relative_variance(x, sigma) -> float:
    """Exact ``Var[w] / p(x)^2`` of one naive Monte Carlo term ``w = p(x | z)``, ``z ~ p(z)``.

    The average of K such terms estimates p(x) with relative standard error
    ``sqrt(toy_relative_variance(x, sigma) / K)``. Per dimension,
    ``E[w^2] = N(x_i; 0, 1 + sigma^2 / 2) / (2 sigma sqrt(pi))``, and the d dimensions multiply.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    sigma = check_positive_float(sigma, "sigma")
    x = _point(x)
    log_second_moment = -x.size * math.log(
        2 * sigma * math.sqrt(math.pi)
    ) + _log_normal(x, 1.0 + sigma**2 / 2)
    log_ratio = log_second_moment - 2 * _log_normal(x, 1.0 + sigma**2)
    return math.expm1(log_ratio) if log_ratio < 700 else math.inf


def samples_for_relative_error(x, sigma, relative_error: float = 0.1) -> float:
    """How many prior samples the naive Monte Carlo estimate of p(x) needs for a given relative error.

    ``K = Var[w] / (p(x)^2 * relative_error^2)`` (rounded up), from :func:`toy_relative_variance`.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    relative_error = check_number(
        relative_error, "relative_error", low=0, open_low=True
    )
    ratio = toy_relative_variance(x, sigma) / relative_error**2
    return math.inf if not math.isfinite(ratio) else float(math.ceil(ratio))


def _flat_images(x, name) -> np.ndarray:
    arr = as_array(x, name).astype("float64")
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must be a batch of images of shape (N, ...), got shape {arr.shape}"
        )
    return arr.reshape(len(arr), -1)


def smoothed_probabilities(images, eps: float = 0.05) -> np.ndarray:
    """Turn images in [0, 1] into pixel probabilities in [eps, 1 - eps]: ``eps + (1 - 2 eps) * images``.

    A Bernoulli pixel with probability exactly 0 or 1 gives log-likelihood minus infinity to any
    image that disagrees in one pixel; keeping eps away from the ends avoids that.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    eps = check_number(
        eps, "eps", low=0, high=0.5, open_low=True, open_high=True
    )
    arr = as_array(images, "images").astype("float32")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(
            f"images must hold values in [0, 1], got [{arr.min():g}, {arr.max():g}]"
        )
    return (eps + (1 - 2 * eps) * arr).astype("float32")


def bernoulli_log_likelihood_matrix(x, probs) -> np.ndarray:
    """``log p(x_n | component k)`` for every image n and every Bernoulli component k; shape (N, K).

    ``x``: N images with pixels in {0, 1} (any shape (N, ...)); ``probs``: K images of pixel
    probabilities strictly inside (0, 1), of the same image shape. One matrix product does all
    N * K sums over pixels: ``x . log(p / (1 - p)) + sum log(1 - p)``.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    xf, pf = _flat_images(x, "x"), _flat_images(probs, "probs")
    if xf.shape[1] != pf.shape[1]:
        raise ValueError(
            f"x and probs must have the same image shape, got {np.shape(x)[1:]} and {np.shape(probs)[1:]}"
        )
    if not np.all((pf > 0) & (pf < 1)):
        raise ValueError(
            "probs must lie strictly between 0 and 1 (smooth them, e.g. with smoothed_probabilities)"
        )
    log_p, log_1mp = np.log(pf), np.log1p(-pf)
    return xf @ (log_p - log_1mp).T + log_1mp.sum(axis=1)


def log_mean_exp(a, axis: int = -1) -> np.ndarray:
    """``log(mean(exp(a)))`` along an axis, computed without overflow or underflow.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    a = as_array(a, "a").astype("float64")
    a_max = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.mean(np.exp(a - a_max), axis=axis, keepdims=True)) + a_max
    return np.squeeze(out, axis=axis)


def effective_sample_size(log_weights, axis: int = -1) -> np.ndarray:
    """``(sum w)^2 / sum w^2`` for weights given as logs: how many of the terms really count.

    It is K when all K weights are equal and 1 when one weight dominates all others.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    lw = as_array(log_weights, "log_weights").astype("float64")
    w = np.exp(lw - np.max(lw, axis=axis, keepdims=True))
    return np.sum(w, axis=axis) ** 2 / np.sum(w**2, axis=axis)
