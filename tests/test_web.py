"""Unit tests of cvae_utils.web: the models exported for the website's live
widgets.

tests/test_site.py checks that the page's JavaScript computes what these
reloaded networks do.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from helpers import binary_images

from cvae_utils import CVAE, VAE, Autoencoder, export_web_model, load_web_model
from cvae_utils.web import _quantize


@pytest.fixture(scope="module")
def vae():
    keras.utils.set_random_seed(5)
    return VAE(latent_dim=2)


@pytest.fixture(scope="module")
def cvae():
    keras.utils.set_random_seed(6)
    return CVAE(latent_dim=2, num_classes=3)


def test_quantized_columns_keep_their_largest_weight_and_lose_little():
    kernel = np.random.default_rng(0).normal(size=(50, 4)) * [1, 10, 0.01, 0]
    q, scale = _quantize(kernel)
    assert q.dtype == np.int8 and scale.shape == (4,)
    assert np.all(np.abs(q[:, :3]).max(axis=0) == 127) and not q[:, 3].any()
    error = np.abs(q * scale - kernel).max(axis=0)
    assert np.all(error <= scale / 2 + 1e-9), (
        "rounding is off by more than half a step"
    )


def test_vae_round_trip(vae, tmp_path, capsys):
    folder = export_web_model(vae, "tiny", tmp_path / "tiny")
    assert "Web model 'tiny'" in capsys.readouterr().out
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["latent_dim"] == 2 and manifest["num_classes"] is None
    encoder = manifest["networks"]["encoder"]["layers"]
    assert [(l["inputs"], l["units"], l["activation"]) for l in encoder] == [
        (784, 512, "relu"),
        (512, 256, "relu"),
        (256, 2, "linear"),
        (256, 2, "linear"),
    ]
    assert [l.get("output") for l in encoder if l["head"]] == [
        "z_mean",
        "z_log_var",
    ]
    params = vae.encoder.count_params() + vae.decoder.count_params()
    size = sum(
        (folder / f).stat().st_size for f in ("encoder.bin", "decoder.bin")
    )
    assert size < 1.05 * params, "int8 kernels: about one byte per weight"

    web = load_web_model(folder)
    x = binary_images(16, seed=3)
    for mine, theirs in zip(
        web.encoder.predict(x, verbose=0), vae.encoder.predict(x, verbose=0)
    ):
        assert np.allclose(mine, theirs, atol=0.05), (
            "quantized encoder strays from the model"
        )
    z = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    probs = keras.ops.convert_to_numpy(
        keras.ops.sigmoid(web.decoder.predict(z, verbose=0))
    )
    assert np.abs(probs - vae.decode(z)).max() < 0.02
    # the reloaded weights are exactly the exported ones: exporting them again
    # changes nothing
    restored = VAE(latent_dim=2)
    restored.encoder.set_weights(web.encoder.get_weights())
    restored.decoder.set_weights(web.decoder.get_weights())
    again = export_web_model(restored, "again", tmp_path / "again")
    for name in ("encoder.bin", "decoder.bin"):
        assert (again / name).read_bytes() == (folder / name).read_bytes()


def test_cvae_round_trip_with_labels(cvae, tmp_path):
    folder = export_web_model(cvae, "c", tmp_path, label_names=["a", "b", "c"])
    web = load_web_model(folder)
    assert web.manifest["num_classes"] == 3 and web.manifest[
        "label_names"
    ] == ["a", "b", "c"]
    assert web.manifest["networks"]["decoder"]["layers"][0]["inputs"] == 2 + 3
    z = np.zeros((3, 2), "float32")
    one_hot = np.eye(3, dtype="float32")
    logits = web.decoder.predict([z, one_hot], verbose=0)
    probs = keras.ops.convert_to_numpy(keras.ops.sigmoid(logits))
    assert np.abs(probs - cvae.decode(z, [0, 1, 2])).max() < 0.02
    assert not np.allclose(probs[0], probs[2]), "the label reaches the decoder"


def test_default_folder_is_the_books_static_folder(
    vae, tmp_path, monkeypatch, capsys
):
    book = tmp_path / "book"
    (book / "_static").mkdir(parents=True)
    (book / "_config.yml").write_text("title: x\n")
    (book / "chapters").mkdir()
    monkeypatch.chdir(book / "chapters")
    monkeypatch.setenv("CVAE_FAST", "0")
    assert export_web_model(vae, "v4") == book / "_static" / "models" / "v4"
    printed = capsys.readouterr().out
    # the book-relative path: a page's output shows no build machine's disk
    assert "in _static/models/v4 for the website" in printed
    assert str(tmp_path) not in printed
    monkeypatch.setenv(
        "CVAE_FAST", "1"
    )  # a quick run must not replace the full run's model
    quick = export_web_model(vae, "v4")
    assert book not in quick.parents and (quick / "manifest.json").is_file()
    assert "fast mode" in capsys.readouterr().out
    monkeypatch.setenv("CVAE_FAST", "0")
    monkeypatch.chdir(tmp_path)
    elsewhere = export_web_model(vae, "v4")
    assert (
        elsewhere / "manifest.json"
    ).is_file() and book not in elsewhere.parents
    assert "no course website here" in capsys.readouterr().out


@pytest.mark.parametrize(
    "model, kwargs, error, message",
    [
        (lambda: Autoencoder(latent_dim=2), {}, TypeError, "VAE or CVAE"),
        (
            lambda: VAE(latent_dim=2, architecture="conv"),
            {},
            ValueError,
            "dense",
        ),
        (
            lambda: VAE(latent_dim=2, likelihood="gaussian"),
            {},
            ValueError,
            "Bernoulli",
        ),
        (
            lambda: VAE(latent_dim=2),
            dict(name="Has Space"),
            ValueError,
            "name must be",
        ),
        (lambda: VAE(latent_dim=2), dict(name=4), TypeError, "name must be"),
        (
            lambda: VAE(latent_dim=2),
            dict(label_names=["a"]),
            ValueError,
            "belong to a CVAE",
        ),
        (
            lambda: CVAE(latent_dim=2, num_classes=3),
            dict(label_names=["a"]),
            ValueError,
            "one name per class",
        ),
        (
            lambda: CVAE(latent_dim=2, num_classes=3),
            dict(label_names="abc"),
            TypeError,
            "list of names",
        ),
        (lambda: VAE(latent_dim=2), dict(out_dir=3), TypeError, "out_dir"),
    ],
)
def test_export_validates_its_inputs(model, kwargs, error, message, tmp_path):
    arguments = {"name": "m", "out_dir": tmp_path, **kwargs}
    with pytest.raises(error, match=message):
        export_web_model(model(), **arguments)


def test_load_refuses_a_folder_without_a_model(tmp_path):
    with pytest.raises(ValueError, match="no manifest.json"):
        load_web_model(tmp_path)
    with pytest.raises(TypeError, match="path"):
        load_web_model(3)


def test_site_extension_adds_the_script_only_to_pages_with_a_widget():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "tools" / "sphinx" / "live_models.py"
    spec = importlib.util.spec_from_file_location("live_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    class App:
        def __init__(self):
            self.files = []

        def add_css_file(self, name, **kwargs):
            self.files.append(name)

        def add_js_file(self, name, **kwargs):
            self.files.append((name, kwargs.get("loading_method")))

    with_widget, without = App(), App()
    html = '<div class="cvae-live" data-kind="explorer" data-model="vae-04">'
    module.add_live_models(
        with_widget, "chapters/04_vae", "page.html", {"body": html}, None
    )
    module.add_live_models(
        without, "chapters/03", "page.html", {"body": "<p>text</p>"}, None
    )
    assert with_widget.files == [
        "live-models.css",
        ("live-models.js", "defer"),
    ]
    assert without.files == []
