"""The three models of the course: Autoencoder, VAE and CVAE (Keras 3, keras.ops only).

Each model overrides ``compute_loss``, so ``compile(optimizer=...)`` and ``fit`` work as usual
and run on TensorFlow, JAX and PyTorch. Besides ``loss``, the progress bar and ``history``
show ``reconstruction_loss`` (Bernoulli negative log-likelihood summed per image, in nats) and,
for the variational models, ``kl_loss``; with ``beta=1`` they add up: loss = reconstruction + KL.

The models own their likelihood: ``VAE.log_importance_weights`` (overridden by the CVAE) gives
the log-weights that :mod:`cvae_utils.evaluate.likelihood` averages into its bounds.

Over 400 lines because the three classes build on one another (a CVAE is a VAE with labels)
and read best side by side.
"""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

from .._validation import (
    as_array,
    check_bool,
    check_choice,
    check_class,
    check_course_model,
    check_images,
    check_labels,
    check_latent,
    check_nonnegative_float,
    check_number,
    check_positive_int,
    check_seed,
)
from ..losses import (
    bernoulli_nll_from_logits,
    continuous_bernoulli_mean_from_logits,
    continuous_bernoulli_nll_from_logits,
    gaussian_nll,
    kl_standard_normal,
    log_normal,
)
from ..networks import (
    ARCHITECTURES,
    Sampling,
    build_decoder,
    build_encoder,
    build_row_decoder,
)

__all__ = [
    "Autoencoder",
    "AutoregressiveVAE",
    "CVAE",
    "VAE",
    "decode_latent",
]


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
            raise ValueError(
                f"sigma is the standard deviation of a Gaussian p(x|z); with likelihood={likelihood!r} "
                f"leave it None, got {sigma!r}"
            )
        return None
    if sigma is None:
        return "learned"
    if isinstance(sigma, str):
        return check_choice(sigma, "sigma", ("learned",))
    return check_number(sigma, "sigma", low=0, open_low=True)


def _in_batches(fn, *arrays, batch_size=PREDICT_BATCH):
    """Apply fn to aligned NumPy arrays in chunks; return NumPy (a tuple if fn returns several)."""
    n = len(arrays[0])
    parts = []
    for start in range(0, n, batch_size):
        out = fn(
            *(
                ops.convert_to_tensor(a[start : start + batch_size])
                for a in arrays
            )
        )
        out = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        parts.append([ops.convert_to_numpy(o) for o in out])
    joined = tuple(np.concatenate(cols, axis=0) for cols in zip(*parts))
    return joined if len(joined) > 1 else joined[0]


def _repeat(t, k):
    """(B, ...) -> (k*B, ...), sample-major: rows [s*B:(s+1)*B] belong to sample s."""
    return ops.concatenate([t] * k, axis=0)


class _CourseModel(keras.Model):
    """What every model of the package shares: a tracker of the reconstruction
    loss, and a config that lists the constructor's arguments."""

    _config_names: tuple[str, ...] = ()  # the arguments get_config saves

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.reconstruction_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )

    def get_config(self):
        config = {"name": self.name}
        for name in self._config_names:
            value = getattr(self, name)
            config[name] = list(value) if isinstance(value, tuple) else value
        return config


