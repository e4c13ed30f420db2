"""Plots of chapter 13, *Judging a conditional generator*: one number per class, side by side.

- :func:`plot_per_class`: grouped bars of per-class values (accuracy, diversity) for several sets
  of images or classifiers, in colour-blind-safe colours with hatching, so the groups stay apart
  in greyscale too.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import as_array

__all__ = ["plot_per_class"]

# Okabe-Ito colours (safe for the common colour-vision deficiencies), one hatch each as a second cue
GROUP_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
GROUP_HATCHES = ("", "//", "..", "xx", "\\\\", "--")


def plot_per_class(values, title: str, ylabel: str, ax=None, class_names=None, ylim=None):
    """Grouped bar chart: for every class, one bar per entry of ``values``.

    ``values`` maps a legend label to one number per class (all of the same length, at most six
    entries). Introduced in chapter 13, *Judging a conditional generator* for per-class CAS and
    diversity. Returns the figure.
    """
    if not isinstance(values, dict) or not values:
        raise TypeError("values must be a non-empty dict {legend label: one number per class}")
    if len(values) > len(GROUP_COLORS):
        raise ValueError(f"values can hold at most {len(GROUP_COLORS)} groups, got {len(values)}")
    rows = {}
    for name, row in values.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"the keys of values must be non-empty strings (legend labels), got {name!r}")
        arr = as_array(row, f"values[{name!r}]").astype("float64")
        if arr.ndim != 1 or len(arr) == 0:
            raise ValueError(f"values[{name!r}] must be one number per class, shape (num_classes,), got {arr.shape}")
        rows[name] = arr
    num_classes = len(next(iter(rows.values())))
    if any(len(arr) != num_classes for arr in rows.values()):
        raise ValueError(f"every entry of values needs the same number of classes, got "
                         f"{ {name: len(arr) for name, arr in rows.items()} }")
    for text, what in ((title, "title"), (ylabel, "ylabel")):
        if not isinstance(text, str) or not text:
            raise TypeError(f"{what} must be a non-empty string (every figure is titled and labelled), got {text!r}")
    if class_names is None:
        class_names = [str(c) for c in range(num_classes)]
    class_names = list(class_names)
    if len(class_names) != num_classes:
        raise ValueError(f"class_names must name {num_classes} classes, got {len(class_names)}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 3.4))
    elif not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    else:
        fig = ax.figure
    width = 0.8 / len(rows)
    positions = np.arange(num_classes)
    for i, (name, arr) in enumerate(rows.items()):
        ax.bar(positions - 0.4 + width * (i + 0.5), arr, width, label=name, color=GROUP_COLORS[i],
               hatch=GROUP_HATCHES[i], edgecolor="white" if i == 0 else "black", linewidth=0.5)
    ax.set_xticks(positions, class_names)
    ax.set_xlabel("class")
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    return fig
