"""The two terms of the (negative) ELBO, written with keras.ops so they run on every backend.

Both return one value per example (shape (N,)); models average them over the batch.
The reconstruction term is a per-image *sum* over pixels: averaging over pixels instead
while summing the KL silently weights the KL 784 times more (see the KL-weight chapter).
"""

from __future__ import annotations

import math
import numbers

import keras
import numpy as np
from keras import ops

__all__ = [
    "bernoulli_nll_from_logits",
    "continuous_bernoulli_log_normalizer",
    "continuous_bernoulli_mean_from_logits",
    "continuous_bernoulli_nll_from_logits",
    "gaussian_nll",
    "kl_gaussians",
    "kl_standard_normal",
    "log_normal",
]

# exp(log_var) overflows float32 near 88; no useful posterior needs variances beyond e^±30.
LOG_VAR_MIN, LOG_VAR_MAX = -30.0, 30.0
LOG_2PI = math.log(2.0 * math.pi)


def clip_log_var(log_var):
    """Keep log-variances in a range where exp() is finite in float32.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    return ops.clip(log_var, LOG_VAR_MIN, LOG_VAR_MAX)


def _sum_over_non_batch_axes(t):
    return ops.sum(ops.reshape(t, (ops.shape(t)[0], -1)), axis=-1)


def _float_tensor(t, name):
    """A backend tensor of a float dtype (NumPy arrays and lists are converted)."""
    if t is None or isinstance(t, (str, bytes, dict)):
        raise TypeError(
            f"{name} must be an array or tensor of numbers, got {type(t).__name__}"
        )
    if isinstance(
        t, keras.KerasTensor
    ):  # symbolic (functional API): the ops below handle it
        return t
    if not ops.is_tensor(t) and not hasattr(t, "shape"):
        t = np.asarray(t)
    if isinstance(t, np.ndarray):
        if not (np.issubdtype(t.dtype, np.number) or t.dtype == bool):
            raise TypeError(f"{name} must hold numbers, got dtype {t.dtype}")
        t = (
            t.astype("float32")
            if not np.issubdtype(t.dtype, np.floating)
            else t
        )
    t = ops.convert_to_tensor(t)
    if "float" not in str(t.dtype):
        t = ops.cast(t, "float32")
    return t


def _static_shape(t):
    """The shape as a tuple (None for unknown dimensions), or None when even the rank is unknown."""
    try:
        return tuple(None if d is None else int(d) for d in t.shape)
    except (TypeError, ValueError):
        return None


def _check_same_shape(a, b, name_a, name_b):
    """Raise ValueError when two tensors' (static) shapes differ.

    Broadcasting would otherwise turn e.g. images (N, 28, 28) against logits (N, 28, 28, 1)
    into an (N, 28, 28, 28) loss without any error. Unknown (None) dimensions are not compared,
    so the check also works while a backend traces the training step.
    """
    sa, sb = _static_shape(a), _static_shape(b)
    if sa is None or sb is None:
        return
    if len(sa) != len(sb) or any(
        x is not None and y is not None and x != y for x, y in zip(sa, sb)
    ):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {sa} and {sb}"
        )
    if len(sa) < 2:
        raise ValueError(
            f"{name_a} must have a batch axis and at least one more axis, got shape {sa}"
        )


def _check_broadcastable(a, b, name_a, name_b):
    """Raise ValueError unless two (static) shapes broadcast against each other (NumPy rules)."""
    sa, sb = _static_shape(a), _static_shape(b)
    if sa is None or sb is None:
        return
    if not sa or not sb:
        raise ValueError(
            f"{name_a} and {name_b} must have a latent axis (the last one), got shapes {sa} and {sb}"
        )
    for x, y in zip(reversed(sa), reversed(sb)):
        if x is not None and y is not None and x != y and 1 not in (x, y):
            raise ValueError(
                f"{name_a} and {name_b} must have the same shape (or shapes that broadcast), "
                f"got {sa} and {sb}"
            )


def bernoulli_nll_from_logits(x, logits):
    """-log p(x | logits) for Bernoulli pixels, summed over each image; shape (N,).

    Uses ``max(l, 0) - l*x + log(1 + exp(-|l|))``, which is finite for any logit and for
    x anywhere in [0, 1] (grey-level MNIST is treated as Bernoulli probabilities).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    logits = _float_tensor(logits, "logits")
    x = ops.cast(_float_tensor(x, "x"), logits.dtype)
    _check_same_shape(x, logits, "x", "logits")
    per_pixel = ops.relu(logits) - logits * x + ops.softplus(-ops.abs(logits))
    return _sum_over_non_batch_axes(per_pixel)


