"""The toy problem of chapter 03 (cvae_utils.data, .networks, .evaluate): the spiral data, nearest-neighbour distances and the tiny autoencoder."""

import keras
import numpy as np
import pytest

from cvae_utils import (
    ToyAutoencoder,
    build_toy_autoencoder,
    distance_to_curve,
    make_spiral,
    nearest_neighbor,
    spiral_curve,
)

# -- the spiral ----------------------------------------------------------------------------


def test_spiral_curve_ends_and_radius():
    pts = spiral_curve(np.array([0.0, 0.5, 1.0]), turns=1.0, radii=(0.3, 1.0))
    assert pts.shape == (3, 2) and pts.dtype == np.float32
    np.testing.assert_allclose(
        pts[0], [0.3, 0.0], atol=1e-6
    )  # inner end on the positive x-axis
    np.testing.assert_allclose(
        pts[1], [-0.65, 0.0], atol=1e-6
    )  # half a turn, half-way radius
    np.testing.assert_allclose(pts[2], [1.0, 0.0], atol=1e-6)  # one full turn
    np.testing.assert_allclose(
        np.linalg.norm(spiral_curve(np.linspace(0, 1, 11)), axis=1),
        0.3 + 0.7 * np.linspace(0, 1, 11),
        rtol=1e-5,
    )


def test_make_spiral_shapes_seed_and_noise():
    x, t = make_spiral(500, noise=0.05, seed=3)
    assert x.shape == (500, 2) and t.shape == (500,)
    assert x.dtype == np.float32 and t.dtype == np.float32
    assert 0.0 <= t.min() and t.max() <= 1.0
    x2, t2 = make_spiral(500, noise=0.05, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)
    assert not np.array_equal(x, make_spiral(500, noise=0.05, seed=4)[0])
    # the noise is what it says: residuals from the true points have the given standard deviation
    residual = x - spiral_curve(t)
    assert abs(residual.std() - 0.05) < 0.005
    x0, t0 = make_spiral(50, noise=0.0, seed=0)
    np.testing.assert_allclose(x0, spiral_curve(t0), atol=1e-6)


