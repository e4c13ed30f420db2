"""Images: digit grids, reconstructions, labelled rows and completions.

One routine draws every grid of images, :func:`plot_image_grid`; the other functions arrange
their images and call it. Digits are drawn dark on light (``gray_r``) on the [0, 1] scale, without ticks.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .._validation import (
    check_image_stack,
    check_images,
    check_list,
    check_positive_float,
    check_positive_int,
)
from .style import COLUMN_WIDTH, MIN_FONT_SIZE

__all__ = [
    "plot_completions",
    "plot_image_grid",
    "plot_image_rows",
    "plot_reconstructions",
    "tile",
]


def _check_ax(ax):
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes (e.g. from plt.subplots()), got {type(ax).__name__}"
        )


def _hide_ticks(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def tile(images, ncols: int) -> np.ndarray:
    """Tile (N, H, W[, 1]) images into one (rows*H, ncols*W) array, blank cells padded with 0.

    Introduced in chapter 03, *Autoencoders*.
    """
    imgs = check_image_stack(images)
    ncols = check_positive_int(ncols, "ncols")
    n, h, w = imgs.shape
    nrows = -(-n // ncols)
    canvas = np.zeros((nrows * h, ncols * w), dtype=imgs.dtype)
    for i, img in enumerate(imgs):
        r, c = divmod(i, ncols)
        canvas[r * h : (r + 1) * h, c * w : (c + 1) * w] = img
    return canvas


def _check_labels_per(labels, count: int, what: str):
    if labels is None:
        return None
    noun = what.split("_")[0]
    check_list(
        labels,
        count,
        f"{what} must be a list with one entry per {noun}, got {{}}",
        f"{what} must have one entry per {noun} ({count}), got {{}}",
    )
    return [str(t) for t in labels]


def plot_image_grid(
    images,
    ncols: int = 8,
    titles=None,
    title: str | None = None,
    cell_size: float = 1.0,
    row_labels=None,
    col_titles=None,
):
    """A grid of images in [0, 1], filled row by row; every image figure of the book is drawn by it.

    ``titles`` puts a small title above each image (e.g. its label), ``row_labels`` a label left of
    each row and ``col_titles`` a title above each column. Returns the Figure, whose axes
    (``fig.axes``, row-major) hold one image each.

    Introduced in chapter 00, *Setting up*.
    """
    imgs = check_image_stack(images, pixel_range=True)
    ncols = min(check_positive_int(ncols, "ncols"), len(imgs))
    nrows = -(-len(imgs) // ncols)
    check_positive_float(cell_size, "cell_size")
    if titles is not None:
        check_list(
            titles,
            len(imgs),
            "titles must be a list with one entry per image, got {}",
            f"titles must have one entry per image ({len(imgs)}), got {{}}",
        )
    row_labels = _check_labels_per(row_labels, nrows, "row_labels")
    col_titles = _check_labels_per(col_titles, ncols, "col_titles")
    # Constrained layout keeps the per-image titles of one row clear of the images above them
    # and the figure title clear of the first row (tight_layout let them overlap).
    # A grid wider than the page's text column is drawn smaller, not shown shrunk: its
    # titles keep their size on the page.
    labels_width = 0.9 if row_labels else 0.0
    cell_size = min(cell_size, (COLUMN_WIDTH - labels_width) / ncols)
    row_height = cell_size + (0.3 if titles is not None else 0.0)
    width = cell_size * ncols + labels_width
    height = (
        row_height * nrows
        + (0.4 if title else 0)
        + (0.25 if col_titles else 0)
    )
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width, height),
        squeeze=False,
        layout="constrained",
    )
    for i, ax in enumerate(axes.flat):
        _hide_ticks(ax)
        if i < len(imgs):
            ax.imshow(imgs[i], cmap="gray_r", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=MIN_FONT_SIZE)
        else:
            ax.axis("off")
    for r, label in enumerate(row_labels or ()):
        axes[r, 0].set_ylabel(
            label, rotation=0, ha="right", va="center", fontsize=MIN_FONT_SIZE
        )
    for c, col_title in enumerate(col_titles or ()):
        axes[0, c].set_title(col_title, fontsize=MIN_FONT_SIZE)
    if title:
        fig.suptitle(title)
    return fig


def plot_image_rows(
    rows, row_labels, title: str | None = None, cell_size: float = 0.9
):
    """One row of images per entry of ``rows`` (each (n, H, W[, 1]) in [0, 1]), labelled on the left.

    All rows must hold the same number of images. Returns the Figure.

    Introduced in chapter 08, *The KL weight and posterior collapse*.
    """
    if isinstance(rows, np.ndarray) and rows.ndim >= 3:
        rows = list(rows)
    if not isinstance(rows, (list, tuple)) or not rows:
        raise TypeError(
            "rows must be a non-empty list of image batches, one per row"
        )
    stacks = [
        check_image_stack(images, f"rows[{i}]", pixel_range=True)
        for i, images in enumerate(rows)
    ]
    n = len(stacks[0])
    if any(len(s) != n or s.shape[1:] != stacks[0].shape[1:] for s in stacks):
        raise ValueError(
            f"every row must hold the same number of images of one size; got "
            f"{[s.shape for s in stacks]}"
        )
    row_labels = _check_labels_per(row_labels, len(stacks), "row_labels")
    return plot_image_grid(
        np.concatenate(stacks),
        ncols=n,
        title=title,
        cell_size=cell_size,
        row_labels=row_labels,
    )


def plot_reconstructions(
    originals,
    reconstructions,
    n: int = 10,
    title: str = "Originals (top) and reconstructions (bottom)",
):
    """Originals in the top row, their reconstructions below.

    Introduced in chapter 03, *Autoencoders*.
    """
    a = check_image_stack(originals, "originals", pixel_range=True)
    b = check_image_stack(reconstructions, "reconstructions", pixel_range=True)
    if a.shape != b.shape:
        raise ValueError(
            f"originals and reconstructions must have the same shape, got {a.shape} and {b.shape}"
        )
    n = min(check_positive_int(n, "n"), len(a))
    return plot_image_rows(
        [a[:n], b[:n]], ["original", "reconstr."], title=title, cell_size=1.0
    )


def plot_completions(
    images,
    baseline,
    cvae,
    n: int = 6,
    num_samples: int = 6,
    seed: int | None = 0,
    name: str = "CVAE",
):
    """One row per test image: the input (hidden quadrants grey), the baseline's single prediction,
    ``num_samples`` completions sampled from the CVAE (columns titled ``name``), and the true digit.
    Returns the figure.

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """
    from ..data import quadrant_mask
    from ..models import QuadrantBaseline, QuadrantCVAE

    if not isinstance(baseline, QuadrantBaseline) or not isinstance(
        cvae, QuadrantCVAE
    ):
        raise TypeError(
            f"plot_completions(images, baseline, cvae) needs a QuadrantBaseline and a QuadrantCVAE, "
            f"got {type(baseline).__name__} and {type(cvae).__name__}"
        )
    if baseline.num_given != cvae.num_given:
        raise ValueError(
            f"baseline sees {baseline.num_given} quadrant(s) but cvae sees {cvae.num_given}"
        )
    n, num_samples = (
        check_positive_int(n, "n"),
        check_positive_int(num_samples, "num_samples"),
    )
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    images = check_images(images, "images")[:n]
    n = len(images)
    observed = quadrant_mask(cvae.num_given)
    shown_input = np.where(observed[None, :, :, None], images, 0.5)
    samples = cvae.complete(
        images, num_samples, seed=seed
    )  # (n, num_samples, 28, 28, 1)
    grid = np.concatenate(
        [
            shown_input[:, None],
            baseline.complete(images)[:, None],
            samples,
            images[:, None],
        ],
        axis=1,
    )
    titles = (
        ["input", "NN"]
        + [f"{name} {i + 1}" for i in range(num_samples)]
        + ["truth"]
    )
    given = (
        f"{cvae.num_given} quadrant{'s' if cvae.num_given > 1 else ''} given"
    )
    fig = plot_image_grid(
        grid.reshape(-1, *grid.shape[2:]),
        ncols=len(titles),
        col_titles=titles,
        cell_size=1.1,
        title=f"{given}: the NN's one guess vs. samples from the {name}",
    )
    boundary = _boundary_segments(observed)
    for i, ax in enumerate(fig.axes):
        if (
            0 < i % len(titles) < len(titles) - 1
        ):  # mark where the observed part ends
            for xs, ys in boundary:
                ax.plot(xs, ys, color="#D55E00", lw=0.8)
    return fig


def _boundary_segments(observed):
    """Line segments (xs, ys) in pixel coordinates between observed and hidden quadrants."""
    segments = []
    for start in (0, 14):
        if (
            observed[13, start] != observed[14, start]
        ):  # horizontal border at y = 13.5
            segments.append(((start - 0.5, start + 13.5), (13.5, 13.5)))
        if (
            observed[start, 13] != observed[start, 14]
        ):  # vertical border at x = 13.5
            segments.append(((13.5, 13.5), (start - 0.5, start + 13.5)))
    return segments
