"""MNIST and Fashion-MNIST as float32 arrays of shape (N, 28, 28, 1) in [0, 1].

MNIST: by default the course's own copy, bundled with this package (``datasets/mnist_course.npz``):
the first 10,000 training images of MNIST split 8,000 train / 2,000 test, the digits the book ran
on. It needs no download and no setup, and its sha256 is checked on every load.
``load_mnist(full=True)`` gives the full 70,000 digits instead, from the sources below.

The full datasets come from, in order:

1. the folder named by ``CVAE_DATA_DIR`` (Keras' own formats: ``mnist.npz``,
   ``fashion-mnist/*.gz`` or the four ``*.gz`` files directly in the folder);
2. the Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist/``);
3. ``keras.datasets.*.load_data()``, which uses Keras' cache and downloads when online.

Offline without a local copy, :class:`DataUnavailableError` says how to provide the data.

Over 400 lines because it holds one subject, the course's data sets (the two MNISTs, the toy
spiral of chapter 03, the digit quadrants of chapter 06), whose loaders share the source lookup
above, and formatted at 79 columns their input checks and messages take many lines.

MNIST: Yann LeCun, Corinna Cortes, Christopher J.C. Burges.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from importlib import resources
from pathlib import Path

import numpy as np

from ._validation import (
    IMAGE_SHAPE,
    as_array,
    check_bool,
    check_class_labels,
    check_images,
    check_nonnegative_float,
    check_number,
    check_positive_int,
    check_seed,
)

__all__ = [
    "DataUnavailableError",
    "FASHION_CLASSES",
    "MNIST_CLASSES",
    "examples_per_class",
    "load_fashion_mnist",
    "load_mnist",
    "make_spiral",
    "merge_quadrants",
    "quadrant_mask",
    "spiral_curve",
    "split_quadrants",
]

DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
MNIST_CLASSES = tuple(str(d) for d in range(10))

#: The course's MNIST, shipped as package data, and the sha256 it must have.
BUNDLED_MNIST = resources.files("cvae_utils") / "datasets" / "mnist_course.npz"
BUNDLED_MNIST_SHA256 = (
    "bafabb938116f79fb25296ed952741a5d1005d9b407d35a48295c12c2fbeed56"
)
BUNDLED_MNIST_SOURCE = (
    "the course's bundled copy (the book's first 10,000 training images of MNIST, "
    "split 8,000/2,000)"
)

#: Where the most recent load of each dataset came from (filled by the loaders).
last_source: dict[str, str] = {}


class DataUnavailableError(RuntimeError):
    """The dataset is neither on disk nor downloadable (e.g. offline).

    The message says how to provide the data (``CVAE_DATA_DIR``, the Debian package).

    Introduced in chapter 00, *Setting up*.
    """


def _data_dir() -> Path | None:
    value = os.environ.get("CVAE_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def _read_idx(path: Path, magic: int, item_shape: tuple) -> np.ndarray:
    """Read a gzipped IDX file (the format of the original MNIST/Fashion-MNIST files)."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(
            f"{path} is not a readable gzip file ({exc}); replace it with the original download"
        ) from exc
    header = 8 + 4 * len(item_shape)
    if len(raw) < header or int.from_bytes(raw[:4], "big") != magic:
        raise ValueError(
            f"{path} is not an IDX file of the expected kind (magic number {magic}); "
            f"replace it with the original download"
        )
    count = int.from_bytes(raw[4:8], "big")
    expected = header + count * int(np.prod(item_shape, dtype=np.int64))
    if len(raw) != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header announces {count} items "
            f"({expected} bytes) but the file has {len(raw)} bytes"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(
        (count, *item_shape)
    )


def _read_idx_images(path: Path) -> np.ndarray:
    return _read_idx(path, 2051, (28, 28))


def _read_idx_labels(path: Path) -> np.ndarray:
    return _read_idx(path, 2049, ())


