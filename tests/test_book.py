"""Checks of the book as a whole: table of contents, committed notebooks, Colab cells, one repository URL."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.book

import cvae_utils

ROOT = Path(__file__).resolve().parents[1]


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


def resolve(entry):
    for suffix in (".ipynb", ".md"):
        path = ROOT / (entry + suffix)
        if path.exists():
            return path
    return None


NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def code_cells(path):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_every_toc_entry_exists():
    missing = [entry for entry in toc_files() if resolve(entry) is None]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_every_chapter_is_in_the_toc():
    listed = {resolve(entry) for entry in toc_files()}
    unlisted = [p.name for p in NOTEBOOKS if p not in listed]
    assert not unlisted, f"chapters missing from _toc.yml: {unlisted}"


def test_repository_url_is_written_once_and_matches_the_package():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == cvae_utils.REPOSITORY_URL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_the_package_in_colab_only(path):
    first = "".join(code_cells(path)[0]["source"])
    assert '"google.colab" in sys.modules' in first, f"{path.name}: first code cell must be guarded for Colab"
    release = f"git+{cvae_utils.REPOSITORY_URL}@v{cvae_utils.__version__}"
    assert first.count(release) == 1, f"{path.name}: Colab cell must install the release tag v{cvae_utils.__version__}"
    # pip runs as a subprocess whose exit code is checked, so a failed install stops the notebook
    assert "subprocess.run([sys.executable, \"-m\", \"pip\", \"install\"" in first and "%pip" not in first
    assert "returncode != 0" in first and "raise RuntimeError" in first, \
        f"{path.name}: a failed install in Colab must stop with an error"
    installs = [line.lower() for line in first.splitlines() if "pip" in line or "git+" in line]
    assert installs and not any("tensorflow" in line or "keras" in line for line in installs), \
        f"{path.name}: the Colab cell must install cvae_utils without touching TensorFlow or Keras"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed_top_to_bottom(path):
    cells = code_cells(path)
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"{path.name}: {counts.count(None)} code cells were not executed"
    assert counts == sorted(counts) and counts[0] == 1, f"{path.name}: cells not executed top to bottom in one kernel"
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: committed with error outputs"


def code_outside_solutions(path):
    """The code cells of a notebook that are not inside a gated solution ({solution-start} ... {solution-end})."""
    cells, inside = [], False
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            if "{solution-start}" in source:
                inside = True
            if "{solution-end}" in source:
                inside = False
        elif source.strip() and not inside:
            cells.append(source)
    return cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_package_instead_of_repeating_it(path):
    source = "\n".join("".join(c["source"]) for c in code_cells(path))
    assert "sys.path" not in source, f"{path.name}: no sys.path hacks; the package is installed"
    # A learner's own model class is an exercise (inside a gated solution); the chapter's code uses the package's.
    assert not re.search(r"class \w+\((keras\.)?(Model|layers\.Layer|Layer)\)", "\n".join(code_outside_solutions(path))), \
        f"{path.name}: models and layers belong in cvae_utils, not in a chapter"
    assert "CVAE_FAST" not in source, f"{path.name}: read the mode through cvae_utils.config, not the environment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_compact_one_log_box_per_stream(path):
    # tools.run_notebook merges a cell's consecutive stream outputs; a training log of many separate
    # boxes (Keras' verbose=2, one flush per line) means the chapter was saved some other way.
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        assert len(streams) <= 2, f"{path.name} cell {index}: {len(streams)} separate stream outputs (merge them)"


# -- the package's layout (GUIDE §2): layers, self-checks per chapter, one public API -----------------

PACKAGE = ROOT / "cvae_utils"
LAYERS = {"__init__", "_validation", "callbacks", "config", "data", "evaluate", "gradients", "losses", "models",
          "networks", "source"}


def test_the_package_is_organised_by_layers():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == LAYERS, f"cvae_utils/ holds layer modules only; unexpected: {sorted(modules - LAYERS)}, " \
                              f"missing: {sorted(LAYERS - modules)}"
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert subpackages == {"plots", "exercises"}, sorted(subpackages)


def test_exercise_modules_are_named_like_chapters_and_hold_only_self_checks():
    import ast

    chapters = {p.stem[3:] for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")}
    for path in sorted((PACKAGE / "exercises").glob("*.py")):
        if path.stem == "__init__":
            continue
        assert path.stem in chapters, f"exercises/{path.name}: no chapter chapters/NN_{path.stem}.ipynb"
        public = [node.name for node in ast.parse(path.read_text()).body
                  if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")]
        others = [name for name in public if not (name.startswith("check_") or name.endswith("_reference"))]
        assert not others, f"exercises/{path.name} holds more than self-checks and their references: {others} " \
                           f"(plots belong in cvae_utils/plots, metrics in cvae_utils/evaluate)"


def test_no_keras_internals_and_no_private_keras_method_overridden():
    import inspect

    import keras

    for path in PACKAGE.rglob("*.py"):
        assert "keras.src" not in path.read_text(), f"{path.relative_to(ROOT)} imports Keras internals (keras.src)"
    bases = (keras.Model, keras.layers.Layer, keras.callbacks.Callback)
    import importlib
    import pkgutil
    for info in pkgutil.walk_packages(cvae_utils.__path__, "cvae_utils."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, bases):
                continue
            keras_base = next(b for b in cls.__mro__ if b.__module__.startswith("keras"))
            for name in vars(cls):
                if name.startswith("_") and not name.startswith("__") and hasattr(keras_base, name):
                    pytest.fail(f"{cls.__module__}.{cls.__name__}.{name} overrides a private method of {keras_base}")


def test_the_public_api_is_one_flat_list_and_every_entry_names_its_chapter():
    assert len(cvae_utils.__all__) == len(set(cvae_utils.__all__))
    for name in cvae_utils.__all__:
        obj = getattr(cvae_utils, name)  # AttributeError: __all__ names a missing object
        if callable(obj) and not isinstance(obj, type(cvae_utils)):
            doc = obj.__doc__ or ""
            assert re.search(r"[Cc]hapter \d\d", doc), f"cvae_utils.{name}: the docstring names no chapter"


def chapter_imports(path):
    """Every ``(module, name)`` a chapter's code cells import, parsed with ``ast``.

    IPython lines (``%magic``, ``!shell``) are blanked first so that the cell parses;
    ``import cvae_utils`` gives the name None.
    """
    found = []
    for cell in code_cells(path):
        lines = ["" if line.lstrip().startswith(("%", "!")) else line
                 for line in "".join(cell["source"]).splitlines()]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found += [(node.module, alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                found += [(alias.name, None) for alias in node.names]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapters_import_from_the_public_api(path):
    imports = chapter_imports(path)
    outside = []
    for module, name in imports:
        if module == "cvae_utils" and name not in (None, *cvae_utils.__all__):
            outside.append(name)
        elif module.startswith("cvae_utils.") and not module.startswith(
                "cvae_utils.exercises."):
            outside.append(f"{module}.{name}")
    assert not outside, (
        f"{path.name} imports names outside cvae_utils.__all__: {outside}; "
        f"import them from cvae_utils itself and export them there")


def test_the_import_parser_reads_every_name_of_a_parenthesised_import(
        tmp_path):
    """Bug caught: only the first line of ``from cvae_utils import (...)``
    was read, so 170 of the 186 imported names went unchecked."""
    cell = {"cell_type": "code", "metadata": {},
            "source": "%matplotlib inline\n!pip list\n"
                      "from cvae_utils import (VAE,\n    load_mnist)\n"
                      "import cvae_utils.exercises.vae as ex\n"}
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": [cell]}))
    assert chapter_imports(nb) == [("cvae_utils", "VAE"),
                                   ("cvae_utils", "load_mnist"),
                                   ("cvae_utils.exercises.vae", None)]


def test_book_tooling_lives_in_tools():
    assert not (ROOT / "scripts").exists() and not (ROOT / "_ext").exists(), \
        "the site build, the sphinx extensions and the notebook runner live in tools/"
    assert (ROOT / "tools" / "build_site.py").exists() and (ROOT / "tools" / "sphinx").is_dir()
