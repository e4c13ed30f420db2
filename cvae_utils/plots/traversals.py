"""Latent traversals: decode one code while a single latent dimension moves (chapter 11, "What the
latent code means").

:func:`plot_latent_traversal` draws one row per traversed dimension (and per label, for a CVAE): the
code ``z`` with ``z[dim] + offset`` in column ``dim`` and every other coordinate unchanged, decoded for
each offset. The codes come from :func:`~cvae_utils.evaluate.traversals.traversal_codes`, the images from
:func:`~cvae_utils.evaluate.traversals.latent_traversal`, and the grid from :func:`~cvae_utils.plots.images.plot_image_grid`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_positive_float
from ..evaluate.traversals import latent_traversal
from .images import plot_image_grid

__all__ = ["plot_latent_traversal"]


def _labels_of(label):
    """None, or the list of labels to draw rows for (an int gives one)."""
    if label is None:
        return None
    if isinstance(label, (int, np.integer)) and not isinstance(
        label, (bool, np.bool_)
    ):
        return [int(label)]
    if (
        isinstance(label, (str, bytes, bool, np.bool_))
        or not hasattr(label, "__len__")
        or len(label) == 0
    ):
        raise TypeError(
            f"label must be an integer class or a non-empty list of them, got {label!r}"
        )
    return [
        int(y)
        if isinstance(y, (int, np.integer))
        and not isinstance(y, (bool, np.bool_))
        else y
        for y in label
    ]


def plot_latent_traversal(
    model,
    z,
    dims,
    offsets,
    label=None,
    row_labels=None,
    title: str | None = "Latent traversal: one dimension moves per row",
    cell_size: float = 0.7,
):
    """Draw latent traversals of the code ``z`` (shape (latent_dim,)), one row per dimension in ``dims``
    (chapter 11, "What the latent code means").

    Column k decodes ``z`` with ``offsets[k]`` added to the row's dimension (counted from 0) and every other
    coordinate unchanged; the column titles show the offsets. For a CVAE pass ``label``: one integer class,
    or a list of them for one row per (dimension, label) pair, dimension by dimension — the same style drawn
    as several digits. ``row_labels`` replaces the default "z[dim]" (", label y") row labels. Returns the
    Figure (``fig.axes`` row-major, one image each).
    """
    check_positive_float(cell_size, "cell_size")
    labels = _labels_of(label)
    dims_list = (
        [dims]
        if isinstance(dims, (int, np.integer))
        and not isinstance(dims, (bool, np.bool_))
        else dims
    )
    if labels is None:
        images = latent_traversal(
            model, z, dims_list, offsets
        )  # validates model, z, dims and offsets
        default_labels = [f"z[{d}]" for d in dims_list]
    else:
        per_label = [
            latent_traversal(model, z, dims_list, offsets, label=y)
            for y in labels
        ]
        images = np.stack(per_label, axis=1).reshape(
            -1, *per_label[0].shape[1:]
        )  # (dim, label) rows
        default_labels = [
            f"z[{d}], label {y}" for d in dims_list for y in labels
        ]
    images = images.reshape(-1, *images.shape[-3:])
    ncols = len(np.asarray(offsets))
    col_titles = [
        f"{float(t):+.3g}" for t in np.asarray(offsets, dtype="float64")
    ]
    return plot_image_grid(
        images,
        ncols=ncols,
        title=title,
        cell_size=cell_size,
        row_labels=default_labels if row_labels is None else row_labels,
        col_titles=col_titles,
    )
