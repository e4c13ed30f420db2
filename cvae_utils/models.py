"""The three models of the course: Autoencoder, VAE and CVAE (Keras 3, keras.ops only).

Each model overrides ``compute_loss``, so ``compile(optimizer=...)`` and ``fit`` work as usual
and run on TensorFlow, JAX and PyTorch. Besides ``loss``, the progress bar and ``history``
show ``reconstruction_loss`` (Bernoulli negative log-likelihood summed per image, in nats) and,
for the variational models, ``kl_loss``; with ``beta=1`` they add up: loss = reconstruction + KL.
"""

from __future__ import annotations

import numbers
import time

import keras
import numpy as np
from keras import layers, ops

from ._validation import (check_bool, check_choice, check_images, check_labels, check_latent, check_nonnegative_float,
                     check_positive_float, check_positive_int, check_seed)
from .config import DEFAULT_SEED, set_seed
from .data import merge_quadrants, split_quadrants, _check_num_given, _indices
from .losses import (bernoulli_nll_from_logits, continuous_bernoulli_mean_from_logits,
                     continuous_bernoulli_nll_from_logits, gaussian_nll, kl_gaussians, kl_standard_normal)
from .networks import (ARCHITECTURES, Sampling, _check_hidden_units, _mlp, build_classifier, build_decoder,
                       build_encoder)

PREDICT_BATCH = 1024
# p(x|z) of the VAE's pixels (chapter 12 compares them): "bernoulli" for binary images, "gaussian"
# and "continuous_bernoulli" for grey levels - densities on the real line and on [0, 1].
LIKELIHOODS = ("bernoulli", "gaussian", "continuous_bernoulli")
INITIAL_LEARNED_SIGMA = 0.1  # a learned sigma starts here, about the error of a blurry reconstruction
# The learned weight is log(sigma) / 10: an Adam step moves a weight by about the learning rate, and
# log(sigma) must be able to travel a few units within a few hundred steps.
LOG_SIGMA_SCALE = 10.0


def _check_sigma(sigma, likelihood):
    """The Gaussian decoder's sigma: a fixed number > 0 or "learned"; None for the other likelihoods."""
    if likelihood != "gaussian":
        if sigma is not None:
            raise ValueError(f"sigma is the standard deviation of a Gaussian p(x|z); with likelihood={likelihood!r} "
                             f"leave it None, got {sigma!r}")
        return None
    if sigma is None:
        return "learned"
    if isinstance(sigma, str):
        return check_choice(sigma, "sigma", ("learned",))
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"sigma must be a number > 0 or 'learned', got {type(sigma).__name__}")
    return check_positive_float(sigma, "sigma")


def _in_batches(fn, *arrays, batch_size=PREDICT_BATCH):
    """Apply fn to aligned NumPy arrays in chunks; return NumPy (a tuple if fn returns several)."""
    n = len(arrays[0])
    parts = []
    for start in range(0, n, batch_size):
        out = fn(*(ops.convert_to_tensor(a[start:start + batch_size]) for a in arrays))
        out = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        parts.append([ops.convert_to_numpy(o) for o in out])
    joined = tuple(np.concatenate(cols, axis=0) for cols in zip(*parts))
    return joined if len(joined) > 1 else joined[0]


