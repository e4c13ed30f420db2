"""Self-checks for the exercises of the chapter "Conditional variational autoencoders".

Each ``check_*`` function calls a learner's function on known inputs, compares the result with a
reference written in NumPy, and prints ``✓ ...`` when it agrees or raises AssertionError saying
what differs and what the usual mistake behind that difference is.

- :func:`check_aggregate_variance`: Var[mu_j] + E[sigma_j^2] per latent dimension, the variance of
  the aggregate posterior, to compare with the prior's 1.
- :func:`check_class_share`: the share of each code dimension's variance that the class explains.
- :func:`check_classify_by_elbo`: the CVAE as a classifier: the -ELBO of every image under every
  label, compared entry by entry with :func:`elbo_scores_reference`, then its argmin over the labels.
- :func:`check_cvae_class`: the learner's own CVAE class (loss terms, gradients, labels to both networks).
- :func:`check_label_prior_kl`: the KL from q(z | x, y) to a learned label prior p(z | y) = N(mu_y, sigma_y^2),
  per image, differentiable with respect to the prior's (num_classes, latent_dim) tables.

Over 400 lines because it holds every self-check of chapter 05 (one module per chapter),
each with the wrong answers it recognises and the hint it gives for them.
"""

from __future__ import annotations

from functools import partial

import keras
import numpy as np
from keras import ops

from .._validation import (
    check_images,
    check_labels,
)
from ..evaluate.likelihood import negative_elbo
from ..evaluate.likelihood import per_label as _per_label
from ..evaluate.likelihood import require_cvae as _require_cvae
from ..gradients import gradients
from ..losses import kl_gaussians
from . import as_numpy_result, close, report
from . import require_callable as _require_callable

_numpy_result = partial(as_numpy_result, dtype=None)  # labels stay integers

# -- exercise 1: does the aggregate posterior match the prior? ---------------------------------


def _aggregate_inputs():
    """400 codes of 3 dimensions: means off centre, log-variances that
    differ by dimension, so every usual slip gives different numbers."""
    rng = np.random.default_rng(6)
    z_mean = (
        rng.normal(size=(400, 3)) * [1.3, 0.6, 0.2] + [0.8, -0.5, 0.0]
    ).astype("float32")
    z_log_var = (
        rng.normal(scale=0.3, size=(400, 3)) + [-4.0, -1.0, -0.1]
    ).astype("float32")
    return z_mean, z_log_var


def _check_vector(name, got, expected, shape_message, rtol, mistakes):
    """Fail ``name`` with ``shape_message`` unless ``got`` has the shape of
    ``expected``, a vector, then unless ``got`` is close to ``expected``
    (atol 1e-4, ``rtol``). ``mistakes()`` yields (wrong answer, hint)
    pairs; the hint of the first that ``got`` is close to ends the message.
    """
    if got.shape != (len(expected),):
        report(name, False, shape_message)

    def same(a):
        return close(got, a, atol=1e-4, rtol=rtol)

    if not same(expected):
        hint = next((hint for wrong, hint in mistakes() if same(wrong)), "")
        report(
            name,
            False,
            f"expected {np.round(expected, 4)}, got {np.round(got, 4)}.{hint}",
        )


