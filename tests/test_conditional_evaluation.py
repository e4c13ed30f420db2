"""Metrics of the chapter "Judging a conditional generator": the Classification Accuracy Score,
its real-data baseline and per-class diversity; on synthetic images that a classifier learns in
one or two epochs, so the numbers are known."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cvae_utils import (  # noqa: E402
    CVAE,
    cas_training_set,
    classification_accuracy_score,
    classifier_accuracy,
    label_fidelity,
    per_class_diversity,
    plot_per_class,
    real_image_sampler,
    sample_representation,
    shift_images,
    train_augmented_classifier,
    train_classifier,
)
from cvae_utils.evaluate import augmentation  # noqa: E402

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


# -- the samples' representation ---------------------------------------------------------------


def test_the_three_representations_of_bernoulli_means():
    """Bugs caught: a threshold on the wrong side of 0.5, draws that are
    not Bernoulli(mean) (inverted comparison, one draw shared by all pixels),
    draws that ignore the seed, a "mean" that is not the means."""
    rng = np.random.default_rng(0)
    means = rng.random((400, 28, 28, 1)).astype("float32")
    np.testing.assert_array_equal(sample_representation(means), means)
    thresholded = sample_representation(means, "threshold")
    np.testing.assert_array_equal(thresholded, means > 0.5)
    draws = sample_representation(means, "draw", seed=3)
    assert set(np.unique(draws)) == {0.0, 1.0} and draws.dtype == "float32"
    # pixels whose mean is below 0.1 are rarely 1, above 0.9 rarely 0
    assert draws[means < 0.1].mean() < 0.1 < 0.9 < draws[means > 0.9].mean()
    # over the 313,600 pixels, the share of ones follows the means closely
    assert abs(draws.mean() - means.mean()) < 0.005
    low, high = means < 0.5, means >= 0.5
    assert abs(draws[low].mean() - means[low].mean()) < 0.005
    assert abs(draws[high].mean() - means[high].mean()) < 0.005
    np.testing.assert_array_equal(
        sample_representation(means, "draw", seed=3), draws
    )
    assert not np.array_equal(
        sample_representation(means, "draw", seed=4), draws
    )
    with pytest.raises(ValueError, match="representation must be one of"):
        sample_representation(means, "binary")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        sample_representation(means * 2, "draw")


def test_a_cvae_is_judged_in_the_representation_asked_for():
    """Bug caught: ``representation`` accepted but not applied to the CAS
    training set or to label fidelity (the judge would see grey means)."""
    cvae = CVAE(latent_dim=2, num_classes=3)
    labels = np.repeat(np.arange(3), 4)
    means = cvae.sample(labels, seed=7)
    for representation in ("mean", "threshold", "draw"):
        images, _ = cas_training_set(
            cvae,
            num_per_class=4,
            num_classes=3,
            seed=7,
            representation=representation,
        )
        np.testing.assert_array_equal(
            images, sample_representation(means, representation, seed=7)
        )
    with pytest.raises(ValueError, match="function labels -> images"):
        cas_training_set(
            lambda labels: means, 4, num_classes=3, representation="draw"
        )

    # a judge that says class 0 for black-and-white images, class 1 for grey
    image = keras.Input((28, 28, 1))
    binariness = keras.layers.Lambda(
        lambda x: keras.ops.mean(keras.ops.abs(x - 0.5), axis=(1, 2, 3))[
            :, None
        ]
    )(image)  # 0.5 for 0/1 pixels, less for grey ones
    scores = keras.layers.Lambda(
        lambda b: keras.ops.concatenate(
            [b, keras.ops.full_like(b, 0.45), keras.ops.zeros_like(b)], axis=1
        )
    )(binariness)
    judge = keras.Model(image, scores)
    fidelity = {
        r: label_fidelity(
            cvae, judge, num_per_class=4, per_class=True, representation=r
        )
        for r in ("mean", "threshold", "draw")
    }
    np.testing.assert_allclose(fidelity["mean"], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(fidelity["threshold"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(fidelity["draw"], [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="not both"):
        label_fidelity(cvae, judge, threshold=0.5, representation="draw")
    with pytest.raises(ValueError, match="representation must be one of"):
        label_fidelity(cvae, judge, representation="grey")


# -- the augmentation experiment ----------------------------------------------------------------


def test_shift_images_moves_each_image_by_a_nonzero_offset_within_the_limit():
    """Bugs caught: the unshifted image among the offsets, shifts beyond
    max_shift, one shift for all images, a wrap-around instead of a loss at
    the border."""
    n = 600
    images = np.zeros((n, 28, 28, 1), "float32")
    images[:, 14, 14] = 1.0  # one bright pixel in the middle
    shifted = shift_images(images, max_shift=2, seed=0)
    assert shifted.shape == images.shape and shifted.dtype == "float32"
    assert np.all(shifted.sum(axis=(1, 2, 3)) == 1.0)
    rows, cols = np.nonzero(shifted[..., 0].reshape(n, -1))[1].__divmod__(28)
    offsets = set(zip(rows - 14, cols - 14))
    assert (0, 0) not in offsets
    assert offsets == {
        (dy, dx)
        for dy in range(-2, 3)
        for dx in range(-2, 3)
        if (dy, dx) != (0, 0)
    }  # all 24 of them, over 600 images
    np.testing.assert_array_equal(
        shift_images(images, max_shift=2, seed=0), shifted
    )
    corner = np.zeros((200, 28, 28, 1), "float32")
    corner[:, 0, 0] = 1.0
    # a pixel in the corner leaves the frame unless both offsets are >= 0
    kept = shift_images(corner, max_shift=1, seed=1).sum(axis=(1, 2, 3))
    assert set(np.unique(kept)) == {0.0, 1.0}
    with pytest.raises(ValueError, match="max_shift"):
        shift_images(images, max_shift=0)
    with pytest.raises(ValueError, match="smaller than the image"):
        shift_images(images, max_shift=28)


@pytest.fixture
def recorded_batches(monkeypatch):
    """Every batch train_augmented_classifier trains on, one list per call."""
    calls = []
    build = augmentation.build_classifier

    def recording_classifier(num_classes):
        classifier = build(num_classes)
        batches = []
        calls.append(batches)
        classifier.train_on_batch = lambda images, labels: batches.append(
            (np.asarray(images).copy(), np.asarray(labels).copy())
        )
        return classifier

    monkeypatch.setattr(augmentation, "build_classifier", recording_classifier)
    return calls


def _identities(images):
    """Each test image carries its number in pixel (0, 0) as k / 1000."""
    return np.rint(images[:, 0, 0, 0] * 1000).astype(int)


def test_every_arm_sees_every_real_image_equally_often_and_the_extras_on_top(
    recorded_batches,
):
    """Bugs caught: extras that take the place of real images, real images
    seen a different number of times, the real batches reshuffled when
    extras are added (so two arms would differ in more than the extras)."""
    x = np.zeros((10, 28, 28, 1), "float32")
    x[:, 0, 0, 0] = np.arange(1, 11) / 1000  # real images 1..10
    y = np.arange(10) % NUM_CLASSES
    x_extra = np.zeros((8, 28, 28, 1), "float32")
    x_extra[:, 0, 0, 0] = np.arange(101, 109) / 1000  # extras 101..108
    y_extra = np.arange(8) % NUM_CLASSES
    common = dict(epochs=3, real_per_batch=3, num_classes=NUM_CLASSES, seed=5)
    train_augmented_classifier(x, y, **common)
    train_augmented_classifier(
        x, y, x_extra=x_extra, y_extra=y_extra, **common
    )
    alone, augmented = recorded_batches
    assert len(alone) == len(augmented) == 3 * 4  # ceil(10 / 3) steps
    for (a_images, a_labels), (b_images, b_labels) in zip(alone, augmented):
        real = len(a_images)
        assert real in (2, 3) and len(b_images) == real + 2
        np.testing.assert_array_equal(b_images[:real], a_images)
        np.testing.assert_array_equal(b_labels[:real], a_labels)
        extra_ids = _identities(b_images[real:])
        assert np.all(extra_ids > 100)
        np.testing.assert_array_equal(b_labels[real:], (extra_ids - 101) % 4)
        np.testing.assert_array_equal(
            a_labels, (_identities(a_images) - 1) % 4
        )
    seen = np.concatenate([_identities(b) for b, _ in augmented])
    counts = np.bincount(seen, minlength=109)
    assert np.all(counts[1:11] == 3) and np.all(counts[101:109] == 3)
    assert counts.sum() == 3 * (10 + 8)


def test_train_augmented_classifier_learns_and_validates(toy):
    (x, y), test = toy
    classifier = train_augmented_classifier(
        x,
        y,
        epochs=3,
        x_extra=x[:60],
        y_extra=y[:60],
        real_per_batch=30,
        num_classes=NUM_CLASSES,
    )
    assert (
        classifier_accuracy(classifier, *test, num_classes=NUM_CLASSES) > 0.9
    )
    with pytest.raises(ValueError, match="both x_extra and y_extra"):
        train_augmented_classifier(x, y, 1, x_extra=x, num_classes=4)
    with pytest.raises(ValueError, match="fewer than the 4 steps"):
        train_augmented_classifier(
            x, y, 1, x[:3], y[:3], real_per_batch=30, num_classes=4
        )
    with pytest.raises(ValueError, match="epochs"):
        train_augmented_classifier(x, y, 0, num_classes=4)
    with pytest.raises(ValueError, match="y_extra"):
        train_augmented_classifier(
            x, y, 1, x[:8], y[:7], real_per_batch=30, num_classes=4
        )
