"""KL warm-up (KLWarmUp, warmup_beta) and free bits (VAE(free_bits=...)): the schedule, that the
compiled training step really sees a changed beta, the free-bits objective against the reported KL,
saving, and argument validation."""

import keras
import numpy as np
import pytest
from helpers import binary_images, class_labels, compile_model
from keras import ops

from cvae_utils.callbacks import KLWarmUp, warmup_beta
from cvae_utils.gradients import gradients
from cvae_utils.models import CVAE, VAE, Autoencoder


def beta_seen(history):
    """The weight each epoch trained with: the loss is the mean of reconstruction + beta * KL."""
    h = history.history
    return (
        np.array(h["loss"]) - np.array(h["reconstruction_loss"])
    ) / np.array(h["kl_loss"])


# -- the schedule -----------------------------------------------------------------------------
def test_warmup_beta_is_linear_from_start_to_target_then_flat():
    assert [warmup_beta(e, 4, 1.0) for e in range(7)] == [
        0.0,
        0.25,
        0.5,
        0.75,
        1.0,
        1.0,
        1.0,
    ]
    assert [warmup_beta(e, 2, 16.0) for e in range(4)] == [
        0.0,
        8.0,
        16.0,
        16.0,
    ]
    assert [warmup_beta(e, 2, 3.0, start=1.0) for e in range(4)] == [
        1.0,
        2.0,
        3.0,
        3.0,
    ]
    assert warmup_beta(np.int64(1), 1, 2.0) == 2.0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(epoch=-1, warmup_epochs=3, target=1.0), ValueError),
        (dict(epoch=1.5, warmup_epochs=3, target=1.0), ValueError),
        (dict(epoch=True, warmup_epochs=3, target=1.0), ValueError),
        (dict(epoch=0, warmup_epochs=0, target=1.0), ValueError),
        (dict(epoch=0, warmup_epochs=3, target=-1.0), ValueError),
        (dict(epoch=0, warmup_epochs=3, target=float("nan")), ValueError),
        (dict(epoch=0, warmup_epochs=3, target="1"), TypeError),
        (dict(epoch=0, warmup_epochs=3, target=1.0, start=-0.5), ValueError),
    ],
)
def test_warmup_beta_validates_its_arguments(kwargs, error):
    with pytest.raises(error):
        warmup_beta(**kwargs)


@pytest.mark.parametrize(
    "args, kwargs, error",
    [
        ((0,), {}, ValueError),
        ((2.5,), {}, TypeError),
        (("3",), {}, TypeError),
        ((3,), {"target": -1.0}, ValueError),
        ((3,), {"start": float("inf")}, ValueError),
    ],
)
def test_kl_warmup_validates_its_arguments(args, kwargs, error):
    with pytest.raises(error):
        KLWarmUp(*args, **kwargs)


# -- the compiled training step sees beta ------------------------------------------------------
def test_the_compiled_step_trains_with_the_warmup_schedule():
    model = compile_model(
        VAE(latent_dim=2, beta=2.0, seed=0), eager=False
    )  # compiled: the case that matters
    history = model.fit(
        binary_images(32),
        epochs=5,
        batch_size=16,
        verbose=0,
        callbacks=[KLWarmUp(3)],
    )
    expected = [
        0.0,
        2 / 3,
        4 / 3,
        2.0,
        2.0,
    ]  # target None: the beta the model was built with
    np.testing.assert_allclose(beta_seen(history), expected, atol=1e-3)
    np.testing.assert_allclose(history.history["beta"], expected, rtol=1e-6)
    assert model.beta == 2.0 and isinstance(model.get_config()["beta"], float)


def test_a_beta_changed_after_tracing_reaches_the_compiled_step():
    """A Python float would be frozen into the traced step; the variable is read at every batch."""
    x = binary_images(32)
    model = compile_model(VAE(latent_dim=2, beta=1.0, seed=0), eager=False)
    first = model.fit(x, epochs=1, batch_size=16, verbose=0, shuffle=False)
    np.testing.assert_allclose(beta_seen(first), [1.0], atol=1e-3)
    model.beta = 0.0  # the same traced train function runs again
    second = model.fit(
        x, epochs=1, batch_size=16, verbose=0, shuffle=False
    ).history
    assert (
        second["loss"] == second["reconstruction_loss"]
        and second["kl_loss"][0] > 0
    )
    model.beta = 5.0
    np.testing.assert_allclose(
        beta_seen(model.fit(x, epochs=1, batch_size=16, verbose=0)),
        [5.0],
        atol=1e-3,
    )


