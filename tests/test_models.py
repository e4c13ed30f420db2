"""Autoencoder, VAE and CVAE: shapes, losses in the history, gradients, saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from helpers import BACKEND, binary_images, class_labels, compile_model, weights_of
from keras import ops

from cvae_utils.models import CVAE, VAE, Autoencoder
from cvae_utils.networks import Sampling, build_decoder, build_encoder

ARCHS = ["dense", "conv"]


# -- shapes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("architecture", ARCHS)
def test_autoencoder_shapes(architecture):
    model = Autoencoder(latent_dim=3, architecture=architecture)
    x = binary_images(5)
    z = model.encode(x)
    assert z.shape == (5, 3) and z.dtype == np.float32
    decoded = model.decode(z)
    assert decoded.shape == (5, 28, 28, 1)
    assert np.all((decoded >= 0) & (decoded <= 1))
    assert model.reconstruct(x).shape == (5, 28, 28, 1)
    assert ops.convert_to_numpy(model(ops.convert_to_tensor(x))).shape == (5, 28, 28, 1)  # logits


@pytest.mark.parametrize("architecture", ARCHS)
def test_vae_shapes(architecture):
    model = VAE(latent_dim=4, architecture=architecture)
    x = binary_images(6)
    z_mean, z_log_var = model.encode(x)
    assert z_mean.shape == z_log_var.shape == (6, 4)
    assert isinstance(z_mean, np.ndarray)
    assert model.decode(z_mean).shape == (6, 28, 28, 1)
    samples = model.sample(7, seed=0)
    assert samples.shape == (7, 28, 28, 1)
    assert np.all((samples >= 0) & (samples <= 1))
    np.testing.assert_array_equal(samples, model.sample(7, seed=0))  # a seed fixes the draw
    assert model.reconstruct(x).shape == (6, 28, 28, 1)
    out = model(ops.convert_to_tensor(x))
    assert set(out) == {"logits", "z_mean", "z_log_var"}
    assert tuple(out["logits"].shape) == (6, 28, 28, 1)


@pytest.mark.parametrize("architecture", ARCHS)
def test_cvae_shapes(architecture):
    model = CVAE(latent_dim=2, num_classes=3, architecture=architecture)
    x, y = binary_images(6), class_labels(6, 3)
    z_mean, z_log_var = model.encode(x, y)
    assert z_mean.shape == z_log_var.shape == (6, 2)
    assert model.decode(z_mean, y).shape == (6, 28, 28, 1)
    assert model.sample([0, 1, 2, 2], seed=1).shape == (4, 28, 28, 1)
    assert model.reconstruct(x, y).shape == (6, 28, 28, 1)
    out = model([ops.convert_to_tensor(x), ops.convert_to_tensor(y)])
    assert tuple(out["logits"].shape) == (6, 28, 28, 1)


def test_cvae_decoder_uses_the_label():
    model = CVAE(latent_dim=2, num_classes=3)
    z = np.zeros((2, 2), "float32")
    a, b = model.decode(z, [0, 0]), model.decode(z, [0, 1])
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.allclose(a[1], b[1]), "changing the label must change the decoded image"


def test_encode_and_decode_work_in_chunks(monkeypatch):
    """Large inputs are processed batch by batch; the result must not depend on the chunk size."""
    import cvae_utils.models.core as models

    model = VAE(latent_dim=2)
    x = binary_images(10)
    whole = model.encode(x)[0]
    monkeypatch.setattr(models._in_batches, "__defaults__", (3,))
    np.testing.assert_allclose(model.encode(x)[0], whole, rtol=1e-5, atol=1e-6)


def test_network_builders_shapes():
    enc = build_encoder(3, "conv", num_classes=4)
    dec = build_decoder(3, "conv", num_classes=4)
    x, onehot = ops.convert_to_tensor(binary_images(2)), ops.convert_to_tensor(np.eye(4, dtype="float32")[[0, 3]])
    z_mean, z_log_var = enc([x, onehot])
    assert tuple(z_mean.shape) == tuple(z_log_var.shape) == (2, 3)
    assert tuple(dec([z_mean, onehot]).shape) == (2, 28, 28, 1)
    plain = build_encoder(5, "dense", variational=False)
    assert tuple(plain(x).shape) == (2, 5)


# -- losses in the history ------------------------------------------------------------------
def _fit(model, data, eager=True, epochs=2):
    compile_model(model, eager=eager)
    return model.fit(data, epochs=epochs, batch_size=16, verbose=0).history


@pytest.mark.parametrize("eager", [True, False], ids=["eager", "compiled"])
def test_vae_history_loss_is_reconstruction_plus_kl(eager):
    # 40 images in batches of 16: the last batch is smaller, so a wrongly weighted mean would show.
    history = _fit(VAE(latent_dim=2), binary_images(40), eager=eager)
    assert set(history) >= {"loss", "reconstruction_loss", "kl_loss"}
    np.testing.assert_allclose(history["loss"], np.add(history["reconstruction_loss"], history["kl_loss"]),
                               rtol=1e-5)
    assert all(v > 0 for v in history["kl_loss"]) and all(np.isfinite(history["loss"]))


def test_beta_weights_the_kl_term():
    history = _fit(VAE(latent_dim=2, beta=0.25), binary_images(40))
    rec, kl = np.array(history["reconstruction_loss"]), np.array(history["kl_loss"])
    np.testing.assert_allclose(history["loss"], rec + 0.25 * kl, rtol=1e-5)
    assert not np.allclose(history["loss"], rec + kl), "with beta != 1 the loss must differ from rec + KL"


def test_cvae_history_loss_is_reconstruction_plus_kl():
    history = _fit(CVAE(latent_dim=2, num_classes=3, beta=2.0), [binary_images(40), class_labels(40, 3)])
    np.testing.assert_allclose(history["loss"],
                               np.add(history["reconstruction_loss"], 2.0 * np.array(history["kl_loss"])),
                               rtol=1e-5)


def test_autoencoder_history_loss_is_reconstruction():
    history = _fit(Autoencoder(latent_dim=2), binary_images(40))
    np.testing.assert_allclose(history["loss"], history["reconstruction_loss"], rtol=1e-6)
    assert "kl_loss" not in history


def test_training_lowers_the_loss():
    x = binary_images(64)
    history = _fit(VAE(latent_dim=2), x, epochs=4)
    assert history["loss"][-1] < history["loss"][0]


# -- gradients through the Sampling layer ------------------------------------------------------
def _kernel(model, layer_name):
    return keras.ops.convert_to_numpy(model.encoder.get_layer(layer_name).kernel).copy()


def test_gradients_reach_mean_and_log_var_through_sampling():
    """With beta = 0 the loss is the reconstruction term alone, which depends on the encoder's
    z_mean and z_log_var layers *only* through the sampled z. If Sampling blocked the gradient,
    Adam would leave both kernels exactly unchanged."""
    model = compile_model(VAE(latent_dim=2, beta=0.0))
    before = {name: _kernel(model, name) for name in ("z_mean", "z_log_var")}
    model.fit(binary_images(16), epochs=1, batch_size=16, verbose=0)
    for name, kernel in before.items():
        assert not np.array_equal(_kernel(model, name), kernel), f"no gradient reached the {name} layer"


def _grads_of_sum(layer, mean, log_var):
    """d sum(Sampling([mean, log_var])) / d(mean, log_var), and the eps used, with the backend's autodiff."""
    state = [v.value for v in layer.non_trainable_variables]  # the seed generator's state

    def forward(m, lv):
        out, _ = layer.stateless_call([], state, [m, lv])
        return out

    m, lv = ops.convert_to_tensor(mean), ops.convert_to_tensor(log_var)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch([m, lv])
            z = forward(m, lv)
            total = tf.reduce_sum(z)
        g_mean, g_log_var = tape.gradient(total, [m, lv])
    elif BACKEND == "jax":
        import jax

        z = forward(m, lv)
        g_mean, g_log_var = jax.grad(lambda a, b: forward(a, b).sum(), argnums=(0, 1))(m, lv)
    elif BACKEND == "torch":
        m, lv = m.clone().requires_grad_(True), lv.clone().requires_grad_(True)
        z = forward(m, lv)
        z.sum().backward()
        g_mean, g_log_var = m.grad, lv.grad
    else:
        pytest.skip(f"no autodiff helper for backend {BACKEND}")
    z = ops.convert_to_numpy(z) if not hasattr(z, "detach") else z.detach().cpu().numpy()
    return z, ops.convert_to_numpy(g_mean), ops.convert_to_numpy(g_log_var)


