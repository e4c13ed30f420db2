"""Keras callbacks used while a model trains: a compact training log, and snapshots of the decoded
latent grid for animations (chapter 04), and a KL warm-up schedule (chapter 10)."""

from __future__ import annotations

import time

import keras
import numpy as np

from ._validation import (
    check_course_model,
    check_latent,
    check_nonnegative_float,
    check_positive_int,
)
from .models.core import decode_latent

__all__ = ["EpochLog", "KLWarmUp", "LatentGridSnapshots", "warmup_beta"]


class LatentGridSnapshots(keras.callbacks.Callback):
    """Decode a fixed latent grid before training, at the end of every
    ``every`` epochs and after the last epoch.

    With ``doubling=True`` the snapshots are taken after epochs 1, 2, 4, 8,
    ... instead (and after the last): the grid changes most in the first
    epochs, so a few frames show the whole story.

    ``snapshots`` holds (epoch, images) pairs; :func:`cvae_utils.plots.animation.grid_animation`
    turns them into an animation of the decoded manifold as training proceeds.

    Introduced in chapter 04, *Variational autoencoders*.
    """

    def __init__(
        self,
        z_grid,
        every: int = 1,
        label: int | None = None,
        doubling: bool = False,
    ):
        super().__init__()
        arr = (
            np.asarray(z_grid)
            if not isinstance(z_grid, (str, bytes))
            else None
        )
        if arr is None or arr.ndim != 2:
            raise ValueError(
                f"z_grid must be latent codes of shape (N, latent_dim), e.g. latent_grid(15), "
                f"got {getattr(arr, 'shape', type(z_grid).__name__)}"
            )
        self.z_grid = check_latent(arr, arr.shape[1], "z_grid")
        self.every = check_positive_int(every, "every")
        if label is not None:
            check_positive_int(label, "label", minimum=0)
        if not isinstance(doubling, bool):
            raise TypeError(
                f"doubling must be True or False, got {type(doubling).__name__}"
            )
        self.label = label
        self.doubling = doubling
        self.snapshots: list[tuple[int, np.ndarray]] = []
        self._epochs_done = 0

    def _snap(self, epoch):
        label = (
            (self.label or 0)
            if check_course_model(self.model, "LatentGridSnapshots")
            else self.label
        )
        self.snapshots.append(
            (epoch, decode_latent(self.model, self.z_grid, label))
        )

    def _due(self, epoch: int) -> bool:
        if self.doubling:
            return epoch & (epoch - 1) == 0  # a power of two
        return epoch % self.every == 0

    def on_train_begin(self, logs=None):
        if not self.snapshots:
            self._snap(0)

    def on_epoch_end(self, epoch, logs=None):
        self._epochs_done = epoch + 1
        if self._due(epoch + 1):
            self._snap(epoch + 1)

    def on_train_end(self, logs=None):
        if self.snapshots[-1][0] != self._epochs_done:
            self._snap(self._epochs_done)


class EpochLog(keras.callbacks.Callback):
    """A compact training log: one short line every ``every`` epochs and after the last one.

    Use it with ``fit(..., verbose=0, callbacks=[EpochLog(every=5)])`` instead of ``verbose=2``,
    whose one long line per epoch fills a page. Each line shows the loss terms in nats per image
    (``loss``, ``reconstruction_loss`` as ``rec``, ``kl_loss`` as ``kl``), the same on the
    validation data when there is any, and the seconds per epoch since the previous line::

        epoch  5/30  loss 171.56  rec 167.03  kl 4.53 | val loss 168.06  rec 163.31  kl 4.75 | 1.1 s/epoch

    Introduced in chapter 04, *Variational autoencoders*.
    """

    SHORT = {"loss": "loss", "reconstruction_loss": "rec", "kl_loss": "kl"}

    def __init__(self, every: int = 5):
        super().__init__()
        self.every = check_positive_int(every, "every")

    def on_train_begin(self, logs=None):
        self._last_time, self._last_epoch = time.perf_counter(), 0

    def _terms(self, logs, prefix=""):
        return "  ".join(
            f"{short} {logs[prefix + key]:.2f}"
            for key, short in self.SHORT.items()
            if prefix + key in logs
        )

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


def warmup_beta(
    epoch: int, warmup_epochs: int, target: float, start: float = 0.0
) -> float:
    """The KL weight of a linear warm-up at ``epoch`` (counted from 0), as :class:`KLWarmUp` sets it.

    ``start`` at epoch 0, then a straight line that reaches ``target`` at epoch ``warmup_epochs``
    and stays there: ``start + (target - start) * min(1, epoch / warmup_epochs)``. With
    ``warmup_epochs=4`` and ``target=1`` the epochs 0, 1, 2, 3, 4, 5 train with beta = 0, 0.25, 0.5,
    0.75, 1, 1. Introduced in chapter 10, *Fixing posterior collapse*.
    """
    if (
        isinstance(epoch, bool)
        or not isinstance(epoch, (int, np.integer))
        or epoch < 0
    ):
        raise ValueError(
            f"epoch must be an integer >= 0 (Keras counts epochs from 0), got {epoch!r}"
        )
    warmup_epochs = check_positive_int(warmup_epochs, "warmup_epochs")
    target = check_nonnegative_float(target, "target")
    start = check_nonnegative_float(start, "start")
    return start + (target - start) * min(1.0, int(epoch) / warmup_epochs)


class KLWarmUp(keras.callbacks.Callback):
    """KL warm-up (Bowman et al., 2016): raise the model's ``beta`` linearly from ``start`` to ``target``.

    At the start of every epoch it sets ``model.beta`` to :func:`warmup_beta` of that epoch, so
    epoch 0 trains with ``start`` (default 0: an autoencoder with noise) and every epoch from
    ``warmup_epochs`` on with ``target``. ``target=None`` (the default) warms up to the ``beta`` the
    model had when training began, e.g. ``VAE(beta=16)`` with ``KLWarmUp(5)`` goes 0, 3.2, ..., 16.
    The model's ``beta`` must be a variable the compiled training step reads (as ``VAE.beta`` is);
    the callback also writes the epoch's weight into the logs, so ``history.history["beta"]``
    records it. Introduced in chapter 10, *Fixing posterior collapse*.
    """

    def __init__(
        self,
        warmup_epochs: int,
        target: float | None = None,
        start: float = 0.0,
    ):
        super().__init__()
        self.warmup_epochs = check_positive_int(warmup_epochs, "warmup_epochs")
        self.target = (
            None
            if target is None
            else check_nonnegative_float(target, "target")
        )
        self.start = check_nonnegative_float(start, "start")
        self._target = self.target

    def on_train_begin(self, logs=None):
        if not hasattr(self.model, "beta_variable"):
            raise TypeError(
                f"KLWarmUp needs a model whose beta is a variable the training step reads "
                f"(cvae_utils.VAE or CVAE), got {type(self.model).__name__}"
            )
        if (
            self._target is None
        ):  # read once, so that a second fit() keeps the same target
            self._target = self.model.beta

    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = warmup_beta(
            epoch, self.warmup_epochs, self._target, self.start
        )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["beta"] = self.model.beta
