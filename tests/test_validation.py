"""Bad input gives a clear ValueError/TypeError that says what was expected - from every public function.

Each case is (what is wrong, call, exception type, a regular expression the message must match).
The messages are part of the course: a learner reads them instead of a backend stack trace.
"""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np
import pytest
from helpers import binary_images

import cvae_utils
from cvae_utils import config
from cvae_utils.callbacks import LatentGridSnapshots
from cvae_utils.data import load_fashion_mnist, load_mnist
from cvae_utils.evaluate import importance_sampled_nll, negative_elbo
from cvae_utils.losses import (
    bernoulli_nll_from_logits,
    kl_gaussians,
    kl_standard_normal,
    log_normal,
)
from cvae_utils.models import CVAE, VAE, Autoencoder
from cvae_utils.networks import Sampling, build_decoder, build_encoder
from cvae_utils.plots import (
    grid_animation,
    latent_grid,
    plot_conditional_grid,
    plot_image_grid,
    plot_interpolation,
    plot_latent_manifold,
    plot_latent_scatter,
    plot_reconstructions,
    plot_training_curves,
    tile,
)


@pytest.fixture(scope="module")
def m():
    """Untrained models (validation happens before any computation) and small arrays."""
    vae2 = VAE(latent_dim=2)
    vae2.compile(optimizer="adam")
    cvae = CVAE(latent_dim=2, num_classes=3)
    cvae.compile(optimizer="adam")
    return SimpleNamespace(
        vae2=vae2,
        vae3=VAE(latent_dim=3),
        cvae=cvae,
        ae=Autoencoder(latent_dim=2),
        x=binary_images(4),
        y=np.array([0, 1, 2, 1]),
        z=np.zeros((4, 2), "float32"),
    )


def _with(x, index, value):
    x = x.copy()
    x[index] = value
    return x


