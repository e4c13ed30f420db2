"""The likelihood estimates against a model whose answer is known in closed form.

The encoder is set to output one fixed Gaussian q(z|x) = N(m, diag(exp(v))) for every image and
the decoder fixed logits b whatever z is. Then -log p(x) = NLL(x | b) exactly, and
-ELBO = NLL(x | b) + KL(q || N(0, I)) exactly: the KL term is not zero here (unlike the known
answer of tests/test_evaluate.py), so a sign, a swapped density or a dropped term shows.
Written against the flat API and killing mutants that ``tools/mutation_score.py`` found alive.
"""

from __future__ import annotations

import numpy as np
import pytest

from cvae_utils import (CVAE, VAE, bernoulli_log_likelihood_matrix, conditional_log_likelihoods,
                        effective_sample_size, importance_sampled_nll, knn_label_accuracy, negative_elbo)

MEAN, LOG_VAR = np.array([0.6, -0.4], "float32"), np.array([-0.5, 0.3], "float32")
KL = 0.5 * float(np.sum(np.exp(LOG_VAR) + MEAN ** 2 - 1.0 - LOG_VAR))


def _images(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((n, 28, 28, 1)) < 0.3).astype("float32")


def _fix(model, seed=0):
    """Make q(z|x) = N(MEAN, exp(LOG_VAR)) for every x and the decoder ignore z; return the logits b."""
    for name, bias in (("z_mean", MEAN), ("z_log_var", LOG_VAR)):
        layer = model.encoder.get_layer(name)
        kernel, _ = layer.get_weights()
        layer.set_weights([np.zeros_like(kernel), bias])
    last = [layer for layer in model.decoder.layers if layer.weights][-1]
    kernel, bias = last.get_weights()
    b = np.random.default_rng(seed).normal(scale=2.0, size=bias.shape).astype("float32")
    last.set_weights([np.zeros_like(kernel), b])
    return b


def _nll(x, b):
    x, b = x.reshape(len(x), -1).astype("float64"), b.reshape(1, -1).astype("float64")
    return np.sum(np.logaddexp(0, b) - x * b, axis=1)


@pytest.fixture(scope="module")
def known():
    model = VAE(latent_dim=2, seed=0)
    b = _fix(model)
    x = _images(5)
    return model, x, _nll(x, b)


def test_negative_elbo_is_reconstruction_plus_the_kl_of_the_posterior(known):
    """Bugs caught: the KL subtracted or dropped, the wrong sign of the reconstruction term."""
    model, x, nll = known
    assert KL > 0.1
    for k in (1, 3):
        np.testing.assert_allclose(negative_elbo(model, x, num_samples=k, per_image=True), nll + KL, rtol=1e-5)
    assert negative_elbo(model, x) == pytest.approx(float(np.mean(nll + KL)), rel=1e-5)


def test_sampled_kl_elbo_and_importance_sampling_approach_their_closed_forms(known):
    """With many samples, the sampled-KL -ELBO approaches NLL + KL and the importance-sampled
    estimate approaches -log p(x) = NLL (log p(z) - log q(z) must enter with the right signs)."""
    model, x, nll = known
    elbo = negative_elbo(model, x, num_samples=4000, per_image=True, analytic_kl=False, seed=1)
    np.testing.assert_allclose(elbo, nll + KL, atol=0.05)
    iw = importance_sampled_nll(model, x, num_samples=4000, per_image=True, seed=1)
    # float32 log-weights of ~800 nats: 0.2 leaves room for round-off on every backend; a wrong sign of
    # log p(z) - log q(z) moves the estimate by about 2 KL (0.68 nats)
    np.testing.assert_allclose(iw, nll, atol=0.2)
    assert np.all(iw < elbo)


def test_per_image_values_average_to_the_reported_mean(known):
    model, x, _ = known
    per_image = importance_sampled_nll(model, x, num_samples=5, seed=2, per_image=True)
    assert per_image.shape == (5,)
    assert importance_sampled_nll(model, x, num_samples=5, seed=2) == pytest.approx(float(per_image.mean()), rel=1e-6)


def test_conditional_log_likelihoods_column_c_uses_label_c():
    cvae = CVAE(latent_dim=2, num_classes=3, seed=0)
    x = _images(4, seed=1)
    table = conditional_log_likelihoods(cvae, x, num_samples=3, seed=0)
    assert table.shape == (4, 3)
    for c in range(3):
        expected = -importance_sampled_nll(cvae, x, np.full(4, c), num_samples=3, seed=0, per_image=True)
        np.testing.assert_allclose(table[:, c], expected, rtol=1e-5)


def test_a_cvae_needs_one_label_per_image():
    cvae = CVAE(latent_dim=2, num_classes=3, seed=0)
    with pytest.raises(ValueError):
        negative_elbo(cvae, _images(4), np.array([0, 1]))


# -- smaller helpers ----------------------------------------------------------------------------

def test_effective_sample_size_of_each_row_of_a_matrix_of_log_weights():
    """Bug caught: the row maximum subtracted without keepdims (wrong broadcasting for N != K)."""
    log_w = np.array([[0.0, 0.0, 0.0], [0.0, -800.0, -900.0]])  # equal weights: K; one dominates: 1
    np.testing.assert_allclose(effective_sample_size(log_w, axis=-1), [3.0, 1.0])
    np.testing.assert_allclose(effective_sample_size(log_w.T, axis=0), [3.0, 1.0])


def test_bernoulli_likelihood_matrix_refuses_a_probability_of_exactly_zero():
    """Bug caught: p = 0 let through (log 0 = -inf in the matrix)."""
    probs = np.full((1, 28, 28, 1), 0.5)
    probs[0, 3, 3, 0] = 0.0
    with pytest.raises(ValueError, match="strictly between"):
        bernoulli_log_likelihood_matrix(np.zeros((2, 28, 28, 1)), probs)


def test_knn_label_accuracy_with_a_single_reference_point():
    """Bug caught: a reference set of one code refused; labels of the wrong length accepted."""
    z_ref, z_query = np.zeros((1, 2)), np.array([[0.1, 0.0], [5.0, 5.0]])
    assert knn_label_accuracy(z_ref, [1], z_query, [1, 0], k=1) == 0.5
    with pytest.raises(ValueError, match="labels_reference has 2 labels"):
        knn_label_accuracy(z_ref, [1, 0], z_query, [1, 0], k=1)