class _LatentModel(keras.Model):
    """What the three models share: validated arguments, config, fit-time input checks."""

    conditional = False

    def __init__(self, latent_dim=2, architecture="dense", **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.architecture = check_choice(architecture, "architecture", ARCHITECTURES)
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")

    def get_config(self):
        return {"name": self.name, "latent_dim": self.latent_dim, "architecture": self.architecture}

    # -- input checks --------------------------------------------------------------------
    def _check_fit_inputs(self, x, y=None, what="fit", name="x"):
        """Validate NumPy training data before Keras turns a mistake into a backend error."""
        model = type(self).__name__
        if x is None or not isinstance(x, (np.ndarray, list, tuple)) and not ops.is_tensor(x):
            return  # datasets/generators: validated batch by batch by the backend
        if self.conditional:
            if not isinstance(x, (list, tuple)) or len(x) != 2:
                got = type(x).__name__ + (f" of length {len(x)}" if isinstance(x, (list, tuple)) else "")
                hint = ""
                if y is not None and not isinstance(x, (list, tuple)):
                    hint = (f"; it looks like {what}(images, labels) - pass the pair as one list, "
                            f"{what}([images, labels], ...)")
                raise ValueError(f"{model}.{what} expects [images, labels] as {name}, got {got}{hint}")
            images = check_images(x[0], "images" if name == "x" else f"{name}[0] (images)")
            check_labels(x[1], self.num_classes, n=len(images),
                         name="labels" if name == "x" else f"{name}[1] (labels)")
        else:
            check_images(x, name)

    def _check_validation_data(self, validation_data):
        """Validate NumPy ``validation_data`` the way Keras unpacks it: x, (x,), (x, y) or (x, y, w)."""
        if validation_data is None:
            return
        data = tuple(validation_data) if isinstance(validation_data, list) else validation_data
        if not isinstance(data, tuple):
            self._check_fit_inputs(data, name="validation_data")
            return
        if self.conditional and len(data) == 2 and not isinstance(data[0], (list, tuple)):
            raise ValueError(f"{type(self).__name__}.fit: validation_data=(images, labels) is read by Keras as "
                             f"(inputs, targets); pass validation_data=([images, labels],) instead")
        if not 1 <= len(data) <= 3:
            raise ValueError(f"validation_data must be x, (x,), (x, y) or (x, y, sample_weight), "
                             f"got a {type(validation_data).__name__} of length {len(data)}")
        self._check_fit_inputs(data[0], name="validation_data[0]")

    def fit(self, x=None, y=None, **kwargs):
        self._check_fit_inputs(x, y)
        self._check_validation_data(kwargs.get("validation_data"))
        return super().fit(x, y, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        self._check_fit_inputs(x, y, what="evaluate")
        return super().evaluate(x, y, **kwargs)

    def _images_of(self, x):
        return x[0] if self.conditional else x

    def decoder_mean(self, decoder_output):
        """The mean of p(x|z) from the decoder's output: Bernoulli means sigmoid(logits)."""
        return ops.sigmoid(decoder_output)

    def reconstruction_nll(self, images, decoder_output):
        """-log p(x|z) per image in nats: the Bernoulli NLL summed over pixels, from logits."""
        return bernoulli_nll_from_logits(images, decoder_output)

    # -- using a trained model -----------------------------------------------------------
    def encode(self, x):
        """The encoder's outputs for images x as NumPy: z (Autoencoder) or ``z_mean, z_log_var`` (VAE)."""
        x = check_images(x)
        return _in_batches(lambda b: self.encoder(b, training=False), x)

    def decode(self, z):
        """The mean of p(x|z) (Bernoulli means, pixel probabilities) as NumPy (N, 28, 28, 1)."""
        z = check_latent(z, self.latent_dim)
        return _in_batches(lambda b: self.decoder_mean(self.decoder(b, training=False)), z)


@keras.saving.register_keras_serializable(package="cvae_utils")
class Autoencoder(_LatentModel):
    """Deterministic autoencoder: x -> z = f(x) -> logits = g(z).

    Trained with the same per-image Bernoulli NLL as the VAE so their reconstruction losses compare.

    Introduced in chapter 03, *Autoencoders*.
    """

    def __init__(self, latent_dim=2, architecture="dense", **kwargs):
        super().__init__(latent_dim, architecture, **kwargs)
        self.encoder = build_encoder(self.latent_dim, self.architecture, variational=False)
        self.decoder = build_decoder(self.latent_dim, self.architecture)
        self.built = True  # every variable exists now (see VAE.__init__)

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        reconstruction = ops.mean(self.reconstruction_nll(x, y_pred))
        self.reconstruction_tracker.update_state(reconstruction, sample_weight=ops.shape(x)[0])
        return reconstruction

    def reconstruct(self, x):
        """decode(encode(x))."""
        return self.decode(self.encode(x))


@keras.saving.register_keras_serializable(package="cvae_utils")
class VAE(_LatentModel):
    """Variational autoencoder with q(z|x) = N(mu(x), diag sigma^2(x)), p(z) = N(0, I), Bernoulli p(x|z).

    ``beta`` weights the KL term (beta = 1 is the ELBO; the KL-weight chapter sweeps it). It lives in
    a non-trainable ``keras.Variable``, so a callback may change ``model.beta`` between epochs and
    the compiled training step sees the new value (``KLWarmUp``, chapter 10, *Fixing posterior collapse*).
    ``free_bits`` (nats per latent dimension, default 0 = off) turns on the free-bits objective of
    Kingma et al. (2016), also chapter 10: the training loss uses, for every latent dimension, its KL
    averaged over the batch but at least ``free_bits``, so that a dimension below that floor gets no
    gradient from the KL term. The tracked ``kl_loss`` stays the true KL.
    ``likelihood`` chooses p(x|z) (chapter 12 compares them): ``"bernoulli"`` (binary pixels, the
    default), ``"gaussian"`` (mean sigmoid(decoder output), standard deviation ``sigma``: a fixed
    number, or ``"learned"``, the default: one weight shared by all pixels) or
    ``"continuous_bernoulli"`` (a density on [0, 1], Loaiza-Ganem & Cunningham, 2019).

    Introduced in chapter 04, *Variational autoencoders*.
    """

    def __init__(self, latent_dim=2, architecture="dense", beta=1.0, seed=None, likelihood="bernoulli",
                 sigma=None, free_bits=0.0, **kwargs):
        super().__init__(latent_dim, architecture, **kwargs)
        beta = check_nonnegative_float(beta, "beta")
        self.free_bits = check_nonnegative_float(free_bits, "free_bits")
        self.seed = check_seed(seed)
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.sigma = _check_sigma(sigma, self.likelihood)
        self.encoder = self._build_encoder()
        self.decoder = self._build_decoder()
        self.log_sigma_weight = None  # log(sigma) / LOG_SIGMA_SCALE of a learned Gaussian sigma
        if self.sigma == "learned":
            start = np.log(INITIAL_LEARNED_SIGMA) / LOG_SIGMA_SCALE
            self.log_sigma_weight = self.add_weight(shape=(), name="log_sigma_over_10",
                                                    initializer=keras.initializers.Constant(start))
        self.sampling = Sampling(seed=seed, name="sampling")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        # A variable, not a Python float: the compiled training step reads its current value, so
        # the weight can change between epochs (a float would be frozen into the traced step).
        self.beta_variable = keras.Variable(beta, trainable=False, dtype="float32", name="beta")
        self._beta = beta
        # The encoder and decoder are functional models, so every variable exists already.
        # Marking the model built lets save_weights and BackupAndRestore (which refuse unbuilt
        # models on TensorFlow) work before the first call, without a call that would advance
        # the Sampling layer's random generator.
        self.built = True

    def _build_encoder(self):
        return build_encoder(self.latent_dim, self.architecture)

    def _build_decoder(self):
        return build_decoder(self.latent_dim, self.architecture)

    @property
    def beta(self) -> float:
        """The KL weight (a float); setting it assigns the variable the training step reads."""
        value = float(ops.convert_to_numpy(self.beta_variable))
        # the number last set, not its float32 rounding (get_config saves 0.1, not 0.10000000149)
        return self._beta if np.float32(self._beta) == np.float32(value) else value

    @beta.setter
    def beta(self, value):
        self._beta = check_nonnegative_float(value, "beta")
        self.beta_variable.assign(self._beta)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "seed": self.seed, "likelihood": self.likelihood,
                "sigma": self.sigma, "free_bits": self.free_bits}

    def decoder_mean(self, decoder_output):
        """The mean of p(x|z): sigmoid(logits), or the continuous Bernoulli's mean (not its lambda)."""
        if self.likelihood == "continuous_bernoulli":
            return continuous_bernoulli_mean_from_logits(decoder_output)
        return ops.sigmoid(decoder_output)

    def log_sigma(self):
        """The Gaussian decoder's log standard deviation: a number (fixed sigma) or a tensor (learned)."""
        if self.likelihood != "gaussian":
            raise ValueError(f"log_sigma() belongs to a Gaussian decoder; this VAE's likelihood is {self.likelihood!r}")
        if self.log_sigma_weight is None:
            return float(np.log(self.sigma))
        return LOG_SIGMA_SCALE * self.log_sigma_weight

    def reconstruction_nll(self, images, decoder_output):
        """-log p(x|z) per image in nats, for the model's ``likelihood`` (Bernoulli: from logits)."""
        if self.likelihood == "gaussian":
            return gaussian_nll(images, ops.sigmoid(decoder_output), self.log_sigma())
        if self.likelihood == "continuous_bernoulli":
            return continuous_bernoulli_nll_from_logits(images, decoder_output)
        return bernoulli_nll_from_logits(images, decoder_output)

    # -- training ------------------------------------------------------------------------
    def call(self, x, training=False):
        z_mean, z_log_var = self.encoder(x, training=training)
        z = self.sampling([z_mean, z_log_var])
        logits = self.decoder(z, training=training)
        return {"logits": logits, "z_mean": z_mean, "z_log_var": z_log_var}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        images = self._images_of(x)
        reconstruction = ops.mean(self.reconstruction_nll(images, y_pred["logits"]))
        kl = ops.mean(self.kl_divergence(y_pred["z_mean"], y_pred["z_log_var"]))
        batch = ops.shape(images)[0]
        self.reconstruction_tracker.update_state(reconstruction, sample_weight=batch)
        self.kl_tracker.update_state(kl, sample_weight=batch)
        if self.free_bits > 0:
            kl = self.free_bits_kl(y_pred["z_mean"], y_pred["z_log_var"])
        return reconstruction + ops.cast(self.beta_variable, kl.dtype) * kl

    def kl_divergence(self, z_mean, z_log_var):
        """KL(q(z|x) || p(z)) per image in nats, in closed form for the prior p(z) = N(0, I)."""
        return kl_standard_normal(z_mean, z_log_var)

    def kl_per_dimension(self, z_mean, z_log_var):
        """The KL of each latent dimension per image, shape (N, latent_dim), from ``kl_divergence``.

        The posterior and the prior factorise over the dimensions, so the KL of dimension j is
        ``kl_divergence`` of column j alone; the row sums are ``kl_divergence(z_mean, z_log_var)``.
        Introduced in chapter 10, *Fixing posterior collapse*.
        """
        return ops.stack([self.kl_divergence(z_mean[:, j:j + 1], z_log_var[:, j:j + 1])
                          for j in range(self.latent_dim)], axis=-1)

    def free_bits_kl(self, z_mean, z_log_var):
        """The KL term of the free-bits objective (Kingma et al., 2016), in nats per image.

        sum_j max(free_bits, KL_j), where KL_j is dimension j's KL averaged over the batch: a
        dimension whose KL is below the floor costs ``free_bits`` whatever it does, so the KL term
        gives it no gradient, and the encoder may use up to ``free_bits`` nats of it for free.
        Introduced in chapter 10, *Fixing posterior collapse*.
        """
        per_dimension = ops.mean(self.kl_per_dimension(z_mean, z_log_var), axis=0)
        return ops.sum(ops.maximum(per_dimension, self.free_bits))

    # -- using a trained model -----------------------------------------------------------
    def sample(self, num_samples, seed=None):
        """Draw z ~ N(0, I) and decode: ``num_samples`` new images (N, 28, 28, 1)."""
        num_samples = check_positive_int(num_samples, "num_samples")
        seed = check_seed(seed)
        z = np.random.default_rng(seed).standard_normal((num_samples, self.latent_dim)).astype("float32")
        return self.decode(z)

    def reconstruct(self, x):
        """Decode the posterior mean: a deterministic reconstruction of x."""
        return self.decode(self.encode(x)[0])


@keras.saving.register_keras_serializable(package="cvae_utils")
class CVAE(VAE):
    """Conditional VAE: q(z|x,y), p(z) = N(0, I), p(x|z,y) with one-hot labels y.

    Train with ``fit([images, integer_labels], ...)``.

    Introduced in chapter 05, *Conditional variational autoencoders*.
    """

    conditional = True

    def __init__(self, latent_dim=2, num_classes=10, architecture="dense", beta=1.0, seed=None, **kwargs):
        self.num_classes = check_positive_int(num_classes, "num_classes", minimum=2)
        super().__init__(latent_dim, architecture, beta=beta, seed=seed, **kwargs)

    def _build_encoder(self):
        return build_encoder(self.latent_dim, self.architecture, num_classes=self.num_classes)

    def _build_decoder(self):
        return build_decoder(self.latent_dim, self.architecture, num_classes=self.num_classes)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}

    def _require_labels(self, y, call, per):
        if y is None:
            raise TypeError(f"CVAE.{call} needs the labels y: one integer class in [0, {self.num_classes}) per {per}")

    def one_hot(self, labels):
        """Integer labels as one-hot rows (a tensor), the form the encoder and decoder take."""
        return ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.num_classes)

    def call(self, inputs, training=False):
        # Eager JAX training hands NumPy batches to call(); a nested [images, one_hot] input must
        # not mix NumPy arrays and tensors, so both become tensors first.
        images, labels = (t if ops.is_tensor(t) or isinstance(t, keras.KerasTensor) else ops.convert_to_tensor(t)
                          for t in inputs)
        one_hot = self.one_hot(labels)
        z_mean, z_log_var = self.encoder([images, one_hot], training=training)
        z = self.sampling([z_mean, z_log_var])
        logits = self.decoder([z, one_hot], training=training)
        return {"logits": logits, "z_mean": z_mean, "z_log_var": z_log_var}

    def encode(self, x, y):
        """Parameters of q(z|x,y) as NumPy arrays (N, latent_dim); y are integer labels."""
        self._require_labels(y, "encode(x, y)", "image")
        x = check_images(x)
        y = check_labels(y, self.num_classes, n=len(x))
        return _in_batches(lambda bx, by: self.encoder([bx, self.one_hot(by)], training=False), x, y)

    def decode(self, z, y):
        """Bernoulli means p(x|z,y) as NumPy (N, 28, 28, 1); one integer label per code."""
        self._require_labels(y, "decode(z, y)", "code")
        z = check_latent(z, self.latent_dim)
        y = check_labels(y, self.num_classes, n=len(z))
        return _in_batches(lambda bz, by: self.decoder_mean(self.decoder([bz, self.one_hot(by)], training=False)), z, y)

    def sample(self, labels, seed=None):
        """One new image per integer label, with z ~ N(0, I)."""
        if isinstance(labels, numbers.Integral) and not isinstance(labels, bool):
            raise ValueError(f"CVAE.sample takes one class label per image to draw, got the number {labels}; "
                             f"e.g. sample(np.repeat(np.arange({self.num_classes}), 4)) draws 4 images per class")
        labels = check_labels(labels, self.num_classes, name="labels")
        seed = check_seed(seed)
        if len(labels) == 0:
            raise ValueError("labels is empty: pass at least one class label, e.g. [0, 1, 2]")
        z = np.random.default_rng(seed).standard_normal((len(labels), self.latent_dim)).astype("float32")
        return self.decode(z, labels)

    def reconstruct(self, x, y):
        """Decode the posterior mean of q(z|x,y) with the same labels."""
        self._require_labels(y, "reconstruct(x, y)", "image")
        return self.decode(self.encode(x, y)[0], y)