def test_sampling_gradients_match_the_reparameterisation_formula():
    layer = Sampling(seed=3)
    mean = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.7]], "float32")
    log_var = np.array([[0.0, -2.0, 1.0], [0.4, -0.5, 0.0]], "float32")
    z, g_mean, g_log_var = _grads_of_sum(layer, mean, log_var)
    eps = (z - mean) / np.exp(0.5 * log_var)
    np.testing.assert_allclose(g_mean, np.ones_like(mean), rtol=1e-6)  # dz/dmean = 1
    np.testing.assert_allclose(g_log_var, 0.5 * np.exp(0.5 * log_var) * eps, rtol=1e-4, atol=1e-6)
    assert np.all(np.abs(g_log_var) > 0), "the gradient to log_var must not vanish"


def test_sampling_draws_standard_normal_noise():
    layer = Sampling(seed=0)
    mean, log_var = np.full((20000, 2), 3.0, "float32"), np.full((20000, 2), np.log(4.0), "float32")
    z = ops.convert_to_numpy(layer([ops.convert_to_tensor(mean), ops.convert_to_tensor(log_var)]))
    assert abs(z.mean() - 3.0) < 0.05 and abs(z.std() - 2.0) < 0.05
    z2 = ops.convert_to_numpy(layer([ops.convert_to_tensor(mean), ops.convert_to_tensor(log_var)]))
    assert not np.array_equal(z, z2), "each call must draw new noise"


