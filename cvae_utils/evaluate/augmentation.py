"""The augmentation experiment of chapter 13: a classifier trained on a few real digits, with
extra images added on top of its batches, so that every arm sees the real digits equally often.

- :func:`train_augmented_classifier`: the real digits in the same batches, for the same steps,
  with or without extra images;
- :func:`shift_images`: shifted copies of images, the experiment's positive control.
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import (
    check_images,
    check_labels,
    check_positive_int,
    check_seed,
)
from ..config import DEFAULT_SEED, set_seed
from ..models.zoo import LEARNING_RATE
from ..networks import build_classifier

__all__ = ["shift_images", "train_augmented_classifier"]


def shift_images(images, max_shift: int = 2, seed: int | None = 0):
    """Every image moved by a random whole number of pixels, the empty border filled with 0.

    Each image gets its own shift (dy, dx), both drawn uniformly from ``-max_shift ... max_shift``
    except (0, 0), so every output differs from its input unless the content is 0 there. Pixels
    moved out of the frame are lost. The positive control of chapter 13's augmentation
    experiment: new views of the real digits that a convolutional classifier is known to profit
    from. Introduced in chapter 13, *Judging a conditional generator*.
    """
    images = check_images(images, "images")
    max_shift = check_positive_int(max_shift, "max_shift")
    rng = np.random.default_rng(check_seed(seed))
    size = images.shape[1]
    if max_shift >= size:
        raise ValueError(
            f"max_shift must be smaller than the image ({size} pixels), "
            f"got {max_shift}"
        )
    offsets = [
        (dy, dx)
        for dy in range(-max_shift, max_shift + 1)
        for dx in range(-max_shift, max_shift + 1)
        if (dy, dx) != (0, 0)
    ]
    chosen = rng.integers(len(offsets), size=len(images))
    m = max_shift
    padded = np.pad(images, ((0, 0), (m, m), (m, m), (0, 0)))
    shifted = np.empty_like(images)
    for k, (dy, dx) in enumerate(offsets):
        rows = chosen == k
        # output pixel (i, j) is input pixel (i - dy, j - dx)
        shifted[rows] = padded[
            rows, m - dy : m - dy + size, m - dx : m - dx + images.shape[2]
        ]
    return shifted


def train_augmented_classifier(
    x,
    y,
    epochs: int,
    x_extra=None,
    y_extra=None,
    real_per_batch: int = 125,
    num_classes: int = 10,
    seed: int = DEFAULT_SEED,
):
    """Train :func:`~cvae_utils.networks.build_classifier` on the real ``(x, y)`` with optional extra
    images ``(x_extra, y_extra)`` added *on top* of every batch; returns the model.

    One epoch is ``ceil(len(x) / real_per_batch)`` steps; every step takes the next
    ``real_per_batch`` or so real images of a fresh permutation, so each real image is seen exactly
    once per epoch, ``epochs`` times in all, with or without extra images. The extra images are
    shared out over the same steps (each also seen once per epoch), so an arm with extras differs
    from one without only in the extra images in its batches (and hence its batch size), never in
    how often or how many times a real digit is seen. Adam with learning rate 1e-3 as
    :func:`~cvae_utils.models.zoo.train_classifier`; ``seed`` sets the initialisation, the batch
    order and dropout. Introduced in chapter 13, *Judging a conditional generator*.
    """
    x = check_images(x, "x")
    y = check_labels(y, num_classes, n=len(x), name="y")
    epochs = check_positive_int(epochs, "epochs")
    real_per_batch = check_positive_int(real_per_batch, "real_per_batch")
    seed = check_positive_int(seed, "seed", minimum=0)
    if (x_extra is None) != (y_extra is None):
        raise ValueError(
            "give both x_extra and y_extra (extra images and their labels) "
            "or neither"
        )
    steps_per_epoch = -(-len(x) // real_per_batch)
    if x_extra is not None:
        x_extra = check_images(x_extra, "x_extra")
        y_extra = check_labels(
            y_extra, num_classes, n=len(x_extra), name="y_extra"
        )
        if len(x_extra) < steps_per_epoch:
            raise ValueError(
                f"x_extra has {len(x_extra)} images, fewer than the "
                f"{steps_per_epoch} steps of an epoch: every batch needs at "
                "least one"
            )
    set_seed(seed)
    # two generators: the real digits' batches do not depend on whether there are extras
    real_order = np.random.default_rng([seed, 0])
    extra_order = np.random.default_rng([seed, 1])
    classifier = build_classifier(num_classes)
    classifier.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
    )
    for _ in range(epochs):
        real = np.array_split(real_order.permutation(len(x)), steps_per_epoch)
        extra = (
            np.array_split(
                extra_order.permutation(len(x_extra)), steps_per_epoch
            )
            if x_extra is not None
            else None
        )
        for step, rows in enumerate(real):
            images, labels = x[rows], y[rows]
            if extra is not None:
                images = np.concatenate([images, x_extra[extra[step]]])
                labels = np.concatenate([labels, y_extra[extra[step]]])
            classifier.train_on_batch(images, labels)
    return classifier
