"""Structured output prediction (Sohn, Lee & Yan, 2015): complete a digit from some of its quadrants.

The task: a binarized MNIST digit is cut into four 14x14 quadrants; a model sees ``num_given`` of
them (1: bottom-left; 2: the left half; 3: all but the bottom-right, as in the paper and in Pyro's
reproduction) and predicts the pixels of the others. There are many right answers (a bottom-left
stroke can belong to a 2, a 6 or an 8), so a good model outputs a *distribution* over completions.

- :class:`QuadrantBaseline`: a deterministic network x_obs -> one prediction (the "NN" baseline).
- :class:`QuadrantCVAE`: the CVAE of the paper with a **learned conditional prior** p(z | x_obs),
  a recognition network q(z | x_obs, y) and a generation network p(y | x_obs, z). ``gsnn_weight``
  mixes in the GSNN objective (z drawn from the prior network during training, as at test time).
- :func:`negative_cll`: -log p(y | x_obs) in nats per image, exact for the baseline and
  importance-sampled for the CVAE.
- :func:`plot_completions`: inputs, the baseline's output, sampled completions and the truth;
  :func:`plot_cvae_history`: the three terms a :class:`QuadrantCVAE` tracks, per epoch.

Models take whole binarized images (N, 28, 28, 1) and split them themselves, so ``fit(x_train)``
works as for the VAE. Observed pixels x_obs and hidden pixels y are flat vectors.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from .checks import (IMAGE_SHAPE, check_bool, check_choice, check_images, check_nonnegative_float,
                     check_positive_int, check_seed)
from .losses import bernoulli_nll_from_logits, kl_gaussians, log_normal
from .models import _in_batches
from .networks import Sampling

NUM_GIVEN_CHOICES = (1, 2, 3)
PROPOSALS = ("recognition", "prior")


def _check_num_given(num_given):
    if isinstance(num_given, bool) or not isinstance(num_given, (int, np.integer)) \
            or int(num_given) not in NUM_GIVEN_CHOICES:
        raise ValueError(f"num_given must be 1, 2 or 3 (the number of quadrants the model sees), got {num_given!r}")
    return int(num_given)


def quadrant_mask(num_given: int) -> np.ndarray:
    """Boolean (28, 28) mask of the *observed* pixels when ``num_given`` quadrants are given.

    1: bottom-left; 2: left half; 3: everything but the bottom-right quadrant.
    """
    num_given = _check_num_given(num_given)
    h, w = IMAGE_SHAPE[:2]
    observed = np.zeros((h, w), dtype=bool)
    observed[h // 2:, :w // 2] = True
    if num_given >= 2:
        observed[:, :w // 2] = True
    if num_given == 3:
        observed[:h // 2, :] = True
    return observed


def _indices(num_given):
    """Flat pixel indices of the observed and of the hidden pixels."""
    flat = quadrant_mask(num_given).reshape(-1)
    return np.flatnonzero(flat).astype("int32"), np.flatnonzero(~flat).astype("int32")


def split_quadrants(images, num_given: int):
    """Split images (N, 28, 28, 1) into observed pixels x_obs and hidden pixels y, flat NumPy arrays."""
    images = check_images(images, "images")
    observed, hidden = _indices(num_given)
    flat = images.reshape(len(images), -1)
    return flat[:, observed], flat[:, hidden]


def merge_quadrants(observed, hidden, num_given: int) -> np.ndarray:
    """Inverse of :func:`split_quadrants`: images (N, 28, 28, 1) from observed and hidden pixels.

    ``hidden`` may carry extra leading axes, e.g. (N, S, n_hidden) for S sampled completions; the
    result then has shape (N, S, 28, 28, 1) with the observed pixels repeated.
    """
    obs_idx, hid_idx = _indices(num_given)
    observed, hidden = np.asarray(observed, dtype="float32"), np.asarray(hidden, dtype="float32")
    if observed.ndim != 2 or observed.shape[1] != len(obs_idx):
        raise ValueError(f"observed must have shape (N, {len(obs_idx)}) for num_given={num_given}, got {observed.shape}")
    if hidden.shape[0] != observed.shape[0] or hidden.shape[-1] != len(hid_idx):
        raise ValueError(f"hidden must have shape (N, ..., {len(hid_idx)}) with N = {observed.shape[0]}, "
                         f"got {hidden.shape}")
    extra = hidden.shape[1:-1]
    out = np.empty((len(observed), *extra, obs_idx.size + hid_idx.size), dtype="float32")
    out[..., hid_idx] = hidden
    out[..., obs_idx] = observed.reshape(len(observed), *([1] * len(extra)), -1)
    return out.reshape(*out.shape[:-1], *IMAGE_SHAPE)


def _mlp(inputs, hidden_units, name):
    h = layers.Concatenate()(inputs) if len(inputs) > 1 else inputs[0]
    for i, units in enumerate(hidden_units):
        h = layers.Dense(units, activation="relu", name=f"{name}_dense_{i}")(h)
    return h


def _check_hidden_units(hidden_units):
    if not isinstance(hidden_units, (list, tuple)) or not hidden_units:
        raise TypeError(f"hidden_units must be a non-empty list of layer sizes, e.g. (500, 500), got {hidden_units!r}")
    return tuple(check_positive_int(u, "hidden_units[i]") for u in hidden_units)


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

    Loss: (1 - w) * [E_q -log p(y|x_obs,z) + KL(q(z|x_obs,y) || p(z|x_obs))] + w * E_p -log p(y|x_obs,z),
    with w = ``gsnn_weight`` (0: the CVAE; 1: the GSNN; in between: the paper's hybrid objective).
    The progress bar shows ``reconstruction_loss`` and ``kl_loss`` (the CVAE's -ELBO is their sum)
    and ``gsnn_loss`` (reconstruction with z from the prior network: what test time looks like).
    """

    def __init__(self, num_given=1, latent_dim=32, hidden_units=(500, 500), gsnn_weight=0.0, seed=None, **kwargs):
        super().__init__(num_given, hidden_units, **kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.gsnn_weight = check_nonnegative_float(gsnn_weight, "gsnn_weight")
        if self.gsnn_weight > 1:
            raise ValueError(f"gsnn_weight must be in [0, 1] (0: CVAE, 1: GSNN), got {gsnn_weight}")
        self.seed = check_seed(seed)
        x_obs = keras.Input((self.num_observed,), name="x_observed")
        y = keras.Input((self.num_hidden,), name="y_hidden")
        z = keras.Input((self.latent_dim,), name="z")
        self.recognition = self._gaussian_net([x_obs, y], "recognition")
        self.prior = self._gaussian_net([x_obs], "prior")
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

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "gsnn_weight": self.gsnn_weight,
                "seed": self.seed}

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


