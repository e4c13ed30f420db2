"""Judges of samples: what a classifier recognises in a CVAE's samples, and what a classifier
trained on them gets right (chapters 07 and 13).

- :func:`label_fidelity` and :func:`mean_confidence`: how often, and how surely, a classifier
  recognises the class a CVAE was asked to draw;
- :func:`classification_accuracy_score` (Ravuri & Vinyals, 2019) with :func:`cas_training_set`,
  :func:`real_image_sampler` and :func:`classifier_accuracy`; :func:`per_class_diversity`: how
  varied the samples of a class are;
- :func:`sample_representation`: a CVAE's Bernoulli means as they are, thresholded, or drawn
  pixel by pixel, so that samples can be judged in the representation of the real digits.

The augmentation experiment of chapter 13 is in :mod:`~cvae_utils.evaluate.augmentation`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._validation import (
    as_array,
    check_bool,
    check_choice,
    check_images,
    check_labels,
    check_positive_int,
    check_seed,
    check_unit_float,
)
from ..models.core import CVAE
from ..models.zoo import train_classifier
from .likelihood import require_cvae

__all__ = [
    "cas_training_set",
    "classification_accuracy_score",
    "classifier_accuracy",
    "label_fidelity",
    "mean_confidence",
    "per_class_diversity",
    "real_image_sampler",
    "sample_representation",
]

_REPRESENTATIONS = ("mean", "threshold", "draw")


def sample_representation(means, representation: str = "mean", seed=0):
    """A decoder's Bernoulli means as images in one of three representations.

    - ``"mean"``: the means as they are, grey where the model is unsure;
    - ``"threshold"``: every pixel set to 1 where its mean is above 0.5, else 0, as
      :func:`~cvae_utils.data.load_mnist` binarizes the real digits (the most likely value of
      each pixel, not a sample of the model);
    - ``"draw"``: every pixel drawn from its Bernoulli distribution (NumPy's generator seeded by
      ``seed``, a stream apart from the one ``CVAE.sample`` draws z from with the same seed): a sample of the model's p(x | z), black and white like the binarized digits.

    Returns float32 images of the same shape. Introduced in chapter 13, *Judging a conditional
    generator*.
    """
    means = check_images(means, "means")
    check_choice(representation, "representation", _REPRESENTATIONS)
    seed = check_seed(seed)
    if representation == "threshold":
        return (means > 0.5).astype("float32")
    if representation == "draw":
        # a stream of its own: not the one that drew z with the same seed
        stream = np.random.SeedSequence(seed).spawn(1)[0]
        uniform = np.random.default_rng(stream).random(means.shape)
        return (uniform < means).astype("float32")
    return means.copy()


def label_fidelity(
    model,
    classifier,
    num_per_class: int = 100,
    seed: int = 0,
    per_class: bool = False,
    threshold: float | None = None,
    representation: str = "mean",
):
    """Fraction of a CVAE's samples that ``classifier`` assigns to the class they were drawn for.

    Draws ``num_per_class`` images of every class with z ~ N(0, I), feeds their Bernoulli means to
    ``classifier`` (a Keras model from images to class probabilities or logits, such as
    :func:`cvae_utils.networks.build_classifier`) and compares its argmax with the requested label.
    With ``threshold`` the means are binarised first (pixel > threshold), like the binarised digits a
    judge was trained on; ``representation`` (``"mean"``, ``"threshold"`` or ``"draw"``, see
    :func:`sample_representation`) judges the means, the means thresholded at 0.5 or Bernoulli
    draws of every pixel (seeded by ``seed``); give one of the two, not both. Returns one number, or
    with ``per_class`` an array of ``num_classes`` fractions.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    require_cvae(model, "label_fidelity")
    if not isinstance(classifier, keras.Model):
        raise TypeError(
            f"classifier must be a Keras model from images to class scores, got {type(classifier).__name__}"
        )
    num_per_class = check_positive_int(num_per_class, "num_per_class")
    check_seed(seed)
    check_bool(per_class, "per_class")
    check_choice(representation, "representation", _REPRESENTATIONS)
    if threshold is not None:
        threshold = check_unit_float(threshold, "threshold")
        if representation != "mean":
            raise ValueError(
                "give threshold or representation, not both: "
                f"threshold={threshold}, representation={representation!r}"
            )
    labels = np.repeat(np.arange(model.num_classes), num_per_class)
    images = sample_representation(
        model.sample(labels, seed=seed), representation, seed=seed
    )
    if threshold is not None:
        images = (images > threshold).astype("float32")
    scores = as_array(
        classifier.predict(images, batch_size=1024, verbose=0), "scores"
    )
    if scores.shape != (len(labels), model.num_classes):
        raise ValueError(
            f"classifier must output one score per class, shape (N, {model.num_classes}); "
            f"got {scores.shape}"
        )
    correct = scores.argmax(axis=1) == labels
    return (
        correct.reshape(model.num_classes, num_per_class).mean(axis=1)
        if per_class
        else float(correct.mean())
    )


