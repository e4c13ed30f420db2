"""What a learner relies on when using a model: reconstruct decodes the posterior *mean*, decode
returns probabilities, sample decodes z ~ N(0, I), and the loss is reconstruction + beta * KL.

Written against the flat API (``from cvae_utils import ...``) and killing mutants that
``tools/mutation_score.py`` found alive: each test names the plausible bug it catches.
"""

from __future__ import annotations

import numpy as np
import pytest
from keras import ops

from cvae_utils import CVAE, VAE, Autoencoder, bernoulli_nll_from_logits, kl_standard_normal


def _images(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 28, 28, 1)) < 0.15).astype("float32")
    x[:, 8:20, 8:20, :] = rng.random((n, 12, 12, 1)) < 0.8
    return x


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-np.asarray(t, dtype="float64")))


@pytest.fixture(scope="module")
def vae():
    return VAE(latent_dim=3, seed=0)


@pytest.fixture(scope="module")
def cvae():
    return CVAE(latent_dim=2, num_classes=3, seed=0)


# -- reconstruct: the posterior mean, not the log-variance or a sample ----------------------
def test_vae_reconstruct_decodes_the_posterior_mean(vae):
    """Bug caught: ``reconstruct`` decoding ``encode(x)[1]`` (the log-variance) or a random z."""
    x = _images(5)
    z_mean, z_log_var = vae.encode(x)
    assert not np.allclose(z_mean, z_log_var), "an encoder whose two outputs agree cannot tell them apart"
    reconstruction = vae.reconstruct(x)
    np.testing.assert_allclose(reconstruction, vae.decode(z_mean), rtol=1e-5, atol=1e-6)
    assert not np.allclose(reconstruction, vae.decode(z_log_var), atol=1e-4), \
        "reconstruct(x) must decode the posterior mean z_mean, not z_log_var"
    np.testing.assert_array_equal(reconstruction, vae.reconstruct(x))  # deterministic: no sampling


def test_cvae_reconstruct_decodes_the_posterior_mean_with_the_same_labels(cvae):
    x, y = _images(4), np.array([0, 1, 2, 1])
    z_mean, z_log_var = cvae.encode(x, y)
    reconstruction = cvae.reconstruct(x, y)
    np.testing.assert_allclose(reconstruction, cvae.decode(z_mean, y), rtol=1e-5, atol=1e-6)
    assert not np.allclose(reconstruction, cvae.decode(z_log_var, y), atol=1e-4)
    assert not np.allclose(reconstruction, cvae.decode(z_mean, (y + 1) % 3), atol=1e-4), \
        "the decoder must get the image's own labels"


def test_autoencoder_reconstruct_is_decode_of_encode():
    model = Autoencoder(latent_dim=2)
    x = _images(3)
    np.testing.assert_allclose(model.reconstruct(x), model.decode(model.encode(x)), rtol=1e-5, atol=1e-6)


# -- decode: Bernoulli means (sigmoid of the decoder's logits) --------------------------------
def test_decode_returns_the_sigmoid_of_the_decoder_logits(vae):
    """Bugs caught: returning the logits, 1 - p, or another squashing function."""
    z = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    logits = ops.convert_to_numpy(vae.decoder(ops.convert_to_tensor(z), training=False))
    np.testing.assert_allclose(vae.decode(z), _sigmoid(logits), rtol=1e-5, atol=1e-6)


def test_decode_in_chunks_matches_decoding_one_code_at_a_time(vae):
    """More codes than one prediction batch (1024): rows must stay in order and none be lost."""
    z = np.random.default_rng(2).standard_normal((1030, 3)).astype("float32")
    decoded = vae.decode(z)
    assert decoded.shape == (1030, 28, 28, 1)
    for i in (0, 1023, 1024, 1029):
        np.testing.assert_allclose(decoded[i], vae.decode(z[i:i + 1])[0], rtol=1e-4, atol=1e-5)


# -- sample: z ~ N(0, I) with the given seed, decoded ------------------------------------------
def test_vae_sample_decodes_standard_normal_codes_drawn_with_the_seed(vae):
    z = np.random.default_rng(7).standard_normal((6, 3)).astype("float32")
    np.testing.assert_allclose(vae.sample(6, seed=7), vae.decode(z), rtol=1e-5, atol=1e-6)
    assert not np.allclose(vae.sample(6, seed=7), vae.sample(6, seed=8))