def decode_latent(model, z, label=None) -> np.ndarray:
    """Decode codes with any course model: ``model.decode(z)`` for an autoencoder or VAE,
    ``model.decode(z, labels)`` for a CVAE — the one place that tells conditional models apart.

    ``label`` is one integer class for every code, or one per code, and must be None for a model
    without labels. Returns the decoded means as NumPy (N, 28, 28, 1).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    if not (hasattr(model, "decode") and isinstance(getattr(model, "latent_dim", None), int)):
        raise TypeError(f"model must be a course model with decode() and latent_dim (Autoencoder, VAE, CVAE), "
                        f"got {type(model).__name__}")
    z = check_latent(z, model.latent_dim)
    if not getattr(model, "conditional", False):
        if label is not None:
            raise ValueError(f"{type(model).__name__} is not conditional: label must be None")
        return model.decode(z)
    if label is None:
        raise ValueError(f"{type(model).__name__} is conditional: pass label=<a class> to decode with")
    if np.ndim(label) == 0:
        if isinstance(label, bool) or not isinstance(label, numbers.Integral):
            raise TypeError(f"label must be one integer class label, got {type(label).__name__} {label!r}")
        if not 0 <= label < model.num_classes:
            raise ValueError(f"label must be a class label in [0, {model.num_classes}), got {label}")
        labels = np.full(len(z), int(label), dtype="int32")
    else:
        labels = check_labels(label, model.num_classes, n=len(z), name="label")
    return model.decode(z, labels)


PROPOSALS = ("recognition", "prior")
PRIORS = ("learned", "standard")  # QuadrantCVAE's prior: the network p(z | x_obs), or N(0, I) for every input


class _QuadrantModel(keras.Model):
    """What both models share: the split of whole images into x_obs and y, and input checks."""

    def __init__(self, num_given=1, hidden_units=(500, 500), **kwargs):
        super().__init__(**kwargs)
        self.num_given = _check_num_given(num_given)
        self.hidden_units = _check_hidden_units(hidden_units)
        observed, hidden = _indices(self.num_given)
        self.num_observed, self.num_hidden = len(observed), len(hidden)
        self._observed_idx, self._hidden_idx = observed, hidden
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")

    def get_config(self):
        return {"name": self.name, "num_given": self.num_given, "hidden_units": list(self.hidden_units)}

    def _split(self, images):
        flat = ops.reshape(images, (ops.shape(images)[0], -1))
        return ops.take(flat, self._observed_idx, axis=1), ops.take(flat, self._hidden_idx, axis=1)

    def fit(self, x=None, y=None, **kwargs):
        if isinstance(x, np.ndarray):
            check_images(x, "x")
        if y is not None:
            raise ValueError(f"{type(self).__name__}.fit takes whole images only (it splits them into "
                             f"observed and hidden pixels itself); got a y as well")
        return super().fit(x, **kwargs)


@keras.saving.register_keras_serializable(package="cvae_utils")
class QuadrantBaseline(_QuadrantModel):
    """Deterministic baseline: x_obs -> Bernoulli logits of the hidden pixels.

    Trained on -log p(y | x_obs) with independent pixels, its best answer is the per-pixel average
    of all plausible completions: one blurry image.

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """

    def __init__(self, num_given=1, hidden_units=(500, 500), **kwargs):
        super().__init__(num_given, hidden_units, **kwargs)
        x_obs = keras.Input((self.num_observed,), name="x_observed")
        logits = layers.Dense(self.num_hidden, name="logits")(_mlp([x_obs], self.hidden_units, "baseline"))
        self.network = keras.Model(x_obs, logits, name="baseline")
        self.built = True

    def call(self, images, training=False):
        x_obs, _ = self._split(images)
        return self.network(x_obs, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        _, target = self._split(x)
        nll = ops.mean(bernoulli_nll_from_logits(target, y_pred))
        self.reconstruction_tracker.update_state(nll, sample_weight=ops.shape(x)[0])
        return nll

    def complete(self, images) -> np.ndarray:
        """The baseline's completion: observed pixels kept, hidden ones = predicted probabilities."""
        x_obs, _ = split_quadrants(images, self.num_given)
        probs = _in_batches(lambda b: ops.sigmoid(self.network(b, training=False)), x_obs)
        return merge_quadrants(x_obs, probs, self.num_given)


