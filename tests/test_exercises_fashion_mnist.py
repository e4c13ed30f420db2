"""The Fashion-MNIST chapter's self-checks accept the reference answers and reject typical wrong
ones; its analysis helpers give known values on synthetic data."""

import math

import numpy as np
import pytest

import cvae_utils
from cvae_utils.exercises import fashion_mnist as fashion

# ---- reference answers (what the chapter's hidden solutions do) ------------------------------


def class_centroid_distances(z, labels, num_classes=10):
    centroids = np.stack(
        [z[labels == c].mean(axis=0) for c in range(num_classes)]
    )
    return np.linalg.norm(
        centroids[:, None, :] - centroids[None, :, :], axis=-1
    )


def per_class_mean(values, labels, num_classes=10):
    return np.array([values[labels == c].mean() for c in range(num_classes)])


def bernoulli_entropy_floor(x):
    p = np.clip(x.reshape(len(x), -1).astype("float64"), 1e-12, 1 - 1e-12)
    return -(p * np.log(p) + (1 - p) * np.log(1 - p)).sum(axis=1)


def test_checks_accept_reference_answers(capsys):
    fashion.check_class_centroid_distances(class_centroid_distances)
    fashion.check_per_class_mean(per_class_mean)
    fashion.check_bernoulli_entropy_floor(bernoulli_entropy_floor)
    assert capsys.readouterr().out.count("✓") == 3


def test_entropy_check_accepts_float32_clipping():
    def clipped(x):
        p = np.clip(x.reshape(len(x), -1), 1e-7, 1 - 1e-7)
        return -(p * np.log(p) + (1 - p) * np.log(1 - p)).sum(axis=1)

    fashion.check_bernoulli_entropy_floor(clipped)


# ---- ... and reject wrong ones ---------------------------------------------------------------


def _centroids(z, labels, num_classes):
    return np.stack([z[labels == c].mean(axis=0) for c in range(num_classes)])


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda z, labels, num_classes=10: (
                class_centroid_distances(z, labels, num_classes) ** 2
            ),
            "squared",
        ),
        (
            lambda z, labels, num_classes=10: np.abs(
                _centroids(z, labels, num_classes)[:, None, :]
                - _centroids(z, labels, num_classes)[None, :, :]
            ).sum(-1),
            "wrong",
        ),
        (
            lambda z, labels, num_classes=10: np.linalg.norm(
                z[:num_classes, None] - z[None, :num_classes], axis=-1
            ),
            "wrong",
        ),
        (
            lambda z, labels, num_classes=10: class_centroid_distances(
                z, labels, num_classes
            )[:, :2],
            "shape",
        ),
        (
            lambda z, labels, num_classes=10: (
                class_centroid_distances(z, labels, num_classes) + 1.0
            ),
            "diagonal",
        ),
        (
            lambda z, labels, num_classes=10: np.triu(
                class_centroid_distances(z, labels, num_classes)
            ),
            "symmetric",
        ),
        # the mean over the latent dimensions instead of over the codes of a class
        (
            lambda z, labels, num_classes=10: np.linalg.norm(
                np.stack(
                    [
                        z[labels == c].mean(axis=1).mean()
                        * np.ones(z.shape[1])
                        for c in range(num_classes)
                    ]
                )[:, None]
                - np.stack(
                    [
                        z[labels == c].mean(axis=1).mean()
                        * np.ones(z.shape[1])
                        for c in range(num_classes)
                    ]
                )[None],
                axis=-1,
            ),
            "wrong",
        ),
        (lambda z, labels, num_classes=10: None, "forget `return`"),
    ],
)
def test_centroid_check_rejects_wrong_answers(wrong, message):
    with pytest.raises(AssertionError, match=message):
        fashion.check_class_centroid_distances(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda v, y, num_classes=10: np.full(num_classes, v.mean()),
            "ALL values",
        ),
        (
            lambda v, y, num_classes=10: np.array(
                [v[y == c].sum() for c in range(num_classes)]
            ),
            "sums",
        ),
        (
            lambda v, y, num_classes=10: np.array(
                [np.median(v[y == c]) for c in range(num_classes)]
            ),
            "wrong",
        ),
        (
            lambda v, y, num_classes=10: per_class_mean(v, y, num_classes)[
                ::-1
            ],
            "wrong",
        ),
        (
            lambda v, y, num_classes=10: np.array(
                [v[y == c].mean() for c in range(num_classes - 1)]
            ),
            "shape",
        ),
        (
            lambda v, y, num_classes=10: np.array(
                [v[y == c].sum() / len(v) for c in range(num_classes)]
            ),
            "wrong",
        ),
        (lambda v, y, num_classes=10: None, "forget `return`"),
    ],
)
def test_per_class_check_rejects_wrong_answers(wrong, message):
    with pytest.raises(AssertionError, match=message):
        fashion.check_per_class_mean(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x: bernoulli_entropy_floor(x) / math.log(2), "bits"),
        (lambda x: bernoulli_entropy_floor(x) / 784, "mean over pixels"),
        (
            lambda x: (
                -(x * np.log(x) + (1 - x) * np.log(1 - x))
                .reshape(len(x), -1)
                .sum(1)
            ),
            "0 \\* log 0",
        ),
        (
            lambda x: (
                -(x * np.log(np.clip(x, 1e-12, 1))).reshape(len(x), -1).sum(1)
            ),
            "784 log 2",
        ),
        (lambda x: bernoulli_entropy_floor(x)[:1], "shape"),
        (lambda x: bernoulli_entropy_floor(np.clip(x, 0.3, 0.7)), "entropy 0"),
        (lambda x: bernoulli_entropy_floor(x).sum(), "shape"),
        (lambda x: None, "forget `return`"),
    ],
)
def test_entropy_check_rejects_wrong_answers(wrong, message):
    with (
        np.errstate(divide="ignore", invalid="ignore"),
        pytest.raises(AssertionError, match=message),
    ):
        fashion.check_bernoulli_entropy_floor(wrong)


