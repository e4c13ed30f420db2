"""Likelihood-based evaluation of trained VAEs and CVAEs, in nats per image.

- :func:`negative_elbo`: -ELBO = E_q[-log p(x|z)] + KL(q(z|x) || p(z)), an upper bound on -log p(x).
- :func:`importance_sampled_nll`: -log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x) with z_k ~ q(z|x),
  a tighter upper bound that approaches -log p(x) as K grows (Burda et al., 2016).
- :func:`conditional_log_likelihoods` and :func:`marginal_nll`: a CVAE's log p(x|y=c) for every
  class c, and from them -log p(x) = -log mean_c p(x|c), comparable with a VAE's -log p(x).
- :func:`negative_cll`: the quadrant models' -log p(y | x_obs) (chapter 06);
  :func:`likelihood_rows`: the table of chapter 07.

The models own their importance weights (``VAE.log_importance_weights``, overridden by the CVAE
and ``QuadrantCVAE``); this module draws them batch by batch in one loop and reduces them.

The likelihoods expect binarized images: the numbers are then in the units of published results (nats per image),
but not comparable with their values (papers binarise MNIST stochastically and train on 60,000 digits).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .._validation import (
    check_bool,
    check_choice,
    check_course_model,
    check_images,
    check_labels,
    check_positive_int,
)
from ..data import split_quadrants
from ..losses import bernoulli_nll_from_logits
from ..models.core import CVAE, VAE
from ..models.quadrants import PROPOSALS, QuadrantBaseline, QuadrantCVAE

__all__ = [
    "conditional_log_likelihoods",
    "importance_sampled_nll",
    "likelihood_rows",
    "marginal_nll",
    "negative_cll",
    "negative_elbo",
]


def _importance_sampling(
    model,
    arrays,
    num_samples,
    batch_size,
    seed,
    reduce,
    budget=4096,
    **options,
):
    """The one importance-sampling loop: ``reduce(*model.log_importance_weights(batch, ...))`` over
    batches of the aligned NumPy ``arrays``, as float64 (N,).

    A batch holds at most ``budget // num_samples`` items, so one decoder call sees about ``budget``
    rows; one ``SeedGenerator(seed)`` draws every batch's samples in turn.
    """
    seed_generator = keras.random.SeedGenerator(seed)
    step = max(1, min(batch_size, budget // num_samples))
    values = []
    for start in range(0, len(arrays[0]), step):
        batch = [
            ops.convert_to_tensor(a[start : start + step]) for a in arrays
        ]
        terms = model.log_importance_weights(
            batch if len(batch) > 1 else batch[0],
            num_samples,
            seed_generator,
            **options,
        )
        values.append(ops.convert_to_numpy(reduce(*terms)))
    return np.concatenate(values).astype("float64")


def _log_mean_weight(num_samples):
    """-log (1/K) sum_k w_k from the log-weights (K, B): the importance-sampled bound."""
    return lambda log_w, *rest: (
        -(ops.logsumexp(log_w, axis=0) - math.log(num_samples))
    )


def _model_arrays(model, x, y=None, who: str = "") -> list:
    """The checked NumPy inputs of a course VAE or CVAE: ``[x]`` or ``[x, y]``."""
    who = f"{who}: " if who else ""
    if not isinstance(model, VAE):
        raise TypeError(
            f"{who}model must be a cvae_utils VAE or CVAE, got {type(model).__name__}"
        )
    x = check_images(x)
    if model.conditional:
        if y is None:
            raise ValueError(
                f"{who}{type(model).__name__} is conditional: pass its labels as y"
            )
        return [x, check_labels(y, model.num_classes, n=len(x))]
    if y is not None:
        raise ValueError(
            f"{who}{type(model).__name__} is not conditional: y must be None"
        )
    return [x]


def _run(model, x, y, num_samples, batch_size, seed, reduce):
    """Validate the arguments of a VAE/CVAE bound and run the importance-sampling loop."""
    check_positive_int(num_samples, "num_samples")
    check_positive_int(batch_size, "batch_size")
    check_positive_int(seed, "seed", minimum=0)
    arrays = _model_arrays(model, x, y)
    return _importance_sampling(
        model, arrays, num_samples, batch_size, seed, reduce
    )


def negative_elbo(
    model,
    x,
    y=None,
    num_samples: int = 1,
    analytic_kl: bool = True,  # with num_samples: how the bound is estimated
    batch_size: int = 512,
    seed: int = 0,
    per_image: bool = False,
):
    """Mean -ELBO in nats per image: Monte Carlo reconstruction term (``num_samples`` draws of
    z ~ q(z|x)) plus the closed-form KL. With ``per_image`` it returns one value per image.

    With ``analytic_kl=False`` the KL is estimated from the same draws as well, as the mean of
    log q(z_k|x) - log p(z_k): then the estimate is exactly -(1/K) sum_k log w_k for the same
    log-weights that :func:`importance_sampled_nll` averages inside its logarithm, so with the same
    ``seed``, ``num_samples`` and ``batch_size`` the importance-sampled value is never larger (Jensen).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    check_bool(per_image, "per_image")
    if check_bool(analytic_kl, "analytic_kl"):
        reduce = lambda log_w, log_px_z, kl: -ops.mean(log_px_z, axis=0) + kl  # noqa: E731
    else:
        reduce = lambda log_w, log_px_z, kl: -ops.mean(log_w, axis=0)  # noqa: E731
    values = _run(model, x, y, num_samples, batch_size, seed, reduce)
    return values if per_image else float(values.mean())


