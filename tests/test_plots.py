"""Every plotting helper returns a matplotlib Figure with the expected axes (Agg backend)."""

from __future__ import annotations

import base64
import io
import re
from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import binary_images, class_labels, grey_images
from matplotlib.figure import Figure
from PIL import Image

from cvae_utils import plot_rate_distortion
from cvae_utils.models import CVAE, VAE, Autoencoder
from cvae_utils.plots import (
    grid_animation,
    latent_grid,
    plot_conditional_grid,
    plot_image_grid,
    plot_interpolation,
    plot_latent_manifold,
    plot_latent_scatter,
    plot_reconstructions,
    plot_training_curves,
    tile,
)


@pytest.fixture(scope="module")
def vae2():
    return VAE(latent_dim=2, seed=0)


@pytest.fixture(scope="module")
def cvae2():
    return CVAE(latent_dim=2, num_classes=3, seed=0)


def _image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def _assert_no_ticks(axes):
    for ax in axes:
        assert not ax.get_xticks().size and not ax.get_yticks().size


def test_plot_image_grid_axes_titles_and_blank_cells():
    fig = plot_image_grid(
        binary_images(12), ncols=5, titles=list(range(12)), title="grid"
    )
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 15  # 3 rows of 5
    assert len(_image_axes(fig)) == 12
    assert [ax.get_title() for ax in fig.axes[:3]] == ["0", "1", "2"]
    assert fig._suptitle.get_text() == "grid"
    _assert_no_ticks(fig.axes)


def test_plot_image_grid_accepts_images_without_channel_axis_and_few_images():
    fig = plot_image_grid(binary_images(3)[..., 0], ncols=8)
    assert len(fig.axes) == 3  # ncols shrinks to the number of images


def test_plot_reconstructions_two_rows():
    x = binary_images(8)
    fig = plot_reconstructions(x, x * 0.5, n=6)
    assert (
        isinstance(fig, Figure)
        and len(fig.axes) == 12
        and len(_image_axes(fig)) == 12
    )
    assert fig.axes[0].get_ylabel() == "original"


def test_plot_latent_scatter_one_axes_with_legend():
    z = np.random.default_rng(0).normal(size=(30, 2))
    fig = plot_latent_scatter(
        z, class_labels(30, 3), class_names=["a", "b", "c"]
    )
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "a",
        "b",
        "c",
    ]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_plot_latent_scatter_reads_without_colour_labels_at_medians_and_one_marker_per_class():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 20)
    z = (
        rng.normal(scale=0.1, size=(60, 2))
        + np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])[labels]
    )
    ax = plot_latent_scatter(z, labels, class_names=["a", "b", "c"]).axes[0]
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    for c, name in enumerate("abc"):
        assert np.allclose(texts[name], np.median(z[labels == c], axis=0)), (
            f"label {name} not at its median"
        )
    paths = [
        tuple(map(tuple, col.get_paths()[0].vertices.round(3)))
        for col in ax.collections
    ]
    assert len(set(paths)) == 3, "each class needs its own marker shape"
    colors = [tuple(col.get_facecolor()[0][:3]) for col in ax.collections]
    assert len(set(colors)) == 3


def test_plot_latent_scatter_draws_into_a_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = plot_latent_scatter(np.zeros((4, 2)), [0, 1, 1, 0], ax=axes[1])
    assert (
        out is fig
        and len(fig.axes) == 2
        and axes[1].collections
        and not axes[0].collections
    )


def test_plot_latent_manifold(vae2, cvae2):
    fig = plot_latent_manifold(vae2, n=5)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert fig.axes[0].images[0].get_array().shape == (5 * 28, 5 * 28)
    fig = plot_latent_manifold(cvae2, n=4, label=2)
    assert len(fig.axes) == 1 and "label 2" in fig.axes[0].get_title()


def test_plot_interpolation(vae2, cvae2):
    fig = plot_interpolation(vae2, [0.0, 0.0], [1.0, -1.0], steps=7)
    assert (
        isinstance(fig, Figure)
        and len(fig.axes) == 7
        and len(_image_axes(fig)) == 7
    )
    fig = plot_interpolation(
        cvae2, np.zeros(2), np.ones(2), steps=4, label=0, label_end=2
    )
    assert len(fig.axes) == 4