def test_beta_zero_and_one_give_different_gradients():
    x = ops.convert_to_tensor(binary_images(8))
    model = VAE(latent_dim=2, beta=1.0, seed=0)
    weights = model.trainable_variables

    def loss():  # decode the posterior mean, so that no random draw differs between the two calls
        z_mean, z_log_var = model.encoder(x)
        return model.compute_loss(
            x,
            y_pred={
                "logits": model.decoder(z_mean),
                "z_mean": z_mean,
                "z_log_var": z_log_var,
            },
        )

    value_1, grads_1 = gradients(loss, weights)
    model.beta = 0.0
    value_0, grads_0 = gradients(loss, weights)
    assert value_1 > value_0
    # the KL term depends on the encoder only: its gradients change, the decoder's do not
    changed = [
        not np.allclose(np.asarray(a), np.asarray(b))
        for a, b in zip(grads_1, grads_0)
    ]
    assert any(changed) and not all(changed)


def test_warmup_target_is_read_once_so_a_second_fit_keeps_it():
    x = binary_images(16)
    model = compile_model(VAE(latent_dim=2, beta=4.0, seed=0))
    warmup = KLWarmUp(4)
    model.fit(
        x, epochs=2, batch_size=16, verbose=0, callbacks=[warmup]
    )  # stops mid-way, at beta = 1
    assert model.beta == 1.0
    history = model.fit(
        x, epochs=5, batch_size=16, verbose=0, callbacks=[warmup]
    ).history
    np.testing.assert_allclose(history["beta"], [0.0, 1.0, 2.0, 3.0, 4.0])


def test_warmup_with_an_explicit_target_and_start_on_a_cvae():
    model = compile_model(CVAE(latent_dim=2, num_classes=3, beta=1.0, seed=0))
    history = model.fit(
        [binary_images(16), class_labels(16)],
        epochs=3,
        batch_size=16,
        verbose=0,
        callbacks=[KLWarmUp(2, target=3.0, start=1.0)],
    )
    np.testing.assert_allclose(beta_seen(history), [1.0, 2.0, 3.0], atol=1e-3)


def test_warmup_needs_a_model_with_a_beta_variable():
    model = compile_model(Autoencoder(latent_dim=2))
    with pytest.raises(TypeError, match="beta is a variable"):
        model.fit(
            binary_images(8),
            epochs=1,
            batch_size=8,
            verbose=0,
            callbacks=[KLWarmUp(2)],
        )


def test_beta_is_validated_and_saved_as_a_number(tmp_path):
    model = VAE(latent_dim=2, beta=1.0, seed=0)
    with pytest.raises(ValueError):
        model.beta = -1.0
    with pytest.raises(TypeError):
        model.beta = "2"
    assert model.beta == 1.0
    model.beta = 3.5
    assert (
        model.get_config()["beta"] == 3.5
        and type(model.get_config()["beta"]) is float
    )
    assert not model.beta_variable.trainable and all(
        v is not model.beta_variable for v in model.trainable_variables
    )
    path = tmp_path / "vae.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.beta == 3.5 and loaded.free_bits == 0.0


# -- free bits -----------------------------------------------------------------------------------
def test_kl_per_dimension_adds_up_to_the_kl():
    model = VAE(latent_dim=3)
    rng = np.random.default_rng(0)
    z_mean, z_log_var = (
        rng.normal(size=(5, 3)).astype("float32"),
        rng.normal(size=(5, 3)).astype("float32"),
    )
    per_dimension = ops.convert_to_numpy(
        model.kl_per_dimension(z_mean, z_log_var)
    )
    assert per_dimension.shape == (5, 3)
    np.testing.assert_allclose(
        per_dimension.sum(axis=1),
        ops.convert_to_numpy(model.kl_divergence(z_mean, z_log_var)),
        rtol=1e-5,
    )


