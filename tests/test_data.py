"""The data loaders: the bundled MNIST, CVAE_DATA_DIR, the Debian folder, the offline error.

All on tiny fake files, except one test that reads the bundled course MNIST itself.
"""

from __future__ import annotations

import gzip
import hashlib
import urllib.error
from pathlib import Path

import keras
import numpy as np
import pytest

import cvae_utils.data as data
from cvae_utils.data import (
    DataUnavailableError,
    load_fashion_mnist,
    load_mnist,
)

# The copy the package bundles (GUIDE section 4), where the development machines keep it.
SHARED_MNIST = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
)


def _raw(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(
        0, 256, size=(n, 28, 28), dtype=np.uint8
    ), rng.integers(0, 10, size=n, dtype=np.uint8)


def write_mnist_npz(folder, n_train=7, n_test=3):
    (xt, yt), (xs, ys) = _raw(n_train, 0), _raw(n_test, 1)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(
        folder / "mnist.npz", x_train=xt, y_train=yt, x_test=xs, y_test=ys
    )
    return (xt, yt), (xs, ys)


def _write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + len(array).to_bytes(4, "big")
    for dim in array.shape[1:]:
        header += dim.to_bytes(4, "big")
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fashion_idx(folder, n_train=6, n_test=4):
    (xt, yt), (xs, ys) = _raw(n_train, 2), _raw(n_test, 3)
    folder.mkdir(parents=True, exist_ok=True)
    for name, array, magic in zip(
        data.FASHION_FILES, (xt, yt, xs, ys), (2051, 2049, 2051, 2049)
    ):
        _write_idx(folder / name, array, magic)
    return (xt, yt), (xs, ys)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No CVAE_DATA_DIR, an empty Debian folder, and Keras' downloads failing as they do offline."""
    monkeypatch.delenv("CVAE_DATA_DIR", raising=False)
    monkeypatch.setattr(
        data, "DEBIAN_FASHION_DIR", tmp_path / "no-debian-package"
    )

    def no_network(*args, **kwargs):
        raise urllib.error.URLError(
            "[Errno -3] Temporary failure in name resolution"
        )

    def no_file(*args, **kwargs):
        raise OSError(
            "Exception: URL fetch failure on https://example.invalid/mnist.npz"
        )

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", no_file)


def test_the_bundled_course_mnist_is_the_default_offline(
    monkeypatch, tmp_path, capsys, offline
):
    write_mnist_npz(
        tmp_path
    )  # CVAE_DATA_DIR is only for the full dataset: it must not be used
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (8000, 28, 28, 1) and x_test.shape == (
        2000,
        28,
        28,
        1,
    )
    assert (
        x_train.dtype == np.float32
        and y_train.dtype == np.int32
        and y_test.shape == (2000,)
    )
    assert set(np.unique(y_train)) == set(range(10))
    out = capsys.readouterr().out
    assert "8,000 training and 2,000 test images" in out and "bundled" in out
    assert (
        "first 10,000 training images of MNIST" in out and "8,000/2,000" in out
    )
    assert data.last_source["MNIST"] == data.BUNDLED_MNIST_SOURCE
    with data.BUNDLED_MNIST.open("rb") as f:
        assert (
            hashlib.sha256(f.read()).hexdigest() == data.BUNDLED_MNIST_SHA256
        )
    if SHARED_MNIST.is_file():  # the very digits the book ran on
        with np.load(SHARED_MNIST) as shared:
            np.testing.assert_array_equal(
                x_train[..., 0], shared["x_train"] / np.float32(255.0)
            )
            np.testing.assert_array_equal(
                x_test[..., 0], shared["x_test"] / np.float32(255.0)
            )
            np.testing.assert_array_equal(y_train, shared["y_train"])
            np.testing.assert_array_equal(y_test, shared["y_test"])


def use_as_bundled(monkeypatch, path, sha256=None):
    monkeypatch.setattr(data, "BUNDLED_MNIST", path)
    if sha256 is not None:
        monkeypatch.setattr(data, "BUNDLED_MNIST_SHA256", sha256)


def test_the_bundled_file_is_read_from_its_path_and_checked_by_sha256(
    monkeypatch, tmp_path, offline
):
    (xt, yt), (xs, ys) = write_mnist_npz(tmp_path)
    path = tmp_path / "mnist.npz"
    use_as_bundled(
        monkeypatch, path, hashlib.sha256(path.read_bytes()).hexdigest()
    )
    (x_train, y_train), (x_test, _) = load_mnist(verbose=False, subset=5)
    assert len(x_train) == 5 and len(x_test) == 3
    np.testing.assert_array_equal(y_train, yt[:5])
    np.testing.assert_allclose(x_test[..., 0], xs / 255.0, rtol=1e-6)


def test_a_corrupt_bundled_file_gives_a_clear_error(
    monkeypatch, tmp_path, offline
):
    write_mnist_npz(
        tmp_path
    )  # a well-formed archive, but not the course's digits
    use_as_bundled(monkeypatch, tmp_path / "mnist.npz")
    with pytest.raises(DataUnavailableError) as info:
        load_mnist()
    message = str(info.value)
    actual = hashlib.sha256((tmp_path / "mnist.npz").read_bytes()).hexdigest()
    assert (
        "corrupt" in message
        and actual in message
        and data.BUNDLED_MNIST_SHA256 in message
    )
    assert "reinstall" in message.lower() and "full=True" in message


def test_a_missing_bundled_file_gives_a_clear_error(
    monkeypatch, tmp_path, offline
):
    use_as_bundled(monkeypatch, tmp_path / "absent.npz")
    with pytest.raises(DataUnavailableError) as info:
        load_mnist()
    message = str(info.value)
    assert (
        "missing" in message
        and "absent.npz" in message
        and "incomplete" in message
    )
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_full_must_be_a_bool():
    with pytest.raises(TypeError, match="full must be True or False"):
        load_mnist(full="yes")


def test_mnist_from_cvae_data_dir(monkeypatch, tmp_path, capsys, offline):
    (xt, yt), (xs, ys) = write_mnist_npz(tmp_path / "data")
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path / "data"))
    (x_train, y_train), (x_test, y_test) = load_mnist(full=True)
    assert x_train.shape == (7, 28, 28, 1) and x_test.shape == (3, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int32
    np.testing.assert_allclose(x_train[..., 0], xt / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_test, ys)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    out = capsys.readouterr().out
    assert "7 training and 3 test images" in out and "CVAE_DATA_DIR" in out
    assert "CVAE_DATA_DIR" in data.last_source["MNIST"]


def test_binarize_subset_and_quiet(monkeypatch, tmp_path, capsys, offline):
    (xt, _), _ = write_mnist_npz(tmp_path)
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path))
    (x_train, y_train), (x_test, _) = load_mnist(
        binarize=True, subset=4, test_subset=2, verbose=False, full=True
    )
    assert (
        x_train.shape == (4, 28, 28, 1)
        and len(y_train) == 4
        and len(x_test) == 2
    )
    assert set(np.unique(x_train)) <= {0.0, 1.0}
    np.testing.assert_array_equal(
        x_train[..., 0], (xt[:4] / 255.0 > 0.5).astype("float32")
    )
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("subfolder", ["fashion-mnist", "."])
def test_fashion_mnist_from_cvae_data_dir(
    monkeypatch, tmp_path, offline, subfolder
):
    (xt, yt), (xs, ys) = write_fashion_idx(tmp_path / subfolder)
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(verbose=False)
    assert x_train.shape == (6, 28, 28, 1) and x_test.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(y_train, yt)
    np.testing.assert_allclose(x_test[..., 0], xs / 255.0, rtol=1e-6)
    assert "CVAE_DATA_DIR" in data.last_source["Fashion-MNIST"]


