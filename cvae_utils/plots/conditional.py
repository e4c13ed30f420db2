"""One number per class, side by side (chapters 09 and 13).

- :func:`plot_per_class`: grouped bars of per-class values (accuracy, diversity, -ELBO) for several
  models, sets of images or classifiers, in colour-blind-safe colours with hatching, so the groups
  stay apart in greyscale too; upright, or lying down for long class names;
- :func:`plot_class_values`: the same bars lying down, named as chapter 09 calls them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import as_array, check_bool, named_items
from .style import COLUMN_WIDTH, MIN_FONT_SIZE

__all__ = ["plot_class_values", "plot_per_class"]

# Okabe-Ito colours (safe for the common colour-vision deficiencies), one hatch each as a second cue
GROUP_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
)
GROUP_HATCHES = ("", "//", "..", "xx", "\\\\", "--")


def plot_per_class(
    values,
    title: str,
    ylabel: str,
    ax=None,
    class_names=None,
    ylim=None,
    horizontal: bool = False,
):
    """Grouped bar chart: for every class, one bar per entry of ``values``.

    ``values`` maps a legend label to one number per class (all of the same length, at most six
    entries). With ``horizontal`` the bars lie down, class 0 on top, and ``ylabel`` names the
    value axis (then the x axis). Introduced in chapter 13, *Judging a conditional generator* for
    per-class CAS and diversity. Returns the figure.
    """
    if not isinstance(values, dict) or not values:
        raise TypeError(
            "values must be a non-empty dict {legend label: one number per class}"
        )
    if len(values) > len(GROUP_COLORS):
        raise ValueError(
            f"values can hold at most {len(GROUP_COLORS)} groups, got {len(values)}"
        )
    rows = {}
    key_message = (
        "the keys of values must be non-empty strings (legend labels), "
        "got {!r}"
    )
    for name, row in named_items(values, key_message):
        arr = as_array(row, f"values[{name!r}]").astype("float64")
        if class_names is not None and arr.shape != (len(class_names),):
            raise ValueError(
                f"values[{name!r}] must hold one number per class ({len(class_names)}), "
                f"got shape {arr.shape}"
            )
        if arr.ndim != 1 or len(arr) == 0:
            raise ValueError(
                f"values[{name!r}] must be one number per class, shape (num_classes,), got {arr.shape}"
            )
        rows[name] = arr
    num_classes = len(next(iter(rows.values())))
    if any(len(arr) != num_classes for arr in rows.values()):
        raise ValueError(
            f"every entry of values needs the same number of classes, got "
            f"{ {name: len(arr) for name, arr in rows.items()} }"
        )
    for text, what in ((title, "title"), (ylabel, "ylabel")):
        if not isinstance(text, str) or not text:
            raise TypeError(
                f"{what} must be a non-empty string (every figure is titled and labelled), got {text!r}"
            )
    if class_names is None:
        class_names = [str(c) for c in range(num_classes)]
    class_names = list(class_names)
    if len(class_names) != num_classes:
        raise ValueError(
            f"class_names must name {num_classes} classes, got {len(class_names)}"
        )
    check_bool(horizontal, "horizontal")
    if ax is None:
        fig, ax = plt.subplots(
            figsize=(COLUMN_WIDTH, 0.45 * num_classes + 1.2)
            if horizontal
            else (COLUMN_WIDTH, 3.4)
        )
    elif not isinstance(ax, plt.Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes, got {type(ax).__name__}"
        )
    else:
        fig = ax.figure
    width = 0.8 / len(rows)
    positions = np.arange(num_classes)
    draw = ax.barh if horizontal else ax.bar
    for i, (name, arr) in enumerate(rows.items()):
        draw(
            positions - 0.4 + width * (i + 0.5),
            arr,
            width,
            label=name,
            color=GROUP_COLORS[i],
            hatch=GROUP_HATCHES[i],
            edgecolor="white" if i == 0 else "black",
            linewidth=0.5,
        )
    class_axis, value_axis = (
        (ax.yaxis, ax.xaxis) if horizontal else (ax.xaxis, ax.yaxis)
    )
    class_axis.set_ticks(positions, class_names)
    class_axis.set_label_text("class")
    value_axis.set_label_text(ylabel)
    if horizontal:
        ax.invert_yaxis()  # class 0 on top
    if ylim is not None:
        (ax.set_xlim if horizontal else ax.set_ylim)(*ylim)
    ax.set_title(title)
    ax.legend(fontsize=MIN_FONT_SIZE, loc="lower right", framealpha=0.9)
    return fig


def plot_class_values(values: dict, class_names, title: str, xlabel: str):
    """Horizontal bars: for every class one bar per entry of ``values`` ({legend label: array per class}).

    :func:`plot_per_class` with ``horizontal=True``, in chapter 09's words. Returns the Figure.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    return plot_per_class(
        values, title, xlabel, class_names=class_names, horizontal=True
    )
