"""Self-checks for the exercises of the chapter "Conditional variational autoencoders".

Each ``check_*`` function calls a learner's function on known inputs, compares the result with a
reference written in NumPy, and prints ``✓ ...`` when it agrees or raises AssertionError saying
what differs and what the usual mistake behind that difference is.

- :func:`check_one_hot`: integer labels -> one-hot rows, the form in which the CVAE sees a label.
- :func:`check_conditional_grid_inputs`: the (z, label) pairs behind a "one row per digit" grid.
- :func:`check_classify_by_elbo`: the CVAE as a classifier: the -ELBO of every image under every
  label, compared entry by entry with :func:`elbo_scores_reference`, then its argmin over the labels.
- :func:`check_cvae_class`: the learner's own CVAE class (loss terms, gradients, labels to both networks).
- :func:`check_label_prior_kl`: the KL from q(z | x, y) to a learned label prior p(z | y) = N(mu_y, sigma_y^2),
  per image, differentiable with respect to the prior's (num_classes, latent_dim) tables.
"""

from __future__ import annotations

from functools import partial

import keras
import numpy as np
from keras import ops

from .._validation import as_array, check_images, check_labels, check_positive_int
from ..evaluate.likelihood import negative_elbo, require_cvae as _require_cvae
from ..gradients import gradients
from ..losses import kl_gaussians
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


def elbo_scores_reference(model, x, num_samples: int = 1, seed: int = 0) -> np.ndarray:
    """Reference answer: float64 (N, num_classes), entry [i, c] = -ELBO(x_i | y = c) in nats, from
    :func:`cvae_utils.evaluate.negative_elbo` with its defaults (one draw of z per image, seed 0), so
    the same call always gives the same numbers. The label with the smallest score is the one whose
    lower bound on log p(x | c) is largest; with a uniform p(y) that is the most probable label."""
    _require_cvae(model, "elbo_scores_reference")
    x = check_images(x, "x")
    return np.stack([negative_elbo(model, x, np.full(len(x), c, dtype="int32"), num_samples=num_samples,
                                   seed=seed, per_image=True)
                     for c in range(model.num_classes)], axis=1)


def classify_by_elbo_reference(model, x, num_samples: int = 1, seed: int = 0) -> np.ndarray:
    """For every image the label c with the smallest -ELBO(x | c): the argmin of
    :func:`elbo_scores_reference` over the labels."""
    return elbo_scores_reference(model, x, num_samples=num_samples, seed=seed).argmin(axis=1).astype("int32")


def _kl_per_label(model, x):
    """Closed-form KL(q(z|x,c) || N(0, I)) for every image and label c, float64 (N, num_classes)."""
    columns = []
    for c in range(model.num_classes):
        z_mean, z_log_var = model.encode(x, np.full(len(x), c, dtype="int32"))
        z_mean, z_log_var = np.asarray(z_mean, "float64"), np.asarray(z_log_var, "float64")
        columns.append(0.5 * np.sum(np.exp(z_log_var) + z_mean ** 2 - 1.0 - z_log_var, axis=1))
    return np.stack(columns, axis=1)


