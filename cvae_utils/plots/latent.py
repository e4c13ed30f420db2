"""The latent space: scatter plots of codes, decoded grids (manifolds), interpolations, and the
CVAE's grid of one style per column drawn as every class."""

from __future__ import annotations

from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np

from .._validation import (
    as_array,
    check_class,
    check_class_labels,
    check_course_model,
    check_latent,
    check_names,
    check_positive_float,
    check_positive_int,
)
from ..models.core import decode_latent
from .images import _check_ax, _hide_ticks, plot_image_grid, tile
from .style import COLUMN_WIDTH, MIN_FONT_SIZE

__all__ = [
    "CLASS_COLORS",
    "latent_grid",
    "plot_aggregate_posterior",
    "plot_conditional_grid",
    "plot_interpolation",
    "plot_latent_manifold",
    "plot_latent_scatter",
]


#: Ten class colours that stay distinct with the common colour-vision deficiencies, the eight of
#: Okabe & Ito (2008) and two of Paul Tol's, with no red/green pair among neighbours. Latent scatter
#: plots and the latent explorer use them; scatter plots also give each class its own marker and
#: write its label at its median, so they read without colour at all.
CLASS_COLORS = (
    "#0072B2",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#000000",
    "#D55E00",
    "#CC79A7",
    "#882255",
    "#999999",
)


CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _require_2d(model, what):
    _require_model(model, what)
    if getattr(model, "latent_dim", None) != 2:
        raise ValueError(
            f"{what} needs a model with latent_dim == 2, got latent_dim="
            f"{getattr(model, 'latent_dim', None)}; use a 2-D model or project the codes first"
        )


def _require_model(model, what) -> bool:
    """Whether the course model is conditional (TypeError naming ``what`` for anything else)."""
    return check_course_model(model, what)


def plot_latent_scatter(
    z,
    labels,
    class_names=None,
    title: str = "Latent codes of test images",
    ax=None,
    point_size: float = 6.0,
):
    """2-D latent codes as a scatter plot coloured by label, with a legend.

    Introduced in chapter 03, *Autoencoders*.
    """
    arr = as_array(z, "z")
    if arr.ndim == 2 and arr.shape[1] != 2:
        raise ValueError(
            f"plot_latent_scatter needs 2-D codes of shape (N, 2), got {arr.shape}: train a model "
            f"with latent_dim=2, or project the codes to two dimensions first (e.g. PCA)"
        )
    z = check_latent(arr, 2)
    _check_ax(ax)
    check_positive_float(point_size, "point_size")
    labels = check_class_labels(labels, len(z))
    classes = np.unique(labels)
    if class_names is None:
        class_names = [str(c) for c in range(int(classes.max()) + 1)]
    check_names(class_names, int(classes.max()) + 1, "class_names")
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH - 1.2, 5.2))
    for c in classes:
        sel = labels == c
        ax.scatter(
            z[sel, 0],
            z[sel, 1],
            s=point_size,
            color=CLASS_COLORS[int(c) % 10],
            marker=CLASS_MARKERS[int(c) % 10],
            label=class_names[int(c)],
            alpha=0.6,
            linewidths=0.3,
        )
    for c in classes:  # each class's label at the median of its codes, readable without colour
        median = np.median(z[labels == c], axis=0)
        ax.text(
            median[0],
            median[1],
            class_names[int(c)],
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="black",
            bbox=dict(
                boxstyle="round,pad=0.15",
                fc="white",
                ec=CLASS_COLORS[int(c) % 10],
                alpha=0.85,
            ),
        )
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    ax.legend(
        markerscale=4,
        fontsize=MIN_FONT_SIZE,
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        title="label",
    )
    if fig is None:  # the caller's axes: the caller's figure, and its layout
        return ax.figure
    fig.tight_layout()
    return fig


def latent_grid(n: int = 20, extent: float | None = None) -> np.ndarray:
    """An n x n grid of 2-D latent points, row-major with z_2 decreasing down the rows.

    By default the points sit at Gaussian quantiles (0.05 ... 0.95), so equal areas of the
    standard-normal prior get equal numbers of cells; ``extent`` gives a linear grid in
    [-extent, extent] instead.

    Introduced in chapter 03, *Autoencoders*.
    """
    n = check_positive_int(n, "n", minimum=2)
    if extent is not None:
        extent = check_positive_float(extent, "extent")
    if extent is None:
        axis = np.array(
            [NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)]
        )
    else:
        axis = np.linspace(-extent, extent, n)
    z1, z2 = np.meshgrid(axis, axis[::-1])
    return np.stack([z1.ravel(), z2.ravel()], axis=1).astype("float32")