class _LatentModel(_CourseModel):
    """What the three models share: validated arguments, config, fit-time input checks."""

    conditional = False
    _config_names = ("latent_dim", "architecture")

    def __init__(self, latent_dim=2, architecture="dense", **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.architecture = check_choice(
            architecture, "architecture", ARCHITECTURES
        )

    # -- input checks --------------------------------------------------------------------
    def _check_fit_inputs(self, x, y=None, what="fit", name="x"):
        """Validate NumPy training data before Keras turns a mistake into a backend error."""
        model = type(self).__name__
        if (
            x is None
            or not isinstance(x, (np.ndarray, list, tuple))
            and not ops.is_tensor(x)
        ):
            return  # datasets/generators: validated batch by batch by the backend
        if self.conditional:
            if not isinstance(x, (list, tuple)) or len(x) != 2:
                got = type(x).__name__ + (
                    f" of length {len(x)}"
                    if isinstance(x, (list, tuple))
                    else ""
                )
                hint = ""
                if y is not None and not isinstance(x, (list, tuple)):
                    hint = (
                        f"; it looks like {what}(images, labels) - pass the pair as one list, "
                        f"{what}([images, labels], ...)"
                    )
                raise ValueError(
                    f"{model}.{what} expects [images, labels] as {name}, got {got}{hint}"
                )
            images = check_images(
                x[0], "images" if name == "x" else f"{name}[0] (images)"
            )
            check_labels(
                x[1],
                self.num_classes,
                n=len(images),
                name="labels" if name == "x" else f"{name}[1] (labels)",
            )
        else:
            check_images(x, name)

    def _check_validation_data(self, validation_data):
        """Validate NumPy ``validation_data`` the way Keras unpacks it: x, (x,), (x, y) or (x, y, w)."""
        if validation_data is None:
            return
        data = (
            tuple(validation_data)
            if isinstance(validation_data, list)
            else validation_data
        )
        if not isinstance(data, tuple):
            self._check_fit_inputs(data, name="validation_data")
            return
        if (
            self.conditional
            and len(data) == 2
            and not isinstance(data[0], (list, tuple))
        ):
            raise ValueError(
                f"{type(self).__name__}.fit: validation_data=(images, labels) is read by Keras as "
                f"(inputs, targets); pass validation_data=([images, labels],) instead"
            )
        if not 1 <= len(data) <= 3:
            raise ValueError(
                f"validation_data must be x, (x,), (x, y) or (x, y, sample_weight), "
                f"got a {type(validation_data).__name__} of length {len(data)}"
            )
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
        return _in_batches(
            lambda b: self.decoder_mean(self.decoder(b, training=False)), z
        )


@keras.saving.register_keras_serializable(package="cvae_utils")
class Autoencoder(_LatentModel):
    """Deterministic autoencoder: x -> z = f(x) -> logits = g(z).

    Trained with the same per-image Bernoulli NLL as the VAE so their reconstruction losses compare.

    Introduced in chapter 03, *Autoencoders*.
    """

    def __init__(self, latent_dim=2, architecture="dense", **kwargs):
        super().__init__(latent_dim, architecture, **kwargs)
        self.encoder = build_encoder(
            self.latent_dim, self.architecture, variational=False
        )
        self.decoder = build_decoder(self.latent_dim, self.architecture)
        self.built = True  # every variable exists now (see VAE.__init__)

    def call(self, x, training=False):
        return self.decoder(
            self.encoder(x, training=training), training=training
        )

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        reconstruction = ops.mean(self.reconstruction_nll(x, y_pred))
        self.reconstruction_tracker.update_state(
            reconstruction, sample_weight=ops.shape(x)[0]
        )
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

    def __init__(
        self,
        latent_dim=2,
        architecture="dense",
        beta=1.0,
        seed=None,
        likelihood="bernoulli",
        sigma=None,
        free_bits=0.0,
        **kwargs,
    ):
        super().__init__(latent_dim, architecture, **kwargs)
        beta = check_nonnegative_float(beta, "beta")
        self.free_bits = check_nonnegative_float(free_bits, "free_bits")
        self.seed = check_seed(seed)
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.sigma = _check_sigma(sigma, self.likelihood)
        self.encoder = self._build_encoder()
        self.decoder = self._build_decoder()
        self.log_sigma_weight = (
            None  # log(sigma) / LOG_SIGMA_SCALE of a learned Gaussian sigma
        )
        if self.sigma == "learned":
            start = np.log(INITIAL_LEARNED_SIGMA) / LOG_SIGMA_SCALE
            self.log_sigma_weight = self.add_weight(
                shape=(),
                name="log_sigma_over_10",
                initializer=keras.initializers.Constant(start),
            )
        self.sampling = Sampling(seed=seed, name="sampling")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        # A variable, not a Python float: the compiled training step reads its current value, so
        # the weight can change between epochs (a float would be frozen into the traced step).
        self.beta_variable = keras.Variable(
            beta, trainable=False, dtype="float32", name="beta"
        )
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
        return (
            self._beta
            if np.float32(self._beta) == np.float32(value)
            else value
        )

    @beta.setter
    def beta(self, value):
        self._beta = check_nonnegative_float(value, "beta")
        self.beta_variable.assign(self._beta)

    def get_config(self):
        return {
            **super().get_config(),
            "beta": self.beta,
            "seed": self.seed,
            "likelihood": self.likelihood,
            "sigma": self.sigma,
            "free_bits": self.free_bits,
        }

    def decoder_mean(self, decoder_output):
        """The mean of p(x|z): sigmoid(logits), or the continuous Bernoulli's mean (not its lambda)."""
        if self.likelihood == "continuous_bernoulli":
            return continuous_bernoulli_mean_from_logits(decoder_output)
        return ops.sigmoid(decoder_output)

    def log_sigma(self):
        """The Gaussian decoder's log standard deviation: a number (fixed sigma) or a tensor (learned)."""
        if self.likelihood != "gaussian":
            raise ValueError(
                f"log_sigma() belongs to a Gaussian decoder; this VAE's likelihood is {self.likelihood!r}"
            )
        if self.log_sigma_weight is None:
            return float(np.log(self.sigma))
        return LOG_SIGMA_SCALE * self.log_sigma_weight

    def reconstruction_nll(self, images, decoder_output):
        """-log p(x|z) per image in nats, for the model's ``likelihood`` (Bernoulli: from logits)."""
        if self.likelihood == "gaussian":
            return gaussian_nll(
                images, ops.sigmoid(decoder_output), self.log_sigma()
            )
        if self.likelihood == "continuous_bernoulli":
            return continuous_bernoulli_nll_from_logits(images, decoder_output)
        return bernoulli_nll_from_logits(images, decoder_output)

    # -- training ------------------------------------------------------------------------
    def call(self, x, training=False):
        z_mean, z_log_var = self.encoder(x, training=training)
        z = self.sampling([z_mean, z_log_var])
        logits = self.decoder(z, training=training)
        return {"logits": logits, "z_mean": z_mean, "z_log_var": z_log_var}

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        images = self._images_of(x)
        reconstruction = ops.mean(
            self.reconstruction_nll(images, y_pred["logits"])
        )
        kl = ops.mean(
            self.kl_divergence(y_pred["z_mean"], y_pred["z_log_var"])
        )
        batch = ops.shape(images)[0]
        self.reconstruction_tracker.update_state(
            reconstruction, sample_weight=batch
        )
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
        return ops.stack(
            [
                self.kl_divergence(
                    z_mean[:, j : j + 1], z_log_var[:, j : j + 1]
                )
                for j in range(self.latent_dim)
            ],
            axis=-1,
        )

    def free_bits_kl(self, z_mean, z_log_var):
        """The KL term of the free-bits objective (Kingma et al., 2016), in nats per image.

        sum_j max(free_bits, KL_j), where KL_j is dimension j's KL averaged over the batch: a
        dimension whose KL is below the floor costs ``free_bits`` whatever it does, so the KL term
        gives it no gradient, and the encoder may use up to ``free_bits`` nats of it for free.
        Introduced in chapter 10, *Fixing posterior collapse*.
        """
        per_dimension = ops.mean(
            self.kl_per_dimension(z_mean, z_log_var), axis=0
        )
        return ops.sum(ops.maximum(per_dimension, self.free_bits))

    # -- likelihood ----------------------------------------------------------------------
    def log_importance_weights(
        self, x, num_samples, seed_generator, posterior=None
    ):
        """log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x) for ``num_samples`` draws z_k ~ q(z|x).

        ``x`` is a batch of B images as a tensor (for a CVAE: ``[images, labels]``), ``seed_generator``
        a ``keras.random.SeedGenerator``. Returns ``(log_w, log_px_z, kl)``: the log-weights and their
        log-likelihood part, both (num_samples, B), and the closed-form KL(q(z|x) || p(z)), shape (B,):
        everything the bounds of :mod:`cvae_utils.evaluate.likelihood` need.
        ``posterior``, a pair ``(z_mean, z_log_var)`` of shape (B, latent_dim), replaces the encoder's
        Gaussian, e.g. one fitted to each image (:func:`cvae_utils.evaluate.gaps.fit_posterior`, chapter 07).
        Introduced in chapter 04, *Variational autoencoders*.
        """
        z_mean, z_log_var = (
            self.encoder(x, training=False) if posterior is None else posterior
        )
        return self._weigh(
            x,
            z_mean,
            z_log_var,
            num_samples,
            seed_generator,
            lambda z: self._decoder_logits(z, x, num_samples),
        )

    def _decoder_logits(self, z, images, k):
        """p(x|z)'s logits for the k codes of each of ``images``, sample-major
        (an autoregressive decoder also reads the images)."""
        return self.decoder(z, training=False)

    def _weigh(self, images, z_mean, z_log_var, k, seed_generator, decode):
        """The terms of ``log_importance_weights`` from q(z|x)'s parameters and a decoder call."""
        b = ops.shape(z_mean)[0]
        mean_k, log_var_k = _repeat(z_mean, k), _repeat(z_log_var, k)
        eps = keras.random.normal(ops.shape(mean_k), seed=seed_generator)
        z = mean_k + ops.exp(0.5 * log_var_k) * eps
        log_px_z = -self.reconstruction_nll(_repeat(images, k), decode(z))
        log_pz = log_normal(z, ops.zeros_like(z), ops.zeros_like(z))
        log_qz = log_normal(z, mean_k, log_var_k)
        log_w = ops.reshape(log_px_z + log_pz - log_qz, (k, b))
        return (
            log_w,
            ops.reshape(log_px_z, (k, b)),
            kl_standard_normal(z_mean, z_log_var),
        )

    # -- using a trained model -----------------------------------------------------------
    def sample(self, num_samples, seed=None):
        """Draw z ~ N(0, I) and decode: ``num_samples`` new images (N, 28, 28, 1)."""
        num_samples = check_positive_int(num_samples, "num_samples")
        seed = check_seed(seed)
        z = (
            np.random.default_rng(seed)
            .standard_normal((num_samples, self.latent_dim))
            .astype("float32")
        )
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

    def __init__(
        self,
        latent_dim=2,
        num_classes=10,
        architecture="dense",
        beta=1.0,
        seed=None,
        **kwargs,
    ):
        self.num_classes = check_positive_int(
            num_classes, "num_classes", minimum=2
        )
        super().__init__(
            latent_dim, architecture, beta=beta, seed=seed, **kwargs
        )

    def _build_encoder(self):
        return build_encoder(
            self.latent_dim, self.architecture, num_classes=self.num_classes
        )

    def _build_decoder(self):
        return build_decoder(
            self.latent_dim, self.architecture, num_classes=self.num_classes
        )

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}

    def _require_labels(self, y, call, per):
        if y is None:
            raise TypeError(
                f"CVAE.{call} needs the labels y: one integer class in [0, {self.num_classes}) per {per}"
            )

    def one_hot(self, labels):
        """Integer labels as one-hot rows (a tensor), the form the encoder and decoder take."""
        return ops.one_hot(
            ops.cast(ops.reshape(labels, (-1,)), "int32"), self.num_classes
        )

    def call(self, inputs, training=False):
        # Eager JAX training hands NumPy batches to call(); a nested [images, one_hot] input must
        # not mix NumPy arrays and tensors, so both become tensors first.
        images, labels = (
            t
            if ops.is_tensor(t) or isinstance(t, keras.KerasTensor)
            else ops.convert_to_tensor(t)
            for t in inputs
        )
        one_hot = self.one_hot(labels)
        z_mean, z_log_var = self.encoder([images, one_hot], training=training)
        z = self.sampling([z_mean, z_log_var])
        logits = self.decoder([z, one_hot], training=training)
        return {"logits": logits, "z_mean": z_mean, "z_log_var": z_log_var}

    def log_importance_weights(
        self, x, num_samples, seed_generator, posterior=None
    ):
        """The VAE's log-weights with the label: ``x = [images, labels]``, q(z|x,y) and p(x|z,y)."""
        images, labels = x
        z_mean, z_log_var = (
            self.encoder([images, self.one_hot(labels)], training=False)
            if posterior is None
            else posterior
        )
        labels_k = _repeat(labels, num_samples)
        return self._weigh(
            images,
            z_mean,
            z_log_var,
            num_samples,
            seed_generator,
            lambda z: self.decoder(
                [z, self.one_hot(labels_k)], training=False
            ),
        )

    def encode(self, x, y):
        """Parameters of q(z|x,y) as NumPy arrays (N, latent_dim); y are integer labels."""
        self._require_labels(y, "encode(x, y)", "image")
        x = check_images(x)
        y = check_labels(y, self.num_classes, n=len(x))
        return _in_batches(
            lambda bx, by: self.encoder(
                [bx, self.one_hot(by)], training=False
            ),
            x,
            y,
        )

    def decode(self, z, y):
        """Bernoulli means p(x|z,y) as NumPy (N, 28, 28, 1); one integer label per code."""
        self._require_labels(y, "decode(z, y)", "code")
        z = check_latent(z, self.latent_dim)
        y = check_labels(y, self.num_classes, n=len(z))
        return _in_batches(
            lambda bz, by: self.decoder_mean(
                self.decoder([bz, self.one_hot(by)], training=False)
            ),
            z,
            y,
        )

    def sample(self, labels, seed=None):
        """One new image per integer label, with z ~ N(0, I)."""
        if isinstance(labels, numbers.Integral) and not isinstance(
            labels, bool
        ):
            raise ValueError(
                f"CVAE.sample takes one class label per image to draw, got the number {labels}; "
                f"e.g. sample(np.repeat(np.arange({self.num_classes}), 4)) draws 4 images per class"
            )
        labels = check_labels(labels, self.num_classes, name="labels")
        seed = check_seed(seed)
        if len(labels) == 0:
            raise ValueError(
                "labels is empty: pass at least one class label, e.g. [0, 1, 2]"
            )
        z = (
            np.random.default_rng(seed)
            .standard_normal((len(labels), self.latent_dim))
            .astype("float32")
        )
        return self.decode(z, labels)

    def reconstruct(self, x, y):
        """Decode the posterior mean of q(z|x,y) with the same labels."""
        self._require_labels(y, "reconstruct(x, y)", "image")
        return self.decode(self.encode(x, y)[0], y)