def check_classify_by_elbo(elbo_scores, model, x, y, atol: float = 1e-2) -> bool:
    """Check ``elbo_scores(model, x)`` -> float (N, num_classes): -ELBO of every image under every label.

    Entry [i, c] must be ``negative_elbo(model, x, y=np.full(len(x), c), per_image=True)[i]``, with the
    function's defaults (one draw of z, seed 0), so the check can compare the scores image by image with
    :func:`elbo_scores_reference` (within ``atol`` nats, float32 round-off) - a classifier that drops the KL
    term or mixes up the labels cannot pass by agreeing on most argmins. Then it classifies every image by
    the argmin over the labels and prints the accuracy; ``y`` (the true labels) is only used for that.
    """
    name = "classify_by_elbo"
    _require_callable(elbo_scores, "check_classify_by_elbo(elbo_scores, cvae, x, y)")
    _require_cvae(model, "check_classify_by_elbo")
    x = check_images(x, "x")
    y = check_labels(y, model.num_classes, n=len(x))
    n, num_classes = len(x), model.num_classes
    got = _numpy_result(elbo_scores(model, x), name, f"one array of scores, shape ({n}, {num_classes})")
    if got.shape == (n,):
        report(name, False, f"expected a score for every image and label, shape ({n}, {num_classes}), got one "
                            f"value per image {got.shape}: return the whole table of -ELBO values (the check "
                            f"takes the argmin itself)")
    if got.shape == (num_classes, n) and n != num_classes:
        report(name, False, f"expected shape ({n}, {num_classes}), got {got.shape}: rows must be images and "
                            f"columns labels (stack the per-label columns with axis=1, or transpose)")
    if got.shape == (num_classes,):
        report(name, False, f"expected shape ({n}, {num_classes}), got {got.shape}: keep one -ELBO per image "
                            f"(per_image=True) instead of the mean over the images")
    if got.shape != (n, num_classes):
        report(name, False, f"expected shape ({n}, {num_classes}), one -ELBO per image and label, got {got.shape}")
    got = got.astype("float64")
    if not np.all(np.isfinite(got)):
        report(name, False, "some of your scores are not finite")
    expected = elbo_scores_reference(model, x)

    def same(a):
        return close(got, a, atol=atol, rtol=1e-5)

    if not same(expected):
        kl = _kl_per_label(model, x)
        hint = ""
        if same(-expected):
            hint = (" Your scores are the ELBO itself, a log-likelihood bound; return -ELBO (positive nats, "
                    "smaller = better), as negative_elbo does.")
        elif same(expected - kl):
            hint = (" Your scores are the reconstruction term alone: the KL term belongs to the ELBO of every "
                    "label, and it differs between labels because the encoder sees the label too.")
        elif same(expected - 2 * kl):
            hint = " You subtracted the KL term: -ELBO = reconstruction NLL + KL."
        elif same(np.repeat(expected[:, :1], num_classes, axis=1)) or np.allclose(got, got[:, :1], atol=atol):
            hint = (" Every column is the same: column c must score the images with label c "
                    "(y=np.full(len(x), c)), a different label in every column.")
        elif same(np.roll(expected, 1, axis=1)) or same(np.roll(expected, -1, axis=1)):
            hint = " Your columns are shifted by one: column c must hold the scores under label c (from 0)."
        elif same((expected - kl) / 784 + kl):
            hint = " Your reconstruction term is 784 times too small: sum it over the pixels instead of averaging."
        else:
            many = elbo_scores_reference(model, x, num_samples=32, seed=1)
            offset = float(np.mean(got - many))
            spread = float(np.std(got - expected))
            if abs(offset) < 0.5 * float(np.mean(np.abs(got - expected))) and spread > 10 * atol:
                hint = (" Your scores differ from the reference by Monte Carlo noise only: use negative_elbo with "
                        "its defaults (one sample, seed 0) so the check can compare them image by image.")
        worst = np.unravel_index(int(np.argmax(np.abs(got - expected))), got.shape)
        differ = int(np.sum(~np.isclose(got, expected, atol=atol, rtol=1e-5)))
        report(name, False, f"your score for image {worst[0]} under label {worst[1]} is {got[worst]:.2f} nats, "
                            f"expected {expected[worst]:.2f} (the largest difference; {differ} of the {got.size} "
                            f"entries differ).{hint}")
    predicted = got.argmin(axis=1)  # smallest -ELBO = largest bound on log p(x | c)
    accuracy = float(np.mean(predicted == y))
    return report(name, True, f"scores match the reference for all {n} x {num_classes} image-label pairs; the "
                              f"smallest -ELBO labels {accuracy:.1%} of {n} test digits correctly "
                              f"(chance: {1 / num_classes:.0%})")


# -- exercise 4: a learned label prior p(z | y) ------------------------------------------------


def kl_to_label_prior_reference(z_mean, z_log_var, prior_means, prior_log_vars, labels) -> np.ndarray:
    """Reference answer: KL( N(z_mean, exp(z_log_var)) || N(prior_means[y], exp(prior_log_vars[y])) ) per
    image, summed over the latent dimensions; float64 (N,). The prior of image i is row ``labels[i]`` of
    the (num_classes, latent_dim) tables."""
    labels = np.asarray(labels)
    return _kl_np(z_mean, z_log_var, np.asarray(prior_means)[labels], np.asarray(prior_log_vars)[labels])