def test_plot_conditional_grid(cvae2):
    fig = plot_conditional_grid(
        cvae2, num_samples=4, class_names=["x", "y", "z"]
    )
    assert isinstance(fig, Figure) and len(fig.axes) == 3 * 4
    assert [fig.axes[r * 4].get_ylabel() for r in range(3)] == ["x", "y", "z"]
    fig = plot_conditional_grid(cvae2, z=np.zeros((2, 2)))
    assert len(fig.axes) == 3 * 2


@pytest.mark.parametrize(
    "history, panels",
    [
        (
            {
                "loss": [3, 2],
                "reconstruction_loss": [2, 1.5],
                "kl_loss": [1, 0.5],
                "val_reconstruction_loss": [2.1, 1.6],
                "val_kl_loss": [1, 0.6],
            },
            2,
        ),
        ({"loss": [3, 2], "reconstruction_loss": [3, 2]}, 1),  # autoencoder
        ({"loss": [3, 2, 1]}, 1),
    ],
)
def test_plot_training_curves(history, panels):
    fig = plot_training_curves(history)
    assert isinstance(fig, Figure) and len(fig.axes) == panels
    for ax in fig.axes:
        assert ax.get_xlabel() == "epoch" and ax.get_legend() is not None


def test_plot_training_curves_accepts_a_keras_history():
    class FakeHistory:  # what keras.callbacks.History exposes
        history = {"reconstruction_loss": [5.0], "kl_loss": [1.0]}

    assert len(plot_training_curves(FakeHistory()).axes) == 2


def test_latent_grid_and_tile():
    grid = latent_grid(4)
    assert grid.shape == (16, 2) and grid.dtype == np.float32
    assert (
        grid[0, 0] < grid[-1, 0] and grid[0, 1] > grid[-1, 1]
    )  # z1 grows to the right, z2 down the rows
    linear = latent_grid(3, extent=2.0)
    assert linear.min() == -2.0 and linear.max() == 2.0
    canvas = tile(binary_images(5), ncols=2)
    assert canvas.shape == (3 * 28, 2 * 28)
    assert np.all(canvas[2 * 28 :, 28:] == 0)  # the blank sixth cell


def _frames(html):
    return re.findall(r'"(data:image/webp;base64,[^"]+)"', html)


def test_grid_animation_opens_on_the_last_snapshot_and_holds_each_once():
    snapshots = [
        (epoch, binary_images(4, seed=epoch)) for epoch in (0, 1, 2, 4)
    ]
    html = grid_animation(snapshots, ncols=2, title="demo").to_html()
    script = html[html.index("<script>") :]
    frames = _frames(script)
    assert len(frames) == 4 and len(set(frames)) == 4
    shown = re.search(r'<img src="([^"]+)"', html).group(1)
    assert shown == frames[-1]  # the trained grid, not the untrained one
    assert 'alt="demo, epoch 4"' in html and "<output>4</output>" in html
    assert 'max="3"' in html and 'value="3"' in html
    assert "[0, 1, 2, 4]" in script  # the epochs the slider names
    assert 'width="56" height="56"' in html  # a 2x2 tile of 28 px images


def test_grid_animation_frames_are_the_tiled_snapshots():
    images = binary_images(4, seed=3)
    html = grid_animation([(0, images)], ncols=2, quality=100).to_html()
    data = base64.b64decode(_frames(html)[0].split(",", 1)[1])
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("L")) / 255
    expected = 1 - tile(images, 2)  # dark digits on white
    assert decoded.shape == expected.shape
    assert np.abs(decoded - expected).mean() < 0.05


def test_grid_animation_is_shown_by_jupyter_and_stays_small():
    # blurred blobs of varying width, like a decoder's images early on
    rows, cols = np.mgrid[:28, :28]
    width = np.linspace(2, 8, 225)[:, None, None]
    blobs = np.exp(-((rows - 14) ** 2 + (cols - 14) ** 2) / (2 * width**2))
    snapshots = [
        (epoch, blobs[..., None] ** (epoch + 1)) for epoch in range(7)
    ]
    anim = grid_animation(snapshots, ncols=15)
    html = anim._repr_html_()
    assert html == anim.to_html()
    assert len(html) < 7 * 30_000  # about 15 KB a frame; PNG: 2.5x more


def test_autoencoder_manifold_is_allowed_for_2d_codes():
    fig = plot_latent_manifold(Autoencoder(latent_dim=2), n=3, extent=1.0)
    assert len(fig.axes) == 1