def negative_cll(model, images, num_samples: int = 100, proposal: str = "recognition", batch_size: int = 256,
                 seed: int = 0, per_image: bool = False):
    """Negative conditional log-likelihood -log p(y | x_obs) of the hidden pixels, in nats per image.

    - :class:`QuadrantBaseline`: exact (its prediction is a product of independent Bernoullis).
    - :class:`QuadrantCVAE`: importance-sampled with ``num_samples`` draws per image,
      -log (1/K) sum_k p(y | x_obs, z_k) p(z_k | x_obs) / r(z_k), where the proposal r is the
      recognition network q(z | x_obs, y) (``proposal="recognition"``, as in the paper) or the prior
      network p(z | x_obs) (``"prior"``: plain Monte Carlo, which needs many more samples).
    Both are upper bounds on the true value in expectation that tighten as ``num_samples`` grows.
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


def plot_completions(images, baseline, cvae, n: int = 6, num_samples: int = 6, seed: int | None = 0,
                     name: str = "CVAE"):
    """One row per test image: the input (hidden quadrants grey), the baseline's single prediction,
    ``num_samples`` completions sampled from the CVAE (columns titled ``name``), and the true digit.
    Returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(baseline, QuadrantBaseline) or not isinstance(cvae, QuadrantCVAE):
        raise TypeError(f"plot_completions(images, baseline, cvae) needs a QuadrantBaseline and a QuadrantCVAE, "
                        f"got {type(baseline).__name__} and {type(cvae).__name__}")
    if baseline.num_given != cvae.num_given:
        raise ValueError(f"baseline sees {baseline.num_given} quadrant(s) but cvae sees {cvae.num_given}")
    n, num_samples = check_positive_int(n, "n"), check_positive_int(num_samples, "num_samples")
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    images = check_images(images, "images")[:n]
    n = len(images)
    observed = quadrant_mask(cvae.num_given)
    shown_input = np.where(observed[None, :, :, None], images, 0.5)
    columns = [shown_input, baseline.complete(images)]
    columns += list(np.moveaxis(cvae.complete(images, num_samples, seed=seed), 1, 0))
    columns.append(images)
    titles = ["input", "NN"] + [f"{name} {i + 1}" for i in range(num_samples)] + ["truth"]
    fig, axes = plt.subplots(n, len(columns), figsize=(1.1 * len(columns), 1.1 * n + 0.3), squeeze=False)
    boundary = _boundary_segments(observed)
    for col, (imgs, title) in enumerate(zip(columns, titles)):
        for row in range(n):
            ax = axes[row, col]
            ax.imshow(imgs[row, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
            if 0 < col < len(columns) - 1:  # mark where the observed part ends
                for xs, ys in boundary:
                    ax.plot(xs, ys, color="tab:red", lw=0.8)
        axes[0, col].set_title(title, fontsize=8)
    given = f"{cvae.num_given} quadrant{'s' if cvae.num_given > 1 else ''} given"
    fig.suptitle(f"{given}: the NN's one guess vs. samples from the {name}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_cvae_history(history, title: str = "Training a QuadrantCVAE"):
    """Three panels per epoch (train and validation): the reconstruction with z ~ q(z|x_obs,y), the KL
    to the learned prior, and the GSNN term (reconstruction with z ~ p(z|x_obs)). Returns the figure."""
    import matplotlib.pyplot as plt

    hist = getattr(history, "history", history)
    keys = ("reconstruction_loss", "kl_loss", "gsnn_loss")
    if not isinstance(hist, dict) or not all(k in hist and len(hist[k]) for k in keys):
        raise ValueError(f"history must be the History of QuadrantCVAE.fit (with {', '.join(keys)}), "
                         f"got {sorted(hist) if isinstance(hist, dict) else type(history).__name__}")
    titles = ("−log p(y | x, z),  z ~ q(z | x, y)", "KL(q(z | x, y) ‖ p(z | x))", "−log p(y | x, z),  z ~ p(z | x)")
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    for ax, key, panel_title in zip(axes, keys, titles):
        epochs = np.arange(1, len(hist[key]) + 1)
        ax.plot(epochs, hist[key], marker="o", ms=3, label="train")
        if "val_" + key in hist:
            ax.plot(epochs, hist["val_" + key], marker="o", ms=3, label="validation")
        ax.set(xlabel="epoch", ylabel="nats per image", title=panel_title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _boundary_segments(observed):
    """Line segments (xs, ys) in pixel coordinates between observed and hidden quadrants."""
    segments = []
    for start in (0, 14):
        if observed[13, start] != observed[14, start]:  # horizontal border at y = 13.5
            segments.append(((start - 0.5, start + 13.5), (13.5, 13.5)))
        if observed[start, 13] != observed[start, 14]:  # vertical border at x = 13.5
            segments.append(((13.5, 13.5), (start - 0.5, start + 13.5)))
    return segments
