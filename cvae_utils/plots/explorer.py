"""Live widgets of the website: the latent explorer and "draw a digit".

Both run a chapter's trained VAE or CVAE in the reader's page: the chapter
exports the model with :func:`~cvae_utils.web.export_web_model` and shows a
widget that names it, and the site's ``_static/live-models.js`` decodes (or
encodes) in the browser on the reader's first touch.

    from cvae_utils import draw_digit, export_web_model, latent_explorer
    export_web_model(vae, "vae-04")
    latent_explorer(vae, "vae-04", codes=z_test, labels=y_test)
    draw_digit(vae, "vae-04")

Until that script runs (in Jupyter, in Colab, or in a browser without
JavaScript) each widget shows a static figure and a sentence saying why.

Over 400 lines because both widgets, the explorer and "draw a digit", share their
input checks, their static fallback figures and the page markup that the script reads.
"""

from __future__ import annotations

import base64
import html
import io
import json

import numpy as np

from .._validation import (
    as_array,
    check_latent,
    check_list,
    check_number,
    check_positive_int,
)
from ..models.core import decode_latent
from ..web import _check_name
from .images import tile
from .latent import CLASS_COLORS, latent_grid

__all__ = ["draw_digit", "latent_explorer"]

TILE = 28  # pixels per decoded image (MNIST-sized models)
MAX_CODES = (
    2000  # latent codes drawn behind the plane (a random subset of more)
)
FALLBACK_N = 10  # the static figure: a 10 x 10 grid of decoded digits
WHY = (
    "This is a static figure: the live version runs the trained model in the page, "
    "on the course website with JavaScript turned on."
)


def _check_model(model):
    if not callable(getattr(model, "decode", None)) or not callable(
        getattr(model, "encode", None)
    ):
        raise TypeError(
            "model must be a trained VAE or CVAE from cvae_utils.models "
            f"(an object with encode and decode methods), got {type(model).__name__}"
        )
    latent_dim = getattr(model, "latent_dim", None)
    if latent_dim != 2:
        raise ValueError(
            "the live widgets need a model with latent_dim == 2 (they draw the "
            f"latent plane), got latent_dim={latent_dim}"
        )
    conditional = bool(getattr(model, "conditional", False))
    num_classes = (
        check_positive_int(
            getattr(model, "num_classes", 0), "model.num_classes", minimum=2
        )
        if conditional
        else None
    )
    return conditional, num_classes


def _check_extent(extent):
    return check_number(extent, "extent", low=0, open_low=True)


def _check_label_names(label_names, count, what):
    if label_names is None:
        return [str(i) for i in range(count)]
    check_list(
        label_names,
        count,
        f"label_names must be a list of {count} names, got {{}}",
        f"label_names must have one name per {what} ({count}), got {{}}",
    )
    return [str(name) for name in label_names]


def _check_codes(codes, labels):
    if codes is None:
        if labels is not None:
            raise ValueError(
                "labels was given without codes: pass the latent codes they label as codes="
            )
        return None, None
    codes = check_latent(codes, 2, name="codes")
    if labels is None:
        return codes, None
    labels = as_array(labels, "labels")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or len(labels) != len(codes):
        raise ValueError(
            f"labels must have shape ({len(codes)},), one integer label per code, "
            f"got shape {labels.shape}"
        )
    if np.issubdtype(labels.dtype, np.floating) and not np.all(
        labels == np.round(labels)
    ):
        raise ValueError("labels must hold whole-number class labels")
    labels = labels.astype(int)
    if labels.size and labels.min() < 0:
        raise ValueError(
            f"labels must be >= 0, got a minimum of {labels.min()}"
        )
    return codes, labels


