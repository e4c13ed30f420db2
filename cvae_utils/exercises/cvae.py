"""Self-checks for the exercises of the chapter "Conditional variational autoencoders", and two
small analysis helpers that chapter uses.

Each ``check_*`` function calls a learner's function on known inputs, compares the result with a
reference written in NumPy, and prints ``✓ ...`` when it agrees or raises AssertionError saying
what differs and what the usual mistake behind that difference is.

- :func:`check_one_hot`: integer labels -> one-hot rows, the form in which the CVAE sees a label.
- :func:`check_conditional_grid_inputs`: the (z, label) pairs behind a "one row per digit" grid.
- :func:`check_classify_by_elbo`: the CVAE as a classifier, argmax_y of the ELBO of log p(x | y).

Helpers:

- :func:`conditional_log_likelihoods` (defined in :mod:`cvae_utils.evaluate`, re-exported here):
  importance-sampled log p(x | y = c) for every class c, from which the chapter gets
  log p(x) = log mean_c p(x | c) and the label posterior p(y | x).
- :func:`knn_label_accuracy`: how well the label can be read off latent codes (k nearest neighbours).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..checks import as_array, check_images, check_labels, check_latent, check_positive_int
from ..evaluate import conditional_log_likelihoods  # noqa: F401  (re-exported for the CVAE chapter)
from ..evaluate import require_cvae as _require_cvae
from . import as_numpy_result, close, report, require_callable as _require_callable

_numpy_result = partial(as_numpy_result, dtype=None)  # labels stay integers

# -- exercise 1: one-hot labels ----------------------------------------------------------------


def one_hot_reference(labels, num_classes: int) -> np.ndarray:
    """Reference answer: float32 array (N, num_classes) with a single 1 per row, at the label."""
    num_classes = check_positive_int(num_classes, "num_classes", minimum=2)
    labels = check_labels(labels, num_classes, name="labels")
    return np.eye(num_classes, dtype="float32")[labels]


def check_one_hot(one_hot) -> bool:
    """Check ``one_hot(labels, num_classes)``.

    It must return a float array of shape (N, num_classes) whose row i is 1 at column
    ``labels[i]`` and 0 elsewhere, and raise ValueError for a label outside [0, num_classes).
    """
    name = "one_hot"
    _require_callable(one_hot, "check_one_hot(one_hot)")
    cases = [(np.array([3, 0, 9, 3, 7]), 10), (np.array([1, 0, 2]), 3), (np.array([4]), 5)]
    for labels, num_classes in cases:
        expected = one_hot_reference(labels, num_classes)
        got = _numpy_result(one_hot(labels, num_classes), name, "one array")
        if got.shape != expected.shape:
            hint = ""
            if got.shape == expected.shape[::-1]:
                hint = " Rows must be examples and columns classes (transposed?)."
            elif got.shape == labels.shape:
                hint = " You returned one number per label: expand each label into a row of num_classes entries."
            report(name, False, f"for labels={labels.tolist()} and num_classes={num_classes} expected shape "
                                f"{expected.shape}, got {got.shape}.{hint}")
        if not (np.issubdtype(got.dtype, np.floating)):
            report(name, False, f"return floats (e.g. float32), got dtype {got.dtype}: the one-hot rows are "
                                f"concatenated with float features inside the networks")
        if not close(got, expected):
            bad = int(np.argmax(np.any(~np.isclose(got, expected), axis=1)))
            hint = ""
            if close(got, np.roll(expected, 1, axis=1)) or close(got, np.roll(expected, -1, axis=1)):
                hint = " The 1 sits one column off: label c belongs in column c (counting from 0)."
            report(name, False, f"for labels={labels.tolist()} (num_classes={num_classes}) row {bad} (label "
                                f"{labels[bad]}) should be {expected[bad].astype(int).tolist()}, got "
                                f"{np.round(got[bad], 3).tolist()}.{hint}")
    for bad, why in (([0, 10], "label 10 has no column"),
                     ([3, -1], "label -1 has no column either (NumPy's indexing would wrap it round to the last)")):
        try:
            one_hot(np.array(bad), 10)
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001 - any other exception is the wrong kind
            report(name, False, f"for labels={bad} with num_classes=10 raise ValueError, not {type(exc).__name__}")
        report(name, False, f"labels={bad} with num_classes=10 must raise ValueError: {why}, and silently returning "
                            f"a wrong row hides the bug")
    return report(name, True, f"right rows on {len(cases)} label arrays, and labels 10 and -1 of 10 classes are refused")


# -- exercise 2: the inputs of a conditional grid ----------------------------------------------


def conditional_grid_inputs_reference(z, num_classes: int):
    """Reference answer: ``(z_all, labels)`` for a grid with one row per class and one column per code.

    Row r (entries r*K ... r*K + K - 1) decodes the K codes ``z[0] ... z[K-1]`` in order, all
    with label r; so ``z_all = tile(z)`` and ``labels = repeat(arange(num_classes), K)``.
    """
    num_classes = check_positive_int(num_classes, "num_classes", minimum=2)
    z = as_array(z, "z")
    if z.ndim != 2 or len(z) == 0:
        raise ValueError(f"z must have shape (K, latent_dim) with K >= 1, got {z.shape}")
    return np.tile(z, (num_classes, 1)), np.repeat(np.arange(num_classes), len(z)).astype("int32")


def check_conditional_grid_inputs(conditional_grid_inputs) -> bool:
    """Check ``conditional_grid_inputs(z, num_classes)`` -> ``(z_all, labels)``.

    For K codes of shape (K, latent_dim) it must return ``z_all`` of shape (num_classes * K,
    latent_dim) and integer ``labels`` of shape (num_classes * K,), row-major: entry r*K + c is
    code ``z[c]`` with label ``r``.
    """
    name = "conditional_grid_inputs"
    _require_callable(conditional_grid_inputs, "check_conditional_grid_inputs(conditional_grid_inputs)")
    z = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], dtype="float32")  # K = 3 codes, easy to track
    num_classes = 4
    z_ref, labels_ref = conditional_grid_inputs_reference(z, num_classes)
    result = conditional_grid_inputs(z, num_classes)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        report(name, False, f"return a pair (z_all, labels), got {type(result).__name__}")
    z_all = _numpy_result(result[0], name)
    labels = _numpy_result(result[1], name)
    if z_all.shape != z_ref.shape:
        report(name, False, f"for K=3 codes of dimension 2 and {num_classes} classes z_all must have shape "
                            f"{z_ref.shape} (one row per grid cell), got {z_all.shape}")
    if labels.shape != labels_ref.shape:
        report(name, False, f"labels must have shape {labels_ref.shape} (one integer label per grid cell, not "
                            f"one-hot), got {labels.shape}")
    if not (np.issubdtype(labels.dtype, np.integer) or close(labels, np.round(labels))):
        report(name, False, f"labels must be whole numbers, got {labels[:6].tolist()} ...")
    if not close(z_all, z_ref):
        hint = ""
        if close(z_all, np.repeat(z, num_classes, axis=0)):
            hint = (" You repeated each code num_classes times in a row (np.repeat); every row of the grid "
                    "must run through all K codes, so tile the codes instead (np.tile).")
        report(name, False, f"z_all[:4] should be {z_ref[:4].tolist()}, got {z_all[:4].tolist()}.{hint}")
    if not np.array_equal(labels.astype("int64"), labels_ref):
        hint = ""
        if np.array_equal(labels.astype("int64"), np.tile(np.arange(num_classes), len(z))):
            hint = (" You cycled through the labels (np.tile); the grid needs each label K times in a row "
                    "(np.repeat), one grid row per label.")
        report(name, False, f"labels should be {labels_ref.tolist()}, got {labels.astype('int64').tolist()}.{hint}")
    return report(name, True, f"{num_classes} rows x {len(z)} columns in row-major order")


# -- exercise 3: the CVAE as a classifier --------------------------------------------------------


def classify_by_elbo_reference(model, x, num_samples: int = 1, seed: int = 0) -> np.ndarray:
    """Reference answer: for every image the label c with the smallest -ELBO(x | c), i.e. the
    largest lower bound on log p(x | c); with a uniform p(y) that is the most probable label."""
    from ..evaluate import negative_elbo

    _require_cvae(model, "classify_by_elbo_reference")
    x = check_images(x, "x")
    scores = np.stack([negative_elbo(model, x, np.full(len(x), c, dtype="int32"), num_samples=num_samples,
                                     seed=seed, per_image=True)
                       for c in range(model.num_classes)], axis=1)
    return scores.argmin(axis=1).astype("int32")


def check_classify_by_elbo(classify_by_elbo, model, x, y, min_agreement: float = 0.9) -> bool:
    """Check ``classify_by_elbo(model, x)`` -> integer labels (N,) on a trained CVAE.

    The answer is compared with :func:`classify_by_elbo_reference`; because a one-sample -ELBO is
    a Monte Carlo estimate, digits on which two labels score almost equally may flip, so a fraction
    ``min_agreement`` of agreeing predictions is required rather than all of them. ``y`` (the true
    labels) is only used to report the accuracy.
    """
    name = "classify_by_elbo"
    _require_callable(classify_by_elbo, "check_classify_by_elbo(classify_by_elbo, cvae, x, y)")
    _require_cvae(model, "check_classify_by_elbo")
    x = check_images(x, "x")
    y = check_labels(y, model.num_classes, n=len(x))
    got = _numpy_result(classify_by_elbo(model, x), name, "one array of labels")
    if got.shape == (len(x), model.num_classes):
        report(name, False, f"expected one label per image, shape ({len(x)},), got scores of shape {got.shape}: "
                            f"take the argmin over the labels (axis=1)")
    if got.shape != (len(x),):
        report(name, False, f"expected one label per image, shape ({len(x)},), got {got.shape}")
    if not (np.issubdtype(got.dtype, np.integer) or close(got, np.round(got))):
        report(name, False, f"return whole-number labels, got {got[:5].tolist()} ...")
    got = got.astype("int64")
    if got.min() < 0 or got.max() >= model.num_classes:
        report(name, False, f"labels must lie in [0, {model.num_classes}), got values in [{got.min()}, {got.max()}]")
    expected = classify_by_elbo_reference(model, x)
    agreement = float(np.mean(got == expected))
    if agreement < min_agreement:
        hint = ""
        if np.mean(got == y) > 0.99:
            hint = (" Your answer equals the true labels: classify from the images alone; the model must "
                    "score every label, not be told the right one.")
        elif np.mean(got == expected) < 0.5 and np.mean(got == y) < 0.5:
            hint = (" -ELBO is a loss: the best label has the smallest value (argmin), and each label c "
                    "must be used both to encode and to decode.")
        report(name, False, f"your labels agree with the reference on {agreement:.0%} of the {len(x)} images "
                            f"(at least {min_agreement:.0%} needed).{hint}")
    accuracy = float(np.mean(got == y))
    return report(name, True, f"agrees with the reference on {agreement:.0%} of {len(x)} test digits; "
                              f"accuracy {accuracy:.1%} (chance: {1 / model.num_classes:.0%})")


# -- analysis helpers used in the chapter ------------------------------------------------------


def knn_label_accuracy(z_reference, labels_reference, z_query, labels_query, k: int = 5) -> float:
    """Fraction of query codes whose label is the majority label of their k nearest reference codes.

    A high value means the label can be read off the position in latent space (the VAE's clusters);
    a value near 1 / num_classes means the codes of all labels are mixed (the CVAE's latent space).
    """
    k = check_positive_int(k, "k")
    z_reference = as_array(z_reference, "z_reference")
    if z_reference.ndim != 2 or len(z_reference) == 0:
        raise ValueError(f"z_reference must have shape (N, latent_dim) with N >= 1, got {z_reference.shape}")
    z_reference = check_latent(z_reference, z_reference.shape[1], "z_reference")
    z_query = check_latent(z_query, z_reference.shape[1], "z_query")
    num_classes = int(max(np.max(as_array(labels_reference, "labels_reference")),
                          np.max(as_array(labels_query, "labels_query")))) + 1
    labels_reference = check_labels(labels_reference, max(num_classes, 2), n=len(z_reference),
                                    name="labels_reference")
    labels_query = check_labels(labels_query, max(num_classes, 2), n=len(z_query), name="labels_query")
    if k > len(z_reference):
        raise ValueError(f"k={k} is larger than the number of reference codes ({len(z_reference)})")
    ref = z_reference.astype("float64")
    correct = 0
    for start in range(0, len(z_query), 1024):  # chunks keep the distance matrix small
        q = z_query[start:start + 1024].astype("float64")
        d2 = (q ** 2).sum(1)[:, None] - 2.0 * q @ ref.T + (ref ** 2).sum(1)[None, :]
        nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]
        votes = np.apply_along_axis(np.bincount, 1, labels_reference[nearest], minlength=num_classes)
        correct += int(np.sum(votes.argmax(axis=1) == labels_query[start:start + 1024]))
    return correct / len(z_query)


# -- exercise: the whole CVAE, written by the learner -----------------------------------------


def check_cvae_class(cvae_class) -> bool:
    """Check a learner's CVAE class, as :func:`cvae_utils.exercises.vae.check_vae_class` does for a VAE:
    ``cvae_class(latent_dim=2)`` takes ``[images, integer_labels]``, builds its networks with
    ``num_classes=10`` and feeds the one-hot label to the encoder *and* the decoder. Also rejects a
    decoder that does not get the image's label."""
    from .vae import _check_model_class

    return _check_model_class(cvae_class, "check_cvae_class", conditional=True)
