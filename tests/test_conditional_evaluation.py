"""Metrics of the chapter "Judging a conditional generator": the Classification Accuracy Score,
its real-data baseline and per-class diversity; on synthetic images that a classifier learns in
one or two epochs, so the numbers are known."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cvae_utils import (  # noqa: E402
    CVAE,
    cas_training_set,
    classification_accuracy_score,
    classifier_accuracy,
    per_class_diversity,
    plot_per_class,
    real_image_sampler,
    train_classifier,
)

NUM_CLASSES = 4


def toy_digits(per_class, seed):
    """Class c is a bright 7x7 square in quadrant c, plus noise: easy to tell apart."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(NUM_CLASSES), per_class)
    images = rng.random((len(labels), 28, 28, 1)).astype("float32") * 0.3
    for i, c in enumerate(labels):
        r, q = divmod(int(c), 2)
        images[i, 14 * r + 3 : 14 * r + 10, 14 * q + 3 : 14 * q + 10] = 1.0
    order = rng.permutation(len(labels))
    return images[order], labels[order].astype("int32")


@pytest.fixture(scope="module")
def toy():
    return toy_digits(30, seed=0), toy_digits(25, seed=1)


def cas(generator, test, **kwargs):
    kwargs = {
        "num_per_class": 30,
        "epochs": 2,
        "num_classes": NUM_CLASSES,
        **kwargs,
    }
    return classification_accuracy_score(generator, *test, **kwargs)


def test_cas_of_real_images_is_the_real_data_baseline(toy):
    (x, y), test = toy
    labels = np.repeat(np.arange(NUM_CLASSES), 30)
    real = np.concatenate(
        [x[y == c] for c in range(NUM_CLASSES)]
    )  # real images, in the requested order

    def gives_real_images(requested):
        assert np.array_equal(requested, labels)
        return real

    baseline = classifier_accuracy(
        train_classifier(real, labels, epochs=2, num_classes=NUM_CLASSES),
        *test,
        num_classes=NUM_CLASSES,
    )
    assert cas(gives_real_images, test) == baseline
    assert baseline > 0.9


def test_the_cas_classifier_is_trained_with_the_given_seed(toy):
    """Bug caught: ``seed`` not passed on to the classifier's training (every seed gives one classifier)."""
    (x, y), test = toy
    real = np.concatenate([x[y == c] for c in range(NUM_CLASSES)])
    weights = [
        cas(lambda labels: real, test, seed=seed, return_classifier=True)[
            1
        ].get_weights()[0]
        for seed in (1, 1, 2)
    ]
    np.testing.assert_array_equal(weights[0], weights[1])
    assert not np.array_equal(weights[0], weights[2])


def test_a_generator_that_ignores_the_requested_label_scores_chance(toy):
    (x, y), test = toy
    by_class = [x[y == c] for c in range(NUM_CLASSES)]

    def ignores_the_label(requested):
        # every requested class gets exactly the same mix of all real classes (7 images of each, never one
        # twice): images and labels carry no information about each other, as if the labels were shuffled
        out = np.empty((len(requested), 28, 28, 1), "float32")
        for c in range(NUM_CLASSES):
            for k, slot in enumerate(np.flatnonzero(requested == c)):
                out[slot] = by_class[(c + k) % NUM_CLASSES][
                    7 * c + k // NUM_CLASSES
                ]
        return out

    score = cas(ignores_the_label, test, num_per_class=28)
    # near chance (1/4); a small classifier trained for 2 epochs on 112 images scatters around it by
    # backend (0.45 measured on PyTorch), far below the > 0.9 of a generator whose labels are right
    assert score < 0.6, score
    assert (
        cas(real_image_sampler(x, y, seed=0, num_classes=NUM_CLASSES), test)
        > 0.9
    )


def test_per_class_cas_and_accuracy_average_to_the_overall_on_balanced_classes(
    toy,
):
    (x, y), test = toy
    per_class = cas(
        real_image_sampler(x, y, seed=0, num_classes=NUM_CLASSES),
        test,
        per_class=True,
    )
    assert per_class.shape == (NUM_CLASSES,)
    overall = cas(
        real_image_sampler(x, y, seed=0, num_classes=NUM_CLASSES), test
    )
    assert per_class.mean() == pytest.approx(
        overall
    )  # 25 test images of every class


def test_classifier_accuracy_counts_per_class():
    import keras

    constant = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(
                3,
                kernel_initializer="zeros",
                bias_initializer=keras.initializers.Constant([0.0, 1.0, 0.0]),
            ),
        ]
    )
    x = np.zeros((6, 28, 28, 1), "float32")
    y = np.array([0, 1, 1, 2, 2, 2])  # the model says class 1 for every image
    assert classifier_accuracy(constant, x, y, num_classes=3) == pytest.approx(
        2 / 6
    )
    np.testing.assert_allclose(
        classifier_accuracy(constant, x, y, per_class=True, num_classes=3),
        [0, 1, 0],
    )
    with pytest.raises(TypeError, match="Keras model"):
        classifier_accuracy(lambda images: images, x, y, num_classes=3)
    with pytest.raises(ValueError, match="one score per class"):
        classifier_accuracy(constant, x, y, num_classes=4)