def check_aggregate_variance(aggregate_variance) -> None:
    """Check ``aggregate_variance(z_mean, z_log_var)`` -> (latent_dim,).

    The aggregate posterior q(z) = (1/N) sum_i q(z | x_i, y_i) is a mixture
    of the encoder's Gaussians; by the law of total variance its variance in
    dimension j is Var_i[mu_ij] + mean_i[sigma_ij^2]. The prior N(0, I) has
    1 there. Either variance estimator (dividing by N or N - 1) passes.
    """
    name = "aggregate_variance"
    _require_callable(
        aggregate_variance, "check_aggregate_variance(aggregate_variance)"
    )
    z_mean, z_log_var = _aggregate_inputs()
    m, lv = z_mean.astype("float64"), z_log_var.astype("float64")
    var_mu, mean_var = m.var(axis=0), np.exp(lv).mean(axis=0)
    expected = var_mu + mean_var
    got = as_numpy_result(
        aggregate_variance(z_mean, z_log_var),
        name,
        "one variance per latent dimension",
        lists=True,
    )
    d = z_mean.shape[1]
    if got.shape == (len(z_mean),):
        report(
            name,
            False,
            f"expected one value per latent dimension, shape "
            f"({d},); got one per image: take the variance "
            f"and the mean over the images, axis=0",
        )

    def mistakes():
        yield (
            var_mu,
            " That is Var[mu_j] alone: every code is a Gaussian "
            "with its own variance, so add their mean E[sigma_j^2] "
            "= mean of exp(z_log_var).",
        )
        yield (
            mean_var,
            " That is E[sigma_j^2] alone: add the spread of the "
            "means between images, Var[mu_j].",
        )
        yield (
            var_mu + np.exp(0.5 * lv).mean(axis=0),
            " You added the mean standard deviation exp(log_var / "
            "2); the variance sigma^2 is exp(z_log_var).",
        )
        yield (
            var_mu + lv.mean(axis=0),
            " z_log_var is log sigma^2: the variance is exp(z_log_var).",
        )
        yield (
            (m**2).mean(axis=0) + mean_var,
            " You used the mean of mu_j^2, the second moment: it "
            "includes the squared mean of the codes. Take the "
            "variance of mu_j, which is centred on the mean code.",
        )
        yield (
            np.sqrt(expected),
            " That is a standard deviation: return the variance.",
        )

    _check_vector(
        name,
        got,
        expected,
        f"expected one value per latent dimension, shape "
        f"({d},); got shape {got.shape}",
        1e-2,
        mistakes,
    )
    report(
        name,
        True,
        f"Var[mu_j] + E[sigma_j^2] = {np.round(expected, 3)} "
        f"on {len(z_mean)} codes of {d} dimensions",
    )


# -- exercise 2: how much of the code is label? -------------------------------------------------


