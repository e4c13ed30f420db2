"""An interactive latent-space explorer that runs in a browser without Python behind it.

:func:`latent_explorer` decodes an ``n x n`` grid over the 2-D latent plane once, in Python, and
packs the decoded digits into one PNG "sprite" per label (one for a VAE or autoencoder, one per
class for a CVAE). The returned HTML holds those sprites as base64 data URIs and a few lines of
plain JavaScript: moving the mouse over the latent plane shows the digit decoded at that point,
enlarged, in a second panel; a menu switches the label of a CVAE. Nothing runs on a kernel
afterwards, so the same output works in Jupyter, in Google Colab and on the static website.

    from cvae_utils import latent_explorer
    latent_explorer(vae, codes=z_test, code_labels=y_test)        # shown as a cell's output
    latent_explorer(cvae, label_names=[str(d) for d in range(10)])

The grid is the linear one of :func:`~cvae_utils.plots.latent.latent_grid` with ``extent`` (rows
from large to small ``z_2``), so the explorer and ``plot_latent_manifold(model, extent=...)``
show the same decoded images.
"""

from __future__ import annotations

import base64
import io
import json
import uuid

import numpy as np

from .._validation import as_array, check_latent, check_number, check_positive_int
from ..models.core import decode_latent
from .images import tile
from .latent import CLASS_COLORS, latent_grid

__all__ = ["explorer_html", "latent_explorer"]

TILE = 28  # pixels per decoded image (MNIST-sized models)
MAX_N = 100  # 100 x 100 tiles of 28 px = a 2800 x 2800 sprite per label; more is not useful
PLANE_PX = 320  # side of the latent-plane canvas
IMAGE_PX = 196  # side of the enlarged-digit canvas (7 x 28)
PALETTE = list(CLASS_COLORS)  # the class colours of plot_latent_scatter (colour-blind safe)


def _check_model(model):
    if not callable(getattr(model, "decode", None)):
        raise TypeError(f"model must be a trained Autoencoder, VAE or CVAE from cvae_utils.models "
                        f"(an object with a decode method), got {type(model).__name__}")
    latent_dim = getattr(model, "latent_dim", None)
    if latent_dim != 2:
        raise ValueError(f"latent_explorer needs a model with latent_dim == 2 (it draws the latent plane), "
                         f"got latent_dim={latent_dim}")
    conditional = bool(getattr(model, "conditional", False))
    num_classes = check_positive_int(getattr(model, "num_classes", 0), "model.num_classes", minimum=2) \
        if conditional else None
    return conditional, num_classes


def _check_extent(extent):
    return check_number(extent, "extent", low=0, open_low=True)


def _check_label_names(label_names, count, what):
    if label_names is None:
        return [str(i) for i in range(count)]
    if isinstance(label_names, (str, bytes)) or not hasattr(label_names, "__len__"):
        raise TypeError(f"label_names must be a list of {count} names, got {type(label_names).__name__}")
    if len(label_names) != count:
        raise ValueError(f"label_names must have one name per {what} ({count}), got {len(label_names)}")
    return [str(name) for name in label_names]


def _check_codes(codes, code_labels):
    if codes is None:
        if code_labels is not None:
            raise ValueError("code_labels was given without codes: pass the latent codes they label as codes=")
        return None, None
    codes = check_latent(codes, 2, name="codes")
    if code_labels is None:
        return codes, None
    labels = as_array(code_labels, "code_labels")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or len(labels) != len(codes):
        raise ValueError(f"code_labels must have shape ({len(codes)},), one integer label per code, "
                         f"got shape {labels.shape}")
    if np.issubdtype(labels.dtype, np.floating) and not np.all(labels == np.round(labels)):
        raise ValueError("code_labels must hold whole-number class labels")
    labels = labels.astype(int)
    if labels.size and labels.min() < 0:
        raise ValueError(f"code_labels must be >= 0, got a minimum of {labels.min()}")
    return codes, labels


