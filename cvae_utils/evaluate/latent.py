"""The latent space: which dimensions are used, which codes lie near which (chapters 03, 05, 08, 09).

- :func:`latent_activity`, :func:`active_units`: the variance of each posterior mean across images;
- :func:`nearest_neighbor`: the one nearest-neighbour search of the book, behind
  :func:`knn_label_accuracy`, :func:`latent_neighbour_agreement` and :func:`distance_to_curve`;
- :func:`closest_pairs`: the closest classes of a distance matrix.
"""

from __future__ import annotations

import numpy as np

from .._validation import (
    as_array,
    check_bool,
    check_class_labels,
    check_labels,
    check_latent,
    check_nonnegative_float,
    check_points,
    check_positive_int,
)
from ..data import DEFAULT_RADII, DEFAULT_TURNS, spiral_curve

__all__ = [
    "active_units",
    "closest_pairs",
    "distance_to_curve",
    "knn_label_accuracy",
    "latent_activity",
    "latent_neighbour_agreement",
    "nearest_neighbor",
]


#: Burda et al. (2016) call a latent dimension active when Var_x[E_q[z_i]] exceeds 0.01.
ACTIVITY_THRESHOLD = 0.01


def _latent_matrix(z, name: str) -> np.ndarray:
    """Latent values of shape (N, d) as finite float64."""
    arr = as_array(z, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must have shape (N, latent_dim) - one row per image - got shape {arr.shape}"
        )
    if arr.shape[0] < 2:
        raise ValueError(
            f"{name} needs at least 2 rows (images) to measure a variance across the data, "
            f"got {arr.shape[0]}"
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} has no latent dimensions (shape {arr.shape})"
        )
    arr = arr.astype("float64")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def latent_activity(z_mean) -> np.ndarray:
    """Activity of each latent dimension: the variance across images of its posterior mean.

    ``z_mean`` holds E_q[z | x] for N images, shape (N, d) (the first output of ``VAE.encode``).
    Returns shape (d,). A dimension whose mean does not change from image to image carries no
    information about the image: its posterior is the same for every input.

    Introduced in chapter 08, *The KL weight and posterior collapse*.
    """
    return _latent_matrix(z_mean, "z_mean").var(axis=0)


def active_units(z_mean, threshold: float = ACTIVITY_THRESHOLD) -> int:
    """The number of latent dimensions with ``latent_activity(z_mean) > threshold`` (default 0.01).

    Introduced in chapter 08, *The KL weight and posterior collapse*.
    """
    threshold = check_nonnegative_float(threshold, "threshold")
    return int(np.sum(latent_activity(z_mean) > threshold))


def knn_label_accuracy(
    z_reference, labels_reference, z_query, labels_query, k: int = 5
) -> float:
    """Fraction of query codes whose label is the majority label of their k nearest reference codes.

    A high value means the label can be read off the position in latent space (the VAE's clusters);
    a value near 1 / num_classes means the codes of all labels are mixed (the CVAE's latent space).

    Introduced in chapter 05, *Conditional variational autoencoders*.
    """
    k = check_positive_int(k, "k")
    z_reference = as_array(z_reference, "z_reference")
    if z_reference.ndim != 2 or len(z_reference) == 0:
        raise ValueError(
            f"z_reference must have shape (N, latent_dim) with N >= 1, got {z_reference.shape}"
        )
    z_reference = check_latent(
        z_reference, z_reference.shape[1], "z_reference"
    )
    z_query = check_latent(z_query, z_reference.shape[1], "z_query")
    num_classes = (
        int(
            max(
                np.max(as_array(labels_reference, "labels_reference")),
                np.max(as_array(labels_query, "labels_query")),
            )
        )
        + 1
    )
    labels_reference = check_labels(
        labels_reference,
        max(num_classes, 2),
        n=len(z_reference),
        name="labels_reference",
    )
    labels_query = check_labels(
        labels_query, max(num_classes, 2), n=len(z_query), name="labels_query"
    )
    _, nearest = nearest_neighbor(z_query, z_reference, k, batch_size=1024)
    votes = np.apply_along_axis(
        np.bincount, 1, labels_reference[nearest], minlength=num_classes
    )
    return float(np.mean(votes.argmax(axis=1) == labels_query))


