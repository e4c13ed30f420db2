"""The structured-output chapter's self-checks accept the reference answers and reject the usual mistakes."""

import numpy as np
import pytest
from keras import ops

from cvae_utils.data import quadrant_mask
from cvae_utils.exercises import structured_output as structured
from cvae_utils.losses import kl_gaussians


def kl_answer(mq, lq, mp, lp):
    return 0.5 * np.sum(
        lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1, axis=1
    )


def log_weights_answer(log_lik, z, pm, plv, qm, qlv):
    def log_n(z, m, lv):  # without log 2π: it cancels
        return -0.5 * np.sum(lv + (z - m) ** 2 / np.exp(lv), axis=-1)

    return log_lik + log_n(z, pm, plv) - log_n(z, qm, qlv)


def diversity_answer(samples, num_given):
    return np.std(samples[:, :, ~quadrant_mask(num_given)], axis=1).mean()


def test_checks_accept_reference_answers(capsys):
    structured.check_kl_gaussians(kl_answer)
    structured.check_kl_gaussians(
        lambda *a: kl_gaussians(
            *(ops.convert_to_tensor(t, "float32") for t in a)
        )
    )
    structured.check_log_weights(log_weights_answer)
    structured.check_completion_diversity(diversity_answer)
    assert capsys.readouterr().out.count("✓") == 4


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda mq, lq, mp, lp: kl_answer(mp, lp, mq, lq), "not symmetric"),
        (
            lambda mq, lq, mp, lp: kl_answer(mq, lq, 0 * mp, 0 * lp),
            r"N\(0, I\)",
        ),
        (lambda *a: 2 * kl_answer(*a), "factor 1/2"),
        (
            lambda mq, lq, mp, lp: (
                0.5
                * (lp - lq + (np.exp(lq) + (mq - mp) ** 2) / np.exp(lp) - 1)
            ),
            "sum over the last axis",
        ),
        (lambda mq, lq, mp, lp: kl_answer(mq, lq, mp, lp) + 0.1, "expected"),
        # log-variances read as standard deviations, or as log standard deviations
        (
            lambda mq, lq, mp, lp: (
                0.5
                * np.sum(
                    lp
                    - lq
                    + (np.exp(0.5 * lq) + (mq - mp) ** 2) / np.exp(0.5 * lp)
                    - 1,
                    axis=1,
                )
            ),
            "log-variances",
        ),
        (
            lambda mq, lq, mp, lp: kl_answer(mq, 2 * lq, mp, 2 * lp),
            "log-variances",
        ),
        (
            lambda mq, lq, mp, lp: kl_answer(mq, lq, mp, lp) / mq.shape[1],
            "averaged over the latent dimensions",
        ),
        (lambda mq, lq, mp, lp: kl_answer(mq, lq, mp, lp).sum(), "shape"),
        (lambda *a: None, "return"),
    ],
)
def test_kl_check_names_the_mistake(wrong, message):
    with pytest.raises(AssertionError, match=message):
        structured.check_kl_gaussians(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda ll, z, pm, plv, qm, qlv: log_weights_answer(
                ll, z, qm, qlv, pm, plv
            ),
            "swapped",
        ),
        (
            lambda ll, z, pm, plv, qm, qlv: log_weights_answer(
                ll, z, 0 * pm, 0 * plv, qm, qlv
            ),
            r"N\(0, I\)",
        ),
        (lambda ll, z, pm, plv, qm, qlv: ll, "just the log-likelihoods"),
        (
            lambda ll, z, pm, plv, qm, qlv: log_weights_answer(
                ll, z, pm, plv, qm, qlv
            ).sum(axis=0),
            "shape",
        ),
        (
            lambda ll, z, pm, plv, qm, qlv: (
                log_weights_answer(ll, z, pm, plv, qm, qlv).T
            ),
            "shape",
        ),
        # log 2π kept in one density only
        (
            lambda ll, z, pm, plv, qm, qlv: (
                log_weights_answer(ll, z, pm, plv, qm, qlv)
                - 0.5 * z.shape[-1] * np.log(2 * np.pi)
            ),
            "log 2π",
        ),
        (
            lambda ll, z, pm, plv, qm, qlv: log_weights_answer(
                ll, z, pm, 0.5 * plv, qm, 0.5 * qlv
            ),
            "not the standard deviation",
        ),
        (lambda ll, z, pm, plv, qm, qlv: None, "return"),
    ],
)
def test_log_weights_check_names_the_mistake(wrong, message):
    with pytest.raises(AssertionError, match=message):
        structured.check_log_weights(wrong)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, k: np.std(s, axis=1).mean(), "all pixels"),
        (
            lambda s, k: np.std(s[:, :, ~quadrant_mask(k)], axis=0).mean(),
            "across images",
        ),
        (
            lambda s, k: np.std(s[:, :, ~quadrant_mask(k)], axis=1).mean(
                axis=0
            ),
            "one number",
        ),
        (
            lambda s, k: np.var(s[:, :, ~quadrant_mask(k)], axis=1).mean(),
            "expected",
        ),
        (
            lambda s, k: np.std(s[:, :, quadrant_mask(k)], axis=1).mean(),
            "expected",
        ),  # the given pixels instead
        (
            lambda s, k: np.std(
                s[:, :, ~quadrant_mask(k)], axis=1, ddof=1
            ).mean(),
            "ddof=1",
        ),
    ],
)
def test_diversity_check_names_the_mistake(wrong, message):
    with pytest.raises(AssertionError, match=message):
        structured.check_completion_diversity(wrong)


def test_checks_want_a_function():
    with pytest.raises(TypeError, match="pass your function itself"):
        structured.check_kl_gaussians(3.0)


def test_check_completion_diversity_explains_why_ddof_1_is_rejected():
    from cvae_utils.data import quadrant_mask
    from cvae_utils.exercises.structured_output import (
        check_completion_diversity,
    )

    def sample_std(samples, num_given):
        return float(
            np.std(
                samples[:, :, ~quadrant_mask(num_given), 0], axis=1, ddof=1
            ).mean()
        )

    with pytest.raises(AssertionError, match="ddof=1"):
        check_completion_diversity(sample_std)