def test_plot_training_curves_titles_name_the_condition():
    class FakeModel:
        conditional = True

    class FakeHistory:
        history = {"reconstruction_loss": [5.0], "kl_loss": [1.0]}
        model = FakeModel()

    titles = [
        ax.get_title() for ax in plot_training_curves(FakeHistory()).axes
    ]
    assert titles == ["Reconstruction (−log p(x|z,y))", "KL(q(z|x,y) ‖ p(z))"]
    titles = [
        ax.get_title() for ax in plot_training_curves(FakeHistory.history).axes
    ]
    assert titles == ["Reconstruction (−log p(x|z))", "KL(q(z|x) ‖ p(z))"]
    with pytest.raises(TypeError, match="conditional must be"):
        plot_training_curves(FakeHistory.history, conditional="yes")


def test_rate_distortion_and_active_units_can_name_models_that_share_one_beta():
    from cvae_utils import plot_active_units, plot_rate_distortion

    names = ["plain", "warm-up", "free bits"]
    fig = plot_rate_distortion(
        [0.5, 1.3, 7.0], [195.0, 178.0, 136.0], [16, 16, 16], labels=names
    )
    assert [t.get_text() for t in fig.axes[0].texts] == names
    fig = plot_active_units(
        [np.full(4, 0.001), np.full(4, 0.02), np.full(4, 0.5)],
        [16, 16, 16],
        labels=names,
    )
    counts, activities = fig.axes
    assert [
        t.get_text() for t in counts.get_xticklabels()
    ] == names and counts.get_title() == "Active units per model"
    assert [line.get_label() for line in activities.get_lines()][:3] == names
    with pytest.raises(ValueError, match="one name per point"):
        plot_rate_distortion([0.5], [195.0], [16], labels=["a", "b"])


# -- behaviour: ------------------------------------------------------------
# The figures draw what their titles say: the right images in the right cells, the right curves.
#
# Each test reads the data drawn on the axes (``ax.images[0].get_array()``, line data, scatter
# offsets) rather than counting axes, so a figure that draws the wrong thing fails. Written against
# the flat API and killing mutants that ``tools/mutation_score.py`` found alive.


def _drawn(ax) -> np.ndarray:
    assert len(ax.images) == 1, "each cell shows one image"
    return np.asarray(ax.images[0].get_array())


def _assert_grey_scale_0_to_1(ax):
    image = ax.images[0]
    assert image.get_clim() == (0, 1), (
        "pixel probabilities must be drawn on the fixed scale [0, 1]"
    )
    assert image.get_cmap().name == "gray_r"


# -- image figures ----------------------------------------------------------------------------
def test_plot_reconstructions_draws_originals_on_top_and_reconstructions_below():
    """Bugs caught: the originals drawn in both rows, the rows swapped, images shifted by one."""
    originals, reconstructions = grey_images(5, seed=1), grey_images(5, seed=2)
    fig = plot_reconstructions(originals, reconstructions, n=4)
    image_axes = [ax for ax in fig.axes if ax.images]
    assert len(image_axes) == 8, "two rows of n=4 images"
    top, bottom = image_axes[:4], image_axes[4:]
    for i in range(4):
        np.testing.assert_array_equal(_drawn(top[i]), originals[i, ..., 0])
        np.testing.assert_array_equal(
            _drawn(bottom[i]),
            reconstructions[i, ..., 0],
            err_msg="the bottom row must show the reconstructions",
        )
        _assert_grey_scale_0_to_1(top[i])
        _assert_grey_scale_0_to_1(bottom[i])
    assert top[0].get_ylabel() == "original" and bottom[
        0
    ].get_ylabel().startswith("reconstr")
    assert fig._suptitle is not None and fig._suptitle.get_text()


def test_plot_image_grid_draws_each_image_in_its_cell_row_by_row():
    images = grey_images(7, seed=3)
    fig = plot_image_grid(images, ncols=3, titles=[f"t{i}" for i in range(7)])
    cells = fig.axes
    assert len(cells) == 9
    for i in range(7):
        np.testing.assert_array_equal(_drawn(cells[i]), images[i, ..., 0])
        assert cells[i].get_title() == f"t{i}"
        _assert_grey_scale_0_to_1(cells[i])
    assert (
        not cells[7].images and not cells[8].images and not cells[8].axison
    )  # blank cells hidden


def test_tile_places_image_i_at_row_i_div_ncols_and_column_i_mod_ncols():
    images = grey_images(5, seed=4)
    canvas = tile(images, ncols=2)
    assert canvas.shape == (3 * 28, 2 * 28)
    for i in range(5):
        r, c = divmod(i, 2)
        np.testing.assert_array_equal(
            canvas[r * 28 : (r + 1) * 28, c * 28 : (c + 1) * 28],
            images[i, ..., 0],
        )
    np.testing.assert_array_equal(canvas[2 * 28 :, 28:], 0.0)