def test_fashion_mnist_from_the_debian_folder(monkeypatch, tmp_path, offline):
    debian = tmp_path / "usr-share-datasets-fashion-mnist"
    (xt, yt), _ = write_fashion_idx(debian)
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", debian)
    (x_train, y_train), _ = load_fashion_mnist(verbose=False)
    np.testing.assert_array_equal(y_train, yt)
    assert "dataset-fashion-mnist" in data.last_source["Fashion-MNIST"]


def test_cvae_data_dir_wins_over_the_debian_folder(
    monkeypatch, tmp_path, offline
):
    debian = tmp_path / "debian"
    write_fashion_idx(debian, n_train=5)
    write_fashion_idx(tmp_path / "mine" / "fashion-mnist", n_train=3)
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", debian)
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path / "mine"))
    (x_train, _), _ = load_fashion_mnist(verbose=False)
    assert len(x_train) == 3


def test_keras_loader_is_used_when_nothing_is_local(monkeypatch, offline):
    fake = (_raw(2, 0), _raw(1, 1))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: fake)
    (x_train, _), (x_test, _) = load_mnist(verbose=False, full=True)
    assert len(x_train) == 2 and len(x_test) == 1
    assert data.last_source["MNIST"].startswith("keras.datasets.mnist")


def test_offline_mnist_error_says_how_to_provide_the_data(offline):
    with pytest.raises(DataUnavailableError) as info:
        load_mnist(full=True)
    message = str(info.value)
    assert "CVAE_DATA_DIR" in message and "mnist.npz" in message
    assert (
        "without full=True" in message
    )  # the bundled digits are the offline way out
    assert "URLError" in message  # the original cause is named, not hidden
    assert isinstance(info.value.__cause__, urllib.error.URLError)


def test_offline_fashion_error_names_the_debian_package_and_cvae_data_dir(
    offline,
):
    with pytest.raises(DataUnavailableError) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert "dataset-fashion-mnist" in message and "CVAE_DATA_DIR" in message
    assert "train-images-idx3-ubyte.gz" in message


def test_offline_error_mentions_a_cvae_data_dir_that_does_not_help(
    monkeypatch, tmp_path, offline
):
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path / "missing"))
    with pytest.raises(DataUnavailableError, match="not a folder"):
        load_mnist(full=True)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(DataUnavailableError, match="holds no fashion-mnist"):
        load_fashion_mnist()


def test_corrupt_local_files_give_a_clear_error(
    monkeypatch, tmp_path, offline
):
    monkeypatch.setenv("CVAE_DATA_DIR", str(tmp_path))
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="lacks the arrays"):
        load_mnist(full=True)
    (tmp_path / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_mnist(full=True)
    write_fashion_idx(tmp_path / "fashion-mnist")
    with gzip.open(
        tmp_path / "fashion-mnist" / data.FASHION_FILES[0], "wb"
    ) as f:
        f.write(
            (2051).to_bytes(4, "big") + (6).to_bytes(4, "big") + b"\0" * 20
        )  # truncated
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_fashion_mnist()
