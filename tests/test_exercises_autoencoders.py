"""The self-checks of the autoencoder chapter accept correct answers and reject the usual mistakes."""

import keras
import numpy as np
import pytest
from keras import ops

from cvae_utils.exercises.autoencoders import (
    check_fit_gaussian,
    check_pca_reconstruction,
    check_reconstruction_loss,
)
from cvae_utils.losses import bernoulli_nll_from_logits

# -- answers -------------------------------------------------------------------------------


def nll_keras(x, logits):
    per_pixel = (
        ops.maximum(logits, 0.0)
        - logits * x
        + ops.log1p(ops.exp(-ops.abs(logits)))
    )
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1)


def nll_numpy(x, logits):
    per_pixel = (
        np.maximum(logits, 0.0)
        - logits * x
        + np.log1p(np.exp(-np.abs(logits)))
    )
    return per_pixel.reshape(len(x), -1).sum(axis=1)


def nll_naive(x, logits):  # right formula, unstable for large |logits|
    p = 1.0 / (1.0 + np.exp(-logits.astype("float64")))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_pixel = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    return per_pixel.reshape(len(x), -1).sum(axis=1)


def nll_clipped(
    x, logits
):  # stable but inexact: probabilities clipped to [1e-7, 1 - 1e-7]
    p = np.clip(
        1.0 / (1.0 + np.exp(-logits.astype("float64"))), 1e-7, 1 - 1e-7
    )
    return (
        (-(x * np.log(p) + (1 - x) * np.log(1 - p)))
        .reshape(len(x), -1)
        .sum(axis=1)
    )


def fit_gaussian_right(z):
    return z.mean(axis=0), np.cov(z, rowvar=False)


def fit_gaussian_biased(z):
    mean = z.mean(axis=0)
    return mean, (z - mean).T @ (z - mean) / len(z)


def pca_right(x, k):
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return mean + (x - mean) @ vt[:k].T @ vt[:k]


def pca_via_eigh(x, k):
    mean = x.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(x - mean, rowvar=False))
    top = vectors[:, np.argsort(values)[::-1][:k]]
    return mean + (x - mean) @ top @ top.T


# -- check_reconstruction_loss -------------------------------------------------------------


def test_reconstruction_loss_accepts_right_answers(capsys):
    check_reconstruction_loss(nll_keras)
    check_reconstruction_loss(nll_numpy)
    check_reconstruction_loss(bernoulli_nll_from_logits)
    assert "✓ reconstruction_loss" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x, l: nll_numpy(x, l) / 784, "averaged over the pixels"),
        (lambda x, l: np.mean(nll_numpy(x, l)), "averaged over the batch"),
        (
            lambda x, l: (
                np.maximum(l, 0.0) - l * x + np.log1p(np.exp(-np.abs(l)))
            ),
            "one value per pixel",
        ),
        (lambda x, l: -nll_numpy(x, l), "sign is wrong"),
        (lambda x, l: nll_numpy(1 - x, l), "expected"),
        (lambda x, l: nll_numpy(l, x), "expected"),  # arguments swapped
        (
            lambda x, l: nll_numpy(x, 1.0 / (1.0 + np.exp(-l))),
            "expected",
        ),  # probabilities passed where logits belong
        (nll_naive, "not finite for logits"),
        (nll_clipped, "clipped"),
        (lambda x, l: None, "forget `return`"),
        (lambda x, l: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_reconstruction_loss_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_reconstruction_loss(wrong)


def test_reconstruction_loss_rejects_non_callable():
    with pytest.raises(TypeError, match="function itself"):
        check_reconstruction_loss(np.zeros(3))


# -- check_fit_gaussian --------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        fit_gaussian_right,
        fit_gaussian_biased,
        lambda z: (keras.ops.mean(z, axis=0), np.cov(z.T)),
    ],
)
def test_fit_gaussian_accepts_both_normalisations(answer, capsys):
    check_fit_gaussian(answer)
    assert "✓ fit_gaussian" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda z: (z.mean(axis=0), np.cov(z)), "rowvar=False"),
        (lambda z: (z.mean(axis=1), np.cov(z, rowvar=False)), "over axis 0"),
        (lambda z: (z.mean(), np.cov(z, rowvar=False)), "must have shape"),
        (lambda z: (z.mean(axis=0), z.T @ z / len(z)), "subtract the mean"),
        (lambda z: (z.mean(axis=0), np.diag(z.var(axis=0))), "cov: expected"),
        (
            lambda z: (z.mean(axis=0), np.cov(z, rowvar=False)[0]),
            "must have shape",
        ),
        (
            lambda z: (np.median(z, axis=0), np.cov(z, rowvar=False)),
            "mean: expected",
        ),
        (lambda z: z.mean(axis=0), "pair"),
        (lambda z: None, "forget `return`"),
    ],
)
def test_fit_gaussian_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_fit_gaussian(wrong)


# -- check_pca_reconstruction --------------------------------------------------------------


@pytest.mark.parametrize("answer", [pca_right, pca_via_eigh])
def test_pca_accepts_svd_and_eigendecomposition(answer, capsys):
    check_pca_reconstruction(answer)
    assert "✓ pca_reconstruction" in capsys.readouterr().out


def _pca_uncentred(x, k):
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return x @ vt[:k].T @ vt[:k]


def _pca_no_mean_back(x, k):
    return pca_right(x, k) - x.mean(axis=0)


def _pca_codes(x, k):
    mean = x.mean(axis=0)
    return (x - mean) @ np.linalg.svd(x - mean, full_matrices=False)[2][:k].T


def _pca_smallest(x, k):
    mean = x.mean(axis=0)
    vt = np.linalg.svd(x - mean, full_matrices=False)[2]
    return mean + (x - mean) @ vt[-k:].T @ vt[-k:]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_pca_uncentred, "subtract the mean"),
        (_pca_no_mean_back, "add the mean back"),
        (_pca_codes, "looks like the codes"),
        (_pca_smallest, "LARGEST"),
        (lambda x, k: x, "differs"),
        (lambda x, k: np.zeros_like(x) + x.mean(axis=0), "differs"),
    ],
)
def test_pca_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_pca_reconstruction(wrong)
