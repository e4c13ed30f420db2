"""Likelihoods for grey-level pixels (chapter "Grey-level images"): the continuous Bernoulli's normaliser
and mean against numerical integration, the Gaussian NLL against its formula, finite values at the
extremes, and VAE(likelihood=...) training, evaluation and saving for every decoder."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from helpers import binary_images, class_labels, compile_model, weights_of
from keras import ops

from cvae_utils import (
    bernoulli_log_likelihood_matrix,
    conditional_log_likelihoods,
    effective_sample_size,
    knn_label_accuracy,
)
from cvae_utils.evaluate import importance_sampled_nll, negative_elbo
from cvae_utils.losses import (
    bernoulli_nll_from_logits,
    continuous_bernoulli_log_normalizer,
    continuous_bernoulli_mean_from_logits,
    continuous_bernoulli_nll_from_logits,
    gaussian_nll,
    kl_standard_normal,
)
from cvae_utils.models import CVAE, VAE

# logits from saturated to lambda = 0.5, on both sides of the Taylor threshold 0.1
LOGITS = np.array(
    [
        -60.0,
        -20.0,
        -5.0,
        -1.0,
        -0.3,
        -0.1001,
        -0.0999,
        -1e-3,
        -1e-7,
        0.0,
        1e-7,
        1e-3,
        0.05,
        0.0999,
        0.1001,
        0.3,
        1.0,
        5.0,
        20.0,
        60.0,
    ],
    dtype="float32",
)
GRID = (np.arange(200_000) + 0.5) / 200_000  # midpoints of [0, 1]


def np_of(t):
    return ops.convert_to_numpy(t)


def grey_images(n, seed=0):
    """n grey images in [0, 1] with exact 0s and 1s (background and saturated pixels), float32."""
    x = np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")
    x[:, :4] = 0.0
    x[:, -2:] = 1.0
    return x


def unnormalised_cb(lam, x):
    """lambda^x (1 - lambda)^(1 - x) evaluated in log space (float64)."""
    return np.exp(x * np.log(lam) + (1 - x) * np.log1p(-lam))


# -- the continuous Bernoulli ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "logit",
    [
        -20.0,
        -5.0,
        -1.0,
        -0.3,
        -0.05,
        -1e-4,
        0.0,
        1e-4,
        0.05,
        0.3,
        1.0,
        5.0,
        20.0,
    ],
)
def test_log_normalizer_equals_numerical_integration(logit):
    lam = 1.0 / (1.0 + math.exp(-logit))
    mass = unnormalised_cb(
        lam, GRID
    ).mean()  # midpoint rule: integral over [0, 1]
    got = float(
        np_of(
            continuous_bernoulli_log_normalizer(
                np.array([logit], dtype="float32")
            )
        )[0]
    )
    assert got == pytest.approx(-math.log(mass), abs=2e-6)


def test_log_normalizer_is_finite_smooth_and_symmetric_everywhere():
    got = np_of(continuous_bernoulli_log_normalizer(LOGITS)).astype("float64")
    assert np.all(np.isfinite(got))
    mirrored = np_of(continuous_bernoulli_log_normalizer(-LOGITS)).astype(
        "float64"
    )
    np.testing.assert_allclose(got, mirrored, atol=1e-7)  # C(l) = C(-l)
    assert got[LOGITS == 0.0][0] == pytest.approx(math.log(2.0), abs=1e-7)
    assert np.all(got >= math.log(2.0) - 1e-7)
    # across the switch to the Taylor series at |l| = 0.1 the value moves by its slope only
    i = int(np.where(LOGITS == np.float32(0.0999))[0][0])
    assert abs(got[i + 1] - got[i]) < 1e-5
    # large |l|: C = l / tanh(l / 2) -> |l|
    assert got[-1] == pytest.approx(math.log(60.0), abs=1e-6)


def test_log_normalizer_gradient_is_finite_at_one_half():
    """NaN from the unused branch of a where() would poison every gradient of a training step."""
    logits = keras.Variable(
        np.array([0.0, 1e-6, 0.05, 0.5, -3.0], dtype="float32")
    )
    from cvae_utils.gradients import gradients

    _, (grads,) = gradients(
        lambda: ops.sum(continuous_bernoulli_log_normalizer(logits)), [logits]
    )
    grads = np_of(grads)
    assert np.all(np.isfinite(grads))
    # d/dl log(l / tanh(l/2)) = l / 6 near 0
    np.testing.assert_allclose(
        grads[:3], np.array([0.0, 1e-6, 0.05]) / 6, atol=1e-5
    )


@pytest.mark.parametrize(
    "logit", [-20.0, -2.0, -0.05, 0.0, 1e-3, 0.0999, 0.1001, 0.7, 8.0]
)
def test_mean_equals_numerical_integration_and_is_not_lambda(logit):
    lam = 1.0 / (1.0 + math.exp(-logit))
    weights = unnormalised_cb(lam, GRID)
    expected = (GRID * weights).sum() / weights.sum()
    got = float(
        np_of(
            continuous_bernoulli_mean_from_logits(
                np.array([logit], dtype="float32")
            )
        )[0]
    )
    assert got == pytest.approx(expected, abs=2e-6)
    if abs(logit) > 1:
        assert abs(got - 0.5) < abs(lam - 0.5)  # pulled towards 1/2


def test_cb_nll_is_bernoulli_cross_entropy_minus_log_normalizer_and_a_density():
    x = grey_images(3)
    logits = (
        np.random.default_rng(1)
        .normal(0.0, 3.0, size=x.shape)
        .astype("float32")
    )
    logits[0, 0, :4] = 0.0  # exactly lambda = 0.5
    cb = np_of(continuous_bernoulli_nll_from_logits(x, logits))
    assert cb.shape == (3,) and np.all(np.isfinite(cb))
    log_c = (
        np_of(continuous_bernoulli_log_normalizer(logits))
        .reshape(3, -1)
        .sum(axis=1)
    )
    np.testing.assert_allclose(
        cb,
        np_of(bernoulli_nll_from_logits(x, logits)) - log_c,
        rtol=1e-5,
        atol=1e-2,
    )
    # integrates to 1 over [0, 1]: one "image" of a single pixel per grid point
    for logit in (-4.0, 0.0, 2.5):
        grid = (
            ((np.arange(2000) + 0.5) / 2000).astype("float32").reshape(-1, 1)
        )  # midpoints
        density = np.exp(
            -np_of(
                continuous_bernoulli_nll_from_logits(
                    grid, np.full_like(grid, logit)
                )
            )
        )
        assert density.mean() == pytest.approx(1.0, abs=1e-4)


def test_cb_nll_is_finite_at_extreme_logits_and_pixels():
    x = np.array([[0.0, 1.0, 0.0, 1.0, 0.5, 0.5]], dtype="float32")
    logits = np.array([[80.0, -80.0, -80.0, 80.0, 0.0, 1e-8]], dtype="float32")
    nll = np_of(continuous_bernoulli_nll_from_logits(x, logits))
    assert np.all(np.isfinite(nll))


# -- the Gaussian ----------------------------------------------------------------------------------
def gaussian_nll_np(x, mean, log_sigma):
    var = np.exp(2 * log_sigma)
    per_pixel = (
        0.5 * (x - mean) ** 2 / var + log_sigma + 0.5 * np.log(2 * np.pi)
    )
    return np.broadcast_to(per_pixel, x.shape).reshape(len(x), -1).sum(axis=1)


@pytest.mark.parametrize("log_sigma", [math.log(0.1), 0.0, math.log(1.7)])
def test_gaussian_nll_equals_formula_and_scipy(log_sigma):
    norm = pytest.importorskip(
        "scipy.stats"
    ).norm  # scipy is not a dependency of the package

    x = grey_images(3)
    mean = np.clip(
        x + 0.1 * np.random.default_rng(2).standard_normal(x.shape), 0, 1
    ).astype("float32")
    got = np_of(gaussian_nll(x, mean, log_sigma))
    expected = (
        -norm.logpdf(x, loc=mean, scale=math.exp(log_sigma))
        .reshape(3, -1)
        .sum(axis=1)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(
        got, gaussian_nll_np(x, mean, log_sigma), rtol=1e-5
    )
    # fixed sigma: squared error / (2 sigma^2) + a constant
    sse = ((x - mean) ** 2).reshape(3, -1).sum(axis=1)
    np.testing.assert_allclose(
        got - sse / (2 * math.exp(2 * log_sigma)),
        784 * (log_sigma + 0.5 * math.log(2 * math.pi)),
        rtol=1e-5,
    )


def test_gaussian_nll_accepts_per_pixel_and_tensor_log_sigma():
    x = grey_images(2)
    mean = np.full_like(x, 0.5)
    per_pixel = (
        np.random.default_rng(3)
        .normal(-2.0, 0.3, size=(28, 28, 1))
        .astype("float32")
    )
    np.testing.assert_allclose(
        np_of(gaussian_nll(x, mean, per_pixel)),
        gaussian_nll_np(x, mean, per_pixel),
        rtol=1e-5,
    )
    scalar = ops.convert_to_tensor(np.float32(-1.5))
    np.testing.assert_allclose(
        np_of(gaussian_nll(x, mean, scalar)),
        gaussian_nll_np(x, mean, -1.5),
        rtol=1e-5,
    )


def test_gaussian_nll_is_finite_at_extremes():
    x = np.array([[0.0, 1.0, 0.0]], dtype="float32")
    mean = np.array([[1.0, 0.0, 0.0]], dtype="float32")
    for log_sigma in (-50.0, -15.0, 15.0, 50.0):  # clipped to [-15, 15]
        assert np.all(np.isfinite(np_of(gaussian_nll(x, mean, log_sigma))))


# -- bad arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error",
    [
        (
            lambda: continuous_bernoulli_nll_from_logits(
                np.zeros((2, 28, 28)), np.zeros((2, 28, 28, 1))
            ),
            ValueError,
        ),
        (
            lambda: continuous_bernoulli_nll_from_logits(
                "x", np.zeros((2, 4))
            ),
            TypeError,
        ),
        (lambda: continuous_bernoulli_log_normalizer(None), TypeError),
        (lambda: continuous_bernoulli_mean_from_logits({"a": 1}), TypeError),
        (
            lambda: gaussian_nll(np.zeros((2, 4)), np.zeros((2, 5)), 0.0),
            ValueError,
        ),
        (
            lambda: gaussian_nll(
                np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(3)
            ),
            ValueError,
        ),
        (
            lambda: gaussian_nll(
                np.zeros((2, 4)), np.zeros((2, 4)), float("nan")
            ),
            ValueError,
        ),
        (
            lambda: gaussian_nll(np.zeros((2, 4)), np.zeros((2, 4)), "0.1"),
            TypeError,
        ),
        (lambda: VAE(likelihood="gauss"), ValueError),
        (lambda: VAE(likelihood="bernoulli", sigma=0.1), ValueError),
        (
            lambda: VAE(likelihood="continuous_bernoulli", sigma="learned"),
            ValueError,
        ),
        (lambda: VAE(likelihood="gaussian", sigma=0.0), ValueError),
        (lambda: VAE(likelihood="gaussian", sigma=-1.0), ValueError),
        (lambda: VAE(likelihood="gaussian", sigma="fixed"), ValueError),
        (lambda: VAE(likelihood="gaussian", sigma=[0.1]), TypeError),
        (lambda: VAE(likelihood="gaussian", sigma=True), TypeError),
        (lambda: VAE(likelihood="bernoulli").log_sigma(), ValueError),
    ],
)
def test_bad_arguments_raise(call, error):
    with pytest.raises(error):
        call()


# -- the VAE with each likelihood ------------------------------------------------------------------
MAKERS = {
    "bernoulli": lambda: VAE(latent_dim=2),
    "gaussian-fixed": lambda: VAE(
        latent_dim=2, likelihood="gaussian", sigma=0.2
    ),
    "gaussian-learned": lambda: VAE(
        latent_dim=2, likelihood="gaussian", sigma="learned"
    ),
    "continuous-bernoulli": lambda: VAE(
        latent_dim=2, likelihood="continuous_bernoulli"
    ),
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_each_likelihood_trains_and_its_loss_is_its_nll(kind):
    model = compile_model(MAKERS[kind]())
    x = grey_images(32)
    before = weights_of(model)
    history = model.fit(x, epochs=2, batch_size=16, verbose=0).history
    assert all(np.isfinite(v) for values in history.values() for v in values)
    assert history["loss"][-1] < history["loss"][0]
    assert any(
        not np.array_equal(a, b) for a, b in zip(before, weights_of(model))
    )
    logits = model.decoder(ops.convert_to_tensor(model.encode(x[:4])[0]))
    expected = {
        "bernoulli": lambda: bernoulli_nll_from_logits(x[:4], logits),
        "gaussian-fixed": lambda: gaussian_nll(
            x[:4], ops.sigmoid(logits), math.log(0.2)
        ),
        "gaussian-learned": lambda: gaussian_nll(
            x[:4], ops.sigmoid(logits), model.log_sigma()
        ),
        "continuous-bernoulli": lambda: continuous_bernoulli_nll_from_logits(
            x[:4], logits
        ),
    }[kind]()
    np.testing.assert_allclose(
        np_of(model.reconstruction_nll(x[:4], logits)),
        np_of(expected),
        rtol=1e-6,
    )
    means = model.reconstruct(x[:4])
    assert (
        means.shape == (4, 28, 28, 1) and means.min() >= 0 and means.max() <= 1
    )


def test_learned_sigma_is_a_trained_weight_and_starts_at_0_1():
    model = compile_model(
        VAE(latent_dim=2, likelihood="gaussian", sigma="learned"),
        learning_rate=1e-2,
    )
    assert float(np.exp(np_of(model.log_sigma()))) == pytest.approx(
        0.1, rel=1e-5
    )

    def trainable(m):
        return sum(int(np.prod(w.shape)) for w in m.trainable_weights)

    assert (
        trainable(model) == trainable(VAE(latent_dim=2)) + 1
    )  # one sigma for all pixels
    model.fit(grey_images(32), epochs=2, batch_size=16, verbose=0)
    assert float(np.exp(np_of(model.log_sigma()))) != pytest.approx(
        0.1, rel=1e-3
    )  # trained
    assert [
        v.name for v in model.trainable_weights if "log_sigma" in v.name
    ] == ["log_sigma_over_10"]
    assert model.log_sigma() is not None and VAE(
        likelihood="gaussian", sigma=0.3
    ).log_sigma() == pytest.approx(math.log(0.3))


def test_cb_decoder_mean_is_the_cb_mean_not_lambda():
    model = VAE(latent_dim=2, likelihood="continuous_bernoulli")
    logits = np.linspace(-6, 6, 784, dtype="float32").reshape(1, 28, 28, 1)
    np.testing.assert_allclose(
        np_of(model.decoder_mean(logits)),
        np_of(continuous_bernoulli_mean_from_logits(logits)),
    )
    assert not np.allclose(
        np_of(model.decoder_mean(logits)),
        np_of(ops.sigmoid(logits)),
        atol=1e-2,
    )


def _reference_negative_elbo(model, x, nll):
    """One-sample -ELBO drawn like cvae_utils.evaluate draws it (seed 0, one batch), with a given -log p(x|z)."""
    z_mean, z_log_var = model.encoder(ops.convert_to_tensor(x), training=False)
    eps = keras.random.normal(
        ops.shape(z_mean), seed=keras.random.SeedGenerator(0)
    )
    z = z_mean + ops.exp(0.5 * z_log_var) * eps
    return np_of(
        nll(x, model.decoder(z, training=False))
        + kl_standard_normal(z_mean, z_log_var)
    )


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_estimates_use_the_models_likelihood(kind):
    model = MAKERS[kind]()
    x = grey_images(6)
    elbo = negative_elbo(model, x, per_image=True)
    np.testing.assert_allclose(
        elbo,
        _reference_negative_elbo(model, x, model.reconstruction_nll),
        rtol=1e-5,
    )
    if (
        kind == "bernoulli"
    ):  # the numbers of the Bernoulli models are those of the Bernoulli NLL, as before
        np.testing.assert_allclose(
            elbo,
            _reference_negative_elbo(model, x, bernoulli_nll_from_logits),
            rtol=1e-6,
        )
    else:
        assert not np.allclose(
            elbo,
            _reference_negative_elbo(model, x, bernoulli_nll_from_logits),
            rtol=1e-3,
        )
    nll = importance_sampled_nll(model, x, num_samples=20, per_image=True)
    sampled = negative_elbo(
        model, x, num_samples=20, analytic_kl=False, per_image=True
    )
    assert (
        nll.shape == (6,)
        and np.all(np.isfinite(nll))
        and np.all(nll <= sampled + 1e-3)
    )  # Jensen


def test_the_same_network_read_as_cb_gains_at_least_784_log_2():
    """A Bernoulli VAE's weights in a continuous-Bernoulli VAE: the same draws, minus sum_i log C >= 784 log 2."""
    bernoulli = VAE(latent_dim=2)
    cb = VAE(latent_dim=2, likelihood="continuous_bernoulli")
    cb.set_weights(bernoulli.get_weights())
    x = grey_images(5)
    gap = negative_elbo(bernoulli, x, per_image=True) - negative_elbo(
        cb, x, per_image=True
    )
    assert np.all(gap >= 784 * math.log(2) - 1e-2) and np.all(gap < 784 * 3)


