"""Animations of training snapshots that play on the website and in
Jupyter/Colab: a light, self-contained HTML player."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json

import numpy as np
from PIL import Image

from .._validation import check_positive_int
from .images import tile

__all__ = ["grid_animation"]

# A small script, not matplotlib's to_jshtml(): that player embeds every frame
# as a 500 px JPEG of the whole figure (1.5 MB for 31 frames) and opens on the
# first, flat grey frame.
_PLAYER_JS = """(function () {
  const root = document.getElementById(%(id)s);
  const frames = %(frames)s, epochs = %(epochs)s, title = %(title)s;
  const image = root.querySelector("img"), slider = root.querySelector("input");
  const epoch = root.querySelector("output");
  const button = root.querySelector("button");
  let timer = null;
  function show(i) {
    image.src = frames[i];
    image.alt = title + ", epoch " + epochs[i];
    slider.value = i;
    epoch.textContent = epochs[i];
  }
  function stop() {
    clearInterval(timer);
    timer = null;
    button.textContent = "Play";
  }
  button.addEventListener("click", () => {
    if (timer) { stop(); return; }
    let i = Number(slider.value) === frames.length - 1 ? 0 : Number(slider.value);
    show(i);
    button.textContent = "Pause";
    timer = setInterval(() => {
      i += 1;
      show(i);
      if (i === frames.length - 1) stop();
    }, %(interval)d);
  });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
})();"""


def _webp_data_url(canvas: np.ndarray, quality: int) -> str:
    # dark digits on white, as the book's other image grids show them
    pixels = np.round(255 * (1 - np.clip(canvas, 0, 1))).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="WEBP", quality=quality)
    return "data:image/webp;base64," + base64.b64encode(
        buffer.getvalue()
    ).decode("ascii")


class GridAnimation:
    """Decoded-grid snapshots shown as a small HTML player.

    It opens on the last snapshot (what training arrived at); Play runs
    through the snapshots once, and a slider picks any of them. The frames are
    WebP images at one pixel per image pixel (about 25 KB each), inlined so
    that the player works offline and in Colab. Jupyter shows it as the
    cell's result; :meth:`to_html` gives the HTML.
    """

    def __init__(self, frames, interval: int, title: str, quality: int):
        self.frames = frames
        self.interval = interval
        self.title = title
        self.quality = quality

    def to_html(self) -> str:
        """The player: a ``<figure>`` with the images and its script."""
        urls = [
            _webp_data_url(canvas, self.quality) for _, canvas in self.frames
        ]
        epochs = [int(epoch) for epoch, _ in self.frames]
        height, width = self.frames[-1][1].shape
        digest = hashlib.sha1("".join(urls).encode()).hexdigest()[:12]
        element_id = f"grid-animation-{digest}"
        title = html.escape(self.title)
        script = _PLAYER_JS % {
            "id": json.dumps(element_id),
            "frames": json.dumps(urls),
            "epochs": json.dumps(epochs),
            "title": json.dumps(self.title),
            "interval": self.interval,
        }
        return (
            f'<figure id="{element_id}" class="grid-animation" '
            f'style="margin: 0; max-width: {width}px">\n'
            f'<img src="{urls[-1]}" width="{width}" height="{height}" '
            f'alt="{title}, epoch {epochs[-1]}" '
            'style="width: 100%; height: auto">\n'
            f"<figcaption>{title}, epoch <output>{epochs[-1]}</output><br>\n"
            '<button type="button">Play</button>\n'
            f'<label>Snapshot <input type="range" min="0" '
            f'max="{len(urls) - 1}" step="1" value="{len(urls) - 1}">'
            "</label></figcaption>\n"
            f"<script>{script}</script>\n</figure>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def grid_animation(
    snapshots,
    ncols: int,
    interval: int = 700,
    title: str = "Decoded latent grid",
    quality: int = 50,
) -> GridAnimation:
    """An HTML player of (epoch, images) snapshots, each tiled ``ncols`` wide.

    ``snapshots`` is what :class:`~cvae_utils.callbacks.LatentGridSnapshots` records;
    ``interval`` is the time per frame in ms while it plays, ``quality``
    the WebP quality of the frames (1-100). Shown as a cell's result, or
    with ``IPython.display.HTML(anim.to_html())``.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    if isinstance(snapshots, (str, bytes)) or not hasattr(
        snapshots, "__len__"
    ):
        raise TypeError(
            "snapshots must be a list of (epoch, images) pairs "
            f"(LatentGridSnapshots.snapshots), got {type(snapshots).__name__}"
        )
    if len(snapshots) == 0:
        raise ValueError(
            "snapshots is empty: train with a "
            "LatentGridSnapshots callback first"
        )
    for i, item in enumerate(snapshots):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ValueError(
                f"snapshots[{i}] must be an (epoch, images) "
                f"pair, got {type(item).__name__}"
            )
    ncols = check_positive_int(ncols, "ncols")
    interval = check_positive_int(interval, "interval")
    quality = check_positive_int(quality, "quality")
    if quality > 100:
        raise ValueError(f"quality must be at most 100, got {quality}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    frames = [(epoch, tile(images, ncols)) for epoch, images in snapshots]
    shapes = {canvas.shape for _, canvas in frames}
    if len(shapes) > 1:
        raise ValueError(
            "every snapshot must hold the same number of images "
            f"of the same size, got canvases of shapes "
            f"{sorted(shapes)}"
        )
    return GridAnimation(frames, interval, title, quality)
