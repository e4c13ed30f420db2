"""The amortisation and approximation gaps (chapter 07): fit_posterior and inference_gaps on tiny
models trained for a few steps."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import binary_images, class_labels, compile_model, weights_of

import cvae_utils
from cvae_utils.evaluate import fit_posterior, inference_gaps
from cvae_utils.models import CVAE, VAE


@pytest.fixture(scope="module")
def vae():
    model = compile_model(VAE(latent_dim=2))
    model.fit(binary_images(64), epochs=1, batch_size=32, verbose=0)
    return model


def test_the_fitted_gaussians_beat_the_encoder_and_leave_the_model_alone(vae):
    """Bug caught: a step that climbs -ELBO instead of descending it, or one that trains the
    model's weights instead of the per-image Gaussians."""
    x = binary_images(6, seed=1)
    before = weights_of(vae)
    z_mean, z_log_var = fit_posterior(vae, x, steps=40, learning_rate=0.05)
    assert z_mean.shape == z_log_var.shape == (6, 2)
    for a, b in zip(before, weights_of(vae)):
        np.testing.assert_array_equal(a, b)
    encoder_mean, _ = vae.encode(x)
    assert not np.allclose(z_mean, encoder_mean)  # it moved
    gaps = inference_gaps(
        vae, x, posterior=(z_mean, z_log_var), num_samples=200
    )
    assert gaps["-ELBO fitted"] < gaps["-ELBO encoder"]
    assert gaps["amortisation gap"] > 0 and gaps["approximation gap"] > 0
    assert gaps["-log p(x)"] <= gaps["-ELBO fitted"]
    np.testing.assert_allclose(
        gaps["amortisation gap"] + gaps["approximation gap"],
        gaps["-ELBO encoder"] - gaps["-log p(x)"],
        rtol=1e-9,
    )


def test_the_bounds_use_the_posterior_they_are_given(vae):
    """Bug caught: the encoder's Gaussian used whatever posterior is passed. The encoder's own
    Gaussian has no amortisation gap (the same draws score both); one 30 prior sds away has a
    worse ELBO, so a negative one."""
    x = binary_images(5, seed=2)
    z_mean, z_log_var = vae.encode(x)
    same = inference_gaps(
        vae, x, posterior=(z_mean, z_log_var), num_samples=50
    )
    assert same["amortisation gap"] == pytest.approx(0.0, abs=1e-6)
    far = inference_gaps(
        vae, x, posterior=(z_mean + 30.0, z_log_var), num_samples=50
    )
    assert far["amortisation gap"] < -1.0
    # -log p(x) takes the better of the two proposals: the encoder's here
    assert far["-log p(x)"] == pytest.approx(same["-log p(x)"], abs=1e-6)


def test_a_cvae_is_fitted_with_its_labels():
    model = compile_model(CVAE(latent_dim=2, num_classes=3))
    x, y = binary_images(32), class_labels(32)
    model.fit([x, y], epochs=1, batch_size=16, verbose=0)
    q = fit_posterior(model, x[:4], y[:4], steps=10)
    gaps = inference_gaps(model, x[:4], y[:4], posterior=q, num_samples=20)
    assert np.isfinite(list(gaps.values())).all()
    with pytest.raises(ValueError, match="pass its labels as y"):
        fit_posterior(model, x[:4])


def test_the_arguments_are_checked(vae):
    x = binary_images(3)
    with pytest.raises(ValueError, match=r"shape \(3, 2\)"):
        inference_gaps(vae, x, posterior=(np.zeros((2, 2)), np.zeros((3, 2))))
    with pytest.raises(TypeError, match="pair"):
        inference_gaps(vae, x, posterior=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="not conditional"):
        fit_posterior(vae, x, y=[0, 1, 2])
    with pytest.raises(TypeError, match="VAE or CVAE"):
        fit_posterior(object(), x)
    with pytest.raises(ValueError, match="steps"):
        fit_posterior(vae, x, steps=0)
    assert "fit_posterior" in cvae_utils.__all__
    assert "inference_gaps" in cvae_utils.__all__
