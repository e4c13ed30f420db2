"""Training helpers: callbacks that keep a run safe, and snapshots for animations.

:func:`train` is ``model.fit`` plus the recommended callbacks: ``BackupAndRestore`` (a killed
run, e.g. a Colab session that died, resumes from the last finished epoch when you call it
again with the same folder) and ``TerminateOnNaN`` (stop instead of training on garbage).

What a resumed run restores: the weights, the optimizer state (step counter, Adam moments),
the epoch counter and - beyond Keras' own ``BackupAndRestore`` - the state of the random
generators inside the model (the ``Sampling`` layer's draws of epsilon). With
``save_freq="epoch"`` (the default) and ``shuffle=False`` a resumed run therefore ends with
exactly the weights of an uninterrupted one. Two things are not restored, by Keras' design:
the shuffling order of the training data (a new ``fit`` call draws a new order), and the
position inside an epoch - with an integer ``save_freq`` Keras records the batch but resumes
at the start of the epoch in which the last backup was written, so a few batches run twice.
"""

from __future__ import annotations

import json
import os
import time

import keras
import numpy as np

from .checks import check_bool, check_latent, check_positive_int

_RNG_STATE_FILE = "rng_state.json"


def _check_save_freq(save_freq):
    if save_freq == "epoch":
        return save_freq
    if isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer)) or save_freq < 1:
        raise ValueError(f"save_freq must be 'epoch' or a number of batches >= 1, got {save_freq!r}")
    return int(save_freq)


def _seed_states(model):
    """The state variables of every keras.random.SeedGenerator inside ``model`` (stable order)."""
    return [v for v in model.variables if v.name == "seed_generator_state"]


class ResumableBackupAndRestore(keras.callbacks.BackupAndRestore):
    """``keras.callbacks.BackupAndRestore`` that also backs up the model's random-generator states.

    Keras' callback saves weights, optimizer state and the epoch number, but not the state of
    the ``SeedGenerator`` that the ``Sampling`` layer draws epsilon from; a resumed run would then
    see different noise than an uninterrupted one. This subclass writes those states next to the
    weights whenever a backup is written and puts them back when a backup is restored. With an
    integer ``save_freq`` it also backs up at the end of every epoch, so that an interruption
    between epochs never repeats work.
    """

    def _rng_path(self):
        return os.path.join(self.backup_dir, _RNG_STATE_FILE)

    def _save_model(self, *args, **kwargs):  # called by Keras whenever it writes a backup
        super()._save_model(*args, **kwargs)
        states = [[v.path, [int(s) for s in keras.ops.convert_to_numpy(v.value)]] for v in _seed_states(self.model)]
        tmp = self._rng_path() + ".tmp"
        with open(tmp, "w") as f:
            json.dump(states, f)
        os.replace(tmp, self._rng_path())  # never leave a half-written file behind

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if not os.path.isfile(self._rng_path()):
            return
        with open(self._rng_path()) as f:
            states = json.load(f)
        variables = _seed_states(self.model)
        # Paths carry auto-generated names (seed_generator_3, ...) that differ between model
        # instances, so generators are matched by their order in model.variables.
        if len(states) != len(variables):
            raise ValueError(f"the backup in {self.backup_dir} was written by a different model (its random "
                             f"generators differ); delete the folder or use another backup_dir")
        for variable, (_, state) in zip(variables, states):
            variable.assign(np.asarray(state, dtype=keras.backend.standardize_dtype(variable.dtype)))

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if self.save_freq != "epoch":
            self._save_model()


def recommended_callbacks(backup_dir: str | os.PathLike | None = None, save_freq="epoch"):
    """TerminateOnNaN, plus a BackupAndRestore into ``backup_dir`` when one is given.

    The backup callback is :class:`ResumableBackupAndRestore` (a ``keras.callbacks.BackupAndRestore``
    that also restores the model's random-generator states). ``save_freq`` is ``"epoch"`` or a
    number of batches.
    """
    save_freq = _check_save_freq(save_freq)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if backup_dir is not None:
        if not isinstance(backup_dir, (str, os.PathLike)):
            raise TypeError(f"backup_dir must be a path, got {type(backup_dir).__name__}")
        if not os.fspath(backup_dir):
            raise ValueError("backup_dir must not be empty; pass a folder such as 'backups/vae'")
        if os.path.exists(backup_dir) and not os.path.isdir(backup_dir):
            raise ValueError(f"backup_dir must be a folder, but {os.fspath(backup_dir)} is a file")
        callbacks.append(ResumableBackupAndRestore(os.fspath(backup_dir), save_freq=save_freq,
                                                   delete_checkpoint=True))
    return callbacks


