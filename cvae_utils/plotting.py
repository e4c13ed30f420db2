"""Matplotlib figures used throughout the book. Every function returns the Figure.

Digit grids have no ticks; scatter plots and curves have titles, axis labels and legends.
"""

from __future__ import annotations

import numbers
from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .checks import as_array, check_latent, check_positive_float, check_positive_int

#: Ten class colours that stay distinct with the common colour-vision deficiencies: the eight of
#: Okabe & Ito (2008) and two of Paul Tol's, with no red/green pair among neighbours. Latent scatter
#: plots and the latent explorer use them; scatter plots also give each class its own marker and
#: write its label at its median, so they read without colour at all.
CLASS_COLORS = ("#0072B2", "#E69F00", "#56B4E9", "#009E73", "#F0E442",
                "#000000", "#D55E00", "#CC79A7", "#882255", "#999999")
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _image_stack(images, name="images", pixel_range: bool = False) -> np.ndarray:
    """(N, H, W[, 1]) images as an (N, H, W) array; with ``pixel_range`` values must lie in [0, 1]."""
    arr = as_array(images, name)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        raise ValueError(f"{name} must be a batch of shape (N, H, W) or (N, H, W, 1), got a single image of "
                         f"shape {arr.shape} - add a batch axis with images[None]")
    if arr.ndim != 3:
        raise ValueError(f"{name} must have shape (N, H, W) or (N, H, W, 1), got {arr.shape}")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype == bool:
        arr = arr.astype("float32")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values ({int(np.sum(~np.isfinite(arr)))} entries)")
    if pixel_range:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0.0 or hi > 1.0:
            hint = " - divide uint8 images by 255" if hi > 1.0 else ""
            raise ValueError(f"{name} must hold pixel values in [0, 1] (they are drawn on that scale), got "
                             f"values in [{lo:g}, {hi:g}]{hint}")
    return arr


def _require_2d(model, what):
    _require_model(model, what)
    if getattr(model, "latent_dim", None) != 2:
        raise ValueError(f"{what} needs a model with latent_dim == 2, got latent_dim="
                         f"{getattr(model, 'latent_dim', None)}; use a 2-D model or project the codes first")


def _require_model(model, what):
    if not (hasattr(model, "decode") and hasattr(model, "latent_dim")):
        raise TypeError(f"{what} needs a cvae_utils model (Autoencoder, VAE or CVAE), got {type(model).__name__}")


def _check_ax(ax):
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. from plt.subplots()), got {type(ax).__name__}")


def _class_labels(labels, n: int) -> np.ndarray:
    """Integer labels >= 0, one per point (the number of classes is not known here)."""
    arr = as_array(labels, "labels")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"labels must be integer class labels of shape (N,), got shape {arr.shape}"
                         + (" - it looks one-hot encoded; pass labels.argmax(axis=1)" if arr.ndim == 2 else ""))
    if len(arr) != n:
        raise ValueError(f"labels has {len(arr)} entries but z has {n} codes; they must match")
    if arr.dtype == bool:
        raise TypeError("labels must hold integer class labels, got booleans")
    if np.issubdtype(arr.dtype, np.floating) and (not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr))):
        raise ValueError("labels must hold whole-number class labels, got non-integer values")
    if arr.min() < 0:
        raise ValueError(f"labels must be class labels >= 0, got values down to {arr.min():g}")
    return arr.astype("int64")


def _check_names(names, count, what):
    """class_names/titles: a sequence with at least ``count`` entries."""
    if isinstance(names, (str, bytes)) or not hasattr(names, "__len__"):
        raise TypeError(f"{what} must be a list of strings, got {type(names).__name__}")
    if len(names) < count:
        raise ValueError(f"{what} must have at least {count} entries (one per class), got {len(names)}")


