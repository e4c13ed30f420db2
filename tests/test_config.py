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
    assert os.environ.get("CVAE_FAST") == "1", "CI is set but CVAE_FAST is not '1'"
    assert config.is_fast() and config.settings().mode == "fast"


@pytest.mark.parametrize("value, fast", [("1", True), ("true", True), ("YES", True), (" on ", True),
                                         ("0", False), ("", False), ("no", False)])
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
    assert fast.epochs < config.FULL.epochs and fast.train_subset and fast.test_subset
    assert "mode: fast" in config.describe() and keras.backend.backend() in config.describe()


def test_set_seed_reseeds_numpy_and_keras():
    config.set_seed(3)
    a = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))
    config.set_seed(3)
    b = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,))))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
