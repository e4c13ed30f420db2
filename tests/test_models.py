"""Autoencoder, VAE and CVAE: shapes, losses in the history, gradients, saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from helpers import (
    BACKEND,
    binary_images,
    class_labels,
    compile_model,
    weights_of,
)
from keras import ops

from cvae_utils import bernoulli_nll_from_logits, kl_standard_normal
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
    assert ops.convert_to_numpy(model(ops.convert_to_tensor(x))).shape == (
        5,
        28,
        28,
        1,
    )  # logits


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
    np.testing.assert_array_equal(
        samples, model.sample(7, seed=0)
    )  # a seed fixes the draw
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
    assert not np.allclose(a[1], b[1]), (
        "changing the label must change the decoded image"
    )


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
    x, onehot = (
        ops.convert_to_tensor(binary_images(2)),
        ops.convert_to_tensor(np.eye(4, dtype="float32")[[0, 3]]),
    )
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
    np.testing.assert_allclose(
        history["loss"],
        np.add(history["reconstruction_loss"], history["kl_loss"]),
        rtol=1e-5,
    )
    assert all(v > 0 for v in history["kl_loss"]) and all(
        np.isfinite(history["loss"])
    )


def test_beta_weights_the_kl_term():
    history = _fit(VAE(latent_dim=2, beta=0.25), binary_images(40))
    rec, kl = (
        np.array(history["reconstruction_loss"]),
        np.array(history["kl_loss"]),
    )
    np.testing.assert_allclose(history["loss"], rec + 0.25 * kl, rtol=1e-5)
    assert not np.allclose(history["loss"], rec + kl), (
        "with beta != 1 the loss must differ from rec + KL"
    )


def test_cvae_history_loss_is_reconstruction_plus_kl():
    history = _fit(
        CVAE(latent_dim=2, num_classes=3, beta=2.0),
        [binary_images(40), class_labels(40, 3)],
    )
    np.testing.assert_allclose(
        history["loss"],
        np.add(
            history["reconstruction_loss"], 2.0 * np.array(history["kl_loss"])
        ),
        rtol=1e-5,
    )


def test_autoencoder_history_loss_is_reconstruction():
    history = _fit(Autoencoder(latent_dim=2), binary_images(40))
    np.testing.assert_allclose(
        history["loss"], history["reconstruction_loss"], rtol=1e-6
    )
    assert "kl_loss" not in history


def test_training_lowers_the_loss():
    x = binary_images(64)
    history = _fit(VAE(latent_dim=2), x, epochs=4)
    assert history["loss"][-1] < history["loss"][0]


# -- gradients through the Sampling layer ------------------------------------------------------
def _kernel(model, layer_name):
    return keras.ops.convert_to_numpy(
        model.encoder.get_layer(layer_name).kernel
    ).copy()


def test_gradients_reach_mean_and_log_var_through_sampling():
    """With beta = 0 the loss is the reconstruction term alone, which depends on the encoder's
    z_mean and z_log_var layers *only* through the sampled z. If Sampling blocked the gradient,
    Adam would leave both kernels exactly unchanged."""
    model = compile_model(VAE(latent_dim=2, beta=0.0))
    before = {name: _kernel(model, name) for name in ("z_mean", "z_log_var")}
    model.fit(binary_images(16), epochs=1, batch_size=16, verbose=0)
    for name, kernel in before.items():
        assert not np.array_equal(_kernel(model, name), kernel), (
            f"no gradient reached the {name} layer"
        )


def _grads_of_sum(layer, mean, log_var):
    """d sum(Sampling([mean, log_var])) / d(mean, log_var), and the eps used, with the backend's autodiff."""
    state = [
        v.value for v in layer.non_trainable_variables
    ]  # the seed generator's state

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
        g_mean, g_log_var = jax.grad(
            lambda a, b: forward(a, b).sum(), argnums=(0, 1)
        )(m, lv)
    elif BACKEND == "torch":
        m, lv = m.clone().requires_grad_(True), lv.clone().requires_grad_(True)
        z = forward(m, lv)
        z.sum().backward()
        g_mean, g_log_var = m.grad, lv.grad
    else:
        pytest.skip(f"no autodiff helper for backend {BACKEND}")
    z = (
        ops.convert_to_numpy(z)
        if not hasattr(z, "detach")
        else z.detach().cpu().numpy()
    )
    return z, ops.convert_to_numpy(g_mean), ops.convert_to_numpy(g_log_var)


