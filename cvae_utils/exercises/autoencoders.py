"""Self-checks for the exercises of the chapter "Autoencoders".

- :func:`check_reconstruction_loss`: the per-image Bernoulli reconstruction loss from logits;
- :func:`check_fit_gaussian`: the mean and covariance of a set of latent codes;
- :func:`check_pca_reconstruction`: projecting data onto its top-k principal components and back.

Each check calls the student's function on fixed inputs, compares with a reference and prints
"✓ ..." or raises AssertionError saying what is wrong (and, for common slips, why).
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array
from ..losses import bernoulli_nll_from_logits
from . import close, report

__all__ = [
    "check_reconstruction_loss",
    "check_fit_gaussian",
    "check_pca_reconstruction",
]


def _call(fn, name, *args):
    """Call the student's function and return its result as float64 NumPy, or fail with a clear message."""
    if not callable(fn):
        raise TypeError(
            f"pass your function itself (e.g. {name}), not {type(fn).__name__}"
        )
    try:
        out = fn(*args)
    except Exception as exc:  # noqa: BLE001 - any error in student code gets reported the same way
        report(name, False, f"calling it raised {type(exc).__name__}: {exc}")
    return out


def _numpy(value, what, name):
    if value is None:
        report(name, False, f"{what} is None - did you forget `return`?")
    try:
        return as_array(value, what).astype("float64")
    except TypeError as exc:
        report(name, False, f"{what} is not an array of numbers ({exc})")


# -- exercise 1: Bernoulli reconstruction loss --------------------------------------------
def _reference_nll(x, logits):
    import keras

    return keras.ops.convert_to_numpy(
        bernoulli_nll_from_logits(
            keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(logits)
        )
    ).astype("float64")


def check_reconstruction_loss(reconstruction_loss) -> None:
    """Check ``reconstruction_loss(x, logits)``: one Bernoulli NLL per image, summed over pixels.

    Compared with :func:`cvae_utils.losses.bernoulli_nll_from_logits` on grey-level and binary
    images, moderate logits, and logits as large as +-80 (where a naive log(sigmoid) overflows).
    """
    name = "reconstruction_loss"
    rng = np.random.default_rng(0)
    x_grey = rng.uniform(0.0, 1.0, (4, 28, 28, 1)).astype("float32")
    x_binary = (rng.uniform(0.0, 1.0, (4, 28, 28, 1)) > 0.7).astype("float32")
    logits = rng.normal(0.0, 3.0, (4, 28, 28, 1)).astype("float32")

    for label, x in (
        ("grey-level images", x_grey),
        ("binary images", x_binary),
    ):
        expected = _reference_nll(x, logits)
        got = _numpy(
            _call(reconstruction_loss, name, x, logits), "the result", name
        )
        if got.shape != expected.shape:
            hint = ""
            if got.ndim == 0 or got.size == 1:
                hint = " - it looks like you averaged over the batch; return one value per image"
            elif got.shape == x.shape:
                hint = " - that is one value per pixel; sum over all axes except the first"
            report(
                name,
                False,
                f"for 4 images expected shape {expected.shape}, got {got.shape}{hint}",
            )
        if close(got * 784, expected, rtol=1e-3, atol=1e-2):
            report(
                name,
                False,
                "the values are 784 times too small: you averaged over the pixels; "
                "the loss is the SUM over pixels (the VAE needs it in nats per image)",
            )
        if close(-got, expected, rtol=1e-3, atol=1e-2):
            report(
                name,
                False,
                "the sign is wrong: the loss is the NEGATIVE log-likelihood (it is >= 0)",
            )
        if not close(got, expected, rtol=1e-4, atol=1e-2):
            report(
                name,
                False,
                f"on {label} expected {np.round(expected, 2).tolist()}, "
                f"got {np.round(got, 2).tolist()}",
            )

    big = np.where(rng.uniform(size=(4, 28, 28, 1)) > 0.5, 80.0, -80.0).astype(
        "float32"
    )
    expected = _reference_nll(x_binary, big)
    got = _numpy(
        _call(reconstruction_loss, name, x_binary, big), "the result", name
    )
    if not np.all(np.isfinite(got)):
        report(
            name,
            False,
            "correct for moderate logits, but not finite for logits of +-80: log(sigmoid(l)) "
            "underflows to log(0). Use the stable form max(l, 0) - l*x + log(1 + exp(-|l|))",
        )
    if not close(got, expected, rtol=1e-4, atol=1e-2):
        report(
            name,
            False,
            f"correct for moderate logits, but for logits of +-80 expected "
            f"{np.round(expected, 1).tolist()}, got {np.round(got, 1).tolist()}: probabilities "
            f"clipped away from 0 and 1 lose the exact value; use the stable form "
            f"max(l, 0) - l*x + log(1 + exp(-|l|))",
        )
    report(
        name,
        True,
        "matches bernoulli_nll_from_logits on grey and binary images, also for logits of +-80",
    )


# -- exercise 2: a Gaussian fitted to latent codes ----------------------------------------
def _correlated_codes(rng, n, mean, scales, angle):
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    return (rng.standard_normal((n, 2)) * scales) @ rotation.T + mean