@keras.saving.register_keras_serializable(package="cvae_utils")
class QuadrantCVAE(_QuadrantModel):
    """CVAE for structured output prediction (Sohn et al., 2015), condition = the observed pixels.

    - recognition network q(z | x_obs, y) (sees the whole image),
    - conditional prior network p(z | x_obs) (a learned Gaussian instead of N(0, I)),
    - generation network p(y | x_obs, z) (Bernoulli logits of the hidden pixels).

    ``prior="standard"`` replaces the prior network by the fixed N(0, I) of the VAE, for the ablation
    of chapter 06: the same model and training, with KL(q(z | x_obs, y) || N(0, I)) and completions
    decoded from z ~ N(0, I).

    Loss: (1 - w) * [E_q -log p(y|x_obs,z) + KL(q(z|x_obs,y) || p(z|x_obs))] + w * E_p -log p(y|x_obs,z),
    with w = ``gsnn_weight`` (0: the CVAE; 1: the GSNN; in between: the paper's hybrid objective).
    The progress bar shows ``reconstruction_loss`` and ``kl_loss`` (the CVAE's -ELBO is their sum)
    and ``gsnn_loss`` (reconstruction with z from the prior network: what test time looks like).

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """

    def __init__(self, num_given=1, latent_dim=32, hidden_units=(500, 500), gsnn_weight=0.0, prior="learned",
                 seed=None, **kwargs):
        super().__init__(num_given, hidden_units, **kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.gsnn_weight = check_nonnegative_float(gsnn_weight, "gsnn_weight")
        if self.gsnn_weight > 1:
            raise ValueError(f"gsnn_weight must be in [0, 1] (0: CVAE, 1: GSNN), got {gsnn_weight}")
        if not isinstance(prior, str):
            raise TypeError(f"prior must be one of {list(PRIORS)} (a string), got {type(prior).__name__} {prior!r}")
        self.prior_type = check_choice(prior, "prior", PRIORS)
        self.seed = check_seed(seed)
        x_obs = keras.Input((self.num_observed,), name="x_observed")
        y = keras.Input((self.num_hidden,), name="y_hidden")
        z = keras.Input((self.latent_dim,), name="z")
        self.recognition = self._gaussian_net([x_obs, y], "recognition")
        learned = self.prior_type == "learned"
        self.prior = self._gaussian_net([x_obs], "prior") if learned else self._standard_normal(x_obs)
        logits = layers.Dense(self.num_hidden, name="logits")(_mlp([x_obs, z], self.hidden_units, "generation"))
        self.generation = keras.Model([x_obs, z], logits, name="generation")
        self.sample_posterior = Sampling(seed=seed, name="sample_posterior")
        self.sample_prior = Sampling(seed=None if seed is None else seed + 1, name="sample_prior")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.gsnn_tracker = keras.metrics.Mean(name="gsnn_loss")
        self.built = True

    def _gaussian_net(self, inputs, name):
        h = _mlp(inputs, self.hidden_units, name)
        outputs = [layers.Dense(self.latent_dim, name=f"{name}_mean")(h),
                   layers.Dense(self.latent_dim, name=f"{name}_log_var")(h)]
        return keras.Model(inputs, outputs, name=name)

    def _standard_normal(self, x_obs):
        # N(0, I) for every input, as a network with the learned prior's interface: frozen all-zero layers give
        # mean 0 and log-variance 0, so training, completions and negative_cll treat both priors alike
        frozen_zero = dict(kernel_initializer="zeros", bias_initializer="zeros", trainable=False)
        outputs = [layers.Dense(self.latent_dim, name="prior_mean", **frozen_zero)(x_obs),
                   layers.Dense(self.latent_dim, name="prior_log_var", **frozen_zero)(x_obs)]
        return keras.Model(x_obs, outputs, name="prior")

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "gsnn_weight": self.gsnn_weight,
                "prior": self.prior_type, "seed": self.seed}

    def call(self, images, training=False):
        x_obs, y = self._split(images)
        q_mean, q_log_var = self.recognition([x_obs, y], training=training)
        p_mean, p_log_var = self.prior(x_obs, training=training)
        z_q = self.sample_posterior([q_mean, q_log_var])
        z_p = self.sample_prior([p_mean, p_log_var])
        return {"logits": self.generation([x_obs, z_q], training=training),
                "prior_logits": self.generation([x_obs, z_p], training=training),
                "q_mean": q_mean, "q_log_var": q_log_var, "p_mean": p_mean, "p_log_var": p_log_var}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        _, target = self._split(x)
        reconstruction = ops.mean(bernoulli_nll_from_logits(target, y_pred["logits"]))
        kl = ops.mean(kl_gaussians(y_pred["q_mean"], y_pred["q_log_var"], y_pred["p_mean"], y_pred["p_log_var"]))
        gsnn = ops.mean(bernoulli_nll_from_logits(target, y_pred["prior_logits"]))
        batch = ops.shape(x)[0]
        for tracker, value in ((self.reconstruction_tracker, reconstruction), (self.kl_tracker, kl),
                               (self.gsnn_tracker, gsnn)):
            tracker.update_state(value, sample_weight=batch)
        # both terms are always computed, so every network gets a gradient (zero when its weight is 0)
        return (1.0 - self.gsnn_weight) * (reconstruction + kl) + self.gsnn_weight * gsnn

    def complete(self, images, num_samples: int = 1, seed: int | None = None) -> np.ndarray:
        """Sampled completions: z ~ p(z | x_obs), hidden pixels = p(y | x_obs, z) (Bernoulli means).

        Returns (N, num_samples, 28, 28, 1) with the observed pixels kept.
        """
        num_samples = check_positive_int(num_samples, "num_samples")
        seed = check_seed(seed)
        x_obs, _ = split_quadrants(images, self.num_given)
        p_mean, p_log_var = _in_batches(lambda b: self.prior(b, training=False), x_obs)
        eps = np.random.default_rng(seed).standard_normal((num_samples, *p_mean.shape)).astype("float32")
        z = p_mean + np.exp(0.5 * p_log_var) * eps  # (S, N, latent)
        probs = [_in_batches(lambda bx, bz: ops.sigmoid(self.generation([bx, bz], training=False)), x_obs, z_s)
                 for z_s in z]
        return merge_quadrants(x_obs, np.stack(probs, axis=1), self.num_given)