def test_cvae_sample_decodes_standard_normal_codes_with_the_requested_labels(cvae):
    labels = np.array([2, 0, 1, 2])
    z = np.random.default_rng(3).standard_normal((4, 2)).astype("float32")
    np.testing.assert_allclose(cvae.sample(labels, seed=3), cvae.decode(z, labels), rtol=1e-5, atol=1e-6)


def test_cvae_encoder_uses_the_label(cvae):
    x = _images(2)
    a, b = cvae.encode(x, [0, 0]), cvae.encode(x, [0, 2])
    np.testing.assert_allclose(a[0][0], b[0][0], rtol=1e-6)
    assert not np.allclose(a[0][1], b[0][1]), "changing the label must change q(z|x,y)"


def test_one_hot_rows(cvae):
    np.testing.assert_array_equal(ops.convert_to_numpy(cvae.one_hot(np.array([2, 0]))),
                                  [[0, 0, 1], [1, 0, 0]])


# -- the loss: mean over the batch of reconstruction + beta * KL -----------------------------
@pytest.mark.parametrize("beta", [1.0, 0.25])
def test_vae_loss_is_mean_reconstruction_plus_beta_times_mean_kl(beta):
    """Bugs caught: a minus sign, beta on the wrong term, sum instead of mean over the batch,
    the KL of the wrong outputs; and the trackers must report the two terms themselves."""
    model = VAE(latent_dim=2, beta=beta, seed=0)
    x = ops.convert_to_tensor(_images(6))
    y_pred = model(x)
    recon = ops.convert_to_numpy(bernoulli_nll_from_logits(x, y_pred["logits"]))
    kl = ops.convert_to_numpy(kl_standard_normal(y_pred["z_mean"], y_pred["z_log_var"]))
    assert kl.mean() > 0.01  # an untrained encoder is not exactly the prior
    loss = float(ops.convert_to_numpy(model.compute_loss(x=x, y_pred=y_pred)))
    assert loss == pytest.approx(recon.mean() + beta * kl.mean(), rel=1e-5)
    assert float(ops.convert_to_numpy(model.reconstruction_tracker.result())) == pytest.approx(recon.mean(), rel=1e-5)
    assert float(ops.convert_to_numpy(model.kl_tracker.result())) == pytest.approx(kl.mean(), rel=1e-5)


def test_cvae_loss_reads_the_images_of_the_input_pair(cvae):
    x, y = _images(4), np.array([0, 1, 2, 0])
    inputs = [ops.convert_to_tensor(x), ops.convert_to_tensor(y)]
    y_pred = cvae(inputs)
    recon = ops.convert_to_numpy(bernoulli_nll_from_logits(x, y_pred["logits"])).mean()
    kl = ops.convert_to_numpy(kl_standard_normal(y_pred["z_mean"], y_pred["z_log_var"])).mean()
    loss = float(ops.convert_to_numpy(cvae.compute_loss(x=inputs, y_pred=y_pred)))
    assert loss == pytest.approx(recon + kl, rel=1e-5)


def test_autoencoder_loss_is_the_mean_reconstruction():
    model = Autoencoder(latent_dim=2)
    x = ops.convert_to_tensor(_images(5))
    logits = model(x)
    recon = ops.convert_to_numpy(bernoulli_nll_from_logits(x, logits))
    loss = float(ops.convert_to_numpy(model.compute_loss(x=x, y_pred=logits)))
    assert loss == pytest.approx(recon.mean(), rel=1e-5)
    assert float(ops.convert_to_numpy(model.reconstruction_tracker.result())) == pytest.approx(recon.mean(), rel=1e-5)


def test_forward_pass_returns_the_encoder_outputs_under_their_names(vae):
    """call() must hand compute_loss the encoder's mean and log-variance under the right keys."""
    x = _images(3)
    z_mean, z_log_var = vae.encode(x)
    out = vae(ops.convert_to_tensor(x))
    np.testing.assert_allclose(ops.convert_to_numpy(out["z_mean"]), z_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(out["z_log_var"]), z_log_var, rtol=1e-5, atol=1e-6)