def _fashion_from_folder(folder: Path):
    paths = [folder / name for name in FASHION_FILES]
    if not all(p.is_file() for p in paths):
        return None
    return (
        (_read_idx_images(paths[0]), _read_idx_labels(paths[1])),
        (_read_idx_images(paths[2]), _read_idx_labels(paths[3])),
    )


def _download(loader, name: str, how_to: str):
    try:
        return loader()
    except Exception as exc:  # noqa: BLE001 - any download failure gets the same advice
        raise DataUnavailableError(
            f"{name} is not on this machine and could not be downloaded ({type(exc).__name__}: {exc}).\n"
            f"Provide it locally: {how_to}"
        ) from exc


def _read_mnist_npz(path: Path, file=None):
    """Read Keras' mnist.npz (from ``file`` if given), checking that it holds what load_data() would return."""
    keys = ("x_train", "y_train", "x_test", "y_test")
    try:
        archive = np.load(path if file is None else file)
        if not hasattr(
            archive, "files"
        ):  # a plain .npy array rather than an archive of arrays
            raise ValueError("it holds a single array")
    except (
        OSError,
        EOFError,
        ValueError,
    ) as exc:  # not an npz/zip file at all
        raise ValueError(
            f"{path} is not a readable .npz file ({exc}); replace it with Keras' mnist.npz"
        ) from exc
    with archive as f:
        missing = [k for k in keys if k not in f.files]
        if missing:
            raise ValueError(
                f"{path} lacks the arrays {missing}; Keras' mnist.npz holds {list(keys)}"
            )
        arrays = {k: f[k] for k in keys}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if (
            x.ndim != 3
            or x.shape[1:] != (28, 28)
            or y.ndim != 1
            or len(y) != len(x)
        ):
            raise ValueError(
                f"{path}: x_{split} must have shape (N, 28, 28) and y_{split} shape (N,), "
                f"got {x.shape} and {y.shape}"
            )
    return (arrays["x_train"], arrays["y_train"]), (
        arrays["x_test"],
        arrays["y_test"],
    )


def _data_dir_note(folder: Path | None, wanted: str) -> str:
    """A sentence saying why CVAE_DATA_DIR did not help (empty when it is not set)."""
    if folder is None:
        return ""
    if not folder.is_dir():
        return f"CVAE_DATA_DIR is set to {folder}, which is not a folder. "
    return f"CVAE_DATA_DIR is set to {folder}, but it holds no {wanted}. "


def _raw_bundled_mnist():
    reinstall = (
        "Reinstall the course package (`pip install --force-reinstall --no-deps cvae_utils ...`, "
        "or `pip install -e .` in a checkout), or use load_mnist(full=True) for the full MNIST."
    )
    try:
        raw = BUNDLED_MNIST.read_bytes()
    except OSError as exc:
        raise DataUnavailableError(
            f"The course's bundled MNIST is missing: {BUNDLED_MNIST} could not be read ({exc}); "
            f"this installation of cvae_utils is incomplete. {reinstall}"
        ) from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != BUNDLED_MNIST_SHA256:
        raise DataUnavailableError(
            f"The course's bundled MNIST {BUNDLED_MNIST} is corrupt: its sha256 is {digest}, "
            f"expected {BUNDLED_MNIST_SHA256}. {reinstall}"
        )
    return _read_mnist_npz(
        BUNDLED_MNIST, io.BytesIO(raw)
    ), BUNDLED_MNIST_SOURCE


