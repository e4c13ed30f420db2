"""Chapter "Fashion-MNIST: VAEs and CVAEs beyond digits": analysis helpers and exercise self-checks.

Helpers the chapter uses:

- :func:`examples_per_class`: indices of the first few images of every class (for a grid per class).
- :func:`mid_grey_fraction`: how much of an image's "ink" is mid-grey, i.e. what binarization destroys.
- :func:`latent_neighbour_agreement`: per class, the fraction of a code's nearest neighbours in latent
  space that share its label - a measure of how much the classes overlap there.
- :func:`closest_pairs`: the class pairs with the smallest entries of a distance matrix.
- :func:`plot_class_values`: a horizontal bar chart of one or more numbers per class.
- :func:`seconds_per_epoch`: a quick estimate of how long one training epoch takes, before committing to it.

Self-checks (each prints "✓ ..." when a learner's function is right, raises AssertionError otherwise):

- :func:`check_class_centroid_distances`: distances between the mean latent codes of the classes.
- :func:`check_per_class_mean`: the average of per-image values (losses) within each class.
- :func:`check_bernoulli_entropy_floor`: the smallest Bernoulli cross-entropy any decoder can reach
  on grey-level images, sum_i H(x_i).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..checks import as_array, check_latent, check_positive_int
from . import close, report, require_callable as _require_callable

__all__ = [
    "examples_per_class", "mid_grey_fraction", "latent_neighbour_agreement", "closest_pairs",
    "plot_class_values", "seconds_per_epoch",
    "check_class_centroid_distances", "check_per_class_mean", "check_bernoulli_entropy_floor",
]


# ----------------------------------------------------------------------------------------------
# Input validation shared by the helpers
# ----------------------------------------------------------------------------------------------

def _int_labels(labels, n: int | None = None, name: str = "labels") -> np.ndarray:
    """Non-negative integer labels as a 1-D int64 array (optionally of length n)."""
    arr = as_array(labels, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer class labels, got shape {arr.shape}")
    if arr.size and not (np.issubdtype(arr.dtype, np.integer)
                         or (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)))):
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype("int64")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be >= 0, got {int(arr.min())}")
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} must have one entry per item ({n}), got {len(arr)}")
    return arr


def _images01(images, name: str = "images") -> np.ndarray:
    """Images of any shape (N, ...) with values in [0, 1], as float64."""
    arr = as_array(images, name)
    if arr.ndim < 2:
        raise ValueError(f"{name} must be a batch of images of shape (N, ...), got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    arr = arr.astype("float64")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must hold values in [0, 1], got [{arr.min():g}, {arr.max():g}]"
                         + (" - divide uint8 images by 255" if arr.max() > 1 else ""))
    return arr


def _unit_interval(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


# ----------------------------------------------------------------------------------------------
# Helpers used in the chapter
# ----------------------------------------------------------------------------------------------

def examples_per_class(labels, per_class: int = 8, num_classes: int = 10) -> np.ndarray:
    """Indices of the first ``per_class`` items of each class, class 0 first: shape (num_classes * per_class,).

    Raises ValueError when a class has fewer than ``per_class`` items.
    """
    per_class = check_positive_int(per_class, "per_class")
    num_classes = check_positive_int(num_classes, "num_classes")
    labels = _int_labels(labels)
    picks = []
    for c in range(num_classes):
        idx = np.flatnonzero(labels == c)[:per_class]
        if len(idx) < per_class:
            raise ValueError(f"class {c} has only {len(idx)} items, fewer than per_class={per_class}")
        picks.append(idx)
    return np.concatenate(picks)


def mid_grey_fraction(images, low: float = 0.1, high: float = 0.9) -> float:
    """Fraction of the non-background pixels (value > ``low``) that are mid-grey (value < ``high``).

    Binarization at 0.5 maps every such pixel to pure black or white, so this is the share of an
    image's content whose grey level (texture, shading, print) is lost.
    """
    low, high = _unit_interval(low, "low"), _unit_interval(high, "high")
    if not low < high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    x = _images01(images)
    ink = x > low
    if not ink.any():
        raise ValueError(f"the images have no pixel above low={low}: nothing to measure")
    return float(np.sum(ink & (x < high)) / np.sum(ink))


def latent_neighbour_agreement(z, labels, k: int = 10, num_classes: int | None = None,
                               chunk: int = 1024) -> np.ndarray:
    """For each class c: the average, over the codes of class c, of the fraction of their ``k``
    nearest other codes (Euclidean, the code itself excluded) that also belong to class c.

    1.0 means the class forms a cluster of its own; about (class size) / N means its codes are
    mixed at random with everything else. Returns shape (num_classes,), NaN for an empty class.
    """
    z = as_array(z, "z")
    if z.ndim != 2:
        raise ValueError(f"z must be latent codes of shape (N, latent_dim), got shape {z.shape}")
    z = check_latent(z, z.shape[1]).astype("float64")
    labels = _int_labels(labels, n=len(z))
    k = check_positive_int(k, "k")
    chunk = check_positive_int(chunk, "chunk")
    if k >= len(z):
        raise ValueError(f"k={k} must be smaller than the number of codes ({len(z)})")
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    num_classes = check_positive_int(num_classes, "num_classes")
    if labels.max() >= num_classes:
        raise ValueError(f"labels go up to {int(labels.max())}, but num_classes={num_classes}")
    squared = (z ** 2).sum(axis=1)
    same = np.empty(len(z))
    for start in range(0, len(z), chunk):  # chunks keep the distance matrix small
        q = z[start:start + chunk]
        d2 = squared[start:start + chunk, None] - 2.0 * q @ z.T + squared[None, :]
        d2[np.arange(len(q)), np.arange(start, start + len(q))] = np.inf  # not its own neighbour
        nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]
        same[start:start + chunk] = (labels[nearest] == labels[start:start + chunk, None]).mean(axis=1)
    counts = np.bincount(labels, minlength=num_classes)
    sums = np.bincount(labels, weights=same, minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def closest_pairs(distances, class_names=None, n: int = 3):
    """The ``n`` unordered class pairs (a, b), a != b, with the smallest ``distances[a, b]``.

    Returns a list of ``(name_a, name_b, distance)`` sorted by distance; names default to the indices.
    """
    d = as_array(distances, "distances").astype("float64")
    if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape[0] < 2:
        raise ValueError(f"distances must be a square matrix of at least 2 x 2, got shape {d.shape}")
    n = check_positive_int(n, "n")
    k = d.shape[0]
    names = list(range(k)) if class_names is None else list(class_names)
    if len(names) < k:
        raise ValueError(f"class_names must have at least {k} entries, got {len(names)}")
    rows, cols = np.triu_indices(k, 1)
    order = np.argsort(d[rows, cols], kind="stable")[:n]
    return [(names[rows[i]], names[cols[i]], float(d[rows[i], cols[i]])) for i in order]


def plot_class_values(values: dict, class_names, title: str, xlabel: str):
    """Horizontal bars: for every class one bar per entry of ``values`` ({legend label: array per class}).

    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if not isinstance(values, dict) or not values:
        raise TypeError("values must be a non-empty dict {legend label: one number per class}")
    names = list(class_names)
    series = {}
    for label, v in values.items():
        arr = as_array(v, f"values[{label!r}]").astype("float64")
        if arr.shape != (len(names),):
            raise ValueError(f"values[{label!r}] must hold one number per class ({len(names)}), got shape {arr.shape}")
        series[label] = arr
    height = 0.8 / len(series)
    positions = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.2))
    for i, (label, arr) in enumerate(series.items()):
        ax.barh(positions + (i - (len(series) - 1) / 2) * height, arr, height=height, label=label)
    ax.set_yticks(positions)
    ax.set_yticklabels(names)
    ax.invert_yaxis()  # class 0 on top
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def seconds_per_epoch(model, x, epoch_size: int, batch_size: int = 128, num_images: int = 2048) -> float:
    """Estimate the wall time (seconds) of one training epoch over ``epoch_size`` images.

    Fits the compiled ``model`` once on the first ``num_images`` images of ``x`` (the first call
    traces the training step, which is slow), then times a second pass over the same images and
    scales it to ``epoch_size``. ``x`` is what the model's ``fit`` takes (images, or
    [images, labels] for a CVAE). The model is trained by this, so time a throwaway copy.
    """
    import time

    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    if not getattr(model, "compiled", False):
        raise ValueError("compile the model first, e.g. model.compile(optimizer=keras.optimizers.Adam(1e-3))")
    epoch_size = check_positive_int(epoch_size, "epoch_size")
    batch_size = check_positive_int(batch_size, "batch_size")
    num_images = check_positive_int(num_images, "num_images")
    parts = list(x) if isinstance(x, (list, tuple)) else [x]
    n = min(num_images, min(len(p) for p in parts))
    subset = [p[:n] for p in parts] if isinstance(x, (list, tuple)) else parts[0][:n]
    model.fit(subset, epochs=1, batch_size=batch_size, verbose=0)  # traces the training step
    start = time.perf_counter()
    model.fit(subset, epochs=1, batch_size=batch_size, verbose=0)
    return (time.perf_counter() - start) * epoch_size / n