U8 = (binary_images(4) * 255).astype("uint8")
CASES = [
    # -- model construction --------------------------------------------------------------------
    (
        "latent_dim 0",
        lambda m: VAE(latent_dim=0),
        ValueError,
        r"latent_dim must be an integer >= 1, got 0",
    ),
    (
        "latent_dim float",
        lambda m: VAE(latent_dim=2.5),
        TypeError,
        r"latent_dim must be an integer >= 1, got float",
    ),
    (
        "autoencoder latent_dim -1",
        lambda m: Autoencoder(latent_dim=-1),
        ValueError,
        r"latent_dim .* >= 1, got -1",
    ),
    (
        "unknown architecture",
        lambda m: VAE(architecture="mlp"),
        ValueError,
        r"architecture must be one of \['conv', 'dense'\], got 'mlp'",
    ),
    (
        "num_classes 1",
        lambda m: CVAE(num_classes=1),
        ValueError,
        r"num_classes must be an integer >= 2, got 1",
    ),
    (
        "negative beta",
        lambda m: VAE(beta=-1.0),
        ValueError,
        r"beta must be a finite number >= 0, got -1",
    ),
    (
        "beta as string",
        lambda m: VAE(beta="1"),
        TypeError,
        r"beta must be a number >= 0",
    ),
    (
        "negative seed",
        lambda m: VAE(seed=-3),
        ValueError,
        r"seed must be an integer >= 0, got -3",
    ),
    (
        "encoder latent_dim 0",
        lambda m: build_encoder(0),
        ValueError,
        r"latent_dim must be an integer >= 1",
    ),
    (
        "decoder architecture",
        lambda m: build_decoder(2, "resnet"),
        ValueError,
        r"architecture must be one of",
    ),
    (
        "encoder variational flag",
        lambda m: build_encoder(2, variational="yes"),
        TypeError,
        r"variational must be True or False",
    ),
    (
        "Sampling shapes differ",
        lambda m: Sampling()(
            [keras.ops.zeros((2, 2)), keras.ops.zeros((2, 3))]
        ),
        ValueError,
        r"z_mean and z_log_var must have the same shape",
    ),
    # -- images --------------------------------------------------------------------------------
    (
        "single image",
        lambda m: m.vae2.encode(m.x[0]),
        ValueError,
        r"got a single image .* x\[None\]",
    ),
    (
        "no channel axis",
        lambda m: m.vae2.encode(m.x[..., 0]),
        ValueError,
        r"add the channel axis",
    ),
    (
        "wrong image size",
        lambda m: m.vae2.encode(np.zeros((2, 32, 32, 1))),
        ValueError,
        r"x must have shape \(N, 28, 28, 1\), got \(2, 32, 32, 1\)",
    ),
    (
        "RGB images",
        lambda m: m.vae2.encode(np.zeros((2, 28, 28, 3))),
        ValueError,
        r"must have shape \(N, 28, 28, 1\)",
    ),
    (
        "uint8 pixels 0..255",
        lambda m: m.vae2.encode(U8),
        ValueError,
        r"pixel values in \[0, 1\], got values in \[0, 255\] - divide uint8 images by 255",
    ),
    (
        "negative pixels",
        lambda m: m.vae2.encode(m.x - 0.5),
        ValueError,
        r"pixel values in \[0, 1\]",
    ),
    (
        "NaN pixel",
        lambda m: m.vae2.encode(_with(m.x, (0, 0, 0, 0), np.nan)),
        ValueError,
        r"x contains NaN or infinite values \(1 entries\)",
    ),
    (
        "inf pixel",
        lambda m: m.ae.encode(_with(m.x, (1, 2, 3, 0), np.inf)),
        ValueError,
        r"NaN or infinite",
    ),
    (
        "string images",
        lambda m: m.vae2.encode("images.png"),
        TypeError,
        r"x must be an array of numbers, got str",
    ),
    ("None images", lambda m: m.vae2.encode(None), TypeError, r"got NoneType"),
    (
        "object dtype",
        lambda m: m.vae2.encode(np.array([object()] * 4)),
        TypeError,
        r"must hold numbers",
    ),
    (
        "complex dtype",
        lambda m: m.vae2.encode(m.x.astype(complex)),
        TypeError,
        r"must hold real numbers",
    ),
    (
        "no images",
        lambda m: m.vae2.encode(np.zeros((0, 28, 28, 1))),
        ValueError,
        r"x is empty",
    ),
    # -- latent codes --------------------------------------------------------------------------
    (
        "z of wrong width",
        lambda m: m.vae2.decode(np.zeros((4, 3))),
        ValueError,
        r"z must have shape \(N, 2\), got \(4, 3\)",
    ),
    (
        "single code",
        lambda m: m.vae2.decode(np.zeros(2)),
        ValueError,
        r"single code .* z\[None\]",
    ),
    (
        "NaN code",
        lambda m: m.ae.decode(_with(m.z, (0, 1), np.nan)),
        ValueError,
        r"z contains NaN or infinite",
    ),
    (
        "sample 0 images",
        lambda m: m.vae2.sample(0),
        ValueError,
        r"num_samples must be an integer >= 1, got 0",
    ),
    (
        "sample 2.5 images",
        lambda m: m.vae2.sample(2.5),
        TypeError,
        r"num_samples must be an integer",
    ),
    (
        "sample seed",
        lambda m: m.vae2.sample(2, seed=-1),
        ValueError,
        r"seed must be an integer >= 0",
    ),
    # -- labels --------------------------------------------------------------------------------
    (
        "label too large",
        lambda m: m.cvae.encode(m.x, [0, 1, 2, 3]),
        ValueError,
        r"y must hold labels in \[0, 3\), got values in \[0, 3\]",
    ),
    (
        "negative label",
        lambda m: m.cvae.decode(m.z, [0, -1, 2, 1]),
        ValueError,
        r"labels in \[0, 3\)",
    ),
    (
        "label count",
        lambda m: m.cvae.encode(m.x, [0, 1, 2]),
        ValueError,
        r"y has 3 labels but there are 4 images; they must match",
    ),
    (
        "one-hot labels",
        lambda m: m.cvae.encode(m.x, np.eye(3)[m.y]),
        ValueError,
        r"one-hot encoded; pass y.argmax",
    ),
    (
        "fractional labels",
        lambda m: m.cvae.encode(m.x, [0, 0.5, 1, 2]),
        ValueError,
        r"whole-number class labels",
    ),
    (
        "boolean labels",
        lambda m: m.cvae.encode(m.x, np.array([True, False, True, False])),
        TypeError,
        r"integer class labels, got booleans",
    ),
    (
        "CVAE labels missing",
        lambda m: m.cvae.decode(m.z, None),
        TypeError,
        r"CVAE.decode\(z, y\) needs the labels y: one integer class in \[0, 3\) per code",
    ),
    (
        "CVAE.sample(int)",
        lambda m: m.cvae.sample(5),
        ValueError,
        r"one class label per image.*np.repeat",
    ),
    (
        "CVAE.sample([])",
        lambda m: m.cvae.sample([]),
        ValueError,
        r"labels is empty",
    ),
    (
        "CVAE.sample bad label",
        lambda m: m.cvae.sample([3]),
        ValueError,
        r"labels must hold labels in \[0, 3\)",
    ),
    # -- fit / evaluate ------------------------------------------------------------------------
    (
        "fit uint8",
        lambda m: m.vae2.fit(U8, epochs=1, verbose=0),
        ValueError,
        r"divide uint8 images by 255",
    ),
    (
        "fit NaN",
        lambda m: m.vae2.fit(
            _with(m.x, (0, 0, 0, 0), np.nan), epochs=1, verbose=0
        ),
        ValueError,
        r"NaN",
    ),
    (
        "CVAE.fit(x, y)",
        lambda m: m.cvae.fit(m.x, m.y, epochs=1, verbose=0),
        ValueError,
        r"CVAE.fit expects \[images, labels\] as x, got ndarray; .* fit\(\[images, labels\], ...\)",
    ),
    (
        "CVAE.fit bad labels",
        lambda m: m.cvae.fit([m.x, m.y + 5], epochs=1, verbose=0),
        ValueError,
        r"labels must hold labels in \[0, 3\)",
    ),
    (
        "CVAE.fit label count",
        lambda m: m.cvae.fit([m.x, m.y[:2]], epochs=1, verbose=0),
        ValueError,
        r"labels has 2 labels but there are 4 images",
    ),
    (
        "fit validation_data uint8",
        lambda m: m.vae2.fit(m.x, validation_data=U8, epochs=1, verbose=0),
        ValueError,
        r"validation_data must hold pixel values in \[0, 1\]",
    ),
    (
        "CVAE validation_data=(x, y)",
        lambda m: m.cvae.fit(
            [m.x, m.y], validation_data=(m.x, m.y), epochs=1, verbose=0
        ),
        ValueError,
        r"pass validation_data=\(\[images, labels\],\) instead",
    ),
    (
        "CVAE validation labels",
        lambda m: m.cvae.fit(
            [m.x, m.y], validation_data=([m.x, m.y + 3],), epochs=1, verbose=0
        ),
        ValueError,
        r"validation_data\[0\]\[1\] \(labels\)",
    ),
    (
        "evaluate uint8",
        lambda m: m.vae2.evaluate(U8, verbose=0),
        ValueError,
        r"pixel values in \[0, 1\]",
    ),
    # -- losses --------------------------------------------------------------------------------
    (
        "loss: images without channel axis",
        lambda m: bernoulli_nll_from_logits(m.x[..., 0], np.zeros_like(m.x)),
        ValueError,
        r"x and logits must have the same shape, got \(4, 28, 28\) and \(4, 28, 28, 1\)",
    ),
    (
        "loss: flat logits",
        lambda m: bernoulli_nll_from_logits(m.x, np.zeros((4, 784))),
        ValueError,
        r"x and logits must have the same shape",
    ),
    (
        "loss: string input",
        lambda m: bernoulli_nll_from_logits("x", np.zeros((1, 2))),
        TypeError,
        r"x must be an array or tensor of numbers",
    ),
    (
        "KL shapes",
        lambda m: kl_standard_normal(np.zeros((4, 2)), np.zeros((4, 3))),
        ValueError,
        r"z_mean and z_log_var must have the same shape \(or shapes that broadcast\), got \(4, 2\) and \(4, 3\)",
    ),
    (
        "KL gaussians shapes",
        lambda m: kl_gaussians(
            np.zeros((4, 2)),
            np.zeros((4, 2)),
            np.zeros((4, 5)),
            np.zeros((4, 2)),
        ),
        ValueError,
        r"mean_q and mean_p must have",
    ),
    (
        "log_normal shapes",
        lambda m: log_normal(
            np.zeros((4, 2)), np.zeros((3, 2)), np.zeros((4, 2))
        ),
        ValueError,
        r"z and mean must have the same shape",
    ),
    # -- evaluation ----------------------------------------------------------------------------
    (
        "ELBO of an autoencoder",
        lambda m: negative_elbo(m.ae, m.x),
        TypeError,
        r"model must be a cvae_utils VAE or CVAE, got Autoencoder",
    ),
    (
        "CVAE ELBO without labels",
        lambda m: negative_elbo(m.cvae, m.x),
        ValueError,
        r"CVAE is conditional: pass its labels as y",
    ),
    (
        "VAE ELBO with labels",
        lambda m: importance_sampled_nll(m.vae2, m.x, m.y),
        ValueError,
        r"VAE is not conditional: y must be None",
    ),
    (
        "ELBO label count",
        lambda m: negative_elbo(m.cvae, m.x, m.y[:3]),
        ValueError,
        r"3 labels but there are 4 images",
    ),
    (
        "NLL num_samples 0",
        lambda m: importance_sampled_nll(m.vae2, m.x, num_samples=0),
        ValueError,
        r"num_samples must be an integer >= 1, got 0",
    ),
    (
        "ELBO batch_size",
        lambda m: negative_elbo(m.vae2, m.x, batch_size=0),
        ValueError,
        r"batch_size must be an integer >= 1",
    ),
    (
        "ELBO seed",
        lambda m: negative_elbo(m.vae2, m.x, seed=None),
        TypeError,
        r"seed must be an integer >= 0",
    ),
    (
        "ELBO per_image",
        lambda m: negative_elbo(m.vae2, m.x, per_image="yes"),
        TypeError,
        r"per_image must be True or False",
    ),
    (
        "NLL of 0..255 images",
        lambda m: importance_sampled_nll(m.vae2, U8),
        ValueError,
        r"divide uint8 images by 255",
    ),
    # -- plotting ------------------------------------------------------------------------------
    (
        "manifold of a 3-D model",
        lambda m: plot_latent_manifold(m.vae3),
        ValueError,
        r"plot_latent_manifold needs a model with latent_dim == 2, got latent_dim=3",
    ),
    (
        "manifold of a non-model",
        lambda m: plot_latent_manifold("vae"),
        TypeError,
        r"needs a cvae_utils model",
    ),
    (
        "CVAE manifold without label",
        lambda m: plot_latent_manifold(m.cvae),
        ValueError,
        r"CVAE is conditional: pass label=",
    ),
    (
        "VAE manifold with label",
        lambda m: plot_latent_manifold(m.vae2, label=1),
        ValueError,
        r"VAE is not conditional",
    ),
    (
        "CVAE manifold bad label",
        lambda m: plot_latent_manifold(m.cvae, label=7),
        ValueError,
        r"label must be a class label in \[0, 3\), got 7",
    ),
    (
        "interpolation bad label_end",
        lambda m: plot_interpolation(
            m.cvae, [0, 0], [1, 1], label=0, label_end=3
        ),
        ValueError,
        r"label_end must be a class label in \[0, 3\), got 3",
    ),
    (
        "manifold label as list",
        lambda m: plot_latent_manifold(m.cvae, label=[1]),
        TypeError,
        r"label must be one integer class label",
    ),
    (
        "scatter of 3-D codes",
        lambda m: plot_latent_scatter(np.zeros((4, 3)), m.y),
        ValueError,
        r"plot_latent_scatter needs 2-D codes of shape \(N, 2\), got \(4, 3\): train a model with latent_dim=2",
    ),
    (
        "scatter label count",
        lambda m: plot_latent_scatter(m.z, m.y[:3]),
        ValueError,
        r"labels has 3 entries but there are 4 items",
    ),
    (
        "scatter negative labels",
        lambda m: plot_latent_scatter(m.z, [0, -1, 1, 1]),
        ValueError,
        r"labels >= 0",
    ),
    (
        "scatter class_names short",
        lambda m: plot_latent_scatter(m.z, m.y, class_names=["a"]),
        ValueError,
        r"class_names must have at least 3 entries",
    ),
    (
        "scatter ax",
        lambda m: plot_latent_scatter(m.z, m.y, ax="left"),
        TypeError,
        r"ax must be a matplotlib Axes",
    ),
    (
        "grid of 0..255 images",
        lambda m: plot_image_grid(U8),
        ValueError,
        r"images must hold pixel values in \[0, 1\] .* divide uint8 images by 255",
    ),
    (
        "grid with NaN",
        lambda m: plot_image_grid(_with(m.x, (0, 0, 0, 0), np.nan)),
        ValueError,
        r"NaN or infinite",
    ),
    (
        "grid of one image",
        lambda m: plot_image_grid(m.x[0, ..., 0]),
        ValueError,
        r"single image .* images\[None\]",
    ),
    (
        "grid titles",
        lambda m: plot_image_grid(m.x, titles=["a"]),
        ValueError,
        r"titles must have one entry per image \(4\), got 1",
    ),
    (
        "grid ncols 0",
        lambda m: plot_image_grid(m.x, ncols=0),
        ValueError,
        r"ncols must be an integer >= 1, got 0",
    ),
    (
        "reconstructions shape",
        lambda m: plot_reconstructions(m.x, m.x[:2]),
        ValueError,
        r"originals and reconstructions must have the same shape",
    ),
    (
        "interpolation z width",
        lambda m: plot_interpolation(m.vae2, [0, 0, 0], [1, 1]),
        ValueError,
        r"z_start must have shape \(N, 2\)",
    ),
    (
        "interpolation steps",
        lambda m: plot_interpolation(m.vae2, [0, 0], [1, 1], steps=1),
        ValueError,
        r"steps must be an integer >= 2",
    ),
    (
        "interpolation label_end on VAE",
        lambda m: plot_interpolation(m.vae2, [0, 0], [1, 1], label_end=2),
        ValueError,
        r"VAE is not conditional: label_end must be None",
    ),
    (
        "interpolation CVAE without label",
        lambda m: plot_interpolation(m.cvae, [0, 0], [1, 1]),
        ValueError,
        r"CVAE is conditional: pass label",
    ),
    (
        "conditional grid of a VAE",
        lambda m: plot_conditional_grid(m.vae2),
        ValueError,
        r"plot_conditional_grid needs a conditional model \(CVAE\), got VAE",
    ),
    (
        "conditional grid names",
        lambda m: plot_conditional_grid(m.cvae, class_names=["a", "b"]),
        ValueError,
        r"class_names must have at least 3 entries",
    ),
    (
        "curves of a list",
        lambda m: plot_training_curves([1.0, 2.0]),
        TypeError,
        r"history must be a keras History",
    ),
    (
        "curves of an empty history",
        lambda m: plot_training_curves({}),
        ValueError,
        r"history is empty",
    ),
    (
        "curves without losses",
        lambda m: plot_training_curves({"accuracy": [0.5]}),
        ValueError,
        r"history has none of reconstruction_loss, kl_loss or loss",
    ),
    (
        "latent_grid n 1",
        lambda m: latent_grid(1),
        ValueError,
        r"n must be an integer >= 2",
    ),
    (
        "latent_grid extent",
        lambda m: latent_grid(3, extent=-1.0),
        ValueError,
        r"extent must be a finite number > 0",
    ),
    (
        "tile ncols",
        lambda m: tile(m.x, 0),
        ValueError,
        r"ncols must be an integer >= 1",
    ),
    (
        "animation of nothing",
        lambda m: grid_animation([], ncols=2),
        ValueError,
        r"snapshots is empty",
    ),
    (
        "animation of a string",
        lambda m: grid_animation("snaps", ncols=2),
        TypeError,
        r"list of \(epoch, images\) pairs",
    ),
    (
        "animation items",
        lambda m: grid_animation([m.x], ncols=2),
        ValueError,
        r"snapshots\[0\] must be an \(epoch, images\) pair",
    ),
    (
        "animation quality 101",
        lambda m: grid_animation([(0, m.x)], ncols=2, quality=101),
        ValueError,
        r"quality must be at most 100",
    ),
    (
        "animation title",
        lambda m: grid_animation([(0, m.x)], ncols=2, title=3),
        TypeError,
        r"title must be a str",
    ),
    # -- data ----------------------------------------------------------------------------------
    (
        "binarize as string",
        lambda m: load_mnist(binarize="yes"),
        TypeError,
        r"binarize must be True or False",
    ),
    (
        "subset 0",
        lambda m: load_fashion_mnist(subset=0),
        ValueError,
        r"subset must be an integer >= 1, got 0",
    ),
    (
        "test_subset float",
        lambda m: load_mnist(test_subset=0.5),
        TypeError,
        r"test_subset must be an integer",
    ),
    (
        "verbose as int",
        lambda m: load_mnist(verbose=2),
        TypeError,
        r"verbose must be True or False",
    ),
    # -- callbacks -----------------------------------------------------------------------------
    (
        "snapshots of a vector",
        lambda m: LatentGridSnapshots(np.zeros(4)),
        ValueError,
        r"z_grid must be latent codes of shape \(N, latent_dim\)",
    ),
    (
        "snapshots every 0",
        lambda m: LatentGridSnapshots(m.z, every=0),
        ValueError,
        r"every must be an integer >= 1",
    ),
    (
        "snapshots label",
        lambda m: LatentGridSnapshots(m.z, label=-1),
        ValueError,
        r"label must be an integer >= 0",
    ),
    (
        "snapshots doubling",
        lambda m: LatentGridSnapshots(m.z, doubling="yes"),
        TypeError,
        r"doubling must be True or False",
    ),
    # -- config --------------------------------------------------------------------------------
    (
        "negative seed to set_seed",
        lambda m: config.set_seed(-1),
        ValueError,
        r"seed must be an integer >= 0",
    ),
    # Bug caught: set_seed raised ValueError for a float seed where every other seed raised TypeError
    (
        "float seed to set_seed",
        lambda m: config.set_seed(1.5),
        TypeError,
        r"seed must be an integer >= 0",
    ),
]