def kl_standard_normal(z_mean, z_log_var):
    """KL( N(z_mean, exp(z_log_var)) || N(0, I) ) in closed form, summed over latent dims; shape (N,).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    z_mean, z_log_var = (
        _float_tensor(z_mean, "z_mean"),
        _float_tensor(z_log_var, "z_log_var"),
    )
    _check_broadcastable(z_mean, z_log_var, "z_mean", "z_log_var")
    z_log_var = clip_log_var(z_log_var)
    return 0.5 * ops.sum(
        ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=-1
    )


def kl_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    """KL( N(mean_q, var_q) || N(mean_p, var_p) ) for diagonal Gaussians, summed; shape (N,).

    Used with a learned conditional prior p(z | condition) instead of N(0, I).

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """
    mean_q, log_var_q = (
        _float_tensor(mean_q, "mean_q"),
        _float_tensor(log_var_q, "log_var_q"),
    )
    mean_p, log_var_p = (
        _float_tensor(mean_p, "mean_p"),
        _float_tensor(log_var_p, "log_var_p"),
    )
    for other, name in (
        (log_var_q, "log_var_q"),
        (mean_p, "mean_p"),
        (log_var_p, "log_var_p"),
    ):
        _check_broadcastable(mean_q, other, "mean_q", name)
    log_var_q, log_var_p = clip_log_var(log_var_q), clip_log_var(log_var_p)
    return 0.5 * ops.sum(
        log_var_p
        - log_var_q
        + (ops.exp(log_var_q) + ops.square(mean_q - mean_p))
        / ops.exp(log_var_p)
        - 1.0,
        axis=-1,
    )


def log_normal(z, mean, log_var):
    """log N(z; mean, exp(log_var)) summed over the last axis (diagonal Gaussian).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    z, mean, log_var = (
        _float_tensor(z, "z"),
        _float_tensor(mean, "mean"),
        _float_tensor(log_var, "log_var"),
    )
    _check_broadcastable(z, mean, "z", "mean")
    _check_broadcastable(z, log_var, "z", "log_var")
    log_var = clip_log_var(log_var)
    return -0.5 * ops.sum(
        LOG_2PI + log_var + ops.square(z - mean) / ops.exp(log_var), axis=-1
    )


# -- likelihoods for grey-level pixels (chapter "Grey-level images: likelihoods that fit") -----------

# Below this |logit| the continuous Bernoulli's normaliser and mean use their Taylor series: the
# closed forms divide 0 by 0 at lambda = 0.5 (logit 0). The series' next terms are below 1e-9 there.
CB_TAYLOR_LOGIT = 0.1


def continuous_bernoulli_log_normalizer(logits):
    """log C(lambda) of the continuous Bernoulli (Loaiza-Ganem & Cunningham, 2019), elementwise, from logits.

    C(lambda) = 2 artanh(1 - 2 lambda) / (1 - 2 lambda), which with lambda = sigmoid(l) is
    ``l / tanh(l / 2)``: 2 at l = 0, growing like ``|l|`` for large ``|l|``. Computed as
    ``log|l| + log(1 + e^-|l|) - log(1 - e^-|l|)``, and as ``log 2 + l^2/12 - 7 l^4/1440`` for ``|l| < 0.1``, so it is
    finite and accurate for every logit, including lambda = 0.5 where the closed form is 0/0.

    Introduced in chapter 12, *Grey-level images: likelihoods that fit*.
    """
    logits = _float_tensor(logits, "logits")
    a = ops.abs(logits)
    small = a < CB_TAYLOR_LOGIT
    safe = ops.where(
        small, ops.ones_like(a), a
    )  # keeps the unused branch (and its gradient) finite
    closed = (
        ops.log(safe) + ops.log1p(ops.exp(-safe)) - ops.log(-ops.expm1(-safe))
    )
    sq = ops.square(logits)
    series = math.log(2.0) + sq / 12.0 - 7.0 * ops.square(sq) / 1440.0
    return ops.where(small, series, closed)