def _kl_np(mean_q, log_var_q, mean_p, log_var_p):
    """KL(N(mean_q, var_q) || N(mean_p, var_p)) summed over the last axis, float64."""
    mq, lq, mp, lp = (np.asarray(a, "float64") for a in (mean_q, log_var_q, mean_p, log_var_p))
    return 0.5 * np.sum(lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1.0, axis=-1)


def _std_variants(mean_q, log_var_q, mean_p, log_var_p):
    """The usual slips with log-variances: the standard deviations exp(log_var / 2) used as variances,
    or log_var read as a log standard deviation (variance exp(2 log_var))."""
    mq, lq, mp, lp = (np.asarray(a, "float64") for a in (mean_q, log_var_q, mean_p, log_var_p))
    std_as_var = 0.5 * np.sum(lp - lq + (np.exp(0.5 * lq) + (mq - mp) ** 2) / np.exp(0.5 * lp) - 1.0, axis=-1)
    return std_as_var, _kl_np(mq, 2 * lq, mp, 2 * lp)


def _fmt_values(a, decimals=4):
    return np.array2string(np.round(np.asarray(a, "float64"), decimals), separator=", ")


def _label_prior_inputs():
    """Six codes of dimension 3, four classes; image 4 sits exactly on its class's prior (KL 0)."""
    rng = np.random.default_rng(5)
    prior_means = rng.normal(scale=1.5, size=(4, 3)).astype("float32")
    prior_log_vars = rng.normal(scale=0.6, size=(4, 3)).astype("float32")
    labels = np.array([2, 0, 3, 1, 3, 2], dtype="int32")
    z_mean = rng.normal(size=(6, 3)).astype("float32")
    z_log_var = rng.normal(scale=0.7, size=(6, 3)).astype("float32") - 0.5
    z_mean[4], z_log_var[4] = prior_means[3], prior_log_vars[3]
    return z_mean, z_log_var, prior_means, prior_log_vars, labels


