"""A fix for Keras's NumPy-array input on TensorFlow: no tf.data autotuning, no stall at each epoch's end.

``fit`` on NumPy arrays feeds the model through a ``tf.data`` pipeline with autotuning on. In
TensorFlow 2.21 the autotuning thread sleeps on a timer that grows with the epoch, and destroying
the epoch's iterator waits for it to wake up: every epoch ends with up to a few idle seconds, a
quarter of an epoch of the convolutional VAE on two CPU cores. With autotuning off the wait is
gone; the pipeline still yields the same batches in the same order, so results do not change
(``tests/test_tf_data.py`` checks both). :mod:`cvae_utils.config` and :mod:`cvae_utils.networks`
apply it when imported; other backends do not use ``tf.data`` and are left alone.
"""

from __future__ import annotations

import functools

import keras

_MARK = "_cvae_no_autotune"


def disable_autotune() -> bool:
    """Switch off tf.data autotuning for Keras's array inputs; True if it is off now (TensorFlow backend)."""
    if keras.backend.backend() != "tensorflow":
        return False
    try:  # a private module of Keras 3: if it moves, keep Keras's default rather than fail
        from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
    except ImportError:
        return False
    original = ArrayDataAdapter.get_tf_dataset
    if getattr(original, _MARK, False):
        return True
    import tensorflow as tf

    @functools.wraps(original)
    def get_tf_dataset(self):
        options = tf.data.Options()
        options.autotune.enabled = False
        return original(self).with_options(options)

    setattr(get_tf_dataset, _MARK, True)
    ArrayDataAdapter.get_tf_dataset = get_tf_dataset
    return True