def to_gray(probabilities, levels: int = 256) -> np.ndarray:
    """Pixel probabilities as uint8 grey values the way the widgets show them:
    dark ink (p = 1) on white (p = 0), like ``cmap="gray_r"``, rounded to
    ``levels`` shades of grey.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    levels = check_positive_int(levels, "levels", minimum=2)
    p = np.clip(np.asarray(probabilities, dtype="float64"), 0.0, 1.0)
    shade = np.rint((1.0 - p) * (levels - 1)) / (levels - 1)
    return np.clip(np.rint(255.0 * shade), 0, 255).astype(np.uint8)


def _png_data_uri(images: np.ndarray, columns: int) -> str:
    """Tile (N, 28, 28, 1) probabilities row by row into one grayscale PNG data
    URI."""
    from PIL import Image  # a dependency of matplotlib

    buffer = io.BytesIO()
    Image.fromarray(to_gray(tile(images, columns), 32)).save(
        buffer, format="PNG", optimize=True
    )
    return "data:image/png;base64," + base64.b64encode(
        buffer.getvalue()
    ).decode("ascii")


def _decode(model, z, label):
    images = np.asarray(decode_latent(model, z, label), dtype="float32")
    if images.shape[1:] not in ((TILE, TILE, 1), (TILE, TILE)):
        raise ValueError(
            f"the widgets expect the model to decode {TILE}x{TILE} images, "
            f"got shape {images.shape[1:]}"
        )
    if not np.all(np.isfinite(images)):
        raise ValueError(
            "the model decoded NaN or infinite pixel values; check its training"
        )
    return np.clip(images.reshape(len(z), TILE, TILE, 1), 0.0, 1.0)


def _fallback(model, conditional, num_classes, names, extent):
    """The static figure: a VAE's decoded grid, or a CVAE's digits (rows) along
    z_1 (columns)."""
    if not conditional:
        images = _decode(model, latent_grid(FALLBACK_N, extent), None)
        alt = (
            f"Digits decoded on a {FALLBACK_N} by {FALLBACK_N} grid over the latent plane, "
            f"z_1 and z_2 from {-extent:g} to {extent:g}"
        )
        return _png_data_uri(images, FALLBACK_N), alt
    z = np.stack(
        [np.linspace(-extent, extent, FALLBACK_N), np.zeros(FALLBACK_N)],
        axis=1,
    )
    images = np.concatenate(
        [_decode(model, z, label) for label in range(num_classes)]
    )
    alt = (
        f"Every digit (one row per label, {', '.join(names)}) decoded at {FALLBACK_N} points "
        f"along z_1 from {-extent:g} to {extent:g}, with z_2 = 0"
    )
    return _png_data_uri(images, FALLBACK_N), alt


def _codes_data(codes, labels, conditional, num_classes, names):
    """The codes drawn behind the plane (a fixed subset of many) and the class
    centres."""
    if codes is None:
        return None, None, None
    codes = codes.astype(
        "float64"
    )  # rounded float32 would print as 0.10000000149...
    centres = None
    if labels is not None:  # each class's median code, from all codes
        count = num_classes if conditional else len(names)
        centres = [
            np.round(np.median(codes[labels == c], axis=0), 2).tolist()
            if np.any(labels == c)
            else None
            for c in range(count)
        ]
    if len(codes) > MAX_CODES:  # a fixed subset keeps the page light
        keep = np.sort(
            np.random.default_rng(0).choice(
                len(codes), MAX_CODES, replace=False
            )
        )
        codes = codes[keep]
        labels = None if labels is None else labels[keep]
    return (
        np.round(codes, 2).tolist(),
        None if labels is None else labels.tolist(),
        centres,
    )


def _widget_html(
    kind, model, name, label_names, codes, labels, extent, title, fallback
):
    conditional, num_classes = _check_model(model)
    name = _check_name(name)
    extent = _check_extent(extent)
    codes, labels = _check_codes(codes, labels)
    if conditional:
        names = _check_label_names(
            label_names, num_classes, "class of the model"
        )
        if labels is not None and labels.size and labels.max() >= num_classes:
            raise ValueError(
                f"labels must be < num_classes ({num_classes}), got {labels.max()}"
            )
    else:
        needed = (
            int(labels.max()) + 1 if labels is not None and labels.size else 0
        )
        names = (
            _check_label_names(label_names, len(label_names), "class")
            if label_names is not None
            else [str(i) for i in range(needed)]
        )
        if len(names) < needed:
            raise ValueError(
                f"label_names has {len(names)} names but labels go up to {needed - 1}"
            )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")

    points, point_labels, centres = _codes_data(
        codes, labels, conditional, num_classes, names
    )
    if points is None:
        plane = "axes only"
    elif conditional and point_labels is not None:
        plane = (
            "latent codes of test digits, those of the chosen digit in colour"
        )
    else:
        plane = "latent codes of test digits" + (
            ", class names at the class centres" if centres else ""
        )
    data = {
        "extent": extent,
        "conditional": conditional,
        "names": names,
        "palette": list(CLASS_COLORS),
        "codes": points,
        "codeLabels": point_labels,
        "centres": centres,
        "planeText": plane,
        "axisText": f"z\u2081 from {-extent:g} (left) to {extent:g} (right), z\u2082 from "
        f"{-extent:g} (bottom) to {extent:g} (top); dots: {plane}",
    }
    # "<" is escaped so that no string in the data (a label name, say) can
    # close the script tag.
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    if fallback:
        uri, alt = _fallback(model, conditional, num_classes, names, extent)
        figure = (
            f'<img src="{uri}" alt="{html.escape(alt)}" width="{FALLBACK_N * TILE}" '
            f'height="{(num_classes or FALLBACK_N) * TILE}">'
        )
    else:
        figure = ""
    heading = (
        f'<p class="cvae-live-title">{html.escape(title)}</p>' if title else ""
    )
    return (
        f'<div class="cvae-live" data-kind="{kind}" data-model="{name}">{heading}\n'
        f'<div class="cvae-live-fallback">{figure}<p>{html.escape(WHY)}</p></div>\n'
        f'<div class="cvae-live-ui"></div>\n'
        f'<script type="application/json" class="cvae-live-data">{payload}</script>\n</div>'
    )


OPTIONS = ("codes", "labels", "extent", "title")


def _widget(kind, what, model, name, label_names, options):
    """The widget's HTML: ``kind`` is "explorer" or "draw", ``what`` the
    public function's name for error messages."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise TypeError(
            f"{what}() got an unexpected keyword argument {unknown[0]!r}; "
            f"its options are {', '.join(OPTIONS)}"
        )
    return _widget_html(
        kind,
        model,
        name,
        label_names,
        options.get("codes"),
        options.get("labels"),
        options.get("extent", 3.0),
        options.get("title"),
        kind == "explorer",
    )


