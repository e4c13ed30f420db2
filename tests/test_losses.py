"""The loss terms: closed forms against Monte Carlo and a NumPy reference, and numerical safety."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import binary_images, class_labels, compile_model
from keras import ops

from cvae_utils.losses import (
    bernoulli_nll_from_logits,
    kl_gaussians,
    kl_standard_normal,
    log_normal,
)
from cvae_utils.models import CVAE, VAE, Autoencoder
from cvae_utils.networks import Sampling


def np_of(t):
    return ops.convert_to_numpy(t)


def log_normal_np(z, mean, log_var):
    return -0.5 * np.sum(
        np.log(2 * np.pi) + log_var + (z - mean) ** 2 / np.exp(log_var),
        axis=-1,
    )


MEANS = np.array([[0.0, 0.0], [1.0, -0.5], [0.3, 2.0], [-1.5, 0.2]])
LOG_VARS = np.array([[0.0, 0.0], [-1.0, 0.5], [-3.0, 0.0], [1.0, -0.2]])


def test_kl_standard_normal_equals_monte_carlo():
    """KL(q || p) = E_q[log q(z) - log p(z)]: estimate it from 200,000 draws per Gaussian with a
    NumPy-only log density, and compare within 5 standard errors (fixed seed: deterministic)."""
    rng = np.random.default_rng(0)
    closed = np_of(
        kl_standard_normal(MEANS.astype("float32"), LOG_VARS.astype("float32"))
    )
    assert closed.shape == (len(MEANS),)
    z = MEANS + np.exp(0.5 * LOG_VARS) * rng.standard_normal(
        (200_000, *MEANS.shape)
    )
    log_ratio = log_normal_np(z, MEANS, LOG_VARS) - log_normal_np(z, 0.0, 0.0)
    mc, se = log_ratio.mean(axis=0), log_ratio.std(axis=0) / math.sqrt(len(z))
    np.testing.assert_array_less(np.abs(closed - mc), 5 * se + 1e-3)
    assert closed[0] == pytest.approx(0.0, abs=1e-6)  # q = p


def test_kl_gaussians_equals_monte_carlo():
    rng = np.random.default_rng(1)
    mean_p = np.array([[0.5, 0.5], [-1.0, 0.0], [0.0, 1.0], [2.0, -2.0]])
    log_var_p = np.array([[0.3, -0.3], [0.0, 1.0], [-1.0, -1.0], [0.5, 0.0]])
    f32 = lambda a: a.astype("float32")  # noqa: E731
    closed = np_of(
        kl_gaussians(f32(MEANS), f32(LOG_VARS), f32(mean_p), f32(log_var_p))
    )
    z = MEANS + np.exp(0.5 * LOG_VARS) * rng.standard_normal(
        (200_000, *MEANS.shape)
    )
    log_ratio = log_normal_np(z, MEANS, LOG_VARS) - log_normal_np(
        z, mean_p, log_var_p
    )
    mc, se = log_ratio.mean(axis=0), log_ratio.std(axis=0) / math.sqrt(len(z))
    np.testing.assert_array_less(np.abs(closed - mc), 5 * se + 1e-3)


def test_kl_gaussians_with_standard_normal_prior_is_kl_standard_normal():
    m, lv = MEANS.astype("float32"), LOG_VARS.astype("float32")
    np.testing.assert_allclose(
        np_of(kl_gaussians(m, lv, np.zeros_like(m), np.zeros_like(lv))),
        np_of(kl_standard_normal(m, lv)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_kl_is_positive_away_from_the_prior():
    rng = np.random.default_rng(2)
    m, lv = (
        rng.normal(size=(100, 3)).astype("float32"),
        rng.normal(size=(100, 3)).astype("float32"),
    )
    assert np.all(np_of(kl_standard_normal(m, lv)) > 0)


def test_log_normal_matches_numpy():
    rng = np.random.default_rng(3)
    z, m, lv = (rng.normal(size=(5, 3)).astype("float32") for _ in range(3))
    np.testing.assert_allclose(
        np_of(log_normal(z, m, lv)), log_normal_np(z, m, lv), rtol=1e-5
    )


def test_bernoulli_nll_matches_the_definition():
    rng = np.random.default_rng(4)
    x = binary_images(3)
    logits = rng.normal(scale=3, size=x.shape).astype("float32")
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    reference = -np.sum(
        x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3)
    )
    got = np_of(bernoulli_nll_from_logits(x, logits))
    assert got.shape == (3,)
    np.testing.assert_allclose(got, reference, rtol=1e-5)
    # a zero logit is p = 1/2 for every pixel: 784 log 2 nats per image
    np.testing.assert_allclose(
        np_of(bernoulli_nll_from_logits(x, np.zeros_like(x))),
        784 * math.log(2),
        rtol=1e-6,
    )


# -- numerical safety -------------------------------------------------------------------------
EXTREME = [1e4, 1e30]


@pytest.mark.parametrize("magnitude", EXTREME)
@pytest.mark.parametrize("pixel", [0.0, 1.0, 0.5])
def test_bernoulli_nll_is_finite_for_extreme_logits(magnitude, pixel):
    x = np.full((2, 28, 28, 1), pixel, "float32")
    for sign in (1.0, -1.0):
        value = np_of(
            bernoulli_nll_from_logits(x, np.full_like(x, sign * magnitude))
        )
        assert np.all(np.isfinite(value)) and np.all(value >= 0), (
            sign * magnitude,
            pixel,
            value,
        )
    # a confident and right prediction costs (almost) nothing
    right = np.where(x > 0.5, magnitude, -magnitude).astype("float32")
    if pixel != 0.5:
        assert np.all(np_of(bernoulli_nll_from_logits(x, right)) < 1e-3)


def test_bernoulli_nll_per_pixel_term_is_finite_up_to_the_float32_limit():
    """One pixel at the largest float32 logit: its term (about 3e38 nats) must not overflow.
    (784 such pixels would: their *sum* exceeds the float32 range, which no formula avoids.)"""
    big = float(np.finfo("float32").max) / 2
    for pixel in (0.0, 1.0, 0.5):
        x = np.zeros((1, 28, 28, 1), "float32")
        x[0, 0, 0, 0] = pixel
        for sign in (1.0, -1.0):
            logits = np.zeros_like(x)
            logits[0, 0, 0, 0] = sign * big
            value = np_of(bernoulli_nll_from_logits(x, logits))
            assert np.all(np.isfinite(value)), (pixel, sign, value)


@pytest.mark.parametrize("log_var", [-1e4, -100.0, 100.0, 1e4, 3e38, -3e38])
def test_kl_and_log_density_are_finite_for_extreme_log_variances(log_var):
    mean = np.array([[0.0, 1e3], [-1e3, 5.0]], "float32")
    lv = np.full_like(mean, log_var)
    for value in (
        kl_standard_normal(mean, lv),
        kl_gaussians(mean, lv, mean * 0, lv),
        kl_gaussians(mean, lv, mean * 0.5, -lv),
        log_normal(mean * 0.9, mean, lv),
    ):
        assert np.all(np.isfinite(np_of(value))), (log_var, np_of(value))


def test_sampling_is_finite_for_extreme_log_variances():
    layer = Sampling(seed=0)
    mean = ops.convert_to_tensor(np.zeros((3, 2), "float32"))
    for log_var in (-1e4, 1e4, 3e38):
        z = np_of(
            layer(
                [
                    mean,
                    ops.convert_to_tensor(np.full((3, 2), log_var, "float32")),
                ]
            )
        )
        assert np.all(np.isfinite(z)), log_var


@pytest.mark.parametrize("pixel", [0.0, 1.0], ids=["all-zero", "all-one"])
@pytest.mark.parametrize("kind", ["Autoencoder", "VAE", "CVAE"])
def test_training_on_constant_images_stays_finite(kind, pixel):
    """All-black or all-white images push the decoder's logits towards -inf/+inf; with a high
    learning rate this is where a naive log(sigmoid) loss produces inf and then NaN."""
    x = np.full((16, 28, 28, 1), pixel, "float32")
    if kind == "CVAE":
        model, data = (
            CVAE(latent_dim=2, num_classes=3),
            [x, class_labels(16, 3)],
        )
    else:
        model, data = (VAE if kind == "VAE" else Autoencoder)(latent_dim=2), x
    compile_model(model, learning_rate=0.05)
    history = model.fit(data, epochs=2, batch_size=8, verbose=0).history
    for key, values in history.items():
        assert np.all(np.isfinite(values)), (key, values)
    assert all(np.all(np.isfinite(np_of(w))) for w in model.weights)


# -- behaviour: ------------------------------------------------------------
# The loss terms reduce over the right axis and keep their numerical guards.
#
# Written against the flat API (``from cvae_utils import ...``) and killing mutants that
# ``tools/mutation_score.py`` found alive: each test names the plausible bug it catches.


def _np(t):
    return np.asarray(ops.convert_to_numpy(t), dtype="float64")


def _log_normal_np(z, mean, log_var):
    return -0.5 * np.sum(
        math.log(2 * math.pi) + log_var + (z - mean) ** 2 / np.exp(log_var),
        axis=-1,
    )


def test_log_normal_sums_over_the_last_axis_of_a_stack_of_samples():
    """Importance sampling evaluates log N(z_k; mean, var) for (K, N, D) stacks: the sum must run
    over the latent axis D (the docstring's "last axis"), not over N or K."""
    rng = np.random.default_rng(0)
    z, mean, log_var = (
        rng.normal(size=(4, 3, 2)).astype("float32") for _ in range(3)
    )
    got = _np(log_normal(z, mean, log_var))
    assert got.shape == (4, 3)
    np.testing.assert_allclose(
        got, _log_normal_np(z, mean, log_var), rtol=1e-5
    )


def test_kl_terms_sum_over_the_latent_axis_of_a_stack():
    rng = np.random.default_rng(1)
    mq, lq, mp, lp = (
        rng.normal(size=(4, 3, 2)).astype("float32") for _ in range(4)
    )
    expected = 0.5 * np.sum(
        lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1.0, axis=-1
    )
    np.testing.assert_allclose(
        _np(kl_gaussians(mq, lq, mp, lp)), expected, rtol=1e-5, atol=1e-6
    )
    expected = 0.5 * np.sum(np.exp(lq) + mq**2 - 1.0 - lq, axis=-1)
    np.testing.assert_allclose(
        _np(kl_standard_normal(mq, lq)), expected, rtol=1e-5, atol=1e-6
    )


def test_kl_gaussians_is_zero_only_when_the_two_gaussians_agree():
    """Bugs caught: mean_q - mean_p written as a sum, the variance ratio turned upside down."""
    mean, log_var = (
        np.array([[0.5, -1.0]], "float32"),
        np.array([[0.3, -0.7]], "float32"),
    )
    np.testing.assert_allclose(
        _np(kl_gaussians(mean, log_var, mean, log_var)), [0.0], atol=1e-6
    )
    # KL(N(0, 1) || N(0, e^2)) = (log e^2 - 0 + 1/e^2 - 1) / 2 per dimension
    kl = _np(
        kl_gaussians(
            np.zeros((1, 1)),
            np.zeros((1, 1)),
            np.zeros((1, 1)),
            np.full((1, 1), 2.0),
        )
    )
    np.testing.assert_allclose(
        kl, [0.5 * (2.0 + math.exp(-2.0) - 1.0)], rtol=1e-6
    )
    kl = _np(
        kl_gaussians(
            np.ones((1, 1)),
            np.zeros((1, 1)),
            -np.ones((1, 1)),
            np.zeros((1, 1)),
        )
    )
    np.testing.assert_allclose(kl, [2.0], rtol=1e-6)  # (1 - (-1))^2 / 2


@pytest.mark.parametrize("fn", ["kl_standard_normal", "log_normal"])
def test_log_variances_beyond_30_are_clipped_not_exponentiated(fn):
    """exp(log_var) is taken of the clipped log-variance: 50 and 30 give the same value
    (without the clip, exp(50) would dominate the KL by a factor of 1e9)."""
    mean = np.zeros((1, 2), "float32")
    values = []
    for lv in (30.0, 50.0):
        log_var = np.full((1, 2), lv, "float32")
        values.append(
            _np(
                kl_standard_normal(mean, log_var)
                if fn == "kl_standard_normal"
                else log_normal(mean + 1.0, mean, log_var)
            )
        )
    np.testing.assert_allclose(values[1], values[0], rtol=1e-6)
    low = [
        _np(kl_standard_normal(mean, np.full((1, 2), lv, "float32")))
        for lv in (-30.0, -60.0)
    ]
    np.testing.assert_allclose(low[1], low[0], rtol=1e-6)


def test_bernoulli_nll_is_a_per_image_sum_that_grows_with_the_number_of_wrong_pixels():
    """Bugs caught: a mean over pixels instead of the sum, a sign flip, a reduction over the batch."""
    x = np.zeros((3, 4, 4, 1), "float32")
    x[1, :2] = 1.0  # image 1 has 8 pixels that a logit of -5 gets wrong
    x[2] = 1.0  # image 2 has all 16 wrong
    logits = np.full_like(x, -5.0)
    got = _np(bernoulli_nll_from_logits(x, logits))
    right, wrong = math.log1p(math.exp(-5.0)), 5.0 + math.log1p(math.exp(-5.0))
    np.testing.assert_allclose(
        got, [16 * right, 8 * wrong + 8 * right, 16 * wrong], rtol=1e-5
    )


def _binary_images_and_logits():
    rng = np.random.default_rng(0)
    x = rng.random((3, 4, 4, 1)) < 0.5
    logits = rng.normal(size=(3, 4, 4, 1))
    return (
        x,
        logits,
        np.sum(np.logaddexp(0, logits) - x * logits, axis=(1, 2, 3)),
    )


def test_integer_images_give_the_float_answer():
    """Bug caught: integer images (0/1 as int) or an integer tensor not converted to floats."""
    x, logits, expected = _binary_images_and_logits()
    for images in (
        x.astype("int64"),
        ops.convert_to_tensor(x.astype("int32")),
        x.astype("float32"),
    ):
        np.testing.assert_allclose(
            _np(bernoulli_nll_from_logits(images, logits.astype("float32"))),
            expected,
            rtol=1e-5,
        )


@pytest.mark.skipif(
    "float64" not in str(ops.convert_to_tensor(np.zeros(1)).dtype),
    reason="this backend has no float64 tensors (JAX without jax_enable_x64)",
)
def test_float64_logits_keep_float64():
    """Bugs caught: float64 inputs silently rounded to float32; x not cast to the logits' dtype."""
    x, logits, expected = _binary_images_and_logits()
    exact = bernoulli_nll_from_logits(
        x.astype("float32"), ops.convert_to_tensor(logits)
    )
    assert "float64" in str(exact.dtype)
    np.testing.assert_allclose(_np(exact), expected, rtol=1e-12)
