"""The KL-weight chapter's self-checks accept the reference answers and reject the usual mistakes;
its helpers give known values on synthetic data."""

import math

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras import ops  # noqa: E402

import cvae_utils  # noqa: E402
from cvae_utils.exercises import kl_weight  # noqa: E402

# ---- reference answers (what the chapter's hidden solutions do) ------------------------------


def beta_loss(reconstruction, kl, beta):
    return reconstruction + beta * kl


def kl_per_dimension(z_mean, z_log_var):
    per_image = 0.5 * (np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var)
    return per_image.mean(axis=0)


def kl_per_dimension_ops(z_mean, z_log_var):
    per_image = 0.5 * (
        ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var
    )
    return ops.mean(per_image, axis=0)


def implicit_beta(image_shape, latent_dim, kl_averaged):
    values = math.prod(image_shape)
    return values / latent_dim if kl_averaged else values


def test_checks_accept_reference_answers(capsys):
    kl_weight.check_beta_loss(beta_loss)
    kl_weight.check_beta_loss(lambda r, k, b: ops.add(r, ops.multiply(b, k)))
    kl_weight.check_kl_per_dimension(kl_per_dimension)
    kl_weight.check_kl_per_dimension(kl_per_dimension_ops)
    kl_weight.check_implicit_beta(implicit_beta)
    assert capsys.readouterr().out.count("✓") == 5


# ---- ... and reject wrong ones ---------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda r, k, b: r + k, "ignored beta"),
        (lambda r, k, b: b * r + k, "multiplies the reconstruction"),
        (lambda r, k, b: b * (r + k), "multiplies both"),
        (lambda r, k, b: r - b * k, "added, not subtracted"),
        (lambda r, k, b: np.mean(r + b * k), "one number"),
        (lambda r, k, b: None, "forget `return`"),
        (lambda r, k, b: r + b * k + 1.0, "expected"),
        (
            lambda r, k, b: r + k / b if b else r,
            "expected",
        ),  # beta divides the KL
    ],
)
def test_beta_loss_check_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        kl_weight.check_beta_loss(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda m, lv: 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=-1),
            "summed over the dimensions",
        ),
        (
            lambda m, lv: 0.5 * (np.exp(lv) + m**2 - 1.0 - lv),
            "average the per-image values",
        ),
        (
            lambda m, lv: 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=0),
            "N times too large",
        ),
        (
            lambda m, lv: np.mean(np.exp(lv) + m**2 - 1.0 - lv, axis=0),
            "twice too large",
        ),
        (
            lambda m, lv: 0.5 * np.mean(np.exp(lv) + m**2 - lv, axis=0),
            "must be 0",
        ),
        (lambda m, lv: np.var(m, axis=0), "expected"),
        (
            lambda m, lv: (0.5 * (np.exp(0.5 * lv) + m**2 - 1.0 - lv)).mean(
                axis=0
            ),
            "standard deviation exp",
        ),
        (
            lambda m, lv: (0.5 * (np.exp(lv) + m**2 - 1.0 - lv)).mean(axis=1),
            "shape",
        ),  # averaged the wrong axis
        (lambda m, lv: None, "forget `return`"),
    ],
)
def test_kl_per_dimension_check_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        kl_weight.check_kl_per_dimension(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, d, avg: 1.0 / implicit_beta(s, d, avg), "1/beta"),
        (lambda s, d, avg: implicit_beta(s[:2], d, avg), "channels included"),
        (
            lambda s, d, avg: math.prod(s),
            "averaged over the latent dimensions too",
        ),
        (
            lambda s, d, avg: math.prod(s) * (d if avg else 1),
            "do not multiply",
        ),
        (lambda s, d, avg: 784, "expected"),
        (lambda s, d, avg: [implicit_beta(s, d, avg)] * 2, "one number"),
    ],
)
def test_implicit_beta_check_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        kl_weight.check_implicit_beta(wrong)


def test_checks_reject_non_callables():
    for check in (
        kl_weight.check_beta_loss,
        kl_weight.check_kl_per_dimension,
        kl_weight.check_implicit_beta,
    ):
        with pytest.raises(TypeError, match="function itself"):
            check(3.0)


# ---- helpers --------------------------------------------------------------------------------


