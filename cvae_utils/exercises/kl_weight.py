"""Chapter "The KL weight and posterior collapse": analysis helpers and exercise self-checks.

Helpers the chapter uses:

- :func:`latent_activity`: the activity of each latent dimension, Var_x[E_q[z_i | x]], i.e. how much
  the posterior mean of dimension i varies across the data (Burda et al., 2016).
- :func:`active_units`: the number of dimensions whose activity exceeds a threshold (0.01).
- :func:`plot_rate_distortion`: one annotated point (rate, distortion) per KL weight beta.
- :func:`plot_active_units`: active units per beta and every dimension's activity.
- :func:`plot_image_rows`: one row of images per setting (e.g. per beta), labelled on the left.

Self-checks (each prints "✓ ..." when a learner's function is right, raises AssertionError otherwise):

- :func:`check_beta_loss`: the beta-weighted objective reconstruction + beta * KL.
- :func:`check_kl_per_dimension`: the KL of each latent dimension, averaged over the data.
- :func:`check_implicit_beta`: the KL weight hidden in a loss that averages the reconstruction over pixels.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..checks import as_array, check_nonnegative_float
from . import close, report, require_callable as _require_callable

__all__ = [
    "ACTIVITY_THRESHOLD", "latent_activity", "active_units", "plot_rate_distortion", "plot_active_units",
    "plot_image_rows",
    "check_beta_loss", "check_kl_per_dimension", "check_implicit_beta",
]

#: Burda et al. (2016) call a latent dimension active when Var_x[E_q[z_i]] exceeds 0.01.
ACTIVITY_THRESHOLD = 0.01


# ----------------------------------------------------------------------------------------------
# Helpers used in the chapter
# ----------------------------------------------------------------------------------------------

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
    """
    return _latent_matrix(z_mean, "z_mean").var(axis=0)


def active_units(z_mean, threshold: float = ACTIVITY_THRESHOLD) -> int:
    """The number of latent dimensions with ``latent_activity(z_mean) > threshold`` (default 0.01)."""
    threshold = check_nonnegative_float(threshold, "threshold")
    return int(np.sum(latent_activity(z_mean) > threshold))


def _beta_labels(betas, n: int) -> list[str]:
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
        raise TypeError(f"betas must be a list of numbers, got {type(betas).__name__}")
    if len(betas) != n:
        raise ValueError(f"betas must have one entry per point/row ({n}), got {len(betas)}")
    labels = []
    for b in betas:
        if isinstance(b, bool) or not isinstance(b, numbers.Real):
            raise TypeError(f"betas must hold numbers, got {b!r}")
        labels.append(f"β={float(b):g}")
    return labels


