"""Chapter 10, "Fixing posterior collapse": the self-check of its exercise.

- :func:`check_kl_warmup`: a learner's KL warm-up callback class. The check trains a small VAE on
  tiny synthetic data with the learner's callback and reads, from every epoch's losses, the KL
  weight the compiled training step really used: ``(loss - reconstruction) / KL``. It compares
  those weights with the reference schedule :func:`cvae_utils.callbacks.warmup_beta` and names the
  usual mistakes (an epoch off, no clamp at the target, a weight the training step never sees,
  an ignored argument).
"""

from __future__ import annotations

import inspect

import keras
import numpy as np

from ..callbacks import warmup_beta
from . import report

__all__ = ["check_kl_warmup"]

_NAME = "KL warm-up"
#: The beta the probe model is built with: no correct schedule ever uses it, so a callback that
#: changes nothing the training step reads shows up as this value in every epoch.
_INITIAL_BETA = 0.9
#: (warmup_epochs, target or None for the default 1.0, epochs to train).
_RUNS = ((3, None, 5), (2, 4.0, 4))


def _fmt(values) -> str:
    return "[" + ", ".join(f"{v:.3g}" for v in values) + "]"


class _BetaProbe(keras.callbacks.Callback):
    """Records model.beta after every epoch's last batch (what the variable held while it trained)."""

    def on_epoch_begin(self, epoch, logs=None):
        self._last = None

    def on_train_batch_end(self, batch, logs=None):
        self._last = self.model.beta

    def on_train_begin(self, logs=None):
        self.values = []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(self._last)