# ----------------------------------------------------------------------------------------------
# Exercise self-checks
# ----------------------------------------------------------------------------------------------

def _reference_centroid_distances(z, labels, num_classes):
    centroids = np.stack([z[labels == c].mean(axis=0) for c in range(num_classes)])
    diff = centroids[:, None, :] - centroids[None, :, :]
    return np.sqrt((diff ** 2).sum(axis=-1))


def check_class_centroid_distances(fn) -> bool:
    """Check ``fn(z, labels, num_classes=10)``: the (num_classes, num_classes) matrix of Euclidean
    distances between the class centroids (mean codes) of latent codes ``z`` of shape (N, d).

    Uses shuffled, unbalanced synthetic codes in 3 dimensions, so averaging over all codes, using
    squared distances, or distances between individual codes instead of class means are caught.
    """
    name = "class_centroid_distances"
    _require_callable(fn, "check_class_centroid_distances(class_centroid_distances)")
    rng = np.random.default_rng(7)
    num_classes = 4
    labels = np.concatenate([np.repeat(np.arange(num_classes), [5, 9, 3, 6]), [2, 0]])
    rng.shuffle(labels)
    centres = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 1.0], [0.0, -2.0, 0.5], [1.0, 1.0, -4.0]])
    z = (centres[labels] + rng.normal(0.0, 0.5, (len(labels), 3))).astype("float32")
    expected = _reference_centroid_distances(z.astype("float64"), labels, num_classes)
    got = np.asarray(fn(z, labels, num_classes=num_classes), dtype="float64")
    if got.shape != expected.shape:
        return report(name, False, f"expected a ({num_classes}, {num_classes}) matrix, one row and column per "
                                   f"class, got shape {got.shape}")
    if not np.all(np.isfinite(got)):
        return report(name, False, "the matrix contains NaN or infinite values")
    if close(got, expected ** 2, atol=1e-4):
        return report(name, False, "these are squared distances: take the square root")
    if not close(np.diag(got), np.zeros(num_classes), atol=1e-6):
        return report(name, False, "the diagonal (distance of a class centroid to itself) must be 0")
    if not close(got, got.T, atol=1e-6):
        return report(name, False, "the matrix must be symmetric: d(a, b) = d(b, a)")
    if not close(got, expected, atol=1e-4):
        return report(name, False, f"the distances are wrong (largest error {float(np.abs(got - expected).max()):.3g}): "
                                   f"average the codes of each class with z[labels == c].mean(axis=0), then take "
                                   f"the Euclidean distance between those means")
    return report(name, True, f"{num_classes} classes with unbalanced, shuffled codes in 3-D")