@pytest.mark.parametrize(
    "call, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_gives_a_clear_error(m, call, error, message):
    with pytest.raises(error, match=message):
        call(m)


def test_good_input_still_works(m):
    """The checks must not reject what the API documents: lists, float64, int labels as floats."""
    assert m.vae2.encode(m.x.astype("float64").tolist())[0].shape == (4, 2)
    assert m.cvae.encode(m.x, m.y.astype("float32"))[0].shape == (4, 2)
    assert m.cvae.encode(m.x, m.y[:, None])[0].shape == (
        4,
        2,
    )  # a column of labels
    assert m.vae2.encode(m.x.astype(bool))[0].shape == (4, 2)
    assert m.vae2.decode(keras.ops.zeros((1, 2))).shape == (
        1,
        28,
        28,
        1,
    )  # a backend tensor
    assert kl_standard_normal(np.zeros((5, 3, 2)), np.zeros((3, 2))).shape == (
        5,
        3,
    )  # broadcasting


# -- one contract: the same mistake raises the same error everywhere ----------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda: config.set_seed(1.5),
        lambda: VAE(latent_dim=2, seed=1.5),
        lambda: cvae_utils.real_image_sampler(
            binary_images(2), [0, 1], seed=1.5
        ),
        lambda: cvae_utils.smoothed_probabilities(binary_images(1), eps=True),
        lambda: cvae_utils.samples_for_relative_error(
            0.0, 1.0, relative_error="0.1"
        ),
        lambda: cvae_utils.make_spiral(10, turns="2"),
        lambda: cvae_utils.plot_graphical_model(
            {"z": (0, 1), "x": (0, 0)}, generative=[("z", "x")], radius=True
        ),
    ],
    ids=[
        "set_seed",
        "VAE seed",
        "sampler seed",
        "eps",
        "relative_error",
        "turns",
        "radius",
    ],
)
def test_a_value_of_the_wrong_type_is_a_type_error_everywhere(call):
    """Bug caught: a float seed was a ValueError in set_seed and a TypeError elsewhere; eps,
    relative_error and radius raised ValueError for a string or a boolean."""
    with pytest.raises(TypeError, match=r"must be (a number|an integer)"):
        call()


def test_the_course_model_check_names_the_caller_and_tells_conditional_apart(
    m,
):
    from cvae_utils._validation import check_course_model

    assert check_course_model(CVAE(latent_dim=2, num_classes=3)) is True
    assert check_course_model(VAE(latent_dim=2)) is False
    assert check_course_model(Autoencoder(latent_dim=2)) is False
    for thing in (
        "vae",
        SimpleNamespace(decode=lambda z: z, latent_dim=2.0),
        SimpleNamespace(decode=None, latent_dim=2),
    ):
        with pytest.raises(TypeError, match="plot_x needs a cvae_utils model"):
            check_course_model(thing, "plot_x")
