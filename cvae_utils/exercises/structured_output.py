"""Self-checks for the exercises of the chapter "Structured output prediction".

- :func:`check_kl_gaussians`: KL(q || p) between two diagonal Gaussians, the KL term of a CVAE
  whose prior p(z | x_obs) is learned instead of fixed to N(0, I).
- :func:`check_log_weights`: the log importance weights log p(y|x,z) + log p(z|x) - log q(z|x,y)
  behind the negative conditional log-likelihood table.
- :func:`check_completion_diversity`: how much sampled completions differ, in the hidden pixels only.

Each calls the learner's NumPy (or keras.ops) function on known inputs and compares it with a
reference, printing ``✓ ...`` or raising AssertionError that names the likely mistake.
"""

from __future__ import annotations

import numpy as np

from ..data import quadrant_mask
from . import as_numpy_result as _as_numpy
from . import close, report
from . import require_callable as _require_callable

_LOG_2PI = np.log(2 * np.pi)


# -- exercise 1: KL between two diagonal Gaussians -----------------------------------------------


def kl_gaussians_reference(mean_q, log_var_q, mean_p, log_var_p):
    """KL(N(mean_q, e^log_var_q) || N(mean_p, e^log_var_p)) summed over the last axis."""
    return 0.5 * np.sum(
        log_var_p
        - log_var_q
        + (np.exp(log_var_q) + (mean_q - mean_p) ** 2) / np.exp(log_var_p)
        - 1.0,
        axis=-1,
    )


def _gaussian_pairs(seed=0, n=5, d=3):
    rng = np.random.default_rng(seed)
    return tuple(
        rng.normal(scale=s, size=(n, d)) for s in (1.0, 0.7, 1.0, 0.7)
    )


def check_kl_gaussians(kl_fn) -> None:
    """Check ``kl_fn(mean_q, log_var_q, mean_p, log_var_p)`` -> one KL per row, shape (N,)."""
    _require_callable(kl_fn, "check_kl_gaussians(kl_gaussians)")
    name = "KL between two diagonal Gaussians"
    args = _gaussian_pairs()
    got = _as_numpy(kl_fn(*args), name, "one KL value per row, shape (N,)")
    expected = kl_gaussians_reference(*args)
    if got.shape == args[0].shape:
        report(
            name,
            False,
            f"your result has shape {got.shape}, one value per latent dimension: sum over the "
            f"last axis to get one KL per row, shape {expected.shape}",
        )
    if got.shape != expected.shape:
        report(
            name,
            False,
            f"expected shape {expected.shape} (one KL per row), got {got.shape}",
        )
    if close(got, kl_gaussians_reference(args[2], args[3], args[0], args[1])):
        report(
            name,
            False,
            "you computed KL(p || q): the KL divergence is not symmetric; the first "
            "distribution (q, the recognition network's) is the one the expectation is over",
        )
    if close(
        got, kl_gaussians_reference(args[0], args[1], 0 * args[2], 0 * args[3])
    ):
        report(
            name,
            False,
            "this is KL(q || N(0, I)): the prior here is the learned N(mean_p, exp(log_var_p))",
        )
    if close(got, 2 * expected):
        report(
            name,
            False,
            "twice the right value: the closed form has a factor 1/2 in front",
        )
    if close(got, expected / args[0].shape[-1]):
        report(
            name,
            False,
            "you averaged over the latent dimensions: sum them (the KLs of independent "
            "dimensions add up)",
        )
    mq, lq, mp, lp = args
    std_as_variance = 0.5 * np.sum(
        lp - lq + (np.exp(0.5 * lq) + (mq - mp) ** 2) / np.exp(0.5 * lp) - 1.0,
        axis=-1,
    )
    if close(got, std_as_variance) or close(
        got, kl_gaussians_reference(mq, 2 * lq, mp, 2 * lp)
    ):
        report(
            name,
            False,
            "the inputs are log-variances, log sigma^2: the variances are exp(log_var), "
            "not exp(log_var / 2) (the standard deviations) or exp(2 * log_var)",
        )
    if not close(got, expected):
        report(
            name,
            False,
            f"expected {np.round(expected, 4)}, got {np.round(got, 4)}; compare each term with "
            "1/2 sum[log σp² - log σq² + (σq² + (μq - μp)²) / σp² - 1]",
        )
    same = kl_fn(args[0], args[1], args[0], args[1])
    if not close(_as_numpy(same, name), np.zeros(len(args[0])), atol=1e-6):
        report(name, False, "KL(q || q) must be 0")
    report(
        name,
        True,
        f"e.g. first row {expected[0]:.4f} nats, and KL(q || q) = 0",
    )


# -- exercise 2: log importance weights ---------------------------------------------------------


def _log_normal(z, mean, log_var):
    return -0.5 * np.sum(
        _LOG_2PI + log_var + (z - mean) ** 2 / np.exp(log_var), axis=-1
    )


def log_weights_reference(
    log_likelihood, z, prior_mean, prior_log_var, q_mean, q_log_var
):
    """log p(y|x,z_k) + log p(z_k|x) - log q(z_k|x,y); z has shape (K, N, d), the rest broadcast."""
    return (
        log_likelihood
        + _log_normal(z, prior_mean, prior_log_var)
        - _log_normal(z, q_mean, q_log_var)
    )


