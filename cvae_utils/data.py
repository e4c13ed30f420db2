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

from .checks import check_bool, check_positive_int

DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
MNIST_CLASSES = tuple(str(d) for d in range(10))

#: The course's MNIST, shipped as package data, and the sha256 it must have.
BUNDLED_MNIST = resources.files("cvae_utils") / "datasets" / "mnist_course.npz"
BUNDLED_MNIST_SHA256 = "bafabb938116f79fb25296ed952741a5d1005d9b407d35a48295c12c2fbeed56"
BUNDLED_MNIST_SOURCE = ("the course's bundled copy (the book's first 10,000 training images of MNIST, "
                        "split 8,000/2,000)")

#: Where the most recent load of each dataset came from (filled by the loaders).
last_source: dict[str, str] = {}


class DataUnavailableError(RuntimeError):
    """The dataset is neither on disk nor downloadable (e.g. offline).

    The message says how to provide the data (``CVAE_DATA_DIR``, the Debian package).
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
        raise ValueError(f"{path} is not a readable gzip file ({exc}); replace it with the original download") from exc
    header = 8 + 4 * len(item_shape)
    if len(raw) < header or int.from_bytes(raw[:4], "big") != magic:
        raise ValueError(f"{path} is not an IDX file of the expected kind (magic number {magic}); "
                         f"replace it with the original download")
    count = int.from_bytes(raw[4:8], "big")
    expected = header + count * int(np.prod(item_shape, dtype=np.int64))
    if len(raw) != expected:
        raise ValueError(f"{path} is truncated or corrupt: its header announces {count} items "
                         f"({expected} bytes) but the file has {len(raw)} bytes")
    return np.frombuffer(raw, np.uint8, offset=header).reshape((count, *item_shape))


def _read_idx_images(path: Path) -> np.ndarray:
    return _read_idx(path, 2051, (28, 28))


def _read_idx_labels(path: Path) -> np.ndarray:
    return _read_idx(path, 2049, ())


def _fashion_from_folder(folder: Path):
    paths = [folder / name for name in FASHION_FILES]
    if not all(p.is_file() for p in paths):
        return None
    return ((_read_idx_images(paths[0]), _read_idx_labels(paths[1])),
            (_read_idx_images(paths[2]), _read_idx_labels(paths[3])))


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
        if not hasattr(archive, "files"):  # a plain .npy array rather than an archive of arrays
            raise ValueError("it holds a single array")
    except (OSError, EOFError, ValueError) as exc:  # not an npz/zip file at all
        raise ValueError(f"{path} is not a readable .npz file ({exc}); replace it with Keras' mnist.npz") from exc
    with archive as f:
        missing = [k for k in keys if k not in f.files]
        if missing:
            raise ValueError(f"{path} lacks the arrays {missing}; Keras' mnist.npz holds {list(keys)}")
        arrays = {k: f[k] for k in keys}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"{path}: x_{split} must have shape (N, 28, 28) and y_{split} shape (N,), "
                             f"got {x.shape} and {y.shape}")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _data_dir_note(folder: Path | None, wanted: str) -> str:
    """A sentence saying why CVAE_DATA_DIR did not help (empty when it is not set)."""
    if folder is None:
        return ""
    if not folder.is_dir():
        return f"CVAE_DATA_DIR is set to {folder}, which is not a folder. "
    return f"CVAE_DATA_DIR is set to {folder}, but it holds no {wanted}. "


def _raw_bundled_mnist():
    reinstall = ("Reinstall the course package (`pip install --force-reinstall --no-deps cvae_utils ...`, "
                 "or `pip install -e .` in a checkout), or use load_mnist(full=True) for the full MNIST.")
    try:
        raw = BUNDLED_MNIST.read_bytes()
    except OSError as exc:
        raise DataUnavailableError(
            f"The course's bundled MNIST is missing: {BUNDLED_MNIST} could not be read ({exc}); "
            f"this installation of cvae_utils is incomplete. {reinstall}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != BUNDLED_MNIST_SHA256:
        raise DataUnavailableError(
            f"The course's bundled MNIST {BUNDLED_MNIST} is corrupt: its sha256 is {digest}, "
            f"expected {BUNDLED_MNIST_SHA256}. {reinstall}")
    return _read_mnist_npz(BUNDLED_MNIST, io.BytesIO(raw)), BUNDLED_MNIST_SOURCE


def _raw_full_mnist():
    folder = _data_dir()
    if folder is not None and (folder / "mnist.npz").is_file():
        path = folder / "mnist.npz"
        return _read_mnist_npz(path), f"{path.name} in $CVAE_DATA_DIR (a local copy)"
    import keras

    how_to = (_data_dir_note(folder, "mnist.npz")
              + "Put Keras' mnist.npz (keys x_train, y_train, x_test, y_test) in a folder and set the "
              "environment variable CVAE_DATA_DIR to that folder, e.g. `export CVAE_DATA_DIR=../shared/data` "
              "(or os.environ['CVAE_DATA_DIR'] = ... before loading), or copy it to ~/.keras/datasets/mnist.npz. "
              "Or call load_mnist() without full=True: the course's bundled 10,000 digits need no download.")
    data = _download(keras.datasets.mnist.load_data, "MNIST", how_to)
    return data, "keras.datasets.mnist (the full dataset)"


def _raw_fashion_mnist():
    folder = _data_dir()
    if folder is not None:
        for candidate in (folder / "fashion-mnist", folder):
            data = _fashion_from_folder(candidate)
            if data is not None:
                where = "$CVAE_DATA_DIR" + ("/fashion-mnist" if candidate != folder else "")
                return data, f"the IDX files in {where} (a local copy)"
    data = _fashion_from_folder(DEBIAN_FASHION_DIR)
    if data is not None:
        return data, f"{DEBIAN_FASHION_DIR} (Debian package dataset-fashion-mnist)"
    import keras

    how_to = (_data_dir_note(folder, "fashion-mnist/ files")
              + "Install the Debian package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`, "
              f"files in {DEBIAN_FASHION_DIR}), or put the four files {', '.join(FASHION_FILES)} in "
              "a folder <dir>/fashion-mnist/ and set the environment variable CVAE_DATA_DIR to <dir>.")
    data = _download(keras.datasets.fashion_mnist.load_data, "Fashion-MNIST", how_to)
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
    return (images(x_train), y_train.astype("int32")), (images(x_test), y_test.astype("int32"))


def _check_options(binarize, subset, test_subset, verbose=True):
    check_bool(binarize, "binarize")
    check_bool(verbose, "verbose")
    for name, value in (("subset", subset), ("test_subset", test_subset)):
        if value is not None:
            check_positive_int(value, name)


def _load(name: str, raw_loader, binarize, subset, test_subset, verbose):
    _check_options(binarize, subset, test_subset, verbose)
    raw, source = raw_loader()
    (x_train, y_train), (x_test, y_test) = _prepare(raw, binarize, subset, test_subset)
    last_source[name] = source
    if verbose:
        print(f"{name}: {len(x_train):,} training and {len(x_test):,} test images "
              f"{'(binarized) ' if binarize else ''}from {source}")
    return (x_train, y_train), (x_test, y_test)


def load_mnist(binarize: bool = False, subset: int | None = None, test_subset: int | None = None,
               verbose: bool = True, full: bool = False):
    """Load MNIST digits.

    Returns ``(x_train, y_train), (x_test, y_test)`` with images float32 (N, 28, 28, 1) in
    [0, 1] (or {0, 1} with ``binarize=True``) and int32 labels 0-9. By default these are the
    course's bundled digits (8,000 training / 2,000 test images, offline, no setup); with
    ``full=True`` the full MNIST (60,000 / 10,000) from ``CVAE_DATA_DIR``, Keras' cache or a
    download. ``subset`` and ``test_subset`` keep the first n images (fast mode uses them).
    With ``verbose`` it prints where the data came from and how many images there are.
    """
    check_bool(full, "full")
    return _load("MNIST", _raw_full_mnist if full else _raw_bundled_mnist, binarize, subset, test_subset, verbose)


def load_fashion_mnist(binarize: bool = False, subset: int | None = None, test_subset: int | None = None,
                       verbose: bool = True):
    """Load Fashion-MNIST (same conventions as :func:`load_mnist`; class names in FASHION_CLASSES)."""
    return _load("Fashion-MNIST", _raw_fashion_mnist, binarize, subset, test_subset, verbose)
