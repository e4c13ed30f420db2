"""The figures draw what their titles say: the right images in the right cells, the right curves.

Each test reads the data drawn on the axes (``ax.images[0].get_array()``, line data, scatter
offsets) rather than counting axes, so a figure that draws the wrong thing fails. Written against
the flat API and killing mutants that ``tools/mutation_score.py`` found alive.
"""

from __future__ import annotations

import numpy as np
import pytest
from statistics import NormalDist

from cvae_utils import (CVAE, VAE, latent_grid, plot_conditional_grid, plot_image_grid, plot_interpolation,
                        plot_latent_manifold, plot_latent_scatter, plot_rate_distortion, plot_reconstructions,
                        plot_training_curves, tile)


def _images(n: int, seed: int = 0) -> np.ndarray:
    """Distinct images in [0, 1] (every one differs from every other), (n, 28, 28, 1)."""
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")


def _drawn(ax) -> np.ndarray:
    assert len(ax.images) == 1, "each cell shows one image"
    return np.asarray(ax.images[0].get_array())


def _assert_grey_scale_0_to_1(ax):
    image = ax.images[0]
    assert image.get_clim() == (0, 1), "pixel probabilities must be drawn on the fixed scale [0, 1]"
    assert image.get_cmap().name == "gray_r"


@pytest.fixture(scope="module")
def vae2():
    return VAE(latent_dim=2, seed=0)


@pytest.fixture(scope="module")
def cvae2():
    return CVAE(latent_dim=2, num_classes=3, seed=0)


# -- image figures ----------------------------------------------------------------------------
def test_plot_reconstructions_draws_originals_on_top_and_reconstructions_below():
    """Bugs caught: the originals drawn in both rows, the rows swapped, images shifted by one."""
    originals, reconstructions = _images(5, seed=1), _images(5, seed=2)
    fig = plot_reconstructions(originals, reconstructions, n=4)
    image_axes = [ax for ax in fig.axes if ax.images]
    assert len(image_axes) == 8, "two rows of n=4 images"
    top, bottom = image_axes[:4], image_axes[4:]
    for i in range(4):
        np.testing.assert_array_equal(_drawn(top[i]), originals[i, ..., 0])
        np.testing.assert_array_equal(_drawn(bottom[i]), reconstructions[i, ..., 0],
                                      err_msg="the bottom row must show the reconstructions")
        _assert_grey_scale_0_to_1(top[i])
        _assert_grey_scale_0_to_1(bottom[i])
    assert top[0].get_ylabel() == "original" and bottom[0].get_ylabel().startswith("reconstr")
    assert fig._suptitle is not None and fig._suptitle.get_text()


def test_plot_image_grid_draws_each_image_in_its_cell_row_by_row():
    images = _images(7, seed=3)
    fig = plot_image_grid(images, ncols=3, titles=[f"t{i}" for i in range(7)])
    cells = fig.axes
    assert len(cells) == 9
    for i in range(7):
        np.testing.assert_array_equal(_drawn(cells[i]), images[i, ..., 0])
        assert cells[i].get_title() == f"t{i}"
        _assert_grey_scale_0_to_1(cells[i])
    assert not cells[7].images and not cells[8].images and not cells[8].axison  # blank cells hidden


def test_tile_places_image_i_at_row_i_div_ncols_and_column_i_mod_ncols():
    images = _images(5, seed=4)
    canvas = tile(images, ncols=2)
    assert canvas.shape == (3 * 28, 2 * 28)
    for i in range(5):
        r, c = divmod(i, 2)
        np.testing.assert_array_equal(canvas[r * 28:(r + 1) * 28, c * 28:(c + 1) * 28], images[i, ..., 0])
    np.testing.assert_array_equal(canvas[2 * 28:, 28:], 0.0)


# -- latent figures -----------------------------------------------------------------------------
def test_latent_grid_sits_at_gaussian_quantiles_row_major_with_z2_decreasing():
    n = 4
    grid = latent_grid(n)
    axis = np.array([NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)], dtype="float32")
    np.testing.assert_allclose(grid[:n, 0], axis, rtol=1e-6)  # z1 grows along the first row
    np.testing.assert_allclose(grid[::n, 1], axis[::-1], rtol=1e-6)  # z2 falls down the rows
    np.testing.assert_allclose(grid[:n, 1], axis[-1])  # the first row is the top one
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
    np.testing.assert_allclose(_drawn(ax), tile(cvae2.decode(z, np.full(len(z), 2)), n), rtol=1e-5, atol=1e-6)


