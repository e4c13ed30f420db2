"""The Colab cell (first code cell of every chapter): a pinned release, a loud failure, and
tools.notebook.set_colab_cell, which puts the current cell into a notebook."""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import keras
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import cvae_utils
from tools import notebook
from tools.notebook import (
    COLAB_CELL,
    COLAB_INSTALL_SPEC,
    COLAB_TAG,
    HIDDEN_TAG,
    set_colab_cell,
)

# Backend-independent checks of the book's Colab cell: they run once, not on every Keras backend.
pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
# Makes the cell believe it runs in Colab, as `import google.colab` does there.
STUB_COLAB = 'import sys, types; sys.modules["google.colab"] = types.ModuleType("google.colab")'


def cell_installing(spec: str) -> str:
    """COLAB_CELL with its pinned release replaced by another pip requirement."""
    assert COLAB_CELL.count(COLAB_INSTALL_SPEC) == 1
    return COLAB_CELL.replace(COLAB_INSTALL_SPEC, spec)


def test_the_cell_installs_the_tagged_release_of_this_version():
    tags = re.findall(r'"cvae_utils @ git\+(\S+)@(v[^"]+)"', COLAB_CELL)
    assert tags == [(cvae_utils.REPOSITORY_URL, "v" + cvae_utils.__version__)]
    assert (
        "tensorflow" not in COLAB_INSTALL_SPEC.lower()
        and "keras" not in COLAB_INSTALL_SPEC.lower()
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_starts_with_the_current_colab_cell(path):
    """Bug caught: the cells pinned v0.3.0 while the package had changed."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert COLAB_TAG in first.metadata.get("tags", []), (
        f"{path.name}: first code cell is not tagged {COLAB_TAG}"
    )
    update = "run `python -m tools.notebook --colab-cells chapters/*.ipynb`"
    pinned = re.findall(r"@v(\S+?)\"", first.source)
    assert pinned == [cvae_utils.__version__], (
        f"{path.name}: the Colab cell installs {pinned}, not {cvae_utils.__version__}; {update}"
    )
    assert first.source == COLAB_CELL, (
        f"{path.name}: outdated Colab cell; {update}"
    )
    assert HIDDEN_TAG in first.metadata["tags"], (
        f"{path.name}: the website shows the Colab cell; {update}"
    )


def test_outside_colab_the_cell_only_hides_tensorflow_logs(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"the cell ran a command outside Colab: {args}")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    exec(COLAB_CELL, {})
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    monkeypatch.setenv(
        "TF_CPP_MIN_LOG_LEVEL", "0"
    )  # a learner's own setting wins
    exec(COLAB_CELL, {})
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


def test_in_colab_the_cell_installs_the_package(tmp_path):
    """The cell's pip command, with the local sources instead of the release: it installs
    cvae_utils (with its bundled data) into a throwaway venv, leaving this environment alone."""
    source = tmp_path / "src"
    shutil.copytree(
        ROOT / "cvae_utils",
        source / "cvae_utils",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Colab has TensorFlow and Keras already: the venv sees this environment's packages
    # (a path file, not system_site_packages, which would be the base interpreter's even
    # when the tests run in a venv) after its own, where pip installs cvae_utils.
    purelib = subprocess.run(
        [
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "outer_environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n"
    )
    cell = cell_installing(str(source))
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop(
        "PYTHONPATH", None
    )  # Colab has none: the package comes from the venv
    run = subprocess.run(
        [str(python), "-c", f"{STUB_COLAB}\nexec({cell!r})"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    check = subprocess.run(
        [
            str(python),
            "-c",
            "import cvae_utils, cvae_utils.data as d; "
            "print(cvae_utils.__file__); print(cvae_utils.__version__); print(d.BUNDLED_MNIST.is_file())",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr
    where, version, bundled = check.stdout.split()
    assert Path(where).resolve().is_relative_to(env_dir.resolve()), (
        f"cvae_utils imported from {where}"
    )
    assert version == cvae_utils.__version__ and bundled == "True"


def test_in_colab_a_failed_install_stops_the_notebook_with_a_clear_error(
    tmp_path,
):
    missing = tmp_path / "no-such-package"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(STUB_COLAB),
        nbformat.v4.new_code_cell(cell_installing(str(missing))),
        nbformat.v4.new_code_cell("print('the next cell ran')"),
    ]
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    message = str(info.value)
    assert "RuntimeError" in message and "Could not install" in message
    assert str(missing) in message and "pip's output" in message
    assert (
        "ERROR" in message.split("pip's output", 1)[1]
    )  # pip's own words are shown
    assert "Restart session" in message
    assert nb.cells[2].execution_count is None and not nb.cells[2].outputs


def small_notebook(colab_source: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["colab"] = {"provenance": []}
    first = nbformat.v4.new_code_cell(
        colab_source, execution_count=1, metadata={"tags": [COLAB_TAG], "x": 1}
    )
    second = nbformat.v4.new_code_cell(
        "print(2)",
        execution_count=2,
        metadata={"tags": ["nbval-check-output"]},
    )
    second.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="2\n")
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), first, second]
    return nb


def without_colab_source(nb_json: dict) -> dict:
    nb_json = json.loads(json.dumps(nb_json))
    for cell in nb_json["cells"]:
        if COLAB_TAG in cell["metadata"].get("tags", []):
            del cell["source"]
            cell["metadata"]["tags"] = [
                t for t in cell["metadata"]["tags"] if t != HIDDEN_TAG
            ]
    return nb_json


def test_set_colab_cell_replaces_only_that_cells_source(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(
        small_notebook(
            '%pip install "cvae_utils @ git+https://example.invalid/old"'
        ),
        path,
    )
    before = json.loads(path.read_text())
    assert set_colab_cell(path) is True
    after = json.loads(path.read_text())
    assert "".join(after["cells"][1]["source"]) == COLAB_CELL
    assert after["cells"][1]["metadata"]["tags"] == [
        COLAB_TAG,
        HIDDEN_TAG,
    ]  # hidden on the website
    assert without_colab_source(after) == without_colab_source(
        before
    )  # outputs, counts, metadata, ids
    text = path.read_text()
    assert (
        set_colab_cell(str(path)) is False and path.read_text() == text
    )  # already up to date


def test_the_command_line_updates_every_notebook_given(tmp_path, capsys):
    paths = [tmp_path / f"{i}.ipynb" for i in range(2)]
    for path in paths:
        nbformat.write(small_notebook("old"), path)
    assert notebook.main(["--colab-cells", *map(str, paths)]) == 0
    assert all(
        nbformat.read(p, as_version=4).cells[1].source == COLAB_CELL
        for p in paths
    )
    assert capsys.readouterr().out.count("updated") == 2


def test_set_colab_cell_validates_its_input(tmp_path):
    with pytest.raises(TypeError, match="path must be a path"):
        set_colab_cell(3)
    with pytest.raises(ValueError, match="existing .ipynb file"):
        set_colab_cell(tmp_path / "missing.ipynb")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="existing .ipynb file"):
        set_colab_cell(tmp_path / "notes.txt")
    for count in (0, 2):
        nb = small_notebook("x")
        nb.cells[2].metadata["tags"] = [COLAB_TAG] if count == 2 else []
        if count == 0:
            nb.cells[1].metadata["tags"] = []
        nbformat.write(nb, tmp_path / "nb.ipynb")
        with pytest.raises(
            ValueError,
            match=f"exactly one code cell tagged 'colab-install', found {count}",
        ):
            set_colab_cell(tmp_path / "nb.ipynb")


def test_outside_colab_the_cell_loads_keras_without_tensorflows_start_up_lines(
    tmp_path,
):
    """In a fresh kernel the first cell leaves no stderr output (TensorFlow's absl and oneDNN lines).

    The kernel runs in a child process without pytest's variables: ipykernel forwards the process's
    own stderr to the notebook, as under Jupyter, only when it does not run under pytest."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(COLAB_CELL),
        nbformat.v4.new_code_cell("print(keras.__version__)"),
    ]
    path = tmp_path / "first_cell.ipynb"
    nbformat.write(nb, path)
    script = (
        "import json, sys, nbformat\nfrom nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\nNotebookClient(nb, timeout=300, kernel_name='python3').execute()\n"
        "print(json.dumps([[dict(o) for o in c.outputs] for c in nb.cells]))"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")
    }
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    outputs = json.loads(run.stdout.strip().splitlines()[-1])
    assert not [o for o in outputs[0] if o.get("name") == "stderr"], outputs[0]
    assert outputs[1][0]["text"].strip() == keras.__version__
