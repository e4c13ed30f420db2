"""The two terms of the (negative) ELBO, written with keras.ops so they run on every backend.

Both return one value per example (shape (N,)); models average them over the batch.
The reconstruction term is a per-image *sum* over pixels: averaging over pixels instead
while summing the KL silently weights the KL 784 times more (see the KL-weight chapter).
"""

from __future__ import annotations

import math

from keras import ops

# exp(log_var) overflows float32 near 88; no useful posterior needs variances beyond e^±30.
LOG_VAR_MIN, LOG_VAR_MAX = -30.0, 30.0
LOG_2PI = math.log(2.0 * math.pi)


def clip_log_var(log_var):
    """Keep log-variances in a range where exp() is finite in float32."""
    return ops.clip(log_var, LOG_VAR_MIN, LOG_VAR_MAX)


def _sum_over_non_batch_axes(t):
    return ops.sum(ops.reshape(t, (ops.shape(t)[0], -1)), axis=-1)


def bernoulli_nll_from_logits(x, logits):
    """-log p(x | logits) for Bernoulli pixels, summed over each image; shape (N,).

    Uses max(l, 0) - l*x + log(1 + exp(-|l|)), which is finite for any logit and for
    x anywhere in [0, 1] (grey-level MNIST is treated as Bernoulli probabilities).
    """
    x = ops.cast(x, logits.dtype)
    per_pixel = ops.relu(logits) - logits * x + ops.softplus(-ops.abs(logits))
    return _sum_over_non_batch_axes(per_pixel)


def kl_standard_normal(z_mean, z_log_var):
    """KL( N(z_mean, exp(z_log_var)) || N(0, I) ) in closed form, summed over latent dims; shape (N,)."""
    z_log_var = clip_log_var(z_log_var)
    return 0.5 * ops.sum(ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=-1)


def kl_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    """KL( N(mean_q, var_q) || N(mean_p, var_p) ) for diagonal Gaussians, summed; shape (N,).

    Used with a learned conditional prior p(z | condition) instead of N(0, I).
    """
    log_var_q, log_var_p = clip_log_var(log_var_q), clip_log_var(log_var_p)
    return 0.5 * ops.sum(
        log_var_p - log_var_q + (ops.exp(log_var_q) + ops.square(mean_q - mean_p)) / ops.exp(log_var_p) - 1.0,
        axis=-1,
    )


def log_normal(z, mean, log_var):
    """log N(z; mean, exp(log_var)) summed over the last axis (diagonal Gaussian)."""
    log_var = clip_log_var(log_var)
    return -0.5 * ops.sum(LOG_2PI + log_var + ops.square(z - mean) / ops.exp(log_var), axis=-1)
