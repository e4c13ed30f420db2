"""Precision and recall of generated samples in a judge's feature space (chapter 07).

A likelihood says how much probability a model puts on the real digits; it does not say whether
its samples look like digits, nor whether they cover all kinds of digits. Kynkäänniemi et al.
(2019) measure both with k-nearest-neighbour balls in a feature space:

- :func:`classifier_features`: the features, the activations before a classifier's output layer;
- :func:`precision_recall`: the share of samples on the real digits' manifold (precision) and of
  real digits on the samples' manifold (recall).
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import as_array, check_images, check_positive_int

__all__ = ["classifier_features", "precision_recall"]


def classifier_features(
    classifier, images, batch_size: int = 1024
) -> np.ndarray:
    """The activations of the layer before a classifier's output layer, shape (N, features).

    A judge trained on real digits maps an image to features in which digits of one class lie
    close together; :func:`precision_recall` compares real and generated images there.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    if not isinstance(classifier, keras.Model) or len(classifier.layers) < 2:
        raise TypeError(
            "classifier must be a Keras functional or Sequential model with a hidden layer "
            f"before its output, got {type(classifier).__name__}"
        )
    images = check_images(images)
    batch_size = check_positive_int(batch_size, "batch_size")
    extractor = keras.Model(classifier.input, classifier.layers[-2].output)
    # called batch by batch rather than through predict, which would trace a new graph for
    # every new extractor
    features = np.concatenate(
        [
            as_array(
                keras.ops.convert_to_numpy(
                    extractor(
                        images[start : start + batch_size], training=False
                    )
                ),
                "features",
            )
            for start in range(0, len(images), batch_size)
        ]
    )
    return features.reshape(len(images), -1).astype("float64")


def _feature_matrix(features, name: str) -> np.ndarray:
    arr = as_array(features, name)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"{name} must be a 2-D array (N, features), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.astype("float64")


def _squared_distances(a, b):
    """(len(a), len(b)) squared Euclidean distances, never below 0."""
    d = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def _coverage(points, centres, k: int, chunk: int = 1024) -> float:
    """Share of ``points`` inside at least one ball around ``centres`` whose radius is the
    distance from the centre to its k-th nearest other centre."""
    radii = np.empty(len(centres))
    for start in range(0, len(centres), chunk):
        d = _squared_distances(centres[start : start + chunk], centres)
        radii[start : start + chunk] = np.sort(d, axis=1)[
            :, k
        ]  # [:, 0]: itself
    inside = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), chunk):
        d = _squared_distances(points[start : start + chunk], centres)
        inside[start : start + chunk] = np.any(d <= radii[None, :], axis=1)
    return float(inside.mean())


def precision_recall(real_features, fake_features, k: int = 3):
    """Precision and recall of generated samples (Kynkäänniemi et al., 2019): ``(precision, recall)``.

    The real manifold is the union of balls around every real feature vector, each with the radius
    to its ``k``-th nearest real neighbour; the generated manifold likewise. **Precision** is the
    share of generated samples inside the real manifold (do the samples look real?), **recall** the
    share of real samples inside the generated manifold (do the samples cover the real variety?).
    Both arrays are (N, features), e.g. from :func:`classifier_features`.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    real = _feature_matrix(real_features, "real_features")
    fake = _feature_matrix(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real_features and fake_features must have the same number of features, got "
            f"{real.shape[1]} and {fake.shape[1]}"
        )
    k = check_positive_int(k, "k")
    if k >= min(len(real), len(fake)):
        raise ValueError(
            f"k must be smaller than the number of real and of generated samples "
            f"({len(real)} and {len(fake)}), got {k}"
        )
    return _coverage(fake, real, k), _coverage(real, fake, k)
