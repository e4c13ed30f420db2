"""The model zoo of chapter 07: the book's models by name and the recipe that trains them."""

from __future__ import annotations

import time

import keras

from .._validation import (
    check_bool,
    check_images,
    check_labels,
    check_positive_int,
)
from ..config import DEFAULT_SEED, set_seed
from ..networks import build_classifier
from .core import CVAE, VAE

__all__ = ["BOOK_MODELS", "build_model", "train_classifier", "train_models"]


BOOK_MODELS = {
    "VAE dense d=2": dict(latent_dim=2, architecture="dense"),
    "VAE dense d=16": dict(latent_dim=16, architecture="dense"),
    "VAE conv d=2": dict(latent_dim=2, architecture="conv"),
    "VAE conv d=16": dict(latent_dim=16, architecture="conv"),
    "CVAE dense d=2": dict(latent_dim=2, architecture="dense", num_classes=10),
}


LEARNING_RATE = 1e-3


def build_model(name: str):
    """A fresh, untrained model of ``BOOK_MODELS``.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    if name not in BOOK_MODELS:
        raise ValueError(
            f"unknown model {name!r}; choose one of {sorted(BOOK_MODELS)}"
        )
    kwargs = BOOK_MODELS[name]
    return CVAE(**kwargs) if "num_classes" in kwargs else VAE(**kwargs)


def train_models(
    x_train,
    y_train,
    epochs: int,
    batch_size: int = 128,
    names=None,
    seed: int = DEFAULT_SEED,
    verbose: bool = True,
):
    """Build and train the named models (default: all of ``BOOK_MODELS``) with the book's recipe:
    Adam(1e-3), the given epochs and batch size, the same seed before each model.

    Returns ``(models, seconds)``: two dicts keyed by name, the trained models and the wall-clock
    seconds of each ``fit``. With ``verbose`` it prints one line per model as it finishes.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    names = list(BOOK_MODELS) if names is None else list(names)
    if not names:
        raise ValueError(
            "names is empty: pass at least one name of BOOK_MODELS"
        )
    for name in names:
        build_model(name)  # validates the names before any training starts
    x_train = check_images(x_train, "x_train")
    y_train = check_labels(y_train, 10, n=len(x_train), name="y_train")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    check_bool(verbose, "verbose")
    models, seconds = {}, {}
    for name in names:
        set_seed(seed)
        model = build_model(name)
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
        start = time.perf_counter()
        history = model.fit(
            [x_train, y_train] if model.conditional else x_train,
            epochs=epochs,
            batch_size=batch_size,
            verbose=0,
        )
        seconds[name], models[name] = time.perf_counter() - start, model
        if verbose:
            print(
                f"{name:15s} {model.count_params():>9,} parameters, {epochs} epochs in {seconds[name]:6.1f} s, "
                f"last training loss {history.history['loss'][-1]:.1f} nats",
                flush=True,
            )
    return models, seconds


def train_classifier(
    x_train,
    y_train,
    epochs: int,
    batch_size: int = 128,
    num_classes: int = 10,
    seed: int = DEFAULT_SEED,
):
    """Train :func:`~cvae_utils.networks.build_classifier` on labelled images; returns the model.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    x_train = check_images(x_train, "x_train")
    y_train = check_labels(
        y_train, num_classes, n=len(x_train), name="y_train"
    )
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    set_seed(seed)
    classifier = build_classifier(num_classes)
    classifier.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    classifier.fit(
        x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0
    )
    return classifier
