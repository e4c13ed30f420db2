"""negative_elbo and importance_sampled_nll: a known answer, Jensen's inequality, and their options."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import binary_images, class_labels

from cvae_utils.evaluate import importance_sampled_nll, negative_elbo
from cvae_utils.models import CVAE, VAE


@pytest.fixture(scope="module")
def vae():
    return VAE(latent_dim=2, seed=0)


@pytest.fixture(scope="module")
def cvae():
    return CVAE(latent_dim=2, num_classes=3, seed=0)


def _bernoulli_nll_np(x, logits):
    x, logits = x.reshape(len(x), -1).astype("float64"), logits.reshape(1, -1).astype("float64")
    return np.sum(np.logaddexp(0, logits) - x * logits, axis=1)


def test_known_answer_when_the_posterior_is_the_prior_and_the_decoder_ignores_z():
    """Encoder outputs mean 0 and log-variance 0 (q = p) and the decoder returns fixed logits b
    whatever z is. Then every importance weight equals p(x | b), so both estimators must return
    exactly -log p(x) = Bernoulli NLL of x under b, for any number of samples."""
    model = VAE(latent_dim=2, architecture="dense")
    for name in ("z_mean", "z_log_var"):
        layer = model.encoder.get_layer(name)
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    last = [layer for layer in model.decoder.layers if layer.weights][-1]
    kernel, bias = last.get_weights()
    b = np.random.default_rng(0).normal(scale=2.0, size=bias.shape).astype("float32")
    last.set_weights([np.zeros_like(kernel), b])
    x = binary_images(6)
    expected = _bernoulli_nll_np(x, b)
    for k in (1, 7):
        np.testing.assert_allclose(negative_elbo(model, x, num_samples=k, per_image=True), expected, rtol=1e-5)
        np.testing.assert_allclose(importance_sampled_nll(model, x, num_samples=k, per_image=True), expected,
                                   rtol=1e-5)
    assert negative_elbo(model, x) == pytest.approx(expected.mean(), rel=1e-5)


@pytest.mark.parametrize("conditional", [False, True], ids=["VAE", "CVAE"])
def test_one_importance_sample_is_the_sampled_kl_elbo(vae, cvae, conditional):
    """With K = 1, log-mean-exp of one weight is that weight: the two estimators coincide image by
    image when they draw the same z (same seed) and the KL is estimated from that draw."""
    model, y = (cvae, class_labels(12, 3)) if conditional else (vae, None)
    x = binary_images(12)
    elbo = negative_elbo(model, x, y, num_samples=1, seed=5, per_image=True, analytic_kl=False)
    nll = importance_sampled_nll(model, x, y, num_samples=1, seed=5, per_image=True)
    np.testing.assert_allclose(nll, elbo, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("conditional", [False, True], ids=["VAE", "CVAE"])
def test_importance_sampled_nll_is_at_most_the_negative_elbo_per_image(vae, cvae, conditional):
    """Jensen: -log (1/K) sum_k w_k <= -(1/K) sum_k log w_k for the *same* K weights, so with the same
    seed the importance-sampled value is below the sampled-KL -ELBO for every single image
    (deterministic, not a statistical statement; 1e-3 nats absorbs float32 rounding)."""
    model, y = (cvae, class_labels(20, 3)) if conditional else (vae, None)
    x = binary_images(20)
    for k in (5, 50):
        elbo = negative_elbo(model, x, y, num_samples=k, seed=1, per_image=True, analytic_kl=False)
        nll = importance_sampled_nll(model, x, y, num_samples=k, seed=1, per_image=True)
        assert elbo.shape == nll.shape == (20,)
        assert np.all(nll <= elbo + 1e-3), np.max(nll - elbo)
        assert np.mean(elbo - nll) > 0, "with K > 1 the bound must be strictly tighter on average"


def test_importance_sampled_nll_is_below_the_analytic_negative_elbo_on_average(vae):
    """The closed-form-KL -ELBO (what the book reports) against K = 200 importance samples: the
    expected gap is positive, and 200 samples per image over 20 images make the Monte Carlo error
    (about 0.01 nats here) far smaller than the gap (tenths of a nat for this model)."""
    x = binary_images(20)
    elbo = negative_elbo(vae, x, num_samples=200, seed=2)
    nll = importance_sampled_nll(vae, x, num_samples=200, seed=3)
    assert nll < elbo
    # both estimate the same quantity from different angles, so they cannot be far apart
    assert elbo - nll < 5.0


def test_analytic_and_sampled_kl_agree_with_many_samples(vae):
    x = binary_images(10)
    analytic = negative_elbo(vae, x, num_samples=400, seed=0)
    sampled = negative_elbo(vae, x, num_samples=400, seed=0, analytic_kl=False)
    assert sampled == pytest.approx(analytic, abs=0.1)


def test_seed_makes_estimates_reproducible_and_batch_size_does_not_matter(vae):
    x = binary_images(10)
    a = importance_sampled_nll(vae, x, num_samples=8, seed=4, per_image=True)
    b = importance_sampled_nll(vae, x, num_samples=8, seed=4, per_image=True)
    np.testing.assert_array_equal(a, b)
    c = importance_sampled_nll(vae, x, num_samples=8, seed=5, per_image=True)
    assert not np.array_equal(a, c)
    # Batches of 5 draw other noise than one batch of 10, so the two means agree only up to the
    # Monte Carlo error of 10 x 64 draws (a few hundredths of a nat for this model).
    full = negative_elbo(vae, x, num_samples=64, batch_size=512, seed=0)
    small = negative_elbo(vae, x, num_samples=64, batch_size=5, seed=0)
    assert small == pytest.approx(full, abs=0.2)


def test_cvae_estimates_depend_on_the_label(cvae):
    x = binary_images(6)
    a = negative_elbo(cvae, x, np.zeros(6, "int32"), num_samples=1, per_image=True)
    b = negative_elbo(cvae, x, np.ones(6, "int32"), num_samples=1, per_image=True)
    assert not np.allclose(a, b)