@keras.saving.register_keras_serializable(package="cvae_utils")
class AutoregressiveVAE(VAE):
    """A VAE whose decoder also reads the pixels above (``build_row_decoder``).

    p(x|z) = prod_i p(row_i | rows above, z): a GRU runs down the rows from
    a state set by z. Such a decoder can model digits without the code, the
    setting of the classic posterior collapse at beta = 1. With
    ``use_code=False`` the decoder gets a zero code: it is a model of digits
    on its own, its encoder learns nothing (the KL drives it to the prior)
    and its -ELBO is its exact negative log-likelihood. Training, KL weight,
    free bits and the likelihood bounds work as for the ``VAE``; ``decode``
    draws the rows one after another.

    Introduced in chapter 10, *Fixing posterior collapse*.
    """

    def __init__(
        self, latent_dim=16, units=256, use_code=True, beta=1.0, **kwargs
    ):
        self.units = check_positive_int(units, "units")
        self.use_code = check_bool(use_code, "use_code")
        super().__init__(latent_dim, "dense", beta=beta, **kwargs)

    def _build_decoder(self):
        return build_row_decoder(self.latent_dim, self.units)

    def get_config(self):
        config = super().get_config()
        del config["architecture"]  # always the dense encoder
        return {**config, "units": self.units, "use_code": self.use_code}

    def _logits(self, z, images, training=False):
        z, images = ops.convert_to_tensor(z), ops.convert_to_tensor(images)
        if not self.use_code:
            z = ops.zeros_like(z)
        return self.decoder([z, images], training=training)

    def call(self, x, training=False):
        images = self._images_of(x)
        z_mean, z_log_var = self.encoder(images, training=training)
        z = self.sampling([z_mean, z_log_var])
        logits = self._logits(z, images, training=training)
        return {"logits": logits, "z_mean": z_mean, "z_log_var": z_log_var}

    def _decoder_logits(self, z, images, k):
        return self._logits(z, _repeat(images, k))

    def decode(self, z, seed=0):
        """Draw images row by row from p(x|z); return each row's Bernoulli means.

        Row i's pixels are drawn (with NumPy's generator ``seed``) from the
        means the decoder gives after the rows drawn above; the returned
        image holds those means (N, 28, 28, 1), so it shows what the model
        expected at every row of the digit it drew.
        """
        z = check_latent(z, self.latent_dim)
        rng = np.random.default_rng(check_seed(seed))
        drawn = np.zeros((len(z), 28, 28, 1), "float32")
        means = np.zeros_like(drawn)
        for row in range(28):
            logits = _in_batches(lambda bz, bx: self._logits(bz, bx), z, drawn)
            means[:, row] = ops.convert_to_numpy(ops.sigmoid(logits[:, row]))
            drawn[:, row] = rng.random(means[:, row].shape) < means[:, row]
        return means


def decode_latent(model, z, label=None) -> np.ndarray:
    """Decode codes with any course model: ``model.decode(z)`` for an autoencoder or VAE,
    ``model.decode(z, labels)`` for a CVAE — the one place that tells conditional models apart.

    ``label`` is one integer class for every code, or one per code, and must be None for a model
    without labels. Returns the decoded means as NumPy (N, 28, 28, 1). The codes and the labels
    are checked by ``model.decode``.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    if not check_course_model(model):
        if label is not None:
            raise ValueError(
                f"{type(model).__name__} is not conditional: label must be None"
            )
        return model.decode(z)
    if label is None:
        raise ValueError(
            f"{type(model).__name__} is conditional: pass label=<a class> to decode with"
        )
    if np.ndim(label) == 0:  # one class for every code
        label = np.full(
            as_array(z, "z").shape[:1],
            check_class(label, model.num_classes),
            dtype="int32",
        )
    return model.decode(z, label)