def _hide_ticks(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def tile(images, ncols: int) -> np.ndarray:
    """Tile (N, H, W[, 1]) images into one (rows*H, ncols*W) array, blank cells padded with 0."""
    imgs = _image_stack(images)
    ncols = check_positive_int(ncols, "ncols")
    n, h, w = imgs.shape
    nrows = -(-n // ncols)
    canvas = np.zeros((nrows * h, ncols * w), dtype=imgs.dtype)
    for i, img in enumerate(imgs):
        r, c = divmod(i, ncols)
        canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    return canvas


def plot_image_grid(images, ncols: int = 8, titles=None, title: str | None = None, cell_size: float = 1.0):
    """A grid of images, optionally with a small title above each (e.g. its label)."""
    imgs = _image_stack(images, pixel_range=True)
    ncols = min(check_positive_int(ncols, "ncols"), len(imgs))
    nrows = -(-len(imgs) // ncols)
    check_positive_float(cell_size, "cell_size")
    if titles is not None:
        if isinstance(titles, (str, bytes)) or not hasattr(titles, "__len__"):
            raise TypeError(f"titles must be a list with one entry per image, got {type(titles).__name__}")
        if len(titles) != len(imgs):
            raise ValueError(f"titles must have one entry per image ({len(imgs)}), got {len(titles)}")
    # Constrained layout keeps the per-image titles of one row clear of the images above them
    # and the figure title clear of the first row (tight_layout let them overlap).
    row_height = cell_size + (0.25 if titles is not None else 0.0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_size * ncols, row_height * nrows + (0.4 if title else 0)),
                             squeeze=False, layout="constrained")
    for i, ax in enumerate(axes.flat):
        _hide_ticks(ax)
        if i < len(imgs):
            ax.imshow(imgs[i], cmap="gray_r", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
        else:
            ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def plot_reconstructions(originals, reconstructions, n: int = 10, title: str = "Originals (top) and reconstructions (bottom)"):
    """Originals in the top row, their reconstructions below."""
    a = _image_stack(originals, "originals", pixel_range=True)
    b = _image_stack(reconstructions, "reconstructions", pixel_range=True)
    if a.shape != b.shape:
        raise ValueError(f"originals and reconstructions must have the same shape, got {a.shape} and {b.shape}")
    n = min(check_positive_int(n, "n"), len(a))
    fig, axes = plt.subplots(2, n, figsize=(1.0 * n, 2.4), squeeze=False)
    for i in range(n):
        for row, imgs in enumerate((a, b)):
            axes[row, i].imshow(imgs[i], cmap="gray_r", vmin=0, vmax=1)
            _hide_ticks(axes[row, i])
    axes[0, 0].set_ylabel("original")
    axes[1, 0].set_ylabel("reconstr.")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_latent_scatter(z, labels, class_names=None, title: str = "Latent codes of test images", ax=None,
                        point_size: float = 6.0):
    """2-D latent codes as a scatter plot coloured by label, with a legend."""
    arr = as_array(z, "z")
    if arr.ndim == 2 and arr.shape[1] != 2:
        raise ValueError(f"plot_latent_scatter needs 2-D codes of shape (N, 2), got {arr.shape}: train a model "
                         f"with latent_dim=2, or project the codes to two dimensions first (e.g. PCA)")
    z = check_latent(arr, 2)
    _check_ax(ax)
    check_positive_float(point_size, "point_size")
    labels = _class_labels(labels, len(z))
    classes = np.unique(labels)
    if class_names is None:
        class_names = [str(c) for c in range(int(classes.max()) + 1)]
    _check_names(class_names, int(classes.max()) + 1, "class_names")
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
    for c in classes:
        sel = labels == c
        ax.scatter(z[sel, 0], z[sel, 1], s=point_size, color=CLASS_COLORS[int(c) % 10],
                   marker=CLASS_MARKERS[int(c) % 10], label=class_names[int(c)], alpha=0.6, linewidths=0.3)
    for c in classes:  # each class's label at the median of its codes, readable without colour
        median = np.median(z[labels == c], axis=0)
        ax.text(median[0], median[1], class_names[int(c)], ha="center", va="center", fontsize=10,
                fontweight="bold", color="black",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=CLASS_COLORS[int(c) % 10], alpha=0.85))
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    ax.legend(markerscale=4, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), title="label")
    fig = fig or ax.figure
    fig.tight_layout()
    return fig


def latent_grid(n: int = 20, extent: float | None = None) -> np.ndarray:
    """An n x n grid of 2-D latent points, row-major with z_2 decreasing down the rows.

    By default the points sit at Gaussian quantiles (0.05 ... 0.95), so equal areas of the
    standard-normal prior get equal numbers of cells; ``extent`` gives a linear grid in
    [-extent, extent] instead.
    """
    n = check_positive_int(n, "n", minimum=2)
    if extent is not None:
        extent = check_positive_float(extent, "extent")
    if extent is None:
        axis = np.array([NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)])
    else:
        axis = np.linspace(-extent, extent, n)
    z1, z2 = np.meshgrid(axis, axis[::-1])
    return np.stack([z1.ravel(), z2.ravel()], axis=1).astype("float32")