def test_checks_accept_lists_and_tensors(capsys):
    from keras import ops

    fashion.check_per_class_mean(
        lambda v, y, num_classes=10: [
            float(v[y == c].mean()) for c in range(num_classes)
        ]
    )
    fashion.check_bernoulli_entropy_floor(
        lambda x: ops.convert_to_tensor(bernoulli_entropy_floor(x))
    )


def test_checks_refuse_non_functions():
    for check in (
        fashion.check_class_centroid_distances,
        fashion.check_per_class_mean,
        fashion.check_bernoulli_entropy_floor,
    ):
        with pytest.raises(TypeError, match="your function"):
            check(np.zeros(3))


# ---- helpers ---------------------------------------------------------------------------------


def test_examples_per_class_takes_the_first_items_in_class_order():
    labels = np.array([2, 0, 1, 0, 2, 1, 0, 2, 1])
    idx = cvae_utils.examples_per_class(labels, per_class=2, num_classes=3)
    np.testing.assert_array_equal(idx, [1, 3, 2, 5, 0, 4])
    with pytest.raises(ValueError, match="class 1 has only"):
        cvae_utils.examples_per_class(
            np.array([0, 0, 1]), per_class=2, num_classes=2
        )
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        cvae_utils.examples_per_class(np.zeros((2, 2), int))


def test_mid_grey_fraction():
    x = np.zeros((1, 4, 4, 1))
    x[0, 0, :, 0] = [1.0, 1.0, 0.5, 0.3]  # 4 ink pixels, 2 of them mid-grey
    assert cvae_utils.mid_grey_fraction(x) == pytest.approx(0.5)
    assert cvae_utils.mid_grey_fraction((x > 0.5).astype("float32")) == 0.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        cvae_utils.mid_grey_fraction(x * 255)
    with pytest.raises(ValueError, match="smaller than high"):
        cvae_utils.mid_grey_fraction(x, low=0.9, high=0.1)
    with pytest.raises(ValueError, match="no pixel"):
        cvae_utils.mid_grey_fraction(np.zeros((2, 4, 4)))


