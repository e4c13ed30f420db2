"""The self-check of the chapter "Fixing posterior collapse" accepts a right KL warm-up callback and
rejects the usual wrong ones, naming the mistake; it reads the weight the compiled step really used."""

import keras
import pytest

from cvae_utils.exercises.posterior_collapse import check_kl_warmup


class LinearKLWarmUp(keras.callbacks.Callback):
    """The chapter's solution."""

    def __init__(self, warmup_epochs, target=1.0):
        super().__init__()
        self.warmup_epochs, self.target = warmup_epochs, target

    def ramp(self, epoch):
        return self.target * min(1.0, epoch / self.warmup_epochs)

    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = self.ramp(epoch)


class SetsBeforeEveryBatch(LinearKLWarmUp):
    """Also right: the same value for every batch of an epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.model.beta = self.ramp(self.epoch)


def test_the_check_accepts_right_answers(capsys):
    check_kl_warmup(LinearKLWarmUp)
    check_kl_warmup(SetsBeforeEveryBatch)
    out = capsys.readouterr().out
    assert (
        out.count("✓ KL warm-up") == 2
        and "[0, 0.333, 0.667, 1, 1]" in out
        and "[0, 2, 4, 4]" in out
    )


# ---- plausible wrong answers, each with the words the verdict must say -----------------------


class OneEpochEarly(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = self.target * min(
            1.0, (epoch + 1) / self.warmup_epochs
        )


class SetAtEpochEnd(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        self.model.beta = self.ramp(epoch + 1)


class ReachesTargetLate(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = self.target * min(
            1.0, epoch / (self.warmup_epochs + 1)
        )


class NeverReachesTarget(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = (
            self.target
            * min(epoch, self.warmup_epochs - 1)
            / self.warmup_epochs
        )


class NoClamp(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = self.target * epoch / self.warmup_epochs


class PlainAttribute(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.kl_weight = self.ramp(epoch)


class ReplacesTheVariable(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta_variable = keras.Variable(
            self.ramp(epoch), trainable=False, dtype="float32"
        )


class FixedLength(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = self.target * min(1.0, epoch / 5)


class LengthOfTraining(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = self.target * min(1.0, epoch / self.params["epochs"])


class IgnoresTarget(LinearKLWarmUp):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = min(1.0, epoch / self.warmup_epochs)


class NoTargetArgument(keras.callbacks.Callback):
    def __init__(self, warmup_epochs):
        super().__init__()
        self.warmup_epochs = warmup_epochs

    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta = min(1.0, epoch / self.warmup_epochs)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (OneEpochEarly, "Off by one epoch"),
        (SetAtEpochEnd, "not in on_epoch_end"),
        (ReachesTargetLate, "reached one epoch late"),
        (NeverReachesTarget, "never reaches the target"),
        (NoClamp, "above the target"),
        (PlainAttribute, "model.kl_weight, which the VAE never reads"),
        (
            ReplacesTheVariable,
            "replaced model.beta_variable with a new variable",
        ),
        (FixedLength, "warm-up over 5 epochs"),
        (LengthOfTraining, "use the warmup_epochs argument"),
        (IgnoresTarget, "use the target argument"),
        (NoTargetArgument, "target=1.0"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_the_check_rejects_wrong_answers_and_says_why(wrong, words):
    with pytest.raises(AssertionError, match="✗ KL warm-up") as info:
        check_kl_warmup(wrong)
    assert words in str(info.value), str(info.value)


def test_the_check_wants_the_class_itself():
    with pytest.raises(TypeError, match="pass the class itself"):
        check_kl_warmup(LinearKLWarmUp(3))
    with pytest.raises(
        TypeError, match="subclass of keras.callbacks.Callback"
    ):
        check_kl_warmup(dict)
    with pytest.raises(TypeError, match="pass the class itself"):
        check_kl_warmup(None)