def importance_sampled_nll(
    model,
    x,
    y=None,
    num_samples: int = 100,
    batch_size: int = 512,
    seed: int = 0,
    per_image: bool = False,
):
    """Importance-sampled estimate of -log p(x) (or -log p(x|y) for a CVAE) in nats per image,
    with q(z|x) as the proposal and ``num_samples`` samples per image.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    check_bool(per_image, "per_image")
    values = _run(
        model,
        x,
        y,
        num_samples,
        batch_size,
        seed,
        _log_mean_weight(num_samples),
    )
    return values if per_image else float(values.mean())


def require_cvae(model, who: str) -> None:
    """TypeError unless ``model`` is a cvae_utils CVAE (``who`` names the caller in the message).

    Introduced in chapter 05, *Conditional variational autoencoders*.
    """
    if not isinstance(model, CVAE):
        raise TypeError(
            f"{who} needs a cvae_utils CVAE, got {type(model).__name__}"
        )


def per_label(estimate, model, x, num_samples, seed):
    """``estimate(model, x, y=c, ..., per_image=True)`` for every label c of
    the CVAE ``model``, in order: a list of one array per label (the shared
    step of :func:`conditional_log_likelihoods` and the exercises' -ELBO
    scores; not exported)."""
    return [
        estimate(
            model,
            x,
            np.full(len(x), c, dtype="int32"),
            num_samples=num_samples,
            seed=seed,
            per_image=True,
        )
        for c in range(model.num_classes)
    ]


def conditional_log_likelihoods(
    model, x, num_samples: int = 100, seed: int = 0
) -> np.ndarray:
    """Importance-sampled estimates of log p(x | y = c) for every image and every class c.

    Returns float64 (N, num_classes). Each column is ``-importance_sampled_nll(model, x, y=c,
    per_image=True)``: the image is encoded with label c, whether or not c is its true label.
    With a uniform p(y), ``logsumexp(result, axis=1) - log(num_classes)`` estimates log p(x)
    and ``softmax(result, axis=1)`` the label posterior p(y | x).

    Introduced in chapter 05, *Conditional variational autoencoders*.
    """
    require_cvae(model, "conditional_log_likelihoods")
    x = check_images(x, "x")
    num_samples = check_positive_int(num_samples, "num_samples")
    columns = [
        -column
        for column in per_label(
            importance_sampled_nll, model, x, num_samples, seed
        )
    ]
    return np.stack(columns, axis=1)


def marginal_nll(
    model, x, num_samples: int = 100, seed: int = 0, per_image: bool = False
):
    """A CVAE's estimate of -log p(x) = -log (1/C) sum_c p(x | c) in nats per image (uniform p(y)):
    the number to put beside a VAE's :func:`importance_sampled_nll`, which also gets no label.
    Costs ``num_classes`` times one :func:`importance_sampled_nll`.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    check_bool(per_image, "per_image")
    log_px_given = conditional_log_likelihoods(
        model, x, num_samples=num_samples, seed=seed
    )
    values = -(
        np.logaddexp.reduce(log_px_given, axis=1) - math.log(model.num_classes)
    )
    return values if per_image else float(values.mean())


