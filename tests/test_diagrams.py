"""plot_graphical_model, the graphical models of chapters 04, 05 and 06."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from cvae_utils import plot_graphical_model  # noqa: E402

CVAE_NODES = {"y": (0.0, 1.0), "z": (2.0, 1.0), "x": (1.0, 0.0)}


def _cvae(**kwargs):
    return plot_graphical_model(
        CVAE_NODES,
        generative=[("y", "x"), ("z", "x")],
        inference=[("x", "z", 0.35), ("y", "z")],
        observed=("x", "y"),
        **kwargs,
    )


def _arrows(ax):
    return [
        child for child in ax.get_children() if isinstance(child, Annotation)
    ]


def test_one_circle_per_node_shaded_when_observed():
    fig = _cvae(title="CVAE")
    ax = fig.axes[0]
    circles = {tuple(p.center): p for p in ax.patches if isinstance(p, Circle)}
    assert len(circles) == 3
    shaded = {
        name
        for name, point in CVAE_NODES.items()
        if circles[point].get_facecolor()[:3] != (1.0, 1.0, 1.0)
    }
    assert shaded == {"x", "y"}
    assert sorted(
        t.get_text() for t in ax.texts if not isinstance(t, Annotation)
    ) == ["$x$", "$y$", "$z$"]
    assert ax.get_title() == "CVAE"
    plt.close(fig)


def test_generative_arrows_are_solid_and_inference_arrows_dashed():
    fig = _cvae()
    arrows = _arrows(fig.axes[0])
    assert len(arrows) == 4
    styles = [a.arrow_patch.get_linestyle() for a in arrows]
    assert styles[:2] == ["-", "-"] and all(s != "-" for s in styles[2:])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["generative model", "inference network"]
    plt.close(fig)


def test_arrows_start_and_end_on_the_rims_of_the_circles():
    radius = 0.3
    fig = plot_graphical_model(
        {"z": (0.0, 1.0), "x": (0.0, -1.0)},
        generative=[("z", "x")],
        radius=radius,
    )
    (arrow,) = _arrows(fig.axes[0])
    assert math.dist(arrow.xy, (0.0, -1.0)) == pytest.approx(radius)
    assert math.dist(arrow.xyann, (0.0, 1.0)) == pytest.approx(radius)
    assert (
        fig.axes[0].get_legend().get_texts()[0].get_text()
        == "generative model"
    )
    assert (
        len(fig.axes[0].get_legend().get_texts()) == 1
    )  # no inference arrows: no legend entry for them
    plt.close(fig)


def test_draws_into_a_given_axes():
    fig, axes = plt.subplots(1, 2)
    returned = plot_graphical_model(
        {"z": (0, 1), "x": (0, 0)}, generative=[("z", "x")], ax=axes[1]
    )
    assert (
        returned is fig and len(_arrows(axes[1])) == 1 and not _arrows(axes[0])
    )
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            dict(nodes=[("z", (0, 0))]),
            TypeError,
            "nodes must be a non-empty dict",
        ),
        (dict(nodes={}), TypeError, "nodes must be a non-empty dict"),
        (
            dict(nodes={"z": (0, 1), "x": (0,)}),
            ValueError,
            "pair of finite numbers",
        ),
        (
            dict(nodes={"z": (0, 1), "x": (0, float("nan"))}),
            ValueError,
            "pair of finite numbers",
        ),
        (
            dict(generative=[("z", "w")]),
            ValueError,
            "'w', which is not a node",
        ),
        (dict(generative=[("z", "z")]), ValueError, "same node"),
        (dict(generative=[]), ValueError, "at least one arrow"),
        (dict(generative="zx"), TypeError, "must be a list"),
        (dict(inference=[("x", "z", "left")]), TypeError, "bend"),
        (dict(observed=("w",)), ValueError, "not a node"),
        (dict(radius=0), ValueError, "radius must be a finite number > 0"),
        (dict(title=3), TypeError, "title must be a string"),
        (dict(ax="left"), TypeError, "ax must be a matplotlib Axes"),
    ],
)
def test_rejects_bad_arguments(kwargs, error, message):
    arguments = dict(nodes={"z": (0, 1), "x": (0, 0)}, generative=[("z", "x")])
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        plot_graphical_model(**arguments)
    plt.close("all")