def latent_explorer(model, name: str, label_names=None, **options):
    """The latent plane, live: the page decodes the point under the reader's
    pointer.

    Args:
        model: the trained ``VAE`` or ``CVAE`` (``latent_dim == 2``) that was
            exported with ``export_web_model(model, name)``; here it draws the
            static figure.
        name: the exported model's name; the page fetches
            ``_static/models/<name>/``.
        label_names: names of the classes (the CVAE's menu; for a VAE, of
            ``labels``).
        **options: keyword arguments, all optional:

            - ``codes``: latent codes (N, 2), e.g. the encoder means of test
              digits, drawn behind the plane (at most 2,000 of them, a fixed
              random subset);
            - ``labels``: integer class labels of ``codes``: the dots'
              colours, and each class's name written at its centre (the
              median of its codes);
            - ``extent`` (default 3.0): the plane covers
              ``[-extent, extent]`` on both axes;
            - ``title``: a heading above the widget.

    On the website, moving the pointer (mouse, touch, pen) or the arrow keys
    over the plane decodes that point in the page; a CVAE's menu decodes it as
    another digit. Elsewhere (Jupyter, Colab, no JavaScript) the output is a
    static figure — a VAE's digits decoded on a 10 x 10 grid, a CVAE's ten
    digits along z_1 — with a sentence saying why.

    Returns:
        ``IPython.display.HTML``; its ``.data`` is the HTML string.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    from IPython.display import HTML

    return HTML(
        _widget(
            "explorer", "latent_explorer", model, name, label_names, options
        )
    )


def draw_digit(model, name: str, label_names=None, **options):
    """A 28 x 28 drawing pad whose drawing the page's encoder places on the
    latent plane.

    The arguments and options are those of :func:`latent_explorer`. On the
    website the reader draws with a mouse, a finger or the keyboard; the page
    shows the encoder's mean and its one- and two-standard-deviation ellipses
    on the plane, and the decoder's reconstruction. For a CVAE the reader says
    which digit they drew, and the drawing's code is decoded with every
    label: their handwriting as all ten digits. Elsewhere a sentence says
    where it runs.

    Returns:
        ``IPython.display.HTML``; its ``.data`` is the HTML string.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    from IPython.display import HTML

    return HTML(
        _widget("draw", "draw_digit", model, name, label_names, options)
    )
