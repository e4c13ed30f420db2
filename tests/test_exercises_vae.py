"""The self-checks of the VAE chapter accept a correct answer and reject the usual mistakes."""

import keras
import numpy as np
import pytest
from keras import ops

from cvae_utils.exercises.vae import (
    check_kl_divergence,
    check_negative_elbo,
    check_reparameterize,
)
from cvae_utils.losses import bernoulli_nll_from_logits, kl_standard_normal

# -- answers -------------------------------------------------------------------------------


def kl_right(z_mean, z_log_var):
    return 0.5 * ops.sum(
        ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=-1
    )


def kl_numpy(z_mean, z_log_var):
    return 0.5 * np.sum(
        np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var, axis=-1
    )


def reparameterize_right(z_mean, z_log_var, seed):
    eps = keras.random.normal(ops.shape(z_mean), seed=seed)
    return z_mean + ops.exp(0.5 * z_log_var) * eps


def negative_elbo_right(x, logits, z_mean, z_log_var):
    x = ops.convert_to_tensor(x)
    logits = ops.convert_to_tensor(logits)
    per_pixel = ops.softplus(logits) - x * logits
    reconstruction = ops.sum(
        ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1
    )
    return reconstruction + kl_right(z_mean, z_log_var)


# -- check_kl_divergence -----------------------------------------------------------------


def test_kl_accepts_keras_ops_numpy_and_library_answers(capsys):
    # None, not True: a notebook cell ending in a check shows no stray value
    assert check_kl_divergence(kl_right) is None
    check_kl_divergence(kl_numpy)
    check_kl_divergence(kl_standard_normal)
    assert "✓ kl_divergence" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda m, lv: 2 * kl_numpy(m, lv), "twice"),
        (
            lambda m, lv: 0.5 * (np.exp(lv) + m**2 - 1.0 - lv),
            "sum over the latent",
        ),
        (lambda m, lv: np.mean(kl_numpy(m, lv)), "single number"),
        (
            lambda m, lv: 0.5 * np.sum(np.exp(lv) + m**2 - lv, axis=-1),
            "must be 0",
        ),
        (
            lambda m, lv: (
                0.5 * np.sum(np.exp(0.5 * lv) + m**2 - 1.0 - lv, axis=-1)
            ),
            "standard deviation exp",
        ),
        (
            lambda m, lv: 0.5 * np.mean(np.exp(lv) + m**2 - 1.0 - lv, axis=-1),
            "not averaged",
        ),
        (
            lambda m, lv: -kl_numpy(m, lv),
            "wrong sign: a KL divergence is never",
        ),
        (
            lambda m, lv: 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 + lv, axis=-1),
            "log-variance term has the wrong sign",
        ),
        (
            lambda m, lv: 0.5 * np.sum(lv + m**2 - 1.0 - np.log(lv), axis=-1),
            "do not take log\\(z_log_var\\)",
        ),
        (lambda m, lv: None, "forget `return`"),
    ],
)
def test_kl_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_kl_divergence(wrong)


def test_kl_message_shows_a_row_where_the_answer_is_wrong():
    """A sign error on log_var is invisible on rows with log_var = 0: the
    message must quote a row that differs, not one that matches."""

    def plus_log_var(m, lv):
        return 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 + lv, axis=-1)

    with pytest.raises(AssertionError) as info:
        check_kl_divergence(plus_log_var)
    first = str(info.value).split(". All rows")[0]
    expected, got = first.split("expected ")[1].split(", got ")
    assert float(expected) != float(got), first


def test_kl_rejects_non_callable():
    with pytest.raises(TypeError, match="function itself"):
        check_kl_divergence(kl_right(np.zeros((1, 2)), np.zeros((1, 2))))


# -- check_reparameterize ----------------------------------------------------------------


def test_reparameterize_accepts_right_answer(capsys):
    check_reparameterize(reparameterize_right)
    assert "✓ reparameterize" in capsys.readouterr().out


def test_reparameterize_rejects_variance_as_std():
    def wrong(z_mean, z_log_var, seed):
        return z_mean + ops.exp(z_log_var) * keras.random.normal(
            ops.shape(z_mean), seed=seed
        )

    with pytest.raises(
        AssertionError,
        match="variance exp\\(log_var\\) as the standard deviation",
    ):
        check_reparameterize(wrong)


def test_reparameterize_rejects_numpy_sampling():
    def wrong(z_mean, z_log_var, seed):
        m, lv = ops.convert_to_numpy(z_mean), ops.convert_to_numpy(z_log_var)
        return np.random.default_rng(seed).normal(m, np.exp(0.5 * lv))

    with pytest.raises(AssertionError, match="not a backend tensor"):
        check_reparameterize(wrong)