# -- latent figures -----------------------------------------------------------------------------
def test_latent_grid_sits_at_gaussian_quantiles_row_major_with_z2_decreasing():
    n = 4
    grid = latent_grid(n)
    axis = np.array(
        [NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)],
        dtype="float32",
    )
    np.testing.assert_allclose(
        grid[:n, 0], axis, rtol=1e-6
    )  # z1 grows along the first row
    np.testing.assert_allclose(
        grid[::n, 1], axis[::-1], rtol=1e-6
    )  # z2 falls down the rows
    np.testing.assert_allclose(
        grid[:n, 1], axis[-1]
    )  # the first row is the top one
    linear = latent_grid(3, extent=2.0)
    np.testing.assert_allclose(linear[:3, 0], [-2.0, 0.0, 2.0])
    np.testing.assert_allclose(linear[::3, 1], [2.0, 0.0, -2.0])


def test_plot_latent_manifold_draws_the_decoded_grid(vae2, cvae2):
    n = 3
    ax = plot_latent_manifold(vae2, n=n).axes[0]
    expected = tile(vae2.decode(latent_grid(n)), n)
    np.testing.assert_allclose(_drawn(ax), expected, rtol=1e-5, atol=1e-6)
    _assert_grey_scale_0_to_1(ax)
    ax = plot_latent_manifold(cvae2, n=n, label=2, extent=1.5).axes[0]
    z = latent_grid(n, extent=1.5)
    np.testing.assert_allclose(
        _drawn(ax),
        tile(cvae2.decode(z, np.full(len(z), 2)), n),
        rtol=1e-5,
        atol=1e-6,
    )


def test_plot_interpolation_decodes_the_straight_line_from_start_to_end(
    vae2, cvae2
):
    start, end = (
        np.array([-1.0, 0.5], "float32"),
        np.array([1.5, -2.0], "float32"),
    )
    steps = 5
    fig = plot_interpolation(vae2, start, end, steps=steps)
    path = np.linspace(0, 1, steps)[:, None] * (end - start) + start
    expected = vae2.decode(path.astype("float32"))[..., 0]
    drawn = [_drawn(ax) for ax in fig.axes if ax.images]
    assert len(drawn) == steps
    for i in range(steps):
        np.testing.assert_allclose(drawn[i], expected[i], rtol=1e-4, atol=1e-5)
    fig = plot_interpolation(cvae2, start, end, steps=4, label=0, label_end=2)
    path = (np.linspace(0, 1, 4)[:, None] * (end - start) + start).astype(
        "float32"
    )
    expected = cvae2.decode(path, np.array([0, 0, 2, 2]))[
        ..., 0
    ]  # the label switches half-way
    for i, ax in enumerate(ax for ax in fig.axes if ax.images):
        np.testing.assert_allclose(
            _drawn(ax), expected[i], rtol=1e-4, atol=1e-5
        )


def test_plot_conditional_grid_row_is_the_label_column_is_the_code(cvae2):
    z = np.array([[0.0, 0.0], [1.0, -1.0]], "float32")
    fig = plot_conditional_grid(cvae2, z=z, class_names=["a", "b", "c"])
    cells = [ax for ax in fig.axes if ax.images]
    assert len(cells) == 3 * 2
    for r in range(3):
        for c in range(2):
            expected = cvae2.decode(z[c : c + 1], [r])[0, ..., 0]
            np.testing.assert_allclose(
                _drawn(cells[r * 2 + c]), expected, rtol=1e-4, atol=1e-5
            )
    a = [
        _drawn(ax)
        for ax in plot_conditional_grid(cvae2, num_samples=2, seed=4).axes
        if ax.images
    ]
    b = [
        _drawn(ax)
        for ax in plot_conditional_grid(cvae2, num_samples=2, seed=4).axes
        if ax.images
    ]
    np.testing.assert_array_equal(a[0], b[0])  # a seed fixes the codes