def test_free_bits_floor_the_objective_but_not_the_reported_kl():
    # dimension 0: KL 2 nats for every image (mean 2, unit variance); dimension 1: the prior (KL 0)
    z_mean = np.array([[2.0, 0.0], [-2.0, 0.0]], dtype="float32")
    z_log_var = np.zeros((2, 2), dtype="float32")
    x = binary_images(2)
    logits = np.zeros((2, 28, 28, 1), dtype="float32")
    y_pred = {
        "logits": ops.convert_to_tensor(logits),
        "z_mean": ops.convert_to_tensor(z_mean),
        "z_log_var": ops.convert_to_tensor(z_log_var),
    }
    losses = {}
    for free_bits in (0.0, 0.5, 3.0):
        model = VAE(latent_dim=2, beta=2.0, free_bits=free_bits)
        loss = float(
            ops.convert_to_numpy(model.compute_loss(x, y_pred=y_pred))
        )
        reconstruction = float(model.reconstruction_tracker.result())
        assert float(model.kl_tracker.result()) == pytest.approx(
            2.0, rel=1e-6
        )  # the true KL, always
        losses[free_bits] = (
            loss - reconstruction
        ) / 2.0  # the KL term the objective charges
    assert losses[0.0] == pytest.approx(2.0, rel=1e-5)  # 2 + 0
    assert losses[0.5] == pytest.approx(
        2.5, rel=1e-5
    )  # max(2, 0.5) + max(0, 0.5)
    assert losses[3.0] == pytest.approx(6.0, rel=1e-5)  # max(2, 3) + max(0, 3)


def test_free_bits_average_over_the_batch_before_the_floor():
    # per image the KL of dimension 0 is 0 and 2 nats: the batch mean (1) is above a floor of 0.8,
    # although one image alone is below it
    model = VAE(latent_dim=1, free_bits=0.8)
    z_mean = np.array([[0.0], [2.0]], dtype="float32")
    term = float(
        ops.convert_to_numpy(
            model.free_bits_kl(z_mean, np.zeros((2, 1), dtype="float32"))
        )
    )
    assert term == pytest.approx(1.0, rel=1e-6)


def test_a_dimension_below_the_floor_gets_no_gradient_from_the_kl_term():
    model = VAE(latent_dim=2, free_bits=0.5)
    z_mean = keras.Variable(
        np.array([[1.5, 0.1], [-1.5, -0.2]], dtype="float32")
    )  # KL ~1.1 and ~0.01
    z_log_var = keras.Variable(
        np.array([[0.2, -0.1], [0.1, 0.1]], dtype="float32")
    )
    _, (g_mean, g_log_var) = gradients(
        lambda: model.free_bits_kl(z_mean, z_log_var), [z_mean, z_log_var]
    )
    g_mean, g_log_var = np.asarray(g_mean), np.asarray(g_log_var)
    assert np.all(g_mean[:, 1] == 0) and np.all(
        g_log_var[:, 1] == 0
    )  # below the floor: free
    assert np.all(g_mean[:, 0] != 0)  # above it: charged as usual


def test_training_with_free_bits_reports_the_true_kl():
    model = compile_model(
        VAE(latent_dim=4, beta=1.0, free_bits=1.0, seed=0), eager=False
    )
    h = model.fit(
        binary_images(32), epochs=2, batch_size=16, verbose=0
    ).history
    objective_kl = np.array(h["loss"]) - np.array(h["reconstruction_loss"])
    assert np.all(
        objective_kl >= 4 * 1.0 - 1e-3
    )  # every dimension costs at least the floor
    assert np.all(
        objective_kl > np.array(h["kl_loss"]) + 1e-3
    )  # kl_loss is the true, smaller KL


@pytest.mark.parametrize(
    "value, error",
    [
        (-0.1, ValueError),
        (float("nan"), ValueError),
        ("1", TypeError),
        (True, TypeError),
    ],
)
def test_free_bits_is_validated(value, error):
    with pytest.raises(error):
        VAE(latent_dim=2, free_bits=value)


def test_free_bits_round_trip_through_config_and_save(tmp_path):
    model = CVAE(latent_dim=2, num_classes=3, beta=2.0, free_bits=0.25, seed=1)
    assert model.get_config()["free_bits"] == 0.25
    clone = CVAE.from_config(model.get_config())
    assert clone.free_bits == 0.25 and clone.beta == 2.0
    path = tmp_path / "cvae.keras"
    model.save(path)
    assert keras.models.load_model(path).free_bits == 0.25


def test_beta_reads_back_the_number_set_not_its_float32_rounding():
    model = VAE(latent_dim=2, beta=0.1)
    assert model.beta == 0.1 and model.get_config()["beta"] == 0.1
    model.beta = 0.3
    assert model.get_config()["beta"] == 0.3
    model.beta_variable.assign(
        2.5
    )  # assigned directly: the variable is what counts
    assert model.beta == 2.5
