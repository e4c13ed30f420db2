"""Self-checks of the chapter "Evaluating generative models": each accepts a correct answer and
rejects the usual mistakes with a message that names them; the chapter's plots validate input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cvae_utils.exercises.evaluation import (
    bits_per_dim_reference,
    check_bits_per_dim,
    check_confusion_matrix,
    check_nll_from_log_weights,
    confusion_matrix_reference,
    nll_from_log_weights_reference,
)
from cvae_utils.plots import plot_bound_vs_samples, plot_confusion_matrix


def test_reference_nll_is_exact_for_equal_weights_and_below_the_elbo_estimate():
    log_w = np.full((10, 3), -123.0)
    np.testing.assert_allclose(nll_from_log_weights_reference(log_w), 123.0)
    log_w = np.random.default_rng(0).normal(-90, 4, size=(30, 5))
    assert np.all(nll_from_log_weights_reference(log_w) <= -log_w.mean(axis=0))


def test_check_nll_accepts_a_stable_answer():
    def stable(log_w):
        top = log_w.max(axis=0)
        return -(top + np.log(np.exp(log_w - top).mean(axis=0)))

    check_nll_from_log_weights(stable)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda w: -np.log(np.mean(np.exp(w), axis=0)), "underflows"),
        (lambda w: -w.mean(axis=0), "ELBO estimate"),
        (
            lambda w: nll_from_log_weights_reference(w) - math.log(len(w)),
            "sum",
        ),
        (lambda w: -nll_from_log_weights_reference(w), "sign"),
        (lambda w: nll_from_log_weights_reference(w.T), "shape"),
        (lambda w: None, "return"),
        # stabilised with the largest log-weight of the whole array instead of each image's own
        (
            lambda w: (
                -(w.max() + np.log(np.mean(np.exp(w - w.max()), axis=0)))
            ),
            "underflows",
        ),
        (
            lambda w: -(np.logaddexp.reduce(w, axis=1) - math.log(w.shape[1])),
            "shape",
        ),  # wrong axis
    ],
)
def test_check_nll_names_the_mistake(wrong, message):
    with np.errstate(divide="ignore"):
        with pytest.raises(AssertionError, match=message):
            check_nll_from_log_weights(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda nats, num_pixels: np.asarray(nats) / num_pixels,
            "nats per pixel",
        ),
        (
            lambda nats, num_pixels: (
                np.asarray(nats) / num_pixels / np.log(10)
            ),
            "ln 2",
        ),
        (
            lambda nats, num_pixels: np.asarray(nats) * np.log(2) / num_pixels,
            "ln 2",
        ),
        (
            lambda nats, num_pixels: np.asarray(nats) / 784 / np.log(2),
            "num_pixels argument",
        ),
        (
            lambda nats, num_pixels: (
                np.mean(np.asarray(nats)) / num_pixels / np.log(2)
            ),
            "one value per entry",
        ),
        (lambda nats, num_pixels: None, "return"),
    ],
)
def test_check_bits_per_dim_names_the_mistake(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_bits_per_dim(wrong)


def _counts(r, j, c):
    return (
        confusion_matrix_reference(r, j, c)
        * np.bincount(r, minlength=c)[:, None]
    )


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda r, j, c: confusion_matrix_reference(r, j, c).T, "swapped"),
        (_counts, "counts"),
        (
            lambda r, j, c: (
                _counts(r, j, c) / _counts(r, j, c).sum(axis=0, keepdims=True)
            ),
            "column sums",
        ),
        (lambda r, j, c: _counts(r, j, c) / len(r), "total number"),
        (
            lambda r, j, c: confusion_matrix_reference(j, r, c),
            "swapped|column sums|expected",
        ),  # arguments swapped
        (
            lambda r, j, c: confusion_matrix_reference(r, j, c)[: c - 1],
            "shape",
        ),
        (lambda r, j, c: None, "return"),
    ],
)
def test_check_confusion_matrix_names_the_mistake(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_confusion_matrix(wrong)


def test_check_bits_per_dim():
    check_bits_per_dim(
        lambda nats, num_pixels: np.asarray(nats) / num_pixels / np.log(2)
    )
    with pytest.raises(AssertionError, match="nats per pixel"):
        check_bits_per_dim(
            lambda nats, num_pixels: np.asarray(nats) / num_pixels
        )
    with pytest.raises(AssertionError, match="ln 2"):
        check_bits_per_dim(
            lambda nats, num_pixels: np.asarray(nats) / num_pixels / np.log(10)
        )
    with pytest.raises(AssertionError, match="3072"):
        check_bits_per_dim(
            lambda nats, num_pixels: np.asarray(nats) / 784 / np.log(2)
        )
    assert bits_per_dim_reference(784 * math.log(2)) == pytest.approx(1.0)


def test_check_confusion_matrix():
    check_confusion_matrix(confusion_matrix_reference)
    with pytest.raises(AssertionError, match="swapped"):
        check_confusion_matrix(
            lambda r, j, c: confusion_matrix_reference(r, j, c).T
        )
    with pytest.raises(AssertionError, match="counts"):
        check_confusion_matrix(
            lambda r, j, c: (
                confusion_matrix_reference(r, j, c) * np.bincount(r)[:, None]
            )
        )
    with pytest.raises(AssertionError, match="sum to 1"):
        check_confusion_matrix(
            lambda r, j, c: confusion_matrix_reference(r, j, c) * 0.5
        )
    with pytest.raises(TypeError, match="function itself"):
        check_confusion_matrix(np.eye(4))


def test_confusion_reference_rows_sum_to_one_and_diagonal_is_the_hit_rate():
    requested = np.array([0, 0, 1, 1, 1, 2])
    judged = np.array([0, 1, 1, 1, 0, 2])
    m = confusion_matrix_reference(requested, judged, 3)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.diag(m), [0.5, 2 / 3, 1.0])


def test_plots_draw_and_validate():
    fig = plot_bound_vs_samples(
        [1, 10, 100],
        {"a": [100, 95, 94], "b": [90, 88, 87.5]},
        elbos={"a": 101},
    )
    assert len(fig.axes) == 2
    assert (
        len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 1
    )  # the -ELBO line only where given
    with pytest.raises(ValueError, match="one value per K"):
        plot_bound_vs_samples([1, 10], {"a": [1, 2, 3]})
    with pytest.raises(ValueError, match="at least two"):
        plot_bound_vs_samples([1], {"a": [1]})
    with pytest.raises(TypeError, match="dict"):
        plot_bound_vs_samples([1, 2], [1, 2])
    fig = plot_confusion_matrix(np.eye(3), class_names=["a", "b", "c"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "a",
        "b",
        "c",
    ]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "a",
        "b",
        "c",
    ]  # rows: requested class
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="3 names"):
        plot_confusion_matrix(np.eye(3), class_names=["a"])