def test_plot_latent_scatter_leaves_the_callers_layout_alone():
    """Bug caught: the function laid out the caller's whole figure
    (tight_layout), replacing its constrained layout, so a grid of scatters
    with a suptitle had titles over the panels above (chapter 08)."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig, axes = plt.subplots(1, 2, layout="constrained")
    plot_latent_scatter(np.zeros((4, 2)), [0, 1, 1, 0], ax=axes[0])
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    plt.close(fig)


def test_plot_latent_scatter_puts_each_point_at_its_code_in_its_class():
    z = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])
    labels = np.array([1, 0, 1, 0])
    ax = plot_latent_scatter(z, labels, class_names=["zero", "one"]).axes[0]
    by_label = {
        col.get_label(): np.asarray(col.get_offsets())
        for col in ax.collections
    }
    np.testing.assert_allclose(by_label["zero"], z[labels == 0])
    np.testing.assert_allclose(by_label["one"], z[labels == 1])
    assert ax.get_xlabel() == "$z_1$" and ax.get_ylabel() == "$z_2$"


# -- training curves --------------------------------------------------------------------------
def test_plot_training_curves_draws_each_history_series_against_epochs_from_one():
    history = {
        "loss": [9.0, 7.0, 6.0],
        "reconstruction_loss": [8.0, 6.5, 5.5],
        "kl_loss": [1.0, 0.5, 0.5],
        "val_reconstruction_loss": [8.5, 7.0, 6.0],
        "val_kl_loss": [1.1, 0.6, 0.4],
    }
    fig = plot_training_curves(history)
    for ax, key in zip(fig.axes, ["reconstruction_loss", "kl_loss"]):
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(lines["train"].get_ydata(), history[key])
        np.testing.assert_array_equal(
            lines["test"].get_ydata(), history["val_" + key]
        )
        assert ax.get_ylabel() == "nats per image"
    assert (
        "KL" in fig.axes[1].get_title()
        and "Reconstruction" in fig.axes[0].get_title()
    )


def test_strip_ends_are_labelled_and_default_names_are_the_class_numbers(
    vae2, cvae2
):
    axes = plot_interpolation(vae2, [0.0, 0.0], [1.0, 1.0], steps=3).axes
    words = [
        {ax.get_xlabel(), ax.get_title()} - {""} for ax in axes
    ]  # a label or a column title
    assert words == [{"start"}, set(), {"end"}]
    fig = plot_conditional_grid(cvae2, num_samples=2)
    assert [ax.get_ylabel() for ax in fig.axes[::2]] == ["0", "1", "2"]
    ax = plot_latent_scatter(np.zeros((3, 2)), [0, 2, 2]).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "2"]


def test_a_figure_drawn_into_a_given_axes_returns_that_axes_figure(vae2):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    assert plot_latent_manifold(vae2, n=2, ax=axes[1]) is fig
    assert axes[1].images and not axes[0].images


@pytest.mark.parametrize("xscale", ["linear", "symlog"])
def test_plot_rate_distortion_into_a_given_axes_shows_every_point(xscale):
    """Bugs caught: no Figure returned when drawing into an axes; axis limits that cut points off."""
    import matplotlib.pyplot as plt

    rates, distortions = (
        np.array([500.0, 25.0, 0.0]),
        np.array([70.0, 105.0, 206.0]),
    )
    fig, ax = plt.subplots()
    assert (
        plot_rate_distortion(
            rates, distortions, [0, 1, 784], ax=ax, xscale=xscale
        )
        is fig
    )
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert (
        x0 < rates.min()
        and rates.max() < x1
        and y0 < distortions.min()
        and distortions.max() < y1
    )
    plt.close(fig)


def test_per_class_bars_lie_down_with_class_zero_on_top():
    """plot_class_values (chapter 09) is plot_per_class lying down: values along x, classes on y."""
    from cvae_utils import plot_class_values

    fig = plot_class_values(
        {"a": [1.0, 2.0, 3.0]}, ["x", "y", "z"], title="t", xlabel="nats"
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    assert (
        ax.yaxis_inverted()
        and ax.get_xlabel() == "nats"
        and ax.get_ylabel() == "class"
    )
    assert [p.get_width() for p in ax.patches] == [1.0, 2.0, 3.0]
    plt.close(fig)


def test_rate_distortion_line_of_smallest_elbo_runs_from_zero_rate_to_its_total():
    """Bug caught: the dashed line R + D = const drawn over the wrong span
    (np.linspace without its end), so it no longer meets the axes where the
    text says."""
    rates, dists = [0.5, 4.0, 12.0], [190.0, 150.0, 140.0]
    ax = plot_rate_distortion(rates, dists, betas=[8, 2, 1]).axes[0]
    (line,) = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    x, y = line.get_xdata(), line.get_ydata()
    total = 12.0 + 140.0
    assert x[0] == 0.0 and x[-1] == pytest.approx(total)
    np.testing.assert_allclose(x + y, total)
    plt.close("all")


def test_rate_distortion_view_is_the_points_not_the_long_line():
    """Bug caught: an axis limit dropped, so autoscaling stretches the view
    to the whole dashed line and the points bunch up in a corner."""
    # the smallest -ELBO (30 + 100) lies far beyond the points: its line
    # runs to (130, 0) and (0, 130)
    rates, dists = np.array([30.0, 40.0, 50.0]), np.array([100.0, 95.0, 93.0])
    ax = plot_rate_distortion(rates, dists, [8, 2, 1]).axes[0]
    bottom, top = ax.get_ylim()
    left, right = ax.get_xlim()
    span_d, span_r = (
        dists.max() - dists.min() + 1,
        rates.max() - rates.min() + 1,
    )
    assert bottom < dists.min() and dists.max() < top
    assert top - dists.max() < 0.2 * span_d
    assert left <= 0.0 and rates.max() < right < rates.max() + 0.5 * span_r
    # the points are coloured in the order given (light to dark: weak to strong beta)
    (points,) = ax.collections
    np.testing.assert_array_equal(points.get_array(), [0, 1, 2])
    plt.close("all")


def test_active_units_counts_start_at_zero_and_each_beta_keeps_its_colour():
    """Bug caught: the bar axis not starting at 0 (small differences in the
    count look large), or a beta's activity curve in another colour than its
    bar."""
    from matplotlib.colors import to_rgba

    from cvae_utils.plots import plot_active_units

    acts = [
        np.array([1.0, 0.5, 0.02, 0.001]),
        np.array([0.8, 0.003, 1e-4, 0.0]),
        np.array([0.9, 0.2, 1e-4, 0.0]),
    ]
    fig = plot_active_units(acts, [1, 4, 8])
    left, right = fig.axes[:2]
    assert left.get_ylim()[0] == 0
    bars = [to_rgba(b.get_facecolor()) for b in left.patches]
    curves = [to_rgba(ln.get_color()) for ln in right.lines[:3]]
    assert len(set(bars)) == 3
    assert curves == bars
    plt.close(fig)


def test_training_curves_carry_their_title():
    """Bug caught: the figure's title dropped (fig.suptitle(None))."""
    hist = {"reconstruction_loss": [3.0, 2.0], "kl_loss": [1.0, 1.5]}
    fig = plot_training_curves(hist, title="My run")
    assert fig._suptitle is not None and fig._suptitle.get_text() == "My run"
    plt.close(fig)


