"""Likelihood-based evaluation of trained VAEs and CVAEs, in nats per image.

- :func:`negative_elbo`: -ELBO = E_q[-log p(x|z)] + KL(q(z|x) || p(z)), an upper bound on -log p(x).
- :func:`importance_sampled_nll`: -log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x) with z_k ~ q(z|x),
  a tighter upper bound that approaches -log p(x) as K grows (Burda et al., 2016).
- :func:`conditional_log_likelihoods` and :func:`marginal_nll`: a CVAE's log p(x|y=c) for every
  class c, and from them -log p(x) = -log mean_c p(x|c), comparable with a VAE's -log p(x).
- :func:`label_fidelity`: how often a classifier recognises the class a CVAE was asked to draw.
- :func:`classification_accuracy_score` (Ravuri & Vinyals, 2019) and :func:`per_class_diversity`: what a
  classifier trained on a CVAE's samples gets right on real digits, and how varied the samples of a class are.

The likelihoods expect binarized images: the numbers are then in the units of published results (nats per image),
but not comparable with their values (papers binarise MNIST stochastically and train on 60,000 digits).
"""

from __future__ import annotations

import math
import numbers

import keras
import numpy as np
from keras import ops

from ._validation import (as_array, check_bool, check_choice, check_class_labels, check_image_stack, check_images,
                          check_labels, check_latent, check_nonnegative_float, check_points, check_positive_float,
                          check_positive_int, check_seed, check_unit_float)
from .data import DEFAULT_RADII, DEFAULT_TURNS, split_quadrants, spiral_curve
from .losses import bernoulli_nll_from_logits, kl_standard_normal, log_normal
from .models import PROPOSALS, VAE, QuadrantBaseline, _QuadrantModel, decode_latent


def _model_parts(model, x, y):
    """Validated inputs and (encoder, decoder) calls that work for VAE and CVAE alike."""

    if not isinstance(model, VAE):
        raise TypeError(f"model must be a cvae_utils VAE or CVAE, got {type(model).__name__}")
    x = check_images(x)
    if getattr(model, "conditional", False):
        if y is None:
            raise ValueError(f"{type(model).__name__} is conditional: pass its labels as y")
        y = check_labels(y, model.num_classes, n=len(x))

        def encode(bx, by):
            return model.encoder([bx, model.one_hot(by)], training=False)

        def reconstruction_nll(bx, z, by):  # the model's own -log p(x|z), whatever its likelihood
            return model.reconstruction_nll(bx, model.decoder([z, model.one_hot(by)], training=False))
    else:
        if y is not None:
            raise ValueError(f"{type(model).__name__} is not conditional: y must be None")
        y = np.zeros(len(x), dtype="int32")  # unused placeholder, keeps one code path

        def encode(bx, by):
            return model.encoder(bx, training=False)

        def reconstruction_nll(bx, z, by):
            return model.reconstruction_nll(bx, model.decoder(z, training=False))
    return x, y, encode, reconstruction_nll


def _repeat(t, k):
    """(B, ...) -> (k*B, ...), sample-major: rows [s*B:(s+1)*B] belong to sample s."""
    return ops.concatenate([t] * k, axis=0)


def _log_weights(encode, reconstruction_nll, bx, by, num_samples, seed_generator):
    """log p(x|z_k) + log p(z_k) - log q(z_k|x) for k samples: shape (K, B); also KL per image."""
    z_mean, z_log_var = encode(bx, by)
    b = ops.shape(z_mean)[0]
    mean_k, log_var_k = _repeat(z_mean, num_samples), _repeat(z_log_var, num_samples)
    eps = keras.random.normal(ops.shape(mean_k), seed=seed_generator)
    z = mean_k + ops.exp(0.5 * log_var_k) * eps
    log_px_z = -reconstruction_nll(_repeat(bx, num_samples), z, _repeat(by, num_samples))
    log_pz = log_normal(z, ops.zeros_like(z), ops.zeros_like(z))
    log_qz = log_normal(z, mean_k, log_var_k)
    log_w = ops.reshape(log_px_z + log_pz - log_qz, (num_samples, b))
    return log_w, ops.reshape(log_px_z, (num_samples, b)), kl_standard_normal(z_mean, z_log_var)