def test_plot_interpolation_decodes_the_straight_line_from_start_to_end(vae2, cvae2):
    start, end = np.array([-1.0, 0.5], "float32"), np.array([1.5, -2.0], "float32")
    steps = 5
    fig = plot_interpolation(vae2, start, end, steps=steps)
    path = np.linspace(0, 1, steps)[:, None] * (end - start) + start
    expected = vae2.decode(path.astype("float32"))[..., 0]
    drawn = [_drawn(ax) for ax in fig.axes if ax.images]
    assert len(drawn) == steps
    for i in range(steps):
        np.testing.assert_allclose(drawn[i], expected[i], rtol=1e-4, atol=1e-5)
    fig = plot_interpolation(cvae2, start, end, steps=4, label=0, label_end=2)
    path = (np.linspace(0, 1, 4)[:, None] * (end - start) + start).astype("float32")
    expected = cvae2.decode(path, np.array([0, 0, 2, 2]))[..., 0]  # the label switches half-way
    for i, ax in enumerate(ax for ax in fig.axes if ax.images):
        np.testing.assert_allclose(_drawn(ax), expected[i], rtol=1e-4, atol=1e-5)


def test_plot_conditional_grid_row_is_the_label_column_is_the_code(cvae2):
    z = np.array([[0.0, 0.0], [1.0, -1.0]], "float32")
    fig = plot_conditional_grid(cvae2, z=z, class_names=["a", "b", "c"])
    cells = [ax for ax in fig.axes if ax.images]
    assert len(cells) == 3 * 2
    for r in range(3):
        for c in range(2):
            expected = cvae2.decode(z[c:c + 1], [r])[0, ..., 0]
            np.testing.assert_allclose(_drawn(cells[r * 2 + c]), expected, rtol=1e-4, atol=1e-5)
    a = [_drawn(ax) for ax in plot_conditional_grid(cvae2, num_samples=2, seed=4).axes if ax.images]
    b = [_drawn(ax) for ax in plot_conditional_grid(cvae2, num_samples=2, seed=4).axes if ax.images]
    np.testing.assert_array_equal(a[0], b[0])  # a seed fixes the codes


def test_plot_latent_scatter_puts_each_point_at_its_code_in_its_class():
    z = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])
    labels = np.array([1, 0, 1, 0])
    ax = plot_latent_scatter(z, labels, class_names=["zero", "one"]).axes[0]
    by_label = {col.get_label(): np.asarray(col.get_offsets()) for col in ax.collections}
    np.testing.assert_allclose(by_label["zero"], z[labels == 0])
    np.testing.assert_allclose(by_label["one"], z[labels == 1])
    assert ax.get_xlabel() == "$z_1$" and ax.get_ylabel() == "$z_2$"


# -- training curves --------------------------------------------------------------------------
def test_plot_training_curves_draws_each_history_series_against_epochs_from_one():
    history = {"loss": [9.0, 7.0, 6.0], "reconstruction_loss": [8.0, 6.5, 5.5], "kl_loss": [1.0, 0.5, 0.5],
               "val_reconstruction_loss": [8.5, 7.0, 6.0], "val_kl_loss": [1.1, 0.6, 0.4]}
    fig = plot_training_curves(history)
    for ax, key in zip(fig.axes, ["reconstruction_loss", "kl_loss"]):
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(lines["train"].get_ydata(), history[key])
        np.testing.assert_array_equal(lines["test"].get_ydata(), history["val_" + key])
        assert ax.get_ylabel() == "nats per image"
    assert "KL" in fig.axes[1].get_title() and "Reconstruction" in fig.axes[0].get_title()


def test_strip_ends_are_labelled_and_default_names_are_the_class_numbers(vae2, cvae2):
    axes = plot_interpolation(vae2, [0.0, 0.0], [1.0, 1.0], steps=3).axes
    words = [{ax.get_xlabel(), ax.get_title()} - {""} for ax in axes]  # a label or a column title
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

    rates, distortions = np.array([500.0, 25.0, 0.0]), np.array([70.0, 105.0, 206.0])
    fig, ax = plt.subplots()
    assert plot_rate_distortion(rates, distortions, [0, 1, 784], ax=ax, xscale=xscale) is fig
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < rates.min() and rates.max() < x1 and y0 < distortions.min() and distortions.max() < y1
    plt.close(fig)
