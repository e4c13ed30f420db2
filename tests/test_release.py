"""A version names one package: releases.json records the digest each version
was released with (tools/release.py), and the package must still be it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tools import release

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_is_the_release_of_its_version():
    """Bug caught: the package changed after 0.3.0 without a version bump, so
    the Colab cell installed a 0.3.0 without the keyword chapter 10 uses."""
    why = release.problem()
    assert not why, why


@pytest.fixture
def repo(tmp_path):
    """A copy of the package's files and pyproject.toml."""
    (tmp_path / "cvae_utils" / "datasets").mkdir(parents=True)
    (tmp_path / "cvae_utils" / "__init__.py").write_text(
        '"""Doc."""\n__version__ = "1.2.0"\n'
    )
    (tmp_path / "cvae_utils" / "models.py").write_text("A = 1\n")
    (tmp_path / "cvae_utils" / "datasets" / "mnist.npz").write_bytes(b"\0\1")
    (tmp_path / "cvae_utils" / "notes.txt").write_text("not shipped\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_digest_covers_code_and_package_data_only(repo):
    names = [
        p.relative_to(repo).as_posix() for p in release.package_files(repo)
    ]
    assert names == [
        "cvae_utils/__init__.py",
        "cvae_utils/datasets/mnist.npz",
        "cvae_utils/models.py",
    ]
    before = release.digest(repo)
    assert release.digest(repo) == before  # stable
    (repo / "cvae_utils" / "notes.txt").write_text("changed\n")
    assert release.digest(repo) == before  # not part of the package
    (repo / "cvae_utils" / "datasets" / "mnist.npz").write_bytes(b"\0\2")
    data_changed = release.digest(repo)
    assert data_changed != before
    (repo / "cvae_utils" / "models.py").rename(repo / "cvae_utils" / "nets.py")
    assert release.digest(repo) != data_changed  # a rename changes it too


def test_record_then_a_change_needs_a_new_version(repo):
    path = repo / "releases.json"
    assert "--record" in release.problem(repo, path)  # nothing recorded
    value = release.record(repo, path)
    assert json.loads(path.read_text()) == {"1.2.0": value}
    assert release.problem(repo, path) == ""
    assert release.record(repo, path) == value  # recording again is fine
    (repo / "cvae_utils" / "models.py").write_text("A = 2\n")
    why = release.problem(repo, path)
    assert "bump __version__" in why and release.RECORD in why
    with pytest.raises(ValueError, match="bump __version__"):
        release.record(repo, path)
    assert json.loads(path.read_text()) == {"1.2.0": value}  # unchanged
    (repo / "cvae_utils" / "__init__.py").write_text('__version__ = "1.3.0"\n')
    new = release.record(repo, path)
    assert json.loads(path.read_text()) == {"1.2.0": value, "1.3.0": new}
    assert release.problem(repo, path) == ""


def test_force_overwrites_a_recorded_digest(repo):
    path = repo / "releases.json"
    release.record(repo, path)
    (repo / "cvae_utils" / "models.py").write_text("A = 2\n")
    new = release.record(repo, path, force=True)
    assert json.loads(path.read_text()) == {"1.2.0": new}
    with pytest.raises(TypeError, match="True or False"):
        release.record(repo, path, force="yes")


def test_inputs_are_validated(tmp_path):
    with pytest.raises(ValueError, match="cvae_utils/ folder"):
        release.digest(tmp_path)
    (tmp_path / "releases.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        release.releases(tmp_path / "releases.json")