def test_sampling_gradients_match_the_reparameterisation_formula():
    layer = Sampling(seed=3)
    mean = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.7]], "float32")
    log_var = np.array([[0.0, -2.0, 1.0], [0.4, -0.5, 0.0]], "float32")
    z, g_mean, g_log_var = _grads_of_sum(layer, mean, log_var)
    eps = (z - mean) / np.exp(0.5 * log_var)
    np.testing.assert_allclose(
        g_mean, np.ones_like(mean), rtol=1e-6
    )  # dz/dmean = 1
    np.testing.assert_allclose(
        g_log_var, 0.5 * np.exp(0.5 * log_var) * eps, rtol=1e-4, atol=1e-6
    )
    assert np.all(np.abs(g_log_var) > 0), (
        "the gradient to log_var must not vanish"
    )


def test_sampling_draws_standard_normal_noise():
    layer = Sampling(seed=0)
    mean, log_var = (
        np.full((20000, 2), 3.0, "float32"),
        np.full((20000, 2), np.log(4.0), "float32"),
    )
    z = ops.convert_to_numpy(
        layer([ops.convert_to_tensor(mean), ops.convert_to_tensor(log_var)])
    )
    assert abs(z.mean() - 3.0) < 0.05 and abs(z.std() - 2.0) < 0.05
    z2 = ops.convert_to_numpy(
        layer([ops.convert_to_tensor(mean), ops.convert_to_tensor(log_var)])
    )
    assert not np.array_equal(z, z2), "each call must draw new noise"


# -- saving ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: Autoencoder(latent_dim=3, architecture="conv"),
        lambda: VAE(latent_dim=2, architecture="dense", beta=0.5, seed=7),
        lambda: CVAE(
            latent_dim=3, num_classes=4, architecture="conv", beta=2.0
        ),
    ],
    ids=["Autoencoder", "VAE", "CVAE"],
)
def test_keras_file_round_trip(tmp_path, make):
    model = make()
    x = binary_images(4)
    z = (
        np.random.default_rng(0)
        .standard_normal((4, model.latent_dim))
        .astype("float32")
    )
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    for key in ("latent_dim", "architecture", "beta", "num_classes", "seed"):
        assert getattr(loaded, key, None) == getattr(model, key, None), key
    if isinstance(model, CVAE):
        y = class_labels(4, 4)
        pairs = [
            (model.encode(x, y), loaded.encode(x, y)),
            (model.decode(z, y), loaded.decode(z, y)),
        ]
    else:
        pairs = [
            (model.encode(x), loaded.encode(x)),
            (model.decode(z), loaded.decode(z)),
        ]
    for before, after in pairs:
        before, after = (
            (before, after)
            if isinstance(before, tuple)
            else ((before,), (after,))
        )
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
    model = CVAE(
        latent_dim=5, num_classes=7, architecture="dense", beta=0.1, seed=3
    )
    clone = CVAE.from_config(model.get_config())
    assert (
        clone.latent_dim,
        clone.num_classes,
        clone.architecture,
        clone.beta,
        clone.seed,
    ) == (5, 7, "dense", 0.1, 3)


def test_decode_latent_is_the_one_conditional_or_not_path():
    from cvae_utils import decode_latent

    vae, cvae = VAE(latent_dim=2), CVAE(latent_dim=2, num_classes=3)
    z = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    np.testing.assert_array_equal(decode_latent(vae, z), vae.decode(z))
    np.testing.assert_array_equal(
        decode_latent(cvae, z, 2), cvae.decode(z, [2, 2, 2, 2])
    )
    np.testing.assert_array_equal(
        decode_latent(cvae, z, [0, 1, 2, 0]), cvae.decode(z, [0, 1, 2, 0])
    )
    assert not np.array_equal(
        decode_latent(cvae, z, 0), decode_latent(cvae, z, 1)
    )  # the label reaches the decoder
    with pytest.raises(ValueError, match="VAE is not conditional"):
        decode_latent(vae, z, 1)
    with pytest.raises(ValueError, match="CVAE is conditional"):
        decode_latent(cvae, z)
    with pytest.raises(ValueError, match=r"class label in \[0, 3\)"):
        decode_latent(cvae, z, 3)
    with pytest.raises(TypeError, match="course model"):
        decode_latent("vae", z)


