"""The prior option of QuadrantCVAE (chapter 06's ablation): a learned p(z | x) or a fixed N(0, I)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from helpers import binary_images, compile_model

from cvae_utils import QuadrantCVAE, kl_gaussians, kl_standard_normal, negative_cll, split_quadrants


def _small(prior, seed=0):
    return QuadrantCVAE(num_given=1, latent_dim=3, hidden_units=(16,), prior=prior, seed=seed)


def test_the_learned_prior_is_the_default():
    model = QuadrantCVAE(num_given=1, latent_dim=3, hidden_units=(16,))
    assert model.get_config()["prior"] == "learned"
    assert model.prior.trainable_weights, "the learned prior network must have trainable weights"


def test_the_standard_prior_is_n01_for_every_input_and_stays_so_after_training():
    model = compile_model(_small("standard"))
    x = binary_images(16)
    x_obs, _ = split_quadrants(x, 1)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in model.prior(x_obs))
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_array_equal(log_var, 0.0)
    assert model.prior.trainable_weights == []
    model.fit(x, epochs=2, batch_size=8, verbose=0)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in model.prior(x_obs))
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_array_equal(log_var, 0.0)


def test_the_standard_prior_has_fewer_trainable_weights_than_the_learned_one():
    learned, standard = _small("learned"), _small("standard")
    count = lambda m: sum(int(np.prod(w.shape)) for w in m.trainable_weights)  # noqa: E731
    # the learned prior network: 196*16 + 16 (hidden) and 2 * (16*3 + 3) (mean and log-variance heads)
    assert count(learned) - count(standard) == 196 * 16 + 16 + 2 * (16 * 3 + 3)


def test_the_kl_term_of_the_standard_prior_is_the_kl_to_n01():
    model = _small("standard")
    out = model(binary_images(6))
    kl_model = kl_gaussians(out["q_mean"], out["q_log_var"], out["p_mean"], out["p_log_var"])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(kl_model),
                               keras.ops.convert_to_numpy(kl_standard_normal(out["q_mean"], out["q_log_var"])),
                               rtol=1e-5, atol=1e-5)


def test_completions_of_the_standard_prior_decode_standard_normal_codes():
    model = _small("standard")
    x = binary_images(4)
    samples = model.complete(x, num_samples=2, seed=3)
    x_obs, _ = split_quadrants(x, 1)
    eps = np.random.default_rng(3).standard_normal((2, 4, 3)).astype("float32")  # z = 0 + 1 * eps
    for s in range(2):
        probs = keras.ops.convert_to_numpy(keras.ops.sigmoid(model.generation([x_obs, eps[s]])))
        _, hidden = split_quadrants(samples[:, s], 1)
        np.testing.assert_allclose(hidden, probs, rtol=1e-5, atol=1e-6)


def test_standard_prior_survives_get_config_and_saving(tmp_path):
    model = _small("standard", seed=2)
    assert model.get_config()["prior"] == "standard"
    rebuilt = QuadrantCVAE.from_config(model.get_config())
    assert rebuilt.get_config() == model.get_config()
    path = tmp_path / "fixed_prior.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, QuadrantCVAE) and restored.get_config()["prior"] == "standard"
    x = binary_images(5)
    np.testing.assert_allclose(restored.complete(x, 2, seed=0), model.complete(x, 2, seed=0), atol=1e-6)
    assert restored.prior.trainable_weights == []


def test_negative_cll_scores_a_standard_prior_model():
    model = _small("standard")
    x = binary_images(8)
    for proposal in ("recognition", "prior"):
        value = negative_cll(model, x, num_samples=4, proposal=proposal)
        assert np.isfinite(value) and value > 0


@pytest.mark.parametrize("bad", ["fixed", "Learned", ""])
def test_prior_must_be_learned_or_standard(bad):
    with pytest.raises(ValueError, match="prior must be one of"):
        QuadrantCVAE(num_given=1, latent_dim=2, hidden_units=(8,), prior=bad)


@pytest.mark.parametrize("bad", [None, 1, ["learned"]])
def test_prior_must_be_a_string(bad):
    with pytest.raises(TypeError, match="prior must be"):
        QuadrantCVAE(num_given=1, latent_dim=2, hidden_units=(8,), prior=bad)