def plot_rate_distortion(rates, distortions, betas, title: str = "Rate–distortion plane of the β sweep",
                         ax=None, xscale: str = "linear"):
    """Scatter of (rate = KL, distortion = reconstruction) in nats, one annotated point per beta.

    A dashed line of constant rate + distortion (= -ELBO) passes through the point with the smallest
    -ELBO; every point on that line has the same ELBO. ``xscale="symlog"`` draws the rate axis
    linearly below 1 nat and logarithmically above, so a very large rate (beta = 0) fits on the
    same plot as rates near 0. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if xscale not in ("linear", "symlog"):
        raise ValueError(f"xscale must be 'linear' or 'symlog', got {xscale!r}")
    r = as_array(rates, "rates").astype("float64")
    d = as_array(distortions, "distortions").astype("float64")
    if r.ndim != 1 or d.shape != r.shape or len(r) == 0:
        raise ValueError(f"rates and distortions must be 1-D with the same length, got shapes {r.shape} and {d.shape}")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(d))):
        raise ValueError("rates and distortions must be finite")
    if r.min() < -1e-6:
        raise ValueError(f"rates are KL divergences and cannot be negative, got {r.min():g}")
    labels = _beta_labels(betas, len(r))
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 5))
    ax.plot(r, d, color="0.7", lw=1, zorder=1)
    ax.scatter(r, d, c=np.arange(len(r)), cmap="viridis", s=40, zorder=2)
    for ri, di, label in zip(r, d, labels):
        ax.annotate(label, (ri, di), textcoords="offset points", xytext=(6, 4), fontsize=9)
    best = int(np.argmin(r + d))
    total = r[best] + d[best]
    line_r = np.linspace(0.0, total, 2000)
    pad_d = 0.08 * (d.max() - d.min() + 1.0)
    ax.plot(line_r, total - line_r, ls="--", color="tab:red", lw=1,
            label=f"rate + distortion = {total:.1f} nats (smallest −ELBO, {labels[best]})")
    ax.set_ylim(d.min() - pad_d, d.max() + pad_d)
    if xscale == "symlog":
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(-0.1, r.max() * 3)
    else:
        pad_r = 0.08 * (r.max() - r.min() + 1.0)
        ax.set_xlim(min(0.0, r.min()) - pad_r, r.max() + 3 * pad_r)
    ax.set_xlabel("rate R = KL(q(z|x) ‖ p(z))  [nats per image]" + ("  (symlog scale)" if xscale == "symlog" else ""))
    ax.set_ylabel("distortion D = −log p(x|z)  [nats per image]")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    fig = fig or ax.figure
    fig.tight_layout()
    return fig


def plot_active_units(activities, betas, threshold: float = ACTIVITY_THRESHOLD,
                      title: str = "Which latent dimensions carry information?"):
    """Two panels: the number of active units per beta, and each model's activities sorted.

    ``activities`` is a list with one array of shape (d,) per beta (from :func:`latent_activity`).
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    threshold = check_nonnegative_float(threshold, "threshold")
    if isinstance(activities, np.ndarray) and activities.ndim == 2:
        activities = list(activities)
    if not isinstance(activities, (list, tuple)) or not activities:
        raise TypeError("activities must be a non-empty list of arrays, one per beta")
    acts = []
    for i, a in enumerate(activities):
        arr = as_array(a, f"activities[{i}]").astype("float64")
        if arr.ndim != 1 or len(arr) == 0:
            raise ValueError(f"activities[{i}] must have shape (latent_dim,), got {arr.shape}")
        if not np.all(np.isfinite(arr)) or arr.min() < 0:
            raise ValueError(f"activities[{i}] must hold finite variances >= 0")
        acts.append(arr)
    labels = _beta_labels(betas, len(acts))
    counts = [int(np.sum(a > threshold)) for a in acts]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    positions = np.arange(len(acts))
    left.bar(positions, counts, color=plt.get_cmap("viridis")(np.linspace(0, 1, len(acts))))
    for p, c in zip(positions, counts):
        left.text(p, c, str(c), ha="center", va="bottom", fontsize=9)
    left.set_xticks(positions)
    left.set_xticklabels(labels, rotation=30)
    left.set_ylabel(f"active units (activity > {threshold:g})")
    left.set_ylim(0, max(len(a) for a in acts) * 1.12)
    left.set_title("Active units per β")
    cmap = plt.get_cmap("viridis")
    floor = 1e-6  # a fully collapsed unit has activity ~0; draw it at the bottom of the log axis
    for i, (a, label) in enumerate(zip(acts, labels)):
        ranks = np.arange(1, len(a) + 1)
        right.plot(ranks, np.maximum(np.sort(a)[::-1], floor), marker="o", ms=3,
                   color=cmap(i / max(1, len(acts) - 1)), label=label)
    right.axhline(threshold, ls="--", color="tab:red", lw=1, label=f"threshold {threshold:g}")
    right.set_yscale("log")
    right.set_xlabel("latent dimension, sorted by activity")
    right.set_ylabel("activity Var$_x$[E$_q$[$z_i$]]")
    right.set_title("Activity of every dimension")
    right.legend(fontsize=7, ncol=2)
    right.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_image_rows(rows, row_labels, title: str | None = None, cell_size: float = 0.9):
    """One row of images per entry of ``rows`` (each (n, 28, 28[, 1]) in [0, 1]), labelled on the left.

    All rows must hold the same number of images. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if isinstance(rows, np.ndarray) and rows.ndim >= 3:
        rows = list(rows)
    if not isinstance(rows, (list, tuple)) or not rows:
        raise TypeError("rows must be a non-empty list of image batches, one per row")
    stacks = []
    for i, images in enumerate(rows):
        arr = as_array(images, f"rows[{i}]").astype("float32")
        if arr.ndim == 4 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim != 3:
            raise ValueError(f"rows[{i}] must have shape (n, H, W) or (n, H, W, 1), got {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            raise ValueError(f"rows[{i}] must hold pixel values in [0, 1]")
        stacks.append(arr)
    n = len(stacks[0])
    if n == 0 or any(len(s) != n for s in stacks):
        raise ValueError(f"every row must hold the same, non-zero number of images; got {[len(s) for s in stacks]}")
    if isinstance(row_labels, (str, bytes)) or not hasattr(row_labels, "__len__"):
        raise TypeError(f"row_labels must be a list with one label per row, got {type(row_labels).__name__}")
    if len(row_labels) != len(stacks):
        raise ValueError(f"row_labels must have one entry per row ({len(stacks)}), got {len(row_labels)}")
    cell_size = float(cell_size)
    fig, axes = plt.subplots(len(stacks), n, figsize=(cell_size * n + 0.9, cell_size * len(stacks) + 0.5),
                             squeeze=False)
    for r, stack in enumerate(stacks):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(stack[c], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(str(row_labels[r]), rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Exercise self-checks
# ----------------------------------------------------------------------------------------------

def _as_float_array(value, name: str) -> np.ndarray:
    if value is None:
        report(name, False, "your function returned None - did you forget `return`?")
    if isinstance(value, (tuple, list, dict)) and not all(isinstance(v, numbers.Real) for v in value):
        report(name, False, f"your function returned a {type(value).__name__}; return one number or array")
    try:
        import keras

        if keras.ops.is_tensor(value):
            value = keras.ops.convert_to_numpy(value)
        return np.asarray(value, dtype="float64")
    except (TypeError, ValueError) as exc:
        report(name, False, f"could not read your result as numbers ({exc})")


def _fmt(a, decimals=3):
    return np.array2string(np.round(np.asarray(a, "float64"), decimals), separator=", ")


# -- exercise 1: the beta-weighted objective ---------------------------------------------------

def check_beta_loss(beta_loss) -> bool:
    """Check ``beta_loss(reconstruction, kl, beta)``: the objective reconstruction + beta * KL.

    ``reconstruction`` and ``kl`` are per-image values in nats (arrays of shape (N,)); ``beta`` is a
    number >= 0. The answer has shape (N,). Tried with beta = 0, 0.5, 1 and 8.
    """
    name = "beta_loss"
    _require_callable(beta_loss, "check_beta_loss(beta_loss)")
    reconstruction = np.array([150.0, 92.5, 201.0, 130.0], dtype="float32")
    kl = np.array([5.0, 25.0, 0.0, 12.5], dtype="float32")
    rec64, kl64 = reconstruction.astype("float64"), kl.astype("float64")
    for beta in (0.0, 0.5, 1.0, 8.0):
        got = _as_float_array(beta_loss(reconstruction, kl, beta), name)
        expected = rec64 + beta * kl64
        if got.shape == ():
            report(name, False, f"with beta={beta:g} you returned one number ({float(got):.3f}); return one "
                                f"value per image, shape {expected.shape} - the model averages over the batch")
        if got.shape != expected.shape:
            report(name, False, f"with beta={beta:g} expected shape {expected.shape}, got {got.shape}")
        if close(got, expected, atol=1e-3):
            continue
        hint = ""
        if close(got, rec64 + kl64, atol=1e-3):
            hint = " You ignored beta: it multiplies the KL."
        elif close(got, beta * rec64 + kl64, atol=1e-3):
            hint = " beta multiplies the reconstruction in your answer; it weights the KL."
        elif close(got, beta * (rec64 + kl64), atol=1e-3):
            hint = " beta multiplies both terms; it weights only the KL."
        elif close(got, rec64 - beta * kl64, atol=1e-3):
            hint = " The KL is added, not subtracted: the objective is -ELBO-like, to be minimised."
        report(name, False, f"with beta={beta:g}, reconstruction={_fmt(reconstruction, 1)} and kl={_fmt(kl, 1)} "
                            f"expected {_fmt(expected, 2)}, got {_fmt(got, 2)}.{hint}")
    return report(name, True, "reconstruction + beta * KL for beta = 0, 0.5, 1 and 8")


# -- exercise 2: KL per latent dimension -------------------------------------------------------

def _kl_per_dimension_reference(z_mean, z_log_var):
    m, lv = np.asarray(z_mean, "float64"), np.asarray(z_log_var, "float64")
    return (0.5 * (np.exp(lv) + m ** 2 - 1.0 - lv)).mean(axis=0)


def check_kl_per_dimension(kl_per_dimension) -> bool:
    """Check ``kl_per_dimension(z_mean, z_log_var)``: for each latent dimension j, the closed-form
    KL( N(mu_j, sigma_j^2) || N(0, 1) ) averaged over the N images; shape (d,).

    The test posteriors have one collapsed dimension (mean 0, log-variance 0 for every image: KL 0),
    so the sum over dimensions, a missing average over images and a forgotten factor 1/2 are caught.
    """
    name = "kl_per_dimension"
    _require_callable(kl_per_dimension, "check_kl_per_dimension(kl_per_dimension)")
    z_mean = np.array([[1.0, 0.0, -0.5], [-2.0, 0.0, 0.3], [0.5, 0.0, 0.1], [0.0, 0.0, -1.2]], dtype="float32")
    z_log_var = np.array([[-2.0, 0.0, -0.5], [-3.0, 0.0, 0.2], [-1.0, 0.0, -0.1], [-2.5, 0.0, 0.4]],
                         dtype="float32")
    expected = _kl_per_dimension_reference(z_mean, z_log_var)
    got = _as_float_array(kl_per_dimension(z_mean, z_log_var), name)
    n, d = z_mean.shape
    if got.shape == (n,):
        report(name, False, f"expected one value per latent dimension, shape ({d},), got shape {got.shape}: "
                            f"you summed over the dimensions (axis=-1) - average over the images (axis=0) instead")
    if got.shape == (n, d):
        report(name, False, f"expected shape ({d},), got {got.shape}: average the per-image values over the "
                            f"images (axis=0)")
    if got.shape != expected.shape:
        report(name, False, f"expected shape {expected.shape}, got {got.shape}")
    if close(got, expected, atol=1e-4):
        return report(name, True, f"per-dimension KL {_fmt(expected)} nats; the collapsed dimension 2 has KL 0")
    hint = ""
    if close(got, n * expected, atol=1e-3):
        hint = " Your values are N times too large: average over the images, do not sum."
    elif close(got, 2 * expected, atol=1e-3):
        hint = " Your values are twice too large: the closed form has a factor 1/2."
    elif abs(got[1]) > 1e-4:
        hint = " Dimension 2 has mean 0 and log-variance 0 for every image (q = p), so its KL must be 0."
    report(name, False, f"expected {_fmt(expected)}, got {_fmt(got)}.{hint}")


# -- exercise 3: the implicit beta of a pixel-averaged loss -------------------------------------

_IMPLICIT_BETA_CASES = (
    ((28, 28, 1), 16, False),
    ((28, 28, 1), 16, True),
    ((32, 32, 3), 128, False),
    ((64, 64, 3), 32, True),
    ((28, 28), 2, False),
)


def _implicit_beta_reference(image_shape, latent_dim, kl_averaged):
    pixels = int(np.prod(image_shape))
    return pixels / latent_dim if kl_averaged else float(pixels)


def check_implicit_beta(implicit_beta) -> bool:
    """Check ``implicit_beta(image_shape, latent_dim, kl_averaged)``.

    The loss in question is mean_over_values(pixel NLL) + KL, where the mean runs over every value
    of an image of shape ``image_shape`` (height, width[, channels]) and the KL is summed over the
    ``latent_dim`` dimensions - or averaged over them when ``kl_averaged`` is True. The answer is the
    beta for which this loss is proportional to sum_over_values(pixel NLL) + beta * (summed KL).
    """
    name = "implicit_beta"
    _require_callable(implicit_beta, "check_implicit_beta(implicit_beta)")
    for shape, latent_dim, kl_averaged in _IMPLICIT_BETA_CASES:
        expected = _implicit_beta_reference(shape, latent_dim, kl_averaged)
        got = _as_float_array(implicit_beta(shape, latent_dim, kl_averaged), name)
        if got.shape != ():
            report(name, False, f"return one number, got shape {got.shape}")
        got = float(got)
        if np.isclose(got, expected, rtol=1e-6):
            continue
        case = f"image_shape={shape}, latent_dim={latent_dim}, kl_averaged={kl_averaged}"
        pixels = int(np.prod(shape))
        hint = ""
        if np.isclose(got, 1.0 / expected, rtol=1e-6):
            hint = " You returned 1/beta: multiply the whole loss by the number of pixel values to get a sum."
        elif len(shape) == 3 and np.isclose(got, _implicit_beta_reference(shape[:2], latent_dim, kl_averaged)):
            hint = " The mean runs over every value, channels included: use the product of the whole shape."
        elif kl_averaged and np.isclose(got, float(pixels)):
            hint = " The KL is averaged over the latent dimensions too, which divides its weight by latent_dim."
        elif kl_averaged and np.isclose(got, float(pixels * latent_dim)):
            hint = " Averaging the KL over latent_dim makes it smaller: divide by latent_dim, do not multiply."
        report(name, False, f"for {case} expected {expected:g}, got {got:g}.{hint}")
    return report(name, True, "784 for 28x28 MNIST; 3,072 for 32x32x3 colour images; divided by the latent "
                              "size when the KL is averaged too")