# -- behaviour: ------------------------------------------------------------
# What a learner relies on when using a model: reconstruct decodes the posterior *mean*, decode
# returns probabilities, sample decodes z ~ N(0, I), and the loss is reconstruction + beta * KL.
#
# Written against the flat API (``from cvae_utils import ...``) and killing mutants that
# ``tools/mutation_score.py`` found alive: each test names the plausible bug it catches.


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
    x = binary_images(5)
    z_mean, z_log_var = vae.encode(x)
    assert not np.allclose(z_mean, z_log_var), (
        "an encoder whose two outputs agree cannot tell them apart"
    )
    reconstruction = vae.reconstruct(x)
    np.testing.assert_allclose(
        reconstruction, vae.decode(z_mean), rtol=1e-5, atol=1e-6
    )
    assert not np.allclose(reconstruction, vae.decode(z_log_var), atol=1e-4), (
        "reconstruct(x) must decode the posterior mean z_mean, not z_log_var"
    )
    np.testing.assert_array_equal(
        reconstruction, vae.reconstruct(x)
    )  # deterministic: no sampling


def test_cvae_reconstruct_decodes_the_posterior_mean_with_the_same_labels(
    cvae,
):
    x, y = binary_images(4), np.array([0, 1, 2, 1])
    z_mean, z_log_var = cvae.encode(x, y)
    reconstruction = cvae.reconstruct(x, y)
    np.testing.assert_allclose(
        reconstruction, cvae.decode(z_mean, y), rtol=1e-5, atol=1e-6
    )
    assert not np.allclose(
        reconstruction, cvae.decode(z_log_var, y), atol=1e-4
    )
    assert not np.allclose(
        reconstruction, cvae.decode(z_mean, (y + 1) % 3), atol=1e-4
    ), "the decoder must get the image's own labels"


def test_autoencoder_reconstruct_is_decode_of_encode():
    model = Autoencoder(latent_dim=2)
    x = binary_images(3)
    np.testing.assert_allclose(
        model.reconstruct(x),
        model.decode(model.encode(x)),
        rtol=1e-5,
        atol=1e-6,
    )


# -- decode: Bernoulli means (sigmoid of the decoder's logits) --------------------------------
def test_decode_returns_the_sigmoid_of_the_decoder_logits(vae):
    """Bugs caught: returning the logits, 1 - p, or another squashing function."""
    z = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    logits = ops.convert_to_numpy(
        vae.decoder(ops.convert_to_tensor(z), training=False)
    )
    np.testing.assert_allclose(
        vae.decode(z), _sigmoid(logits), rtol=1e-5, atol=1e-6
    )


def test_decode_in_chunks_matches_decoding_one_code_at_a_time(vae):
    """More codes than one prediction batch (1024): rows must stay in order and none be lost."""
    z = np.random.default_rng(2).standard_normal((1030, 3)).astype("float32")
    decoded = vae.decode(z)
    assert decoded.shape == (1030, 28, 28, 1)
    for i in (0, 1023, 1024, 1029):
        np.testing.assert_allclose(
            decoded[i], vae.decode(z[i : i + 1])[0], rtol=1e-4, atol=1e-5
        )


# -- sample: z ~ N(0, I) with the given seed, decoded ------------------------------------------
def test_vae_sample_decodes_standard_normal_codes_drawn_with_the_seed(vae):
    z = np.random.default_rng(7).standard_normal((6, 3)).astype("float32")
    np.testing.assert_allclose(
        vae.sample(6, seed=7), vae.decode(z), rtol=1e-5, atol=1e-6
    )
    assert not np.allclose(vae.sample(6, seed=7), vae.sample(6, seed=8))


