"""Curves and charts of numbers: training curves, the rate-distortion plane, active units, how an
importance-sampled bound tightens with K, confusion matrices."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import (
    as_array,
    check_list,
    check_nonnegative_float,
    check_number,
    check_positive_int,
)
from ..evaluate.latent import ACTIVITY_THRESHOLD
from .style import COLUMN_WIDTH, MIN_FONT_SIZE

__all__ = [
    "plot_active_units",
    "plot_bound_vs_samples",
    "plot_confusion_matrix",
    "plot_rate_distortion",
    "plot_training_curves",
]


_PANEL_KEYS = ("reconstruction_loss", "kl_loss", "gsnn_loss")


def _panel_titles(conditional: bool, structured: bool) -> dict:
    if structured:  # a QuadrantCVAE (chapter 06): y = the hidden pixels, x = the given ones
        return {
            "reconstruction_loss": "−log p(y | x, z),  z ~ q(z | x, y)",
            "kl_loss": "KL(q(z | x, y) ‖ p(z | x))",
            "gsnn_loss": "−log p(y | x, z),  z ~ p(z | x)",
            "loss": "Loss",
        }
    given = "x,y" if conditional else "x"
    return {
        "reconstruction_loss": f"Reconstruction (−log p(x|z{',y' if conditional else ''}))",
        "kl_loss": f"KL(q(z|{given}) ‖ p(z))",
        "loss": "Loss",
    }


def plot_training_curves(
    history,
    title: str = "Training curves",
    conditional: bool | None = None,
    validation_label: str = "test",
):
    """The terms of the loss per epoch, one panel each (train and, if present, validation).

    Accepts a keras History or its ``.history`` dict: reconstruction and KL side by side for a
    VAE or CVAE (chapters 03-05), the loss alone for an autoencoder, and the three terms of a
    QuadrantCVAE (chapter 06: reconstruction, KL to the learned prior, GSNN). ``conditional``
    writes the panel titles for a CVAE (p(x|z,y), q(z|x,y)); by default it is read from the
    History's model. ``validation_label`` names the validation curve in the legend.
    """
    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        raise TypeError(
            f"history must be a keras History or its .history dict, got {type(history).__name__}"
        )
    if not hist or not any(len(v) for v in hist.values()):
        raise ValueError(
            "history is empty: it records no epoch (did the model train?)"
        )
    panels = [k for k in _PANEL_KEYS if k in hist] or ["loss"]
    if panels[0] not in hist:
        raise ValueError(
            f"history has none of reconstruction_loss, kl_loss or loss; keys: {sorted(hist)}"
        )
    if conditional is None:
        conditional = bool(
            getattr(getattr(history, "model", None), "conditional", False)
        )
    elif not isinstance(conditional, bool):
        raise TypeError(
            f"conditional must be True, False or None, got {conditional!r}"
        )
    if not isinstance(validation_label, str) or not validation_label:
        raise TypeError(
            f"validation_label must be a non-empty string, got {validation_label!r}"
        )
    nice = _panel_titles(conditional, structured="gsnn_loss" in hist)
    # at most two panels side by side: each keeps readable text at the column's width
    ncols = min(2, len(panels))
    nrows = -(-len(panels) // ncols)
    width = COLUMN_WIDTH if ncols == 2 else 4.5
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, 3.2 * nrows + 0.4), squeeze=False
    )
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, key in zip(axes.flat, panels):
        epochs = np.arange(1, len(hist[key]) + 1)
        ax.plot(epochs, hist[key], marker="o", ms=3, label="train")
        if "val_" + key in hist:
            ax.plot(
                epochs,
                hist["val_" + key],
                marker="s",
                ms=3,
                ls="--",
                label=validation_label,
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
        ax.set_title(nice[key])
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _beta_labels(betas, n: int, labels=None) -> list[str]:
    """The points' or rows' labels: ``labels`` when given (e.g. names of models that share one β), else β=…."""
    if labels is not None:
        if (
            isinstance(labels, (str, bytes))
            or not hasattr(labels, "__len__")
            or len(labels) != n
        ):
            raise ValueError(
                f"labels must be a list with one name per point/row ({n}), got {labels!r}"
            )
        return [str(label) for label in labels]
    check_list(
        betas,
        n,
        "betas must be a list of numbers, got {}",
        f"betas must have one entry per point/row ({n}), got {{}}",
    )
    labels = []
    for b in betas:
        check_number(b, "every entry of betas")
        labels.append(f"β={float(b):g}")
    return labels


def plot_rate_distortion(
    rates,
    distortions,
    betas,
    title: str = "Rate–distortion plane of the β sweep",
    ax=None,
    xscale: str = "linear",
    labels=None,
):
    """Scatter of (rate = KL, distortion = reconstruction) in nats, one annotated point per beta.

    A dashed line of constant rate + distortion (= -ELBO) passes through the point with the smallest
    -ELBO; every point on that line has the same ELBO. ``xscale="symlog"`` draws the rate axis
    linearly below 1 nat and logarithmically above, so a very large rate (beta = 0) fits on the
    same plot as rates near 0. ``labels`` names the points instead of their β (chapter 10 compares
    models that share one β). Returns the Figure.

    Introduced in chapter 08, *The KL weight and posterior collapse*.
    """
    if xscale not in ("linear", "symlog"):
        raise ValueError(
            f"xscale must be 'linear' or 'symlog', got {xscale!r}"
        )
    r = as_array(rates, "rates").astype("float64")
    d = as_array(distortions, "distortions").astype("float64")
    if r.ndim != 1 or d.shape != r.shape or len(r) == 0:
        raise ValueError(
            f"rates and distortions must be 1-D with the same length, got shapes {r.shape} and {d.shape}"
        )
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(d))):
        raise ValueError("rates and distortions must be finite")
    if r.min() < -1e-6:
        raise ValueError(
            f"rates are KL divergences and cannot be negative, got {r.min():g}"
        )
    labels = _beta_labels(betas, len(r), labels)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 4.8))
    ax.plot(r, d, color="0.7", lw=1, zorder=1)
    ax.scatter(r, d, c=np.arange(len(r)), cmap="viridis", s=40, zorder=2)
    for ri, di, label in zip(r, d, labels):
        ax.annotate(
            label,
            (ri, di),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=MIN_FONT_SIZE,
        )
    best = int(np.argmin(r + d))
    total = r[best] + d[best]
    line_r = np.linspace(0.0, total, 2000)
    pad_d = 0.08 * (d.max() - d.min() + 1.0)
    ax.plot(
        line_r,
        total - line_r,
        ls="--",
        color="tab:red",
        lw=1,
        label=f"rate + distortion = {total:.1f} nats (smallest −ELBO, {labels[best]})",
    )
    ax.set_ylim(d.min() - pad_d, d.max() + pad_d)
    if xscale == "symlog":
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(-0.1, r.max() * 3)
    else:
        pad_r = 0.08 * (r.max() - r.min() + 1.0)
        ax.set_xlim(min(0.0, r.min()) - pad_r, r.max() + 3 * pad_r)
    ax.set_xlabel(
        "rate R = KL(q(z|x) ‖ p(z))  [nats per image]"
        + ("  (symlog scale)" if xscale == "symlog" else "")
    )
    ax.set_ylabel("distortion D = −log p(x|z)  [nats per image]")
    ax.set_title(title)
    ax.legend(fontsize=MIN_FONT_SIZE, loc="best")
    ax.grid(alpha=0.3)
    fig = fig or ax.figure
    fig.tight_layout()
    return fig


def plot_active_units(
    activities,
    betas,
    threshold: float = ACTIVITY_THRESHOLD,
    title: str = "Which latent dimensions carry information?",
    labels=None,
):
    """Two panels: the number of active units per beta, and each model's activities sorted.

    ``activities`` is a list with one array of shape (d,) per beta (from :func:`~cvae_utils.evaluate.latent.latent_activity`);
    ``labels`` names the models instead of their β. Returns the Figure.

    Introduced in chapter 08, *The KL weight and posterior collapse*.
    """
    threshold = check_nonnegative_float(threshold, "threshold")
    if isinstance(activities, np.ndarray) and activities.ndim == 2:
        activities = list(activities)
    if not isinstance(activities, (list, tuple)) or not activities:
        raise TypeError(
            "activities must be a non-empty list of arrays, one per beta"
        )
    acts = []
    for i, a in enumerate(activities):
        arr = as_array(a, f"activities[{i}]").astype("float64")
        if arr.ndim != 1 or len(arr) == 0:
            raise ValueError(
                f"activities[{i}] must have shape (latent_dim,), got {arr.shape}"
            )
        if not np.all(np.isfinite(arr)) or arr.min() < 0:
            raise ValueError(
                f"activities[{i}] must hold finite variances >= 0"
            )
        acts.append(arr)
    per = "β" if labels is None else "model"
    labels = _beta_labels(betas, len(acts), labels)
    counts = [int(np.sum(a > threshold)) for a in acts]
    fig, (left, right) = plt.subplots(
        2, 1, figsize=(COLUMN_WIDTH, 7.4)
    )  # one above the other: readable at column width
    positions = np.arange(len(acts))
    left.bar(
        positions,
        counts,
        color=plt.get_cmap("viridis")(np.linspace(0, 1, len(acts))),
    )
    for p, c in zip(positions, counts):
        left.text(
            p, c, str(c), ha="center", va="bottom", fontsize=MIN_FONT_SIZE
        )
    left.set_xticks(positions)
    left.set_xticklabels(labels, rotation=30)
    left.set_ylabel(f"active units (activity > {threshold:g})")
    left.set_ylim(0, max(len(a) for a in acts) * 1.12)
    left.set_title(f"Active units per {per}")
    cmap = plt.get_cmap("viridis")
    floor = 1e-6  # a fully collapsed unit has activity ~0; draw it at the bottom of the log axis
    for i, (a, label) in enumerate(zip(acts, labels)):
        ranks = np.arange(1, len(a) + 1)
        right.plot(
            ranks,
            np.maximum(np.sort(a)[::-1], floor),
            marker="o",
            ms=3,
            color=cmap(i / max(1, len(acts) - 1)),
            label=label,
        )
    right.axhline(
        threshold,
        ls="--",
        color="tab:red",
        lw=1,
        label=f"threshold {threshold:g}",
    )
    right.set_yscale("log")
    right.set_xlabel("latent dimension, sorted by activity")
    right.set_ylabel("activity Var$_x$[E$_q$[$z_i$]]")
    right.set_title("Activity of every dimension")
    right.legend(fontsize=MIN_FONT_SIZE, ncol=2)
    right.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_bound_vs_samples(
    num_samples, estimates, elbos=None, title="How the bound tightens with K"
):
    """One line per model: importance-sampled -log p(x) against K (log axis), with the model's
    -ELBO as a dashed line of the same colour when ``elbos`` (a dict like ``estimates``) is given.

    ``estimates`` maps a model name to one value per entry of ``num_samples``.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    ks = as_array(num_samples, "num_samples")
    if ks.ndim != 1 or len(ks) < 2 or np.any(ks < 1):
        raise ValueError(
            f"num_samples must be at least two sample counts >= 1, got {num_samples!r}"
        )
    if not isinstance(estimates, dict) or not estimates:
        raise TypeError(
            "estimates must be a non-empty dict {model name: values, one per K}"
        )
    ncols = min(
        3, len(estimates)
    )  # three panels a row fit the column with readable text
    nrows = -(-len(estimates) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(COLUMN_WIDTH * ncols / 3, 2.9 * nrows + 0.5),
        squeeze=False,
    )
    for ax in axes.flat[len(estimates) :]:
        ax.axis("off")
    for ax, (name, values) in zip(axes.flat, estimates.items()):
        values = as_array(values, f"estimates[{name!r}]")
        if values.shape != ks.shape:
            raise ValueError(
                f"estimates[{name!r}] needs one value per K ({len(ks)}), got shape {values.shape}"
            )
        ax.plot(ks, values, marker="o", ms=3, label="IS estimate")
        if elbos is not None and name in elbos:
            ax.axhline(
                float(elbos[name]), ls="--", color="grey", label="−ELBO"
            )
        ax.set_xscale("log")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("K (samples per image)")
        ax.grid(alpha=0.3)
    for row in axes:
        row[0].set_ylabel("nats per image")
    axes[0, 0].legend(fontsize=MIN_FONT_SIZE)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    matrix,
    class_names=None,
    title="Requested class (rows) vs judged class (columns)",
):
    """Heat map of a row-normalised (C, C) confusion matrix, with the percentages written in.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    matrix = as_array(matrix, "matrix")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"matrix must be square (num_classes, num_classes), got shape {matrix.shape}"
        )
    n = check_positive_int(matrix.shape[0], "number of classes", minimum=2)
    names = (
        [str(c) for c in range(n)]
        if class_names is None
        else [str(c) for c in class_names]
    )
    if len(names) != n:
        raise ValueError(f"class_names needs {n} names, got {len(names)}")
    fig, ax = plt.subplots(figsize=(0.55 * n + 1.5, 0.55 * n + 1))
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            if matrix[i, j] >= 0.005:
                ax.text(
                    j,
                    i,
                    f"{100 * matrix[i, j]:.0f}",
                    ha="center",
                    va="center",
                    fontsize=MIN_FONT_SIZE,
                    color="white" if matrix[i, j] > 0.5 else "black",
                )
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("judged as")
    ax.set_ylabel("requested")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