def test_neighbour_agreement_separated_and_mixed_clusters():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 50)
    separated = np.array([[0, 0], [10, 0], [0, 10]])[labels] + rng.normal(
        0, 0.1, (150, 2)
    )
    np.testing.assert_allclose(
        cvae_utils.latent_neighbour_agreement(separated, labels, k=5), 1.0
    )
    # classes 1 and 2 share one blob: about half the neighbours of each agree
    merged = np.array([[0, 0], [10, 0], [10, 0]])[labels] + rng.normal(
        0, 1.0, (150, 2)
    )
    agreement = cvae_utils.latent_neighbour_agreement(merged, labels, k=10)
    assert agreement[0] == 1.0
    assert 0.3 < agreement[1] < 0.7 and 0.3 < agreement[2] < 0.7
    # chunking does not change the result, and a code is never its own neighbour
    np.testing.assert_allclose(
        cvae_utils.latent_neighbour_agreement(merged, labels, k=10, chunk=7),
        agreement,
    )
    lone = cvae_utils.latent_neighbour_agreement(
        np.array([[0.0, 0], [0, 1], [5, 5]]), np.array([0, 1, 0]), k=1
    )
    np.testing.assert_allclose(lone, [0.0, 0.0])
    # empty classes give NaN
    assert np.isnan(
        cvae_utils.latent_neighbour_agreement(
            separated, labels, k=5, num_classes=4
        )[3]
    )


def test_neighbour_agreement_validates_inputs():
    z = np.zeros((5, 2))
    with pytest.raises(
        ValueError,
        match="k=5 is larger than the number of reference points to choose from",
    ):
        cvae_utils.latent_neighbour_agreement(z, np.zeros(5, int), k=5)
    with pytest.raises(
        ValueError, match="labels has 4 entries but there are 5 items"
    ):
        cvae_utils.latent_neighbour_agreement(z, np.zeros(4, int), k=2)
    with pytest.raises(ValueError, match="num_classes"):
        cvae_utils.latent_neighbour_agreement(
            z, np.array([0, 1, 2, 3, 4]), k=2, num_classes=3
        )
    with pytest.raises(ValueError, match="shape"):
        cvae_utils.latent_neighbour_agreement(
            np.zeros(5), np.zeros(5, int), k=2
        )


def test_closest_pairs():
    d = np.array(
        [[0, 4, 1, 9], [4, 0, 3, 2], [1, 3, 0, 8], [9, 2, 8, 0]], dtype=float
    )
    assert cvae_utils.closest_pairs(d, ["a", "b", "c", "d"], n=2) == [
        ("a", "c", 1.0),
        ("b", "d", 2.0),
    ]
    assert cvae_utils.closest_pairs(d, n=1) == [(0, 2, 1.0)]
    with pytest.raises(ValueError, match="square"):
        cvae_utils.closest_pairs(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="at least 4"):
        cvae_utils.closest_pairs(d, ["a"])


def test_plot_class_values():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = cvae_utils.plot_class_values(
        {"a": [1, 2, 3], "b": [3, 2, 1]},
        ["x", "y", "z"],
        title="t",
        xlabel="nats",
    )
    ax = fig.axes[0]
    assert (
        ax.get_title() == "t"
        and ax.get_xlabel() == "nats"
        and len(ax.patches) == 6
    )
    plt.close(fig)
    with pytest.raises(ValueError, match="one number per class"):
        cvae_utils.plot_class_values(
            {"a": [1, 2]}, ["x", "y", "z"], title="t", xlabel="x"
        )
    with pytest.raises(TypeError, match="non-empty dict"):
        cvae_utils.plot_class_values({}, ["x"], title="t", xlabel="x")


def test_seconds_per_epoch_scales_and_validates():
    import keras

    from cvae_utils.models import VAE

    vae = VAE(latent_dim=2, architecture="dense", seed=0)
    x = np.random.default_rng(0).random((64, 28, 28, 1)).astype("float32")
    with pytest.raises(ValueError, match="compile"):
        cvae_utils.seconds_per_epoch(vae, x, epoch_size=640)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    seconds = cvae_utils.seconds_per_epoch(
        vae, x, epoch_size=640, batch_size=32, num_images=64
    )
    assert 0 < seconds < 60
    with pytest.raises(TypeError, match="Keras model"):
        cvae_utils.seconds_per_epoch("vae", x, epoch_size=10)
    with pytest.raises(ValueError, match="epoch_size"):
        cvae_utils.seconds_per_epoch(vae, x, epoch_size=0)


def test_closest_pairs_of_two_classes_is_their_one_pair():
    """Bug caught: the smallest matrix (2 x 2, one pair) refused."""
    d = np.array([[0.0, 2.5], [2.5, 0.0]])
    assert cvae_utils.closest_pairs(d, ["a", "b"], n=1) == [("a", "b", 2.5)]