def _check_class(model, value, what="label"):
    """One integer class label of a conditional model, in [0, num_classes)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be one integer class label, got {type(value).__name__} {value!r}")
    num_classes = getattr(model, "num_classes", None)
    if num_classes is not None and not 0 <= value < num_classes:
        raise ValueError(f"{what} must be a class label in [0, {num_classes}), got {value}")
    return int(value)


def _decode(model, z, label):
    label = _check_class(model, label)
    if getattr(model, "conditional", False):
        if label is None:
            raise ValueError(f"{type(model).__name__} is conditional: pass the label to decode with")
        return model.decode(z, np.full(len(z), label, dtype="int32"))
    if label is not None:
        raise ValueError(f"{type(model).__name__} is not conditional: label must be None")
    return model.decode(z)


def plot_latent_manifold(model, n: int = 20, label: int | None = None, extent: float | None = None,
                         title: str | None = None, ax=None):
    """Decode an n x n grid over the 2-D latent plane (Gaussian quantiles by default) into one image."""
    _require_2d(model, "plot_latent_manifold")
    _check_ax(ax)
    z = latent_grid(n, extent)
    canvas = tile(_decode(model, z, label), n)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1)
    _hide_ticks(ax)
    ax.set_xlabel("$z_1$ →")
    ax.set_ylabel("$z_2$ →")
    ax.set_title(title or ("Decoded latent grid" + (f" (label {label})" if label is not None else "")))
    return fig or ax.figure


def plot_interpolation(model, z_start, z_end, steps: int = 10, label=None, label_end=None,
                       title: str = "Interpolation in latent space"):
    """Decode points on the straight line from z_start to z_end (one strip).

    For a CVAE, ``label`` fixes the condition; with ``label_end`` too, the second half of
    the strip is decoded with ``label_end`` (labels are discrete, so they switch, not blend).
    """
    _require_model(model, "plot_interpolation")
    steps = check_positive_int(steps, "steps", minimum=2)
    latent_dim = model.latent_dim
    a = check_latent(np.reshape(as_array(z_start, "z_start"), (1, -1)), latent_dim, "z_start")
    b = check_latent(np.reshape(as_array(z_end, "z_end"), (1, -1)), latent_dim, "z_end")
    t = np.linspace(0.0, 1.0, steps)[:, None].astype("float32")
    z = (1 - t) * a + t * b
    if getattr(model, "conditional", False):
        if label is None:
            raise ValueError(f"{type(model).__name__} is conditional: pass label (and optionally label_end)")
        label, label_end = _check_class(model, label), _check_class(model, label_end, "label_end")
        labels = np.full(steps, label, dtype="int64")
        if label_end is not None:
            labels[steps // 2:] = label_end
        images = model.decode(z, labels)
    else:
        if label_end is not None:
            raise ValueError(f"{type(model).__name__} is not conditional: label_end must be None")
        images = _decode(model, z, label)
    fig, axes = plt.subplots(1, steps, figsize=(1.0 * steps, 1.5), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.imshow(images[i, ..., 0], cmap="gray_r", vmin=0, vmax=1)
        _hide_ticks(ax)
    axes[0, 0].set_xlabel("start")
    axes[0, -1].set_xlabel("end")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_conditional_grid(model, num_samples: int = 10, z=None, class_names=None, seed: int | None = 0,
                          title: str = "One row per label, one column per latent sample"):
    """CVAE samples: row i decodes the same column-wise z's with label i.

    Every column shares its z, so a column shows one "style" drawn as every class.
    """
    _require_model(model, "plot_conditional_grid")
    if not getattr(model, "conditional", False):
        raise ValueError(f"plot_conditional_grid needs a conditional model (CVAE), got {type(model).__name__}")
    num_classes = model.num_classes
    if class_names is not None:
        _check_names(class_names, num_classes, "class_names")
    if z is None:
        num_samples = check_positive_int(num_samples, "num_samples")
        z = np.random.default_rng(seed).standard_normal((num_samples, model.latent_dim)).astype("float32")
    z = check_latent(z, model.latent_dim)
    k = len(z)
    labels = np.repeat(np.arange(num_classes), k)
    images = model.decode(np.tile(z, (num_classes, 1)), labels)
    names = class_names or [str(c) for c in range(num_classes)]
    fig, axes = plt.subplots(num_classes, k, figsize=(0.9 * k + 0.8, 0.9 * num_classes + 0.5), squeeze=False)
    for r in range(num_classes):
        for c in range(k):
            axes[r, c].imshow(images[r * k + c, ..., 0], cmap="gray_r", vmin=0, vmax=1)
            _hide_ticks(axes[r, c])
        axes[r, 0].set_ylabel(names[r], rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_training_curves(history, title: str = "Training curves", conditional: bool | None = None):
    """Reconstruction and KL side by side (train and, if present, validation), per epoch.

    Accepts a keras History or its ``.history`` dict. A model without KL (autoencoder) gets one panel.
    ``conditional`` writes the panel titles for a CVAE (p(x|z,y), q(z|x,y)); by default it is read
    from the History's model.
    """
    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        raise TypeError(f"history must be a keras History or its .history dict, got {type(history).__name__}")
    if not hist or not any(len(v) for v in hist.values()):
        raise ValueError("history is empty: it records no epoch (did the model train?)")
    panels = [k for k in ("reconstruction_loss", "kl_loss") if k in hist] or ["loss"]
    if panels[0] not in hist:
        raise ValueError(f"history has none of reconstruction_loss, kl_loss or loss; keys: {sorted(hist)}")
    if conditional is None:
        conditional = bool(getattr(getattr(history, "model", None), "conditional", False))
    elif not isinstance(conditional, bool):
        raise TypeError(f"conditional must be True, False or None, got {conditional!r}")
    given = "x,y" if conditional else "x"
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.8), squeeze=False)
    nice = {"reconstruction_loss": f"Reconstruction (−log p(x|z{',y' if conditional else ''}))",
            "kl_loss": f"KL(q(z|{given}) ‖ p(z))", "loss": "Loss"}
    for ax, key in zip(axes[0], panels):
        epochs = np.arange(1, len(hist[key]) + 1)
        ax.plot(epochs, hist[key], marker="o", ms=3, label="train")
        if "val_" + key in hist:
            ax.plot(epochs, hist["val_" + key], marker="o", ms=3, label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
        ax.set_title(nice[key])
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig
