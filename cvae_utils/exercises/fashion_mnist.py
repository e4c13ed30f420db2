"""Chapter "Fashion-MNIST: VAEs and CVAEs beyond digits": exercise self-checks.

Self-checks (each prints "✓ ..." when a learner's function is right, raises AssertionError otherwise):

- :func:`check_class_centroid_distances`: distances between the mean latent codes of the classes.
- :func:`check_per_class_mean`: the average of per-image values (losses) within each class.
- :func:`check_bernoulli_entropy_floor`: the smallest Bernoulli cross-entropy any decoder can reach
  on grey-level images, sum_i H(x_i).
"""

from __future__ import annotations

import math

import numpy as np

from . import as_numpy_result, close, per_class_means_verdict, report
from . import require_callable as _require_callable

__all__ = [
    "check_class_centroid_distances",
    "check_per_class_mean",
    "check_bernoulli_entropy_floor",
]


# ----------------------------------------------------------------------------------------------
# Exercise self-checks
# ----------------------------------------------------------------------------------------------


def _reference_centroid_distances(z, labels, num_classes):
    centroids = np.stack(
        [z[labels == c].mean(axis=0) for c in range(num_classes)]
    )
    diff = centroids[:, None, :] - centroids[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1))


def check_class_centroid_distances(fn) -> None:
    """Check ``fn(z, labels, num_classes=10)``: the (num_classes, num_classes) matrix of Euclidean
    distances between the class centroids (mean codes) of latent codes ``z`` of shape (N, d).

    Uses shuffled, unbalanced synthetic codes in 3 dimensions, so averaging over all codes, using
    squared distances, or distances between individual codes instead of class means are caught.
    """
    name = "class_centroid_distances"
    _require_callable(
        fn, "check_class_centroid_distances(class_centroid_distances)"
    )
    rng = np.random.default_rng(7)
    num_classes = 4
    labels = np.concatenate(
        [np.repeat(np.arange(num_classes), [5, 9, 3, 6]), [2, 0]]
    )
    rng.shuffle(labels)
    centres = np.array(
        [[0.0, 0.0, 0.0], [3.0, 0.0, 1.0], [0.0, -2.0, 0.5], [1.0, 1.0, -4.0]]
    )
    z = (centres[labels] + rng.normal(0.0, 0.5, (len(labels), 3))).astype(
        "float32"
    )
    expected = _reference_centroid_distances(
        z.astype("float64"), labels, num_classes
    )
    got = as_numpy_result(
        fn(z, labels, num_classes=num_classes), name, lists=True
    )
    if got.shape != expected.shape:
        return report(
            name,
            False,
            f"expected a ({num_classes}, {num_classes}) matrix, one row and column per "
            f"class, got shape {got.shape}",
        )
    if not np.all(np.isfinite(got)):
        return report(
            name, False, "the matrix contains NaN or infinite values"
        )
    if close(got, expected**2, atol=1e-4):
        return report(
            name, False, "these are squared distances: take the square root"
        )
    if not close(np.diag(got), np.zeros(num_classes), atol=1e-6):
        return report(
            name,
            False,
            "the diagonal (distance of a class centroid to itself) must be 0",
        )
    if not close(got, got.T, atol=1e-6):
        return report(
            name, False, "the matrix must be symmetric: d(a, b) = d(b, a)"
        )
    if not close(got, expected, atol=1e-4):
        return report(
            name,
            False,
            f"the distances are wrong (largest error {float(np.abs(got - expected).max()):.3g}): "
            f"average the codes of each class with z[labels == c].mean(axis=0), then take "
            f"the Euclidean distance between those means",
        )
    report(
        name,
        True,
        f"{num_classes} classes with unbalanced, shuffled codes in 3-D",
    )