# -- saving ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: Autoencoder(latent_dim=3, architecture="conv"),
    lambda: VAE(latent_dim=2, architecture="dense", beta=0.5, seed=7),
    lambda: CVAE(latent_dim=3, num_classes=4, architecture="conv", beta=2.0),
], ids=["Autoencoder", "VAE", "CVAE"])
def test_keras_file_round_trip(tmp_path, make):
    model = make()
    x = binary_images(4)
    z = np.random.default_rng(0).standard_normal((4, model.latent_dim)).astype("float32")
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    for key in ("latent_dim", "architecture", "beta", "num_classes", "seed"):
        assert getattr(loaded, key, None) == getattr(model, key, None), key
    if isinstance(model, CVAE):
        y = class_labels(4, 4)
        pairs = [(model.encode(x, y), loaded.encode(x, y)), (model.decode(z, y), loaded.decode(z, y))]
    else:
        pairs = [(model.encode(x), loaded.encode(x)), (model.decode(z), loaded.decode(z))]
    for before, after in pairs:
        before, after = (before, after) if isinstance(before, tuple) else ((before,), (after,))
        for a, b in zip(before, after):
            np.testing.assert_array_equal(a, b)


def test_trained_model_round_trip_keeps_weights_and_can_continue(tmp_path):
    model = compile_model(VAE(latent_dim=2))
    x = binary_images(32)
    model.fit(x, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "vae.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(weights_of(model), weights_of(loaded)):
        np.testing.assert_array_equal(a, b)
    loaded.compile(optimizer=keras.optimizers.Adam(1e-3), run_eagerly=True)
    history = loaded.fit(x, epochs=1, batch_size=16, verbose=0).history
    assert np.isfinite(history["loss"][0])


def test_get_config_rebuilds_an_equivalent_model():
    model = CVAE(latent_dim=5, num_classes=7, architecture="dense", beta=0.1, seed=3)
    clone = CVAE.from_config(model.get_config())
    assert (clone.latent_dim, clone.num_classes, clone.architecture, clone.beta, clone.seed) == (5, 7, "dense", 0.1, 3)


def test_decode_latent_is_the_one_conditional_or_not_path():
    from cvae_utils import decode_latent

    vae, cvae = VAE(latent_dim=2), CVAE(latent_dim=2, num_classes=3)
    z = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    np.testing.assert_array_equal(decode_latent(vae, z), vae.decode(z))
    np.testing.assert_array_equal(decode_latent(cvae, z, 2), cvae.decode(z, [2, 2, 2, 2]))
    np.testing.assert_array_equal(decode_latent(cvae, z, [0, 1, 2, 0]), cvae.decode(z, [0, 1, 2, 0]))
    assert not np.array_equal(decode_latent(cvae, z, 0), decode_latent(cvae, z, 1))  # the label reaches the decoder
    with pytest.raises(ValueError, match="VAE is not conditional"):
        decode_latent(vae, z, 1)
    with pytest.raises(ValueError, match="CVAE is conditional"):
        decode_latent(cvae, z)
    with pytest.raises(ValueError, match=r"class label in \[0, 3\)"):
        decode_latent(cvae, z, 3)
    with pytest.raises(TypeError, match="course model"):
        decode_latent("vae", z)
