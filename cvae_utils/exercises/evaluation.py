"""Self-checks for the exercises of the chapter "Evaluating generative models".

- :func:`check_nll_from_log_weights`: -log (1/K) sum_k w_k from log-weights, without underflow.
- :func:`check_bits_per_dim`: nats per image -> bits per pixel, the unit of image-model papers.
- :func:`check_confusion_matrix`: requested vs judged classes of generated images, rows summing to 1.

Each calls the learner's NumPy (or keras.ops) function on known inputs and compares it with a
reference, printing ``✓ ...`` or raising AssertionError that names the likely mistake.
"""

from __future__ import annotations

import math

import numpy as np

from . import as_numpy_result as _as_numpy
from . import close, report
from . import require_callable as _require_callable

# -- exercise 1: the importance-sampled estimate from log-weights --------------------------------


def nll_from_log_weights_reference(log_weights):
    """-log (1/K) sum_k exp(log_weights[k, n]) for every column n, computed stably."""
    log_weights = np.asarray(log_weights, dtype="float64")
    top = log_weights.max(axis=0)
    return -(top + np.log(np.mean(np.exp(log_weights - top), axis=0)))


def check_nll_from_log_weights(nll_fn) -> None:
    """Check ``nll_fn(log_weights)``: log-weights of shape (K, N) -> one estimate per image, (N,)."""
    _require_callable(
        nll_fn, "check_nll_from_log_weights(nll_from_log_weights)"
    )
    name = "importance-sampled NLL from log-weights"
    rng = np.random.default_rng(0)
    # realistic magnitudes: log p(x, z) - log q(z|x) of a digit is around -100 nats,
    # where exp() underflows to 0 in float64 below about -745
    log_w = rng.normal(-100.0, 3.0, size=(50, 4))
    log_w[:, 3] -= 900.0
    expected = nll_from_log_weights_reference(log_w)
    got = _as_numpy(nll_fn(log_w), name, "one value per image, shape (N,)")
    if got.shape != expected.shape:
        report(
            name,
            False,
            f"expected shape {expected.shape} (one value per image: reduce over axis 0, "
            f"the K samples), got {got.shape}",
        )
    if close(got[:3], -expected[:3]):
        report(
            name,
            False,
            "the sign is flipped: return the *negative* log of the mean weight",
        )
    if close(got[:3], -log_w[:, :3].mean(axis=0)):
        report(
            name,
            False,
            "that is the average of -log w_k, the ELBO estimate: average the weights "
            "themselves inside the logarithm",
        )
    if close(got[:3], expected[:3] - math.log(len(log_w))):
        report(
            name,
            False,
            "you took log of the *sum* of the weights: divide by K (subtract log K)",
        )
    if not np.all(np.isfinite(got)):
        report(
            name,
            False,
            "the last image's log-weights are around -1000 and your result is not finite: "
            "exp() underflows to 0. Subtract the largest log-weight before exponentiating "
            "(the log-sum-exp trick)",
        )
    if not close(got, expected, atol=1e-6):
        report(
            name,
            False,
            f"expected {np.round(expected, 4)}, got {np.round(got, 4)}",
        )
    report(
        name,
        True,
        "it is never above the mean of -log w_k, by Jensen's inequality",
    )


# -- exercise 2: bits per dimension --------------------------------------------------------------


def bits_per_dim_reference(nats_per_image, num_pixels=784):
    return np.asarray(nats_per_image, dtype="float64") / (
        num_pixels * math.log(2)
    )


def check_bits_per_dim(bits_fn) -> None:
    """Check ``bits_fn(nats_per_image, num_pixels)`` -> bits per pixel."""
    _require_callable(bits_fn, "check_bits_per_dim(bits_per_dim)")
    name = "bits per dimension"
    nats = np.array([88.0, 100.0, 543.4])
    for num_pixels in (784, 3072):
        expected = bits_per_dim_reference(nats, num_pixels)
        got = _as_numpy(bits_fn(nats, num_pixels), name)
        if got.shape != expected.shape:
            report(
                name,
                False,
                f"expected one value per entry, shape {expected.shape}, got {got.shape}",
            )
        if close(got, nats / num_pixels):
            report(
                name,
                False,
                "these are nats per pixel: a bit is log 2 nats, so divide by log 2 as well",
            )
        if close(got, nats / (num_pixels * math.log(10))) or close(
            got, nats * math.log(2) / num_pixels
        ):
            report(
                name,
                False,
                "convert nats to bits by dividing by ln 2 (natural logarithm of 2)",
            )
        if close(got, nats / (784 * math.log(2))) and num_pixels != 784:
            report(
                name,
                False,
                f"with num_pixels={num_pixels} you divided by 784: use the num_pixels argument",
            )
        if not close(got, expected, atol=1e-9):
            report(
                name,
                False,
                f"for {num_pixels} pixels expected {np.round(expected, 4)}, got {np.round(got, 4)}",
            )
    report(
        name,
        True,
        f"e.g. 88 nats per MNIST digit = {bits_per_dim_reference(88.0):.4f} bits per pixel",
    )


# -- exercise 3: confusion matrix of generated images --------------------------------------------


def confusion_matrix_reference(requested, judged, num_classes):
    """Row c: the fraction of images requested as class c that were judged as each class."""
    counts = np.zeros((num_classes, num_classes))
    np.add.at(counts, (np.asarray(requested), np.asarray(judged)), 1.0)
    rows = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)


def check_confusion_matrix(confusion_fn) -> None:
    """Check ``confusion_fn(requested, judged, num_classes)`` -> (C, C) with rows summing to 1."""
    _require_callable(confusion_fn, "check_confusion_matrix(confusion_matrix)")
    name = "confusion matrix"
    rng = np.random.default_rng(3)
    requested = np.repeat(np.arange(4), [5, 8, 6, 1])
    judged = np.where(
        rng.random(len(requested)) < 0.7,
        requested,
        rng.integers(0, 4, len(requested)),
    )
    expected = confusion_matrix_reference(requested, judged, 4)
    got = _as_numpy(
        confusion_fn(requested, judged, 4),
        name,
        "a (num_classes, num_classes) array",
    )
    if got.shape != expected.shape:
        report(
            name,
            False,
            f"expected shape {expected.shape} (requested x judged), got {got.shape}",
        )
    if close(got, expected.T) and not close(expected, expected.T):
        report(
            name,
            False,
            "rows and columns are swapped: row c holds the images *requested* as class c",
        )
    if close(
        got,
        confusion_matrix_reference(requested, judged, 4)
        * np.bincount(requested)[:, None],
    ):
        report(
            name,
            False,
            "these are counts: divide every row by the number of images requested for it",
        )
    counts = (
        confusion_matrix_reference(requested, judged, 4)
        * np.bincount(requested)[:, None]
    )
    if close(got, counts / counts.sum(axis=0, keepdims=True)):
        report(
            name,
            False,
            "you divided by the column sums (images *judged* as each class): divide every row by "
            "the number of images *requested* as its class, so that each row sums to 1",
        )
    if close(got, counts / counts.sum()):
        report(
            name,
            False,
            "you divided by the total number of images: divide every row by its own count, "
            "the images requested as that class",
        )
    if not close(got.sum(axis=1), np.ones(4)):
        report(
            name,
            False,
            f"every row must sum to 1, yours sum to {np.round(got.sum(axis=1), 3)}",
        )
    if not close(got, expected):
        report(
            name,
            False,
            f"expected\n{np.round(expected, 3)}\ngot\n{np.round(got, 3)}",
        )
    report(name, True, "its diagonal is the per-class label fidelity")


# -- plots used by the chapter -----------------------------------------------------------------