def check_per_class_mean(fn) -> None:
    """Check ``fn(values, labels, num_classes=10)``: the mean of the per-image ``values`` (N,) within
    each class, shape (num_classes,).

    Uses shuffled, unbalanced labels and class-dependent values, so the overall mean, sums instead
    of means, and results in the wrong class order are caught.
    """
    name = "per_class_mean"
    _require_callable(fn, "check_per_class_mean(per_class_mean)")
    rng = np.random.default_rng(11)
    num_classes = 5
    labels = np.concatenate(
        [np.repeat(np.arange(num_classes), [4, 8, 2, 6, 3]), [4, 1]]
    )
    rng.shuffle(labels)
    values = (
        100.0 + 20.0 * labels + rng.normal(0.0, 3.0, len(labels))
    ).astype("float32")
    got = as_numpy_result(
        fn(values, labels, num_classes=num_classes), name, lists=True
    )
    per_class_means_verdict(
        name, got, values, labels, num_classes, "values", atol=1e-3
    )


def _reference_entropy_floor(x):
    x = x.reshape(len(x), -1).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(
            np.where(x > 0, x * np.log(x), 0.0)
            + np.where(x < 1, (1 - x) * np.log1p(-x), 0.0)
        )
    return h.sum(axis=1)


def check_bernoulli_entropy_floor(fn) -> None:
    """Check ``fn(x)``: per image, the sum over pixels of the binary entropy
    H(x_i) = -x_i log x_i - (1 - x_i) log(1 - x_i) in nats, with 0 log 0 = 0; shape (N,).

    This is the smallest value the Bernoulli cross-entropy sum_i [-x_i log p_i - (1 - x_i) log(1 - p_i)]
    can take for grey images x (reached at p = x). Checks exact values on grey and binary images,
    so bits instead of nats, a mean over pixels instead of a sum, and NaN from 0 log 0 are caught.
    """
    name = "bernoulli_entropy_floor"
    _require_callable(
        fn, "check_bernoulli_entropy_floor(bernoulli_entropy_floor)"
    )
    half = np.full((2, 28, 28, 1), 0.5, dtype="float32")
    got = as_numpy_result(fn(half), name, lists=True)
    if got.shape != (2,):
        return report(
            name,
            False,
            f"expected one number per image, shape (2,) for two images; got {got.shape}",
        )
    if close(got, np.full(2, 784.0), atol=1e-3):
        return report(
            name,
            False,
            "an all-0.5 image gives 784 - that is in bits; use the natural logarithm (nats)",
        )
    if close(got, np.full(2, math.log(2)), atol=1e-4):
        return report(
            name,
            False,
            "an all-0.5 image gives log 2, the mean over pixels: sum over the 784 pixels",
        )
    if not close(got, np.full(2, 784 * math.log(2)), atol=1e-3):
        return report(
            name,
            False,
            f"an all-0.5 image must give 784 log 2 = {784 * math.log(2):.2f} nats, got {got}",
        )
    binary = (np.random.default_rng(3).random((3, 28, 28, 1)) > 0.5).astype(
        "float32"
    )
    got = as_numpy_result(fn(binary), name, lists=True)
    if got.shape != (3,) or not np.all(np.isfinite(got)):
        return report(
            name,
            False,
            f"binary images (pixels exactly 0 or 1) gave {got}: treat 0 * log 0 as 0, e.g. "
            f"with np.where or by clipping x to [1e-7, 1 - 1e-7] inside the logarithm",
        )
    if not close(got, np.zeros(3), atol=1e-2):
        return report(
            name,
            False,
            f"binary images have entropy 0 (nothing is uncertain), got {got}",
        )
    grey = np.random.default_rng(5).random((4, 28, 28, 1)).astype("float32")
    grey[:, :5] = 0.0  # some background, as in real images
    grey[:, -3:] = 1.0
    expected = _reference_entropy_floor(grey)
    got = as_numpy_result(fn(grey), name, lists=True)
    if got.shape != expected.shape or not close(
        got, expected, atol=1e-2, rtol=1e-5
    ):
        return report(
            name,
            False,
            f"random grey images: expected {np.round(expected, 2)}, got {np.round(got, 2)}",
        )
    report(name, True, "all-0.5, binary and random grey images")
