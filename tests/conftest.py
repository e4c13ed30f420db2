"""Shared fixtures for the unit tests of cvae_utils.

The unit tests use small synthetic arrays, never a dataset, and run on any Keras backend
(``KERAS_BACKEND=tensorflow``, ``jax`` or ``torch``, CPU).
"""

from __future__ import annotations

import os

# Before matplotlib, TensorFlow or Keras are imported by a test module.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if keras.backend.backend() == "torch":
    # Tiny models: one thread avoids oversubscribing a busy CPU, which makes PyTorch's
    # small matrix products ten times slower than on one core.
    import torch

    torch.set_num_threads(1)

BACKEND = keras.backend.backend()


@pytest.fixture(autouse=True)
def _seed_and_close_figures():
    """Every test starts from the same seed and leaves no open figure behind."""
    keras.utils.set_random_seed(1234)
    yield
    plt.close("all")


def binary_images(n: int, seed: int = 0) -> np.ndarray:
    """n random binary 28x28 images with a little structure (a bright square), float32 (n, 28, 28, 1)."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 28, 28, 1)) < 0.15).astype("float32")
    x[:, 8:20, 8:20, :] = (rng.random((n, 12, 12, 1)) < 0.8)
    return x


def class_labels(n: int, num_classes: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, num_classes, size=n).astype("int32")


def compile_model(model, eager: bool = True, learning_rate: float = 1e-3):
    """Compile with Adam; eager by default because tracing a graph costs seconds per model,
    far more than the handful of steps a unit test runs (compiled mode has its own tests)."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), run_eagerly=eager)
    return model


def weights_of(model) -> list[np.ndarray]:
    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


@pytest.fixture
def images():
    return binary_images(40)


@pytest.fixture
def labels():
    return class_labels(40)
