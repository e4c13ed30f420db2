"""What a latent dimension controls: traversals and image statistics (chapter 11, "What the latent
code means"), and the share of mid-grey pixels that binarisation loses (chapter 09)."""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import (
    as_array,
    check_bool,
    check_course_model,
    check_image_stack,
    check_labels,
    check_unit_float,
)
from ..models.core import decode_latent

__all__ = [
    "IMAGE_STATISTICS",
    "image_statistics",
    "latent_traversal",
    "mid_grey_fraction",
    "traversal_codes",
    "traversal_effects",
    "traversal_slopes",
]


#: The image statistics of :func:`image_statistics`, in the order of the columns of :func:`traversal_effects`.
IMAGE_STATISTICS = ("ink", "slant", "width")


def _traversal_offsets(offsets, minimum: int = 1) -> np.ndarray:
    arr = as_array(offsets, "offsets")
    if arr.ndim != 1 or arr.shape[0] < minimum:
        raise ValueError(
            f"offsets must be a 1-D array of at least {minimum} number(s) (the steps added to the "
            f"traversed coordinate, e.g. np.linspace(-2, 2, 9)), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("offsets contains NaN or infinite values")
    if minimum > 1 and np.ptp(arr) == 0:
        raise ValueError(
            "offsets must hold at least two different values to measure a change"
        )
    return arr.astype("float32")


def _latent_dimension(dim, latent_dim: int, name: str = "dim") -> int:
    if isinstance(dim, (bool, np.bool_)) or not isinstance(
        dim, (int, np.integer)
    ):
        raise TypeError(
            f"{name} must be an integer index of a latent dimension, got {type(dim).__name__} {dim!r}"
        )
    if not 0 <= dim < latent_dim:
        raise ValueError(
            f"{name} must lie in [0, {latent_dim}) (dimensions are counted from 0, as columns of "
            f"z_mean), got {dim}"
        )
    return int(dim)


def _latent_dimensions(dims, latent_dim: int) -> list[int]:
    if dims is None:
        return list(range(latent_dim))
    if isinstance(dims, (int, np.integer)) and not isinstance(
        dims, (bool, np.bool_)
    ):
        dims = [dims]
    if (
        isinstance(dims, (str, bytes))
        or not hasattr(dims, "__len__")
        or len(dims) == 0
    ):
        raise TypeError(
            f"dims must be a latent dimension index or a non-empty list of them, got {dims!r}"
        )
    return [
        _latent_dimension(d, latent_dim, f"dims[{i}]")
        for i, d in enumerate(dims)
    ]


def traversal_codes(z, dim: int, offsets) -> np.ndarray:
    """Latent codes that move one coordinate of ``z`` and keep the others (chapter 11, "What the latent
    code means").

    ``z`` is one code of shape (d,) (e.g. an image's posterior mean); row k of the result, shape
    (len(offsets), d), is ``z`` with ``z[dim] + offsets[k]`` in column ``dim`` (counted from 0). The
    input is not modified. A latent traversal decodes these codes.
    """
    arr = as_array(z, "z")
    if arr.ndim == 2 and arr.shape[0] == 1:
        raise ValueError(
            f"z must be one code of shape (d,), got shape {arr.shape}: pass z[0]"
        )
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(
            f"z must be one code of shape (d,), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("z contains NaN or infinite values")
    dim = _latent_dimension(dim, arr.shape[0])
    offsets = _traversal_offsets(offsets)
    codes = np.repeat(
        arr.astype("float32")[None, :], len(offsets), axis=0
    )  # a copy: z stays as it was
    codes[:, dim] += offsets
    return codes


def latent_traversal(model, z, dims, offsets, label=None) -> np.ndarray:
    """Decode traversals of ``z``: images of shape (len(dims), len(offsets), 28, 28, 1) (chapter 11,
    "What the latent code means").

    Row i holds ``model.decode(traversal_codes(z, dims[i], offsets))``: dimension ``dims[i]`` moves by each
    offset while the others keep their values in ``z``. A CVAE needs the integer ``label`` to draw.
    """
    check_course_model(model, "latent_traversal")
    arr = as_array(z, "z")
    if arr.ndim != 1 or arr.shape[0] != model.latent_dim:
        raise ValueError(
            f"z must be one code of shape ({model.latent_dim},) for this model, got shape {arr.shape}"
            + (": pass z[0]" if arr.ndim == 2 and arr.shape[0] == 1 else "")
        )
    dims = _latent_dimensions(dims, model.latent_dim)
    offsets = _traversal_offsets(offsets)
    if np.ndim(label) != 0:
        raise TypeError(
            f"label must be one integer class for the whole traversal, got {label!r}"
        )
    codes = np.concatenate([traversal_codes(arr, d, offsets) for d in dims])
    images = decode_latent(model, codes, label)
    return images.reshape(len(dims), len(offsets), *images.shape[1:])


def image_statistics(images) -> dict:
    """Ink, slant and width of each image, from its pixel intensities (chapter 11, "What the latent code
    means").

    ``images`` (N, H, W) or (N, H, W, 1) in [0, 1], binary or grey (e.g. decoded pixel probabilities).
    With intensity w at row r (counted downwards) and column c, the ink's total m = sum w and its
    centroid (r0, c0), the statistics are, per image:

    - ``ink``: the mean intensity m / (H * W);
    - ``width``: the standard deviation of the ink's column, sqrt(sum w (c - c0)^2 / m), in pixels;
    - ``slant``: -sum w (r - r0)(c - c0) / sum w (r - r0)^2, the columns the ink moves to the right per row
      upwards: 0 for an upright digit, positive for one leaning right.

    Returns a dict of float64 arrays of shape (N,) keyed by :data:`IMAGE_STATISTICS`; an image without
    ink has NaN width and slant.
    """
    imgs = check_image_stack(images, "images", pixel_range=True).astype(
        "float64"
    )
    _, h, w = imgs.shape
    rows, cols = np.arange(h, dtype="float64"), np.arange(w, dtype="float64")
    mass = imgs.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        r0 = np.einsum("nhw,h->n", imgs, rows) / mass
        c0 = np.einsum("nhw,w->n", imgs, cols) / mass
        dr, dc = (
            rows[None, :] - r0[:, None],
            cols[None, :] - c0[:, None],
        )  # (N, H), (N, W)
        var_c = np.einsum("nhw,nw,nw->n", imgs, dc, dc) / mass
        var_r = np.einsum("nhw,nh,nh->n", imgs, dr, dr) / mass
        cov_rc = np.einsum("nhw,nh,nw->n", imgs, dr, dc) / mass
        slant = (
            0.0 - cov_rc / var_r
        )  # 0.0 - ...: an upright digit gets 0, not -0
    return {"ink": mass / (h * w), "slant": slant, "width": np.sqrt(var_c)}


def traversal_slopes(model, z, offsets, dims=None, label=None) -> np.ndarray:
    """How fast ink, slant and width change along each latent dimension, for every code: shape
    (N, len(dims), 3), columns in the order of :data:`IMAGE_STATISTICS` (chapter 11, "What the latent
    code means").

    For every code ``z[n]`` (shape (N, d), e.g. posterior means of test images) and dimension i, the
    traversal ``z[n] + offsets[k] * e_i`` is decoded and each statistic of :func:`image_statistics` is
    fitted by a straight line in the offset; entry [n, i, s] is that slope (statistic units per unit of
    z_i). It is NaN where a statistic is undefined (an image without ink). ``dims`` defaults to all
    dimensions; a CVAE needs ``label``: one integer for every code, or an (N,) array of labels.
    :func:`traversal_effects` averages these slopes over the codes.
    """
    conditional = check_course_model(model, "traversal_slopes")
    codes = as_array(z, "z")
    if (
        codes.ndim != 2
        or codes.shape[1] != model.latent_dim
        or codes.shape[0] == 0
    ):
        raise ValueError(
            f"z must be codes of shape (N, {model.latent_dim}), got shape {codes.shape}"
        )
    if not np.all(np.isfinite(codes)):
        raise ValueError("z contains NaN or infinite values")
    offsets = _traversal_offsets(offsets, minimum=2)
    dims = _latent_dimensions(dims, model.latent_dim)
    n, k = len(codes), len(offsets)
    if (
        conditional and label is not None and np.ndim(label) != 0
    ):  # one label per code, for each offset
        label = np.repeat(
            check_labels(label, model.num_classes, n=n, name="label"), k
        )
    centred = offsets - offsets.mean()
    slopes = np.zeros((n, len(dims), len(IMAGE_STATISTICS)))
    for row, d in enumerate(dims):
        moved = np.repeat(codes.astype("float32"), k, axis=0)
        moved[:, d] += np.tile(offsets, n)
        stats = image_statistics(decode_latent(model, moved, label))
        for col, name in enumerate(IMAGE_STATISTICS):
            values = stats[name].reshape(n, k)
            slopes[:, row, col] = (
                (values - values.mean(axis=1, keepdims=True))
                @ centred
                / (centred @ centred)
            )
    return slopes


def traversal_effects(
    model, z, offsets, dims=None, label=None, absolute: bool = False
) -> np.ndarray:
    """How fast ink, slant and width change along each latent dimension, on average over the codes:
    shape (len(dims), 3), columns in the order of :data:`IMAGE_STATISTICS` (chapter 11, "What the
    latent code means").

    The slopes of :func:`traversal_slopes` (same arguments), averaged over the N codes. Signed slopes
    (the default) say in which direction a statistic moves, but cancel when a dimension moves it one
    way for some codes and the other way for others; with ``absolute=True`` the entry is the mean
    absolute slope, which cannot cancel: a dimension the decoder ignores has both near 0, one whose effect
    depends on the digit has a small signed and a large absolute effect.
    """
    check_bool(absolute, "absolute")
    slopes = traversal_slopes(model, z, offsets, dims=dims, label=label)
    with warnings.catch_warnings():  # an all-NaN column stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.abs(slopes) if absolute else slopes, axis=0)


def mid_grey_fraction(images, low: float = 0.1, high: float = 0.9) -> float:
    """Fraction of the non-background pixels (value > ``low``) that are mid-grey (value < ``high``).

    Binarization at 0.5 maps every such pixel to pure black or white, so this is the share of an
    image's content whose grey level (texture, shading, print) is lost.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    low, high = check_unit_float(low, "low"), check_unit_float(high, "high")
    if not low < high:
        raise ValueError(
            f"low must be smaller than high, got low={low}, high={high}"
        )
    x = check_image_stack(images, pixel_range=True).astype("float64")
    ink = x > low
    if not ink.any():
        raise ValueError(
            f"the images have no pixel above low={low}: nothing to measure"
        )
    return float(np.sum(ink & (x < high)) / np.sum(ink))