def _raw_full_mnist():
    folder = _data_dir()
    if folder is not None and (folder / "mnist.npz").is_file():
        path = folder / "mnist.npz"
        return _read_mnist_npz(
            path
        ), f"{path.name} in $CVAE_DATA_DIR (a local copy)"
    import keras

    how_to = (
        _data_dir_note(folder, "mnist.npz")
        + "Put Keras' mnist.npz (keys x_train, y_train, x_test, y_test) in a folder and set the "
        "environment variable CVAE_DATA_DIR to that folder, e.g. `export CVAE_DATA_DIR=../shared/data` "
        "(or os.environ['CVAE_DATA_DIR'] = ... before loading), or copy it to ~/.keras/datasets/mnist.npz. "
        "Or call load_mnist() without full=True: the course's bundled 10,000 digits need no download."
    )
    data = _download(keras.datasets.mnist.load_data, "MNIST", how_to)
    return data, "keras.datasets.mnist (the full dataset)"


def _raw_fashion_mnist():
    folder = _data_dir()
    if folder is not None:
        for candidate in (folder / "fashion-mnist", folder):
            data = _fashion_from_folder(candidate)
            if data is not None:
                where = "$CVAE_DATA_DIR" + (
                    "/fashion-mnist" if candidate != folder else ""
                )
                return data, f"the IDX files in {where} (a local copy)"
    data = _fashion_from_folder(DEBIAN_FASHION_DIR)
    if data is not None:
        return (
            data,
            f"{DEBIAN_FASHION_DIR} (Debian package dataset-fashion-mnist)",
        )
    import keras

    how_to = (
        _data_dir_note(folder, "fashion-mnist/ files")
        + "Install the Debian package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`, "
        f"files in {DEBIAN_FASHION_DIR}), or put the four files {', '.join(FASHION_FILES)} in "
        "a folder <dir>/fashion-mnist/ and set the environment variable CVAE_DATA_DIR to <dir>."
    )
    data = _download(
        keras.datasets.fashion_mnist.load_data, "Fashion-MNIST", how_to
    )
    return data, "keras.datasets.fashion_mnist (the full dataset)"


def _prepare(raw, binarize: bool, subset, test_subset):
    (x_train, y_train), (x_test, y_test) = raw

    def images(x):
        x = x.astype("float32")[..., None] / 255.0
        # Static binarisation at 0.5: the pixels become real Bernoulli observations, so -ELBO is a
        # likelihood in nats (the units of published results, not comparable values: papers binarise
        # stochastically and train on all 60,000 digits).
        return (x > 0.5).astype("float32") if binarize else x

    def take(x, y, n):
        return (x, y) if n is None else (x[:n], y[:n])

    x_train, y_train = take(x_train, y_train, subset)
    x_test, y_test = take(x_test, y_test, test_subset)
    return (images(x_train), y_train.astype("int32")), (
        images(x_test),
        y_test.astype("int32"),
    )


def _check_options(binarize, subset, test_subset, verbose=True):
    check_bool(binarize, "binarize")
    check_bool(verbose, "verbose")
    for name, value in (("subset", subset), ("test_subset", test_subset)):
        if value is not None:
            check_positive_int(value, name)


def _load(name: str, raw_loader, binarize, subset, test_subset, verbose):
    _check_options(binarize, subset, test_subset, verbose)
    raw, source = raw_loader()
    (x_train, y_train), (x_test, y_test) = _prepare(
        raw, binarize, subset, test_subset
    )
    last_source[name] = source
    if verbose:
        print(
            f"{name}: {len(x_train):,} training and {len(x_test):,} test images "
            f"{'(binarized) ' if binarize else ''}from {source}"
        )
    return (x_train, y_train), (x_test, y_test)


def load_mnist(
    binarize: bool = False,
    subset: int | None = None,
    test_subset: int | None = None,
    verbose: bool = True,
    full: bool = False,
):
    """Load MNIST digits.

    Returns ``(x_train, y_train), (x_test, y_test)`` with images float32 (N, 28, 28, 1) in
    [0, 1] (or {0, 1} with ``binarize=True``) and int32 labels 0-9. By default these are the
    course's bundled digits (8,000 training / 2,000 test images, offline, no setup); with
    ``full=True`` the full MNIST (60,000 / 10,000) from ``CVAE_DATA_DIR``, Keras' cache or a
    download. ``subset`` and ``test_subset`` keep the first n images (fast mode uses them).
    With ``verbose`` it prints where the data came from and how many images there are.

    Introduced in chapter 00, *Setting up*.
    """
    check_bool(full, "full")
    return _load(
        "MNIST",
        _raw_full_mnist if full else _raw_bundled_mnist,
        binarize,
        subset,
        test_subset,
        verbose,
    )


