"""Self-check for the exercise of the chapter "Judging a conditional generator".

- :func:`check_per_class_diversity`: the mean pairwise distance between the images of each class,
  the number the chapter compares between real digits and a CVAE's samples.

It calls the learner's NumPy (or keras.ops) function on small synthetic sets of images whose answer
is known, and prints ``✓ ...`` or raises AssertionError that names the likely mistake.
"""

from __future__ import annotations

import numpy as np

from ..evaluate import per_class_diversity
from . import as_numpy_result as _as_numpy
from . import close, report
from . import require_callable as _require_callable

NAME = "per-class diversity"


def _pairwise(flat):
    return np.sqrt(
        np.maximum(
            np.sum((flat[:, None, :] - flat[None, :, :]) ** 2, axis=-1), 0.0
        )
    )


def _wrong_answers(images, labels, num_classes):
    """What the usual mistakes return on these inputs: (answer, message) pairs."""
    flat = images.reshape(len(images), -1).astype("float64")
    wrong = []
    with_diagonal, squared, to_mean = [], [], []
    for c in range(num_classes):
        v = flat[labels == c]
        d = _pairwise(v)
        with_diagonal.append(d.mean())
        squared.append((d[np.triu_indices(len(v), k=1)] ** 2).mean())
        to_mean.append(np.linalg.norm(v - v.mean(axis=0), axis=1).mean())
    wrong.append(
        (
            np.array(with_diagonal),
            "you averaged over all n x n pairs, including each image's zero distance to itself (the "
            "diagonal): average over the n(n-1)/2 pairs of *different* images, e.g. the upper triangle "
            "np.triu_indices(n, k=1)",
        )
    )
    wrong.append(
        (
            np.array(squared),
            "those are *squared* distances: take the square root of each pair's "
            "sum of squared pixel differences before averaging",
        )
    )
    wrong.append(
        (
            np.array(to_mean),
            "that is the mean distance to the class *mean image*, a different "
            "spread: average the distances between pairs of images",
        )
    )
    d_all = _pairwise(flat)
    across = d_all[np.triu_indices(len(flat), k=1)].mean()
    wrong.append(
        (
            np.full(num_classes, across),
            "every class got the same number: the distances across all classes. Select the images "
            "of one class (images[labels == c]) and measure within it",
        )
    )
    if len(flat) % num_classes == 0:
        blocks = flat.reshape(num_classes, len(flat) // num_classes, -1)
        block_values = [
            _pairwise(b)[np.triu_indices(len(b), k=1)].mean() for b in blocks
        ]
        wrong.append(
            (
                np.array(block_values),
                "you took consecutive blocks of images as the classes, but the labels are not "
                "sorted here: select the images of class c by their labels, images[labels == c], so "
                "that every image goes with its own label",
            )
        )
    return wrong


def _cases():
    rng = np.random.default_rng(3)
    # 1) four classes of 5 images each, labels shuffled; class 2 holds 5 copies of one image
    labels = np.repeat(np.arange(4), 5)
    images = (
        rng.random((20, 28, 28, 1)).astype("float32")
        * np.linspace(0.2, 1.0, 4)[labels, None, None, None]
    )
    images[labels == 2] = images[labels == 2][0]
    order = rng.permutation(20)
    yield images[order], labels[order], 4
    # 2) unequal class sizes (2, 3 and 6 images), binary pixels like the book's digits
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2])
    images = (
        rng.random((11, 28, 28, 1))
        < np.array([0.1, 0.3, 0.5])[labels, None, None, None]
    ).astype("float32")
    order = rng.permutation(11)
    yield images[order], labels[order], 3


def check_per_class_diversity(diversity_fn) -> None:
    """Check ``diversity_fn(images, labels, num_classes)`` -> (num_classes,) mean pairwise distances."""
    _require_callable(
        diversity_fn, "check_per_class_diversity(per_class_diversity)"
    )
    for images, labels, num_classes in _cases():
        expected = per_class_diversity(images, labels, num_classes=num_classes)
        got = _as_numpy(
            diversity_fn(images.copy(), labels.copy(), num_classes),
            NAME,
            "one number per class, shape (num_classes,)",
        )
        if got.shape != expected.shape:
            report(
                NAME,
                False,
                f"expected one value per class, shape {expected.shape}, got {got.shape}",
            )
        for answer, message in _wrong_answers(images, labels, num_classes):
            if close(got, answer) and not close(answer, expected):
                report(NAME, False, message)
        if not close(got, expected):
            report(
                NAME,
                False,
                f"expected {np.round(expected, 3)}, got {np.round(got, 3)}",
            )
    report(
        NAME,
        True,
        "a class of identical images scores 0, and classes of any size work",
    )
