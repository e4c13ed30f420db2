"""The self-checks and helpers of the CVAE chapter accept correct answers and reject the usual mistakes."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from cvae_utils.evaluate import importance_sampled_nll, negative_elbo
from cvae_utils.exercises.cvae import (check_classify_by_elbo, check_conditional_grid_inputs, check_one_hot,
                                       classify_by_elbo_reference, conditional_log_likelihoods,
                                       knn_label_accuracy, one_hot_reference)
from cvae_utils.models import CVAE, VAE


@pytest.fixture(scope="module")
def cvae():
    keras.utils.set_random_seed(0)
    return CVAE(latent_dim=2, num_classes=10, architecture="dense")


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    return (rng.random((20, 28, 28, 1)) > 0.7).astype("float32"), rng.integers(0, 10, 20)


# -- exercise 1: one_hot -------------------------------------------------------------------------

def one_hot_numpy(labels, num_classes):
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError("label out of range")
    return np.eye(num_classes, dtype="float32")[labels]


def one_hot_keras(labels, num_classes):
    labels = np.asarray(labels)
    if np.any((labels < 0) | (labels >= num_classes)):
        raise ValueError("label out of range")
    return ops.one_hot(labels, num_classes)


def test_one_hot_accepts_numpy_keras_and_reference(capsys):
    assert check_one_hot(one_hot_numpy)
    assert check_one_hot(one_hot_keras)
    assert check_one_hot(one_hot_reference)
    assert "✓ one_hot" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda y, c: np.eye(c, dtype="float32")[np.asarray(y)].T, "transposed"),
    (lambda y, c: np.asarray(y, dtype="float32"), "one number per label"),
    (lambda y, c: np.eye(c, dtype="int64")[np.asarray(y)], "return floats"),
    (lambda y, c: np.roll(np.eye(c, dtype="float32")[np.asarray(y)], 1, axis=1), "one column off"),
    (lambda y, c: np.eye(c, dtype="float32")[np.asarray(y) % c], "must raise ValueError"),
    # keras.ops.one_hot gives a row of zeros for label 10 (TensorFlow, JAX); torch raises RuntimeError
    (lambda y, c: ops.one_hot(np.asarray(y), c), "must raise ValueError|raise ValueError, not RuntimeError"),
    (lambda y, c: None, "forget `return`"),
])
def test_one_hot_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_one_hot(wrong)


def test_one_hot_rejects_wrong_exception_type():
    def raises_index_error(labels, num_classes):
        return np.eye(num_classes, dtype="float32")[np.asarray(labels)]  # IndexError for label 10
    with pytest.raises(AssertionError, match="not IndexError"):
        check_one_hot(raises_index_error)


def test_one_hot_rejects_non_callable():
    with pytest.raises(TypeError, match="function itself"):
        check_one_hot(one_hot_numpy([1, 2], 3))


# -- exercise 2: conditional grid inputs -------------------------------------------------------

def grid_right(z, num_classes):
    z = np.asarray(z)
    return np.tile(z, (num_classes, 1)), np.repeat(np.arange(num_classes), len(z))


def grid_loops(z, num_classes):
    zs, labels = [], []
    for label in range(num_classes):
        for code in z:
            zs.append(code)
            labels.append(label)
    return np.array(zs), np.array(labels)


def test_grid_inputs_accepts_answers(capsys):
    assert check_conditional_grid_inputs(grid_right)
    assert check_conditional_grid_inputs(grid_loops)
    assert "✓ conditional_grid_inputs" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda z, c: (np.repeat(np.asarray(z), c, axis=0), np.repeat(np.arange(c), len(z))), "np.tile"),
    (lambda z, c: (np.tile(np.asarray(z), (c, 1)), np.tile(np.arange(c), len(z))), "np.repeat"),
    (lambda z, c: (np.tile(np.asarray(z), (c, 1)), np.eye(c)[np.repeat(np.arange(c), len(z))]), "not one-hot"),
    (lambda z, c: np.tile(np.asarray(z), (c, 1)), "pair"),
    (lambda z, c: (np.asarray(z), np.arange(c)), "shape"),
])
def test_grid_inputs_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_conditional_grid_inputs(wrong)


# -- exercise 3: the CVAE as a classifier --------------------------------------------------------

def classify_right(model, x):
    scores = [negative_elbo(model, x, np.full(len(x), c), per_image=True) for c in range(model.num_classes)]
    return np.argmin(np.stack(scores, axis=1), axis=1)


def classify_loop(model, x):
    best, best_score = np.zeros(len(x), dtype=int), np.full(len(x), np.inf)
    for c in range(10):
        score = negative_elbo(model, x, [c] * len(x), per_image=True)
        best = np.where(score < best_score, c, best)
        best_score = np.minimum(score, best_score)
    return best


def test_classifier_accepts_answers(cvae, digits, capsys):
    x, y = digits
    assert check_classify_by_elbo(classify_right, cvae, x, y)
    assert check_classify_by_elbo(classify_loop, cvae, x, y)
    assert check_classify_by_elbo(classify_by_elbo_reference, cvae, x, y)
    assert "✓ classify_by_elbo" in capsys.readouterr().out


def classify_argmax(model, x):
    scores = [negative_elbo(model, x, np.full(len(x), c), per_image=True) for c in range(model.num_classes)]
    return np.argmax(np.stack(scores, axis=1), axis=1)


def classify_scores(model, x):
    return np.stack([negative_elbo(model, x, np.full(len(x), c), per_image=True) for c in range(10)], axis=1)


@pytest.mark.parametrize("wrong, message", [
    (classify_argmax, "argmin"),
    (classify_scores, "scores of shape"),
    (lambda m, x: classify_right(m, x) + 0.5, "whole-number"),
    (lambda m, x: classify_right(m, x) + 10, r"\[0, 10\)"),
    (lambda m, x: None, "forget `return`"),
])
def test_classifier_rejects_mistakes(cvae, digits, wrong, message):
    x, y = digits
    with pytest.raises(AssertionError, match=message):
        check_classify_by_elbo(wrong, cvae, x, y)


def test_classifier_rejects_being_told_the_labels(cvae, digits):
    x, y = digits
    expected = classify_by_elbo_reference(cvae, x)
    y_other = (expected + 1) % 10  # "true" labels that the reference never predicts
    with pytest.raises(AssertionError, match="equals the true labels"):
        check_classify_by_elbo(lambda m, images: y_other, cvae, x, y_other)


def test_classifier_needs_a_cvae(digits):
    x, y = digits
    with pytest.raises(TypeError, match="CVAE"):
        check_classify_by_elbo(classify_right, VAE(latent_dim=2), x, y)


# -- helpers -------------------------------------------------------------------------------------

def test_conditional_log_likelihoods_match_importance_sampling(cvae, digits):
    x, _ = digits
    x = x[:3]
    table = conditional_log_likelihoods(cvae, x, num_samples=8, seed=3)
    assert table.shape == (3, 10)
    column = -importance_sampled_nll(cvae, x, np.full(3, 4), num_samples=8, seed=3, per_image=True)
    np.testing.assert_allclose(table[:, 4], column, rtol=1e-6)
    log_px = np.logaddexp.reduce(table, axis=1) - math.log(10)
    assert np.all(log_px <= table.max(axis=1)) and np.all(log_px >= table.max(axis=1) - math.log(10))


def test_conditional_log_likelihoods_validates(cvae):
    with pytest.raises(TypeError, match="CVAE"):
        conditional_log_likelihoods(VAE(latent_dim=2), np.zeros((2, 28, 28, 1)))
    with pytest.raises(ValueError, match="shape"):
        conditional_log_likelihoods(cvae, np.zeros((2, 28, 28)))


def test_knn_accuracy_separated_and_mixed():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 50)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype="float32")
    z = centres[labels] + rng.normal(size=(200, 2)).astype("float32")
    assert knn_label_accuracy(z[::2], labels[::2], z[1::2], labels[1::2], k=5) == 1.0
    z_mixed = rng.normal(size=(2000, 2)).astype("float32")
    labels_mixed = rng.integers(0, 4, 2000)
    acc = knn_label_accuracy(z_mixed[:1000], labels_mixed[:1000], z_mixed[1000:], labels_mixed[1000:], k=5)
    assert 0.15 < acc < 0.35  # chance is 0.25


def test_knn_accuracy_validates():
    z = np.zeros((4, 2), dtype="float32")
    with pytest.raises(ValueError, match="larger than"):
        knn_label_accuracy(z, [0, 1, 0, 1], z, [0, 1, 0, 1], k=5)
    with pytest.raises(ValueError, match="labels_query has 3 labels"):
        knn_label_accuracy(z, [0, 1, 0, 1], z, [0, 1, 0], k=1)
    with pytest.raises(ValueError, match="z_query"):
        knn_label_accuracy(z, [0, 1, 0, 1], np.zeros((4, 3)), [0, 1, 0, 1], k=1)


def test_check_one_hot_rejects_an_answer_that_lets_negative_labels_wrap_round():
    from cvae_utils.exercises.cvae import check_one_hot

    def only_checks_the_top(labels, num_classes):
        labels = np.asarray(labels)
        if labels.max() >= num_classes:
            raise ValueError("label too large")
        return np.eye(num_classes, dtype="float32")[labels]  # -1 silently becomes the last class

    with pytest.raises(AssertionError, match="label -1 has no column"):
        check_one_hot(only_checks_the_top)
