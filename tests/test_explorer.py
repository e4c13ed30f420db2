"""Unit tests of cvae_utils.plots.explorer (the live widgets' HTML) with tiny
untrained models.

tests/test_site.py runs the same HTML in headless Chromium with
_static/live-models.js.
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

from cvae_utils import (
    draw_digit,
    latent_explorer,
)
from cvae_utils.models import CVAE, VAE, Autoencoder
from cvae_utils.plots import latent_grid
from cvae_utils.plots.explorer import FALLBACK_N, MAX_CODES, TILE, WHY, to_gray

DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def vae():
    keras.utils.set_random_seed(1)
    return VAE(latent_dim=2)


@pytest.fixture(scope="module")
def cvae():
    keras.utils.set_random_seed(2)
    return CVAE(latent_dim=2, num_classes=3)


def figures(html):
    return [
        Image.open(io.BytesIO(base64.b64decode(data)))
        for data in DATA_URI.findall(html)
    ]


def payload(html):
    """The JSON data that _static/live-models.js reads."""
    match = re.search(
        r'<script type="application/json" class="cvae-live-data">(.*?)</script>',
        html,
    )
    assert match, "no data for the widget's script"
    return json.loads(match.group(1))


def test_explorer_names_its_model_and_keeps_a_static_figure(vae):
    html = latent_explorer(vae, "vae-x", extent=2.0).data
    assert html.count('class="cvae-live"') == 1
    assert 'data-kind="explorer"' in html and 'data-model="vae-x"' in html
    assert "<script>" not in html, (
        "the site's script runs the widget, not inline code"
    )
    assert WHY in html, "the static figure says why it is static"
    (image,) = figures(html)
    assert (
        image.size == (FALLBACK_N * TILE, FALLBACK_N * TILE)
        and image.mode == "L"
    )
    data = payload(html)
    assert (
        data["extent"] == 2.0
        and data["conditional"] is False
        and data["codes"] is None
    )


def test_static_figure_is_the_decoded_grid(vae):
    image = np.asarray(
        figures(latent_explorer(vae, "v", extent=2.0).data)[0]
    ).astype(int)
    decoded = vae.decode(latent_grid(FALLBACK_N, 2.0))
    for i, j in ((0, 0), (0, FALLBACK_N - 1), (FALLBACK_N - 1, 0), (2, 3)):
        shown = image[i * TILE : (i + 1) * TILE, j * TILE : (j + 1) * TILE]
        expected = to_gray(decoded[i * FALLBACK_N + j, ..., 0], 32).astype(int)
        assert np.abs(shown - expected).max() <= 1, (
            f"tile ({i}, {j}) is not decode(z)"
        )


def test_cvae_static_figure_has_a_row_per_label(cvae):
    html = latent_explorer(cvae, "c", label_names=["zero", "one", "two"]).data
    (image,) = figures(html)
    assert image.size == (FALLBACK_N * TILE, 3 * TILE)
    rows = np.asarray(image).reshape(3, TILE, -1)
    assert not np.array_equal(rows[0], rows[2]), (
        "each label must get its own row"
    )
    data = payload(html)
    assert (
        data["names"] == ["zero", "one", "two"] and data["conditional"] is True
    )


def test_codes_their_labels_and_class_centres(vae):
    codes = np.random.default_rng(0).normal(size=(60, 2)) + np.repeat(
        [[0, 0], [2, 2]], 30, 0
    )
    labels = np.repeat([0, 1], 30)
    data = payload(
        latent_explorer(
            vae, "v", codes=codes, labels=labels, label_names=["a", "b"]
        ).data
    )
    assert len(data["codes"]) == 60 and data["codeLabels"] == labels.tolist()
    assert np.allclose(data["codes"], np.round(codes, 2))
    expected = [np.median(codes[labels == c], axis=0) for c in (0, 1)]
    assert np.allclose(data["centres"], expected, atol=0.006), (
        "names sit at the class medians"
    )
    assert "class names at the class centres" in data["planeText"]
    assert len(json.dumps(data["codes"])) < 15 * len(codes), (
        "codes printed with float32 noise"
    )


def test_many_codes_are_subsampled_but_centres_use_all(vae):
    rng = np.random.default_rng(1)
    codes, labels = rng.normal(size=(5000, 2)), rng.integers(0, 3, 5000)
    data = payload(latent_explorer(vae, "v", codes=codes, labels=labels).data)
    assert len(data["codes"]) == MAX_CODES == len(data["codeLabels"])
    kept = {
        tuple(c)
        for c in np.round(
            codes.astype("float32").astype("float64"), 2
        ).tolist()
    }
    assert all(tuple(c) in kept for c in data["codes"])
    assert np.allclose(
        data["centres"][1], np.median(codes[labels == 1], axis=0), atol=0.006
    )


def test_draw_digit_is_a_widget_without_a_figure(cvae):
    html = draw_digit(cvae, "c", codes=np.zeros((3, 2)), labels=[0, 1, 2]).data
    assert 'data-kind="draw"' in html and 'data-model="c"' in html
    assert not figures(html) and WHY in html
    assert payload(html)["codeLabels"] == [0, 1, 2]


def test_widgets_return_displayable_html(vae):
    from IPython.display import HTML

    for shown in (
        latent_explorer(vae, "v", title="My explorer"),
        draw_digit(vae, "v"),
    ):
        assert isinstance(shown, HTML)
        assert shown._repr_html_() == shown.data, (
            "Jupyter shows the HTML as it is"
        )
    assert (
        '<p class="cvae-live-title">My explorer</p>'
        in latent_explorer(vae, "v", title="My explorer").data
    )


def test_names_cannot_break_out_of_the_html(cvae):
    html = latent_explorer(
        cvae, "c", label_names=["</script><b>x", "a&b", '"q"'], title="<i>"
    ).data
    assert "</script><b>" not in html and "<i>" not in html
    assert payload(html)["names"][0] == "</script><b>x"


def test_to_gray():
    assert to_gray(np.array([0.0, 1.0, 0.5]), levels=256).tolist() == [
        255,
        0,
        128,
    ]
    assert to_gray(np.array([0.0, 0.49, 1.0]), levels=2).tolist() == [
        255,
        255,
        0,
    ]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(extent=0), ValueError, "extent"),
        (dict(extent=float("nan")), ValueError, "extent"),
        (dict(extent="3"), TypeError, "extent"),
        (
            dict(codes=np.zeros((5, 3))),
            ValueError,
            r"codes must have shape \(N, 2\)",
        ),
        (
            dict(codes=np.zeros((5, 2)), labels=np.zeros(4)),
            ValueError,
            "one integer label per code",
        ),
        (dict(labels=np.zeros(4)), ValueError, "without codes"),
        (
            dict(codes=np.zeros((2, 2)), labels=[0.5, 1]),
            ValueError,
            "whole-number",
        ),
        (
            dict(codes=np.zeros((2, 2)), labels=[0, 1], label_names=["a"]),
            ValueError,
            "label_names has 1",
        ),
        (dict(label_names="abc"), TypeError, "label_names must be a list"),
        (dict(title=3), TypeError, "title must be a string"),
    ],
)
def test_vae_inputs_are_validated(vae, kwargs, error, message):
    with pytest.raises(error, match=message):
        latent_explorer(vae, "v", **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(label_names=["a", "b"]), "one name per class"),
        (dict(codes=np.zeros((2, 2)), labels=[0, 3]), "num_classes"),
    ],
)
def test_cvae_inputs_are_validated(cvae, kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_digit(cvae, "c", **kwargs)


@pytest.mark.parametrize(
    "name, error",
    [
        ("", ValueError),
        ("Bad Name", ValueError),
        ("../up", ValueError),
        (3, TypeError),
    ],
)
def test_model_name_is_a_folder_name(vae, name, error):
    with pytest.raises(error, match="name must be"):
        latent_explorer(vae, name)


def test_model_must_be_a_2d_latent_model():
    with pytest.raises(ValueError, match="latent_dim == 2"):
        latent_explorer(VAE(latent_dim=3), "v")
    with pytest.raises(TypeError, match="encode and decode"):
        latent_explorer(object(), "v")


def test_whole_number_float_labels_are_accepted_as_class_labels():
    """Bug caught: the whole-number check inverted (floats such as 1.0
    refused)."""
    model = Autoencoder(latent_dim=2)
    html = latent_explorer(
        model,
        "a",
        codes=np.zeros((3, 2)),
        labels=np.array([0.0, 1.0, 1.0]),
        label_names=["a", "b"],
    ).data
    assert payload(html)["codeLabels"] == [0, 1, 1]


@pytest.mark.parametrize("widget", [latent_explorer, draw_digit])
def test_an_unknown_option_names_the_widget_and_its_options(vae, widget):
    """Bug caught: a misspelt option (``code_labels``, the old name) silently
    ignored, so the plane is drawn without its class colours."""
    with pytest.raises(
        TypeError,
        match=rf"{widget.__name__}\(\).*'code_labels'.*codes, labels",
    ):
        widget(vae, "v", codes=np.zeros((2, 2)), code_labels=[0, 1])