def test_distance_to_curve_zero_on_curve_and_known_off_curve():
    on = spiral_curve(np.linspace(0.0, 1.0, 37))
    assert distance_to_curve(on).max() < 2e-3
    # the origin is 0.3 from the inner end, and farther from every other point of the spiral
    np.testing.assert_allclose(
        distance_to_curve(np.zeros((1, 2))), [0.3], atol=1e-3
    )
    # far away: the distance approaches |p| - outer radius
    np.testing.assert_allclose(
        distance_to_curve(np.array([[10.0, 0.0]])), [9.0], atol=1e-3
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"n": 0}, ValueError, "n must be an integer >= 1"),
        ({"n": 2.5}, TypeError, "n must be an integer"),
        ({"noise": -0.1}, ValueError, "noise"),
        ({"turns": 0}, ValueError, "turns"),
        ({"turns": "1"}, TypeError, "turns"),
        ({"radii": (1.0, 0.5)}, ValueError, "inner < outer"),
        ({"radii": 1.0}, TypeError, "pair"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_make_spiral_validates(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_spiral(**kwargs)


def test_spiral_curve_validates_t():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        spiral_curve(np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match="1-D"):
        spiral_curve(np.zeros((3, 1)))


def test_distance_to_curve_validates_points():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        distance_to_curve(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="batch axis"):
        distance_to_curve(np.zeros(2))


# -- nearest neighbours --------------------------------------------------------------------


@pytest.mark.parametrize("dim, batch_size", [(2, 7), (5, 512)])
def test_nearest_neighbor_matches_brute_force(dim, batch_size):
    rng = np.random.default_rng(0)
    query, reference = rng.normal(size=(53, dim)), rng.normal(size=(80, dim))
    full = np.linalg.norm(query[:, None, :] - reference[None, :, :], axis=-1)
    distances, indices = nearest_neighbor(
        query, reference, batch_size=batch_size
    )
    np.testing.assert_array_equal(indices, full.argmin(axis=1))
    np.testing.assert_allclose(
        distances, full.min(axis=1), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        nearest_neighbor(query, reference)[0],
        full.min(axis=1),
        rtol=1e-9,
        atol=1e-9,
    )


def test_the_nearest_distance_is_zero_for_points_in_the_reference():
    reference = np.random.default_rng(1).normal(size=(20, 2)) * 1e3
    np.testing.assert_allclose(
        nearest_neighbor(reference[:5], reference)[0], 0.0, atol=1e-6
    )


def test_nearest_neighbor_validates():
    with pytest.raises(ValueError, match="same number of coordinates"):
        nearest_neighbor(np.zeros((3, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="empty"):
        nearest_neighbor(np.zeros((0, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        nearest_neighbor(np.array([[np.nan, 0.0]]), np.zeros((4, 2)))
    with pytest.raises(TypeError, match="array of numbers"):
        nearest_neighbor("points", np.zeros((4, 2)))


# -- the tiny autoencoder ------------------------------------------------------------------


def test_build_toy_autoencoder_shapes_and_shared_layers():
    toy = build_toy_autoencoder(hidden_units=(8, 4))
    assert isinstance(toy, ToyAutoencoder)
    x = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    z = toy.encoder.predict(x, verbose=0)
    assert z.shape == (5, 1)
    np.testing.assert_allclose(
        toy.autoencoder.predict(x, verbose=0),
        toy.decoder.predict(z, verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )
    # 2*8+8 + 8*4+4 + 4*1+1 = 65 in the encoder; 1*4+4 + 4*8+8 + 8*2+2 = 66 in the decoder
    assert (
        toy.encoder.count_params() == 65 and toy.decoder.count_params() == 66
    )
    assert toy.autoencoder.count_params() == 131


def test_toy_autoencoder_learns_a_line():
    keras.utils.set_random_seed(0)
    t = np.linspace(-1, 1, 256, dtype="float32")
    x = np.stack([t, 0.5 * t], axis=1)  # points on a line: a 1-D code suffices
    toy = build_toy_autoencoder(hidden_units=(16,), activation="tanh")
    toy.autoencoder.compile(optimizer=keras.optimizers.Adam(2e-2), loss="mse")
    before = float(toy.autoencoder.evaluate(x, x, verbose=0))
    toy.autoencoder.fit(x, x, epochs=30, batch_size=64, verbose=0)
    after = float(toy.autoencoder.evaluate(x, x, verbose=0))
    assert after < 0.1 * before and after < 1e-2


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"latent_dim": 0}, ValueError, "latent_dim"),
        ({"hidden_units": 64}, TypeError, "sequence of layer widths"),
        ({"hidden_units": (64, 0)}, ValueError, "hidden_units"),
        ({"activation": "nope"}, ValueError, "unknown activation"),
        ({"activation": 3}, TypeError, "activation"),
    ],
)
def test_build_toy_autoencoder_validates(kwargs, error, message):
    with pytest.raises(error, match=message):
        build_toy_autoencoder(**kwargs)


def test_nearest_neighbor_finds_the_k_nearest_in_order_and_can_skip_each_point_itself():
    from cvae_utils import nearest_neighbor

    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 3))
    brute = np.linalg.norm(points[:, None] - points[None], axis=-1)
    distances, indices = nearest_neighbor(
        points, points, k=4, exclude_self=True, batch_size=7
    )
    np.testing.assert_array_equal(
        indices,
        np.argsort(brute + np.diag(np.full(50, np.inf)), axis=1)[:, :4],
    )
    np.testing.assert_allclose(
        distances, np.take_along_axis(brute, indices, axis=1), atol=1e-9
    )
    assert np.all(np.diff(distances, axis=1) >= 0)
    distances, indices = nearest_neighbor(points[:5], points, k=2)
    np.testing.assert_array_equal(
        indices[:, 0], np.arange(5)
    )  # without exclude_self a point is its own nearest
    with pytest.raises(ValueError, match="k=50 is larger"):
        nearest_neighbor(points, points, k=50, exclude_self=True)
    with pytest.raises(ValueError, match="exclude_self needs"):
        nearest_neighbor(points[:5], points, exclude_self=True)