def to_gray(probabilities, levels: int = 32) -> np.ndarray:
    """Pixel probabilities as uint8 grey values the way the explorer shows them: dark ink (p = 1)
    on white (p = 0), like ``cmap="gray_r"``, rounded to ``levels`` shades of grey.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    p = np.clip(np.asarray(probabilities, dtype="float64"), 0.0, 1.0)
    shade = np.rint((1.0 - p) * (levels - 1)) / (levels - 1)
    return np.clip(np.rint(255.0 * shade), 0, 255).astype(np.uint8)


def _png_data_uri(probabilities: np.ndarray, n: int, levels: int) -> str:
    """Tile (n*n, 28, 28, 1) probabilities row by row into one 8-bit grayscale PNG.

    Rounding to ``levels`` shades of grey (invisible at this size) nearly halves the PNG.
    """
    from PIL import Image  # a dependency of matplotlib

    ink = to_gray(tile(probabilities, n), levels)
    buffer = io.BytesIO()
    Image.fromarray(ink).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode_grid(model, z, label):
    images = np.asarray(decode_latent(model, z, label), dtype="float32")
    if images.shape[1:] not in ((TILE, TILE, 1), (TILE, TILE)):
        raise ValueError(f"latent_explorer expects the model to decode {TILE}x{TILE} images, got shape {images.shape[1:]}")
    if not np.all(np.isfinite(images)):
        raise ValueError("the model decoded NaN or infinite pixel values; check its training")
    return np.clip(images.reshape(len(z), TILE, TILE, 1), 0.0, 1.0)


def explorer_html(model, n: int = 40, label_names=None, *, codes=None, code_labels=None,
                  extent: float = 3.0, title: str | None = None, levels: int = 32) -> str:
    """The explorer as an HTML string (see :func:`latent_explorer`, which wraps it for display).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    conditional, num_classes = _check_model(model)
    n = check_positive_int(n, "n", minimum=2)
    if n > MAX_N:
        raise ValueError(f"n must be at most {MAX_N} (an n x n grid of decoded images per label), got {n}")
    extent = _check_extent(extent)
    levels = check_positive_int(levels, "levels", minimum=2)
    if levels > 256:
        raise ValueError(f"levels must be at most 256 (8-bit grey), got {levels}")
    codes, code_labels = _check_codes(codes, code_labels)
    if conditional:
        names = _check_label_names(label_names, num_classes, "class of the model")
        if code_labels is not None and code_labels.size and code_labels.max() >= num_classes:
            raise ValueError(f"code_labels must be < num_classes ({num_classes}), got {code_labels.max()}")
    else:
        needed = int(code_labels.max()) + 1 if code_labels is not None and code_labels.size else 0
        names = _check_label_names(label_names, len(label_names), "class") if label_names is not None \
            else [str(i) for i in range(needed)]
        if len(names) < needed:
            raise ValueError(f"label_names has {len(names)} names but code_labels go up to {needed - 1}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")

    z = latent_grid(n, extent)
    labels = list(range(num_classes)) if conditional else [None]
    sprites = [_png_data_uri(_decode_grid(model, z, label), n, levels) for label in labels]

    uid = "cvae-explorer-" + uuid.uuid4().hex[:12]
    data = {
        "n": n, "extent": extent, "tile": TILE, "sprites": sprites,
        "conditional": conditional, "names": names, "palette": PALETTE,
        "codes": None if codes is None else np.round(codes, 3).tolist(),
        "codeLabels": None if code_labels is None else code_labels.tolist(),
    }
    # "<" is escaped so that no string in the data (a label name, say) can close the script tag.
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    heading = title or ("Latent explorer: " + ("conditional VAE" if conditional else type(model).__name__))
    select = ""
    if conditional:
        options = "".join(f'<option value="{i}">{_escape(name)}</option>' for i, name in enumerate(names))
        select = (f'<label style="margin-right:1em">label <select class="cvae-explorer-label" '
                  f'aria-label="label to decode with">{options}</select></label>')
    background = "latent codes (dots)" if codes is not None else "the decoded grid"
    if codes is not None and code_labels is not None and conditional:
        background = "latent codes, those of the selected label in colour"
    legend = ""
    if code_labels is not None and not conditional:
        shown = sorted(set(code_labels.tolist()))
        legend = '<div style="font-size:12px;max-width:{}px">'.format(PLANE_PX) + " ".join(
            f'<span style="white-space:nowrap"><span style="color:{PALETTE[c % len(PALETTE)]}">&#9632;</span> '
            f'{_escape(names[c])}</span>' for c in shown) + "</div>"
    return f"""<div class="cvae-explorer" id="{uid}" data-n="{n}" data-labels="{len(sprites)}"
 style="font-family:sans-serif;font-size:14px;margin:0.5em 0">
<div style="font-weight:bold;margin-bottom:0.3em">{_escape(heading)}</div>
<div style="margin-bottom:0.4em">{select}<span>Move the mouse over the latent plane (or focus it and use the arrow keys).</span></div>
<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">
<div><canvas class="cvae-explorer-plane" width="{PLANE_PX}" height="{PLANE_PX}" tabindex="0"
 role="img" aria-label="latent plane; background: {background}"
 style="width:{PLANE_PX}px;height:{PLANE_PX}px;border:1px solid #888;cursor:crosshair;touch-action:none"></canvas>
<div style="font-size:12px;color:#555">z<sub>1</sub> from {-extent:g} (left) to {extent:g} (right), z<sub>2</sub> from {-extent:g} (bottom) to {extent:g} (top); background: {background}</div>{legend}</div>
<div><canvas class="cvae-explorer-image" width="{IMAGE_PX}" height="{IMAGE_PX}" role="img"
 aria-label="decoded image" style="width:{IMAGE_PX}px;height:{IMAGE_PX}px;border:1px solid #888;image-rendering:pixelated"></canvas>
<div class="cvae-explorer-readout" style="font-family:monospace;font-size:13px">z = (0, 0)</div></div>
</div>
<script>
(function () {{
  var root = document.getElementById("{uid}");
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";
  var d = {payload};
  var plane = root.querySelector(".cvae-explorer-plane"), view = root.querySelector(".cvae-explorer-image");
  var readout = root.querySelector(".cvae-explorer-readout"), select = root.querySelector(".cvae-explorer-label");
  var pctx = plane.getContext("2d"), vctx = view.getContext("2d");
  var n = d.n, T = d.tile, W = plane.width, H = plane.height;
  var half = d.extent / (n - 1);  /* the plane reaches half a grid step beyond the outer grid points */
  var lo = -d.extent - half, span = 2 * (d.extent + half);
  var label = 0, cell = [Math.floor(n / 2), Math.floor(n / 2)], loaded = 0;
  var sprites = d.sprites.map(function (uri) {{
    var img = new Image();
    img.onload = function () {{
      loaded += 1;
      if (loaded === d.sprites.length) {{ root.dataset.loaded = "1"; redraw(); }}
    }};
    img.onerror = function () {{ console.error("latent explorer: a decoded-image sprite failed to load"); }};
    img.src = uri;
    return img;
  }});
  function zOf(i, j) {{ return [-d.extent + 2 * d.extent * j / (n - 1), d.extent - 2 * d.extent * i / (n - 1)]; }}
  function drawPlane() {{
    pctx.fillStyle = "#fff"; pctx.fillRect(0, 0, W, H);
    if (d.codes) {{
      for (var pass = 0; pass < 2; pass++) {{  /* a CVAE's other labels first, in grey, then the selected one */
        for (var k = 0; k < d.codes.length; k++) {{
          var c = d.codeLabels ? d.codeLabels[k] : -1;
          var mine = !d.conditional || c === label;
          if (mine !== (pass === 1)) continue;
          pctx.fillStyle = c < 0 ? "#555" : (mine ? d.palette[c % d.palette.length] : "#ddd");
          var x = (d.codes[k][0] - lo) / span * W, y = H - (d.codes[k][1] - lo) / span * H;
          pctx.fillRect(x - 1, y - 1, 2.5, 2.5);
        }}
      }}
    }} else if (sprites[label].complete) {{
      pctx.globalAlpha = 0.8; pctx.drawImage(sprites[label], 0, 0, W, H); pctx.globalAlpha = 1;
    }}
    pctx.strokeStyle = "rgba(0,0,0,0.25)"; pctx.beginPath();
    pctx.moveTo(W / 2, 0); pctx.lineTo(W / 2, H); pctx.moveTo(0, H / 2); pctx.lineTo(W, H / 2); pctx.stroke();
    pctx.strokeStyle = "#d62728"; pctx.lineWidth = 2;
    pctx.strokeRect(cell[1] * W / n, cell[0] * H / n, W / n, H / n); pctx.lineWidth = 1;
  }}
  function drawImage() {{
    vctx.imageSmoothingEnabled = false;
    vctx.fillStyle = "#fff"; vctx.fillRect(0, 0, view.width, view.height);
    if (sprites[label].complete) vctx.drawImage(sprites[label], cell[1] * T, cell[0] * T, T, T, 0, 0, view.width, view.height);
    var z = zOf(cell[0], cell[1]);
    readout.textContent = "z = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")" +
      (d.conditional ? ", label " + d.names[label] : "");
  }}
  function redraw() {{ drawPlane(); drawImage(); }}
  function clamp(v) {{ return Math.max(0, Math.min(n - 1, v)); }}
  function moveTo(ev) {{
    var r = plane.getBoundingClientRect();
    cell = [clamp(Math.floor((ev.clientY - r.top) / r.height * n)), clamp(Math.floor((ev.clientX - r.left) / r.width * n))];
    redraw();
  }}
  plane.addEventListener("pointermove", moveTo);
  plane.addEventListener("pointerdown", moveTo);
  plane.addEventListener("keydown", function (ev) {{
    var step = {{ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]}}[ev.key];
    if (!step) return;
    ev.preventDefault();
    cell = [clamp(cell[0] + step[0]), clamp(cell[1] + step[1])];
    redraw();
  }});
  if (select) select.addEventListener("change", function () {{ label = parseInt(select.value, 10); redraw(); }});
  redraw();
}})();
</script>
</div>"""


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def latent_explorer(model, n: int = 40, label_names=None, *, codes=None, code_labels=None,
                    extent: float = 3.0, title: str | None = None, levels: int = 32):
    """An interactive view of a 2-D latent space, as an ``IPython.display.HTML`` cell output.

    Args:
        model: a trained ``Autoencoder``, ``VAE`` or ``CVAE`` with ``latent_dim == 2``.
        n: grid points per axis; ``n * n`` images are decoded per label (``2 <= n <= 100``).
        label_names: names of the classes, shown in the CVAE's label menu (one per class of
            the model; default "0", "1", ...). For an unconditional model, optional names of
            the classes in ``code_labels``.
        codes: optional latent codes (N, 2), e.g. the encoder means of test images, drawn as a
            scatter behind the plane; without them the plane shows the decoded grid itself.
        code_labels: optional integer labels (N,) of ``codes``, used to colour the scatter (for a
            CVAE the codes of the selected label are coloured, the others grey).
        extent: the grid covers ``[-extent, extent]`` on both axes (3 covers 99.7 % of each
            coordinate of the N(0, I) prior).
        title: a heading above the explorer.
        levels: shades of grey kept in the sprites (2 to 256).

    The output is about 0.4 MB for a VAE with ``n=40`` and, with ten sprites, about 3.5 MB
    for a trained MNIST CVAE (2 MB with ``n=30``); pick ``n`` with the notebook's size in mind.

    Returns:
        ``IPython.display.HTML``; its ``.data`` is the HTML string. Every call gets its own
        element ids, so several explorers can sit on one page.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    from IPython.display import HTML

    return HTML(explorer_html(model, n, label_names, codes=codes, code_labels=code_labels,
                              extent=extent, title=title, levels=levels))
