"""The autoregressive VAE of chapter 10: its decoder reads only the rows above."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cvae_utils import (
    AutoregressiveVAE,
    build_row_decoder,
    importance_sampled_nll,
    negative_elbo,
)


def _images(n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 28, 28, 1)) < 0.3).astype("float32")


def test_row_i_depends_on_the_rows_above_only():
    decoder = build_row_decoder(latent_dim=3, units=8)
    z = np.random.default_rng(1).standard_normal((2, 3)).astype("float32")
    x = _images(2)
    base = keras.ops.convert_to_numpy(decoder([z, x]))
    for row in (0, 9, 27):
        changed = x.copy()
        changed[:, row:] = 1.0 - changed[:, row:]  # this row and those below
        out = keras.ops.convert_to_numpy(decoder([z, changed]))
        np.testing.assert_allclose(out[:, : row + 1], base[:, : row + 1])
        if row < 27:  # and the rows below do see the change
            assert not np.allclose(out[:, row + 1 :], base[:, row + 1 :])


def test_the_code_sets_the_decoders_start_unless_use_code_is_false():
    x = _images(4)
    z1 = np.zeros((4, 2), "float32")
    z2 = np.ones((4, 2), "float32")
    for use_code, same in ((True, False), (False, True)):
        model = AutoregressiveVAE(latent_dim=2, units=8, use_code=use_code)
        a = keras.ops.convert_to_numpy(model._logits(z1, x))
        b = keras.ops.convert_to_numpy(model._logits(z2, x))
        assert np.allclose(a, b) == same


def test_it_trains_and_its_bounds_follow_the_vae_ones():
    x = _images(64)
    model = AutoregressiveVAE(latent_dim=2, units=8, seed=0)
    model.compile(optimizer="adam")
    history = model.fit(x, epochs=1, batch_size=32, verbose=0)
    assert {"loss", "reconstruction_loss", "kl_loss"} <= set(history.history)
    elbo = negative_elbo(model, x[:16], num_samples=1, seed=0)
    nll = importance_sampled_nll(model, x[:16], num_samples=50, seed=0)
    assert np.isfinite(elbo) and np.isfinite(nll)
    assert nll <= elbo + 1.0  # the importance-sampled bound is tighter


def test_decode_draws_rows_in_turn_and_is_reproducible():
    model = AutoregressiveVAE(latent_dim=2, units=8, seed=0)
    z = np.zeros((3, 2), "float32")
    a, b = model.decode(z, seed=5), model.decode(z, seed=5)
    assert a.shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(a, b)
    assert 0.0 <= a.min() and a.max() <= 1.0
    assert model.sample(2, seed=1).shape == (2, 28, 28, 1)


def test_config_round_trip_and_bad_arguments():
    model = AutoregressiveVAE(latent_dim=3, units=8, use_code=False, beta=2.0)
    again = AutoregressiveVAE.from_config(model.get_config())
    assert (again.latent_dim, again.units, again.use_code, again.beta) == (
        3,
        8,
        False,
        2.0,
    )
    with pytest.raises(ValueError, match="units"):
        AutoregressiveVAE(units=0)
    with pytest.raises(TypeError, match="use_code"):
        AutoregressiveVAE(use_code="yes")
    with pytest.raises(ValueError):
        build_row_decoder(latent_dim=0)
