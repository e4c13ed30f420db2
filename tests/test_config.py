"""Run mode and seeding (cvae_utils.config)."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest

from cvae_utils import config


def test_ci_runs_in_fast_mode():
    """CI must execute the book in fast mode; a CI run with full settings would take hours."""
    if not os.environ.get("CI"):
        pytest.skip("CI is not set: this check applies to CI runs only")
    assert os.environ.get("CVAE_FAST") == "1", (
        "CI is set but CVAE_FAST is not '1'"
    )
    assert config.is_fast() and config.settings().mode == "fast"


@pytest.mark.parametrize(
    "value, fast",
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("", False),
        ("no", False),
    ],
)
def test_fast_mode_is_read_from_the_environment(monkeypatch, value, fast):
    monkeypatch.setenv("CVAE_FAST", value)
    assert config.is_fast() is fast
    assert config.settings() is (config.FAST if fast else config.FULL)


def test_full_mode_is_the_default(monkeypatch):
    monkeypatch.delenv("CVAE_FAST", raising=False)
    s = config.settings()
    assert s.mode == "full" and s.train_subset is None and s.pick(30, 2) == 30


def test_fast_settings_are_smaller(monkeypatch):
    monkeypatch.setenv("CVAE_FAST", "1")
    fast = config.settings()
    assert fast.pick("full", "fast") == "fast"
    assert (
        fast.epochs < config.FULL.epochs
        and fast.train_subset
        and fast.test_subset
    )
    assert (
        "mode: fast" in config.describe()
        and keras.backend.backend() in config.describe()
    )


def _draws():
    """What the course's models draw after set_seed: NumPy, a new layer's initial weights, and a
    SeedGenerator made without a seed (as in Sampling(seed=None) or a Dropout layer)."""
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    noise = keras.random.normal((3,), seed=keras.random.SeedGenerator())
    return (
        np.random.rand(3),
        keras.ops.convert_to_numpy(layer.kernel),
        keras.ops.convert_to_numpy(noise),
    )


def test_set_seed_reseeds_numpy_and_keras():
    # (Unseeded keras.random calls use Keras' global generator, which set_random_seed resets only from
    # Keras 3.13 on; the package never draws from it, so this test does not either.)
    config.set_seed(3)
    a = _draws()
    config.set_seed(3)
    b = _draws()
    config.set_seed(4)
    c = _draws()
    for first, again, other in zip(a, b, c):
        np.testing.assert_array_equal(first, again)
        assert not np.array_equal(first, other)


def test_the_books_seed_is_42_unless_cvae_seed_says_otherwise(monkeypatch):
    monkeypatch.delenv("CVAE_SEED", raising=False)
    assert config.book_seed() == config.DEFAULT_SEED == 42
    monkeypatch.setenv("CVAE_SEED", " 43 ")
    assert config.book_seed() == 43
    config.set_seed()
    first = np.random.rand()
    config.set_seed(43)
    assert np.random.rand() == first  # set_seed() used CVAE_SEED
    assert "seed 43" in config.describe()
    for bad in ("-1", "4.5", "abc"):
        monkeypatch.setenv("CVAE_SEED", bad)
        with pytest.raises(ValueError, match="CVAE_SEED"):
            config.book_seed()
