"""negative_elbo and importance_sampled_nll: a known answer, Jensen's inequality, and their options;
a CVAE's marginal likelihood, label fidelity and the classifier that judges it."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from helpers import binary_images, class_labels

from cvae_utils.evaluate import (
    conditional_log_likelihoods,
    importance_sampled_nll,
    label_fidelity,
    marginal_nll,
    negative_elbo,
)
from cvae_utils.models import CVAE, VAE
from cvae_utils.networks import build_classifier


@pytest.fixture(scope="module")
def vae():
    return VAE(latent_dim=2, seed=0)


@pytest.fixture(scope="module")
def cvae():
    return CVAE(latent_dim=2, num_classes=3, seed=0)


def _bernoulli_nll_np(x, logits):
    x, logits = (
        x.reshape(len(x), -1).astype("float64"),
        logits.reshape(1, -1).astype("float64"),
    )
    return np.sum(np.logaddexp(0, logits) - x * logits, axis=1)


def test_known_answer_when_the_posterior_is_the_prior_and_the_decoder_ignores_z():
    """Encoder outputs mean 0 and log-variance 0 (q = p) and the decoder returns fixed logits b
    whatever z is. Then every importance weight equals p(x | b), so both estimators must return
    exactly -log p(x) = Bernoulli NLL of x under b, for any number of samples."""
    model = VAE(latent_dim=2, architecture="dense")
    for name in ("z_mean", "z_log_var"):
        layer = model.encoder.get_layer(name)
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    last = [layer for layer in model.decoder.layers if layer.weights][-1]
    kernel, bias = last.get_weights()
    b = (
        np.random.default_rng(0)
        .normal(scale=2.0, size=bias.shape)
        .astype("float32")
    )
    last.set_weights([np.zeros_like(kernel), b])
    x = binary_images(6)
    expected = _bernoulli_nll_np(x, b)
    for k in (1, 7):
        np.testing.assert_allclose(
            negative_elbo(model, x, num_samples=k, per_image=True),
            expected,
            rtol=1e-5,
        )
        np.testing.assert_allclose(
            importance_sampled_nll(model, x, num_samples=k, per_image=True),
            expected,
            rtol=1e-5,
        )
    assert negative_elbo(model, x) == pytest.approx(expected.mean(), rel=1e-5)


@pytest.mark.parametrize("conditional", [False, True], ids=["VAE", "CVAE"])
def test_one_importance_sample_is_the_sampled_kl_elbo(vae, cvae, conditional):
    """With K = 1, log-mean-exp of one weight is that weight: the two estimators coincide image by
    image when they draw the same z (same seed) and the KL is estimated from that draw."""
    model, y = (cvae, class_labels(12, 3)) if conditional else (vae, None)
    x = binary_images(12)
    elbo = negative_elbo(
        model, x, y, num_samples=1, seed=5, per_image=True, analytic_kl=False
    )
    nll = importance_sampled_nll(
        model, x, y, num_samples=1, seed=5, per_image=True
    )
    np.testing.assert_allclose(nll, elbo, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("conditional", [False, True], ids=["VAE", "CVAE"])
def test_importance_sampled_nll_is_at_most_the_negative_elbo_per_image(
    vae, cvae, conditional
):
    """Jensen: -log (1/K) sum_k w_k <= -(1/K) sum_k log w_k for the *same* K weights, so with the same
    seed the importance-sampled value is below the sampled-KL -ELBO for every single image
    (deterministic, not a statistical statement; 1e-3 nats absorbs float32 rounding)."""
    model, y = (cvae, class_labels(20, 3)) if conditional else (vae, None)
    x = binary_images(20)
    for k in (5, 50):
        elbo = negative_elbo(
            model,
            x,
            y,
            num_samples=k,
            seed=1,
            per_image=True,
            analytic_kl=False,
        )
        nll = importance_sampled_nll(
            model, x, y, num_samples=k, seed=1, per_image=True
        )
        assert elbo.shape == nll.shape == (20,)
        assert np.all(nll <= elbo + 1e-3), np.max(nll - elbo)
        assert np.mean(elbo - nll) > 0, (
            "with K > 1 the bound must be strictly tighter on average"
        )


def test_importance_sampled_nll_is_below_the_analytic_negative_elbo_on_average(
    vae,
):
    """The closed-form-KL -ELBO (what the book reports) against K = 200 importance samples: the
    expected gap is positive, and 200 samples per image over 20 images make the Monte Carlo error
    (about 0.01 nats here) far smaller than the gap (tenths of a nat for this model)."""
    x = binary_images(20)
    elbo = negative_elbo(vae, x, num_samples=200, seed=2)
    nll = importance_sampled_nll(vae, x, num_samples=200, seed=3)
    assert nll < elbo
    # both estimate the same quantity from different angles, so they cannot be far apart
    assert elbo - nll < 5.0


def test_analytic_and_sampled_kl_agree_with_many_samples(vae):
    x = binary_images(10)
    analytic = negative_elbo(vae, x, num_samples=400, seed=0)
    sampled = negative_elbo(vae, x, num_samples=400, seed=0, analytic_kl=False)
    assert sampled == pytest.approx(analytic, abs=0.1)


def test_seed_makes_estimates_reproducible_and_batch_size_does_not_matter(vae):
    x = binary_images(10)
    a = importance_sampled_nll(vae, x, num_samples=8, seed=4, per_image=True)
    b = importance_sampled_nll(vae, x, num_samples=8, seed=4, per_image=True)
    np.testing.assert_array_equal(a, b)
    c = importance_sampled_nll(vae, x, num_samples=8, seed=5, per_image=True)
    assert not np.array_equal(a, c)
    # Batches of 5 draw other noise than one batch of 10, so the two means agree only up to the
    # Monte Carlo error of 10 x 64 draws (a few hundredths of a nat for this model).
    full = negative_elbo(vae, x, num_samples=64, batch_size=512, seed=0)
    small = negative_elbo(vae, x, num_samples=64, batch_size=5, seed=0)
    assert small == pytest.approx(full, abs=0.2)


def test_cvae_estimates_depend_on_the_label(cvae):
    x = binary_images(6)
    a = negative_elbo(
        cvae, x, np.zeros(6, "int32"), num_samples=1, per_image=True
    )
    b = negative_elbo(
        cvae, x, np.ones(6, "int32"), num_samples=1, per_image=True
    )
    assert not np.allclose(a, b)


# -- a CVAE's marginal likelihood and label fidelity ------------------------------------------


def test_marginal_nll_is_the_log_mean_exp_over_classes(cvae):
    """-log p(x) = -log (1/C) sum_c p(x|c): it lies between the best class's -log p(x|c) and that
    value plus log C, and equals the log-mean-exp of the per-class table computed with the same seed."""
    x = binary_images(5)
    table = conditional_log_likelihoods(cvae, x, num_samples=6, seed=2)
    assert table.shape == (5, 3)
    marginal = marginal_nll(cvae, x, num_samples=6, seed=2, per_image=True)
    best = -table.max(axis=1)
    assert np.all(marginal >= best - 1e-9) and np.all(
        marginal <= best + np.log(3) + 1e-9
    )
    expected = -(np.logaddexp.reduce(table, axis=1) - np.log(3))
    np.testing.assert_allclose(marginal, expected, rtol=1e-10)
    assert marginal_nll(cvae, x, num_samples=6, seed=2) == pytest.approx(
        expected.mean()
    )


def _constant_classifier(num_classes, winner):
    """A Keras model that gives class ``winner`` the highest score whatever the image."""
    image = keras.Input((28, 28, 1))
    scores = keras.layers.Dense(
        num_classes,
        kernel_initializer="zeros",
        bias_initializer=keras.initializers.Constant(
            np.eye(num_classes)[winner]
        ),
    )(keras.layers.Flatten()(image))
    return keras.Model(image, scores)


def test_label_fidelity_counts_the_samples_judged_as_the_requested_class(
    cvae, capsys
):
    judge = _constant_classifier(
        3, winner=1
    )  # says "1" to everything: right for one class in three
    assert label_fidelity(cvae, judge, num_per_class=4) == pytest.approx(1 / 3)
    assert capsys.readouterr().out == "", (
        "no Keras progress bar in the chapter's output"
    )
    np.testing.assert_allclose(
        label_fidelity(cvae, judge, num_per_class=4, per_class=True),
        [0.0, 1.0, 0.0],
    )


def test_label_fidelity_and_marginal_nll_validate_their_inputs(vae, cvae):
    judge = _constant_classifier(3, winner=0)
    with pytest.raises(TypeError, match="needs a cvae_utils CVAE"):
        label_fidelity(vae, judge)
    with pytest.raises(TypeError, match="needs a cvae_utils CVAE"):
        marginal_nll(vae, binary_images(2))
    with pytest.raises(TypeError, match="classifier must be a Keras model"):
        label_fidelity(cvae, lambda images: images)
    with pytest.raises(ValueError, match="one score per class"):
        label_fidelity(
            cvae, _constant_classifier(5, winner=0), num_per_class=2
        )
    with pytest.raises(ValueError, match="num_per_class"):
        label_fidelity(cvae, judge, num_per_class=0)


def test_build_classifier_outputs_class_probabilities():
    classifier = build_classifier(num_classes=4)
    probabilities = np.asarray(classifier.predict(binary_images(3), verbose=0))
    assert probabilities.shape == (3, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="num_classes"):
        build_classifier(num_classes=1)
    with pytest.raises(TypeError, match="name"):
        build_classifier(name="")


def test_label_fidelity_can_binarise_the_means_before_judging(cvae):
    """A judge that calls binary images class 0 and grey ones class 1 sees the difference."""
    image = keras.Input((28, 28, 1))
    binariness = keras.layers.Lambda(
        lambda x: keras.ops.mean(keras.ops.abs(x - 0.5), axis=(1, 2, 3))[
            :, None
        ]
    )(image)  # 0.5 for 0/1 pixels
    scores = keras.layers.Lambda(
        lambda b: keras.ops.concatenate(
            [b, keras.ops.full_like(b, 0.45), keras.ops.zeros_like(b)], axis=1
        )
    )(binariness)
    judge = keras.Model(image, scores)
    np.testing.assert_allclose(
        label_fidelity(cvae, judge, num_per_class=4, per_class=True),
        [0.0, 1.0, 0.0],
    )
    np.testing.assert_allclose(
        label_fidelity(
            cvae, judge, num_per_class=4, per_class=True, threshold=0.5
        ),
        [1.0, 0.0, 0.0],
    )
    with pytest.raises(ValueError, match="threshold must be a number in"):
        label_fidelity(cvae, judge, threshold=1.5)