def continuous_bernoulli_mean_from_logits(logits):
    """E[x] of the continuous Bernoulli with lambda = sigmoid(logits), elementwise; in (0, 1).

    The mean is not lambda: it is 1 / (1 - e^-l) - 1 / l (1/2 + l/12 - l^3/720 near l = 0), which
    lies between lambda and 1/2.

    Introduced in chapter 12, *Grey-level images: likelihoods that fit*.
    """
    logits = _float_tensor(logits, "logits")
    small = ops.abs(logits) < CB_TAYLOR_LOGIT
    safe = ops.where(small, ops.ones_like(logits), logits)
    closed = 1.0 / (-ops.expm1(-safe)) - 1.0 / safe
    series = 0.5 + logits / 12.0 - ops.power(logits, 3) / 720.0
    return ops.where(small, series, closed)


def continuous_bernoulli_nll_from_logits(x, logits):
    """-log p(x | logits) of the continuous Bernoulli, a density on [0, 1], summed over each image; shape (N,).

    The Bernoulli cross-entropy minus log C(lambda): the normaliser that makes lambda^x (1 - lambda)^(1 - x)
    integrate to 1 over [0, 1]. The result can be negative (a density can exceed 1).

    Introduced in chapter 12, *Grey-level images: likelihoods that fit*.
    """
    logits = _float_tensor(logits, "logits")
    x = ops.cast(_float_tensor(x, "x"), logits.dtype)
    _check_same_shape(x, logits, "x", "logits")
    per_pixel = (
        ops.relu(logits)
        - logits * x
        + ops.softplus(-ops.abs(logits))
        - continuous_bernoulli_log_normalizer(logits)
    )
    return _sum_over_non_batch_axes(per_pixel)


def gaussian_nll(x, mean, log_sigma):
    """-log N(x; mean, sigma^2) summed over each image, in nats; shape (N,).

    ``log_sigma`` is the log standard deviation: a number (one sigma for every pixel), or a tensor
    that broadcasts against ``x`` (one per pixel, or per image and pixel). Per pixel the NLL is
    (x - mean)^2 / (2 sigma^2) + log sigma + log(2 pi) / 2, so with a fixed sigma it is the squared
    error divided by 2 sigma^2 plus a constant. log_sigma is clipped to [-15, 15] (half the
    log-variance range).

    Introduced in chapter 12, *Grey-level images: likelihoods that fit*.
    """
    mean = _float_tensor(mean, "mean")
    x = ops.cast(_float_tensor(x, "x"), mean.dtype)
    _check_same_shape(x, mean, "x", "mean")
    if isinstance(log_sigma, numbers.Real) and not isinstance(log_sigma, bool):
        if not math.isfinite(log_sigma):
            raise ValueError(f"log_sigma must be finite, got {log_sigma!r}")
        log_sigma = ops.convert_to_tensor(float(log_sigma), dtype=mean.dtype)
    else:
        log_sigma = ops.cast(_float_tensor(log_sigma, "log_sigma"), mean.dtype)
        if (
            _static_shape(log_sigma) != ()
        ):  # a 0-d tensor (one learned sigma) broadcasts anyway
            _check_broadcastable(x, log_sigma, "x", "log_sigma")
    log_sigma = ops.clip(log_sigma, 0.5 * LOG_VAR_MIN, 0.5 * LOG_VAR_MAX)
    per_pixel = (
        0.5 * ops.square((x - mean) * ops.exp(-log_sigma))
        + log_sigma
        + 0.5 * LOG_2PI
    )
    per_pixel = per_pixel + ops.zeros_like(
        x
    )  # a scalar log_sigma still gives one value per pixel
    return _sum_over_non_batch_axes(per_pixel)