def _leakage_inputs():
    """Codes of 3 dimensions for 4 unbalanced classes: dimension 0 is mostly
    class, dimension 1 partly, dimension 2 not at all."""
    rng = np.random.default_rng(8)
    labels = rng.permutation(np.repeat(np.arange(4), [40, 110, 20, 70]))
    centres = np.array(
        [[-2.0, 0.5, 0.0], [0.5, -0.4, 0.0], [3.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    )
    z = centres[labels] + rng.normal(size=(len(labels), 3)) * [0.5, 0.8, 1.0]
    return z.astype("float32"), labels.astype("int32")


def _class_share_np(z, labels, weighted=True):
    z = np.asarray(z, "float64")
    classes = np.unique(labels)
    means = np.stack([z[labels == c].mean(axis=0) for c in classes])
    counts = np.array([np.sum(labels == c) for c in classes], "float64")
    weights = (
        counts / counts.sum()
        if weighted
        else np.full(len(classes), 1.0 / len(classes))
    )
    between = (weights[:, None] * (means - z.mean(axis=0)) ** 2).sum(axis=0)
    return between / z.var(axis=0)


def check_class_share(class_share) -> None:
    """Check ``class_share(z, labels)`` -> (latent_dim,): the share of the
    variance of each code dimension that the class explains,
    sum_c n_c (mean_c - mean)^2 / sum_i (z_i - mean)^2 (the correlation
    ratio eta^2; 0 when the class says nothing about z_j, 1 when z_j is
    the class alone). Classes of different sizes, shuffled labels."""
    name = "class_share"
    _require_callable(class_share, "check_class_share(class_share)")
    z, labels = _leakage_inputs()
    expected = _class_share_np(z, labels)
    got = as_numpy_result(
        class_share(z.copy(), labels.copy()),
        name,
        "one share per latent dimension",
        lists=True,
    )
    d = z.shape[1]

    def mistakes():
        yield (
            1.0 - expected,
            " That is the share of the variance *within* the "
            "classes: the class explains the rest, 1 minus yours.",
        )
        yield (
            _class_share_np(z, labels, weighted=False),
            " The classes have different sizes: weight each class "
            "mean by its number of codes (or compute the variance "
            "of each code's own class mean).",
        )
        yield (
            np.sqrt(expected),
            " That is a ratio of standard deviations: the share is "
            "a ratio of variances.",
        )
        yield (
            1.0 / expected,
            " The ratio is upside down: the class's part of the "
            "variance over the whole variance, at most 1.",
        )

    _check_vector(
        name,
        got,
        expected,
        f"expected one share per latent dimension, "
        f"shape ({d},); got {got.shape}",
        1e-3,
        mistakes,
    )
    report(
        name,
        True,
        f"{np.round(expected, 3)} for three dimensions that "
        f"are mostly, partly and not at all the class, with "
        f"classes of 20 to 110 codes",
    )


# -- exercise 3: the CVAE as a classifier --------------------------------------------------------


def elbo_scores_reference(
    model, x, num_samples: int = 1, seed: int = 0
) -> np.ndarray:
    """Reference answer: float64 (N, num_classes), entry [i, c] = -ELBO(x_i | y = c) in nats, from
    :func:`cvae_utils.evaluate.negative_elbo` with its defaults (one draw of z per image, seed 0), so
    the same call always gives the same numbers. The label with the smallest score is the one whose
    lower bound on log p(x | c) is largest; with a uniform p(y) that is the most probable label."""
    _require_cvae(model, "elbo_scores_reference")
    x = check_images(x, "x")
    return np.stack(
        _per_label(negative_elbo, model, x, num_samples, seed), axis=1
    )


def classify_by_elbo_reference(
    model, x, num_samples: int = 1, seed: int = 0
) -> np.ndarray:
    """For every image the label c with the smallest -ELBO(x | c): the argmin of
    :func:`elbo_scores_reference` over the labels."""
    return (
        elbo_scores_reference(model, x, num_samples=num_samples, seed=seed)
        .argmin(axis=1)
        .astype("int32")
    )


def _kl_per_label(model, x):
    """Closed-form KL(q(z|x,c) || N(0, I)) for every image and label c, float64 (N, num_classes)."""
    columns = []
    for c in range(model.num_classes):
        z_mean, z_log_var = model.encode(x, np.full(len(x), c, dtype="int32"))
        z_mean, z_log_var = (
            np.asarray(z_mean, "float64"),
            np.asarray(z_log_var, "float64"),
        )
        columns.append(
            0.5
            * np.sum(np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var, axis=1)
        )
    return np.stack(columns, axis=1)


def check_classify_by_elbo(
    elbo_scores, model, x, y, atol: float = 1e-2
) -> None:
    """Check ``elbo_scores(model, x)`` -> float (N, num_classes): -ELBO of every image under every label.

    Entry [i, c] must be ``negative_elbo(model, x, y=np.full(len(x), c), per_image=True)[i]``, with the
    function's defaults (one draw of z, seed 0), so the check can compare the scores image by image with
    :func:`elbo_scores_reference` (within ``atol`` nats, float32 round-off) - a classifier that drops the KL
    term or mixes up the labels cannot pass by agreeing on most argmins. Then it classifies every image by
    the argmin over the labels and prints the accuracy; ``y`` (the true labels) is only used for that.
    """
    name = "classify_by_elbo"
    _require_callable(
        elbo_scores, "check_classify_by_elbo(elbo_scores, cvae, x, y)"
    )
    _require_cvae(model, "check_classify_by_elbo")
    x = check_images(x, "x")
    y = check_labels(y, model.num_classes, n=len(x))
    n, num_classes = len(x), model.num_classes
    got = _numpy_result(
        elbo_scores(model, x),
        name,
        f"one array of scores, shape ({n}, {num_classes})",
    )
    if got.shape == (n,):
        report(
            name,
            False,
            f"expected a score for every image and label, shape ({n}, {num_classes}), got one "
            f"value per image {got.shape}: return the whole table of -ELBO values (the check "
            f"takes the argmin itself)",
        )
    if got.shape == (num_classes, n) and n != num_classes:
        report(
            name,
            False,
            f"expected shape ({n}, {num_classes}), got {got.shape}: rows must be images and "
            f"columns labels (stack the per-label columns with axis=1, or transpose)",
        )
    if got.shape == (num_classes,):
        report(
            name,
            False,
            f"expected shape ({n}, {num_classes}), got {got.shape}: keep one -ELBO per image "
            f"(per_image=True) instead of the mean over the images",
        )
    if got.shape != (n, num_classes):
        report(
            name,
            False,
            f"expected shape ({n}, {num_classes}), one -ELBO per image and label, got {got.shape}",
        )
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
            hint = (
                " Your scores are the ELBO itself, a log-likelihood bound; return -ELBO (positive nats, "
                "smaller = better), as negative_elbo does."
            )
        elif same(expected - kl):
            hint = (
                " Your scores are the reconstruction term alone: the KL term belongs to the ELBO of every "
                "label, and it differs between labels because the encoder sees the label too."
            )
        elif same(expected - 2 * kl):
            hint = (
                " You subtracted the KL term: -ELBO = reconstruction NLL + KL."
            )
        elif same(
            np.repeat(expected[:, :1], num_classes, axis=1)
        ) or np.allclose(got, got[:, :1], atol=atol):
            hint = (
                " Every column is the same: column c must score the images with label c "
                "(y=np.full(len(x), c)), a different label in every column."
            )
        elif same(np.roll(expected, 1, axis=1)) or same(
            np.roll(expected, -1, axis=1)
        ):
            hint = " Your columns are shifted by one: column c must hold the scores under label c (from 0)."
        elif same((expected - kl) / 784 + kl):
            hint = " Your reconstruction term is 784 times too small: sum it over the pixels instead of averaging."
        else:
            many = elbo_scores_reference(model, x, num_samples=32, seed=1)
            offset = float(np.mean(got - many))
            spread = float(np.std(got - expected))
            if (
                abs(offset) < 0.5 * float(np.mean(np.abs(got - expected)))
                and spread > 10 * atol
            ):
                hint = (
                    " Your scores differ from the reference by Monte Carlo noise only: use negative_elbo with "
                    "its defaults (one sample, seed 0) so the check can compare them image by image."
                )
        worst = np.unravel_index(
            int(np.argmax(np.abs(got - expected))), got.shape
        )
        differ = int(np.sum(~np.isclose(got, expected, atol=atol, rtol=1e-5)))
        report(
            name,
            False,
            f"your score for image {worst[0]} under label {worst[1]} is {got[worst]:.2f} nats, "
            f"expected {expected[worst]:.2f} (the largest difference; {differ} of the {got.size} "
            f"entries differ).{hint}",
        )
    predicted = got.argmin(
        axis=1
    )  # smallest -ELBO = largest bound on log p(x | c)
    accuracy = float(np.mean(predicted == y))
    report(
        name,
        True,
        f"scores match the reference for all {n} x {num_classes} image-label pairs; the "
        f"smallest -ELBO labels {accuracy:.1%} of {n} test digits correctly "
        f"(chance: {1 / num_classes:.0%})",
    )


# -- exercise 4: a learned label prior p(z | y) ------------------------------------------------


def kl_to_label_prior_reference(
    z_mean, z_log_var, prior_means, prior_log_vars, labels
) -> np.ndarray:
    """Reference answer: KL( N(z_mean, exp(z_log_var)) || N(prior_means[y], exp(prior_log_vars[y])) ) per
    image, summed over the latent dimensions; float64 (N,). The prior of image i is row ``labels[i]`` of
    the (num_classes, latent_dim) tables."""
    labels = np.asarray(labels)
    return _kl_np(
        z_mean,
        z_log_var,
        np.asarray(prior_means)[labels],
        np.asarray(prior_log_vars)[labels],
    )


def _kl_np(mean_q, log_var_q, mean_p, log_var_p):
    """KL(N(mean_q, var_q) || N(mean_p, var_p)) summed over the last axis, float64."""
    mq, lq, mp, lp = (
        np.asarray(a, "float64")
        for a in (mean_q, log_var_q, mean_p, log_var_p)
    )
    return 0.5 * np.sum(
        lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1.0, axis=-1
    )


def _log_ratio_without_half(mean_q, log_var_q, mean_p, log_var_p):
    """The slip the exercise warns about: log(sigma_p / sigma_q) written as log_var_p - log_var_q."""
    mq, lq, mp, lp = (
        np.asarray(a, "float64")
        for a in (mean_q, log_var_q, mean_p, log_var_p)
    )
    return np.sum(
        lp - lq + (np.exp(lq) + (mq - mp) ** 2) / (2 * np.exp(lp)) - 0.5,
        axis=-1,
    )


def _std_variants(mean_q, log_var_q, mean_p, log_var_p):
    """The usual slips with log-variances: the standard deviations exp(log_var / 2) used as variances,
    or log_var read as a log standard deviation (variance exp(2 log_var))."""
    mq, lq, mp, lp = (
        np.asarray(a, "float64")
        for a in (mean_q, log_var_q, mean_p, log_var_p)
    )
    std_as_var = 0.5 * np.sum(
        lp - lq + (np.exp(0.5 * lq) + (mq - mp) ** 2) / np.exp(0.5 * lp) - 1.0,
        axis=-1,
    )
    return std_as_var, _kl_np(mq, 2 * lq, mp, 2 * lp)


def _fmt_values(a, decimals=4):
    return np.array2string(
        np.round(np.asarray(a, "float64"), decimals), separator=", "
    )


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


def check_label_prior_kl(kl_to_label_prior) -> None:
    """Check ``kl_to_label_prior(z_mean, z_log_var, prior_means, prior_log_vars, labels)`` -> (N,).

    ``z_mean``, ``z_log_var``: (N, d) the encoder's q(z | x, y); ``prior_means``, ``prior_log_vars``:
    (num_classes, d) tables of the learned prior p(z | y) = N(prior_means[y], exp(prior_log_vars[y]));
    ``labels``: (N,) integers. The answer must equal :func:`cvae_utils.losses.kl_gaussians` with each
    image's prior row, one KL per image, and it must be written with ``keras.ops`` (``ops.take`` for the
    rows), so that training can send gradients into the prior tables: the check differentiates it.
    """
    name = "kl_to_label_prior"
    _require_callable(
        kl_to_label_prior, "check_label_prior_kl(kl_to_label_prior)"
    )
    z_mean, z_log_var, prior_means, prior_log_vars, labels = (
        _label_prior_inputs()
    )
    n, d = z_mean.shape

    def rows(table):  # each image's row of a (num_classes, latent_dim) table
        return table[labels]

    expected = np.asarray(
        ops.convert_to_numpy(
            kl_gaussians(
                z_mean, z_log_var, rows(prior_means), rows(prior_log_vars)
            )
        ),
        "float64",
    )
    if not np.allclose(
        expected,
        kl_to_label_prior_reference(
            z_mean, z_log_var, prior_means, prior_log_vars, labels
        ),
        atol=1e-4,
        rtol=1e-4,
    ):
        raise RuntimeError(
            "kl_gaussians and the NumPy reference disagree: please report this as a bug"
        )
    tensors = [
        ops.convert_to_tensor(a)
        for a in (z_mean, z_log_var, prior_means, prior_log_vars)
    ]
    got = as_numpy_result(
        kl_to_label_prior(*tensors, ops.convert_to_tensor(labels)),
        name,
        f"one KL per image, shape ({n},)",
    )
    if got.shape == ():
        report(
            name,
            False,
            f"expected one KL per image, shape ({n},), got a single number: do not sum or "
            f"average over the batch - the model's loss takes the mean itself",
        )
    if got.shape == (n, d):
        report(
            name,
            False,
            f"expected shape ({n},), got {got.shape}, one value per latent dimension: sum over "
            f"the last axis",
        )
    if got.shape != (n,):
        report(
            name,
            False,
            f"expected one KL per image, shape ({n},), got {got.shape}",
        )

    def same(a):
        return close(got, a, atol=1e-4, rtol=1e-4)

    if not same(expected):
        ref = kl_to_label_prior_reference
        hint = ""
        if same(
            _kl_np(rows(prior_means), rows(prior_log_vars), z_mean, z_log_var)
        ):
            hint = (
                " You computed KL(p || q), the arguments swapped: the KL is not symmetric, and the ELBO needs "
                "KL(q(z|x,y) || p(z|y)), the expectation taken under the encoder's q."
            )
        elif same(2 * expected):
            hint = " Your values are twice the right ones: the closed form has a factor 1/2 in front."
        elif same(
            _log_ratio_without_half(
                z_mean, z_log_var, rows(prior_means), rows(prior_log_vars)
            )
        ):
            hint = (
                " Your log term lacks the 1/2: log(sigma_p / sigma_q) = (log_var_p - log_var_q) / 2, because "
                "the inputs are log-variances, not log standard deviations."
            )
        elif same(expected / d):
            hint = " You averaged over the latent dimensions: sum them (the KL of independent dimensions adds up)."
        elif same(
            ref(
                z_mean,
                z_log_var,
                prior_means,
                prior_log_vars,
                np.zeros(n, dtype="int32"),
            )
        ):
            hint = (
                " That is the KL to class 0's prior for every image: pick each image's own row, "
                "ops.take(prior_means, labels, axis=0)."
            )
        elif same(
            ref(
                z_mean,
                z_log_var,
                np.zeros_like(prior_means),
                np.zeros_like(prior_log_vars),
                labels,
            )
        ):
            hint = " That is the KL to N(0, I): the prior is now N(prior_means[y], exp(prior_log_vars[y]))."
        elif any(
            same(v)
            for v in _std_variants(
                z_mean, z_log_var, rows(prior_means), rows(prior_log_vars)
            )
        ):
            hint = (
                " The log-variances are log sigma^2: the variances are exp(log_var) (not exp(log_var / 2), "
                "the standard deviations, and not exp(2 * log_var))."
            )
        elif abs(got[4]) > 1e-4:
            hint = (
                f" Image 4 has exactly its class's prior as q (z_mean = prior_means[{labels[4]}], same "
                f"log-variances), so its KL must be 0; yours is {got[4]:.4f}."
            )
        report(
            name,
            False,
            f"expected {_fmt_values(expected)}, got {_fmt_values(got)}.{hint}",
        )

    # gradients: the prior tables are trained, so the KL must be differentiable with respect to them
    variables = [
        keras.Variable(a) for a in (z_mean, prior_means, prior_log_vars)
    ]
    try:
        _, (_, d_prior_means, d_prior_log_vars) = gradients(
            lambda: ops.sum(
                kl_to_label_prior(
                    variables[0],
                    ops.convert_to_tensor(z_log_var),
                    variables[1],
                    variables[2],
                    ops.convert_to_tensor(labels),
                )
            ),
            variables,
        )
    except Exception as exc:  # noqa: BLE001 - e.g. NumPy on a JAX tracer
        report(
            name,
            False,
            f"differentiating your function raised {type(exc).__name__} ({exc}): write it with "
            f"keras.ops only (ops.take for the rows, ops.exp, ops.sum), no NumPy, so the prior "
            f"tables can be trained",
        )
    var_p = np.exp(prior_log_vars.astype("float64"))
    expected_d_prior = np.zeros_like(prior_means, dtype="float64")
    np.add.at(
        expected_d_prior,
        labels,
        (prior_means[labels] - z_mean) / var_p[labels],
    )
    if np.allclose(d_prior_means, 0.0) and np.allclose(d_prior_log_vars, 0.0):
        report(
            name,
            False,
            "no gradient reaches prior_means or prior_log_vars: the KL was computed outside the "
            "computation (NumPy, or convert_to_numpy) and only wrapped into a tensor; the prior "
            "could never be learned. Use keras.ops: ops.take(prior_means, labels, axis=0), ...",
        )
    if not close(d_prior_means, expected_d_prior, atol=1e-3, rtol=1e-3):
        report(
            name,
            False,
            f"the gradient of the summed KL with respect to prior_means is {_fmt_values(d_prior_means)}, "
            f"expected {_fmt_values(expected_d_prior)} ((mu_y - mu) / sigma_y^2, summed over the images "
            f"of each class; class rows no image uses get 0)",
        )
    report(
        name,
        True,
        f"KL to each image's own class prior matches kl_gaussians on {n} images "
        f"({expected.min():.2f} to {expected.max():.2f} nats), and gradients reach the "
        f"prior tables",
    )


# -- analysis helpers used in the chapter ------------------------------------------------------


# -- exercise: the whole CVAE, written by the learner -----------------------------------------


def check_cvae_class(cvae_class) -> None:
    """Check a learner's CVAE class, as :func:`cvae_utils.exercises.vae.check_vae_class` does for a VAE:
    ``cvae_class(latent_dim=2)`` takes ``[images, integer_labels]``, builds its networks with
    ``num_classes=10`` and feeds the one-hot label to the encoder *and* the decoder. Also rejects a
    decoder that does not get the image's label."""
    from .vae import _check_model_class

    _check_model_class(cvae_class, "check_cvae_class", conditional=True)
