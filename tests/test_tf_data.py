"""cvae_utils.tf_data: Keras's array input on TensorFlow runs without tf.data autotuning, with unchanged results."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cvae_utils import config  # noqa: F401  (importing it applies the fix)
from cvae_utils.config import set_seed
from cvae_utils.models import VAE
from cvae_utils.tf_data import disable_autotune

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.data is TensorFlow's")


def adapter_class():
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
    return ArrayDataAdapter


def test_array_pipelines_have_autotuning_off_and_applying_again_changes_nothing():
    cls = adapter_class()
    patched = cls.get_tf_dataset
    assert disable_autotune() is True
    assert cls.get_tf_dataset is patched  # not wrapped twice
    dataset = cls(np.zeros((10, 3), "float32"), batch_size=4, shuffle=True).get_tf_dataset()
    assert dataset.options().autotune.enabled is False
    unpatched = patched.__wrapped__(cls(np.zeros((10, 3), "float32"), batch_size=4, shuffle=True))
    assert unpatched.options().autotune.enabled is not False  # Keras's own default


def test_training_gives_the_same_weights_with_and_without_the_fix(monkeypatch, images):
    def train():
        set_seed(7)
        model = VAE(latent_dim=2, architecture="dense", seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        history = model.fit(images, epochs=2, batch_size=8, validation_data=(images,), verbose=0)
        return history.history, [w.copy() for w in model.get_weights()]

    history_fixed, weights_fixed = train()
    cls = adapter_class()
    monkeypatch.setattr(cls, "get_tf_dataset", cls.get_tf_dataset.__wrapped__)
    history_keras, weights_keras = train()
    assert history_fixed == history_keras
    assert all(np.array_equal(a, b) for a, b in zip(weights_fixed, weights_keras))