def latent_neighbour_agreement(
    z, labels, k: int = 10, num_classes: int | None = None, chunk: int = 1024
) -> np.ndarray:
    """For each class c: the average, over the codes of class c, of the fraction of their ``k``
    nearest other codes (Euclidean, the code itself excluded) that also belong to class c.

    1.0 means the class forms a cluster of its own; about (class size) / N means its codes are
    mixed at random with everything else. Returns shape (num_classes,), NaN for an empty class.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    z = as_array(z, "z")
    if z.ndim != 2:
        raise ValueError(
            f"z must be latent codes of shape (N, latent_dim), got shape {z.shape}"
        )
    z = check_latent(z, z.shape[1]).astype("float64")
    labels = check_class_labels(labels, n=len(z))
    k = check_positive_int(k, "k")
    chunk = check_positive_int(chunk, "chunk")
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    num_classes = check_positive_int(num_classes, "num_classes")
    if labels.max() >= num_classes:
        raise ValueError(
            f"labels go up to {int(labels.max())}, but num_classes={num_classes}"
        )
    _, nearest = nearest_neighbor(z, z, k, exclude_self=True, batch_size=chunk)
    same = (labels[nearest] == labels[:, None]).mean(axis=1)
    counts = np.bincount(labels, minlength=num_classes)
    sums = np.bincount(labels, weights=same, minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def closest_pairs(distances, class_names=None, n: int = 3):
    """The ``n`` unordered class pairs (a, b), a != b, with the smallest ``distances[a, b]``.

    Returns a list of ``(name_a, name_b, distance)`` sorted by distance; names default to the indices.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    d = as_array(distances, "distances").astype("float64")
    if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape[0] < 2:
        raise ValueError(
            f"distances must be a square matrix of at least 2 x 2, got shape {d.shape}"
        )
    n = check_positive_int(n, "n")
    k = d.shape[0]
    names = list(range(k)) if class_names is None else list(class_names)
    if len(names) < k:
        raise ValueError(
            f"class_names must have at least {k} entries, got {len(names)}"
        )
    rows, cols = np.triu_indices(k, 1)
    order = np.argsort(d[rows, cols], kind="stable")[:n]
    return [
        (names[rows[i]], names[cols[i]], float(d[rows[i], cols[i]]))
        for i in order
    ]


def nearest_neighbor(
    query,
    reference,
    k: int | None = None,
    exclude_self: bool = False,
    batch_size: int = 512,
):
    """For each query point, the Euclidean distance to its nearest reference point and that
    point's index: ``(distances float64 (N,), indices int64 (N,))``. With an integer ``k``, the
    ``k`` nearest, nearest first: ``(distances (N, k), indices (N, k))``. The one nearest-neighbour
    search of the book.

    ``exclude_self`` (query and reference the same set) skips each point itself. Works in batches
    of query points, so 10,000 x 10,000 pairs need only a few MB.

    Introduced in chapter 03, *Autoencoders*.
    """
    query = check_points(query, "query", dim=None)
    reference = check_points(reference, "reference", dim=None)
    if query.shape[1] != reference.shape[1]:
        raise ValueError(
            f"query and reference must have the same number of coordinates, "
            f"got {query.shape[1]} and {reference.shape[1]}"
        )
    single = k is None
    k = 1 if single else check_positive_int(k, "k")
    batch_size = check_positive_int(batch_size, "batch_size")
    if (
        check_bool(exclude_self, "exclude_self")
        and query.shape != reference.shape
    ):
        raise ValueError(
            f"exclude_self needs query and reference to be the same points, got shapes "
            f"{query.shape} and {reference.shape}"
        )
    available = len(reference) - int(exclude_self)
    if k > available:
        raise ValueError(
            f"k={k} is larger than the number of reference points to choose from ({available})"
        )
    ref_sq = np.sum(reference**2, axis=1)
    distances = np.empty((len(query), k))
    indices = np.empty((len(query), k), dtype="int64")
    for start in range(0, len(query), batch_size):
        q = query[start : start + batch_size]
        rows = np.arange(len(q))[:, None]
        # |q - r|^2 = |q|^2 + |r|^2 - 2 q.r, clipped at 0 against round-off
        d2 = (
            np.sum(q**2, axis=1)[:, None]
            + ref_sq[None, :]
            - 2.0 * q @ reference.T
        )
        if exclude_self:
            d2[rows[:, 0], np.arange(start, start + len(q))] = np.inf
        idx = (
            np.argpartition(d2, k - 1, axis=1)[:, :k]
            if k < d2.shape[1]
            else np.tile(np.arange(d2.shape[1]), (len(q), 1))
        )
        idx = np.take_along_axis(
            idx, np.argsort(d2[rows, idx], axis=1, kind="stable"), axis=1
        )
        indices[start : start + batch_size] = idx
        distances[start : start + batch_size] = np.sqrt(
            np.maximum(d2[rows, idx], 0.0)
        )
    return (distances[:, 0], indices[:, 0]) if single else (distances, indices)


def distance_to_curve(
    points,
    turns: float = DEFAULT_TURNS,
    radii=DEFAULT_RADII,
    resolution: int = 4000,
) -> np.ndarray:
    """Distance from each 2-D point to the noise-free spiral; float64 (N,).

    The curve is approximated by ``resolution`` points, so distances are accurate to about
    half their spacing (about 0.001 for the default spiral).

    Introduced in chapter 03, *Autoencoders*.
    """
    points = check_points(points, "points", dim=2)
    resolution = check_positive_int(resolution, "resolution", minimum=2)
    curve = spiral_curve(np.linspace(0.0, 1.0, resolution), turns, radii)
    return nearest_neighbor(points, curve)[0]
