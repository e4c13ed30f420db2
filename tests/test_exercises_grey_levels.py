"""The grey-levels chapter's self-check accepts correct normalisers (float64 and float32, closed form with
a guard or logits) and rejects the typical wrong ones, each with the message that names the mistake."""

import math

import numpy as np
import pytest
from keras import ops

from cvae_utils.exercises import grey_levels
from cvae_utils.losses import continuous_bernoulli_log_normalizer

# ---- reference answers (the chapter's hidden solution, and two other correct ways) -----------


def cb_log_normalizer(lam):
    lam = np.asarray(lam, dtype="float64")
    t = 1 - 2 * lam
    near_half = np.abs(t) < 1e-4
    safe = np.where(near_half, 0.5, t)
    return np.where(
        near_half, np.log(2) + t**2 / 3, np.log(2 * np.arctanh(safe) / safe)
    )


def with_logits(lam):
    lam = np.asarray(lam, dtype="float64")
    l = np.log(lam) - np.log1p(-lam)
    a = np.abs(l)
    safe = np.where(a < 1e-3, 1.0, a)
    return np.where(
        a < 1e-3, math.log(2) + l**2 / 12, np.log(safe / np.tanh(safe / 2))
    )


def in_input_precision(
    lam,
):  # keeps float32 (like a model's outputs) and guards exactly 0.5 only
    t = 1 - 2 * lam
    safe = np.where(t == 0, 0.5, t)
    return np.where(
        t == 0, np.log(2.0), np.log(2 * np.arctanh(safe) / safe)
    ).astype(lam.dtype)


def package(lam):
    lam = np.asarray(lam, dtype="float32")
    return ops.convert_to_numpy(
        continuous_bernoulli_log_normalizer(np.log(lam) - np.log1p(-lam))
    )


@pytest.mark.parametrize(
    "answer", [cb_log_normalizer, with_logits, in_input_precision, package]
)
def test_check_accepts_correct_answers(answer, capsys):
    grey_levels.check_cb_log_normalizer(answer)
    assert capsys.readouterr().out.startswith("✓ cb_log_normalizer")


# ---- ... and rejects wrong ones --------------------------------------------------------------


def unguarded(lam):
    return np.log(2 * np.arctanh(1 - 2 * lam) / (1 - 2 * lam))


def guard(fn):
    """fn's formula with log 2 at lambda = 0.5 (so only the other mistake remains)."""

    def guarded(lam):
        near_half = np.abs(1 - 2 * lam) < 1e-6
        return np.where(
            near_half, math.log(2), fn(np.where(near_half, 0.25, lam))
        )

    return guarded


@pytest.mark.parametrize(
    "wrong, message",
    [
        (unguarded, "0/0"),  # the unstable formula
        (lambda lam: -cb_log_normalizer(lam), "wrong sign"),
        (
            lambda lam: cb_log_normalizer(lam) - math.log(2),
            "factor 2",
        ),  # log(artanh(t) / t)
        (
            guard(
                lambda lam: (
                    np.log(2 * np.arctanh(1 - 2 * lam)) - np.log(1 - 2 * lam)
                )
            ),
            "absolute values",
        ),  # no |.|
        (lambda lam: cb_log_normalizer(lam) / math.log(2), "bits"),  # log2
        (
            lambda lam: np.exp(cb_log_normalizer(lam)),
            "not its logarithm",
        ),  # C instead of log C
        (
            lambda lam: np.log(
                2 * np.arctanh(1 - 2 * lam + 1e-3) / (1 - 2 * lam + 1e-3)
            ),
            "NaN or inf",
        ),  # an epsilon
        (lambda lam: cb_log_normalizer(lam)[:3], "shape"),
        (lambda lam: None, "return"),
        (lambda lam: (cb_log_normalizer(lam),), "tuple"),
        (
            lambda lam: np.full(np.shape(lam), math.log(2)),
            "expected log C",
        ),  # only the value at 0.5
    ],
)
def test_check_rejects_wrong_answers(wrong, message):
    with pytest.raises(AssertionError, match=message):
        grey_levels.check_cb_log_normalizer(wrong)


def test_check_rejects_an_answer_that_is_right_in_float64_only():
    def float64_only(lam):
        if lam.dtype == np.float32:
            return unguarded(lam.astype("float64"))
        return cb_log_normalizer(lam)

    with pytest.raises(AssertionError, match="float32"):
        grey_levels.check_cb_log_normalizer(float64_only)


def test_check_wants_a_function():
    with pytest.raises(TypeError, match="function itself"):
        grey_levels.check_cb_log_normalizer(cb_log_normalizer(np.array([0.5])))


def test_reference_matches_the_package():
    lam = grey_levels.TEST_LAMBDAS.astype(
        "float32"
    )  # the same lambdas for both
    np.testing.assert_allclose(
        grey_levels._reference_log_normalizer(lam), package(lam), atol=2e-6
    )
