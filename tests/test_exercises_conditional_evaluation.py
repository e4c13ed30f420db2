"""The self-check of the exercise of the chapter "Judging a conditional generator" (write the per-class
diversity) accepts correct answers and rejects the usual mistakes with a message that names them."""

from __future__ import annotations

import numpy as np
import pytest

from cvae_utils import per_class_diversity
from cvae_utils.exercises.conditional_evaluation import (
    check_per_class_diversity,
)


def distances(flat):
    return np.sqrt(np.maximum(((flat[:, None] - flat[None]) ** 2).sum(-1), 0))


def mean_over_pairs(flat):
    n = len(flat)
    return distances(flat).sum() / (
        n * (n - 1)
    )  # the diagonal is 0, every pair counted twice


def right(images, labels, num_classes):
    flat = images.reshape(len(images), -1)
    return np.array(
        [mean_over_pairs(flat[labels == c]) for c in range(num_classes)]
    )


def with_diagonal(
    images, labels, num_classes
):  # mean of the full n x n matrix
    flat = images.reshape(len(images), -1)
    return np.array(
        [distances(flat[labels == c]).mean() for c in range(num_classes)]
    )


def squared(images, labels, num_classes):  # squared distances
    flat = images.reshape(len(images), -1)
    values = []
    for c in range(num_classes):
        members = flat[labels == c]
        n = len(members)
        values.append((distances(members) ** 2).sum() / (n * (n - 1)))
    return np.array(values)


def to_class_mean(
    images, labels, num_classes
):  # spread around the mean image instead of between pairs
    flat = images.reshape(len(images), -1)
    return np.array(
        [
            np.linalg.norm(
                flat[labels == c] - flat[labels == c].mean(0), axis=1
            ).mean()
            for c in range(num_classes)
        ]
    )


def across_classes(
    images, labels, num_classes
):  # all pairs, whatever their classes
    return np.full(
        num_classes, mean_over_pairs(images.reshape(len(images), -1))
    )


def consecutive_blocks(
    images, labels, num_classes
):  # assumes the labels are sorted: images and labels misaligned
    parts = np.array_split(images.reshape(len(images), -1), num_classes)
    return np.array([mean_over_pairs(part) for part in parts])


def test_accepts_correct_answers():
    check_per_class_diversity(right)
    check_per_class_diversity(
        lambda images, labels, c: per_class_diversity(
            images, labels, num_classes=c
        )
    )


@pytest.mark.parametrize(
    "wrong, message",
    [
        (with_diagonal, "diagonal"),
        (squared, "squared"),
        (to_class_mean, "mean image"),
        (across_classes, "within it"),
        (consecutive_blocks, "not sorted"),
        (lambda images, labels, c: right(images, labels, c)[:-1], "shape"),
        (lambda images, labels, c: None, "return"),
        (lambda images, labels, c: right(images, labels, c) + 1.0, "expected"),
    ],
)
def test_names_the_mistake(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_per_class_diversity(wrong)


def test_wants_the_function_itself():
    with pytest.raises(TypeError, match="function itself"):
        check_per_class_diversity(np.zeros(3))