def _probe_model():
    from .. import (
        VAE,  # the check needs the course's VAE, whose beta is a variable
    )

    keras.utils.set_random_seed(0)
    model = VAE(latent_dim=2, architecture="dense", beta=_INITIAL_BETA, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def _probe_data():
    rng = np.random.default_rng(0)
    return (rng.random((64, 28, 28, 1)) < 0.15).astype("float32")


def _instantiate(callback_class, warmup_epochs, target):
    args = (
        f"{callback_class.__name__}({warmup_epochs}"
        + ("" if target is None else f", target={target:g}")
        + ")"
    )
    try:
        callback = (
            callback_class(warmup_epochs)
            if target is None
            else callback_class(warmup_epochs, target=target)
        )
    except TypeError as exc:
        report(
            _NAME,
            False,
            f"{args} raised TypeError ({exc}). The class takes the number of warm-up epochs "
            "and the target weight: def __init__(self, warmup_epochs, target=1.0)",
        )
    if not isinstance(callback, keras.callbacks.Callback):
        report(
            _NAME,
            False,
            f"{args} is a {type(callback).__name__}, not a keras.callbacks.Callback",
        )
    return callback, args


def _seen_betas(model, x, callback, epochs):
    """The weight the training step used in each epoch, read from the losses, and model.beta."""
    model.beta = _INITIAL_BETA
    probe = _BetaProbe()
    before = {k for k in vars(model)}
    history = model.fit(
        x,
        epochs=epochs,
        batch_size=32,
        shuffle=False,
        verbose=0,
        callbacks=[callback, probe],
    ).history
    added = sorted(
        k
        for k in vars(model)
        if k not in before
        and not k.startswith("_")
        and isinstance(getattr(model, k, None), (int, float, np.floating))
    )
    loss, rec, kl = (
        np.asarray(history[k], dtype="float64")
        for k in ("loss", "reconstruction_loss", "kl_loss")
    )
    if np.any(
        kl < 1e-3
    ):  # cannot happen with this probe, but the division must never mislead
        raise RuntimeError(
            "the probe VAE's KL fell to ~0, so its loss does not reveal beta; please report this"
        )
    return (loss - rec) / kl, np.asarray(probe.values, dtype="float64"), added


def _diagnose(args, seen, variable, added, expected, target, warmup_epochs):
    """The verdict's detail for one run whose weights differ from the reference."""
    tol = 0.02 * max(1.0, target)

    def same(a, b):
        return len(a) == len(b) and bool(
            np.all(np.abs(np.asarray(a) - np.asarray(b)) <= tol)
        )

    epochs = len(expected)
    table = f"the training step used beta = {_fmt(seen)} in epochs 0..{epochs - 1}; expected {_fmt(expected)}."
    if same(variable, expected):
        return (
            f"{args}: model.beta follows the schedule, but {table} The training step never saw your values: "
            "it reads the model's beta variable. Set `self.model.beta = value` (VAE.beta assigns that "
            "variable); do not replace the variable or store the weight elsewhere."
        )
    if same(seen, np.full(epochs, _INITIAL_BETA)):
        where = (
            f" Your callback set {', '.join('model.' + a for a in added)}, which the VAE never reads."
            if added
            else ""
        )
        return (
            f"{args}: {table} That is the beta the model was built with: your callback did not change the "
            f"weight the compiled training step uses.{where} Set `self.model.beta = value` in on_epoch_begin; "
            "VAE.beta is a keras.Variable, so the compiled step sees the new value (a plain Python attribute "
            "would be frozen into the traced step, or never read at all)."
        )
    if not same(variable, seen):
        return (
            f"{args}: {table} model.beta held {_fmt(variable)} at the end of each epoch - the weight changed "
            "during an epoch. Set it once per epoch, in on_epoch_begin."
        )
    early = [warmup_beta(e + 1, warmup_epochs, target) for e in range(epochs)]
    late = [
        warmup_beta(max(e - 1, 0), warmup_epochs, target)
        for e in range(epochs)
    ]
    stretched = [
        target * min(1.0, e / (warmup_epochs + 1)) for e in range(epochs)
    ]
    if same(seen, early):
        return (
            f"{args}: {table} Off by one epoch: epoch 0 already trains with beta = {seen[0]:.3g}. Keras counts "
            "epochs from 0, and the first epoch must train with beta = 0: use epoch / warmup_epochs, "
            "not (epoch + 1) / warmup_epochs."
        )
    if abs(seen[0] - _INITIAL_BETA) <= tol and (
        same(seen[1:], expected[1:]) or same(seen[1:], expected[:-1])
    ):
        return (
            f"{args}: {table} Epoch 0 trained with the beta the model was built with ({seen[0]:.3g}), so the "
            "weight was set only after the first epoch: set it in on_epoch_begin (before the epoch trains), "
            "not in on_epoch_end."
        )
    if same(seen, late) or same(seen, stretched):
        return (
            f"{args}: {table} The target is reached one epoch late: epoch {warmup_epochs} (= warmup_epochs) must "
            "be the first to train with the full weight, so beta = target * min(1, epoch / warmup_epochs)."
        )
    if np.max(seen) > target + tol:
        return (
            f"{args}: {table} beta went above the target {target:g}: after the warm-up it must stay at the "
            "target - clamp the ramp, e.g. min(1.0, epoch / warmup_epochs)."
        )
    for other in range(1, 11):
        if other != warmup_epochs and same(
            seen, [warmup_beta(e, other, target) for e in range(epochs)]
        ):
            return (
                f"{args}: {table} That is a warm-up over {other} epochs: use the warmup_epochs argument "
                f"({warmup_epochs} here) instead of a fixed number or the length of training."
            )
    if target != 1.0 and same(
        seen, [warmup_beta(e, warmup_epochs, 1.0) for e in range(epochs)]
    ):
        return f"{args}: {table} That ramps to 1: use the target argument ({target:g} here)."
    if abs(seen[-1] - target) > tol:
        return f"{args}: {table} The weight never reaches the target {target:g} (the last epochs must train with it)."
    return f"{args}: {table} beta must be target * min(1, epoch / warmup_epochs) in epoch `epoch` (from 0)."


def check_kl_warmup(callback_class) -> None:
    """Check a KL warm-up callback class, ``callback_class(warmup_epochs, target=1.0)``.

    Trains a small VAE with it twice on tiny synthetic data, ``(warmup_epochs, target) = (3, 1)``
    for 5 epochs and ``(2, 4)`` for 4 epochs, and compares the KL weight that the training step
    used in every epoch - read from the history as ``(loss - reconstruction_loss) / kl_loss`` - with
    ``target * min(1, epoch / warmup_epochs)``. Prints "✓ ..." when they agree, raises
    AssertionError naming the mistake otherwise. Used in chapter 10, *Fixing posterior collapse*.
    """
    if not inspect.isclass(callback_class):
        what = (
            "an instance"
            if isinstance(callback_class, keras.callbacks.Callback)
            else type(callback_class).__name__
        )
        raise TypeError(
            f"pass the class itself, e.g. check_kl_warmup(LinearKLWarmUp), not {what}"
        )
    if not issubclass(callback_class, keras.callbacks.Callback):
        raise TypeError(
            f"{callback_class.__name__} must be a subclass of keras.callbacks.Callback"
        )
    model, x = _probe_model(), _probe_data()
    runs = []
    for warmup_epochs, target, epochs in _RUNS:
        callback, args = _instantiate(callback_class, warmup_epochs, target)
        goal = 1.0 if target is None else target
        expected = np.array(
            [warmup_beta(e, warmup_epochs, goal) for e in range(epochs)]
        )
        original = model.beta_variable
        try:
            seen, variable, added = _seen_betas(model, x, callback, epochs)
        except (TypeError, ValueError) as exc:
            report(
                _NAME,
                False,
                f"training with {args} failed: {type(exc).__name__}: {exc}",
            )
        if (
            model.beta_variable is not original
        ):  # works eagerly (PyTorch) but not in a compiled step
            report(
                _NAME,
                False,
                f"{args} replaced model.beta_variable with a new variable. A compiled training "
                "step (TensorFlow, JAX) keeps the old one, so there the training step never saw "
                "your values: it reads the model's beta variable. Set `self.model.beta = value` "
                "(VAE.beta assigns that variable) instead of replacing it.",
            )
        if not np.all(np.abs(seen - expected) <= 0.02 * max(1.0, goal)):
            report(
                _NAME,
                False,
                _diagnose(
                    args, seen, variable, added, expected, goal, warmup_epochs
                ),
            )
        runs.append(f"{args}: beta {_fmt(seen)}")
    report(_NAME, True, "the training step saw " + "; ".join(runs))
