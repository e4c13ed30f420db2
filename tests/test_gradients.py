"""gradients() gives the same, correct gradients on every backend."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from cvae_utils.gradients import gradients
from cvae_utils.networks import Sampling


def test_gradient_of_a_known_function():
    a = keras.Variable([1.0, -2.0, 3.0])
    b = keras.Variable([[0.5]])
    value, (da, db) = gradients(
        lambda: ops.sum(ops.square(a)) * ops.sum(b), [a, b]
    )
    assert value == pytest.approx(14.0 * 0.5)
    np.testing.assert_allclose(
        da, 2 * np.array([1.0, -2.0, 3.0]) * 0.5, rtol=1e-6
    )
    np.testing.assert_allclose(db, [[14.0]], rtol=1e-6)


def test_the_reparameterisation_gradients_and_zeros_for_a_sample_outside_the_graph():
    mu, log_var = (
        keras.Variable([[0.5, -1.0, 2.0]]),
        keras.Variable([[0.0, -2.0, 1.0]]),
    )
    z = ops.convert_to_numpy(Sampling(seed=0)([mu, log_var]))
    eps = (z - np.array([[0.5, -1.0, 2.0]])) / np.exp(
        0.5 * np.array([[0.0, -2.0, 1.0]])
    )
    sampling = Sampling(seed=0)  # the same seed draws the same eps
    _, (d_mu, d_log_var) = gradients(
        lambda: ops.sum(sampling([mu, log_var])), [mu, log_var]
    )
    np.testing.assert_allclose(d_mu, np.ones((1, 3)), rtol=1e-6)
    np.testing.assert_allclose(
        d_log_var,
        0.5 * np.exp(0.5 * np.array([[0.0, -2.0, 1.0]])) * eps,
        rtol=1e-5,
        atol=1e-6,
    )
    outside = ops.convert_to_tensor(
        z.astype("float32")
    )  # a constant: no path back to mu or log_var
    _, grads = gradients(lambda: ops.sum(outside), [mu, log_var])
    assert all(np.array_equal(g, np.zeros((1, 3))) for g in grads)


def test_gradients_of_a_model_loss_reach_every_weight():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)]
    )
    x = ops.convert_to_tensor(
        np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    )
    value, grads = gradients(
        lambda: ops.mean(ops.square(model(x))), model.trainable_variables
    )
    assert value > 0 and len(grads) == 4
    assert [g.shape for g in grads] == [
        tuple(v.shape) for v in model.trainable_variables
    ]
    assert all(np.abs(g).sum() > 0 for g in grads)


def test_bad_arguments_say_what_was_expected():
    v = keras.Variable([1.0])
    with pytest.raises(TypeError, match="function"):
        gradients(3.0, [v])
    with pytest.raises(TypeError, match="list of keras.Variable"):
        gradients(lambda: ops.sum(v), v)
    with pytest.raises(TypeError, match="keras.Variable"):
        gradients(lambda: ops.sum(v), [np.ones(1)])
    with pytest.raises(ValueError, match="empty"):
        gradients(lambda: ops.sum(v), [])
    w = keras.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="single number"):
        gradients(lambda: w * 2.0, [w])