def test_cvae_accepts_a_likelihood_too():
    model = compile_model(
        CVAE(latent_dim=2, num_classes=3, likelihood="continuous_bernoulli")
    )
    x, y = grey_images(16), class_labels(16)
    history = model.fit([x, y], epochs=1, batch_size=8, verbose=0).history
    assert np.isfinite(history["loss"][0])
    assert np.all(
        np.isfinite(
            importance_sampled_nll(model, x, y, num_samples=5, per_image=True)
        )
    )
    assert (
        CVAE.from_config(model.get_config()).likelihood
        == "continuous_bernoulli"
    )


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_keras_file_round_trip_keeps_likelihood_and_sigma(tmp_path, kind):
    model = compile_model(MAKERS[kind]())
    x = grey_images(16)
    model.fit(x, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert (type(loaded), loaded.likelihood, loaded.sigma) == (
        VAE,
        model.likelihood,
        model.sigma,
    )
    for a, b in zip(weights_of(model), weights_of(loaded)):
        np.testing.assert_array_equal(a, b)
    if model.likelihood == "gaussian":
        assert float(np_of(loaded.log_sigma())) == pytest.approx(
            float(np_of(model.log_sigma()))
        )
    z = np.random.default_rng(0).standard_normal((3, 2)).astype("float32")
    np.testing.assert_array_equal(model.decode(z), loaded.decode(z))
    np.testing.assert_allclose(
        negative_elbo(model, x), negative_elbo(loaded, x), rtol=1e-6
    )


def test_bernoulli_default_is_unchanged():
    model = VAE(latent_dim=2)
    assert (model.likelihood, model.sigma) == ("bernoulli", None)
    x = binary_images(4)
    logits = np.random.default_rng(0).normal(size=x.shape).astype("float32")
    np.testing.assert_array_equal(
        np_of(model.reconstruction_nll(x, logits)),
        np_of(bernoulli_nll_from_logits(x, logits)),
    )
    assert (
        VAE(likelihood="gaussian").sigma == "learned"
    )  # the Gaussian's default


# -- behaviour: ------------------------------------------------------------
# The likelihood estimates against a model whose answer is known in closed form.
#
# The encoder is set to output one fixed Gaussian q(z|x) = N(m, diag(exp(v))) for every image and
# the decoder fixed logits b whatever z is. Then -log p(x) = NLL(x | b) exactly, and
# -ELBO = NLL(x | b) + KL(q || N(0, I)) exactly: the KL term is not zero here (unlike the known
# answer of tests/test_evaluate.py), so a sign, a swapped density or a dropped term shows.
# Written against the flat API and killing mutants that ``tools/mutation_score.py`` found alive.


MEAN, LOG_VAR = (
    np.array([0.6, -0.4], "float32"),
    np.array([-0.5, 0.3], "float32"),
)
KL = 0.5 * float(np.sum(np.exp(LOG_VAR) + MEAN**2 - 1.0 - LOG_VAR))


def _fix(model, seed=0):
    """Make q(z|x) = N(MEAN, exp(LOG_VAR)) for every x and the decoder ignore z; return the logits b."""
    for name, bias in (("z_mean", MEAN), ("z_log_var", LOG_VAR)):
        layer = model.encoder.get_layer(name)
        kernel, _ = layer.get_weights()
        layer.set_weights([np.zeros_like(kernel), bias])
    last = [layer for layer in model.decoder.layers if layer.weights][-1]
    kernel, bias = last.get_weights()
    b = (
        np.random.default_rng(seed)
        .normal(scale=2.0, size=bias.shape)
        .astype("float32")
    )
    last.set_weights([np.zeros_like(kernel), b])
    return b


def _nll(x, b):
    x, b = (
        x.reshape(len(x), -1).astype("float64"),
        b.reshape(1, -1).astype("float64"),
    )
    return np.sum(np.logaddexp(0, b) - x * b, axis=1)


@pytest.fixture(scope="module")
def known():
    model = VAE(latent_dim=2, seed=0)
    b = _fix(model)
    x = binary_images(5)
    return model, x, _nll(x, b)


def test_negative_elbo_is_reconstruction_plus_the_kl_of_the_posterior(known):
    """Bugs caught: the KL subtracted or dropped, the wrong sign of the reconstruction term."""
    model, x, nll = known
    assert KL > 0.1
    for k in (1, 3):
        np.testing.assert_allclose(
            negative_elbo(model, x, num_samples=k, per_image=True),
            nll + KL,
            rtol=1e-5,
        )
    assert negative_elbo(model, x) == pytest.approx(
        float(np.mean(nll + KL)), rel=1e-5
    )


def test_sampled_kl_elbo_and_importance_sampling_approach_their_closed_forms(
    known,
):
    """With many samples, the sampled-KL -ELBO approaches NLL + KL and the importance-sampled
    estimate approaches -log p(x) = NLL (log p(z) - log q(z) must enter with the right signs)."""
    model, x, nll = known
    elbo = negative_elbo(
        model, x, num_samples=4000, per_image=True, analytic_kl=False, seed=1
    )
    np.testing.assert_allclose(elbo, nll + KL, atol=0.05)
    iw = importance_sampled_nll(
        model, x, num_samples=4000, per_image=True, seed=1
    )
    # float32 log-weights of ~800 nats: 0.2 leaves room for round-off on every backend; a wrong sign of
    # log p(z) - log q(z) moves the estimate by about 2 KL (0.68 nats)
    np.testing.assert_allclose(iw, nll, atol=0.2)
    assert np.all(iw < elbo)


def test_per_image_values_average_to_the_reported_mean(known):
    model, x, _ = known
    per_image = importance_sampled_nll(
        model, x, num_samples=5, seed=2, per_image=True
    )
    assert per_image.shape == (5,)
    assert importance_sampled_nll(
        model, x, num_samples=5, seed=2
    ) == pytest.approx(float(per_image.mean()), rel=1e-6)


def test_conditional_log_likelihoods_column_c_uses_label_c():
    cvae = CVAE(latent_dim=2, num_classes=3, seed=0)
    x = binary_images(4, seed=1)
    table = conditional_log_likelihoods(cvae, x, num_samples=3, seed=0)
    assert table.shape == (4, 3)
    for c in range(3):
        expected = -importance_sampled_nll(
            cvae, x, np.full(4, c), num_samples=3, seed=0, per_image=True
        )
        np.testing.assert_allclose(table[:, c], expected, rtol=1e-5)


def test_a_cvae_needs_one_label_per_image():
    cvae = CVAE(latent_dim=2, num_classes=3, seed=0)
    with pytest.raises(ValueError):
        negative_elbo(cvae, binary_images(4), np.array([0, 1]))


# -- smaller helpers ----------------------------------------------------------------------------


def test_effective_sample_size_of_each_row_of_a_matrix_of_log_weights():
    """Bug caught: the row maximum subtracted without keepdims (wrong broadcasting for N != K)."""
    log_w = np.array(
        [[0.0, 0.0, 0.0], [0.0, -800.0, -900.0]]
    )  # equal weights: K; one dominates: 1
    np.testing.assert_allclose(
        effective_sample_size(log_w, axis=-1), [3.0, 1.0]
    )
    np.testing.assert_allclose(
        effective_sample_size(log_w.T, axis=0), [3.0, 1.0]
    )


def test_bernoulli_likelihood_matrix_refuses_a_probability_of_exactly_zero():
    """Bug caught: p = 0 let through (log 0 = -inf in the matrix)."""
    probs = np.full((1, 28, 28, 1), 0.5)
    probs[0, 3, 3, 0] = 0.0
    with pytest.raises(ValueError, match="strictly between"):
        bernoulli_log_likelihood_matrix(np.zeros((2, 28, 28, 1)), probs)


def test_knn_label_accuracy_with_a_single_reference_point():
    """Bug caught: a reference set of one code refused; labels of the wrong length accepted."""
    z_ref, z_query = np.zeros((1, 2)), np.array([[0.1, 0.0], [5.0, 5.0]])
    assert knn_label_accuracy(z_ref, [1], z_query, [1, 0], k=1) == 0.5
    with pytest.raises(ValueError, match="labels_reference has 2 labels"):
        knn_label_accuracy(z_ref, [1, 0], z_query, [1, 0], k=1)


# -- the models own their importance weights ---------------------------------------------------
def test_evaluation_asks_the_model_for_its_importance_weights():
    """Bug caught: evaluation rebuilt encoder -> sampling -> decoder from the model's parts, so a
    model with weights of its own (another prior, another likelihood) was scored as a plain VAE."""

    class Shifted(VAE):
        def log_importance_weights(self, x, num_samples, seed_generator):
            log_w, log_px_z, kl = super().log_importance_weights(
                x, num_samples, seed_generator
            )
            return log_w - 1.0, log_px_z - 1.0, kl

    x = binary_images(4)
    vae, shifted = VAE(latent_dim=2, seed=0), Shifted(latent_dim=2, seed=0)
    shifted.set_weights(vae.get_weights())
    assert importance_sampled_nll(shifted, x, num_samples=3) == pytest.approx(
        importance_sampled_nll(vae, x, num_samples=3) + 1.0, abs=1e-4
    )
    assert negative_elbo(shifted, x) == pytest.approx(
        negative_elbo(vae, x) + 1.0, abs=1e-4
    )


def test_the_cvae_weighs_with_its_labels():
    cvae = CVAE(latent_dim=2, num_classes=3, seed=0)
    x = ops.convert_to_tensor(binary_images(4))
    weights = {}
    for label in (0, 2):
        y = ops.convert_to_tensor(np.full(4, label, dtype="int32"))
        log_w, log_px_z, kl = cvae.log_importance_weights(
            [x, y], 5, keras.random.SeedGenerator(0)
        )
        assert tuple(ops.shape(log_w)) == (5, 4) and tuple(
            ops.shape(log_px_z)
        ) == (5, 4)
        assert tuple(ops.shape(kl)) == (4,)
        weights[label] = ops.convert_to_numpy(log_w)
    assert not np.allclose(
        weights[0], weights[2]
    )  # the label reaches the encoder and the decoder