def test_cvae_sample_decodes_standard_normal_codes_with_the_requested_labels(
    cvae,
):
    labels = np.array([2, 0, 1, 2])
    z = np.random.default_rng(3).standard_normal((4, 2)).astype("float32")
    np.testing.assert_allclose(
        cvae.sample(labels, seed=3),
        cvae.decode(z, labels),
        rtol=1e-5,
        atol=1e-6,
    )


def test_cvae_encoder_uses_the_label(cvae):
    x = binary_images(2)
    a, b = cvae.encode(x, [0, 0]), cvae.encode(x, [0, 2])
    np.testing.assert_allclose(a[0][0], b[0][0], rtol=1e-6)
    assert not np.allclose(a[0][1], b[0][1]), (
        "changing the label must change q(z|x,y)"
    )


def test_one_hot_rows(cvae):
    np.testing.assert_array_equal(
        ops.convert_to_numpy(cvae.one_hot(np.array([2, 0]))),
        [[0, 0, 1], [1, 0, 0]],
    )


# -- the loss: mean over the batch of reconstruction + beta * KL -----------------------------
@pytest.mark.parametrize("beta", [1.0, 0.25])
def test_vae_loss_is_mean_reconstruction_plus_beta_times_mean_kl(beta):
    """Bugs caught: a minus sign, beta on the wrong term, sum instead of mean over the batch,
    the KL of the wrong outputs; and the trackers must report the two terms themselves."""
    model = VAE(latent_dim=2, beta=beta, seed=0)
    x = ops.convert_to_tensor(binary_images(6))
    y_pred = model(x)
    recon = ops.convert_to_numpy(
        bernoulli_nll_from_logits(x, y_pred["logits"])
    )
    kl = ops.convert_to_numpy(
        kl_standard_normal(y_pred["z_mean"], y_pred["z_log_var"])
    )
    assert kl.mean() > 0.01  # an untrained encoder is not exactly the prior
    loss = float(ops.convert_to_numpy(model.compute_loss(x=x, y_pred=y_pred)))
    assert loss == pytest.approx(recon.mean() + beta * kl.mean(), rel=1e-5)
    assert float(
        ops.convert_to_numpy(model.reconstruction_tracker.result())
    ) == pytest.approx(recon.mean(), rel=1e-5)
    assert float(
        ops.convert_to_numpy(model.kl_tracker.result())
    ) == pytest.approx(kl.mean(), rel=1e-5)


def test_cvae_loss_reads_the_images_of_the_input_pair(cvae):
    x, y = binary_images(4), np.array([0, 1, 2, 0])
    inputs = [ops.convert_to_tensor(x), ops.convert_to_tensor(y)]
    y_pred = cvae(inputs)
    recon = ops.convert_to_numpy(
        bernoulli_nll_from_logits(x, y_pred["logits"])
    ).mean()
    kl = ops.convert_to_numpy(
        kl_standard_normal(y_pred["z_mean"], y_pred["z_log_var"])
    ).mean()
    loss = float(
        ops.convert_to_numpy(cvae.compute_loss(x=inputs, y_pred=y_pred))
    )
    assert loss == pytest.approx(recon + kl, rel=1e-5)


def test_autoencoder_loss_is_the_mean_reconstruction():
    model = Autoencoder(latent_dim=2)
    x = ops.convert_to_tensor(binary_images(5))
    logits = model(x)
    recon = ops.convert_to_numpy(bernoulli_nll_from_logits(x, logits))
    loss = float(ops.convert_to_numpy(model.compute_loss(x=x, y_pred=logits)))
    assert loss == pytest.approx(recon.mean(), rel=1e-5)
    assert float(
        ops.convert_to_numpy(model.reconstruction_tracker.result())
    ) == pytest.approx(recon.mean(), rel=1e-5)


def test_forward_pass_returns_the_encoder_outputs_under_their_names(vae):
    """call() must hand compute_loss the encoder's mean and log-variance under the right keys."""
    x = binary_images(3)
    z_mean, z_log_var = vae.encode(x)
    out = vae(ops.convert_to_tensor(x))
    np.testing.assert_allclose(
        ops.convert_to_numpy(out["z_mean"]), z_mean, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(out["z_log_var"]), z_log_var, rtol=1e-5, atol=1e-6
    )