def _reference_per_class_mean(values, labels, num_classes):
    return np.array([values[labels == c].mean() for c in range(num_classes)])


def check_per_class_mean(fn) -> bool:
    """Check ``fn(values, labels, num_classes=10)``: the mean of the per-image ``values`` (N,) within
    each class, shape (num_classes,).

    Uses shuffled, unbalanced labels and class-dependent values, so the overall mean, sums instead
    of means, and results in the wrong class order are caught.
    """
    name = "per_class_mean"
    _require_callable(fn, "check_per_class_mean(per_class_mean)")
    rng = np.random.default_rng(11)
    num_classes = 5
    labels = np.concatenate([np.repeat(np.arange(num_classes), [4, 8, 2, 6, 3]), [4, 1]])
    rng.shuffle(labels)
    values = (100.0 + 20.0 * labels + rng.normal(0.0, 3.0, len(labels))).astype("float32")
    expected = _reference_per_class_mean(values.astype("float64"), labels, num_classes)
    got = np.asarray(fn(values, labels, num_classes=num_classes), dtype="float64")
    if got.shape != expected.shape:
        return report(name, False, f"expected one number per class, shape {expected.shape}, got {got.shape}")
    if close(got, np.full(num_classes, values.mean()), atol=1e-3):
        return report(name, False, "every class got the mean of ALL values: select a class with values[labels == c]")
    sums = np.array([values[labels == c].sum() for c in range(num_classes)], dtype="float64")
    if close(got, sums, atol=1e-3):
        return report(name, False, "these are sums per class: divide by the number of images of the class")
    if not close(got, expected, atol=1e-3):
        wrong = [c for c in range(num_classes) if not close(got[c], expected[c], atol=1e-3)]
        return report(name, False, f"the means of classes {wrong} are wrong; entry c must be the mean over the "
                                   f"images whose label is c")
    return report(name, True, f"{num_classes} classes with unbalanced, shuffled labels")