def train(model, x, epochs: int, batch_size: int = 128, validation_data=None, backup_dir=None,
          callbacks=(), verbose="auto", save_freq="epoch", shuffle: bool = True):
    """Fit ``model`` with the recommended callbacks and return the History.

    ``x`` is what the model's ``fit`` takes (images, or [images, labels] for a CVAE).
    With ``backup_dir``, an interrupted run continues where it stopped when called again with
    the same folder (see the module docstring for what is restored). ``shuffle`` is passed to
    ``fit``; a resumed run reproduces an uninterrupted one exactly only with ``shuffle=False``.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model (e.g. cvae_utils.models.VAE), got {type(model).__name__}")
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    check_bool(shuffle, "shuffle")
    if isinstance(callbacks, keras.callbacks.Callback) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of keras callbacks, got {type(callbacks).__name__}")
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(f"callbacks must hold keras.callbacks.Callback objects, got {type(cb).__name__}")
    if not getattr(model, "compiled", False):
        raise ValueError("compile the model first, e.g. model.compile(optimizer=keras.optimizers.Adam(1e-3))")
    return model.fit(x, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                     callbacks=recommended_callbacks(backup_dir, save_freq) + callbacks, verbose=verbose,
                     shuffle=shuffle)


class LatentGridSnapshots(keras.callbacks.Callback):
    """Decode a fixed latent grid at the end of every ``every`` epochs (and before training).

    ``snapshots`` holds (epoch, images) pairs; :func:`cvae_utils.animation.grid_animation`
    turns them into an animation of the decoded manifold as training proceeds.
    """

    def __init__(self, z_grid, every: int = 1, label: int | None = None):
        super().__init__()
        arr = np.asarray(z_grid) if not isinstance(z_grid, (str, bytes)) else None
        if arr is None or arr.ndim != 2:
            raise ValueError(f"z_grid must be latent codes of shape (N, latent_dim), e.g. latent_grid(15), "
                             f"got {getattr(arr, 'shape', type(z_grid).__name__)}")
        self.z_grid = check_latent(arr, arr.shape[1], "z_grid")
        self.every = check_positive_int(every, "every")
        if label is not None:
            check_positive_int(label, "label", minimum=0)
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


class EpochLog(keras.callbacks.Callback):
    """A compact training log: one short line every ``every`` epochs and after the last one.

    Use it with ``fit(..., verbose=0, callbacks=[EpochLog(every=5)])`` instead of ``verbose=2``,
    whose one long line per epoch fills a page. Each line shows the loss terms in nats per image
    (``loss``, ``reconstruction_loss`` as ``rec``, ``kl_loss`` as ``kl``), the same on the
    validation data when there is any, and the seconds per epoch since the previous line::

        epoch  5/30  loss 171.56  rec 167.03  kl 4.53 | val loss 168.06  rec 163.31  kl 4.75 | 1.1 s/epoch
    """

    SHORT = {"loss": "loss", "reconstruction_loss": "rec", "kl_loss": "kl"}

    def __init__(self, every: int = 5):
        super().__init__()
        self.every = check_positive_int(every, "every")

    def on_train_begin(self, logs=None):
        self._last_time, self._last_epoch = time.perf_counter(), 0

    def _terms(self, logs, prefix=""):
        return "  ".join(f"{short} {logs[prefix + key]:.2f}" for key, short in self.SHORT.items()
                         if prefix + key in logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        done, total = epoch + 1, self.params.get("epochs", epoch + 1)
        if done % self.every and done != total:
            return
        now = time.perf_counter()
        per_epoch = (now - self._last_time) / max(1, done - self._last_epoch)
        self._last_time, self._last_epoch = now, done
        line = f"epoch {done:{len(str(total))}d}/{total}  {self._terms(logs)}"
        if any(key.startswith("val_") for key in logs):
            line += f" | val {self._terms(logs, 'val_')}"
        print(f"{line} | {per_epoch:.1f} s/epoch", flush=True)
