"""Likelihood-based evaluation of trained VAEs and CVAEs, in nats per image.

- :func:`negative_elbo`: -ELBO = E_q[-log p(x|z)] + KL(q(z|x) || p(z)), an upper bound on -log p(x).
- :func:`importance_sampled_nll`: -log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x) with z_k ~ q(z|x),
  a tighter upper bound that approaches -log p(x) as K grows (Burda et al., 2016).
- :func:`conditional_log_likelihoods` and :func:`marginal_nll`: a CVAE's log p(x|y=c) for every
  class c, and from them -log p(x) = -log mean_c p(x|c), comparable with a VAE's -log p(x).
- :func:`label_fidelity`: how often a classifier recognises the class a CVAE was asked to draw.
Both expect binarized images: the numbers are then in the units of published results (nats per image),
but not comparable with their values (papers binarise MNIST stochastically and train on 60,000 digits).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .checks import as_array, check_bool, check_images, check_labels, check_positive_int, check_seed
from .losses import bernoulli_nll_from_logits, kl_standard_normal, log_normal


def _model_parts(model, x, y):
    """Validated inputs and (encoder, decoder) calls that work for VAE and CVAE alike."""
    from .models import VAE  # local import: models imports this package's modules too

    if not isinstance(model, VAE):
        raise TypeError(f"model must be a cvae_utils VAE or CVAE, got {type(model).__name__}")
    x = check_images(x)
    if getattr(model, "conditional", False):
        if y is None:
            raise ValueError(f"{type(model).__name__} is conditional: pass its labels as y")
        y = check_labels(y, model.num_classes, n=len(x))

        def encode(bx, by):
            return model.encoder([bx, model.one_hot(by)], training=False)

        def decode_logits(z, by):
            return model.decoder([z, model.one_hot(by)], training=False)
    else:
        if y is not None:
            raise ValueError(f"{type(model).__name__} is not conditional: y must be None")
        y = np.zeros(len(x), dtype="int32")  # unused placeholder, keeps one code path

        def encode(bx, by):
            return model.encoder(bx, training=False)

        def decode_logits(z, by):
            return model.decoder(z, training=False)
    return x, y, encode, decode_logits


def _repeat(t, k):
    """(B, ...) -> (k*B, ...), sample-major: rows [s*B:(s+1)*B] belong to sample s."""
    return ops.concatenate([t] * k, axis=0)


def _log_weights(encode, decode_logits, bx, by, num_samples, seed_generator):
    """log p(x|z_k) + log p(z_k) - log q(z_k|x) for k samples: shape (K, B); also KL per image."""
    z_mean, z_log_var = encode(bx, by)
    b = ops.shape(z_mean)[0]
    mean_k, log_var_k = _repeat(z_mean, num_samples), _repeat(z_log_var, num_samples)
    eps = keras.random.normal(ops.shape(mean_k), seed=seed_generator)
    z = mean_k + ops.exp(0.5 * log_var_k) * eps
    log_px_z = -bernoulli_nll_from_logits(_repeat(bx, num_samples), decode_logits(z, _repeat(by, num_samples)))
    log_pz = log_normal(z, ops.zeros_like(z), ops.zeros_like(z))
    log_qz = log_normal(z, mean_k, log_var_k)
    log_w = ops.reshape(log_px_z + log_pz - log_qz, (num_samples, b))
    return log_w, ops.reshape(log_px_z, (num_samples, b)), kl_standard_normal(z_mean, z_log_var)


def _run(model, x, y, num_samples, batch_size, seed, reduce):
    check_positive_int(num_samples, "num_samples")
    check_positive_int(batch_size, "batch_size")
    check_positive_int(seed, "seed", minimum=0)
    x, y, encode, decode_logits = _model_parts(model, x, y)
    seed_generator = keras.random.SeedGenerator(seed)
    # keep K * batch within one decoder call of at most ~4096 images
    step = max(1, min(batch_size, 4096 // num_samples))
    values = []
    for start in range(0, len(x), step):
        bx = ops.convert_to_tensor(x[start:start + step])
        by = ops.convert_to_tensor(y[start:start + step])
        values.append(ops.convert_to_numpy(reduce(*_log_weights(encode, decode_logits, bx, by,
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
    with q(z|x) as the proposal and ``num_samples`` samples per image."""
    check_bool(per_image, "per_image")
    values = _run(model, x, y, num_samples, batch_size, seed,
                  lambda log_w, log_px_z, kl: -(ops.logsumexp(log_w, axis=0) - math.log(num_samples)))
    return values if per_image else float(values.mean())


def require_cvae(model, who: str) -> None:
    """TypeError unless ``model`` is a cvae_utils CVAE (``who`` names the caller in the message)."""
    from .models import CVAE  # local import: models imports this package's modules too

    if not isinstance(model, CVAE):
        raise TypeError(f"{who} needs a cvae_utils CVAE, got {type(model).__name__}")


def conditional_log_likelihoods(model, x, num_samples: int = 100, seed: int = 0) -> np.ndarray:
    """Importance-sampled estimates of log p(x | y = c) for every image and every class c.

    Returns float64 (N, num_classes). Each column is ``-importance_sampled_nll(model, x, y=c,
    per_image=True)``: the image is encoded with label c, whether or not c is its true label.
    With a uniform p(y), ``logsumexp(result, axis=1) - log(num_classes)`` estimates log p(x)
    and ``softmax(result, axis=1)`` the label posterior p(y | x).
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
    Costs ``num_classes`` times one :func:`importance_sampled_nll`."""
    check_bool(per_image, "per_image")
    log_px_given = conditional_log_likelihoods(model, x, num_samples=num_samples, seed=seed)
    values = -(np.logaddexp.reduce(log_px_given, axis=1) - math.log(model.num_classes))
    return values if per_image else float(values.mean())


def label_fidelity(model, classifier, num_per_class: int = 100, seed: int = 0, per_class: bool = False):
    """Fraction of a CVAE's samples that ``classifier`` assigns to the class they were drawn for.

    Draws ``num_per_class`` images of every class with z ~ N(0, I), feeds their Bernoulli means to
    ``classifier`` (a Keras model from images to class probabilities or logits, such as
    :func:`cvae_utils.networks.build_classifier`) and compares its argmax with the requested label.
    Returns one number, or with ``per_class`` an array of ``num_classes`` fractions.
    """
    require_cvae(model, "label_fidelity")
    if not isinstance(classifier, keras.Model):
        raise TypeError(f"classifier must be a Keras model from images to class scores, got {type(classifier).__name__}")
    num_per_class = check_positive_int(num_per_class, "num_per_class")
    check_seed(seed)
    check_bool(per_class, "per_class")
    labels = np.repeat(np.arange(model.num_classes), num_per_class)
    scores = as_array(classifier.predict(model.sample(labels, seed=seed), batch_size=1024, verbose=0), "scores")
    if scores.shape != (len(labels), model.num_classes):
        raise ValueError(f"classifier must output one score per class, shape (N, {model.num_classes}); "
                         f"got {scores.shape}")
    correct = scores.argmax(axis=1) == labels
    return correct.reshape(model.num_classes, num_per_class).mean(axis=1) if per_class else float(correct.mean())
