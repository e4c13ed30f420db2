"""The build-your-own-VAE/CVAE checks accept the reference classes and reject plausible broken ones."""

from __future__ import annotations

import keras
import pytest
from keras import ops

from cvae_utils.exercises.cvae import check_cvae_class
from cvae_utils.exercises.vae import check_vae_class
from cvae_utils.losses import bernoulli_nll_from_logits, kl_standard_normal
from cvae_utils.networks import Sampling, build_decoder, build_encoder


class GoodVAE(keras.Model):
    """The reference answer, as in the chapter's solution."""

    conditional = False

    def __init__(self, latent_dim=2, **kwargs):
        super().__init__(**kwargs)
        classes = 10 if self.conditional else None
        self.encoder = build_encoder(latent_dim, num_classes=classes)
        self.decoder = build_decoder(latent_dim, num_classes=classes)
        self.sampling = Sampling(seed=0)

    def encoder_inputs(self, inputs):
        if self.conditional:
            images, labels = inputs
            one_hot = ops.one_hot(ops.cast(labels, "int32"), 10)
            return [images, one_hot], one_hot
        return inputs, None

    def decoder_inputs(self, z, one_hot):
        return [z, one_hot] if self.conditional else z

    def sample(self, z_mean, z_log_var):
        return self.sampling([z_mean, z_log_var])

    def call(self, inputs, training=False):
        enc_in, one_hot = self.encoder_inputs(inputs)
        z_mean, z_log_var = self.encoder(enc_in, training=training)
        z = self.sample(z_mean, z_log_var)
        return {
            "logits": self.decoder(
                self.decoder_inputs(z, one_hot), training=training
            ),
            "z_mean": z_mean,
            "z_log_var": z_log_var,
        }

    def terms(self, x, y_pred):
        images = x[0] if self.conditional else x
        reconstruction = ops.mean(
            bernoulli_nll_from_logits(images, y_pred["logits"])
        )
        kl = ops.mean(
            kl_standard_normal(y_pred["z_mean"], y_pred["z_log_var"])
        )
        return reconstruction, kl

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        reconstruction, kl = self.terms(x, y_pred)
        return reconstruction + kl


class GoodCVAE(GoodVAE):
    conditional = True


class NoGradientThroughSampling(GoodVAE):
    def sample(self, z_mean, z_log_var):
        return ops.stop_gradient(self.sampling([z_mean, z_log_var]))


class KLWithTheWrongSign(GoodVAE):
    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        reconstruction, kl = self.terms(x, y_pred)
        return reconstruction - kl


class ReconstructionAveragedOverPixels(GoodVAE):
    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        _, kl = self.terms(x, y_pred)
        images = x[0] if self.conditional else x
        return (
            ops.mean(bernoulli_nll_from_logits(images, y_pred["logits"]))
            / 784.0
            + kl
        )


class DecodesTheLogVariance(GoodVAE):
    def sample(self, z_mean, z_log_var):
        return z_log_var


class DecodesTheMean(GoodVAE):
    """The loophole: decodes z_mean and never samples (a deterministic autoencoder)."""

    def sample(self, z_mean, z_log_var):
        return z_mean


class CVAEDecodesTheMean(GoodCVAE):
    def sample(self, z_mean, z_log_var):
        return z_mean


class SamplesOnlyOutsideTraining(GoodVAE):
    """Samples at inference only: in training the decoder sees z_mean."""

    def call(self, inputs, training=False):
        out = super().call(inputs, training=training)
        if training:
            out["logits"] = self.decoder(out["z_mean"])
        return out


class SameEpsEveryCall(GoodVAE):
    """An integer seed inside call(): the same eps for every batch."""

    def sample(self, z_mean, z_log_var):
        eps = keras.random.normal(ops.shape(z_mean), seed=1)
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class OwnSeedGenerator(GoodVAE):
    """Correct: its own SeedGenerator, no Sampling layer."""

    def __init__(self, latent_dim=2, **kwargs):
        super().__init__(latent_dim, **kwargs)
        self.seeds = keras.random.SeedGenerator(3)

    def sample(self, z_mean, z_log_var):
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seeds)
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class CVAEOwnSeedGenerator(OwnSeedGenerator):
    conditional = True