BOOK_MODELS = {
    "VAE dense d=2": dict(latent_dim=2, architecture="dense"),
    "VAE dense d=16": dict(latent_dim=16, architecture="dense"),
    "VAE conv d=2": dict(latent_dim=2, architecture="conv"),
    "VAE conv d=16": dict(latent_dim=16, architecture="conv"),
    "CVAE dense d=2": dict(latent_dim=2, architecture="dense", num_classes=10),
}


LEARNING_RATE = 1e-3


def build_model(name: str):
    """A fresh, untrained model of ``BOOK_MODELS``.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    if name not in BOOK_MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(BOOK_MODELS)}")
    kwargs = BOOK_MODELS[name]
    return CVAE(**kwargs) if "num_classes" in kwargs else VAE(**kwargs)


def train_models(x_train, y_train, epochs: int, batch_size: int = 128, names=None, seed: int = DEFAULT_SEED,
                 verbose: bool = True):
    """Build and train the named models (default: all of ``BOOK_MODELS``) with the book's recipe:
    Adam(1e-3), the given epochs and batch size, the same seed before each model.

    Returns ``(models, seconds)``: two dicts keyed by name, the trained models and the wall-clock
    seconds of each ``fit``. With ``verbose`` it prints one line per model as it finishes.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    names = list(BOOK_MODELS) if names is None else list(names)
    if not names:
        raise ValueError("names is empty: pass at least one name of BOOK_MODELS")
    for name in names:
        build_model(name)  # validates the names before any training starts
    x_train = check_images(x_train, "x_train")
    y_train = check_labels(y_train, 10, n=len(x_train), name="y_train")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    check_bool(verbose, "verbose")
    models, seconds = {}, {}
    for name in names:
        set_seed(seed)
        model = build_model(name)
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
        start = time.perf_counter()
        history = model.fit([x_train, y_train] if model.conditional else x_train, epochs=epochs,
                            batch_size=batch_size, verbose=0)
        seconds[name], models[name] = time.perf_counter() - start, model
        if verbose:
            print(f"{name:15s} {model.count_params():>9,} parameters, {epochs} epochs in {seconds[name]:6.1f} s, "
                  f"last training loss {history.history['loss'][-1]:.1f} nats", flush=True)
    return models, seconds


def train_classifier(x_train, y_train, epochs: int, batch_size: int = 128, num_classes: int = 10,
                     seed: int = DEFAULT_SEED):
    """Train :func:`~cvae_utils.networks.build_classifier` on labelled images; returns the model.

    Introduced in chapter 07, *Evaluating generative models*.
    """
    x_train = check_images(x_train, "x_train")
    y_train = check_labels(y_train, num_classes, n=len(x_train), name="y_train")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    set_seed(seed)
    classifier = build_classifier(num_classes)
    classifier.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    classifier.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return classifier
