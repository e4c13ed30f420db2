"""The self-checks and helpers of the CVAE chapter accept correct answers and reject the usual mistakes."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from cvae_utils.evaluate import (
    conditional_log_likelihoods,
    importance_sampled_nll,
    knn_label_accuracy,
    negative_elbo,
)
from cvae_utils.exercises.cvae import (
    check_aggregate_variance,
    check_class_share,
    check_classify_by_elbo,
    check_label_prior_kl,
    classify_by_elbo_reference,
    elbo_scores_reference,
    kl_to_label_prior_reference,
)
from cvae_utils.losses import kl_gaussians, kl_standard_normal
from cvae_utils.models import CVAE, VAE


@pytest.fixture(scope="module")
def cvae():
    keras.utils.set_random_seed(0)
    return CVAE(latent_dim=2, num_classes=10, architecture="dense")


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    return (rng.random((20, 28, 28, 1)) > 0.7).astype("float32"), rng.integers(
        0, 10, 20
    )


# -- exercise 1: the aggregate posterior's variance ----------------------------------------------


def aggregate_variance(z_mean, z_log_var):
    z_mean, z_log_var = np.asarray(z_mean), np.asarray(z_log_var)
    return z_mean.var(axis=0) + np.exp(z_log_var).mean(axis=0)


def aggregate_variance_ops(z_mean, z_log_var):
    return ops.var(z_mean, axis=0) + ops.mean(ops.exp(z_log_var), axis=0)


def aggregate_variance_unbiased(z_mean, z_log_var):
    return np.var(z_mean, axis=0, ddof=1) + np.mean(np.exp(z_log_var), axis=0)


def test_aggregate_variance_accepts_numpy_keras_and_n_minus_1(capsys):
    check_aggregate_variance(aggregate_variance)
    check_aggregate_variance(aggregate_variance_ops)
    check_aggregate_variance(aggregate_variance_unbiased)
    assert capsys.readouterr().out.count("✓ aggregate_variance") == 3


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda m, lv: np.var(m, axis=0), "Var\\[mu_j\\] alone"),
        (lambda m, lv: np.exp(lv).mean(axis=0), "E\\[sigma_j\\^2\\] alone"),
        (
            lambda m, lv: np.var(m, axis=0) + np.exp(lv / 2).mean(axis=0),
            "mean standard deviation",
        ),
        (lambda m, lv: np.var(m, axis=0) + lv.mean(axis=0), "log sigma\\^2"),
        (
            lambda m, lv: (m**2).mean(axis=0) + np.exp(lv).mean(axis=0),
            "second moment",
        ),
        (
            lambda m, lv: np.sqrt(aggregate_variance(m, lv)),
            "standard deviation",
        ),
        (
            lambda m, lv: np.var(m, axis=1) + np.exp(lv).mean(axis=1),
            "one per image",
        ),
        (lambda m, lv: float(aggregate_variance(m, lv).sum()), "shape"),
        (lambda m, lv: None, "forget `return`"),
    ],
)
def test_aggregate_variance_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_aggregate_variance(wrong)


def test_aggregate_variance_rejects_non_callable():
    with pytest.raises(TypeError, match="function itself"):
        check_aggregate_variance(np.ones(2))


# -- exercise 2: the share of the code that is class ---------------------------------------------


def class_share(z, labels):
    z = np.asarray(z, dtype="float64")
    class_means = np.stack(
        [z[labels == c].mean(axis=0) for c in np.unique(labels)]
    )
    own_mean = class_means[
        np.searchsorted(np.unique(labels), labels)
    ]  # each code's class mean
    return own_mean.var(axis=0) / z.var(axis=0)


def class_share_sums(z, labels):
    z = np.asarray(z, dtype="float64")
    between = sum(
        np.sum(labels == c)
        * (z[labels == c].mean(axis=0) - z.mean(axis=0)) ** 2
        for c in np.unique(labels)
    )
    return between / np.sum((z - z.mean(axis=0)) ** 2, axis=0)


def test_class_share_accepts_answers(capsys):
    check_class_share(class_share)
    check_class_share(class_share_sums)
    check_class_share(lambda z, y: ops.convert_to_tensor(class_share(z, y)))
    assert capsys.readouterr().out.count("✓ class_share") == 3


def _unweighted(z, labels):
    z = np.asarray(z, dtype="float64")
    means = np.stack([z[labels == c].mean(axis=0) for c in np.unique(labels)])
    return np.mean((means - z.mean(axis=0)) ** 2, axis=0) / z.var(axis=0)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda z, y: 1.0 - class_share(z, y), "within"),
        (_unweighted, "different sizes"),
        (lambda z, y: np.sqrt(class_share(z, y)), "standard deviations"),
        (lambda z, y: 1.0 / class_share(z, y), "upside down"),
        (lambda z, y: class_share(z, y).mean(), "shape"),
        (
            lambda z, y: class_share(z, np.sort(y)),
            "expected",
        ),  # labels sorted: the pairing is lost
        (lambda z, y: None, "forget `return`"),
    ],
)
def test_class_share_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_class_share(wrong)


# -- exercise 3: the CVAE as a classifier --------------------------------------------------------


def scores_right(model, x):
    return np.stack(
        [
            negative_elbo(model, x, np.full(len(x), c), per_image=True)
            for c in range(model.num_classes)
        ],
        axis=1,
    )


def scores_loop(model, x):
    columns = []
    for c in range(10):
        columns.append(negative_elbo(model, x, y=[c] * len(x), per_image=True))
    return np.array(columns).T


def test_classifier_accepts_answers(cvae, digits, capsys):
    x, y = digits
    check_classify_by_elbo(scores_right, cvae, x, y)
    check_classify_by_elbo(scores_loop, cvae, x, y)
    check_classify_by_elbo(elbo_scores_reference, cvae, x, y)
    out = capsys.readouterr().out
    assert (
        "✓ classify_by_elbo" in out and "labels" in out and "correctly" in out
    )


def test_classify_by_elbo_reference_is_the_argmin_of_the_scores(cvae, digits):
    x, _ = digits
    np.testing.assert_array_equal(
        classify_by_elbo_reference(cvae, x),
        elbo_scores_reference(cvae, x).argmin(1),
    )


def _kl_table(model, x):
    columns = []
    for c in range(model.num_classes):
        z_mean, z_log_var = model.encode(x, np.full(len(x), c))
        columns.append(np.asarray(kl_standard_normal(z_mean, z_log_var)))
    return np.stack(columns, axis=1)


def scores_without_kl(model, x):
    """The loophole of the old check: reconstruction term only; most argmins still agree."""
    return scores_right(model, x) - _kl_table(model, x)


def scores_by_hand_with_another_draw(model, x):
    """A correct -ELBO, but 8 draws of z with another seed: differs from the reference by noise only."""
    return np.stack(
        [
            negative_elbo(
                model,
                x,
                np.full(len(x), c),
                num_samples=8,
                seed=3,
                per_image=True,
            )
            for c in range(10)
        ],
        axis=1,
    )


def scores_one_label(model, x):
    """Forgets to pass label c: every column scores label 0."""
    column = negative_elbo(model, x, np.zeros(len(x)), per_image=True)
    return np.stack([column] * model.num_classes, axis=1)


def scores_pixel_mean(model, x):
    kl = _kl_table(model, x)
    return (scores_right(model, x) - kl) / 784 + kl


@pytest.mark.parametrize(
    "wrong, message",
    [
        (scores_without_kl, "reconstruction term alone"),
        (
            lambda m, x: scores_right(m, x) - 2 * _kl_table(m, x),
            "subtracted the KL",
        ),
        (lambda m, x: -scores_right(m, x), "ELBO itself"),
        (lambda m, x: scores_right(m, x).argmin(axis=1), r"shape \(20, 10\)"),
        (lambda m, x: scores_right(m, x).T, "transpose"),
        (lambda m, x: scores_right(m, x).mean(axis=0), "per_image=True"),
        (
            lambda m, x: np.roll(scores_right(m, x), 1, axis=1),
            "shifted by one",
        ),
        (scores_one_label, "Every column is the same"),
        (scores_pixel_mean, "784 times too small"),
        (scores_by_hand_with_another_draw, "Monte Carlo noise"),
        (lambda m, x: None, "forget `return`"),
    ],
)
def test_classifier_rejects_mistakes(cvae, digits, wrong, message):
    x, y = digits
    with pytest.raises(AssertionError, match=message):
        check_classify_by_elbo(wrong, cvae, x, y)


def test_classifier_without_kl_agrees_on_most_argmins_and_is_still_rejected(
    cvae, digits
):
    # what made the old 90%-agreement check accept it: the argmins are mostly the same (90% on
    # TensorFlow and PyTorch, 80% on JAX, whose untrained model differs)
    x, y = digits
    agreement = np.mean(
        scores_without_kl(cvae, x).argmin(1)
        == classify_by_elbo_reference(cvae, x)
    )
    assert agreement >= 0.75
    with pytest.raises(AssertionError, match="KL term"):
        check_classify_by_elbo(scores_without_kl, cvae, x, y)


def test_classifier_needs_a_cvae(digits):
    x, y = digits
    with pytest.raises(TypeError, match="CVAE"):
        check_classify_by_elbo(scores_right, VAE(latent_dim=2), x, y)


# -- exercise 4: the KL to a learned label prior ----------------------------------------------


def kl_prior_right(z_mean, z_log_var, prior_means, prior_log_vars, labels):
    mean_p = ops.take(prior_means, labels, axis=0)
    log_var_p = ops.take(prior_log_vars, labels, axis=0)
    return 0.5 * ops.sum(
        log_var_p
        - z_log_var
        + (ops.exp(z_log_var) + ops.square(z_mean - mean_p))
        / ops.exp(log_var_p)
        - 1.0,
        axis=-1,
    )


def kl_prior_library(z_mean, z_log_var, prior_means, prior_log_vars, labels):
    return kl_gaussians(
        z_mean,
        z_log_var,
        ops.take(prior_means, labels, axis=0),
        ops.take(prior_log_vars, labels, axis=0),
    )


def kl_prior_one_hot(z_mean, z_log_var, prior_means, prior_log_vars, labels):
    one_hot = ops.one_hot(
        labels, ops.shape(prior_means)[0]
    )  # (N, C) @ (C, d) picks the rows too
    return kl_gaussians(
        z_mean,
        z_log_var,
        ops.matmul(one_hot, prior_means),
        ops.matmul(one_hot, prior_log_vars),
    )


def test_label_prior_kl_accepts_answers(capsys):
    check_label_prior_kl(kl_prior_right)
    check_label_prior_kl(kl_prior_library)
    check_label_prior_kl(kl_prior_one_hot)
    assert capsys.readouterr().out.count("✓ kl_to_label_prior") == 3


def _rows(prior_means, prior_log_vars, labels):
    return ops.take(prior_means, labels, axis=0), ops.take(
        prior_log_vars, labels, axis=0
    )


def kl_swapped(m, lv, pm, plv, y):
    mean_p, log_var_p = _rows(pm, plv, y)
    return kl_gaussians(mean_p, log_var_p, m, lv)


def kl_std_as_variance(m, lv, pm, plv, y):
    mean_p, log_var_p = _rows(pm, plv, y)
    return 0.5 * ops.sum(
        log_var_p
        - lv
        + (ops.exp(0.5 * lv) + ops.square(m - mean_p))
        / ops.exp(0.5 * log_var_p)
        - 1.0,
        axis=-1,
    )


def kl_log_std(m, lv, pm, plv, y):
    """Reads the log-variances as log standard deviations: variance exp(2 * log_var)."""
    mean_p, log_var_p = _rows(pm, plv, y)
    return kl_gaussians(m, 2 * lv, mean_p, 2 * log_var_p)


def kl_class_zero(m, lv, pm, plv, y):
    return kl_gaussians(
        m, lv, ops.zeros_like(m) + pm[0], ops.zeros_like(lv) + plv[0]
    )


def kl_batch_sum(m, lv, pm, plv, y):
    return ops.sum(kl_prior_right(m, lv, pm, plv, y))


def kl_no_half(m, lv, pm, plv, y):
    return 2.0 * kl_prior_right(m, lv, pm, plv, y)


def kl_log_ratio_without_half(m, lv, pm, plv, y):
    """log(sigma_p / sigma_q) written as log_var_p - log_var_q."""
    mean_p, log_var_p = _rows(pm, plv, y)
    per_dimension = (
        log_var_p
        - lv
        + (ops.exp(lv) + ops.square(m - mean_p)) / (2.0 * ops.exp(log_var_p))
        - 0.5
    )
    return ops.sum(per_dimension, axis=-1)


def kl_standard_prior(m, lv, pm, plv, y):
    return kl_standard_normal(m, lv)


def kl_per_dimension_mean(m, lv, pm, plv, y):
    return kl_prior_right(m, lv, pm, plv, y) / ops.cast(
        ops.shape(m)[1], "float32"
    )


def kl_no_sum(m, lv, pm, plv, y):
    mean_p, log_var_p = _rows(pm, plv, y)
    return 0.5 * (
        log_var_p
        - lv
        + (ops.exp(lv) + ops.square(m - mean_p)) / ops.exp(log_var_p)
        - 1.0
    )


def kl_numpy(m, lv, pm, plv, y):
    """Right numbers, computed in NumPy and wrapped into a tensor: the prior tables get no gradient."""
    m, lv, pm, plv, y = (ops.convert_to_numpy(t) for t in (m, lv, pm, plv, y))
    mean_p, log_var_p = pm[y], plv[y]
    kl = 0.5 * np.sum(
        log_var_p
        - lv
        + (np.exp(lv) + (m - mean_p) ** 2) / np.exp(log_var_p)
        - 1.0,
        axis=-1,
    )
    return ops.convert_to_tensor(kl.astype("float32"))


def kl_stopped_prior(m, lv, pm, plv, y):
    """Right numbers, but the prior treated as a constant."""
    return kl_prior_right(
        m, lv, ops.stop_gradient(pm), ops.stop_gradient(plv), y
    )


@pytest.mark.parametrize(
    "wrong, message",
    [
        (kl_swapped, r"KL\(p \|\| q\), the arguments swapped"),
        (kl_std_as_variance, "log sigma\\^2"),
        (kl_log_std, "log sigma\\^2"),
        (kl_class_zero, "class 0's prior"),
        (kl_batch_sum, "single number"),
        (kl_no_half, "factor 1/2"),
        (kl_log_ratio_without_half, "log term lacks the 1/2"),
        (kl_standard_prior, r"N\(0, I\)"),
        (kl_per_dimension_mean, "averaged over the latent dimensions"),
        (kl_no_sum, "sum over the last axis"),
        (
            kl_numpy,
            "no gradient reaches prior_means|differentiating your function",
        ),
        (kl_stopped_prior, "no gradient reaches prior_means"),
        (lambda *a: kl_prior_right(*a) + 0.05, "must be 0"),
        (lambda *a: None, "forget `return`"),
    ],
)
def test_label_prior_kl_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_label_prior_kl(wrong)


def test_label_prior_kl_rejects_non_callable():
    with pytest.raises(TypeError, match="function itself"):
        check_label_prior_kl(np.zeros(6))


def test_label_prior_reference_reduces_to_the_standard_normal_kl():
    rng = np.random.default_rng(0)
    z_mean, z_log_var = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    table = np.zeros((3, 2))
    np.testing.assert_allclose(
        kl_to_label_prior_reference(
            z_mean, z_log_var, table, table, [0, 1, 2, 1, 0]
        ),
        np.asarray(
            kl_standard_normal(
                z_mean.astype("float32"), z_log_var.astype("float32")
            )
        ),
        rtol=1e-5,
    )


# -- helpers -------------------------------------------------------------------------------------


def test_conditional_log_likelihoods_match_importance_sampling(cvae, digits):
    x, _ = digits
    x = x[:3]
    table = conditional_log_likelihoods(cvae, x, num_samples=8, seed=3)
    assert table.shape == (3, 10)
    column = -importance_sampled_nll(
        cvae, x, np.full(3, 4), num_samples=8, seed=3, per_image=True
    )
    np.testing.assert_allclose(table[:, 4], column, rtol=1e-6)
    log_px = np.logaddexp.reduce(table, axis=1) - math.log(10)
    assert np.all(log_px <= table.max(axis=1)) and np.all(
        log_px >= table.max(axis=1) - math.log(10)
    )


def test_conditional_log_likelihoods_validates(cvae):
    with pytest.raises(TypeError, match="CVAE"):
        conditional_log_likelihoods(
            VAE(latent_dim=2), np.zeros((2, 28, 28, 1))
        )
    with pytest.raises(ValueError, match="shape"):
        conditional_log_likelihoods(cvae, np.zeros((2, 28, 28)))


def test_knn_accuracy_separated_and_mixed():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 50)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype="float32")
    z = centres[labels] + rng.normal(size=(200, 2)).astype("float32")
    assert (
        knn_label_accuracy(z[::2], labels[::2], z[1::2], labels[1::2], k=5)
        == 1.0
    )
    z_mixed = rng.normal(size=(2000, 2)).astype("float32")
    labels_mixed = rng.integers(0, 4, 2000)
    acc = knn_label_accuracy(
        z_mixed[:1000],
        labels_mixed[:1000],
        z_mixed[1000:],
        labels_mixed[1000:],
        k=5,
    )
    assert 0.15 < acc < 0.35  # chance is 0.25


def test_knn_accuracy_validates():
    z = np.zeros((4, 2), dtype="float32")
    with pytest.raises(ValueError, match="larger than"):
        knn_label_accuracy(z, [0, 1, 0, 1], z, [0, 1, 0, 1], k=5)
    with pytest.raises(ValueError, match="labels_query has 3 labels"):
        knn_label_accuracy(z, [0, 1, 0, 1], z, [0, 1, 0], k=1)
    with pytest.raises(ValueError, match="z_query"):
        knn_label_accuracy(
            z, [0, 1, 0, 1], np.zeros((4, 3)), [0, 1, 0, 1], k=1
        )
