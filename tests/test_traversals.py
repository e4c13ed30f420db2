"""Latent traversals (chapter "What the latent code means"): the codes, the decoded images, the plot and
the image statistics, on fake models whose images spell out the code they were decoded from."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cvae_utils  # noqa: E402
from cvae_utils.evaluate import (  # noqa: E402
    IMAGE_STATISTICS,
    image_statistics,
    latent_traversal,
    traversal_codes,
    traversal_effects,
    traversal_slopes,
)
from cvae_utils.plots import plot_latent_traversal  # noqa: E402


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class CodeVAE:
    """A 'VAE' whose decoder writes sigmoid(z_j) into pixel (0, j): the code can be read back from the image."""

    conditional = False

    def __init__(self, latent_dim=4):
        self.latent_dim = latent_dim

    def decode(self, z):
        z = np.asarray(z, dtype="float32")
        assert z.ndim == 2 and z.shape[1] == self.latent_dim
        images = np.zeros((len(z), 28, 28, 1), dtype="float32")
        images[:, 0, : self.latent_dim, 0] = _sigmoid(z)
        return images


class CodeCVAE(CodeVAE):
    """The same, conditional: the label y also lights pixel (1, y)."""

    conditional = True
    num_classes = 10

    def decode(self, z, y):
        y = np.asarray(y)
        assert y.shape == (len(z),)
        images = super().decode(z)
        images[np.arange(len(z)), 1, y, 0] = 1.0
        return images


def read_codes(images, latent_dim):
    """The codes a CodeVAE decoded the images from (the inverse of its decoder)."""
    p = np.asarray(images, dtype="float64").reshape(-1, 28, 28)[
        :, 0, :latent_dim
    ]
    return np.log(p) - np.log1p(-p)


Z = np.array([0.4, -1.1, 0.7, 1.5], dtype="float32")
OFFSETS = np.array([-2.0, -0.5, 0.0, 1.0, 2.5], dtype="float32")


# ---- traversal_codes -------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 2, 3])
def test_traversal_codes_move_only_the_chosen_coordinate_around_z(dim):
    z = Z.copy()
    codes = traversal_codes(z, dim, OFFSETS)
    assert codes.shape == (len(OFFSETS), len(Z)) and codes.dtype == np.float32
    others = [j for j in range(len(Z)) if j != dim]
    np.testing.assert_array_equal(
        codes[:, others], np.repeat(Z[None, others], len(OFFSETS), axis=0)
    )
    np.testing.assert_allclose(
        codes[:, dim], Z[dim] + OFFSETS, rtol=0, atol=1e-6
    )  # around z, not around 0
    np.testing.assert_array_equal(z, Z)  # the input is not modified
    codes[0, 0] = 99.0
    np.testing.assert_array_equal(z, Z)  # ... and not shared


def test_traversal_codes_validate_their_input():
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        traversal_codes(Z, 4, OFFSETS)
    with pytest.raises(ValueError, match="counted from 0"):
        traversal_codes(Z, -1, OFFSETS)
    with pytest.raises(TypeError, match="integer"):
        traversal_codes(Z, 1.0, OFFSETS)
    with pytest.raises(TypeError, match="integer"):
        traversal_codes(Z, True, OFFSETS)
    with pytest.raises(ValueError, match=r"pass z\[0\]"):
        traversal_codes(Z[None], 1, OFFSETS)
    with pytest.raises(ValueError, match="NaN"):
        traversal_codes(np.array([0.0, np.nan]), 0, OFFSETS)
    with pytest.raises(ValueError, match="offsets"):
        traversal_codes(Z, 0, [])
    with pytest.raises(ValueError, match="offsets"):
        traversal_codes(Z, 0, [[0.0, 1.0]])
    with pytest.raises(TypeError):
        traversal_codes("z", 0, OFFSETS)


# ---- latent_traversal and plot_latent_traversal ----------------------------------------------


def test_latent_traversal_decodes_one_row_per_dimension():
    model = CodeVAE()
    images = latent_traversal(model, Z, [3, 1], OFFSETS)
    assert images.shape == (2, len(OFFSETS), 28, 28, 1)
    for row, dim in enumerate([3, 1]):
        np.testing.assert_allclose(
            read_codes(images[row], 4),
            traversal_codes(Z, dim, OFFSETS),
            atol=1e-4,
        )


def test_latent_traversal_validates_model_code_dims_and_label():
    model = CodeVAE()
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        latent_traversal(model, Z[:3], [0], OFFSETS)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        latent_traversal(model, Z, [0, 4], OFFSETS)
    with pytest.raises(TypeError, match="dims"):
        latent_traversal(model, Z, [], OFFSETS)
    with pytest.raises(
        ValueError, match="is not conditional: label must be None"
    ):
        latent_traversal(model, Z, [0], OFFSETS, label=3)
    with pytest.raises(ValueError, match="is conditional: pass label"):
        latent_traversal(CodeCVAE(), Z, [0], OFFSETS)
    with pytest.raises(ValueError, match="label"):
        latent_traversal(CodeCVAE(), Z, [0], OFFSETS, label=10)
    with pytest.raises(TypeError, match="decode"):
        latent_traversal(object(), Z, [0], OFFSETS)


def figure_codes(fig, latent_dim):
    """The code behind every image of a traversal figure, row-major: (rows, cols, latent_dim)."""
    images = np.stack([ax.images[0].get_array() for ax in fig.axes])
    return read_codes(images, latent_dim)


@pytest.mark.parametrize("dims", [[2], [0, 3, 1]])
def test_the_plot_moves_the_dimension_of_each_row_and_no_other(dims):
    fig = plot_latent_traversal(
        CodeVAE(), Z, dims, OFFSETS, title="test traversal"
    )
    assert len(fig.axes) == len(dims) * len(OFFSETS)
    codes = figure_codes(fig, 4).reshape(len(dims), len(OFFSETS), 4)
    for row, dim in enumerate(dims):
        moved = np.abs(codes[row] - Z[None]) > 1e-3
        assert set(np.flatnonzero(moved.any(axis=0))) == {dim}, (
            f"row {row} must traverse dimension {dim} only"
        )
        np.testing.assert_allclose(
            codes[row, :, dim] - Z[dim], OFFSETS, atol=1e-3
        )
    assert fig.axes[0].get_ylabel() == f"z[{dims[0]}]"
    assert [fig.axes[c].get_title() for c in range(len(OFFSETS))] == [
        "-2",
        "-0.5",
        "+0",
        "+1",
        "+2.5",
    ]
    assert fig._suptitle.get_text() == "test traversal"
    plt.close(fig)


def test_a_cvae_plot_has_one_row_per_dimension_and_label():
    fig = plot_latent_traversal(CodeCVAE(), Z, [1, 2], OFFSETS, label=[3, 7])
    images = np.stack([ax.images[0].get_array() for ax in fig.axes]).reshape(
        4, len(OFFSETS), 28, 28
    )
    codes = read_codes(images, 4).reshape(4, len(OFFSETS), 4)
    for row, (dim, label) in enumerate([(1, 3), (1, 7), (2, 3), (2, 7)]):
        assert np.all(images[row, :, 1, label] == 1.0) and images[
            row, :, 1
        ].sum() == len(OFFSETS)
        np.testing.assert_allclose(
            codes[row], traversal_codes(Z, dim, OFFSETS), atol=1e-3
        )
    assert [fig.axes[r * len(OFFSETS)].get_ylabel() for r in range(4)] == [
        "z[1], label 3",
        "z[1], label 7",
        "z[2], label 3",
        "z[2], label 7",
    ]
    plt.close(fig)
    fig = plot_latent_traversal(
        CodeCVAE(), Z, 0, OFFSETS, label=5, row_labels=["style"]
    )
    assert (
        len(fig.axes) == len(OFFSETS) and fig.axes[0].get_ylabel() == "style"
    )
    plt.close(fig)


def test_the_plot_validates_its_input():
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        plot_latent_traversal(CodeVAE(), Z, [5], OFFSETS)
    with pytest.raises(TypeError, match="label"):
        plot_latent_traversal(CodeCVAE(), Z, [0], OFFSETS, label="3")
    with pytest.raises(ValueError, match="row_labels"):
        plot_latent_traversal(
            CodeVAE(), Z, [0, 1], OFFSETS, row_labels=["only one"]
        )
    with pytest.raises(ValueError, match="cell_size"):
        plot_latent_traversal(CodeVAE(), Z, [0], OFFSETS, cell_size=0)
    plt.close("all")


# ---- image statistics ------------------------------------------------------------------------


def test_image_statistics_of_known_shapes():
    images = np.zeros((4, 28, 28), dtype="float32")
    images[0, 4:24, 14] = 1.0  # an upright bar: no slant, no width
    for r in range(4, 24):  # leaning right: 1 column per 4 rows upwards
        images[1, r, 10 + (24 - r) // 4] = 1.0
    images[2] = images[1, :, ::-1]  # its mirror image leans left
    images[3, 10:18, 4:24] = 0.5  # a grey rectangle 20 columns wide
    stats = image_statistics(images[..., None])
    assert set(stats) == set(IMAGE_STATISTICS)
    np.testing.assert_allclose(stats["ink"], images.mean(axis=(1, 2)))
    assert stats["slant"][0] == 0.0 and stats["width"][0] == 0.0
    assert 0.2 < stats["slant"][1] < 0.3
    np.testing.assert_allclose(stats["slant"][2], -stats["slant"][1])
    np.testing.assert_allclose(
        stats["width"][3], np.sqrt((20**2 - 1) / 12)
    )  # sd of 20 equally spaced columns
    np.testing.assert_allclose(stats["slant"][3], 0.0, atol=1e-12)


def test_image_statistics_do_not_depend_on_position_or_contrast():
    image = np.zeros((1, 28, 28))
    for r in range(6, 22):
        image[0, r, 8 + (22 - r) // 3] = 0.8
    shifted = np.roll(image, (3, 5), axis=(1, 2))
    a, b, c = (
        image_statistics(image),
        image_statistics(shifted),
        image_statistics(0.5 * image),
    )
    for name in ("slant", "width"):
        np.testing.assert_allclose(b[name], a[name])
        np.testing.assert_allclose(c[name], a[name])
    np.testing.assert_allclose(c["ink"], 0.5 * a["ink"])


def test_image_statistics_validate_and_mark_blank_images():
    stats = image_statistics(np.zeros((2, 28, 28)))
    assert (
        np.all(stats["ink"] == 0)
        and np.all(np.isnan(stats["slant"]))
        and np.all(np.isnan(stats["width"]))
    )
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        image_statistics(np.full((1, 28, 28), 255.0))
    with pytest.raises(ValueError, match="single image"):
        image_statistics(np.zeros((28, 28)))


# ---- traversal_effects -----------------------------------------------------------------------


class InkVAE(CodeVAE):
    """Dimension 0 sets the brightness of a fixed slanted stroke; dimension 1 sets its width; 2 is ignored."""

    def __init__(self):
        super().__init__(latent_dim=3)

    def decode(self, z):
        z = np.asarray(z, dtype="float64")
        cols = np.arange(28)[None, None, :]
        rows = np.arange(28)[None, :, None]
        centre = 14 + (14 - rows) / 4.0  # leans right
        half_width = 2.0 + _sigmoid(z[:, 1])[:, None, None] * 4.0
        stroke = (
            (np.abs(cols - centre) <= half_width) & (rows >= 4) & (rows < 24)
        )
        return (stroke * _sigmoid(z[:, 0])[:, None, None] * 0.9)[
            ..., None
        ].astype("float32")


def test_traversal_effects_find_what_each_dimension_controls():
    model = InkVAE()
    codes = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    effects = traversal_effects(model, codes, np.linspace(-1, 1, 5))
    assert effects.shape == (3, len(IMAGE_STATISTICS))
    ink, slant, width = (
        IMAGE_STATISTICS.index(s) for s in ("ink", "slant", "width")
    )
    assert (
        effects[0, ink] > 0
        and abs(effects[0, width]) < 1e-6
        and abs(effects[0, slant]) < 1e-6
    )
    assert effects[1, width] > 0.1 and effects[1, ink] > 0
    np.testing.assert_allclose(
        effects[2], 0.0, atol=1e-9
    )  # an ignored dimension does nothing
    np.testing.assert_allclose(
        traversal_effects(model, codes, [-1, 1], dims=[2, 0]),
        traversal_effects(model, codes, [-1, 1])[[2, 0]],
    )


class SignFlipVAE(InkVAE):
    """Dimension 0 brightens the stroke when z[1] > 0 and darkens it when z[1] < 0."""

    def decode(self, z):
        z = np.array(z, dtype="float64")
        z[:, 0] *= np.sign(z[:, 1])
        z[:, 1] = 0.0  # the width stays fixed: only dimension 0 acts
        return super().decode(z)


def test_absolute_effects_do_not_cancel_where_signed_ones_do():
    """Bug caught: the mean of |slope| computed as |mean slope| (or the sign dropped from the
    signed mean): opposite effects on two halves of the codes must cancel in one and add in the
    other."""
    model = SignFlipVAE()
    codes = np.array(
        [[0.3, 1.0, 0.0], [0.3, -1.0, 0.0], [-0.5, 2.0, 0.0], [-0.5, -2.0, 0]],
        dtype="float32",
    )
    offsets = np.linspace(-1, 1, 5)
    ink = IMAGE_STATISTICS.index("ink")
    slopes = traversal_slopes(model, codes, offsets)
    assert slopes.shape == (4, 3, len(IMAGE_STATISTICS))
    assert slopes[0, 0, ink] > 0 and slopes[1, 0, ink] < 0
    np.testing.assert_allclose(slopes[0, 0, ink], -slopes[1, 0, ink])
    signed = traversal_effects(model, codes, offsets)
    absolute = traversal_effects(model, codes, offsets, absolute=True)
    assert abs(signed[0, ink]) < 1e-9  # the two halves cancel
    np.testing.assert_allclose(
        absolute[0, ink], np.abs(slopes[:, 0, ink]).mean()
    )
    assert absolute[0, ink] > 0.01
    np.testing.assert_allclose(absolute[2], 0.0, atol=1e-9)  # ignored
    # the effects are the average of the per-code slopes, row by row
    np.testing.assert_allclose(
        traversal_effects(InkVAE(), codes, offsets),
        traversal_slopes(InkVAE(), codes, offsets).mean(axis=0),
    )
    with pytest.raises(TypeError, match="absolute"):
        traversal_effects(model, codes, offsets, absolute="yes")


def test_traversal_slopes_follow_each_code_and_its_label():
    """Bug caught: the codes' order lost (slopes of one code reported for another)."""
    model = CodeCVAE()
    codes = np.zeros((3, 4), dtype="float32")
    codes[1, 2] = 3.0  # the sigmoid is flat there: a smaller slope
    slopes = traversal_slopes(
        model, codes, [-0.5, 0.5], dims=[2], label=[1, 5, 1]
    )
    ink = IMAGE_STATISTICS.index("ink")
    assert slopes.shape == (3, 1, len(IMAGE_STATISTICS))
    assert slopes[1, 0, ink] < 0.5 * slopes[0, 0, ink]
    np.testing.assert_allclose(slopes[0], slopes[2])
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        traversal_slopes(model, codes[0], [-1, 1], label=1)


