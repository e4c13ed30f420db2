"""Figures drawn for the book's pages: the style and the aggregate-posterior figure."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from cvae_utils.plots import (
    plot_aggregate_posterior,
    plot_image_grid,
    plot_training_curves,
    use_book_style,
)
from cvae_utils.plots.style import BOOK_STYLE, COLUMN_WIDTH, DPI, MIN_FONT_SIZE

COLUMN_PX = 688  # the website's text column at 1280 px


@pytest.fixture
def book_style():
    with matplotlib.rc_context():
        yield use_book_style()


def test_book_style_sets_column_width_and_readable_fonts(book_style):
    assert book_style == BOOK_STYLE
    assert matplotlib.rcParams["figure.dpi"] == DPI
    assert COLUMN_WIDTH * DPI <= COLUMN_PX, (
        "a default-width figure must fit the column unshrunk"
    )
    assert matplotlib.rcParams["figure.figsize"][0] == COLUMN_WIDTH
    for key in (
        "font.size",
        "axes.titlesize",
        "axes.labelsize",
        "xtick.labelsize",
        "ytick.labelsize",
        "legend.fontsize",
    ):
        assert matplotlib.rcParams[key] >= MIN_FONT_SIZE, key


def test_use_book_style_validates():
    with pytest.raises(TypeError, match="retina"):
        use_book_style(retina="yes")


def _texts(fig):
    return [
        t
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_text().strip() and t.get_visible()
    ]


def _drawn_width_in(fig):
    fig.canvas.draw()
    return (
        fig.get_tightbbox().width
    )  # inches, what the inline backend saves (bbox_inches="tight")


@pytest.mark.parametrize(
    "make",
    [
        lambda: plot_image_grid(
            np.zeros((20, 28, 28)), ncols=20, titles=list(range(20))
        ),
        lambda: plot_training_curves(
            {
                "reconstruction_loss": [3, 2],
                "kl_loss": [1, 2],
                "gsnn_loss": [4, 3],
            }
        ),
    ],
    ids=["wide image grid", "three loss panels"],
)
def test_figures_fit_the_column_with_text_of_at_least_9_pt(make, book_style):
    fig = make()
    shown = min(
        1.0, COLUMN_PX / (_drawn_width_in(fig) * DPI)
    )  # how much the page shrinks it
    small = [
        (t.get_text(), t.get_fontsize())
        for t in _texts(fig)
        if t.get_fontsize() * shown < MIN_FONT_SIZE - 0.01
    ]
    assert not small, (
        f"text below {MIN_FONT_SIZE} pt as shown (scale {shown:.2f}): {small[:5]}"
    )


def test_plot_aggregate_posterior_draws_codes_and_ratio(book_style):
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(50, 2))
    ratio = np.arange(25.0).reshape(5, 5) / 5 - 3  # rows: z_2 from the bottom
    fig = plot_aggregate_posterior(codes, ratio, extent=3.0)
    left, right = fig.axes[:2]
    np.testing.assert_allclose(
        left.collections[0].get_offsets(), codes, rtol=1e-6
    )
    image = right.images[0]
    assert image.origin == "lower" and tuple(image.get_extent()) == (
        -3,
        3,
        -3,
        3,
    )
    np.testing.assert_allclose(
        np.asarray(image.get_array()), np.clip(ratio, -2, 2)
    )
    assert right.collections, "the dashed 10-times-rarer contour is missing"
    assert len(left.patches) == 3, "the prior's circles of radius 1, 2, 3"


@pytest.mark.parametrize(
    "args, error",
    [
        ((np.zeros((5, 3)), np.zeros((4, 4)), 3.0), ValueError),
        ((np.zeros((5, 2)), np.zeros((4, 5)), 3.0), ValueError),
        ((np.zeros((5, 2)), np.full((4, 4), np.nan), 3.0), ValueError),
        ((np.zeros((5, 2)), np.zeros((4, 4)), -1.0), ValueError),
    ],
)
def test_plot_aggregate_posterior_validates(args, error):
    with pytest.raises(error):
        plot_aggregate_posterior(*args)
