"""Training helpers: callbacks that keep a run safe, and snapshots for animations.

:func:`train` is ``model.fit`` plus the recommended callbacks: ``BackupAndRestore`` (a killed
run, e.g. a Colab session that died, resumes from the last finished epoch when you call it
again with the same folder) and ``TerminateOnNaN`` (stop instead of training on garbage).
"""

from __future__ import annotations

import os

import keras
import numpy as np

from .checks import check_positive_int


def recommended_callbacks(backup_dir: str | os.PathLike | None = None, save_freq="epoch"):
    """TerminateOnNaN, plus BackupAndRestore into ``backup_dir`` when one is given."""
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if backup_dir is not None:
        if not isinstance(backup_dir, (str, os.PathLike)):
            raise TypeError(f"backup_dir must be a path, got {type(backup_dir).__name__}")
        callbacks.append(keras.callbacks.BackupAndRestore(os.fspath(backup_dir), save_freq=save_freq,
                                                          delete_checkpoint=True))
    return callbacks


def train(model, x, epochs: int, batch_size: int = 128, validation_data=None, backup_dir=None,
          callbacks=(), verbose="auto", save_freq="epoch"):
    """Fit ``model`` with the recommended callbacks and return the History.

    ``x`` is what the model's ``fit`` takes (images, or [images, labels] for a CVAE).
    With ``backup_dir``, an interrupted run continues where it stopped when called again.
    """
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    if not getattr(model, "compiled", False):
        raise ValueError("compile the model first, e.g. model.compile(optimizer=keras.optimizers.Adam(1e-3))")
    return model.fit(x, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                     callbacks=recommended_callbacks(backup_dir, save_freq) + list(callbacks), verbose=verbose)


class LatentGridSnapshots(keras.callbacks.Callback):
    """Decode a fixed latent grid at the end of every ``every`` epochs (and before training).

    ``snapshots`` holds (epoch, images) pairs; :func:`cvae_utils.animation.grid_animation`
    turns them into an animation of the decoded manifold as training proceeds.
    """

    def __init__(self, z_grid, every: int = 1, label: int | None = None):
        super().__init__()
        self.z_grid = np.asarray(z_grid, dtype="float32")
        self.every = check_positive_int(every, "every")
        self.label = label
        self.snapshots: list[tuple[int, np.ndarray]] = []

    def _snap(self, epoch):
        if getattr(self.model, "conditional", False):
            labels = np.full(len(self.z_grid), self.label or 0, dtype="int32")
            images = self.model.decode(self.z_grid, labels)
        else:
            images = self.model.decode(self.z_grid)
        self.snapshots.append((epoch, images))

    def on_train_begin(self, logs=None):
        if not self.snapshots:
            self._snap(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._snap(epoch + 1)