def check_fit_gaussian(fit_gaussian) -> None:
    """Check ``fit_gaussian(z)`` -> ``(mean, cov)``: mean of shape (D,), covariance of shape (D, D).

    Either normalisation of the covariance (by N or by N - 1) is accepted.
    """
    name = "fit_gaussian"
    rng = np.random.default_rng(1)
    cases = [
        _correlated_codes(
            rng,
            400,
            mean=np.array([3.0, -1.0]),
            scales=np.array([2.0, 0.5]),
            angle=0.6,
        ),
        rng.standard_normal((300, 3))
        @ np.array([[1.0, 0.3, 0.0], [0.0, 2.0, -0.5], [0.0, 0.0, 0.7]])
        + 5.0,
    ]
    for z in cases:
        n, d = z.shape
        result = _call(fit_gaussian, name, z.astype("float32"))
        if result is None:
            report(
                name,
                False,
                "your function returned None - did you forget `return`?",
            )
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            report(
                name,
                False,
                f"return a pair (mean, cov), got {type(result).__name__}",
            )
        mean = _numpy(result[0], "mean", name)
        cov = _numpy(result[1], "cov", name)
        expected_mean = z.mean(axis=0)
        if mean.shape != (d,):
            hint = (
                " - take the mean over axis 0 (over the codes), one value per latent dimension"
                if mean.shape in ((), (n,))
                else ""
            )
            report(
                name,
                False,
                f"for {n} codes of dimension {d} the mean must have shape ({d},), got {mean.shape}{hint}",
            )
        if not close(mean, expected_mean, atol=1e-4, rtol=1e-4):
            report(
                name,
                False,
                f"mean: expected {np.round(expected_mean, 3).tolist()}, got {np.round(mean, 3).tolist()}",
            )
        if cov.shape == (n, n):
            report(
                name,
                False,
                f"cov has shape {cov.shape}: np.cov treats each ROW as a variable; "
                f"use np.cov(z, rowvar=False) or np.cov(z.T)",
            )
        if cov.shape != (d, d):
            report(
                name, False, f"cov must have shape ({d}, {d}), got {cov.shape}"
            )
        unbiased = np.cov(z, rowvar=False)
        biased = unbiased * (n - 1) / n
        if close(cov, z.T @ z / n, atol=1e-4, rtol=1e-4) or close(
            cov, z.T @ z / (n - 1), atol=1e-4, rtol=1e-4
        ):
            report(
                name,
                False,
                "cov equals z.T @ z / N: subtract the mean first, (z - mean).T @ (z - mean) / N",
            )
        if not (
            close(cov, unbiased, atol=1e-4, rtol=1e-4)
            or close(cov, biased, atol=1e-4, rtol=1e-4)
        ):
            report(
                name,
                False,
                f"cov: expected {np.round(unbiased, 3).tolist()}, got {np.round(cov, 3).tolist()}",
            )
    report(name, True, "mean and covariance match NumPy on 2-D and 3-D codes")


# -- exercise 3: PCA, the linear autoencoder ----------------------------------------------
def _reference_pca_reconstruction(x, k):
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    components = vt[:k]  # (k, D): the top-k principal directions
    return mean + (x - mean) @ components.T @ components


def check_pca_reconstruction(pca_reconstruction) -> None:
    """Check ``pca_reconstruction(x, k)``: x (N, D) projected onto its top-k principal components
    and mapped back to (N, D) — what a linear autoencoder with a k-dimensional code learns."""
    name = "pca_reconstruction"
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 3)) @ np.array(
        [[3.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.5, -0.2, 0.3]]
    ) + np.array([4.0, -2.0, 1.0])
    for k in (1, 2):
        expected = _reference_pca_reconstruction(x, k)
        got = _numpy(
            _call(pca_reconstruction, name, x.astype("float32").copy(), k),
            "the result",
            name,
        )
        if got.shape != x.shape:
            hint = (
                " - that looks like the codes; map them back with the components"
                if got.shape == (len(x), k)
                else ""
            )
            report(
                name,
                False,
                f"expected the reconstruction with the shape of x {x.shape}, got {got.shape}{hint}",
            )
        vt_uncentred = np.linalg.svd(x, full_matrices=False)[2][:k]
        uncentred = x @ vt_uncentred.T @ vt_uncentred
        if close(got, uncentred, atol=1e-3, rtol=1e-3):
            report(
                name,
                False,
                f"with k={k}: subtract the mean of x before the SVD (PCA works on centred data)",
            )
        if close(got + x.mean(axis=0), expected, atol=1e-3, rtol=1e-3):
            report(
                name, False, f"with k={k}: add the mean back after projecting"
            )
        if not close(got, expected, atol=1e-3, rtol=1e-3):
            err = float(np.mean(np.sum((got - expected) ** 2, axis=1)))
            report(
                name,
                False,
                f"with k={k} the reconstruction differs from the projection onto the top-{k} "
                f"principal components (mean squared difference {err:.3g}); use the rows of Vt "
                f"from np.linalg.svd(x - mean) with the LARGEST singular values",
            )
    got = _numpy(
        _call(pca_reconstruction, name, x.astype("float32").copy(), 3),
        "the result",
        name,
    )
    if not close(got, x, atol=1e-3, rtol=1e-3):
        report(
            name,
            False,
            "with k = D (all components) the reconstruction must equal x",
        )
    report(
        name,
        True,
        "matches the top-k principal-component projection for k = 1, 2 and 3",
    )
