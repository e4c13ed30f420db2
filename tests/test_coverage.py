"""Precision and recall of samples (Kynkäänniemi et al., 2019; chapter 07) on points whose
k-nearest-neighbour balls can be worked out by hand."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import cvae_utils
from cvae_utils.evaluate import classifier_features, precision_recall
from cvae_utils.networks import build_classifier


def test_a_copy_of_the_real_set_has_full_precision_and_recall():
    real = np.random.default_rng(0).normal(size=(50, 4))
    assert precision_recall(real, real.copy()) == (1.0, 1.0)


def test_samples_far_from_the_data_have_neither():
    real = np.random.default_rng(0).normal(size=(40, 3))
    assert precision_recall(real, real + 100.0) == (0.0, 0.0)


def test_the_k_nearest_neighbour_radius_leaves_out_the_point_itself():
    """Bug caught: the radius taken to the point itself (0) or to the (k+1)-th neighbour. Real
    points 0, 1, 2, 3 on a line have radii 1, 1, 1, 1 with k = 1 and 2, 1, 1, 2 with k = 2."""
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[0.5], [-0.9], [-1.5], [5.5], [10.0]])
    # k = 1: the balls are [-1, 1], [0, 2], [1, 3], [2, 4]: 0.5 and -0.9 are inside
    precision, _ = precision_recall(real, fake, k=1)
    assert precision == pytest.approx(2 / 5)
    # k = 2: radii 2, 1, 1, 2 ([-2, 2] ... [1, 5]): -1.5 joins; 5.5 stays outside
    precision, _ = precision_recall(real, fake, k=2)
    assert precision == pytest.approx(3 / 5)


def test_dropping_a_mode_costs_recall_not_precision():
    """Bug caught: precision and recall swapped (the roles of the two sets)."""
    rng = np.random.default_rng(1)
    real = np.concatenate(
        [rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 20.0]
    )
    fake = rng.normal(size=(100, 2))  # only the first of the two clusters
    precision, recall = precision_recall(real, fake)
    assert precision > 0.9
    assert 0.4 < recall < 0.55
    assert precision_recall(fake, real) == (recall, precision)


def test_the_arguments_are_checked():
    real = np.zeros((5, 3))
    with pytest.raises(ValueError, match="same number of features"):
        precision_recall(real, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="k must be smaller"):
        precision_recall(real, np.zeros((3, 3)), k=3)
    with pytest.raises(ValueError, match="2-D"):
        precision_recall(np.zeros(5), real)
    with pytest.raises(ValueError, match="NaN"):
        precision_recall(np.full((5, 3), np.nan), real)


def test_classifier_features_are_the_layer_before_the_output():
    keras.utils.set_random_seed(0)
    classifier = build_classifier()
    images = (np.random.default_rng(0).random((4, 28, 28, 1)) < 0.2).astype(
        "float32"
    )
    features = classifier_features(classifier, images)
    assert features.shape == (4, 128)
    # the output layer applied to the features gives the classifier's output
    out = classifier.layers[-1](features.astype("float32"))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out),
        classifier.predict(images, verbose=0),
        rtol=1e-4,
        atol=1e-6,
    )
    with pytest.raises(TypeError, match="Keras"):
        classifier_features(object(), images)
    assert {"classifier_features", "precision_recall"} <= set(
        cvae_utils.__all__
    )