def mean_confidence(classifier, images) -> float:
    """The classifier's mean highest class probability on ``images``: how sure it is, on average.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    images = check_images(images, "images")
    return float(
        np.asarray(classifier.predict(images, batch_size=1024, verbose=0))
        .max(axis=1)
        .mean()
    )


# -- judging a conditional generator by what a classifier learns from it --------------------------
# (chapter 13, *Judging a conditional generator*)


def classifier_accuracy(
    classifier, x, y, per_class: bool = False, num_classes: int = 10
):
    """Fraction of the images ``x`` that ``classifier`` (images -> class scores) assigns to their labels ``y``.

    With ``per_class`` an array of ``num_classes`` fractions, one per true class (NaN for a class without
    images). Introduced in chapter 13, *Judging a conditional generator*.
    """
    if not isinstance(classifier, keras.Model):
        raise TypeError(
            f"classifier must be a Keras model from images to class scores, got {type(classifier).__name__}"
        )
    x = check_images(x, "x")
    y = check_labels(y, num_classes, n=len(x), name="y")
    check_bool(per_class, "per_class")
    # called directly, batch by batch: predict() would build a new graph function for every new classifier
    # (and TensorFlow warns about "retracing" when a loop trains several)
    scores = np.concatenate(
        [
            ops.convert_to_numpy(classifier(x[i : i + 1024], training=False))
            for i in range(0, len(x), 1024)
        ]
    )
    if scores.shape != (len(x), num_classes):
        raise ValueError(
            f"classifier must output one score per class, shape (N, {num_classes}); got {scores.shape}"
        )
    correct = scores.argmax(axis=1) == y
    if not per_class:
        return float(correct.mean())
    return np.array(
        [
            correct[y == c].mean() if np.any(y == c) else np.nan
            for c in range(num_classes)
        ]
    )


def real_image_sampler(x, y, seed: int | None = 0, num_classes: int = 10):
    """A "generator" of real images: a function ``labels -> images`` that returns, for every requested label,
    a real image of that class from ``(x, y)``, without replacement within one call.

    With it, :func:`classification_accuracy_score` computes the real-data baseline of the Classification
    Accuracy Score by exactly the protocol it applies to a CVAE. Introduced in chapter 13, *Judging a
    conditional generator*.
    """
    x = check_images(x, "x")
    y = check_labels(y, num_classes, n=len(x), name="y")
    rng = np.random.default_rng(check_seed(seed))

    def draw(labels):
        labels = check_labels(labels, num_classes, name="labels")
        images = np.empty((len(labels), *x.shape[1:]), dtype="float32")
        for c in np.unique(labels):
            wanted, available = (
                np.flatnonzero(labels == c),
                np.flatnonzero(y == c),
            )
            if len(available) < len(wanted):
                raise ValueError(
                    f"class {c}: {len(wanted)} images requested but only {len(available)} real ones "
                    f"available; ask for fewer per class"
                )
            images[wanted] = x[
                rng.choice(available, size=len(wanted), replace=False)
            ]
        return images

    return draw


def cas_training_set(
    generator,
    num_per_class: int,
    num_classes: int = 10,
    seed: int | None = 0,
    representation: str = "mean",
):
    """The training set of the Classification Accuracy Score: ``num_per_class`` generated images of every
    class, each with the label it was *requested* for, as ``(images, labels)``, class 0 first.

    ``generator`` is a cvae_utils CVAE (images drawn by ``generator.sample(labels, seed=seed)``, Bernoulli
    means with z ~ N(0, I), in the ``representation`` of :func:`sample_representation`: the means,
    thresholded at 0.5 or drawn pixel by pixel) or any function ``labels -> images`` returning one
    image per label, in order (``representation`` must then stay ``"mean"``: the function's images are
    used as they are). Introduced in chapter 13, *Judging a conditional generator*.
    """
    num_per_class = check_positive_int(num_per_class, "num_per_class")
    num_classes = check_positive_int(num_classes, "num_classes", minimum=2)
    seed = check_seed(seed)
    check_choice(representation, "representation", _REPRESENTATIONS)
    labels = np.repeat(np.arange(num_classes), num_per_class).astype("int32")
    if isinstance(generator, CVAE):
        if generator.num_classes != num_classes:
            raise ValueError(
                f"the CVAE draws {generator.num_classes} classes but num_classes={num_classes}"
            )
        images = sample_representation(
            generator.sample(labels, seed=seed), representation, seed=seed
        )
    elif callable(generator):
        if representation != "mean":
            raise ValueError(
                f"representation={representation!r} applies to a CVAE's "
                "Bernoulli means; a function labels -> images returns its "
                "images as they are (leave representation='mean')"
            )
        images = generator(labels.copy())
    else:
        raise TypeError(
            f"generator must be a cvae_utils CVAE or a function labels -> images, "
            f"got {type(generator).__name__}"
        )
    images = check_images(images, "generated images")
    if len(images) != len(labels):
        raise ValueError(
            f"the generator must return one image per requested label ({len(labels)} images), "
            f"got {len(images)}"
        )
    return images, labels


def classification_accuracy_score(
    generator,
    x_test,
    y_test,
    num_per_class: int = 600,
    epochs: int = 8,
    batch_size: int = 128,
    num_classes: int = 10,
    seed: int = 42,
    sample_seed: int | None = 0,
    per_class: bool = False,
    return_classifier: bool = False,
    representation: str = "mean",
):
    """Classification Accuracy Score (Ravuri & Vinyals, 2019): train a classifier on generated images only,
    labelled with the requested classes, and return its accuracy on the real ``(x_test, y_test)``.

    The training set is :func:`cas_training_set` (``num_per_class`` images per class, drawn with
    ``sample_seed``, a CVAE's samples in ``representation``); the classifier is :func:`~cvae_utils.models.zoo.train_classifier` (the judge of chapter 07:
    Adam 1e-3, ``epochs``, ``batch_size``, ``seed``). With :func:`real_image_sampler` as ``generator`` the
    same steps give the real-data baseline. Returns the accuracy (with ``per_class`` one per class), and
    with ``return_classifier`` a pair ``(accuracy, classifier)``. Introduced in the chapter "Judging a
    conditional generator".
    """
    check_bool(per_class, "per_class")
    check_bool(return_classifier, "return_classifier")
    x_test = check_images(x_test, "x_test")
    y_test = check_labels(y_test, num_classes, n=len(x_test), name="y_test")
    images, labels = cas_training_set(
        generator,
        num_per_class,
        num_classes=num_classes,
        seed=sample_seed,
        representation=representation,
    )
    classifier = train_classifier(
        images,
        labels,
        epochs=epochs,
        batch_size=batch_size,
        num_classes=num_classes,
        seed=seed,
    )
    score = classifier_accuracy(
        classifier,
        x_test,
        y_test,
        per_class=per_class,
        num_classes=num_classes,
    )
    return (score, classifier) if return_classifier else score


def per_class_diversity(images, labels, num_classes: int = 10) -> np.ndarray:
    """Mean Euclidean distance between two *different* images of the same class, for every class.

    Returns float64 ``(num_classes,)``: entry c averages ``||x_i - x_j||`` over the pairs i < j with
    ``labels[i] == labels[j] == c`` (pixel units; for binary images the square root of the number of
    differing pixels). Identical images score 0. Costs O(n_c^2) memory per class. Introduced in chapter 13, *Judging a conditional generator*.
    """
    images = check_images(images, "images")
    labels = check_labels(labels, num_classes, n=len(images), name="labels")
    flat = images.reshape(len(images), -1).astype("float64")
    values = np.empty(num_classes)
    for c in range(num_classes):
        members = flat[labels == c]
        n = len(members)
        if n < 2:
            raise ValueError(
                f"class {c} has {n} image{'' if n == 1 else 's'}; per-class diversity needs at least "
                f"2 images of every class"
            )
        members = members - members.mean(
            axis=0
        )  # centring leaves distances unchanged and rounding smaller
        squared = np.sum(members**2, axis=1)
        d2 = squared[:, None] + squared[None, :] - 2.0 * members @ members.T
        i, j = np.triu_indices(
            n, k=1
        )  # each pair once, never an image with itself
        values[c] = np.sqrt(np.maximum(d2[i, j], 0.0)).mean()
    return values