def _reference_entropy_floor(x):
    x = x.reshape(len(x), -1).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(np.where(x > 0, x * np.log(x), 0.0) + np.where(x < 1, (1 - x) * np.log1p(-x), 0.0))
    return h.sum(axis=1)


def check_bernoulli_entropy_floor(fn) -> bool:
    """Check ``fn(x)``: per image, the sum over pixels of the binary entropy
    H(x_i) = -x_i log x_i - (1 - x_i) log(1 - x_i) in nats, with 0 log 0 = 0; shape (N,).

    This is the smallest value the Bernoulli cross-entropy sum_i [-x_i log p_i - (1 - x_i) log(1 - p_i)]
    can take for grey images x (reached at p = x). Checks exact values on grey and binary images,
    so bits instead of nats, a mean over pixels instead of a sum, and NaN from 0 log 0 are caught.
    """
    name = "bernoulli_entropy_floor"
    _require_callable(fn, "check_bernoulli_entropy_floor(bernoulli_entropy_floor)")
    half = np.full((2, 28, 28, 1), 0.5, dtype="float32")
    got = np.asarray(fn(half), dtype="float64")
    if got.shape != (2,):
        return report(name, False, f"expected one number per image, shape (2,) for two images; got {got.shape}")
    if close(got, np.full(2, 784.0), atol=1e-3):
        return report(name, False, "an all-0.5 image gives 784 - that is in bits; use the natural logarithm (nats)")
    if close(got, np.full(2, math.log(2)), atol=1e-4):
        return report(name, False, "an all-0.5 image gives log 2, the mean over pixels: sum over the 784 pixels")
    if not close(got, np.full(2, 784 * math.log(2)), atol=1e-3):
        return report(name, False, f"an all-0.5 image must give 784 log 2 = {784 * math.log(2):.2f} nats, got {got}")
    binary = (np.random.default_rng(3).random((3, 28, 28, 1)) > 0.5).astype("float32")
    got = np.asarray(fn(binary), dtype="float64")
    if got.shape != (3,) or not np.all(np.isfinite(got)):
        return report(name, False, f"binary images (pixels exactly 0 or 1) gave {got}: treat 0 * log 0 as 0, e.g. "
                                   f"with np.where or by clipping x to [1e-7, 1 - 1e-7] inside the logarithm")
    if not close(got, np.zeros(3), atol=1e-2):
        return report(name, False, f"binary images have entropy 0 (nothing is uncertain), got {got}")
    grey = np.random.default_rng(5).random((4, 28, 28, 1)).astype("float32")
    grey[:, :5] = 0.0  # some background, as in real images
    grey[:, -3:] = 1.0
    expected = _reference_entropy_floor(grey)
    got = np.asarray(fn(grey), dtype="float64")
    if got.shape != expected.shape or not close(got, expected, atol=1e-2, rtol=1e-5):
        return report(name, False, f"random grey images: expected {np.round(expected, 2)}, got {np.round(got, 2)}")
    return report(name, True, "all-0.5, binary and random grey images")