def plot_latent_manifold(
    model,
    n: int = 20,
    label: int | None = None,
    extent: float | None = None,
    title: str | None = None,
    ax=None,
):
    """Decode an n x n grid over the 2-D latent plane (Gaussian quantiles by default) into one image.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    _require_2d(model, "plot_latent_manifold")
    _check_ax(ax)
    if np.ndim(label) != 0:  # the labels' values are checked by decode_latent
        raise TypeError(
            f"label must be one integer class label for the whole grid, got {label!r}"
        )
    z = latent_grid(n, extent)
    canvas = tile(decode_latent(model, z, label), n)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1)
    _hide_ticks(ax)
    ax.set_xlabel("$z_1$ →")
    ax.set_ylabel("$z_2$ →")
    ax.set_title(
        title
        or (
            "Decoded latent grid"
            + (f" (label {label})" if label is not None else "")
        )
    )
    return fig or ax.figure


def plot_interpolation(
    model,
    z_start,
    z_end,
    steps: int = 10,
    label=None,
    label_end=None,
    title: str = "Interpolation in latent space",
):
    """Decode points on the straight line from z_start to z_end (one strip).

    For a CVAE, ``label`` fixes the condition; with ``label_end`` too, the second half of
    the strip is decoded with ``label_end`` (labels are discrete, so they switch, not blend).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    conditional = _require_model(model, "plot_interpolation")
    steps = check_positive_int(steps, "steps", minimum=2)
    latent_dim = model.latent_dim
    a = check_latent(
        np.reshape(as_array(z_start, "z_start"), (1, -1)),
        latent_dim,
        "z_start",
    )
    b = check_latent(
        np.reshape(as_array(z_end, "z_end"), (1, -1)), latent_dim, "z_end"
    )
    t = np.linspace(0.0, 1.0, steps)[:, None].astype("float32")
    z = (1 - t) * a + t * b
    if label_end is not None:
        num_classes = getattr(model, "num_classes", None)
        label, label_end = (
            check_class(label, num_classes),
            check_class(label_end, num_classes, "label_end"),
        )
        if not conditional:
            raise ValueError(
                f"{type(model).__name__} is not conditional: label_end must be None"
            )
        if label is None:
            raise ValueError(
                "label_end needs label: the strip switches from label to label_end halfway"
            )
        label = np.where(np.arange(steps) < steps // 2, label, label_end)
    images = decode_latent(model, z, label)
    return plot_image_grid(
        images,
        ncols=steps,
        title=title,
        col_titles=["start"] + [""] * (steps - 2) + ["end"],
    )


def plot_conditional_grid(
    model,
    num_samples: int = 10,
    z=None,
    class_names=None,
    seed: int | None = 0,
    title: str = "One row per label, one column per latent sample",
):
    """CVAE samples: row i decodes the same column-wise z's with label i.

    Every column shares its z, so a column shows one "style" drawn as every class.

    Introduced in chapter 05, *Conditional variational autoencoders*.
    """
    if not _require_model(model, "plot_conditional_grid"):
        raise ValueError(
            f"plot_conditional_grid needs a conditional model (CVAE), got {type(model).__name__}"
        )
    num_classes = model.num_classes
    if class_names is not None:
        check_names(class_names, num_classes, "class_names")
    if z is None:
        num_samples = check_positive_int(num_samples, "num_samples")
        z = (
            np.random.default_rng(seed)
            .standard_normal((num_samples, model.latent_dim))
            .astype("float32")
        )
    z = check_latent(z, model.latent_dim)
    k = len(z)
    labels = np.repeat(np.arange(num_classes), k)
    images = model.decode(np.tile(z, (num_classes, 1)), labels)
    names = class_names or [str(c) for c in range(num_classes)]
    return plot_image_grid(
        images, ncols=k, title=title, cell_size=0.9, row_labels=names
    )


def plot_aggregate_posterior(codes, log10_ratio, extent: float):
    """The aggregate posterior q(z) of a 2-D VAE against its prior N(0, I), in two panels.

    Left, ``codes`` (shape (N, 2): one code drawn from each training image's q(z|x)) over the
    prior's circles of radius 1, 2 and 3; right, ``log10_ratio``, log10 q(z)/p(z) on a
    square grid over [-extent, extent]² (shape (n, n), rows along z_2 from the bottom),
    clipped to ±2 - orange where the codes are rarer than the prior - with a dashed line
    where they are ten times rarer: the prior's holes. Returns the Figure.

    Introduced in chapter 04, *The variational autoencoder*.
    """
    codes = check_latent(codes, 2, "codes")
    ratio = as_array(log10_ratio, "log10_ratio").astype("float64")
    if (
        ratio.ndim != 2
        or ratio.shape[0] != ratio.shape[1]
        or ratio.shape[0] < 2
    ):
        raise ValueError(
            f"log10_ratio must be a square grid of shape (n, n) with n >= 2, got {ratio.shape}"
        )
    if not np.all(np.isfinite(ratio)):
        raise ValueError("log10_ratio contains NaN or infinite values")
    extent = check_positive_float(extent, "extent")
    axis = np.linspace(-extent, extent, len(ratio))
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(COLUMN_WIDTH, 4.3), layout="constrained"
    )
    left.scatter(
        codes[:, 0],
        codes[:, 1],
        s=2,
        alpha=0.3,
        color="#0072B2",
        label="z ~ q(z | x), one per training image",
    )
    for radius in (1, 2, 3):  # the prior's density contours are circles
        left.add_patch(
            plt.Circle(
                (0, 0), radius, fill=False, color="black", ls="--", lw=1
            )
        )
    left.plot(
        [],
        [],
        color="black",
        ls="--",
        lw=1,
        label="prior N(0, I): radius 1, 2, 3",
    )
    left.set_title("Samples of q(z) over the prior")
    image = right.imshow(
        np.clip(ratio, -2, 2),
        origin="lower",
        extent=(-extent, extent, -extent, extent),
        cmap="PuOr",
        vmin=-2,
        vmax=2,
    )
    right.contour(axis, axis, ratio, levels=[-1], colors="black", linewidths=1)
    fig.colorbar(
        image, ax=right, shrink=0.8, label="log10 q(z)/p(z), clipped to ±2"
    )
    right.set_title("q(z) against p(z)\n(dashed: 10 times rarer)")
    for ax in (left, right):
        ax.set(
            xlabel="$z_1$",
            ylabel="$z_2$",
            xlim=(-extent, extent),
            ylim=(-extent, extent),
            aspect="equal",
        )
    left.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, markerscale=4
    )
    return fig