def negative_cll(
    model,
    images,
    num_samples: int = 100,
    proposal: str = "recognition",
    batch_size: int = 256,
    seed: int = 0,
    per_image: bool = False,
):
    """Negative conditional log-likelihood -log p(y | x_obs) of the hidden pixels, in nats per image.

    - :class:`~cvae_utils.models.quadrants.QuadrantBaseline`: exact (its prediction is a product of independent Bernoullis).
    - :class:`~cvae_utils.models.quadrants.QuadrantCVAE`: importance-sampled with ``num_samples`` draws per image,
      -log (1/K) sum_k p(y | x_obs, z_k) p(z_k | x_obs) / r(z_k), where the proposal r is the
      recognition network q(z | x_obs, y) (``proposal="recognition"``, as in the paper) or the prior
      network p(z | x_obs) (``"prior"``: plain Monte Carlo, which needs many more samples).

    Both are upper bounds on the true value in expectation that tighten as ``num_samples`` grows.

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """
    if not isinstance(model, (QuadrantBaseline, QuadrantCVAE)):
        raise TypeError(
            f"model must be a QuadrantBaseline or QuadrantCVAE, got {type(model).__name__}"
        )
    images = check_images(images, "images")
    num_samples = check_positive_int(num_samples, "num_samples")
    check_choice(proposal, "proposal", PROPOSALS)
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_positive_int(seed, "seed", minimum=0)
    check_bool(per_image, "per_image")
    x_obs, y = split_quadrants(images, model.num_given)
    if isinstance(
        model, QuadrantBaseline
    ):  # exact: no latent variable to sample
        values = np.concatenate(
            [
                ops.convert_to_numpy(
                    bernoulli_nll_from_logits(
                        ops.convert_to_tensor(y[i : i + batch_size]),
                        model.network(
                            ops.convert_to_tensor(x_obs[i : i + batch_size]),
                            training=False,
                        ),
                    )
                )
                for i in range(0, len(images), batch_size)
            ]
        ).astype("float64")
    else:
        values = _importance_sampling(
            model,
            [x_obs, y],
            num_samples,
            batch_size,
            seed,
            _log_mean_weight(num_samples),
            budget=8192,
            proposal=proposal,
        )
    return values if per_image else float(values.mean())


def likelihood_rows(
    models,
    x_test,
    y_test,
    num_samples: int = 100,
    x_train=None,
    y_train=None,
    seconds=None,
    elbo_samples: int = 1,
):
    """One dict per model with its test -ELBO (``elbo_samples`` draws of z per image for the reconstruction
    term, closed-form KL), importance-sampled
    NLL with ``num_samples`` samples and their gap; with ``x_train`` also the -ELBO on those training
    images (overfitting shows as train << test); with ``seconds`` the training time. A CVAE bounds
    -log p(x|y); each CVAE gets a second row with its label-free -log p(x) (:func:`marginal_nll`).

    Introduced in chapter 07, *Evaluating generative models*.
    """
    if not isinstance(models, dict) or not models:
        raise TypeError(
            "models must be a non-empty dict {name: trained VAE or CVAE}"
        )
    x_test = check_images(x_test, "x_test")
    y_test = check_labels(y_test, 10, n=len(x_test), name="y_test")
    num_samples = check_positive_int(num_samples, "num_samples")
    if x_train is not None:
        x_train = check_images(x_train, "x_train")
        y_train = check_labels(y_train, 10, n=len(x_train), name="y_train")
    nll = f"test IS-NLL K={num_samples}"
    rows = []
    for name, model in models.items():
        conditional = check_course_model(model, "likelihood_rows")
        row = {
            "model": name,
            "bounds": "−log p(x|y)" if conditional else "−log p(x)",
            "params": int(model.count_params()),
        }
        if seconds is not None:
            row["train s"] = round(float(seconds[name]), 1)
        if x_train is not None:
            row["train −ELBO"] = negative_elbo(
                model,
                x_train,
                y_train if conditional else None,
                num_samples=elbo_samples,
            )
        row["test −ELBO"] = negative_elbo(
            model,
            x_test,
            y_test if conditional else None,
            num_samples=elbo_samples,
        )
        row[nll] = importance_sampled_nll(
            model,
            x_test,
            y_test if conditional else None,
            num_samples=num_samples,
        )
        row["ELBO gap"] = row["test −ELBO"] - row[nll]
        rows.append(row)
        if conditional:
            extra = {
                key: row[key] for key in ("params", "train s") if key in row
            }
            rows.append(
                {
                    "model": name,
                    "bounds": "−log p(x), labels summed out",
                    **extra,
                    nll: marginal_nll(model, x_test, num_samples=num_samples),
                }
            )
    return rows
