"""A 2-D toy problem for the autoencoder chapter, and nearest-neighbour distances between point sets.

The toy data are noisy points on a spiral in the plane: one-dimensional data (a position
along the curve) living in two dimensions. A tiny dense autoencoder squeezes each point
through a single number and back, so every step of an autoencoder can be *drawn*:

    x, t = make_spiral(1000, noise=0.04, seed=0)
    toy = build_toy_autoencoder()                   # 2 -> 64 -> 64 -> 1 -> 64 -> 64 -> 2
    toy.autoencoder.compile(optimizer="adam", loss="mse")
    toy.autoencoder.fit(x, x, epochs=150, batch_size=128, verbose=0)
    curve = toy.decoder.predict(np.linspace(-1, 1, 500)[:, None])   # the learned 1-D curve

:func:`nearest_distance` measures how far points are from a reference set (generated toy
points from the true curve, random latent codes from the codes of real images).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import keras
import numpy as np
from keras import layers

from .checks import as_array, check_nonnegative_float, check_positive_int

DEFAULT_TURNS = 1.0
DEFAULT_RADII = (0.3, 1.0)


# -- validation --------------------------------------------------------------------------
def _check_turns(turns) -> float:
    if isinstance(turns, bool) or not isinstance(turns, numbers.Real):
        raise TypeError(f"turns must be a positive number, got {type(turns).__name__} {turns!r}")
    if not np.isfinite(turns) or turns <= 0:
        raise ValueError(f"turns must be a finite number > 0, got {turns}")
    return float(turns)


def _check_radii(radii) -> tuple[float, float]:
    try:
        r_inner, r_outer = radii
    except (TypeError, ValueError) as exc:
        raise TypeError(f"radii must be a pair (inner, outer), got {radii!r}") from exc
    r_inner = check_nonnegative_float(r_inner, "radii[0]")
    r_outer = check_nonnegative_float(r_outer, "radii[1]")
    if r_outer <= r_inner:
        raise ValueError(f"radii must satisfy inner < outer, got ({r_inner}, {r_outer})")
    return r_inner, r_outer


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}")
    return seed


def _check_points(points, name: str, dim: int | None = 2) -> np.ndarray:
    """An (N, dim) array of finite numbers as float64 (dim=None accepts any width)."""
    arr = as_array(points, name)
    if arr.ndim != 2 or (dim is not None and arr.shape[1] != dim):
        want = f"(N, {dim})" if dim is not None else "(N, D)"
        hint = " - add a batch axis with points[None]" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: expected at least one point")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.astype("float64")


# -- the spiral ---------------------------------------------------------------------------
def spiral_curve(t, turns: float = DEFAULT_TURNS, radii=DEFAULT_RADII) -> np.ndarray:
    """Noise-free points on the spiral at positions ``t`` in [0, 1]; float32 (N, 2).

    The angle grows linearly to ``2*pi*turns`` and the radius linearly from ``radii[0]``
    to ``radii[1]``, so t = 0 is the inner end and t = 1 the outer end.
    """
    turns = _check_turns(turns)
    r_inner, r_outer = _check_radii(radii)
    t = as_array(t, "t").astype("float64")
    if t.ndim != 1:
        raise ValueError(f"t must be a 1-D array of positions in [0, 1], got shape {t.shape}")
    if t.size and (not np.all(np.isfinite(t)) or t.min() < 0.0 or t.max() > 1.0):
        raise ValueError("t must hold finite positions in [0, 1]")
    angle = 2.0 * np.pi * turns * t
    radius = r_inner + (r_outer - r_inner) * t
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).astype("float32")


def make_spiral(n: int = 1000, noise: float = 0.04, turns: float = DEFAULT_TURNS, radii=DEFAULT_RADII,
                seed: int | None = None):
    """Noisy points on the spiral: ``(x, t)`` with x float32 (n, 2) and t float32 (n,).

    Positions t are uniform on [0, 1]; each point gets isotropic Gaussian noise with
    standard deviation ``noise``. t is the true one-dimensional "latent" of each point.
    """
    n = check_positive_int(n, "n")
    noise = check_nonnegative_float(noise, "noise")
    rng = np.random.default_rng(_check_seed(seed))
    t = rng.uniform(0.0, 1.0, n)
    x = spiral_curve(t, turns, radii) + noise * rng.standard_normal((n, 2))
    return x.astype("float32"), t.astype("float32")


def distance_to_curve(points, turns: float = DEFAULT_TURNS, radii=DEFAULT_RADII, resolution: int = 4000) -> np.ndarray:
    """Distance from each 2-D point to the noise-free spiral; float64 (N,).

    The curve is approximated by ``resolution`` points, so distances are accurate to about
    half their spacing (about 0.001 for the default spiral).
    """
    points = _check_points(points, "points", dim=2)
    resolution = check_positive_int(resolution, "resolution", minimum=2)
    curve = spiral_curve(np.linspace(0.0, 1.0, resolution), turns, radii)
    return nearest_distance(points, curve)


# -- nearest neighbours -------------------------------------------------------------------
def nearest_neighbor(query, reference, batch_size: int = 512):
    """For each query point, the Euclidean distance to its nearest reference point and that
    point's index: ``(distances float64 (N,), indices int64 (N,))``.

    Works in batches of query points, so 10,000 x 10,000 pairs need only a few MB.
    """
    query = _check_points(query, "query", dim=None)
    reference = _check_points(reference, "reference", dim=None)
    if query.shape[1] != reference.shape[1]:
        raise ValueError(f"query and reference must have the same number of coordinates, "
                         f"got {query.shape[1]} and {reference.shape[1]}")
    batch_size = check_positive_int(batch_size, "batch_size")
    ref_sq = np.sum(reference ** 2, axis=1)
    distances = np.empty(len(query))
    indices = np.empty(len(query), dtype="int64")
    for start in range(0, len(query), batch_size):
        q = query[start:start + batch_size]
        # |q - r|^2 = |q|^2 + |r|^2 - 2 q.r, clipped at 0 against round-off
        d2 = np.sum(q ** 2, axis=1)[:, None] + ref_sq[None, :] - 2.0 * q @ reference.T
        idx = np.argmin(d2, axis=1)
        indices[start:start + batch_size] = idx
        distances[start:start + batch_size] = np.sqrt(np.maximum(d2[np.arange(len(q)), idx], 0.0))
    return distances, indices


def nearest_distance(query, reference, batch_size: int = 512) -> np.ndarray:
    """Euclidean distance from each query point to its nearest reference point; float64 (N,)."""
    return nearest_neighbor(query, reference, batch_size)[0]


# -- the tiny autoencoder -----------------------------------------------------------------
class ToyAutoencoder(NamedTuple):
    """The three Keras models of a toy autoencoder; they share their layers."""

    autoencoder: keras.Model  # x -> reconstruction (train this one)
    encoder: keras.Model  # x -> code z
    decoder: keras.Model  # z -> point


def build_toy_autoencoder(input_dim: int = 2, latent_dim: int = 1, hidden_units=(64, 64),
                          activation: str = "relu", name: str = "toy") -> ToyAutoencoder:
    """A small dense autoencoder for points: input_dim -> hidden_units -> latent_dim -> reversed hidden -> input_dim.

    The code layer and the output layer are linear (real-valued codes and coordinates);
    train ``.autoencoder`` with a squared-error loss, e.g. ``compile(optimizer=..., loss="mse")``.
    """
    input_dim = check_positive_int(input_dim, "input_dim")
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    if isinstance(hidden_units, numbers.Integral) or isinstance(hidden_units, (str, bytes)):
        raise TypeError(f"hidden_units must be a sequence of layer widths such as (64, 64), got {hidden_units!r}")
    hidden_units = tuple(check_positive_int(u, "each entry of hidden_units") for u in hidden_units)
    if not isinstance(activation, str):
        raise TypeError(f"activation must be the name of a Keras activation such as 'relu', got {activation!r}")
    try:
        keras.activations.get(activation)
    except ValueError as exc:
        raise ValueError(f"unknown activation {activation!r}; try 'relu', 'tanh' or 'elu'") from exc

    x = keras.Input((input_dim,), name="point")
    h = x
    for i, units in enumerate(hidden_units):
        h = layers.Dense(units, activation=activation, name=f"enc_{i}")(h)
    z = layers.Dense(latent_dim, name="code")(h)
    encoder = keras.Model(x, z, name=f"{name}_encoder")

    z_in = keras.Input((latent_dim,), name="code")
    h = z_in
    for i, units in enumerate(reversed(hidden_units)):
        h = layers.Dense(units, activation=activation, name=f"dec_{i}")(h)
    out = layers.Dense(input_dim, name="reconstruction")(h)
    decoder = keras.Model(z_in, out, name=f"{name}_decoder")

    autoencoder = keras.Model(x, decoder(encoder(x)), name=f"{name}_autoencoder")
    return ToyAutoencoder(autoencoder, encoder, decoder)
