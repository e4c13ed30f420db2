"""The loss terms reduce over the right axis and keep their numerical guards.

Written against the flat API (``from cvae_utils import ...``) and killing mutants that
``tools/mutation_score.py`` found alive: each test names the plausible bug it catches.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from keras import ops

from cvae_utils import bernoulli_nll_from_logits, kl_gaussians, kl_standard_normal, log_normal


def _np(t):
    return np.asarray(ops.convert_to_numpy(t), dtype="float64")


def _log_normal_np(z, mean, log_var):
    return -0.5 * np.sum(math.log(2 * math.pi) + log_var + (z - mean) ** 2 / np.exp(log_var), axis=-1)


def test_log_normal_sums_over_the_last_axis_of_a_stack_of_samples():
    """Importance sampling evaluates log N(z_k; mean, var) for (K, N, D) stacks: the sum must run
    over the latent axis D (the docstring's "last axis"), not over N or K."""
    rng = np.random.default_rng(0)
    z, mean, log_var = (rng.normal(size=(4, 3, 2)).astype("float32") for _ in range(3))
    got = _np(log_normal(z, mean, log_var))
    assert got.shape == (4, 3)
    np.testing.assert_allclose(got, _log_normal_np(z, mean, log_var), rtol=1e-5)


def test_kl_terms_sum_over_the_latent_axis_of_a_stack():
    rng = np.random.default_rng(1)
    mq, lq, mp, lp = (rng.normal(size=(4, 3, 2)).astype("float32") for _ in range(4))
    expected = 0.5 * np.sum(lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1.0, axis=-1)
    np.testing.assert_allclose(_np(kl_gaussians(mq, lq, mp, lp)), expected, rtol=1e-5, atol=1e-6)
    expected = 0.5 * np.sum(np.exp(lq) + mq ** 2 - 1.0 - lq, axis=-1)
    np.testing.assert_allclose(_np(kl_standard_normal(mq, lq)), expected, rtol=1e-5, atol=1e-6)


def test_kl_gaussians_is_zero_only_when_the_two_gaussians_agree():
    """Bugs caught: mean_q - mean_p written as a sum, the variance ratio turned upside down."""
    mean, log_var = np.array([[0.5, -1.0]], "float32"), np.array([[0.3, -0.7]], "float32")
    np.testing.assert_allclose(_np(kl_gaussians(mean, log_var, mean, log_var)), [0.0], atol=1e-6)
    # KL(N(0, 1) || N(0, e^2)) = (log e^2 - 0 + 1/e^2 - 1) / 2 per dimension
    kl = _np(kl_gaussians(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.full((1, 1), 2.0)))
    np.testing.assert_allclose(kl, [0.5 * (2.0 + math.exp(-2.0) - 1.0)], rtol=1e-6)
    kl = _np(kl_gaussians(np.ones((1, 1)), np.zeros((1, 1)), -np.ones((1, 1)), np.zeros((1, 1))))
    np.testing.assert_allclose(kl, [2.0], rtol=1e-6)  # (1 - (-1))^2 / 2


@pytest.mark.parametrize("fn", ["kl_standard_normal", "log_normal"])
def test_log_variances_beyond_30_are_clipped_not_exponentiated(fn):
    """exp(log_var) is taken of the clipped log-variance: 50 and 30 give the same value
    (without the clip, exp(50) would dominate the KL by a factor of 1e9)."""
    mean = np.zeros((1, 2), "float32")
    values = []
    for lv in (30.0, 50.0):
        log_var = np.full((1, 2), lv, "float32")
        values.append(_np(kl_standard_normal(mean, log_var) if fn == "kl_standard_normal"
                          else log_normal(mean + 1.0, mean, log_var)))
    np.testing.assert_allclose(values[1], values[0], rtol=1e-6)
    low = [_np(kl_standard_normal(mean, np.full((1, 2), lv, "float32"))) for lv in (-30.0, -60.0)]
    np.testing.assert_allclose(low[1], low[0], rtol=1e-6)


def test_bernoulli_nll_is_a_per_image_sum_that_grows_with_the_number_of_wrong_pixels():
    """Bugs caught: a mean over pixels instead of the sum, a sign flip, a reduction over the batch."""
    x = np.zeros((3, 4, 4, 1), "float32")
    x[1, :2] = 1.0  # image 1 has 8 pixels that a logit of -5 gets wrong
    x[2] = 1.0  # image 2 has all 16 wrong
    logits = np.full_like(x, -5.0)
    got = _np(bernoulli_nll_from_logits(x, logits))
    right, wrong = math.log1p(math.exp(-5.0)), 5.0 + math.log1p(math.exp(-5.0))
    np.testing.assert_allclose(got, [16 * right, 8 * wrong + 8 * right, 16 * wrong], rtol=1e-5)


def _binary_images_and_logits():
    rng = np.random.default_rng(0)
    x = rng.random((3, 4, 4, 1)) < 0.5
    logits = rng.normal(size=(3, 4, 4, 1))
    return x, logits, np.sum(np.logaddexp(0, logits) - x * logits, axis=(1, 2, 3))


def test_integer_images_give_the_float_answer():
    """Bug caught: integer images (0/1 as int) or an integer tensor not converted to floats."""
    x, logits, expected = _binary_images_and_logits()
    for images in (x.astype("int64"), ops.convert_to_tensor(x.astype("int32")), x.astype("float32")):
        np.testing.assert_allclose(_np(bernoulli_nll_from_logits(images, logits.astype("float32"))), expected,
                                   rtol=1e-5)


@pytest.mark.skipif("float64" not in str(ops.convert_to_tensor(np.zeros(1)).dtype),
                    reason="this backend has no float64 tensors (JAX without jax_enable_x64)")
def test_float64_logits_keep_float64():
    """Bugs caught: float64 inputs silently rounded to float32; x not cast to the logits' dtype."""
    x, logits, expected = _binary_images_and_logits()
    exact = bernoulli_nll_from_logits(x.astype("float32"), ops.convert_to_tensor(logits))
    assert "float64" in str(exact.dtype)
    np.testing.assert_allclose(_np(exact), expected, rtol=1e-12)
