"""The quadrant task of chapter 06: masks, models, the negative conditional log-likelihood, the figure."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest
from helpers import binary_images, compile_model

from cvae_utils import (
    QuadrantBaseline,
    QuadrantCVAE,
    kl_gaussians,
    kl_standard_normal,
    merge_quadrants,
    negative_cll,
    plot_completions,
    plot_training_curves,
    quadrant_mask,
    split_quadrants,
)
from cvae_utils.models import VAE


def _nll_np(y, logits):
    y, logits = np.asarray(y, "float64"), np.asarray(logits, "float64")
    return np.sum(np.logaddexp(0, logits) - y * logits, axis=-1)


@pytest.fixture(scope="module")
def cvae():
    return QuadrantCVAE(num_given=2, latent_dim=2, hidden_units=(32,), seed=0)


def test_masks_follow_the_paper_and_grow_with_num_given():
    one, two, three = (quadrant_mask(k) for k in (1, 2, 3))
    assert [m.sum() for m in (one, two, three)] == [196, 392, 588]
    assert (
        one[14:, :14].all() and not one[:14].any() and not one[:, 14:].any()
    )  # bottom-left
    assert two[:, :14].all() and not two[:, 14:].any()  # left half
    assert (
        not three[14:, 14:].any() and three.sum() == 3 * 196
    )  # all but bottom-right
    assert (one <= two).all() and (two <= three).all()


@pytest.mark.parametrize("bad", [0, 4, "1", True, 1.5, None])
def test_num_given_must_be_1_2_or_3(bad):
    with pytest.raises(ValueError, match="num_given must be 1, 2 or 3"):
        quadrant_mask(bad)
    with pytest.raises(ValueError, match="num_given"):
        QuadrantBaseline(num_given=bad)


def test_split_and_merge_are_inverse():
    x = binary_images(5)
    for k in (1, 2, 3):
        observed, hidden = split_quadrants(x, k)
        assert observed.shape == (5, 196 * k) and hidden.shape == (
            5,
            784 - 196 * k,
        )
        np.testing.assert_array_equal(merge_quadrants(observed, hidden, k), x)
        # several completions per image keep the observed pixels in every one of them
        many = merge_quadrants(
            observed, np.stack([hidden, 1 - hidden], axis=1), k
        )
        assert many.shape == (5, 2, 28, 28, 1)
        np.testing.assert_array_equal(
            many[:, 1][:, quadrant_mask(k)], x[:, quadrant_mask(k)]
        )
    with pytest.raises(ValueError, match="hidden must have shape"):
        merge_quadrants(observed, hidden[:, :10], 3)


def test_baseline_cll_is_the_exact_bernoulli_nll_of_the_hidden_pixels():
    model = QuadrantBaseline(num_given=1, hidden_units=(16,))
    x = binary_images(7)
    observed, hidden = split_quadrants(x, 1)
    logits = keras.ops.convert_to_numpy(model.network(observed))
    np.testing.assert_allclose(
        negative_cll(model, x, per_image=True),
        _nll_np(hidden, logits),
        rtol=1e-5,
    )
    completion = model.complete(x)
    np.testing.assert_array_equal(
        completion[:, quadrant_mask(1)], x[:, quadrant_mask(1)]
    )
    np.testing.assert_allclose(
        completion.reshape(7, -1)[:, ~quadrant_mask(1).reshape(-1)],
        1 / (1 + np.exp(-logits)),
        rtol=1e-5,
    )


def _make_z_irrelevant(model, bias):
    """Prior and recognition networks output N(0, I); the generation network outputs logits = bias."""
    for net, prefix in (
        (model.prior, "prior"),
        (model.recognition, "recognition"),
    ):
        for suffix in ("mean", "log_var"):
            layer = net.get_layer(f"{prefix}_{suffix}")
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    last = model.generation.get_layer("logits")
    kernel, _ = last.get_weights()
    last.set_weights([np.zeros_like(kernel), bias])


@pytest.mark.parametrize("proposal", ["recognition", "prior"])
def test_cvae_cll_has_a_known_answer_when_z_does_not_matter(proposal):
    """With p(z|x_obs) = q(z|x_obs,y) = N(0, I) and logits that ignore z, every importance weight is
    p(y | logits = b): the estimate must equal that NLL exactly, for any number of samples."""
    model = QuadrantCVAE(num_given=3, latent_dim=3, hidden_units=(8,), seed=0)
    b = np.random.default_rng(0).normal(scale=2.0, size=196).astype("float32")
    _make_z_irrelevant(model, b)
    x = binary_images(6)
    expected = _nll_np(split_quadrants(x, 3)[1], b[None])
    for k in (1, 7):
        np.testing.assert_allclose(
            negative_cll(
                model, x, num_samples=k, proposal=proposal, per_image=True
            ),
            expected,
            rtol=1e-5,
        )


def test_both_proposals_estimate_the_same_likelihood(cvae):
    """Importance sampling with the recognition network and plain Monte Carlo with the prior network
    estimate the same -log p(y | x_obs); with many samples and a 2-D latent they must agree."""
    x = binary_images(4)
    by_recognition = negative_cll(
        cvae, x, num_samples=4000, proposal="recognition", per_image=True
    )
    by_prior = negative_cll(
        cvae, x, num_samples=4000, proposal="prior", per_image=True
    )
    np.testing.assert_allclose(by_recognition, by_prior, atol=0.5)


def test_more_samples_do_not_loosen_the_bound(cvae):
    x = binary_images(20)
    few = np.mean(
        [negative_cll(cvae, x, num_samples=1, seed=s) for s in range(5)]
    )
    many = np.mean(
        [negative_cll(cvae, x, num_samples=100, seed=s) for s in range(5)]
    )
    assert many <= few + 1e-6


@pytest.mark.parametrize("gsnn_weight", [0.0, 0.3, 1.0])
def test_loss_mixes_the_cvae_and_gsnn_objectives(gsnn_weight):
    model = compile_model(
        QuadrantCVAE(
            num_given=1,
            latent_dim=2,
            hidden_units=(16,),
            gsnn_weight=gsnn_weight,
            seed=0,
        )
    )
    x = binary_images(32)
    history = model.fit(x, epochs=2, batch_size=16, verbose=0)
    assert {"loss", "reconstruction_loss", "kl_loss", "gsnn_loss"} <= set(
        history.history
    )
    logs = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    expected = (1 - gsnn_weight) * (
        logs["reconstruction_loss"] + logs["kl_loss"]
    ) + gsnn_weight * logs["gsnn_loss"]
    assert logs["loss"] == pytest.approx(expected, rel=1e-4)
    assert all(np.isfinite(v) for v in logs.values())


@pytest.mark.parametrize("gsnn_weight", [0.0, 0.5, 1.0])
def test_negative_elbo_is_the_cvae_bound_whatever_the_objective(gsnn_weight):
    """The metric chapter 06 stops every model on: reconstruction + KL, the -ELBO of the CVAE part,
    not the training loss (which mixes in the GSNN term). Bugs caught: tracking the loss, leaving out
    the KL, mixing in the GSNN term, no validation value for EarlyStopping to watch."""
    model = compile_model(
        QuadrantCVAE(
            num_given=1,
            latent_dim=2,
            hidden_units=(16,),
            gsnn_weight=gsnn_weight,
            seed=0,
        )
    )
    x = binary_images(32)
    history = model.fit(
        x, validation_data=(x,), epochs=2, batch_size=16, verbose=0
    )
    assert {"negative_elbo", "val_negative_elbo"} <= set(history.history)
    logs = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    assert logs["negative_elbo"] == pytest.approx(
        logs["reconstruction_loss"] + logs["kl_loss"], rel=1e-5
    )
    # known terms: sharp logits for the recognition path (small reconstruction), all-zero logits
    # for the prior path (GSNN term = 588 log 2), q = N(1, I) against p = N(0, I) (KL = d / 2)
    _, hidden = split_quadrants(x, 1)
    q_mean = np.ones((32, 2), "float32")
    zeros = np.zeros_like(q_mean)
    y_pred = {
        "logits": 4.0 * (2.0 * hidden - 1.0),
        "prior_logits": np.zeros_like(hidden),
        "q_mean": q_mean,
        "q_log_var": zeros,
        "p_mean": zeros,
        "p_log_var": zeros,
    }
    model.negative_elbo_tracker.reset_state()
    loss = float(model.compute_loss(x, y_pred=y_pred))
    reconstruction = 588 * np.log1p(np.exp(-4.0))
    gsnn = 588 * np.log(2.0)
    assert float(model.negative_elbo_tracker.result()) == pytest.approx(
        reconstruction + 1.0, rel=1e-5
    )
    assert loss == pytest.approx(
        (1 - gsnn_weight) * (reconstruction + 1.0) + gsnn_weight * gsnn,
        rel=1e-5,
    )


def test_the_baseline_reports_its_exact_nll_as_negative_elbo():
    model = compile_model(QuadrantBaseline(num_given=2, hidden_units=(16,)))
    x = binary_images(32)
    logs = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    assert logs["negative_elbo"] == pytest.approx(
        negative_cll(model, x), rel=1e-5
    )
    assert logs["negative_elbo"] == pytest.approx(logs["loss"], rel=1e-6)


def test_early_stopping_on_negative_elbo_keeps_its_best_epoch():
    model = compile_model(
        QuadrantCVAE(
            num_given=1, latent_dim=2, hidden_units=(16,), gsnn_weight=0.5
        )
    )
    x = binary_images(32)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_negative_elbo",
        mode="min",
        patience=1,
        restore_best_weights=True,
    )
    history = model.fit(
        x,
        validation_data=(x[:16],),
        epochs=4,
        batch_size=16,
        verbose=0,
        callbacks=[stop],
    )
    values = history.history["val_negative_elbo"]
    logs = model.evaluate(x[:16], batch_size=16, verbose=0, return_dict=True)
    # the restored weights are those of the best epoch (the estimate is stochastic: loose tolerance)
    assert logs["negative_elbo"] == pytest.approx(min(values), rel=0.05)


def test_training_improves_the_baseline():
    model = compile_model(QuadrantBaseline(num_given=2, hidden_units=(32,)))
    x = binary_images(64)
    before = negative_cll(model, x)
    model.fit(x, epochs=20, batch_size=32, verbose=0)
    assert negative_cll(model, x) < before - 10


def test_completions_keep_the_observed_pixels_and_are_reproducible(cvae):
    x = binary_images(3)
    samples = cvae.complete(x, num_samples=4, seed=1)
    assert samples.shape == (3, 4, 28, 28, 1)
    mask = quadrant_mask(2)
    for s in range(4):
        np.testing.assert_array_equal(samples[:, s][:, mask], x[:, mask])
    hidden = samples[:, :, ~mask]
    assert hidden.min() >= 0 and hidden.max() <= 1
    np.testing.assert_array_equal(
        samples, cvae.complete(x, num_samples=4, seed=1)
    )
    assert not np.allclose(
        samples[:, 0], samples[:, 1]
    )  # different z, different completions


def test_saved_model_reloads_with_the_same_predictions(tmp_path, cvae):
    path = os.fspath(tmp_path / "quadrant_cvae.keras")
    cvae.save(path)
    reloaded = keras.models.load_model(path)
    assert (
        isinstance(reloaded, QuadrantCVAE)
        and reloaded.num_given == 2
        and reloaded.latent_dim == 2
    )
    x = binary_images(3)
    np.testing.assert_allclose(
        reloaded.complete(x, 2, seed=0),
        cvae.complete(x, 2, seed=0),
        rtol=1e-5,
        atol=1e-6,
    )


def test_plot_completions_draws_one_row_per_image(cvae):
    baseline = QuadrantBaseline(num_given=2, hidden_units=(8,))
    fig = plot_completions(
        binary_images(3), baseline, cvae, n=3, num_samples=2
    )
    assert len(fig.axes) == 3 * (1 + 1 + 2 + 1)
    assert [ax.get_title() for ax in fig.axes[:5]] == [
        "input",
        "NN",
        "CVAE 1",
        "CVAE 2",
        "truth",
    ]


def test_bad_inputs_get_clear_errors(cvae):
    x = binary_images(2)
    with pytest.raises(ValueError, match="gsnn_weight must be in"):
        QuadrantCVAE(gsnn_weight=1.5)
    with pytest.raises(TypeError, match="hidden_units"):
        QuadrantCVAE(hidden_units=500)
    with pytest.raises(TypeError, match="QuadrantBaseline or QuadrantCVAE"):
        negative_cll(VAE(latent_dim=2), x)
    with pytest.raises(ValueError, match="proposal"):
        negative_cll(cvae, x, proposal="posterior")
    with pytest.raises(ValueError, match="shape"):
        negative_cll(cvae, x[..., 0])
    with pytest.raises(ValueError, match="whole images only"):
        cvae.fit(x, x)
    with pytest.raises(ValueError, match="baseline sees 1"):
        plot_completions(
            x, QuadrantBaseline(num_given=1, hidden_units=(8,)), cvae
        )
    with pytest.raises(
        TypeError, match="needs a QuadrantBaseline and a QuadrantCVAE"
    ):
        plot_completions(x, cvae, cvae)


def test_training_curves_of_a_quadrant_cvae_draw_its_three_terms():
    model = compile_model(
        QuadrantCVAE(num_given=1, latent_dim=2, hidden_units=(8,), seed=0)
    )
    x = binary_images(16)
    history = model.fit(
        x, validation_data=(x,), epochs=2, batch_size=8, verbose=0
    )
    fig = plot_training_curves(history, validation_label="validation")
    # three panels in a 2 x 2 grid (drawn for the page's column); the fourth
    # cell is switched off
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 3 and all(len(ax.lines) == 2 for ax in panels)
    titles = [ax.get_title() for ax in panels]
    assert (
        titles[1] == "KL(q(z | x, y) ‖ p(z | x))"
        and "z ~ p(z | x)" in titles[2]
    )
    for ax, key in zip(
        panels, ("reconstruction_loss", "kl_loss", "gsnn_loss")
    ):
        np.testing.assert_allclose(
            ax.lines[0].get_ydata(), history.history[key]
        )
        np.testing.assert_allclose(
            ax.lines[1].get_ydata(), history.history["val_" + key]
        )
    assert fig.axes[0].get_legend().get_texts()[1].get_text() == "validation"


def test_plot_completions_samples_follow_the_seed_and_borders_mark_the_hidden_part(
    cvae,
):
    """Bugs caught: the seed not passed to the samples; borders drawn on the input or truth column;
    a border that does not run along the 14-pixel edge between observed and hidden quadrants."""
    baseline = QuadrantBaseline(num_given=2, hidden_units=(8,))
    x = binary_images(2)

    def samples(fig):  # the CVAE columns (2 and 3 of 5) of every row
        return np.stack(
            [
                np.asarray(ax.images[0].get_array())
                for i, ax in enumerate(fig.axes)
                if i % 5 in (2, 3)
            ]
        )

    same = [
        samples(
            plot_completions(x, baseline, cvae, n=2, num_samples=2, seed=s)
        )
        for s in (1, 1, 2)
    ]
    np.testing.assert_array_equal(same[0], same[1])
    assert not np.array_equal(same[0], same[2]), (
        "another seed must draw other completions"
    )
    fig = plot_completions(x, baseline, cvae, n=2, num_samples=2)
    for i, ax in enumerate(fig.axes):
        if i % 5 in (0, 4):
            assert not ax.lines, (
                "the input and the truth are shown without the border"
            )
            continue
        assert ax.lines, (
            "the NN guess and every sample mark where the given half ends"
        )
        for line in ax.lines:  # two given quadrants = the left half: one vertical border at x = 13.5
            xs, ys = line.get_xdata(), line.get_ydata()
            assert tuple(xs) == (13.5, 13.5) and sorted(ys) in (
                [-0.5, 13.5],
                [13.5, 27.5],
            )


# -- The prior option of QuadrantCVAE (chapter 06's ablation): a learned p(z | x) or a fixed N(0, I) ----------


def _small(prior, seed=0):
    return QuadrantCVAE(
        num_given=1, latent_dim=3, hidden_units=(16,), prior=prior, seed=seed
    )


def test_the_learned_prior_is_the_default():
    model = QuadrantCVAE(num_given=1, latent_dim=3, hidden_units=(16,))
    assert model.get_config()["prior"] == "learned"
    assert model.prior.trainable_weights, (
        "the learned prior network must have trainable weights"
    )


def test_the_standard_prior_is_n01_for_every_input_and_stays_so_after_training():
    model = compile_model(_small("standard"))
    x = binary_images(16)
    x_obs, _ = split_quadrants(x, 1)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in model.prior(x_obs))
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_array_equal(log_var, 0.0)
    assert model.prior.trainable_weights == []
    model.fit(x, epochs=2, batch_size=8, verbose=0)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in model.prior(x_obs))
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_array_equal(log_var, 0.0)


def test_the_standard_prior_has_fewer_trainable_weights_than_the_learned_one():
    learned, standard = _small("learned"), _small("standard")
    count = lambda m: sum(int(np.prod(w.shape)) for w in m.trainable_weights)  # noqa: E731
    # the learned prior network: 196*16 + 16 (hidden) and 2 * (16*3 + 3) (mean and log-variance heads)
    assert count(learned) - count(standard) == 196 * 16 + 16 + 2 * (16 * 3 + 3)


def test_the_kl_term_of_the_standard_prior_is_the_kl_to_n01():
    model = _small("standard")
    out = model(binary_images(6))
    kl_model = kl_gaussians(
        out["q_mean"], out["q_log_var"], out["p_mean"], out["p_log_var"]
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(kl_model),
        keras.ops.convert_to_numpy(
            kl_standard_normal(out["q_mean"], out["q_log_var"])
        ),
        rtol=1e-5,
        atol=1e-5,
    )


def test_completions_of_the_standard_prior_decode_standard_normal_codes():
    model = _small("standard")
    x = binary_images(4)
    samples = model.complete(x, num_samples=2, seed=3)
    x_obs, _ = split_quadrants(x, 1)
    eps = (
        np.random.default_rng(3).standard_normal((2, 4, 3)).astype("float32")
    )  # z = 0 + 1 * eps
    for s in range(2):
        probs = keras.ops.convert_to_numpy(
            keras.ops.sigmoid(model.generation([x_obs, eps[s]]))
        )
        _, hidden = split_quadrants(samples[:, s], 1)
        np.testing.assert_allclose(hidden, probs, rtol=1e-5, atol=1e-6)


def test_standard_prior_survives_get_config_and_saving(tmp_path):
    model = _small("standard", seed=2)
    assert model.get_config()["prior"] == "standard"
    rebuilt = QuadrantCVAE.from_config(model.get_config())
    assert rebuilt.get_config() == model.get_config()
    path = tmp_path / "fixed_prior.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert (
        isinstance(restored, QuadrantCVAE)
        and restored.get_config()["prior"] == "standard"
    )
    x = binary_images(5)
    np.testing.assert_allclose(
        restored.complete(x, 2, seed=0),
        model.complete(x, 2, seed=0),
        atol=1e-6,
    )
    assert restored.prior.trainable_weights == []


def test_negative_cll_scores_a_standard_prior_model():
    model = _small("standard")
    x = binary_images(8)
    for proposal in ("recognition", "prior"):
        value = negative_cll(model, x, num_samples=4, proposal=proposal)
        assert np.isfinite(value) and value > 0


@pytest.mark.parametrize("bad", ["fixed", "Learned", ""])
def test_prior_must_be_learned_or_standard(bad):
    with pytest.raises(ValueError, match="prior must be one of"):
        QuadrantCVAE(num_given=1, latent_dim=2, hidden_units=(8,), prior=bad)


@pytest.mark.parametrize("bad", [None, 1, ["learned"]])
def test_prior_must_be_a_string(bad):
    with pytest.raises(TypeError, match="prior must be"):
        QuadrantCVAE(num_given=1, latent_dim=2, hidden_units=(8,), prior=bad)


def test_config_lists_hidden_units_as_keras_saves_them():
    """Bug caught: the config kept the tuple, so a saved and reloaded
    model's config no longer equals the original's (JSON has lists)."""
    import json

    config = QuadrantBaseline(num_given=1, hidden_units=(16, 8)).get_config()
    assert config["hidden_units"] == [16, 8]
    assert json.loads(json.dumps(config)) == config
