"""Shared fixtures for the unit tests of cvae_utils (the helper functions are in tests/helpers.py).

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
import pytest  # noqa: E402
from helpers import binary_images, class_labels  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if keras.backend.backend() == "torch":
    # Tiny models: one thread avoids oversubscribing a busy CPU, which makes PyTorch's
    # small matrix products ten times slower than on one core.
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed_and_close_figures():
    """Every test starts from the same seed and leaves no open figure behind."""
    keras.utils.set_random_seed(1234)
    yield
    plt.close("all")


@pytest.fixture
def images():
    return binary_images(40)


@pytest.fixture
def labels():
    return class_labels(40)
