"""How long training takes: one epoch's wall time, measured on a copy of the data (chapter 09)."""

from __future__ import annotations

import time

import keras

from .._validation import check_positive_int

__all__ = ["seconds_per_epoch"]


def seconds_per_epoch(
    model, x, epoch_size: int, batch_size: int = 128, num_images: int = 2048
) -> float:
    """Estimate the wall time (seconds) of one training epoch over ``epoch_size`` images.

    Fits the compiled ``model`` once on the first ``num_images`` images of ``x`` (the first call
    traces the training step, which is slow), then times a second pass over the same images and
    scales it to ``epoch_size``. ``x`` is what the model's ``fit`` takes (images, or
    [images, labels] for a CVAE). The model is trained by this, so time a throwaway copy.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"model must be a Keras model, got {type(model).__name__}"
        )
    if not getattr(model, "compiled", False):
        raise ValueError(
            "compile the model first, e.g. model.compile(optimizer=keras.optimizers.Adam(1e-3))"
        )
    epoch_size = check_positive_int(epoch_size, "epoch_size")
    batch_size = check_positive_int(batch_size, "batch_size")
    num_images = check_positive_int(num_images, "num_images")
    parts = list(x) if isinstance(x, (list, tuple)) else [x]
    n = min(num_images, min(len(p) for p in parts))
    subset = (
        [p[:n] for p in parts]
        if isinstance(x, (list, tuple))
        else parts[0][:n]
    )
    model.fit(
        subset, epochs=1, batch_size=batch_size, verbose=0
    )  # traces the training step
    start = time.perf_counter()
    model.fit(subset, epochs=1, batch_size=batch_size, verbose=0)
    return (time.perf_counter() - start) * epoch_size / n