def load_fashion_mnist(
    binarize: bool = False,
    subset: int | None = None,
    test_subset: int | None = None,
    verbose: bool = True,
):
    """Load Fashion-MNIST (same conventions as :func:`load_mnist`; class names in FASHION_CLASSES).

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    return _load(
        "Fashion-MNIST",
        _raw_fashion_mnist,
        binarize,
        subset,
        test_subset,
        verbose,
    )


def examples_per_class(
    labels, per_class: int = 8, num_classes: int = 10
) -> np.ndarray:
    """Indices of the first ``per_class`` items of each class, class 0 first: shape (num_classes * per_class,).

    Raises ValueError when a class has fewer than ``per_class`` items.

    Introduced in chapter 09, *Fashion-MNIST: VAEs and CVAEs beyond digits*.
    """
    per_class = check_positive_int(per_class, "per_class")
    num_classes = check_positive_int(num_classes, "num_classes")
    labels = check_class_labels(labels)
    picks = []
    for c in range(num_classes):
        idx = np.flatnonzero(labels == c)[:per_class]
        if len(idx) < per_class:
            raise ValueError(
                f"class {c} has only {len(idx)} items, fewer than per_class={per_class}"
            )
        picks.append(idx)
    return np.concatenate(picks)


DEFAULT_TURNS = 1.0


DEFAULT_RADII = (0.3, 1.0)


# -- validation --------------------------------------------------------------------------
def _check_turns(turns) -> float:
    return check_number(turns, "turns", low=0, open_low=True)


def _check_radii(radii) -> tuple[float, float]:
    try:
        r_inner, r_outer = radii
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"radii must be a pair (inner, outer), got {radii!r}"
        ) from exc
    r_inner = check_nonnegative_float(r_inner, "radii[0]")
    r_outer = check_nonnegative_float(r_outer, "radii[1]")
    if r_outer <= r_inner:
        raise ValueError(
            f"radii must satisfy inner < outer, got ({r_inner}, {r_outer})"
        )
    return r_inner, r_outer


# -- the spiral ---------------------------------------------------------------------------
def spiral_curve(
    t, turns: float = DEFAULT_TURNS, radii=DEFAULT_RADII
) -> np.ndarray:
    """Noise-free points on the spiral at positions ``t`` in [0, 1]; float32 (N, 2).

    The angle grows linearly to ``2*pi*turns`` and the radius linearly from ``radii[0]``
    to ``radii[1]``, so t = 0 is the inner end and t = 1 the outer end.

    Introduced in chapter 03, *Autoencoders*.
    """
    turns = _check_turns(turns)
    r_inner, r_outer = _check_radii(radii)
    t = as_array(t, "t").astype("float64")
    if t.ndim != 1:
        raise ValueError(
            f"t must be a 1-D array of positions in [0, 1], got shape {t.shape}"
        )
    if t.size and (
        not np.all(np.isfinite(t)) or t.min() < 0.0 or t.max() > 1.0
    ):
        raise ValueError("t must hold finite positions in [0, 1]")
    angle = 2.0 * np.pi * turns * t
    radius = r_inner + (r_outer - r_inner) * t
    return np.stack(
        [radius * np.cos(angle), radius * np.sin(angle)], axis=1
    ).astype("float32")


def make_spiral(
    n: int = 1000,
    noise: float = 0.04,
    turns: float = DEFAULT_TURNS,
    radii=DEFAULT_RADII,
    seed: int | None = None,
):
    """Noisy points on the spiral: ``(x, t)`` with x float32 (n, 2) and t float32 (n,).

    Positions t are uniform on [0, 1]; each point gets isotropic Gaussian noise with
    standard deviation ``noise``. t is the true one-dimensional "latent" of each point.

    Introduced in chapter 03, *Autoencoders*.
    """
    n = check_positive_int(n, "n")
    noise = check_nonnegative_float(noise, "noise")
    rng = np.random.default_rng(check_seed(seed))
    t = rng.uniform(0.0, 1.0, n)
    x = spiral_curve(t, turns, radii) + noise * rng.standard_normal((n, 2))
    return x.astype("float32"), t.astype("float32")


NUM_GIVEN_CHOICES = (1, 2, 3)


def _check_num_given(num_given):
    if (
        isinstance(num_given, bool)
        or not isinstance(num_given, (int, np.integer))
        or int(num_given) not in NUM_GIVEN_CHOICES
    ):
        raise ValueError(
            f"num_given must be 1, 2 or 3 (the number of quadrants the model sees), got {num_given!r}"
        )
    return int(num_given)


def quadrant_mask(num_given: int) -> np.ndarray:
    """Boolean (28, 28) mask of the *observed* pixels when ``num_given`` quadrants are given.

    1: bottom-left; 2: left half; 3: everything but the bottom-right quadrant.

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """
    num_given = _check_num_given(num_given)
    h, w = IMAGE_SHAPE[:2]
    observed = np.zeros((h, w), dtype=bool)
    observed[h // 2 :, : w // 2] = True
    if num_given >= 2:
        observed[:, : w // 2] = True
    if num_given == 3:
        observed[: h // 2, :] = True
    return observed


def _indices(num_given):
    """Flat pixel indices of the observed and of the hidden pixels."""
    flat = quadrant_mask(num_given).reshape(-1)
    return np.flatnonzero(flat).astype("int32"), np.flatnonzero(~flat).astype(
        "int32"
    )


def split_quadrants(images, num_given: int):
    """Split images (N, 28, 28, 1) into observed pixels x_obs and hidden pixels y, flat NumPy arrays.

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """
    images = check_images(images, "images")
    observed, hidden = _indices(num_given)
    flat = images.reshape(len(images), -1)
    return flat[:, observed], flat[:, hidden]


def merge_quadrants(observed, hidden, num_given: int) -> np.ndarray:
    """Inverse of :func:`split_quadrants`: images (N, 28, 28, 1) from observed and hidden pixels.

    ``hidden`` may carry extra leading axes, e.g. (N, S, n_hidden) for S sampled completions; the
    result then has shape (N, S, 28, 28, 1) with the observed pixels repeated.

    Introduced in chapter 06, *Structured output prediction: completing digits with a learned prior*.
    """
    obs_idx, hid_idx = _indices(num_given)
    observed, hidden = (
        np.asarray(observed, dtype="float32"),
        np.asarray(hidden, dtype="float32"),
    )
    if observed.ndim != 2 or observed.shape[1] != len(obs_idx):
        raise ValueError(
            f"observed must have shape (N, {len(obs_idx)}) for num_given={num_given}, got {observed.shape}"
        )
    if hidden.shape[0] != observed.shape[0] or hidden.shape[-1] != len(
        hid_idx
    ):
        raise ValueError(
            f"hidden must have shape (N, ..., {len(hid_idx)}) with N = {observed.shape[0]}, "
            f"got {hidden.shape}"
        )
    extra = hidden.shape[1:-1]
    out = np.empty(
        (len(observed), *extra, obs_idx.size + hid_idx.size), dtype="float32"
    )
    out[..., hid_idx] = hidden
    out[..., obs_idx] = observed.reshape(
        len(observed), *([1] * len(extra)), -1
    )
    return out.reshape(*out.shape[:-1], *IMAGE_SHAPE)