def test_traversal_effects_validate_their_input():
    model = InkVAE()
    codes = np.zeros((2, 3), dtype="float32")
    with pytest.raises(ValueError, match="two different"):
        traversal_effects(model, codes, [1.0, 1.0])
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        traversal_effects(model, codes[0], [-1, 1])
    with pytest.raises(
        ValueError, match="is not conditional: label must be None"
    ):
        traversal_effects(model, codes, [-1, 1], label=1)
    with pytest.raises(ValueError, match="2 images|2 labels|must match"):
        traversal_effects(
            CodeCVAE(), np.zeros((2, 4)), [-1, 1], label=[1, 2, 3]
        )


def test_the_names_are_exported():
    for name in (
        "plot_latent_traversal",
        "traversal_codes",
        "latent_traversal",
        "image_statistics",
        "traversal_effects",
        "traversal_slopes",
    ):
        assert (
            name in cvae_utils.__all__
            and getattr(cvae_utils, name) is not None
        )


@pytest.mark.filterwarnings(
    "ignore:Mean of empty slice"
)  # slant is undefined for these one-row images
def test_traversal_effects_are_the_slopes_of_the_statistics_along_the_traversal_of_each_code():
    """Bug caught: the offsets written over the code instead of added to it. Around a code far from 0
    the decoder's sigmoid is flat, so the slope depends on where the traversal starts."""
    model = CodeVAE()
    codes = np.array(
        [[2.0, -1.0, 0.5, 3.0], [-2.5, 0.0, 1.0, -3.0]], dtype="float32"
    )
    offsets = np.linspace(-1.0, 1.0, 5)
    effects = traversal_effects(model, codes, offsets)
    for d in range(4):
        for name in ("ink", "width"):
            col, slopes = IMAGE_STATISTICS.index(name), []
            for z in codes:
                stats = image_statistics(
                    model.decode(traversal_codes(z, d, offsets))
                )[name]
                slopes.append(np.polyfit(offsets, stats, 1)[0])
            np.testing.assert_allclose(
                effects[d, col], np.mean(slopes), rtol=1e-4, atol=1e-7
            )
    assert abs(effects[3, IMAGE_STATISTICS.index("ink")]) < 0.5 * abs(
        effects[2, IMAGE_STATISTICS.index("ink")]
    )


def test_a_true_or_false_label_is_refused_not_read_as_1_or_0():
    """Bug caught: booleans taken for the classes 1 and 0."""
    with pytest.raises(TypeError, match="label"):
        plot_latent_traversal(CodeCVAE(), Z, 0, OFFSETS, label=[True])
    with pytest.raises(TypeError, match="label"):
        cvae_utils.decode_latent(CodeCVAE(), Z[None], True)
