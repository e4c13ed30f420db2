"""The chapter-2 self-checks accept the reference answers and reject typical wrong ones;
the chapter's helpers match closed forms."""

import math

import numpy as np
import pytest

import cvae_utils
from cvae_utils.exercises import latent_variables as latent

# ---- reference answers (what the chapter's hidden solutions do) ------------------------------


def class_posterior(ll_given_class, log_prior):
    scores = ll_given_class + log_prior
    scores = scores - scores.max(axis=1, keepdims=True)
    return np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)


def mc_marginal(x, sigma, num_samples, rng):
    z = rng.standard_normal(num_samples)
    return np.mean(
        np.exp(-0.5 * ((x - z) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    )


def bernoulli_log_likelihood(x, probs):
    per_pixel = x * np.log(probs) + (1 - x) * np.log(1 - probs)
    return per_pixel.reshape(len(x), -1).sum(axis=1)


# ---- the checks accept the reference ---------------------------------------------------------


def test_checks_accept_reference_answers(capsys):
    latent.check_class_posterior(class_posterior)
    latent.check_mc_marginal(mc_marginal)
    latent.check_bernoulli_log_likelihood(bernoulli_log_likelihood)
    out = capsys.readouterr().out
    assert out.count("✓") == 3


def test_mc_check_accepts_other_ways_of_sampling():
    def with_normal(x, sigma, num_samples, rng):
        z = rng.normal(0.0, 1.0, size=num_samples)
        return float(
            np.exp(-((x - z) ** 2) / (2 * sigma**2)).mean()
            / math.sqrt(2 * math.pi * sigma**2)
        )

    latent.check_mc_marginal(with_normal)


# ---- ... and reject wrong ones ---------------------------------------------------------------


def _naive_posterior(ll, log_prior):
    """Right formula, but exp() of -900 is 0 and 0 / 0 is nan."""
    p = np.exp(ll + log_prior)
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_naive_posterior, "not finite.*Subtract each row's maximum"),
        (lambda ll, lp: class_posterior(ll, 0 * lp), "left out the prior"),
        (lambda ll, lp: class_posterior(ll, -lp), "subtracted the log-prior"),
        (lambda ll, lp: np.log(class_posterior(ll, lp)), "log-probabilities"),
        (lambda ll, lp: ll + lp, "log-probabilities"),
        (
            lambda ll, lp: class_posterior(ll.T, lp[:, None] * 0).T,
            "normalise over the classes",
        ),
        (lambda ll, lp: class_posterior(ll, lp)[:, 0], "shape"),
        (lambda ll, lp: 1e300 * np.exp(ll - ll.max() + lp), "sum to 1"),
        (lambda ll, lp: None, "forget `return`"),
    ],
)
def test_class_posterior_check_rejects_wrong_answers(wrong, message):
    with pytest.raises(AssertionError, match=message):
        latent.check_class_posterior(wrong)


def test_class_posterior_check_accepts_scipy_and_logsumexp(capsys):
    special = pytest.importorskip("scipy.special")
    logsumexp, softmax = special.logsumexp, special.softmax

    latent.check_class_posterior(lambda ll, lp: softmax(ll + lp, axis=1))
    latent.check_class_posterior(
        lambda ll, lp: np.exp(
            ll + lp - logsumexp(ll + lp, axis=1, keepdims=True)
        )
    )
    assert capsys.readouterr().out.count("✓ class_posterior") == 2


def _closed_form(x, sigma, num_samples, rng):
    return cvae_utils.toy_marginal(x, sigma)


def _no_normalisation(x, sigma, num_samples, rng):
    z = rng.standard_normal(num_samples)
    return np.mean(np.exp(-0.5 * ((x - z) / sigma) ** 2))


def _sigma_as_variance(x, sigma, num_samples, rng):
    z = rng.standard_normal(num_samples)
    return np.mean(
        np.exp(-0.5 * (x - z) ** 2 / sigma) / np.sqrt(2 * np.pi * sigma)
    )


def _global_rng(x, sigma, num_samples, rng):
    z = np.random.standard_normal(num_samples)
    return np.mean(
        np.exp(-0.5 * ((x - z) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    )


def _array_not_number(x, sigma, num_samples, rng):
    z = rng.standard_normal(num_samples)
    return np.exp(-0.5 * ((x - z) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))


def _too_few_samples(x, sigma, num_samples, rng):
    return mc_marginal(x, sigma, max(1, num_samples // 10), rng)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_closed_form, "spread"),
        (_no_normalisation, "normalising constant"),
        (_sigma_as_variance, "normalising constant"),
        (_global_rng, "rng you are given"),
        (_array_not_number, "one number"),
        (_too_few_samples, "spread"),
    ],
)
def test_mc_check_rejects_wrong_answers(wrong, message):
    with pytest.raises(AssertionError, match=message):
        latent.check_mc_marginal(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda x, p: -bernoulli_log_likelihood(x, p),
            "negative log-likelihood",
        ),
        (
            lambda x, p: (
                (x * np.log(p) + (1 - x) * np.log(1 - p))
                .reshape(len(x), -1)
                .mean(axis=1)
            ),
            "averaged",
        ),
        (
            lambda x, p: (x * np.log(p)).reshape(len(x), -1).sum(axis=1),
            "log\\(1 - p\\)",
        ),
        (lambda x, p: float(bernoulli_log_likelihood(x, p).sum()), "shape"),
        (
            lambda x, p: bernoulli_log_likelihood(p, x),
            "expected|784",
        ),  # arguments swapped
        (
            lambda x, p: (
                (x * np.log(p) + (1 - x) * np.log(p))
                .reshape(len(x), -1)
                .sum(axis=1)
            ),
            "random images",
        ),
        (lambda x, p: None, "forget `return`"),
    ],
)
def test_bernoulli_check_rejects_wrong_answers(wrong, message):
    with pytest.raises(AssertionError, match=message):
        latent.check_bernoulli_log_likelihood(wrong)


