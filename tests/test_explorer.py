"""Unit tests of cvae_utils.plots.explorer with tiny untrained models (latent_dim 2); no browser needed.

tests/test_site.py drives the same HTML in headless Chromium.
"""

from __future__ import annotations

import base64
import io
import json
import re

import keras
import numpy as np
import pytest
from PIL import Image

from cvae_utils.plots.explorer import TILE, explorer_html, latent_explorer, to_gray
from cvae_utils.models import CVAE, VAE, Autoencoder
from cvae_utils.plots import latent_grid

DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


@pytest.fixture(scope="module")
def vae():
    keras.utils.set_random_seed(1)
    return VAE(latent_dim=2)


@pytest.fixture(scope="module")
def cvae():
    keras.utils.set_random_seed(2)
    return CVAE(latent_dim=2, num_classes=3)


def sprites(html):
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in DATA_URI.findall(html)]


def payload(html):
    """The JSON data the explorer's script reads."""
    match = re.search(r"var d = (\{.*?\});\n", html)
    assert match, "no data object in the explorer's script"
    return json.loads(match.group(1))


def test_vae_explorer_has_one_sprite_and_a_script(vae):
    html = explorer_html(vae, n=6)
    assert html.count('class="cvae-explorer"') == 1
    assert "<script>" in html and "</script>" in html
    images = sprites(html)
    assert len(images) == 1
    assert images[0].size == (6 * TILE, 6 * TILE) and images[0].mode == "L"
    assert "<select" not in html, "an unconditional model has no label menu"
    data = payload(html)
    assert data["n"] == 6 and data["conditional"] is False and data["codes"] is None


def test_sprite_holds_the_decoded_grid_row_by_row(vae):
    n = 5
    image = np.asarray(sprites(explorer_html(vae, n=n, extent=2.0, levels=256))[0])
    decoded = vae.decode(latent_grid(n, 2.0))
    for i, j in ((0, 0), (0, n - 1), (n - 1, 0), (2, 3)):
        tile = image[i * TILE:(i + 1) * TILE, j * TILE:(j + 1) * TILE]
        expected = to_gray(decoded[i * n + j, ..., 0], levels=256)
        assert np.abs(tile.astype(int) - expected.astype(int)).max() <= 1, f"tile ({i}, {j}) is not decode(z)"


def test_cvae_explorer_has_one_sprite_per_label_and_a_menu(cvae):
    html = explorer_html(cvae, n=4, label_names=["zero", "one", "two"])
    assert len(sprites(html)) == 3
    assert re.findall(r'<option value="(\d)">(\w+)</option>', html) == [("0", "zero"), ("1", "one"), ("2", "two")]
    first, last = (np.asarray(img) for img in sprites(html)[::2])
    assert not np.array_equal(first, last), "each label must get its own decoded grid"
    assert payload(html)["names"] == ["zero", "one", "two"]


def test_autoencoder_with_latent_codes_in_the_background():
    keras.utils.set_random_seed(3)
    model = Autoencoder(latent_dim=2)
    codes = np.random.default_rng(0).normal(size=(50, 2))
    labels = np.arange(50) % 4
    html = explorer_html(model, n=3, codes=codes, code_labels=labels, label_names=list("abcd"))
    data = payload(html)
    assert len(data["codes"]) == 50 and data["codeLabels"] == labels.tolist()
    assert np.allclose(data["codes"], np.round(codes, 3))
    assert html.count("&#9632;") == 4, "one legend entry per label"


def test_every_call_gets_its_own_ids(vae):
    ids = [re.search(r'id="(cvae-explorer-[0-9a-f]+)"', explorer_html(vae, n=2)).group(1) for _ in range(3)]
    assert len(set(ids)) == 3


def test_latent_explorer_returns_displayable_html(vae):
    from IPython.display import HTML

    shown = latent_explorer(vae, n=3, title="My explorer")
    assert isinstance(shown, HTML)
    assert "My explorer" in shown.data and len(sprites(shown.data)) == 1
    assert shown._repr_html_() == shown.data, "Jupyter shows the HTML as it is"


def test_names_cannot_break_out_of_the_html(cvae):
    html = explorer_html(cvae, n=2, label_names=["</script><b>x", "a&b", '"q"'])
    assert "</script><b>" not in html
    assert "&lt;/script&gt;&lt;b&gt;x" in html and "a&amp;b" in html
    assert payload(html)["names"][0] == "</script><b>x"


def test_levels_round_the_grey_values(vae):
    image = np.asarray(sprites(explorer_html(vae, n=3, levels=4))[0])
    assert set(np.unique(image).tolist()) <= {0, 85, 170, 255}


def test_to_gray():
    assert to_gray(np.array([0.0, 1.0, 0.5]), levels=256).tolist() == [255, 0, 128]
    assert to_gray(np.array([0.0, 0.49, 1.0]), levels=2).tolist() == [255, 255, 0]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n=1), ValueError, "n must be an integer >= 2"),
    (dict(n=101), ValueError, "at most 100"),
    (dict(n=4.0), TypeError, "n must be an integer"),
    (dict(extent=0), ValueError, "extent"),
    (dict(extent=float("nan")), ValueError, "extent"),
    (dict(extent="3"), TypeError, "extent"),
    (dict(levels=1), ValueError, "levels"),
    (dict(levels=257), ValueError, "levels"),
    (dict(codes=np.zeros((5, 3))), ValueError, r"codes must have shape \(N, 2\)"),
    (dict(codes=np.zeros((5, 2)), code_labels=np.zeros(4)), ValueError, "one integer label per code"),
    (dict(code_labels=np.zeros(4)), ValueError, "without codes"),
    (dict(codes=np.zeros((2, 2)), code_labels=[0.5, 1]), ValueError, "whole-number"),
    (dict(codes=np.zeros((2, 2)), code_labels=[0, 1], label_names=["a"]), ValueError, "label_names has 1"),
    (dict(label_names="abc"), TypeError, "label_names must be a list"),
    (dict(title=3), TypeError, "title must be a string"),
])
def test_vae_inputs_are_validated(vae, kwargs, error, message):
    with pytest.raises(error, match=message):
        explorer_html(vae, **{"n": 3, **kwargs})


@pytest.mark.parametrize("kwargs, message", [
    (dict(label_names=["a", "b"]), "one name per class"),
    (dict(codes=np.zeros((2, 2)), code_labels=[0, 3]), "num_classes"),
])
def test_cvae_inputs_are_validated(cvae, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explorer_html(cvae, n=2, **kwargs)


def test_model_must_be_a_2d_latent_model():
    with pytest.raises(ValueError, match="latent_dim == 2"):
        explorer_html(VAE(latent_dim=3), n=2)
    with pytest.raises(TypeError, match="decode method"):
        explorer_html(object(), n=2)


def test_whole_number_float_labels_are_accepted_as_class_labels():
    """Bug caught: the whole-number check inverted (floats such as 1.0 from a NumPy label array refused)."""
    model = Autoencoder(latent_dim=2)
    html = explorer_html(model, n=2, codes=np.zeros((3, 2)), code_labels=np.array([0.0, 1.0, 1.0]),
                         label_names=["a", "b"])
    assert payload(html)["codeLabels"] == [0, 1, 1]