def check_label_prior_kl(kl_to_label_prior) -> bool:
    """Check ``kl_to_label_prior(z_mean, z_log_var, prior_means, prior_log_vars, labels)`` -> (N,).

    ``z_mean``, ``z_log_var``: (N, d) the encoder's q(z | x, y); ``prior_means``, ``prior_log_vars``:
    (num_classes, d) tables of the learned prior p(z | y) = N(prior_means[y], exp(prior_log_vars[y]));
    ``labels``: (N,) integers. The answer must equal :func:`cvae_utils.losses.kl_gaussians` with each
    image's prior row, one KL per image, and it must be written with ``keras.ops`` (``ops.take`` for the
    rows), so that training can send gradients into the prior tables: the check differentiates it.
    """
    name = "kl_to_label_prior"
    _require_callable(kl_to_label_prior, "check_label_prior_kl(kl_to_label_prior)")
    z_mean, z_log_var, prior_means, prior_log_vars, labels = _label_prior_inputs()
    n, d = z_mean.shape

    def rows(table):  # each image's row of a (num_classes, latent_dim) table
        return table[labels]

    expected = np.asarray(ops.convert_to_numpy(kl_gaussians(z_mean, z_log_var, rows(prior_means),
                                                            rows(prior_log_vars))), "float64")
    if not np.allclose(expected, kl_to_label_prior_reference(z_mean, z_log_var, prior_means, prior_log_vars,
                                                             labels), atol=1e-4, rtol=1e-4):
        raise RuntimeError("kl_gaussians and the NumPy reference disagree: please report this as a bug")
    tensors = [ops.convert_to_tensor(a) for a in (z_mean, z_log_var, prior_means, prior_log_vars)]
    got = as_numpy_result(kl_to_label_prior(*tensors, ops.convert_to_tensor(labels)), name,
                          f"one KL per image, shape ({n},)")
    if got.shape == ():
        report(name, False, f"expected one KL per image, shape ({n},), got a single number: do not sum or "
                            f"average over the batch - the model's loss takes the mean itself")
    if got.shape == (n, d):
        report(name, False, f"expected shape ({n},), got {got.shape}, one value per latent dimension: sum over "
                            f"the last axis")
    if got.shape != (n,):
        report(name, False, f"expected one KL per image, shape ({n},), got {got.shape}")

    def same(a):
        return close(got, a, atol=1e-4, rtol=1e-4)

    if not same(expected):
        ref = kl_to_label_prior_reference
        hint = ""
        if same(_kl_np(rows(prior_means), rows(prior_log_vars), z_mean, z_log_var)):
            hint = (" You computed KL(p || q), the arguments swapped: the KL is not symmetric, and the ELBO needs "
                    "KL(q(z|x,y) || p(z|y)), the expectation taken under the encoder's q.")
        elif same(2 * expected):
            hint = " Your values are twice the right ones: the closed form has a factor 1/2 in front."
        elif same(expected / d):
            hint = " You averaged over the latent dimensions: sum them (the KL of independent dimensions adds up)."
        elif same(ref(z_mean, z_log_var, prior_means, prior_log_vars, np.zeros(n, dtype="int32"))):
            hint = (" That is the KL to class 0's prior for every image: pick each image's own row, "
                    "ops.take(prior_means, labels, axis=0).")
        elif same(ref(z_mean, z_log_var, np.zeros_like(prior_means), np.zeros_like(prior_log_vars), labels)):
            hint = " That is the KL to N(0, I): the prior is now N(prior_means[y], exp(prior_log_vars[y]))."
        elif any(same(v) for v in _std_variants(z_mean, z_log_var, rows(prior_means), rows(prior_log_vars))):
            hint = (" The log-variances are log sigma^2: the variances are exp(log_var) (not exp(log_var / 2), "
                    "the standard deviations, and not exp(2 * log_var)).")
        elif abs(got[4]) > 1e-4:
            hint = (f" Image 4 has exactly its class's prior as q (z_mean = prior_means[{labels[4]}], same "
                    f"log-variances), so its KL must be 0; yours is {got[4]:.4f}.")
        report(name, False, f"expected {_fmt_values(expected)}, got {_fmt_values(got)}.{hint}")

    # gradients: the prior tables are trained, so the KL must be differentiable with respect to them
    variables = [keras.Variable(a) for a in (z_mean, prior_means, prior_log_vars)]
    try:
        _, (_, d_prior_means, d_prior_log_vars) = gradients(
            lambda: ops.sum(kl_to_label_prior(variables[0], ops.convert_to_tensor(z_log_var), variables[1],
                                              variables[2], ops.convert_to_tensor(labels))), variables)
    except Exception as exc:  # noqa: BLE001 - e.g. NumPy on a JAX tracer
        report(name, False, f"differentiating your function raised {type(exc).__name__} ({exc}): write it with "
                            f"keras.ops only (ops.take for the rows, ops.exp, ops.sum), no NumPy, so the prior "
                            f"tables can be trained")
    var_p = np.exp(prior_log_vars.astype("float64"))
    expected_d_prior = np.zeros_like(prior_means, dtype="float64")
    np.add.at(expected_d_prior, labels, (prior_means[labels] - z_mean) / var_p[labels])
    if np.allclose(d_prior_means, 0.0) and np.allclose(d_prior_log_vars, 0.0):
        report(name, False, "no gradient reaches prior_means or prior_log_vars: the KL was computed outside the "
                            "computation (NumPy, or convert_to_numpy) and only wrapped into a tensor; the prior "
                            "could never be learned. Use keras.ops: ops.take(prior_means, labels, axis=0), ...")
    if not close(d_prior_means, expected_d_prior, atol=1e-3, rtol=1e-3):
        report(name, False, f"the gradient of the summed KL with respect to prior_means is {_fmt_values(d_prior_means)}, "
                            f"expected {_fmt_values(expected_d_prior)} ((mu_y - mu) / sigma_y^2, summed over the images "
                            f"of each class; class rows no image uses get 0)")
    return report(name, True, f"KL to each image's own class prior matches kl_gaussians on {n} images "
                              f"({expected.min():.2f} to {expected.max():.2f} nats), and gradients reach the "
                              f"prior tables")


# -- analysis helpers used in the chapter ------------------------------------------------------


# -- exercise: the whole CVAE, written by the learner -----------------------------------------


def check_cvae_class(cvae_class) -> bool:
    """Check a learner's CVAE class, as :func:`cvae_utils.exercises.vae.check_vae_class` does for a VAE:
    ``cvae_class(latent_dim=2)`` takes ``[images, integer_labels]``, builds its networks with
    ``num_classes=10`` and feeds the one-hot label to the encoder *and* the decoder. Also rejects a
    decoder that does not get the image's label."""
    from .vae import _check_model_class

    return _check_model_class(cvae_class, "check_cvae_class", conditional=True)