def test_latent_activity_and_active_units_on_known_codes():
    rng = np.random.default_rng(0)
    z_mean = np.stack(
        [
            rng.normal(0, 1.0, 5000),
            rng.normal(0, 0.05, 5000),
            np.full(5000, 0.7),
            rng.normal(3, 0.2, 5000),
        ],
        axis=1,
    )
    activity = cvae_utils.latent_activity(z_mean)
    assert activity.shape == (4,)
    np.testing.assert_allclose(
        activity, [1.0, 0.0025, 0.0, 0.04], rtol=0.1, atol=1e-6
    )
    assert (
        cvae_utils.active_units(z_mean) == 2
    )  # 1.0 and 0.04 exceed 0.01; 0.0025 and 0 do not
    assert cvae_utils.active_units(z_mean, threshold=0.001) == 3
    assert (
        cvae_utils.active_units(
            keras.ops.convert_to_tensor(z_mean.astype("float32"))
        )
        == 2
    )


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.zeros(5), ValueError, "shape \\(N, latent_dim\\)"),
        (np.zeros((1, 3)), ValueError, "at least 2 rows"),
        (np.array([[0.0, np.nan], [1.0, 2.0]]), ValueError, "NaN"),
        ("codes", TypeError, "array of numbers"),
    ],
)
def test_latent_activity_validates_input(bad, error, message):
    with pytest.raises(error, match=message):
        cvae_utils.latent_activity(bad)


def test_active_units_validates_threshold():
    with pytest.raises(ValueError, match="threshold"):
        cvae_utils.active_units(np.zeros((3, 2)), threshold=-1.0)


def test_plot_rate_distortion_annotates_every_beta():
    fig = cvae_utils.plot_rate_distortion(
        [40.0, 25.0, 3.0], [90.0, 105.0, 180.0], [0.5, 1, 8]
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["β=0.5", "β=1", "β=8"]
    assert (
        "130.0" in ax.get_legend().get_texts()[0].get_text()
    )  # best -ELBO: 25 + 105
    plt.close(fig)


@pytest.mark.parametrize(
    "args, error, message",
    [
        (([1.0, 2.0], [1.0], [1, 2]), ValueError, "same length"),
        (([-1.0, 2.0], [1.0, 2.0], [1, 2]), ValueError, "negative"),
        (([1.0, 2.0], [1.0, 2.0], [1]), ValueError, "one entry per"),
        (([1.0, 2.0], [1.0, 2.0], "12"), TypeError, "list of numbers"),
    ],
)
def test_plot_rate_distortion_validates_input(args, error, message):
    with pytest.raises(error, match=message):
        cvae_utils.plot_rate_distortion(*args)


def test_plot_image_rows_draws_one_row_per_label():
    rows = [np.zeros((4, 28, 28, 1)), np.ones((4, 28, 28))]
    fig = cvae_utils.plot_image_rows(rows, ["β=0", "β=1"], title="t")
    assert len(fig.axes) == 8
    assert (
        fig.axes[0].get_ylabel() == "β=0" and fig.axes[4].get_ylabel() == "β=1"
    )
    plt.close(fig)


@pytest.mark.parametrize(
    "rows, labels, error, message",
    [
        (
            [np.zeros((4, 28, 28)), np.zeros((3, 28, 28))],
            ["a", "b"],
            ValueError,
            "same number of images",
        ),
        ([np.zeros((4, 28, 28))], ["a", "b"], ValueError, "one entry per row"),
        ([np.full((2, 28, 28), 255.0)], ["a"], ValueError, "\\[0, 1\\]"),
        ([], [], TypeError, "non-empty list"),
    ],
)
def test_plot_image_rows_validates_input(rows, labels, error, message):
    with pytest.raises(error, match=message):
        cvae_utils.plot_image_rows(rows, labels)


def test_plot_rate_distortion_symlog_axis():
    fig = cvae_utils.plot_rate_distortion(
        [500.0, 25.0, 0.0], [70.0, 105.0, 206.0], [0, 1, 784], xscale="symlog"
    )
    assert fig.axes[0].get_xscale() == "symlog"
    plt.close(fig)
    with pytest.raises(ValueError, match="xscale"):
        cvae_utils.plot_rate_distortion([1.0], [1.0], [1], xscale="log")


def test_plot_active_units_counts_bars():
    acts = [np.array([1.0, 0.5, 0.02, 0.0]), np.array([0.3, 0.001, 0.0, 0.0])]
    fig = cvae_utils.plot_active_units(acts, [1, 16])
    left = fig.axes[0]
    assert [t.get_text() for t in left.texts] == ["3", "1"]
    assert [t.get_text() for t in left.get_xticklabels()] == ["β=1", "β=16"]
    plt.close(fig)


@pytest.mark.parametrize(
    "acts, betas, error, message",
    [
        ([np.zeros((2, 2))], [1], ValueError, "shape \\(latent_dim,\\)"),
        ([np.array([-1.0, 0.0])], [1], ValueError, ">= 0"),
        ([np.ones(3)], [1, 2], ValueError, "one entry per"),
        ([], [], TypeError, "non-empty list"),
    ],
)
def test_plot_active_units_validates_input(acts, betas, error, message):
    with pytest.raises(error, match=message):
        cvae_utils.plot_active_units(acts, betas)
