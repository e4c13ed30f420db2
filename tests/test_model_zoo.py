"""The model zoo (cvae_utils.models, .evaluate): the book's models by name, trained with one recipe, and the likelihood table."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest
from helpers import binary_images, class_labels

from cvae_utils import (
    BOOK_MODELS,
    build_model,
    likelihood_rows,
    mean_confidence,
    negative_elbo,
    train_classifier,
    train_models,
)
from cvae_utils.models import CVAE, VAE


def test_build_model_knows_every_book_model():
    for name, kwargs in BOOK_MODELS.items():
        model = build_model(name)
        assert isinstance(model, CVAE if "num_classes" in kwargs else VAE)
        assert (model.latent_dim, model.architecture) == (
            kwargs["latent_dim"],
            kwargs["architecture"],
        )
    with pytest.raises(ValueError, match="unknown model"):
        build_model("VAE dense d=3")


@pytest.fixture(scope="module")
def trained():
    x, y = binary_images(32), class_labels(32, 10)
    start = time.perf_counter()
    models, seconds = train_models(
        x,
        y,
        epochs=1,
        batch_size=16,
        names=["VAE dense d=2", "CVAE dense d=2"],
        verbose=False,
    )
    return x, y, models, seconds, time.perf_counter() - start


def test_train_models_trains_the_named_models_and_times_them(trained, capsys):
    x, y, models, seconds, whole = trained
    assert list(models) == ["VAE dense d=2", "CVAE dense d=2"] and set(
        seconds
    ) == set(models)
    assert all(s > 0 for s in seconds.values())
    assert sum(seconds.values()) <= whole, (
        "each model's training time is a part of the whole call's time"
    )
    assert all(
        int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 2
        for model in models.values()
    )  # 32 / 16
    train_models(
        x[:8],
        y[:8],
        epochs=1,
        batch_size=8,
        names=["VAE dense d=2"],
        verbose=True,
    )
    assert "VAE dense d=2" in capsys.readouterr().out


def test_same_seed_gives_the_same_model(trained):
    x, y, models, _, _ = trained
    again, _ = train_models(
        x, y, epochs=1, batch_size=16, names=["VAE dense d=2"], verbose=False
    )
    probe = np.zeros((3, 2), dtype="float32")
    np.testing.assert_allclose(
        again["VAE dense d=2"].decode(probe),
        models["VAE dense d=2"].decode(probe),
        atol=1e-6,
    )


def test_likelihood_rows(trained):
    x, y, models, seconds, _ = trained
    rows = likelihood_rows(
        models,
        x[:8],
        y[:8],
        num_samples=5,
        x_train=x[8:16],
        y_train=y[8:16],
        seconds=seconds,
        elbo_samples=3,
    )
    assert [(r["model"], r["bounds"]) for r in rows] == [
        ("VAE dense d=2", "−log p(x)"),
        ("CVAE dense d=2", "−log p(x|y)"),
        ("CVAE dense d=2", "−log p(x), labels summed out"),
    ]
    for row in rows[:2]:
        assert row["ELBO gap"] == pytest.approx(
            row["test −ELBO"] - row["test IS-NLL K=5"]
        )
        assert row["train −ELBO"] > 0 and row["train s"] == round(
            seconds[row["model"]], 1
        )
        model, labels = (
            models[row["model"]],
            (y[8:16] if row["bounds"] == "−log p(x|y)" else None),
        )
        # both bounds use elbo_samples draws of z (the default 1 gives another number)
        assert row["train −ELBO"] == pytest.approx(
            negative_elbo(model, x[8:16], labels, num_samples=3)
        )
        assert row["test −ELBO"] == pytest.approx(
            negative_elbo(
                model,
                x[:8],
                y[:8] if labels is not None else None,
                num_samples=3,
            )
        )
        assert row["train −ELBO"] != pytest.approx(
            negative_elbo(model, x[8:16], labels, num_samples=1)
        )
    assert "test −ELBO" not in rows[2] and rows[2]["test IS-NLL K=5"] > 0
    minimal = likelihood_rows(
        {"v": models["VAE dense d=2"]}, x[:4], y[:4], num_samples=2
    )
    assert set(minimal[0]) == {
        "model",
        "bounds",
        "params",
        "test −ELBO",
        "test IS-NLL K=2",
        "ELBO gap",
    }


def test_zoo_validates_its_inputs(trained):
    x, y, models, _, _ = trained
    with pytest.raises(ValueError, match="y_test"):
        likelihood_rows(models, x[:8], y[:7], num_samples=2)
    with pytest.raises(ValueError, match="unknown model"):
        train_models(x, y, epochs=1, names=["GAN"])
    with pytest.raises(ValueError, match="names is empty"):
        train_models(x, y, epochs=1, names=[])
    with pytest.raises(ValueError, match="epochs"):
        train_models(x, y, epochs=0, names=["VAE dense d=2"])
    with pytest.raises(ValueError, match="y_train"):
        train_models(x, y[:3], epochs=1, names=["VAE dense d=2"])
    with pytest.raises(TypeError, match="non-empty dict"):
        likelihood_rows([], x, y)
    with pytest.raises(ValueError, match="num_samples"):
        likelihood_rows(models, x, y, num_samples=0)


def test_train_classifier_and_mean_confidence():
    x, y = binary_images(16), class_labels(16, 10)
    classifier = train_classifier(x, y, epochs=1, batch_size=8)
    confidence = mean_confidence(classifier, x)
    assert (
        0.1 <= confidence <= 1.0
    )  # the highest of ten probabilities is at least 1/10
    with pytest.raises(ValueError, match="y_train"):
        train_classifier(x, y[:2], epochs=1)
