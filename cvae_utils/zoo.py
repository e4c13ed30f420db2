"""The book's models by name, trained with one recipe, and the likelihood table that compares them.

Used by the chapter "Evaluating generative models" and by ``benchmarks/expected_numbers.py``, so
the page of expected numbers measures exactly what the chapter shows.

- :data:`BOOK_MODELS`: name -> constructor arguments (the dense and conv VAEs with latent 2 and 16,
  and the CVAE of the CVAE chapter).
- :func:`train_models`: build and fit models by name with the book's recipe, timing each run.
- :func:`train_classifier`: the judge for label fidelity (:func:`cvae_utils.evaluate.label_fidelity`).
- :func:`likelihood_rows`: train/test -ELBO and importance-sampled NLL of each model, one dict per
  row, plus a CVAE's label-free -log p(x).
"""

from __future__ import annotations

import time

import keras
import numpy as np

from .checks import check_bool, check_images, check_labels, check_positive_int
from .config import DEFAULT_SEED, set_seed
from .evaluate import importance_sampled_nll, marginal_nll, negative_elbo
from .models import CVAE, VAE
from .networks import build_classifier

BOOK_MODELS = {
    "VAE dense d=2": dict(latent_dim=2, architecture="dense"),
    "VAE dense d=16": dict(latent_dim=16, architecture="dense"),
    "VAE conv d=2": dict(latent_dim=2, architecture="conv"),
    "VAE conv d=16": dict(latent_dim=16, architecture="conv"),
    "CVAE dense d=2": dict(latent_dim=2, architecture="dense", num_classes=10),
}
LEARNING_RATE = 1e-3


def build_model(name: str):
    """A fresh, untrained model of :data:`BOOK_MODELS`."""
    if name not in BOOK_MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(BOOK_MODELS)}")
    kwargs = BOOK_MODELS[name]
    return CVAE(**kwargs) if "num_classes" in kwargs else VAE(**kwargs)


def train_models(x_train, y_train, epochs: int, batch_size: int = 128, names=None, seed: int = DEFAULT_SEED,
                 verbose: bool = True):
    """Build and train the named models (default: all of :data:`BOOK_MODELS`) with the book's recipe:
    Adam(1e-3), the given epochs and batch size, the same seed before each model.

    Returns ``(models, seconds)``: two dicts keyed by name, the trained models and the wall-clock
    seconds of each ``fit``. With ``verbose`` it prints one line per model as it finishes.
    """
    names = list(BOOK_MODELS) if names is None else list(names)
    if not names:
        raise ValueError("names is empty: pass at least one name of BOOK_MODELS")
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
        history = model.fit([x_train, y_train] if model.conditional else x_train, epochs=epochs,
                            batch_size=batch_size, verbose=0)
        seconds[name], models[name] = time.perf_counter() - start, model
        if verbose:
            print(f"{name:15s} {model.count_params():>9,} parameters, {epochs} epochs in {seconds[name]:6.1f} s, "
                  f"last training loss {history.history['loss'][-1]:.1f} nats", flush=True)
    return models, seconds


def train_classifier(x_train, y_train, epochs: int, batch_size: int = 128, num_classes: int = 10,
                     seed: int = DEFAULT_SEED):
    """Train :func:`~cvae_utils.networks.build_classifier` on labelled images; returns the model."""
    x_train = check_images(x_train, "x_train")
    y_train = check_labels(y_train, num_classes, n=len(x_train), name="y_train")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    set_seed(seed)
    classifier = build_classifier(num_classes)
    classifier.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    classifier.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return classifier


def likelihood_rows(models, x_test, y_test, num_samples: int = 100, x_train=None, y_train=None, seconds=None,
                    elbo_samples: int = 1):
    """One dict per model with its test -ELBO (``elbo_samples`` draws of z per image for the reconstruction
    term, closed-form KL), importance-sampled
    NLL with ``num_samples`` samples and their gap; with ``x_train`` also the -ELBO on those training
    images (overfitting shows as train << test); with ``seconds`` the training time. A CVAE bounds
    -log p(x|y); each CVAE gets a second row with its label-free -log p(x) (:func:`marginal_nll`).
    """
    if not isinstance(models, dict) or not models:
        raise TypeError("models must be a non-empty dict {name: trained VAE or CVAE}")
    x_test = check_images(x_test, "x_test")
    y_test = check_labels(y_test, 10, n=len(x_test), name="y_test")
    num_samples = check_positive_int(num_samples, "num_samples")
    if x_train is not None:
        x_train = check_images(x_train, "x_train")
        y_train = check_labels(y_train, 10, n=len(x_train), name="y_train")
    nll = f"test IS-NLL K={num_samples}"
    rows = []
    for name, model in models.items():
        conditional = getattr(model, "conditional", False)
        row = {"model": name, "bounds": "−log p(x|y)" if conditional else "−log p(x)",
               "params": int(model.count_params())}
        if seconds is not None:
            row["train s"] = round(float(seconds[name]), 1)
        if x_train is not None:
            row["train −ELBO"] = negative_elbo(model, x_train, y_train if conditional else None,
                                               num_samples=elbo_samples)
        row["test −ELBO"] = negative_elbo(model, x_test, y_test if conditional else None, num_samples=elbo_samples)
        row[nll] = importance_sampled_nll(model, x_test, y_test if conditional else None, num_samples=num_samples)
        row["ELBO gap"] = row["test −ELBO"] - row[nll]
        rows.append(row)
        if conditional:
            extra = {key: row[key] for key in ("params", "train s") if key in row}
            rows.append({"model": name, "bounds": "−log p(x), labels summed out", **extra,
                         nll: marginal_nll(model, x_test, num_samples=num_samples)})
    return rows


def mean_confidence(classifier, images) -> float:
    """The classifier's mean highest class probability on ``images``: how sure it is, on average."""
    images = check_images(images, "images")
    return float(np.asarray(classifier.predict(images, batch_size=1024, verbose=0)).max(axis=1).mean())