def _run(model, x, y, num_samples, batch_size, seed, reduce):
    check_positive_int(num_samples, "num_samples")
    check_positive_int(batch_size, "batch_size")
    check_positive_int(seed, "seed", minimum=0)
    x, y, encode, reconstruction_nll = _model_parts(model, x, y)
    seed_generator = keras.random.SeedGenerator(seed)
    # keep K * batch within one decoder call of at most ~4096 images
    step = max(1, min(batch_size, 4096 // num_samples))
    values = []
    for start in range(0, len(x), step):
        bx = ops.convert_to_tensor(x[start:start + step])
        by = ops.convert_to_tensor(y[start:start + step])
        values.append(ops.convert_to_numpy(reduce(*_log_weights(encode, reconstruction_nll, bx, by,
                                                                num_samples, seed_generator))))
    return np.concatenate(values).astype("float64")


def negative_elbo(model, x, y=None, num_samples: int = 1, batch_size: int = 512, seed: int = 0,
                  per_image: bool = False, analytic_kl: bool = True):
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


def importance_sampled_nll(model, x, y=None, num_samples: int = 100, batch_size: int = 512, seed: int = 0,
                           per_image: bool = False):
    """Importance-sampled estimate of -log p(x) (or -log p(x|y) for a CVAE) in nats per image,
    with q(z|x) as the proposal and ``num_samples`` samples per image.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    check_bool(per_image, "per_image")
    values = _run(model, x, y, num_samples, batch_size, seed,
                  lambda log_w, log_px_z, kl: -(ops.logsumexp(log_w, axis=0) - math.log(num_samples)))
    return values if per_image else float(values.mean())


def require_cvae(model, who: str) -> None:
    """TypeError unless ``model`` is a cvae_utils CVAE (``who`` names the caller in the message).

    Introduced in chapter 05, *Conditional variational autoencoders*.
    """
    from .models import CVAE  # local import: models imports this package's modules too

    if not isinstance(model, CVAE):
        raise TypeError(f"{who} needs a cvae_utils CVAE, got {type(model).__name__}")


def conditional_log_likelihoods(model, x, num_samples: int = 100, seed: int = 0) -> np.ndarray:
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
    columns = [-importance_sampled_nll(model, x, np.full(len(x), c, dtype="int32"), num_samples=num_samples,
                                       seed=seed, per_image=True)
               for c in range(model.num_classes)]
    return np.stack(columns, axis=1)


def marginal_nll(model, x, num_samples: int = 100, seed: int = 0, per_image: bool = False):
    """A CVAE's estimate of -log p(x) = -log (1/C) sum_c p(x | c) in nats per image (uniform p(y)):
    the number to put beside a VAE's :func:`importance_sampled_nll`, which also gets no label.
    Costs ``num_classes`` times one :func:`importance_sampled_nll`.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    check_bool(per_image, "per_image")
    log_px_given = conditional_log_likelihoods(model, x, num_samples=num_samples, seed=seed)
    values = -(np.logaddexp.reduce(log_px_given, axis=1) - math.log(model.num_classes))
    return values if per_image else float(values.mean())


def label_fidelity(model, classifier, num_per_class: int = 100, seed: int = 0, per_class: bool = False,
                   threshold: float | None = None):
    """Fraction of a CVAE's samples that ``classifier`` assigns to the class they were drawn for.

    Draws ``num_per_class`` images of every class with z ~ N(0, I), feeds their Bernoulli means to
    ``classifier`` (a Keras model from images to class probabilities or logits, such as
    :func:`cvae_utils.networks.build_classifier`) and compares its argmax with the requested label.
    With ``threshold`` the means are binarised first (pixel > threshold), like the binarised digits a
    judge was trained on. Returns one number, or with ``per_class`` an array of ``num_classes`` fractions.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    require_cvae(model, "label_fidelity")
    if not isinstance(classifier, keras.Model):
        raise TypeError(f"classifier must be a Keras model from images to class scores, got {type(classifier).__name__}")
    num_per_class = check_positive_int(num_per_class, "num_per_class")
    check_seed(seed)
    check_bool(per_class, "per_class")
    if threshold is not None:
        threshold = check_unit_float(threshold, "threshold")
    labels = np.repeat(np.arange(model.num_classes), num_per_class)
    images = model.sample(labels, seed=seed)
    if threshold is not None:
        images = (images > threshold).astype("float32")
    scores = as_array(classifier.predict(images, batch_size=1024, verbose=0), "scores")
    if scores.shape != (len(labels), model.num_classes):
        raise ValueError(f"classifier must output one score per class, shape (N, {model.num_classes}); "
                         f"got {scores.shape}")
    correct = scores.argmax(axis=1) == labels
    return correct.reshape(model.num_classes, num_per_class).mean(axis=1) if per_class else float(correct.mean())


#: Burda et al. (2016) call a latent dimension active when Var_x[E_q[z_i]] exceeds 0.01.
ACTIVITY_THRESHOLD = 0.01


def _latent_matrix(z, name: str) -> np.ndarray:
    """Latent values of shape (N, d) as finite float64."""
    arr = as_array(z, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (N, latent_dim) - one row per image - got shape {arr.shape}")
    if arr.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 rows (images) to measure a variance across the data, "
                         f"got {arr.shape[0]}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has no latent dimensions (shape {arr.shape})")
    arr = arr.astype("float64")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def latent_activity(z_mean) -> np.ndarray:
    """Activity of each latent dimension: the variance across images of its posterior mean.

    ``z_mean`` holds E_q[z | x] for N images, shape (N, d) (the first output of ``VAE.encode``).
    Returns shape (d,). A dimension whose mean does not change from image to image carries no
    information about the image: its posterior is the same for every input.

    Introduced in chapter 08, *The KL weight and posterior collapse*.
    """
    return _latent_matrix(z_mean, "z_mean").var(axis=0)


def active_units(z_mean, threshold: float = ACTIVITY_THRESHOLD) -> int:
    """The number of latent dimensions with ``latent_activity(z_mean) > threshold`` (default 0.01).

    Introduced in chapter 08, *The KL weight and posterior collapse*.
    """
    threshold = check_nonnegative_float(threshold, "threshold")
    return int(np.sum(latent_activity(z_mean) > threshold))


def knn_label_accuracy(z_reference, labels_reference, z_query, labels_query, k: int = 5) -> float:
    """Fraction of query codes whose label is the majority label of their k nearest reference codes.

    A high value means the label can be read off the position in latent space (the VAE's clusters);
    a value near 1 / num_classes means the codes of all labels are mixed (the CVAE's latent space).

    Introduced in chapter 05, *Conditional variational autoencoders*.
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
    _, nearest = nearest_neighbors(z_query, z_reference, k, batch_size=1024)
    votes = np.apply_along_axis(np.bincount, 1, labels_reference[nearest], minlength=num_classes)
    return float(np.mean(votes.argmax(axis=1) == labels_query))


def mid_grey_fraction(images, low: float = 0.1, high: float = 0.9) -> float:
    """Fraction of the non-background pixels (value > ``low``) that are mid-grey (value < ``high``).

    Binarization at 0.5 maps every such pixel to pure black or white, so this is the share of an
    image's content whose grey level (texture, shading, print) is lost.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    low, high = check_unit_float(low, "low"), check_unit_float(high, "high")
    if not low < high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    x = check_image_stack(images, pixel_range=True).astype("float64")
    ink = x > low
    if not ink.any():
        raise ValueError(f"the images have no pixel above low={low}: nothing to measure")
    return float(np.sum(ink & (x < high)) / np.sum(ink))


def latent_neighbour_agreement(z, labels, k: int = 10, num_classes: int | None = None,
                               chunk: int = 1024) -> np.ndarray:
    """For each class c: the average, over the codes of class c, of the fraction of their ``k``
    nearest other codes (Euclidean, the code itself excluded) that also belong to class c.

    1.0 means the class forms a cluster of its own; about (class size) / N means its codes are
    mixed at random with everything else. Returns shape (num_classes,), NaN for an empty class.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    z = as_array(z, "z")
    if z.ndim != 2:
        raise ValueError(f"z must be latent codes of shape (N, latent_dim), got shape {z.shape}")
    z = check_latent(z, z.shape[1]).astype("float64")
    labels = check_class_labels(labels, n=len(z))
    k = check_positive_int(k, "k")
    chunk = check_positive_int(chunk, "chunk")
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    num_classes = check_positive_int(num_classes, "num_classes")
    if labels.max() >= num_classes:
        raise ValueError(f"labels go up to {int(labels.max())}, but num_classes={num_classes}")
    _, nearest = nearest_neighbors(z, z, k, exclude_self=True, batch_size=chunk)
    same = (labels[nearest] == labels[:, None]).mean(axis=1)
    counts = np.bincount(labels, minlength=num_classes)
    sums = np.bincount(labels, weights=same, minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def closest_pairs(distances, class_names=None, n: int = 3):
    """The ``n`` unordered class pairs (a, b), a != b, with the smallest ``distances[a, b]``.

    Returns a list of ``(name_a, name_b, distance)`` sorted by distance; names default to the indices.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    d = as_array(distances, "distances").astype("float64")
    if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape[0] < 2:
        raise ValueError(f"distances must be a square matrix of at least 2 x 2, got shape {d.shape}")
    n = check_positive_int(n, "n")
    k = d.shape[0]
    names = list(range(k)) if class_names is None else list(class_names)
    if len(names) < k:
        raise ValueError(f"class_names must have at least {k} entries, got {len(names)}")
    rows, cols = np.triu_indices(k, 1)
    order = np.argsort(d[rows, cols], kind="stable")[:n]
    return [(names[rows[i]], names[cols[i]], float(d[rows[i], cols[i]])) for i in order]


def seconds_per_epoch(model, x, epoch_size: int, batch_size: int = 128, num_images: int = 2048) -> float:
    """Estimate the wall time (seconds) of one training epoch over ``epoch_size`` images.

    Fits the compiled ``model`` once on the first ``num_images`` images of ``x`` (the first call
    traces the training step, which is slow), then times a second pass over the same images and
    scales it to ``epoch_size``. ``x`` is what the model's ``fit`` takes (images, or
    [images, labels] for a CVAE). The model is trained by this, so time a throwaway copy.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    import time

    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    if not getattr(model, "compiled", False):
        raise ValueError("compile the model first, e.g. model.compile(optimizer=keras.optimizers.Adam(1e-3))")
    epoch_size = check_positive_int(epoch_size, "epoch_size")
    batch_size = check_positive_int(batch_size, "batch_size")
    num_images = check_positive_int(num_images, "num_images")
    parts = list(x) if isinstance(x, (list, tuple)) else [x]
    n = min(num_images, min(len(p) for p in parts))
    subset = [p[:n] for p in parts] if isinstance(x, (list, tuple)) else parts[0][:n]
    model.fit(subset, epochs=1, batch_size=batch_size, verbose=0)  # traces the training step
    start = time.perf_counter()
    model.fit(subset, epochs=1, batch_size=batch_size, verbose=0)
    return (time.perf_counter() - start) * epoch_size / n


def _point(x) -> np.ndarray:
    """A data point of the toy model as a float64 vector of shape (d,) (a number counts as d = 1)."""
    arr = as_array(x, "x").astype("float64")
    if arr.ndim == 0:
        arr = arr[None]
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"x must be a number or a vector of shape (d,), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x contains NaN or infinite values")
    return arr


def _log_normal(x, var) -> float:
    """log N(x; 0, var I) summed over the entries of x."""
    return float(np.sum(-0.5 * (math.log(2 * math.pi * var) + x ** 2 / var)))


def toy_marginal(x, sigma) -> float:
    """Exact density p(x) of the toy model ``z ~ N(0, I)``, ``x | z ~ N(z, sigma^2 I)``.

    Integrating z out of a Gaussian with a Gaussian gives ``p(x) = N(x; 0, (1 + sigma^2) I)``.
    ``x`` is a number (d = 1) or a vector of shape (d,).

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    sigma = check_positive_float(sigma, "sigma")
    return math.exp(_log_normal(_point(x), 1.0 + sigma ** 2))


def toy_relative_variance(x, sigma) -> float:
    """Exact ``Var[w] / p(x)^2`` of one naive Monte Carlo term ``w = p(x | z)``, ``z ~ p(z)``.

    The average of K such terms estimates p(x) with relative standard error
    ``sqrt(toy_relative_variance(x, sigma) / K)``. Per dimension,
    ``E[w^2] = N(x_i; 0, 1 + sigma^2 / 2) / (2 sigma sqrt(pi))``, and the d dimensions multiply.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    sigma = check_positive_float(sigma, "sigma")
    x = _point(x)
    log_second_moment = -x.size * math.log(2 * sigma * math.sqrt(math.pi)) + _log_normal(x, 1.0 + sigma ** 2 / 2)
    log_ratio = log_second_moment - 2 * _log_normal(x, 1.0 + sigma ** 2)
    return math.expm1(log_ratio) if log_ratio < 700 else math.inf


def samples_for_relative_error(x, sigma, relative_error: float = 0.1) -> float:
    """How many prior samples the naive Monte Carlo estimate of p(x) needs for a given relative error.

    ``K = Var[w] / (p(x)^2 * relative_error^2)`` (rounded up), from :func:`toy_relative_variance`.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    if isinstance(relative_error, bool) or not isinstance(relative_error, numbers.Real) or not relative_error > 0:
        raise ValueError(f"relative_error must be a number > 0, got {relative_error!r}")
    ratio = toy_relative_variance(x, sigma) / relative_error ** 2
    return math.inf if not math.isfinite(ratio) else float(math.ceil(ratio))


def _flat_images(x, name) -> np.ndarray:
    arr = as_array(x, name).astype("float64")
    if arr.ndim < 2:
        raise ValueError(f"{name} must be a batch of images of shape (N, ...), got shape {arr.shape}")
    return arr.reshape(len(arr), -1)


def smoothed_probabilities(images, eps: float = 0.05) -> np.ndarray:
    """Turn images in [0, 1] into pixel probabilities in [eps, 1 - eps]: ``eps + (1 - 2 eps) * images``.

    A Bernoulli pixel with probability exactly 0 or 1 gives log-likelihood minus infinity to any
    image that disagrees in one pixel; keeping eps away from the ends avoids that.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < 0.5:
        raise ValueError(f"eps must be a number in (0, 0.5), got {eps!r}")
    arr = as_array(images, "images").astype("float32")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"images must hold values in [0, 1], got [{arr.min():g}, {arr.max():g}]")
    return (eps + (1 - 2 * eps) * arr).astype("float32")


def bernoulli_log_likelihood_matrix(x, probs) -> np.ndarray:
    """``log p(x_n | component k)`` for every image n and every Bernoulli component k; shape (N, K).

    ``x``: N images with pixels in {0, 1} (any shape (N, ...)); ``probs``: K images of pixel
    probabilities strictly inside (0, 1), of the same image shape. One matrix product does all
    N * K sums over pixels: ``x . log(p / (1 - p)) + sum log(1 - p)``.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    xf, pf = _flat_images(x, "x"), _flat_images(probs, "probs")
    if xf.shape[1] != pf.shape[1]:
        raise ValueError(f"x and probs must have the same image shape, got {np.shape(x)[1:]} and {np.shape(probs)[1:]}")
    if not np.all((pf > 0) & (pf < 1)):
        raise ValueError("probs must lie strictly between 0 and 1 (smooth them, e.g. with smoothed_probabilities)")
    log_p, log_1mp = np.log(pf), np.log1p(-pf)
    return xf @ (log_p - log_1mp).T + log_1mp.sum(axis=1)


def log_mean_exp(a, axis: int = -1) -> np.ndarray:
    """``log(mean(exp(a)))`` along an axis, computed without overflow or underflow.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    a = as_array(a, "a").astype("float64")
    a_max = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.mean(np.exp(a - a_max), axis=axis, keepdims=True)) + a_max
    return np.squeeze(out, axis=axis)


def effective_sample_size(log_weights, axis: int = -1) -> np.ndarray:
    """``(sum w)^2 / sum w^2`` for weights given as logs: how many of the terms really count.

    It is K when all K weights are equal and 1 when one weight dominates all others.

    Introduced in chapter 02, *Generative models and latent variables*.
    """
    lw = as_array(log_weights, "log_weights").astype("float64")
    w = np.exp(lw - np.max(lw, axis=axis, keepdims=True))
    return np.sum(w, axis=axis) ** 2 / np.sum(w ** 2, axis=axis)


# -- nearest neighbours -------------------------------------------------------------------
def nearest_neighbors(query, reference, k: int = 1, exclude_self: bool = False, batch_size: int = 512):
    """The ``k`` nearest reference points of every query point (Euclidean), nearest first:
    ``(distances float64 (N, k), indices int64 (N, k))``. The one nearest-neighbour search of the book.

    ``exclude_self`` (query and reference the same set) skips each point itself. Works in batches
    of query points, so 10,000 x 10,000 pairs need only a few MB.

    Introduced in chapter 03, *Autoencoders*.
    """
    query = check_points(query, "query", dim=None)
    reference = check_points(reference, "reference", dim=None)
    if query.shape[1] != reference.shape[1]:
        raise ValueError(f"query and reference must have the same number of coordinates, "
                         f"got {query.shape[1]} and {reference.shape[1]}")
    k = check_positive_int(k, "k")
    batch_size = check_positive_int(batch_size, "batch_size")
    if check_bool(exclude_self, "exclude_self") and query.shape != reference.shape:
        raise ValueError(f"exclude_self needs query and reference to be the same points, got shapes "
                         f"{query.shape} and {reference.shape}")
    available = len(reference) - int(exclude_self)
    if k > available:
        raise ValueError(f"k={k} is larger than the number of reference points to choose from ({available})")
    ref_sq = np.sum(reference ** 2, axis=1)
    distances = np.empty((len(query), k))
    indices = np.empty((len(query), k), dtype="int64")
    for start in range(0, len(query), batch_size):
        q = query[start:start + batch_size]
        rows = np.arange(len(q))[:, None]
        # |q - r|^2 = |q|^2 + |r|^2 - 2 q.r, clipped at 0 against round-off
        d2 = np.sum(q ** 2, axis=1)[:, None] + ref_sq[None, :] - 2.0 * q @ reference.T
        if exclude_self:
            d2[rows[:, 0], np.arange(start, start + len(q))] = np.inf
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < d2.shape[1] else np.tile(np.arange(d2.shape[1]), (len(q), 1))
        idx = np.take_along_axis(idx, np.argsort(d2[rows, idx], axis=1, kind="stable"), axis=1)
        indices[start:start + batch_size] = idx
        distances[start:start + batch_size] = np.sqrt(np.maximum(d2[rows, idx], 0.0))
    return distances, indices


def nearest_neighbor(query, reference, batch_size: int = 512):
    """For each query point, the Euclidean distance to its nearest reference point and that
    point's index: ``(distances float64 (N,), indices int64 (N,))`` (see :func:`nearest_neighbors`).

    Introduced in chapter 03, *Autoencoders*.
    """
    distances, indices = nearest_neighbors(query, reference, 1, batch_size=batch_size)
    return distances[:, 0], indices[:, 0]


def nearest_distance(query, reference, batch_size: int = 512) -> np.ndarray:
    """Euclidean distance from each query point to its nearest reference point; float64 (N,).

    Introduced in chapter 03, *Autoencoders*.
    """
    return nearest_neighbor(query, reference, batch_size)[0]


def negative_cll(model, images, num_samples: int = 100, proposal: str = "recognition", batch_size: int = 256,
                 seed: int = 0, per_image: bool = False):
    """Negative conditional log-likelihood -log p(y | x_obs) of the hidden pixels, in nats per image.

    - :class:`~cvae_utils.models.QuadrantBaseline`: exact (its prediction is a product of independent Bernoullis).
    - :class:`~cvae_utils.models.QuadrantCVAE`: importance-sampled with ``num_samples`` draws per image,
      -log (1/K) sum_k p(y | x_obs, z_k) p(z_k | x_obs) / r(z_k), where the proposal r is the
      recognition network q(z | x_obs, y) (``proposal="recognition"``, as in the paper) or the prior
      network p(z | x_obs) (``"prior"``: plain Monte Carlo, which needs many more samples).

    Both are upper bounds on the true value in expectation that tighten as ``num_samples`` grows.

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """
    if not isinstance(model, _QuadrantModel):
        raise TypeError(f"model must be a QuadrantBaseline or QuadrantCVAE, got {type(model).__name__}")
    images = check_images(images, "images")
    num_samples = check_positive_int(num_samples, "num_samples")
    check_choice(proposal, "proposal", PROPOSALS)
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_positive_int(seed, "seed", minimum=0)
    check_bool(per_image, "per_image")
    x_obs_all, y_all = split_quadrants(images, model.num_given)
    seed_generator = keras.random.SeedGenerator(seed)
    step = batch_size if isinstance(model, QuadrantBaseline) else max(1, min(batch_size, 8192 // num_samples))
    values = []
    for start in range(0, len(images), step):
        x_obs = ops.convert_to_tensor(x_obs_all[start:start + step])
        y = ops.convert_to_tensor(y_all[start:start + step])
        if isinstance(model, QuadrantBaseline):
            nll = bernoulli_nll_from_logits(y, model.network(x_obs, training=False))
        else:
            nll = _importance_sampled(model, x_obs, y, num_samples, proposal, seed_generator)
        values.append(ops.convert_to_numpy(nll))
    values = np.concatenate(values).astype("float64")
    return values if per_image else float(values.mean())


def _importance_sampled(model, x_obs, y, k, proposal, seed_generator):
    b = ops.shape(x_obs)[0]
    repeat = lambda t: ops.concatenate([t] * k, axis=0)  # noqa: E731 - (B, .) -> (K*B, .), sample-major
    p_mean, p_log_var = (repeat(t) for t in model.prior(x_obs, training=False))
    if proposal == "recognition":
        r_mean, r_log_var = (repeat(t) for t in model.recognition([x_obs, y], training=False))
    else:
        r_mean, r_log_var = p_mean, p_log_var
    z = r_mean + ops.exp(0.5 * r_log_var) * keras.random.normal(ops.shape(r_mean), seed=seed_generator)
    x_k, y_k = repeat(x_obs), repeat(y)
    log_w = -bernoulli_nll_from_logits(y_k, model.generation([x_k, z], training=False))
    if proposal == "recognition":
        log_w = log_w + log_normal(z, p_mean, p_log_var) - log_normal(z, r_mean, r_log_var)
    log_w = ops.reshape(log_w, (k, b))
    return -(ops.logsumexp(log_w, axis=0) - math.log(k))


def likelihood_rows(models, x_test, y_test, num_samples: int = 100, x_train=None, y_train=None, seconds=None,
                    elbo_samples: int = 1):
    """One dict per model with its test -ELBO (``elbo_samples`` draws of z per image for the reconstruction
    term, closed-form KL), importance-sampled
    NLL with ``num_samples`` samples and their gap; with ``x_train`` also the -ELBO on those training
    images (overfitting shows as train << test); with ``seconds`` the training time. A CVAE bounds
    -log p(x|y); each CVAE gets a second row with its label-free -log p(x) (:func:`marginal_nll`).

    Introduced in chapter 07, *Evaluating generative models*.
    """
    if not isinstance(models, dict) or not models:
        raise TypeError("models must be a non-empty dict {name: trained VAE or CVAE}")
    x_test = check_images(x_test, "x_test")
    y_test = check_labels(y_test, 10, n=len(x_test), name="y_test")
    num_samples = check_positive_int(num_samples, "num_samples")
    if x_train is not None:
        x_train = check_images(x_train, "x_train")
        y_train = check_labels(y_train, 10, n=len(x_train), name="y_train")
    nll = f"test IS-NLL K={num_samples}"
    rows = []
    for name, model in models.items():
        conditional = getattr(model, "conditional", False)
        row = {"model": name, "bounds": "−log p(x|y)" if conditional else "−log p(x)",
               "params": int(model.count_params())}
        if seconds is not None:
            row["train s"] = round(float(seconds[name]), 1)
        if x_train is not None:
            row["train −ELBO"] = negative_elbo(model, x_train, y_train if conditional else None,
                                               num_samples=elbo_samples)
        row["test −ELBO"] = negative_elbo(model, x_test, y_test if conditional else None, num_samples=elbo_samples)
        row[nll] = importance_sampled_nll(model, x_test, y_test if conditional else None, num_samples=num_samples)
        row["ELBO gap"] = row["test −ELBO"] - row[nll]
        rows.append(row)
        if conditional:
            extra = {key: row[key] for key in ("params", "train s") if key in row}
            rows.append({"model": name, "bounds": "−log p(x), labels summed out", **extra,
                         nll: marginal_nll(model, x_test, num_samples=num_samples)})
    return rows


def mean_confidence(classifier, images) -> float:
    """The classifier's mean highest class probability on ``images``: how sure it is, on average.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    images = check_images(images, "images")
    return float(np.asarray(classifier.predict(images, batch_size=1024, verbose=0)).max(axis=1).mean())


def distance_to_curve(points, turns: float = DEFAULT_TURNS, radii=DEFAULT_RADII, resolution: int = 4000) -> np.ndarray:
    """Distance from each 2-D point to the noise-free spiral; float64 (N,).

    The curve is approximated by ``resolution`` points, so distances are accurate to about
    half their spacing (about 0.001 for the default spiral).

    Introduced in chapter 03, *Autoencoders*.
    """
    points = check_points(points, "points", dim=2)
    resolution = check_positive_int(resolution, "resolution", minimum=2)
    curve = spiral_curve(np.linspace(0.0, 1.0, resolution), turns, radii)
    return nearest_distance(points, curve)


# ----------------------------------------------------------------------------------------------
# What a latent dimension controls: traversals and image statistics (chapter 11, "What the latent code means")
# ----------------------------------------------------------------------------------------------

#: The image statistics of :func:`image_statistics`, in the order of the columns of :func:`traversal_effects`.
IMAGE_STATISTICS = ("ink", "slant", "width")


def _traversal_offsets(offsets, minimum: int = 1) -> np.ndarray:
    arr = as_array(offsets, "offsets")
    if arr.ndim != 1 or arr.shape[0] < minimum:
        raise ValueError(f"offsets must be a 1-D array of at least {minimum} number(s) (the steps added to the "
                         f"traversed coordinate, e.g. np.linspace(-2, 2, 9)), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("offsets contains NaN or infinite values")
    if minimum > 1 and np.ptp(arr) == 0:
        raise ValueError("offsets must hold at least two different values to measure a change")
    return arr.astype("float32")


def _latent_dimension(dim, latent_dim: int, name: str = "dim") -> int:
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name} must be an integer index of a latent dimension, got {type(dim).__name__} {dim!r}")
    if not 0 <= dim < latent_dim:
        raise ValueError(f"{name} must lie in [0, {latent_dim}) (dimensions are counted from 0, as columns of "
                         f"z_mean), got {dim}")
    return int(dim)


def _latent_dimensions(dims, latent_dim: int) -> list[int]:
    if dims is None:
        return list(range(latent_dim))
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, (bool, np.bool_)):
        dims = [dims]
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__len__") or len(dims) == 0:
        raise TypeError(f"dims must be a latent dimension index or a non-empty list of them, got {dims!r}")
    return [_latent_dimension(d, latent_dim, f"dims[{i}]") for i, d in enumerate(dims)]


def traversal_codes(z, dim: int, offsets) -> np.ndarray:
    """Latent codes that move one coordinate of ``z`` and keep the others (chapter 11, "What the latent
    code means").

    ``z`` is one code of shape (d,) (e.g. an image's posterior mean); row k of the result, shape
    (len(offsets), d), is ``z`` with ``z[dim] + offsets[k]`` in column ``dim`` (counted from 0). The
    input is not modified. A latent traversal decodes these codes.
    """
    arr = as_array(z, "z")
    if arr.ndim == 2 and arr.shape[0] == 1:
        raise ValueError(f"z must be one code of shape (d,), got shape {arr.shape}: pass z[0]")
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(f"z must be one code of shape (d,), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("z contains NaN or infinite values")
    dim = _latent_dimension(dim, arr.shape[0])
    offsets = _traversal_offsets(offsets)
    codes = np.repeat(arr.astype("float32")[None, :], len(offsets), axis=0)  # a copy: z stays as it was
    codes[:, dim] += offsets
    return codes


def _check_decoder_model(model):
    if not (hasattr(model, "decode") and isinstance(getattr(model, "latent_dim", None), int)):
        raise TypeError(f"model must be a trained course model with decode() and latent_dim (VAE, CVAE, "
                        f"Autoencoder), got {type(model).__name__}")
    return model


def latent_traversal(model, z, dims, offsets, label=None) -> np.ndarray:
    """Decode traversals of ``z``: images of shape (len(dims), len(offsets), 28, 28, 1) (chapter 11,
    "What the latent code means").

    Row i holds ``model.decode(traversal_codes(z, dims[i], offsets))``: dimension ``dims[i]`` moves by each
    offset while the others keep their values in ``z``. A CVAE needs the integer ``label`` to draw.
    """
    model = _check_decoder_model(model)
    arr = as_array(z, "z")
    if arr.ndim != 1 or arr.shape[0] != model.latent_dim:
        raise ValueError(f"z must be one code of shape ({model.latent_dim},) for this model, got shape {arr.shape}"
                         + (": pass z[0]" if arr.ndim == 2 and arr.shape[0] == 1 else ""))
    dims = _latent_dimensions(dims, model.latent_dim)
    offsets = _traversal_offsets(offsets)
    if np.ndim(label) != 0:
        raise TypeError(f"label must be one integer class for the whole traversal, got {label!r}")
    codes = np.concatenate([traversal_codes(arr, d, offsets) for d in dims])
    images = decode_latent(model, codes, label)
    return images.reshape(len(dims), len(offsets), *images.shape[1:])


def image_statistics(images) -> dict:
    """Ink, slant and width of each image, from its pixel intensities (chapter 11, "What the latent code
    means").

    ``images`` (N, H, W) or (N, H, W, 1) in [0, 1], binary or grey (e.g. decoded pixel probabilities).
    With intensity w at row r (counted downwards) and column c, the ink's total m = sum w and its
    centroid (r0, c0), the statistics are, per image:

    - ``ink``: the mean intensity m / (H * W);
    - ``width``: the standard deviation of the ink's column, sqrt(sum w (c - c0)^2 / m), in pixels;
    - ``slant``: -sum w (r - r0)(c - c0) / sum w (r - r0)^2, the columns the ink moves to the right per row
      upwards: 0 for an upright digit, positive for one leaning right.

    Returns a dict of float64 arrays of shape (N,) keyed by :data:`IMAGE_STATISTICS`; an image without
    ink has NaN width and slant.
    """
    imgs = check_image_stack(images, "images", pixel_range=True).astype("float64")
    _, h, w = imgs.shape
    rows, cols = np.arange(h, dtype="float64"), np.arange(w, dtype="float64")
    mass = imgs.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        r0 = np.einsum("nhw,h->n", imgs, rows) / mass
        c0 = np.einsum("nhw,w->n", imgs, cols) / mass
        dr, dc = rows[None, :] - r0[:, None], cols[None, :] - c0[:, None]  # (N, H), (N, W)
        var_c = np.einsum("nhw,nw,nw->n", imgs, dc, dc) / mass
        var_r = np.einsum("nhw,nh,nh->n", imgs, dr, dr) / mass
        cov_rc = np.einsum("nhw,nh,nw->n", imgs, dr, dc) / mass
        slant = 0.0 - cov_rc / var_r  # 0.0 - ...: an upright digit gets 0, not -0
    return {"ink": mass / (h * w), "slant": slant, "width": np.sqrt(var_c)}


def traversal_effects(model, z, offsets, dims=None, label=None) -> np.ndarray:
    """How fast ink, slant and width change along each latent dimension: shape (len(dims), 3), columns in
    the order of :data:`IMAGE_STATISTICS` (chapter 11, "What the latent code means").

    For every code ``z[n]`` (shape (N, d), e.g. posterior means of test images) and dimension i, the
    traversal ``z[n] + offsets[k] * e_i`` is decoded and each statistic of :func:`image_statistics` is fitted
    by a straight line in the offset; the entry is that slope (statistic units per unit of z_i), averaged
    over the N codes. A dimension the decoder ignores has slopes near 0. ``dims`` defaults to all
    dimensions; a CVAE needs ``label``: one integer for every code, or an (N,) array of labels.
    """
    model = _check_decoder_model(model)
    codes = as_array(z, "z")
    if codes.ndim != 2 or codes.shape[1] != model.latent_dim or codes.shape[0] == 0:
        raise ValueError(f"z must be codes of shape (N, {model.latent_dim}), got shape {codes.shape}")
    if not np.all(np.isfinite(codes)):
        raise ValueError("z contains NaN or infinite values")
    offsets = _traversal_offsets(offsets, minimum=2)
    dims = _latent_dimensions(dims, model.latent_dim)
    n, k = len(codes), len(offsets)
    if label is not None and np.ndim(label) != 0:  # one label per code: repeat it for each offset
        label = np.repeat(check_labels(label, model.num_classes, n=n, name="label"), k)
    centred = offsets - offsets.mean()
    effects = np.zeros((len(dims), len(IMAGE_STATISTICS)))
    for row, d in enumerate(dims):
        moved = np.repeat(codes.astype("float32"), k, axis=0)
        moved[:, d] += np.tile(offsets, n)
        stats = image_statistics(decode_latent(model, moved, label))
        for col, name in enumerate(IMAGE_STATISTICS):
            values = stats[name].reshape(n, k)
            slopes = (values - values.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
            effects[row, col] = np.nanmean(slopes)
    return effects


# -- judging a conditional generator by what a classifier learns from it --------------------------
# (chapter 13, *Judging a conditional generator*)


def classifier_accuracy(classifier, x, y, per_class: bool = False, num_classes: int = 10):
    """Fraction of the images ``x`` that ``classifier`` (images -> class scores) assigns to their labels ``y``.

    With ``per_class`` an array of ``num_classes`` fractions, one per true class (NaN for a class without
    images). Introduced in chapter 13, *Judging a conditional generator*.
    """
    if not isinstance(classifier, keras.Model):
        raise TypeError(f"classifier must be a Keras model from images to class scores, got {type(classifier).__name__}")
    x = check_images(x, "x")
    y = check_labels(y, num_classes, n=len(x), name="y")
    check_bool(per_class, "per_class")
    # called directly, batch by batch: predict() would build a new graph function for every new classifier
    # (and TensorFlow warns about "retracing" when a loop trains several)
    scores = np.concatenate([ops.convert_to_numpy(classifier(x[i:i + 1024], training=False))
                             for i in range(0, len(x), 1024)])
    if scores.shape != (len(x), num_classes):
        raise ValueError(f"classifier must output one score per class, shape (N, {num_classes}); got {scores.shape}")
    correct = scores.argmax(axis=1) == y
    if not per_class:
        return float(correct.mean())
    return np.array([correct[y == c].mean() if np.any(y == c) else np.nan for c in range(num_classes)])


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
            wanted, available = np.flatnonzero(labels == c), np.flatnonzero(y == c)
            if len(available) < len(wanted):
                raise ValueError(f"class {c}: {len(wanted)} images requested but only {len(available)} real ones "
                                 f"available; ask for fewer per class")
            images[wanted] = x[rng.choice(available, size=len(wanted), replace=False)]
        return images

    return draw


def cas_training_set(generator, num_per_class: int, num_classes: int = 10, seed: int | None = 0):
    """The training set of the Classification Accuracy Score: ``num_per_class`` generated images of every
    class, each with the label it was *requested* for, as ``(images, labels)``, class 0 first.

    ``generator`` is a cvae_utils CVAE (images drawn by ``generator.sample(labels, seed=seed)``, Bernoulli
    means with z ~ N(0, I)) or any function ``labels -> images`` returning one image per label, in order.
    Introduced in chapter 13, *Judging a conditional generator*.
    """
    from .models import CVAE

    num_per_class = check_positive_int(num_per_class, "num_per_class")
    num_classes = check_positive_int(num_classes, "num_classes", minimum=2)
    seed = check_seed(seed)
    labels = np.repeat(np.arange(num_classes), num_per_class).astype("int32")
    if isinstance(generator, CVAE):
        if generator.num_classes != num_classes:
            raise ValueError(f"the CVAE draws {generator.num_classes} classes but num_classes={num_classes}")
        images = generator.sample(labels, seed=seed)
    elif callable(generator):
        images = generator(labels.copy())
    else:
        raise TypeError(f"generator must be a cvae_utils CVAE or a function labels -> images, "
                        f"got {type(generator).__name__}")
    images = check_images(images, "generated images")
    if len(images) != len(labels):
        raise ValueError(f"the generator must return one image per requested label ({len(labels)} images), "
                         f"got {len(images)}")
    return images, labels


def classification_accuracy_score(generator, x_test, y_test, num_per_class: int = 600, epochs: int = 8,
                                  batch_size: int = 128, num_classes: int = 10, seed: int = 42,
                                  sample_seed: int | None = 0, per_class: bool = False,
                                  return_classifier: bool = False):
    """Classification Accuracy Score (Ravuri & Vinyals, 2019): train a classifier on generated images only,
    labelled with the requested classes, and return its accuracy on the real ``(x_test, y_test)``.

    The training set is :func:`cas_training_set` (``num_per_class`` images per class, drawn with
    ``sample_seed``); the classifier is :func:`~cvae_utils.models.train_classifier` (the judge of chapter 07:
    Adam 1e-3, ``epochs``, ``batch_size``, ``seed``). With :func:`real_image_sampler` as ``generator`` the
    same steps give the real-data baseline. Returns the accuracy (with ``per_class`` one per class), and
    with ``return_classifier`` a pair ``(accuracy, classifier)``. Introduced in the chapter "Judging a
    conditional generator".
    """
    from .models import train_classifier

    check_bool(per_class, "per_class")
    check_bool(return_classifier, "return_classifier")
    x_test = check_images(x_test, "x_test")
    y_test = check_labels(y_test, num_classes, n=len(x_test), name="y_test")
    images, labels = cas_training_set(generator, num_per_class, num_classes=num_classes, seed=sample_seed)
    classifier = train_classifier(images, labels, epochs=epochs, batch_size=batch_size, num_classes=num_classes,
                                  seed=seed)
    score = classifier_accuracy(classifier, x_test, y_test, per_class=per_class, num_classes=num_classes)
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
            raise ValueError(f"class {c} has {n} image{'' if n == 1 else 's'}; per-class diversity needs at least "
                             f"2 images of every class")
        members = members - members.mean(axis=0)  # centring leaves distances unchanged and rounding smaller
        squared = np.sum(members ** 2, axis=1)
        d2 = squared[:, None] + squared[None, :] - 2.0 * members @ members.T
        i, j = np.triu_indices(n, k=1)  # each pair once, never an image with itself
        values[c] = np.sqrt(np.maximum(d2[i, j], 0.0)).mean()
    return values
