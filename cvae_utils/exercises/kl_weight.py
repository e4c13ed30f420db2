"""Chapter "The KL weight and posterior collapse": exercise self-checks.

Self-checks (each prints "✓ ..." when a learner's function is right, raises AssertionError otherwise):

- :func:`check_beta_loss`: the beta-weighted objective reconstruction + beta * KL.
- :func:`check_kl_per_dimension`: the KL of each latent dimension, averaged over the data.
- :func:`check_implicit_beta`: the KL weight hidden in a loss that averages the reconstruction over pixels.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import close, report
from . import require_callable as _require_callable

__all__ = [
    "check_beta_loss",
    "check_kl_per_dimension",
    "check_implicit_beta",
]


# ----------------------------------------------------------------------------------------------
# Exercise self-checks
# ----------------------------------------------------------------------------------------------


def _as_float_array(value, name: str) -> np.ndarray:
    if value is None:
        report(
            name,
            False,
            "your function returned None - did you forget `return`?",
        )
    if isinstance(value, (tuple, list, dict)) and not all(
        isinstance(v, numbers.Real) for v in value
    ):
        report(
            name,
            False,
            f"your function returned a {type(value).__name__}; return one number or array",
        )
    try:
        import keras

        if keras.ops.is_tensor(value):
            value = keras.ops.convert_to_numpy(value)
        return np.asarray(value, dtype="float64")
    except (TypeError, ValueError) as exc:
        report(name, False, f"could not read your result as numbers ({exc})")


def _fmt(a, decimals=3):
    return np.array2string(
        np.round(np.asarray(a, "float64"), decimals), separator=", "
    )


# -- exercise 1: the beta-weighted objective ---------------------------------------------------


def check_beta_loss(beta_loss) -> None:
    """Check ``beta_loss(reconstruction, kl, beta)``: the objective reconstruction + beta * KL.

    ``reconstruction`` and ``kl`` are per-image values in nats (arrays of shape (N,)); ``beta`` is a
    number >= 0. The answer has shape (N,). Tried with beta = 0, 0.5, 1 and 8.
    """
    name = "beta_loss"
    _require_callable(beta_loss, "check_beta_loss(beta_loss)")
    reconstruction = np.array([150.0, 92.5, 201.0, 130.0], dtype="float32")
    kl = np.array([5.0, 25.0, 0.0, 12.5], dtype="float32")
    rec64, kl64 = reconstruction.astype("float64"), kl.astype("float64")
    for beta in (0.0, 0.5, 1.0, 8.0):
        got = _as_float_array(beta_loss(reconstruction, kl, beta), name)
        expected = rec64 + beta * kl64
        if got.shape == ():
            report(
                name,
                False,
                f"with beta={beta:g} you returned one number ({float(got):.3f}); return one "
                f"value per image, shape {expected.shape} - the model averages over the batch",
            )
        if got.shape != expected.shape:
            report(
                name,
                False,
                f"with beta={beta:g} expected shape {expected.shape}, got {got.shape}",
            )
        if close(got, expected, atol=1e-3):
            continue
        hint = ""
        if close(got, rec64 + kl64, atol=1e-3):
            hint = " You ignored beta: it multiplies the KL."
        elif close(got, beta * rec64 + kl64, atol=1e-3):
            hint = " beta multiplies the reconstruction in your answer; it weights the KL."
        elif close(got, beta * (rec64 + kl64), atol=1e-3):
            hint = " beta multiplies both terms; it weights only the KL."
        elif close(got, rec64 - beta * kl64, atol=1e-3):
            hint = " The KL is added, not subtracted: the objective is -ELBO-like, to be minimised."
        report(
            name,
            False,
            f"with beta={beta:g}, reconstruction={_fmt(reconstruction, 1)} and kl={_fmt(kl, 1)} "
            f"expected {_fmt(expected, 2)}, got {_fmt(got, 2)}.{hint}",
        )
    report(name, True, "reconstruction + beta * KL for beta = 0, 0.5, 1 and 8")


# -- exercise 2: KL per latent dimension -------------------------------------------------------


def _kl_per_dimension_reference(z_mean, z_log_var):
    m, lv = np.asarray(z_mean, "float64"), np.asarray(z_log_var, "float64")
    return (0.5 * (np.exp(lv) + m**2 - 1.0 - lv)).mean(axis=0)


def check_kl_per_dimension(kl_per_dimension) -> None:
    """Check ``kl_per_dimension(z_mean, z_log_var)``: for each latent dimension j, the closed-form
    KL( N(mu_j, sigma_j^2) || N(0, 1) ) averaged over the N images; shape (d,).

    The test posteriors have one collapsed dimension (mean 0, log-variance 0 for every image: KL 0),
    so the sum over dimensions, a missing average over images and a forgotten factor 1/2 are caught.
    """
    name = "kl_per_dimension"
    _require_callable(
        kl_per_dimension, "check_kl_per_dimension(kl_per_dimension)"
    )
    z_mean = np.array(
        [
            [1.0, 0.0, -0.5],
            [-2.0, 0.0, 0.3],
            [0.5, 0.0, 0.1],
            [0.0, 0.0, -1.2],
        ],
        dtype="float32",
    )
    z_log_var = np.array(
        [
            [-2.0, 0.0, -0.5],
            [-3.0, 0.0, 0.2],
            [-1.0, 0.0, -0.1],
            [-2.5, 0.0, 0.4],
        ],
        dtype="float32",
    )
    expected = _kl_per_dimension_reference(z_mean, z_log_var)
    got = _as_float_array(kl_per_dimension(z_mean, z_log_var), name)
    n, d = z_mean.shape
    if got.shape == (n,):
        report(
            name,
            False,
            f"expected one value per latent dimension, shape ({d},), got shape {got.shape}: "
            f"you summed over the dimensions (axis=-1) - average over the images (axis=0) instead",
        )
    if got.shape == (n, d):
        report(
            name,
            False,
            f"expected shape ({d},), got {got.shape}: average the per-image values over the "
            f"images (axis=0)",
        )
    if got.shape != expected.shape:
        report(
            name, False, f"expected shape {expected.shape}, got {got.shape}"
        )
    if close(got, expected, atol=1e-4):
        report(
            name,
            True,
            f"per-dimension KL {_fmt(expected)} nats; the collapsed dimension 2 has KL 0",
        )
        return
    hint = ""
    if close(got, n * expected, atol=1e-3):
        hint = " Your values are N times too large: average over the images, do not sum."
    elif close(got, 2 * expected, atol=1e-3):
        hint = " Your values are twice too large: the closed form has a factor 1/2."
    elif close(
        got,
        (
            0.5
            * (
                np.exp(0.5 * z_log_var.astype("float64"))
                + z_mean.astype("float64") ** 2
                - 1.0
                - z_log_var
            )
        ).mean(axis=0),
        atol=1e-3,
    ):
        hint = (
            " You used the standard deviation exp(log_var / 2) where the variance exp(log_var) belongs: "
            "z_log_var is log sigma^2."
        )
    elif abs(got[1]) > 1e-4:
        hint = " Dimension 2 has mean 0 and log-variance 0 for every image (q = p), so its KL must be 0."
    report(name, False, f"expected {_fmt(expected)}, got {_fmt(got)}.{hint}")


# -- exercise 3: the implicit beta of a pixel-averaged loss -------------------------------------

_IMPLICIT_BETA_CASES = (
    ((28, 28, 1), 16, False),
    ((28, 28, 1), 16, True),
    ((32, 32, 3), 128, False),
    ((64, 64, 3), 32, True),
    ((28, 28), 2, False),
)


def _implicit_beta_reference(image_shape, latent_dim, kl_averaged):
    pixels = int(np.prod(image_shape))
    return pixels / latent_dim if kl_averaged else float(pixels)


def check_implicit_beta(implicit_beta) -> None:
    """Check ``implicit_beta(image_shape, latent_dim, kl_averaged)``.

    The loss in question is mean_over_values(pixel NLL) + KL, where the mean runs over every value
    of an image of shape ``image_shape`` (height, width[, channels]) and the KL is summed over the
    ``latent_dim`` dimensions - or averaged over them when ``kl_averaged`` is True. The answer is the
    beta for which this loss is proportional to sum_over_values(pixel NLL) + beta * (summed KL).
    """
    name = "implicit_beta"
    _require_callable(implicit_beta, "check_implicit_beta(implicit_beta)")
    for shape, latent_dim, kl_averaged in _IMPLICIT_BETA_CASES:
        expected = _implicit_beta_reference(shape, latent_dim, kl_averaged)
        got = _as_float_array(
            implicit_beta(shape, latent_dim, kl_averaged), name
        )
        if got.shape != ():
            report(name, False, f"return one number, got shape {got.shape}")
        got = float(got)
        if np.isclose(got, expected, rtol=1e-6):
            continue
        case = f"image_shape={shape}, latent_dim={latent_dim}, kl_averaged={kl_averaged}"
        pixels = int(np.prod(shape))
        hint = ""
        if np.isclose(got, 1.0 / expected, rtol=1e-6):
            hint = " You returned 1/beta: multiply the whole loss by the number of pixel values to get a sum."
        elif len(shape) == 3 and np.isclose(
            got, _implicit_beta_reference(shape[:2], latent_dim, kl_averaged)
        ):
            hint = " The mean runs over every value, channels included: use the product of the whole shape."
        elif kl_averaged and np.isclose(got, float(pixels)):
            hint = " The KL is averaged over the latent dimensions too, which divides its weight by latent_dim."
        elif kl_averaged and np.isclose(got, float(pixels * latent_dim)):
            hint = " Averaging the KL over latent_dim makes it smaller: divide by latent_dim, do not multiply."
        report(
            name,
            False,
            f"for {case} expected {expected:g}, got {got:g}.{hint}",
        )
    report(
        name,
        True,
        "784 for 28x28 MNIST; 3,072 for 32x32x3 colour images; divided by the latent "
        "size when the KL is averaged too",
    )