def test_schematic_boxes_do_not_overlap_and_every_arrow_joins_two_boxes():
    """Bug caught: a box moved (it overlaps its neighbour or leaves the
    figure), or an arrow that points at nothing."""
    from matplotlib.patches import FancyBboxPatch
    from matplotlib.text import Annotation

    from cvae_utils.plots import plot_latent_variable_schematic

    fig = plot_latent_variable_schematic()
    ax = fig.axes[0]
    boxes = [
        (
            p.get_x(),
            p.get_y(),
            p.get_x() + p.get_width(),
            p.get_y() + p.get_height(),
        )
        for p in ax.patches
        if isinstance(p, FancyBboxPatch)
    ]
    assert len(boxes) == 6
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    for i, (a0, b0, a1, b1) in enumerate(boxes):
        assert x_lo <= a0 and a1 <= x_hi and y_lo <= b0 and b1 <= y_hi
        for c0, d0, c1, d1 in boxes[i + 1 :]:
            assert a1 <= c0 or c1 <= a0 or b1 <= d0 or d1 <= b0, (
                "boxes overlap"
            )

    def gap(point, box):  # distance from a point to a box (0 inside)
        (x, y), (a0, b0, a1, b1) = point, box
        return np.hypot(max(a0 - x, 0, x - a1), max(b0 - y, 0, y - b1))

    arrows = [
        t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch
    ]
    assert len(arrows) == 5
    for arrow in arrows:
        start, end = arrow.xyann, arrow.xy
        touched = {
            min(range(len(boxes)), key=lambda k: gap(p, boxes[k]))
            for p in (start, end)
        }
        assert all(min(gap(p, b) for b in boxes) < 0.2 for p in (start, end))
        assert len(touched) == 2, "an arrow must join two different boxes"
    plt.close(fig)
