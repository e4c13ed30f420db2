"""Diagrams drawn with Matplotlib alone.

- :func:`plot_latent_variable_schematic`: the two halves of a latent-variable model (chapter 02).
- :func:`plot_graphical_model`: a graphical model, circles for the variables (shaded when observed),
  solid arrows for the generative model and dashed ones for the inference network: the VAE of
  chapter 04, the CVAE of chapter 05 and the three networks of chapter 06.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from .._validation import check_number, named_items
from .style import COLUMN_WIDTH

__all__ = ["plot_graphical_model", "plot_latent_variable_schematic"]


def plot_latent_variable_schematic(
    title: str = "Encoder and decoder: the two halves of the model",
):
    """A block diagram: x -> encoder f(x) ≈ q(z|x) -> z -> decoder g(z) = p(x|z) -> x, with the prior p(z).

    Introduced in chapter 02, *Generative models and latent variables*.
    """

    # drawn at the column width: shown at its size, the text stays readable
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 3.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.axis("off")

    def box(x, y, w, h, text, color):
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                w,
                h,
                boxstyle="round,pad=0.08",
                fc=color,
                ec="black",
                lw=1.2,
            )
        )
        ax.text(
            x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=10
        )

    def arrow(x0, y0, x1, y1, text=None, dy=0.18):
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops=dict(arrowstyle="->", lw=1.5),
        )
        if text:
            ax.text(
                (x0 + x1) / 2,
                (y0 + y1) / 2 + dy,
                text,
                ha="center",
                va="bottom",
                fontsize=9,
            )

    box(0.2, 2.2, 1.3, 1.0, "image\n$x$", "#e8e8e8")
    box(2.3, 2.2, 1.9, 1.0, "encoder\n$f(x)$, later $q_\\phi(z|x)$", "#cfe2f3")
    box(4.9, 2.2, 0.9, 1.0, "code\n$z$", "#fff2cc")
    box(
        6.5, 2.2, 1.9, 1.0, "decoder\n$g(z)$, i.e. $p_\\theta(x|z)$", "#d9ead3"
    )
    box(8.9, 2.2, 1.0, 1.0, "image\n$\\hat{x}$", "#e8e8e8")
    box(4.55, 0.25, 1.6, 0.9, "prior\n$p(z)=\\mathcal{N}(0, I)$", "#fce5cd")
    arrow(1.6, 2.7, 2.25, 2.7)
    arrow(4.3, 2.7, 4.85, 2.7)
    arrow(5.9, 2.7, 6.45, 2.7)
    arrow(8.5, 2.7, 8.85, 2.7)
    arrow(5.35, 1.25, 5.35, 2.1)
    ax.text(
        5.5, 1.6, "generate: sample $z$", fontsize=9, ha="left", va="center"
    )
    ax.text(
        3.25,
        3.55,
        "encode: image → code",
        ha="center",
        fontsize=9,
        style="italic",
    )
    ax.text(
        7.45,
        3.55,
        "decode: code → image",
        ha="center",
        fontsize=9,
        style="italic",
    )
    ax.set_title(title)
    fig.tight_layout()
    return fig


GENERATIVE_COLOR = "black"
INFERENCE_COLOR = "#D55E00"  # Okabe-Ito vermillion: distinct from black for every colour vision, and dashed too
OBSERVED_FILL = "0.82"


def _check_point(value, what):
    try:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError
        return check_number(value[0], "x"), check_number(value[1], "y")
    except (TypeError, ValueError):
        raise ValueError(
            f"{what} must be a pair of finite numbers (x, y), got {value!r}"
        ) from None


def _check_edges(edges, nodes, what):
    """Edges as (start, end) or (start, end, bend) with both ends among the nodes."""
    if not isinstance(edges, (list, tuple)):
        raise TypeError(
            f"{what} must be a list of (start, end) or (start, end, bend) tuples, got {edges!r}"
        )
    checked = []
    for edge in edges:
        if not isinstance(edge, (tuple, list)) or len(edge) not in (2, 3):
            raise ValueError(
                f"each edge in {what} must be (start, end) or (start, end, bend), got {edge!r}"
            )
        start, end = edge[0], edge[1]
        for name in (start, end):
            if name not in nodes:
                raise ValueError(
                    f"edge {edge!r} in {what} names {name!r}, which is not a node; "
                    f"the nodes are {sorted(nodes)}"
                )
        if start == end:
            raise ValueError(
                f"edge {edge!r} in {what} starts and ends at the same node"
            )
        bend = edge[2] if len(edge) == 3 else 0.0
        check_number(
            bend, f"the bend of edge {edge!r} in {what} (0: straight)"
        )
        checked.append((start, end, float(bend)))
    return checked


def plot_graphical_model(
    nodes,
    generative,
    inference=(),
    observed=(),
    generative_label: str = "generative model",
    inference_label: str = "inference network",
    title: str = "Graphical model",
    radius: float = 0.22,
    ax: Axes | None = None,
):
    """Draw a graphical model: one circle per variable, solid generative arrows, dashed inference arrows.

    Introduced in chapter 04, *Variational autoencoders*; chapters 05 and 06 draw their CVAEs with it.
    ``nodes`` maps each variable's name to its (x, y) position; a name is set in math mode, so ``"z"``
    shows as $z$. ``generative`` and ``inference`` list arrows as (start, end) or (start, end, bend):
    the generative model is drawn solid in black, the inference (recognition) network dashed in
    vermillion, and ``bend`` curves an arrow (matplotlib's ``arc3`` radius, 0 is straight) so that it
    does not cover another. ``observed`` names the variables observed during training, drawn shaded.
    ``generative_label`` and ``inference_label`` are the legend's two entries (mathtext allowed),
    ``radius`` the radius of a circle in the units of the positions, and ``ax`` an Axes to draw into
    (a new figure when omitted). Returns the figure.
    """
    if not isinstance(nodes, dict) or not nodes:
        raise TypeError(
            f"nodes must be a non-empty dict of name -> (x, y), got {nodes!r}"
        )
    position = {}
    key_message = "node names must be non-empty strings, got {!r}"
    for name, point in named_items(nodes, key_message):
        position[name] = _check_point(point, f"the position of node {name!r}")
    generative = _check_edges(generative, position, "generative")
    inference = _check_edges(inference, position, "inference")
    if not generative:
        raise ValueError(
            "generative must have at least one arrow: a graphical model without a generative "
            "model draws nothing to learn"
        )
    if isinstance(observed, str):
        observed = (observed,)
    observed = tuple(observed)
    for name in observed:
        if name not in position:
            raise ValueError(
                f"observed names {name!r}, which is not a node; the nodes are {sorted(position)}"
            )
    for text, what in (
        (generative_label, "generative_label"),
        (inference_label, "inference_label"),
        (title, "title"),
    ):
        if not isinstance(text, str):
            raise TypeError(
                f"{what} must be a string, got {type(text).__name__}"
            )
    check_number(radius, "radius", low=0, open_low=True)
    radius = float(radius)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes, got {type(ax).__name__}"
        )

    xs = [p[0] for p in position.values()]
    ys = [p[1] for p in position.values()]
    width, height = (
        max(xs) - min(xs) + 4 * radius,
        max(ys) - min(ys) + 4 * radius,
    )
    if ax is None:
        # at least the size of a small figure, so that the title and the legend fit beside two nodes
        fig, ax = plt.subplots(
            figsize=(
                min(max(1.7 * width + 1.0, 5.2), 9.0),
                max(1.7 * height + 0.9, 3.2),
            )
        )
    else:
        fig = ax.figure
    for name, (cx, cy) in position.items():
        ax.add_patch(
            plt.Circle(
                (cx, cy),
                radius,
                facecolor=OBSERVED_FILL if name in observed else "white",
                edgecolor="black",
                lw=1.5,
                zorder=2,
            )
        )
        ax.text(
            cx,
            cy,
            f"${name}$",
            ha="center",
            va="center",
            fontsize=17,
            zorder=3,
        )

    def draw_arrow(start, end, bend, dashed):
        (x0, y0), (x1, y1) = position[start], position[end]
        length = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (
            (x1 - x0) / length,
            (y1 - y0) / length,
        )  # leave the circles' rims free
        ax.annotate(
            "",
            xy=(x1 - ux * radius, y1 - uy * radius),
            xytext=(x0 + ux * radius, y0 + uy * radius),
            arrowprops=dict(
                arrowstyle="-|>",
                lw=1.6,
                color=INFERENCE_COLOR if dashed else GENERATIVE_COLOR,
                linestyle=(0, (4, 3)) if dashed else "-",
                mutation_scale=16,
                connectionstyle=f"arc3,rad={bend}",
            ),
            zorder=1,
        )

    for start, end, bend in generative:
        draw_arrow(start, end, bend, dashed=False)
    for start, end, bend in inference:
        draw_arrow(start, end, bend, dashed=True)
    handles = [
        Line2D([], [], color=GENERATIVE_COLOR, lw=1.6, label=generative_label)
    ]
    if inference:
        handles.append(
            Line2D(
                [],
                [],
                color=INFERENCE_COLOR,
                lw=1.6,
                ls=(0, (4, 3)),
                label=inference_label,
            )
        )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=9,
    )
    # round circles: equal aspect, and the data limits (not the axes) grow to fill the figure
    ax.update_datalim(
        [
            (min(xs) - 2 * radius, min(ys) - 2 * radius),
            (max(xs) + 2 * radius, max(ys) + 2 * radius),
        ]
    )
    ax.margins(0)
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.axis("off")
    ax.set_title(title)
    fig.tight_layout()
    return fig
