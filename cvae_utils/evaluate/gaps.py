"""Why the ELBO is loose: the amortisation gap and the approximation gap (chapter 07).

The gap between -ELBO and -log p(x) is KL(q(z|x) || p(z|x)). Cremer et al. (2018) split it in two
by fitting, for each image on its own, the diagonal Gaussian with the best ELBO, the decoder fixed:

- the **amortisation gap**: -ELBO of the encoder's Gaussian minus -ELBO of the fitted one, the price
  of one encoder network for every image;
- the **approximation gap**: -ELBO of the fitted Gaussian minus -log p(x), the price of a diagonal
  Gaussian, however well chosen.

:func:`fit_posterior` fits the Gaussians (gradient ascent on the ELBO of each image);
:func:`inference_gaps` measures both gaps, with -log p(x) importance-sampled from the fitted
Gaussians (an upper bound, so the approximation gap it reports is a lower bound).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .._validation import (
    as_array,
    check_positive_float,
    check_positive_int,
    check_seed,
)
from ..gradients import gradients
from .likelihood import _model_arrays

__all__ = ["fit_posterior", "inference_gaps"]


def _inputs(model, x, y, who: str):
    """The model's input batch (a tensor, or [images, labels] for a CVAE), checked."""
    arrays = [
        ops.convert_to_tensor(a) for a in _model_arrays(model, x, y, who)
    ]
    return (arrays if len(arrays) > 1 else arrays[0]), len(arrays[0])


def _posterior(posterior, n: int, latent_dim: int):
    if not isinstance(posterior, (tuple, list)) or len(posterior) != 2:
        raise TypeError(
            "posterior must be a pair (z_mean, z_log_var), e.g. the result of fit_posterior"
        )
    arrays = [
        as_array(p, name).astype("float32")
        for p, name in zip(posterior, ("z_mean", "z_log_var"))
    ]
    for arr, name in zip(arrays, ("z_mean", "z_log_var")):
        if arr.shape != (n, latent_dim):
            raise ValueError(
                f"posterior's {name} must have shape ({n}, {latent_dim}), one row per image, "
                f"got {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(
                f"posterior's {name} contains NaN or infinite values"
            )
    return arrays


def fit_posterior(
    model,
    x,
    y=None,
    steps: int = 100,
    num_samples: int = 8,
    learning_rate: float = 0.05,
    seed: int = 0,
):
    """The diagonal Gaussian with the best ELBO for each image on its own: ``(z_mean, z_log_var)``,
    NumPy arrays of shape (N, latent_dim).

    Starts from the encoder's Gaussian and takes ``steps`` Adam steps on -ELBO (``num_samples``
    reparameterised draws per image and step, the KL in closed form) with the model's weights fixed.
    Each image's Gaussian has its own parameters, so the images do not interact. A CVAE needs ``y``.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    inputs, n = _inputs(model, x, y, "fit_posterior")
    steps = check_positive_int(steps, "steps")
    num_samples = check_positive_int(num_samples, "num_samples")
    learning_rate = check_positive_float(learning_rate, "learning_rate")
    check_seed(seed)
    start = (
        model.encode(*[ops.convert_to_numpy(t) for t in inputs])
        if model.conditional
        else model.encode(ops.convert_to_numpy(inputs))
    )
    mean = keras.Variable(np.asarray(start[0], "float32"), name="z_mean")
    log_var = keras.Variable(np.asarray(start[1], "float32"), name="z_log_var")
    optimizer = keras.optimizers.Adam(learning_rate)
    seed_generator = keras.random.SeedGenerator(seed)

    def loss():  # the sum of the images' -ELBO: each gradient is its own image's
        _, log_px_z, kl = model.log_importance_weights(
            inputs, num_samples, seed_generator, posterior=(mean, log_var)
        )
        return ops.sum(-ops.mean(log_px_z, axis=0) + kl)

    for _ in range(steps):
        _, grads = gradients(loss, [mean, log_var])  # NumPy arrays
        grads = [
            ops.convert_to_tensor(g) for g in grads
        ]  # PyTorch wants tensors
        optimizer.apply_gradients(zip(grads, [mean, log_var]))
    return ops.convert_to_numpy(mean), ops.convert_to_numpy(log_var)


def _bounds(model, inputs, n, posterior, num_samples, seed, budget=4096):
    """Per image: -ELBO (closed-form KL) and -log (1/K) sum_k w_k, from the same K draws of q."""
    seed_generator = keras.random.SeedGenerator(seed)
    step = max(1, budget // num_samples)
    elbo, nll = [], []
    for start in range(0, n, step):
        part = slice(start, start + step)
        batch = (
            [t[part] for t in inputs]
            if isinstance(inputs, list)
            else inputs[part]
        )
        q = None if posterior is None else tuple(p[part] for p in posterior)
        log_w, log_px_z, kl = model.log_importance_weights(
            batch, num_samples, seed_generator, posterior=q
        )
        elbo.append(ops.convert_to_numpy(-ops.mean(log_px_z, axis=0) + kl))
        nll.append(
            ops.convert_to_numpy(
                -(ops.logsumexp(log_w, axis=0) - math.log(num_samples))
            )
        )
    return np.concatenate(elbo).astype("float64"), np.concatenate(nll).astype(
        "float64"
    )


def inference_gaps(
    model,
    x,
    y=None,
    posterior=None,
    num_samples: int = 1000,
    seed: int = 0,
) -> dict:
    """The -ELBO of the encoder and of the best Gaussian per image, -log p(x), and the two gaps
    between them, in nats per image averaged over the images (Cremer et al., 2018).

    ``posterior`` is the pair of :func:`fit_posterior` (fitted here with its defaults if None).
    Every bound uses ``num_samples`` draws per image; -log p(x) is importance-sampled with the
    fitted Gaussian as the proposal (or the encoder's, where that gives the lower value), so it is
    an upper bound on the true value and the approximation gap a lower bound. Returns a dict with
    keys ``"-ELBO encoder"``, ``"-ELBO fitted"``, ``"-log p(x)"``, ``"amortisation gap"`` (the
    first minus the second) and ``"approximation gap"`` (the second minus the third).

    Introduced in chapter 07, *Evaluating generative models*.
    """
    inputs, n = _inputs(model, x, y, "inference_gaps")
    num_samples = check_positive_int(num_samples, "num_samples")
    check_seed(seed)
    if posterior is None:
        posterior = fit_posterior(model, x, y, seed=seed)
    posterior = _posterior(posterior, n, model.latent_dim)
    elbo_encoder, nll_encoder = _bounds(
        model, inputs, n, None, num_samples, seed
    )
    elbo_fitted, nll_fitted = _bounds(
        model,
        inputs,
        n,
        [ops.convert_to_tensor(p) for p in posterior],
        num_samples,
        seed,
    )
    nll = np.minimum(nll_encoder, nll_fitted)  # both are upper bounds
    return {
        "-ELBO encoder": float(elbo_encoder.mean()),
        "-ELBO fitted": float(elbo_fitted.mean()),
        "-log p(x)": float(nll.mean()),
        "amortisation gap": float((elbo_encoder - elbo_fitted).mean()),
        "approximation gap": float((elbo_fitted - nll).mean()),
    }