def check_log_weights(log_weights_fn) -> None:
    """Check ``log_weights_fn(log_likelihood, z, prior_mean, prior_log_var, q_mean, q_log_var)`` -> (K, N)."""
    _require_callable(log_weights_fn, "check_log_weights(log_weights)")
    name = "log importance weights"
    rng = np.random.default_rng(1)
    k, n, d = 4, 3, 2
    q_mean, q_log_var, p_mean, p_log_var = _gaussian_pairs(seed=2, n=n, d=d)
    z = q_mean + np.exp(0.5 * q_log_var) * rng.standard_normal((k, n, d))
    log_lik = -rng.uniform(20, 60, size=(k, n))
    got = _as_numpy(
        log_weights_fn(log_lik, z, p_mean, p_log_var, q_mean, q_log_var),
        name,
        "an array (K, N)",
    )
    expected = log_weights_reference(
        log_lik, z, p_mean, p_log_var, q_mean, q_log_var
    )
    if got.shape != expected.shape:
        report(
            name,
            False,
            f"expected shape {expected.shape} (K samples x N images), got {got.shape}; "
            "sum the log-densities over the latent axis only",
        )
    if close(
        got,
        log_lik
        - _log_normal(z, p_mean, p_log_var)
        + _log_normal(z, q_mean, q_log_var),
    ):
        report(
            name,
            False,
            "the signs of the two log-densities are swapped: the weight is p(z|x) / q(z|x,y)",
        )
    if close(
        got,
        log_weights_reference(
            log_lik, z, 0 * p_mean, 0 * p_log_var, q_mean, q_log_var
        ),
    ):
        report(
            name,
            False,
            "you used N(0, I) as the prior: here it is the prior network's N(prior_mean, "
            "exp(prior_log_var))",
        )
    if close(got, log_lik):
        report(
            name,
            False,
            "these are just the log-likelihoods: add log p(z|x) and subtract log q(z|x,y)",
        )
    if close(got, expected + 0.5 * d * _LOG_2PI) or close(
        got, expected - 0.5 * d * _LOG_2PI
    ):
        report(
            name,
            False,
            "the log 2π terms do not cancel in your answer: keep them in both log-densities "
            "or leave them out of both",
        )
    if close(
        got,
        log_lik
        + _log_normal(z, p_mean, 0.5 * p_log_var)
        - _log_normal(z, q_mean, 0.5 * q_log_var),
    ):
        report(
            name,
            False,
            "the inputs are log-variances: the Gaussian density needs the variance exp(log_var), "
            "not the standard deviation exp(log_var / 2)",
        )
    if not close(got, expected):
        report(
            name,
            False,
            f"expected {np.round(expected[0], 3)} in the first row, got {np.round(got[0], 3)}",
        )
    report(
        name,
        True,
        "(the log 2π terms of the two densities cancel, so leaving both out is fine too)",
    )


# -- exercise 3: diversity of completions --------------------------------------------------------


def completion_diversity_reference(samples, num_given):
    """Mean over images and hidden pixels of the standard deviation across the S completions."""
    hidden = ~quadrant_mask(num_given)
    return float(np.std(samples[:, :, hidden, 0], axis=1).mean())


def check_completion_diversity(diversity_fn) -> None:
    """Check ``diversity_fn(samples, num_given)`` with samples of shape (N, S, 28, 28, 1) -> a number."""
    _require_callable(
        diversity_fn, "check_completion_diversity(completion_diversity)"
    )
    name = "diversity of completions"
    rng = np.random.default_rng(3)
    samples = rng.random((4, 5, 28, 28, 1))
    samples[:, :, quadrant_mask(1)] = samples[
        :, :1, quadrant_mask(1)
    ]  # observed pixels agree, like real completions
    got = _as_numpy(diversity_fn(samples, 1), name, "a single number")
    expected = completion_diversity_reference(samples, 1)
    if got.size != 1:
        report(
            name,
            False,
            f"return one number (the average), got an array of shape {got.shape}",
        )
    got = float(got.reshape(()))
    everywhere = float(np.std(samples[..., 0], axis=1).mean())
    if np.isclose(got, everywhere):
        report(
            name,
            False,
            "you averaged over all pixels: the observed ones never change, so only the hidden "
            "pixels (~quadrant_mask(num_given)) should count",
        )
    if np.isclose(
        got, float(np.std(samples[:, :, ~quadrant_mask(1), 0], axis=0).mean())
    ):
        report(
            name,
            False,
            "you took the spread across images (axis 0); take it across the samples of each image",
        )
    if np.isclose(
        got,
        float(
            np.std(samples[:, :, ~quadrant_mask(1), 0], axis=1, ddof=1).mean()
        ),
        rtol=1e-4,
    ):
        report(
            name,
            False,
            f"you used ddof=1 (the unbiased sample standard deviation): {got:.4f} instead of "
            f"{expected:.4f}. The diversity is the spread of these S completions themselves, "
            f"np.std's default ddof=0, so that it does not grow with fewer samples",
        )
    if not np.isclose(got, expected, rtol=1e-4):
        report(name, False, f"expected {expected:.4f}, got {got:.4f}")
    identical = np.repeat(samples[:, :1], 5, axis=1)
    if not np.isclose(
        float(_as_numpy(diversity_fn(identical, 1), name)), 0.0, atol=1e-9
    ):
        report(name, False, "S identical completions must have diversity 0")
    report(name, True, "a deterministic model scores exactly 0")
