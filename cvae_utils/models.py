"""The three models of the course: Autoencoder, VAE and CVAE (Keras 3, keras.ops only).

Each model overrides ``compute_loss``, so ``compile(optimizer=...)`` and ``fit`` work as usual
and run on TensorFlow, JAX and PyTorch. Besides ``loss``, the progress bar and ``history``
show ``reconstruction_loss`` (Bernoulli negative log-likelihood summed per image, in nats) and,
for the variational models, ``kl_loss``; with ``beta=1`` they add up: loss = reconstruction + KL.
"""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

from .checks import (check_choice, check_images, check_labels, check_latent, check_nonnegative_float,
                     check_positive_int, check_seed)
from .losses import bernoulli_nll_from_logits, kl_standard_normal
from .networks import ARCHITECTURES, Sampling, build_decoder, build_encoder

PREDICT_BATCH = 1024


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

    ``beta`` weights the KL term (beta = 1 is the ELBO; the KL-weight chapter sweeps it).
    """

    def __init__(self, latent_dim=2, architecture="dense", beta=1.0, seed=None, **kwargs):
        super().__init__(latent_dim, architecture, **kwargs)
        self.beta = check_nonnegative_float(beta, "beta")
        self.seed = check_seed(seed)
        self.encoder = self._build_encoder()
        self.decoder = self._build_decoder()
        self.sampling = Sampling(seed=seed, name="sampling")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        # The encoder and decoder are functional models, so every variable exists already.
        # Marking the model built lets save_weights and BackupAndRestore (which refuse unbuilt
        # models on TensorFlow) work before the first call, without a call that would advance
        # the Sampling layer's random generator.
        self.built = True

    def _build_encoder(self):
        return build_encoder(self.latent_dim, self.architecture)

    def _build_decoder(self):
        return build_decoder(self.latent_dim, self.architecture)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "seed": self.seed}

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
        return reconstruction + self.beta * kl

    def kl_divergence(self, z_mean, z_log_var):
        """KL(q(z|x) || p(z)) per image in nats, in closed form for the prior p(z) = N(0, I)."""
        return kl_standard_normal(z_mean, z_log_var)

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