def test_reparameterize_rejects_ignored_seed():
    def wrong(z_mean, z_log_var, seed):
        return z_mean + ops.exp(0.5 * z_log_var) * keras.random.normal(
            ops.shape(z_mean)
        )

    with pytest.raises(AssertionError, match="same seed"):
        check_reparameterize(wrong)


def test_reparameterize_rejects_noise_that_depends_on_the_mean():
    def wrong(z_mean, z_log_var, seed):
        eps = keras.random.normal(ops.shape(z_mean), seed=seed)
        # right statistics for the test's means, but not of the form mean + sigma * eps
        return z_mean + ops.exp(0.5 * z_log_var) * eps * ops.where(
            z_mean > 1.2, -1.0, 1.0
        )

    with pytest.raises(AssertionError, match="dz/dmean = 1"):
        check_reparameterize(wrong)


def test_reparameterize_rejects_wrong_mean():
    def wrong(z_mean, z_log_var, seed):
        return ops.exp(0.5 * z_log_var) * keras.random.normal(
            ops.shape(z_mean), seed=seed
        )

    with pytest.raises(AssertionError, match="mean is"):
        check_reparameterize(wrong)


def test_reparameterize_validates_num_samples():
    with pytest.raises(ValueError, match="at least 1000"):
        check_reparameterize(reparameterize_right, num_samples=10)


# -- check_negative_elbo -----------------------------------------------------------------


def test_negative_elbo_accepts_right_answer_and_library_terms(capsys):
    check_negative_elbo(negative_elbo_right)
    check_negative_elbo(
        lambda x, l, m, lv: (
            bernoulli_nll_from_logits(x, ops.convert_to_tensor(l))
            + kl_standard_normal(m, lv)
        )
    )
    assert "✓ negative_elbo_per_image" in capsys.readouterr().out


def test_negative_elbo_message_names_the_terms_as_the_references():
    """The expected value's parts must not read as the learner's own."""

    def off_by_one(x, logits, z_mean, z_log_var):
        return negative_elbo_right(x, logits, z_mean, z_log_var) + 1.0

    with pytest.raises(AssertionError) as info:
        check_negative_elbo(off_by_one)
    message = str(info.value)
    assert "the reference's reconstruction" in message
    assert "the reference's KL" in message
    assert "(reconstruction" not in message


def _recon_only(x, logits, z_mean, z_log_var):
    return negative_elbo_right(x, logits, z_mean, z_log_var) - kl_right(
        z_mean, z_log_var
    )


def _pixel_mean(x, logits, z_mean, z_log_var):
    per_pixel = ops.softplus(logits) - x * logits
    return ops.mean(
        ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1
    ) + kl_right(z_mean, z_log_var)


def _naive_log(x, logits, z_mean, z_log_var):
    x, p = ops.convert_to_tensor(x), ops.sigmoid(ops.convert_to_tensor(logits))
    per_pixel = -(x * ops.log(p) + (1 - x) * ops.log(1 - p))
    return ops.sum(
        ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1
    ) + kl_right(z_mean, z_log_var)


def _clipped_log(x, logits, z_mean, z_log_var):
    x, p = ops.convert_to_tensor(x), ops.sigmoid(ops.convert_to_tensor(logits))
    per_pixel = -(x * ops.log(p + 1e-7) + (1 - x) * ops.log(1 - p + 1e-7))
    return ops.sum(
        ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1
    ) + kl_right(z_mean, z_log_var)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_recon_only, "add the KL"),
        (
            lambda *a: _recon_only(*a) - kl_right(a[2], a[3]),
            "subtracted the KL",
        ),
        (lambda *a: -negative_elbo_right(*a), "sign is flipped"),
        (_pixel_mean, "averaged the reconstruction over pixels"),
        (_naive_log, "underflows"),
        (_clipped_log, "1e-7"),
        (lambda *a: ops.sum(negative_elbo_right(*a)), "single number"),
    ],
)
def test_negative_elbo_rejects_mistakes(wrong, message):
    with pytest.raises(AssertionError, match=message):
        check_negative_elbo(wrong)


def test_check_reparameterize_rejects_a_sample_computed_in_numpy_and_wrapped_into_a_tensor():
    import keras
    from keras import ops

    from cvae_utils.exercises.vae import check_reparameterize

    def numpy_inside(z_mean, z_log_var, seed):
        mean, log_var = (
            ops.convert_to_numpy(z_mean),
            ops.convert_to_numpy(z_log_var),
        )
        eps = ops.convert_to_numpy(keras.random.normal(mean.shape, seed=seed))
        return ops.convert_to_tensor(
            (mean + np.exp(0.5 * log_var) * eps).astype("float32")
        )

    with pytest.raises(
        AssertionError, match="gradient|differentiating|keras.ops"
    ):
        check_reparameterize(numpy_inside)