@pytest.mark.parametrize(
    "check",
    [
        latent.check_class_posterior,
        latent.check_mc_marginal,
        latent.check_bernoulli_log_likelihood,
    ],
)
def test_checks_reject_non_functions(check):
    with pytest.raises(TypeError, match="your function"):
        check(42)


# ---- helpers ---------------------------------------------------------------------------------


def test_toy_marginal_is_the_gaussian_with_variance_one_plus_sigma_squared():
    sigma, x = 0.5, 0.7
    var = 1 + sigma**2
    assert cvae_utils.toy_marginal(x, sigma) == pytest.approx(
        math.exp(-(x**2) / (2 * var)) / math.sqrt(2 * math.pi * var)
    )
    # d dimensions multiply
    assert cvae_utils.toy_marginal([x, x], sigma) == pytest.approx(
        cvae_utils.toy_marginal(x, sigma) ** 2
    )


def test_toy_relative_variance_matches_simulation():
    x, sigma = 0.3, 0.3
    z = np.random.default_rng(0).standard_normal(1_000_000)
    w = np.exp(-0.5 * ((x - z) / sigma) ** 2) / (
        sigma * math.sqrt(2 * math.pi)
    )
    assert cvae_utils.toy_relative_variance(x, sigma) == pytest.approx(
        w.var() / w.mean() ** 2, rel=0.02
    )


def test_samples_needed_grow_with_dimension_and_sharpness():
    n1 = cvae_utils.samples_for_relative_error(0.0, 0.5)
    assert n1 < cvae_utils.samples_for_relative_error(0.0, 0.1)
    assert n1 < cvae_utils.samples_for_relative_error(np.zeros(5), 0.5)
    assert cvae_utils.samples_for_relative_error(0.0, 0.5, 0.2) == math.ceil(
        cvae_utils.toy_relative_variance(0.0, 0.5) / 0.04
    )


@pytest.mark.parametrize(
    "bad, error",
    [
        (0.0, ValueError),
        (-1.0, ValueError),
        ("1", TypeError),
        (True, TypeError),
        (float("nan"), ValueError),
    ],
)
def test_toy_model_rejects_bad_sigma(bad, error):
    with pytest.raises(error, match="sigma"):
        cvae_utils.toy_marginal(0.0, bad)


def test_toy_model_rejects_bad_x():
    with pytest.raises(ValueError, match="shape"):
        cvae_utils.toy_marginal(np.zeros((2, 2)), 1.0)
    with pytest.raises(TypeError):
        cvae_utils.toy_marginal("0", 1.0)


def test_bernoulli_matrix_matches_direct_sum():
    rng = np.random.default_rng(0)
    x = (rng.random((5, 28, 28, 1)) < 0.4).astype("float32")
    probs = rng.uniform(0.05, 0.95, (3, 28, 28, 1))
    matrix = cvae_utils.bernoulli_log_likelihood_matrix(x, probs)
    assert matrix.shape == (5, 3)
    for k in range(3):
        direct = bernoulli_log_likelihood(
            x, np.broadcast_to(probs[k], x.shape)
        )
        np.testing.assert_allclose(matrix[:, k], direct, rtol=1e-6)


def test_bernoulli_matrix_rejects_bad_inputs():
    x = np.zeros((2, 28, 28, 1))
    with pytest.raises(ValueError, match="strictly between"):
        cvae_utils.bernoulli_log_likelihood_matrix(x, np.ones((1, 28, 28, 1)))
    with pytest.raises(ValueError, match="same image shape"):
        cvae_utils.bernoulli_log_likelihood_matrix(
            x, np.full((1, 14, 14, 1), 0.5)
        )


def test_smoothed_probabilities():
    p = cvae_utils.smoothed_probabilities(np.array([[0.0, 1.0, 0.5]]), eps=0.1)
    np.testing.assert_allclose(p, [[0.1, 0.9, 0.5]], rtol=1e-6)
    with pytest.raises(ValueError, match="eps"):
        cvae_utils.smoothed_probabilities(np.zeros((1, 3)), eps=0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        cvae_utils.smoothed_probabilities(np.full((1, 3), 255.0))


def test_log_mean_exp_and_effective_sample_size():
    a = np.array([[1000.0, 1000.0], [0.0, -1000.0]])
    np.testing.assert_allclose(
        cvae_utils.log_mean_exp(a, axis=1), [1000.0, -math.log(2)]
    )
    np.testing.assert_allclose(
        cvae_utils.effective_sample_size(np.zeros((1, 7))), [7.0]
    )
    np.testing.assert_allclose(
        cvae_utils.effective_sample_size(np.array([0.0, -800.0, -900.0])), 1.0
    )


def test_schematic_returns_a_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = cvae_utils.plot_latent_variable_schematic()
    assert isinstance(fig, plt.Figure)
    plt.close(fig)


def test_log_likelihood_matrix_takes_flat_pixel_vectors():
    """Bug caught: a batch of flat images (N, D) refused as if it had no
    image axes; the docstring promises any shape (N, ...)."""
    x = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    probs = np.array([[0.9, 0.2, 0.6]])
    expected = np.log([0.9 * 0.8 * 0.6, 0.1 * 0.8 * 0.6])[:, None]
    np.testing.assert_allclose(
        cvae_utils.bernoulli_log_likelihood_matrix(x, probs), expected
    )