def test_real_image_sampler_draws_distinct_images_of_the_requested_class(toy):
    (x, y), _ = toy
    draw = real_image_sampler(x, y, seed=0, num_classes=NUM_CLASSES)
    requested = np.array([3, 0, 3, 1, 3])
    images = draw(requested)
    index = [
        int(np.flatnonzero(np.all(x == image, axis=(1, 2, 3)))[0])
        for image in images
    ]
    assert list(y[index]) == list(requested) and len(set(index)) == len(index)
    with pytest.raises(ValueError, match="only 30 real"):
        draw(np.full(31, 2))


def test_the_cas_training_set_of_a_cvae_is_its_samples_with_the_requested_labels():
    cvae = CVAE(latent_dim=2, num_classes=3)
    images, labels = cas_training_set(
        cvae, num_per_class=4, num_classes=3, seed=7
    )
    np.testing.assert_array_equal(labels, np.repeat(np.arange(3), 4))
    np.testing.assert_allclose(images, cvae.sample(labels, seed=7))


def test_cas_validates_its_input(toy):
    (x, y), test = toy
    with pytest.raises(TypeError, match="generator"):
        cas(np.zeros(3), test)
    with pytest.raises(ValueError, match="120 images"):
        cas(lambda labels: x[:10], test)
    with pytest.raises(ValueError, match="num_per_class"):
        cas(lambda labels: x, test, num_per_class=0)
    with pytest.raises(ValueError, match="labels"):
        classification_accuracy_score(
            lambda labels: x,
            test[0],
            test[1][:5],
            num_per_class=30,
            num_classes=NUM_CLASSES,
        )
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        cas(lambda labels: x * 255, test)


def test_diversity_of_identical_images_is_zero_and_of_two_images_their_distance():
    image = np.random.default_rng(0).random((1, 28, 28, 1)).astype("float32")
    other = np.zeros_like(image)
    images = np.concatenate([image, image, image, image, other])
    labels = np.array([0, 0, 0, 1, 1])
    values = per_class_diversity(images, labels, num_classes=2)
    assert values[0] == pytest.approx(0.0, abs=1e-6)
    assert values[1] == pytest.approx(
        np.sqrt(np.sum(image.astype("float64") ** 2)), rel=1e-6
    )


def test_diversity_averages_distinct_pairs_within_each_class_only():
    # class 0: three points on a line, distances 1, 2, 3 -> mean 2 (the zero diagonal would give 4/3);
    # class 1: far away, which must not enter class 0's value
    images = np.zeros((5, 28, 28, 1), "float32")
    images[1, 0, 0] = 1.0
    images[2, 0, 0], images[2, 0, 1], images[2, 0, 2] = 1.0, 1.0, 1.0
    images[2, 0, 3] = 1.0  # |x2 - x0| = 2, |x2 - x1| = sqrt(3)
    images[3:, 5:, :] = 1.0
    labels = np.array([0, 0, 0, 1, 1])
    expected0 = (1 + 2 + np.sqrt(3)) / 3
    values = per_class_diversity(images, labels, num_classes=2)
    assert values[0] == pytest.approx(expected0) and values[
        1
    ] == pytest.approx(0.0, abs=1e-6)
    shuffled = np.array([2, 4, 0, 3, 1])
    np.testing.assert_allclose(
        per_class_diversity(images[shuffled], labels[shuffled], num_classes=2),
        values,
    )


def test_diversity_validates_its_input():
    images = np.zeros((4, 28, 28, 1), "float32")
    with pytest.raises(ValueError, match="class 1 has 1 image"):
        per_class_diversity(images, [0, 0, 0, 1], num_classes=2)
    with pytest.raises(ValueError, match="class 2 has 0 images"):
        per_class_diversity(images, [0, 0, 1, 1], num_classes=3)
    with pytest.raises(ValueError, match="3 labels but there are 4 images"):
        per_class_diversity(images, [0, 0, 1], num_classes=2)
    with pytest.raises(ValueError, match="channel axis"):
        per_class_diversity(images[..., 0], [0, 0, 1, 1], num_classes=2)


def test_plot_per_class_draws_one_bar_per_class_and_group():
    fig = plot_per_class(
        {"real": [0.9, 0.8, 0.7], "generated": [0.5, 0.6, 0.4]},
        title="CAS",
        ylabel="accuracy",
    )
    ax = fig.axes[0]
    assert (
        ax.get_title() == "CAS"
        and ax.get_ylabel() == "accuracy"
        and len(ax.patches) == 6
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "real",
        "generated",
    ]
    plt.close(fig)
    with pytest.raises(ValueError, match="same number of classes"):
        plot_per_class({"a": [1, 2], "b": [1, 2, 3]}, title="t", ylabel="y")
    with pytest.raises(TypeError, match="non-empty dict"):
        plot_per_class([1, 2], title="t", ylabel="y")
    with pytest.raises(TypeError, match="title"):
        plot_per_class({"a": [1, 2]}, title="", ylabel="y")


def test_the_judge_reports_its_accuracy_while_it_trains(toy):
    """Bug caught: the classifier compiled without its accuracy metric, so
    its training log and evaluate() have no accuracy to show a learner."""
    (x, y), test = toy
    classifier = train_classifier(x, y, epochs=1, num_classes=NUM_CLASSES)
    scores = classifier.evaluate(*test, verbose=0, return_dict=True)
    assert 0.0 <= scores["accuracy"] <= 1.0