class GlobalRandomStream(GoodVAE):
    """Correct: keras.random.normal without a seed, sigma as sqrt(exp(.))."""

    def sample(self, z_mean, z_log_var):
        eps = keras.random.normal(ops.shape(z_mean))
        return z_mean + ops.sqrt(ops.exp(z_log_var)) * eps


class CVAEGlobalRandomStream(GlobalRandomStream):
    conditional = True


# Keras on JAX refuses unseeded random ops inside a traced training step, so
# the global stream is a correct answer on TensorFlow and PyTorch only.
_NOT_ON_JAX = pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="JAX traces the training step: unseeded random ops are refused",
)


@pytest.mark.parametrize(
    "right",
    [OwnSeedGenerator, pytest.param(GlobalRandomStream, marks=_NOT_ON_JAX)],
)
def test_correct_variants_of_the_vae_pass(right):
    check_vae_class(right)


@pytest.mark.parametrize(
    "right",
    [
        CVAEOwnSeedGenerator,
        pytest.param(CVAEGlobalRandomStream, marks=_NOT_ON_JAX),
    ],
)
def test_correct_variants_of_the_cvae_pass(right):
    check_cvae_class(right)


@pytest.mark.parametrize(
    "check, broken, message",
    [
        (check_vae_class, DecodesTheMean, "the model never samples"),
        (check_vae_class, SamplesOnlyOutsideTraining, "never samples"),
        (check_vae_class, SameEpsEveryCall, "decoded the same z"),
        (check_cvae_class, CVAEDecodesTheMean, "the model never samples"),
    ],
)
def test_a_model_that_does_not_sample_is_rejected(check, broken, message):
    with pytest.raises(AssertionError, match=message):
        check(broken)


class CVAEWithoutLabelsInTheDecoder(GoodCVAE):
    def decoder_inputs(self, z, one_hot):
        return [z, ops.zeros_like(one_hot)]


class CVAEWithLabelsOnlyInTheDecoder(GoodCVAE):
    def encoder_inputs(self, inputs):
        (images, _labels), one_hot = (
            inputs,
            ops.one_hot(ops.cast(inputs[1], "int32"), 10),
        )
        return [images, ops.zeros_like(one_hot)], one_hot


def test_the_reference_vae_and_cvae_pass(capsys):
    assert check_vae_class(GoodVAE) is None
    assert check_cvae_class(GoodCVAE) is None
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize(
    "broken, message",
    [
        (
            NoGradientThroughSampling,
            "no gradient reaches the encoder through the sampling step",
        ),
        (KLWithTheWrongSign, "You subtracted the KL"),
        (
            ReconstructionAveragedOverPixels,
            "averaged the reconstruction over pixels",
        ),
        (DecodesTheLogVariance, "you decoded z_log_var"),
    ],
)
def test_broken_vaes_are_rejected_with_the_reason(broken, message):
    with pytest.raises(AssertionError, match=message):
        check_vae_class(broken)


@pytest.mark.parametrize(
    "broken, message",
    [
        (
            CVAEWithoutLabelsInTheDecoder,
            "the decoder does not get the image's label",
        ),
        (
            CVAEWithLabelsOnlyInTheDecoder,
            "did you give the encoder the labels too",
        ),
    ],
)
def test_broken_cvaes_are_rejected_with_the_reason(broken, message):
    with pytest.raises(AssertionError, match=message):
        check_cvae_class(broken)


def test_not_a_class_is_a_type_error():
    with pytest.raises(TypeError, match="pass your class itself"):
        check_vae_class(GoodVAE())
    with pytest.raises(TypeError, match="pass your class itself"):
        check_vae_class(print)
