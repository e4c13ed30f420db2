"""Chapter "Grey-level images: likelihoods that fit": the exercise's self-check.

- :func:`check_cb_log_normalizer`: the log normalising constant log C(lambda) of the continuous
  Bernoulli, which makes lambda^x (1 - lambda)^(1 - x) a density on [0, 1]. The check rejects the
  formula that returns NaN at lambda = 0.5, a wrong sign, a missing factor 2, logarithms of
  negative numbers for lambda > 0.5, logarithms to base 2 and C instead of log C.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import as_numpy_result, close, report, require_callable

__all__ = ["check_cb_log_normalizer"]

# lambda = 0.5 exactly, very close to it on both sides, moderate values and values near 0 and 1
TEST_LAMBDAS = np.array(
    [
        0.5,
        0.5 - 1e-7,
        0.5 + 1e-7,
        0.5 - 1e-3,
        0.5 + 1e-3,
        0.3,
        0.7,
        0.1,
        0.9,
        1e-4,
        1 - 1e-4,
    ],
    dtype="float64",
)


def _reference_log_normalizer(lam) -> np.ndarray:
    """log C(lambda) = log(2 artanh(1 - 2 lambda) / (1 - 2 lambda)) in float64, with its Taylor
    series log 2 + t^2/3 + 13 t^4/90 (t = 1 - 2 lambda) where the closed form is 0/0."""
    lam = np.asarray(lam, dtype="float64")
    t = 1.0 - 2.0 * lam
    small = np.abs(t) < 1e-4
    safe = np.where(small, 0.5, t)
    closed = np.log(2.0 * np.arctanh(safe) / safe)
    series = math.log(2.0) + t**2 / 3.0 + 13.0 * t**4 / 90.0
    return np.where(small, series, closed)


def _call(fn, lam, name):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return as_numpy_result(fn(lam.copy()), name)


def check_cb_log_normalizer(fn) -> None:
    """Check ``fn(lam)``: log C(lambda) elementwise for a NumPy array of lambda in (0, 1), in nats, where
    C(lambda) = 2 artanh(1 - 2 lambda) / (1 - 2 lambda) and C(1/2) = 2 (the limit).

    Tests lambda = 0.5 exactly and within 1e-7 of it, moderate values and values 1e-4 from 0 and 1,
    in float64 and float32 (tolerance 1e-4), and names the likely mistake when an answer is wrong.
    """
    name = "cb_log_normalizer"
    require_callable(fn, "check_cb_log_normalizer(cb_log_normalizer)")
    expected = _reference_log_normalizer(TEST_LAMBDAS)
    got = _call(fn, TEST_LAMBDAS, name)
    if got.shape != expected.shape:
        return report(
            name,
            False,
            f"expected one value per lambda, shape {expected.shape}; got shape {got.shape}",
        )
    finite = np.isfinite(got)
    at_half = np.abs(TEST_LAMBDAS - 0.5) < 1e-6
    if not finite[at_half].all():
        return report(
            name,
            False,
            f"lambda = 0.5 (or within 1e-7 of it) gave {got[at_half]}: the formula is 0/0 "
            f"there. "
            f"Its limit is C(1/2) = 2; use log 2 (or a Taylor series) where |1 - 2 lambda| "
            f"is tiny, or write C with logits l: C = l / tanh(l / 2)",
        )
    upper = TEST_LAMBDAS > 0.5 + 1e-6
    if not finite[upper].all() and finite[~upper].all():
        return report(
            name,
            False,
            "NaN for lambda > 0.5 only: there 1 - 2 lambda and artanh(1 - 2 lambda) are both "
            "negative - take the log of their ratio (positive), or of their absolute values |.|",
        )
    if not finite.all():
        return report(
            name,
            False,
            f"NaN or inf at lambda = {TEST_LAMBDAS[~finite]}; C(lambda) is finite on (0, 1)",
        )
    if close(got, -expected, atol=1e-4):
        return report(
            name,
            False,
            "wrong sign: log C(lambda) >= log 2 > 0 (C >= 2); you returned -log C",
        )
    if close(got, expected - math.log(2.0), atol=1e-4):
        return report(
            name,
            False,
            "off by log 2 everywhere (0 at lambda = 0.5): the factor 2 in "
            "2 artanh(1 - 2 lambda) is missing",
        )
    if close(got, expected / math.log(2.0), atol=1e-4):
        return report(
            name,
            False,
            "these are bits (log base 2, 1 at lambda = 0.5); use the natural logarithm (nats)",
        )
    if close(got, np.exp(expected), atol=1e-4):
        return report(
            name,
            False,
            "you returned C(lambda) (2 at lambda = 0.5), not its logarithm log C(lambda)",
        )
    if not close(got, expected, atol=1e-4, rtol=1e-5):
        worst = int(np.argmax(np.abs(got - expected)))
        return report(
            name,
            False,
            f"at lambda = {TEST_LAMBDAS[worst]:g} expected log C = {expected[worst]:.6f}, "
            f"got {got[worst]:.6f}",
        )
    got32 = _call(fn, TEST_LAMBDAS.astype("float32"), name)
    expected32 = _reference_log_normalizer(TEST_LAMBDAS.astype("float32"))
    if (
        got32.shape != expected32.shape
        or not np.all(np.isfinite(got32))
        or not close(got32, expected32, atol=1e-4)
    ):
        return report(
            name,
            False,
            f"float32 input (as a Keras model produces) gave {got32}; expected "
            f"{np.round(expected32, 4)} - is the test for lambda = 0.5 too strict for float32?",
        )
    report(
        name,
        True,
        "lambda = 0.5 and within 1e-7 of it, 0.3 to 0.7, 1e-4 from 0 and 1, float64 and float32",
    )
