"""Helpers shared by the unit tests: small synthetic data and compiled models (no dataset, any backend)."""

from __future__ import annotations

import keras
import numpy as np

BACKEND = keras.backend.backend()


def binary_images(n: int, seed: int = 0) -> np.ndarray:
    """n random binary 28x28 images with a little structure (a bright square), float32 (n, 28, 28, 1)."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 28, 28, 1)) < 0.15).astype("float32")
    x[:, 8:20, 8:20, :] = rng.random((n, 12, 12, 1)) < 0.8
    return x


def class_labels(n: int, num_classes: int = 3, seed: int = 0) -> np.ndarray:
    return (
        np.random.default_rng(seed)
        .integers(0, num_classes, size=n)
        .astype("int32")
    )


def compile_model(model, eager: bool = True, learning_rate: float = 1e-3):
    """Compile with Adam; eager by default because tracing a graph costs seconds per model,
    far more than the handful of steps a unit test runs (compiled mode has its own tests)."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), run_eagerly=eager
    )
    return model


def weights_of(model) -> list[np.ndarray]:
    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


def grey_images(n: int, seed: int = 0) -> np.ndarray:
    """n distinct images of uniform grey levels in [0, 1], float32 (n, 28, 28, 1)."""
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")
