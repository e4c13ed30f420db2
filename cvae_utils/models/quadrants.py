"""The models of structured output prediction (chapter 06): a deterministic baseline and the
CVAE of Sohn et al. (2015) that completes a digit from some of its quadrants."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from .._validation import (
    check_choice,
    check_images,
    check_nonnegative_float,
    check_positive_int,
    check_seed,
)
from ..data import _check_num_given, _indices, merge_quadrants, split_quadrants
from ..losses import bernoulli_nll_from_logits, kl_gaussians, log_normal
from ..networks import Sampling, _check_hidden_units, _mlp
from .core import _CourseModel, _in_batches, _repeat

__all__ = ["QuadrantBaseline", "QuadrantCVAE"]


PROPOSALS = ("recognition", "prior")
PRIORS = (
    "learned",
    "standard",
)  # QuadrantCVAE's prior: the network p(z | x_obs), or N(0, I) for every input


class _QuadrantModel(_CourseModel):
    """What both models share: the split of whole images into x_obs and y, input checks, and
    ``negative_elbo``, the metric by which chapter 06 stops every model: an upper bound on
    -log p(y | x_obs) whatever the training objective (exact for the baseline, which has no code).
    """

    _config_names = ("num_given", "hidden_units")

    def __init__(self, num_given=1, hidden_units=(500, 500), **kwargs):
        super().__init__(**kwargs)
        self.negative_elbo_tracker = keras.metrics.Mean(name="negative_elbo")
        self.num_given = _check_num_given(num_given)
        self.hidden_units = _check_hidden_units(hidden_units)
        observed, hidden = _indices(self.num_given)
        self.num_observed, self.num_hidden = len(observed), len(hidden)
        self._observed_idx, self._hidden_idx = observed, hidden

    def _split(self, images):
        flat = ops.reshape(images, (ops.shape(images)[0], -1))
        return ops.take(flat, self._observed_idx, axis=1), ops.take(
            flat, self._hidden_idx, axis=1
        )

    def fit(self, x=None, y=None, **kwargs):
        if isinstance(x, np.ndarray):
            check_images(x, "x")
        if y is not None:
            raise ValueError(
                f"{type(self).__name__}.fit takes whole images only (it splits them into "
                f"observed and hidden pixels itself); got a y as well"
            )
        return super().fit(x, **kwargs)


@keras.saving.register_keras_serializable(package="cvae_utils")
class QuadrantBaseline(_QuadrantModel):
    """Deterministic baseline: x_obs -> Bernoulli logits of the hidden pixels.

    Trained on -log p(y | x_obs) with independent pixels, its best answer is the per-pixel average
    of all plausible completions: one blurry image. It reports that exact -log p(y | x_obs) as
    ``reconstruction_loss`` and as ``negative_elbo`` (the name under which the CVAE reports its bound).

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """

    def __init__(self, num_given=1, hidden_units=(500, 500), **kwargs):
        super().__init__(num_given, hidden_units, **kwargs)
        x_obs = keras.Input((self.num_observed,), name="x_observed")
        logits = layers.Dense(self.num_hidden, name="logits")(
            _mlp([x_obs], self.hidden_units, "baseline")
        )
        self.network = keras.Model(x_obs, logits, name="baseline")
        self.built = True

    def call(self, images, training=False):
        x_obs, _ = self._split(images)
        return self.network(x_obs, training=training)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        _, target = self._split(x)
        nll = ops.mean(bernoulli_nll_from_logits(target, y_pred))
        for tracker in (
            self.reconstruction_tracker,
            self.negative_elbo_tracker,
        ):
            tracker.update_state(nll, sample_weight=ops.shape(x)[0])
        return nll

    def complete(self, images) -> np.ndarray:
        """The baseline's completion: observed pixels kept, hidden ones = predicted probabilities."""
        x_obs, _ = split_quadrants(images, self.num_given)
        probs = _in_batches(
            lambda b: ops.sigmoid(self.network(b, training=False)), x_obs
        )
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
    The progress bar shows ``reconstruction_loss`` and ``kl_loss``, their sum ``negative_elbo`` (the
    CVAE's -ELBO, whatever ``gsnn_weight``: one stopping metric for every variant) and ``gsnn_loss``
    (reconstruction with z from the prior network: what test time looks like).

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """

    def __init__(
        self,
        num_given=1,
        latent_dim=32,
        hidden_units=(500, 500),
        gsnn_weight=0.0,
        prior="learned",
        seed=None,
        **kwargs,
    ):
        super().__init__(num_given, hidden_units, **kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.gsnn_weight = check_nonnegative_float(gsnn_weight, "gsnn_weight")
        if self.gsnn_weight > 1:
            raise ValueError(
                f"gsnn_weight must be in [0, 1] (0: CVAE, 1: GSNN), got {gsnn_weight}"
            )
        if not isinstance(prior, str):
            raise TypeError(
                f"prior must be one of {list(PRIORS)} (a string), got {type(prior).__name__} {prior!r}"
            )
        self.prior_type = check_choice(prior, "prior", PRIORS)
        self.seed = check_seed(seed)
        x_obs = keras.Input((self.num_observed,), name="x_observed")
        y = keras.Input((self.num_hidden,), name="y_hidden")
        z = keras.Input((self.latent_dim,), name="z")
        self.recognition = self._gaussian_net([x_obs, y], "recognition")
        learned = self.prior_type == "learned"
        self.prior = (
            self._gaussian_net([x_obs], "prior")
            if learned
            else self._standard_normal(x_obs)
        )
        logits = layers.Dense(self.num_hidden, name="logits")(
            _mlp([x_obs, z], self.hidden_units, "generation")
        )
        self.generation = keras.Model([x_obs, z], logits, name="generation")
        self.sample_posterior = Sampling(seed=seed, name="sample_posterior")
        self.sample_prior = Sampling(
            seed=None if seed is None else seed + 1, name="sample_prior"
        )
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.gsnn_tracker = keras.metrics.Mean(name="gsnn_loss")
        self.built = True

    def _gaussian_net(self, inputs, name):
        h = _mlp(inputs, self.hidden_units, name)
        outputs = [
            layers.Dense(self.latent_dim, name=f"{name}_mean")(h),
            layers.Dense(self.latent_dim, name=f"{name}_log_var")(h),
        ]
        return keras.Model(inputs, outputs, name=name)

    def _standard_normal(self, x_obs):
        # N(0, I) for every input, as a network with the learned prior's interface: frozen all-zero layers give
        # mean 0 and log-variance 0, so training, completions and negative_cll treat both priors alike
        frozen_zero = dict(
            kernel_initializer="zeros",
            bias_initializer="zeros",
            trainable=False,
        )
        outputs = [
            layers.Dense(self.latent_dim, name="prior_mean", **frozen_zero)(
                x_obs
            ),
            layers.Dense(self.latent_dim, name="prior_log_var", **frozen_zero)(
                x_obs
            ),
        ]
        return keras.Model(x_obs, outputs, name="prior")

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "gsnn_weight": self.gsnn_weight,
            "prior": self.prior_type,
            "seed": self.seed,
        }

    def call(self, images, training=False):
        x_obs, y = self._split(images)
        q_mean, q_log_var = self.recognition([x_obs, y], training=training)
        p_mean, p_log_var = self.prior(x_obs, training=training)
        z_q = self.sample_posterior([q_mean, q_log_var])
        z_p = self.sample_prior([p_mean, p_log_var])
        return {
            "logits": self.generation([x_obs, z_q], training=training),
            "prior_logits": self.generation([x_obs, z_p], training=training),
            "q_mean": q_mean,
            "q_log_var": q_log_var,
            "p_mean": p_mean,
            "p_log_var": p_log_var,
        }

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        _, target = self._split(x)
        reconstruction = ops.mean(
            bernoulli_nll_from_logits(target, y_pred["logits"])
        )
        kl = ops.mean(
            kl_gaussians(
                y_pred["q_mean"],
                y_pred["q_log_var"],
                y_pred["p_mean"],
                y_pred["p_log_var"],
            )
        )
        gsnn = ops.mean(
            bernoulli_nll_from_logits(target, y_pred["prior_logits"])
        )
        batch = ops.shape(x)[0]
        for tracker, value in (
            (self.reconstruction_tracker, reconstruction),
            (self.kl_tracker, kl),
            (self.gsnn_tracker, gsnn),
            (self.negative_elbo_tracker, reconstruction + kl),
        ):
            tracker.update_state(value, sample_weight=batch)
        # both terms are always computed, so every network gets a gradient (zero when its weight is 0)
        return (1.0 - self.gsnn_weight) * (
            reconstruction + kl
        ) + self.gsnn_weight * gsnn

    def log_importance_weights(
        self, x, num_samples, seed_generator, proposal="recognition"
    ):
        """log w_k = log p(y|x_obs,z_k) + log p(z_k|x_obs) - log r(z_k) for ``num_samples`` draws z_k ~ r.

        ``x = [x_obs, y]`` holds B observed and hidden pixel vectors (tensors); the proposal r is the
        recognition network q(z|x_obs,y) (``proposal="recognition"``) or the prior network p(z|x_obs)
        (``"prior"``, where the two density terms cancel). Returns ``(log_w, log_py_z)``, both
        (num_samples, B): the log-weights and their log-likelihood part.
        Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
        """
        check_choice(proposal, "proposal", PROPOSALS)
        x_obs, y = x
        k, b = num_samples, ops.shape(x_obs)[0]
        p_mean, p_log_var = (
            _repeat(t, k) for t in self.prior(x_obs, training=False)
        )
        if proposal == "recognition":
            r_mean, r_log_var = (
                _repeat(t, k)
                for t in self.recognition([x_obs, y], training=False)
            )
        else:
            r_mean, r_log_var = p_mean, p_log_var
        z = r_mean + ops.exp(0.5 * r_log_var) * keras.random.normal(
            ops.shape(r_mean), seed=seed_generator
        )
        log_py_z = -bernoulli_nll_from_logits(
            _repeat(y, k),
            self.generation([_repeat(x_obs, k), z], training=False),
        )
        log_w = log_py_z
        if proposal == "recognition":
            log_w = (
                log_w
                + log_normal(z, p_mean, p_log_var)
                - log_normal(z, r_mean, r_log_var)
            )
        return ops.reshape(log_w, (k, b)), ops.reshape(log_py_z, (k, b))

    def complete(
        self, images, num_samples: int = 1, seed: int | None = None
    ) -> np.ndarray:
        """Sampled completions: z ~ p(z | x_obs), hidden pixels = p(y | x_obs, z) (Bernoulli means).

        Returns (N, num_samples, 28, 28, 1) with the observed pixels kept.
        """
        num_samples = check_positive_int(num_samples, "num_samples")
        seed = check_seed(seed)
        x_obs, _ = split_quadrants(images, self.num_given)
        p_mean, p_log_var = _in_batches(
            lambda b: self.prior(b, training=False), x_obs
        )
        eps = (
            np.random.default_rng(seed)
            .standard_normal((num_samples, *p_mean.shape))
            .astype("float32")
        )
        z = p_mean + np.exp(0.5 * p_log_var) * eps  # (S, N, latent)
        probs = [
            _in_batches(
                lambda bx, bz: ops.sigmoid(
                    self.generation([bx, bz], training=False)
                ),
                x_obs,
                z_s,
            )
            for z_s in z
        ]
        return merge_quadrants(x_obs, np.stack(probs, axis=1), self.num_given)
