"""Checks of the book as a whole: table of contents, committed notebooks, Colab cells, one repository URL."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

import cvae_utils

pytestmark = pytest.mark.book

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
    return [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]


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
    assert '"google.colab" in sys.modules' in first, (
        f"{path.name}: first code cell must be guarded for Colab"
    )
    release = f"git+{cvae_utils.REPOSITORY_URL}@v{cvae_utils.__version__}"
    assert first.count(release) == 1, (
        f"{path.name}: Colab cell must install the release tag v{cvae_utils.__version__}"
    )
    # pip runs as a subprocess whose exit code is checked, so a failed install stops the notebook
    assert (
        re.search(
            r'subprocess\.run\(\s*\[sys\.executable, "-m", "pip", "install"',
            first,
        )
        and "%pip" not in first
    )
    assert "returncode != 0" in first and "raise RuntimeError" in first, (
        f"{path.name}: a failed install in Colab must stop with an error"
    )
    installs = [
        line.lower()
        for line in first.splitlines()
        if "pip" in line or "git+" in line
    ]
    assert installs and not any(
        "tensorflow" in line or "keras" in line for line in installs
    ), (
        f"{path.name}: the Colab cell must install cvae_utils without touching TensorFlow or Keras"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed_top_to_bottom(path):
    cells = code_cells(path)
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, (
        f"{path.name}: {counts.count(None)} code cells were not executed"
    )
    assert counts == sorted(counts) and counts[0] == 1, (
        f"{path.name}: cells not executed top to bottom in one kernel"
    )
    errors = [
        o
        for c in cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
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
    assert "sys.path" not in source, (
        f"{path.name}: no sys.path hacks; the package is installed"
    )
    # A learner's own model class is an exercise (inside a gated solution); the chapter's code uses the package's.
    assert not re.search(
        r"class \w+\((keras\.)?(Model|layers\.Layer|Layer)\)",
        "\n".join(code_outside_solutions(path)),
    ), f"{path.name}: models and layers belong in cvae_utils, not in a chapter"
    assert "CVAE_FAST" not in source, (
        f"{path.name}: read the mode through cvae_utils.config, not the environment"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_compact_one_log_box_per_stream(path):
    # tools.run_notebook merges a cell's consecutive stream outputs; a training log of many separate
    # boxes (Keras' verbose=2, one flush per line) means the chapter was saved some other way.
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        streams = [
            o
            for o in cell.get("outputs", [])
            if o.get("output_type") == "stream"
        ]
        assert len(streams) <= 2, (
            f"{path.name} cell {index}: {len(streams)} separate stream outputs (merge them)"
        )


# -- the package's layout (GUIDE §2): layers, self-checks per chapter, one public API -----------------

PACKAGE = ROOT / "cvae_utils"
LAYERS = {
    "__init__",
    "_validation",
    "callbacks",
    "config",
    "data",
    "gradients",
    "losses",
    "networks",
    "source",
    "web",
}
SUBPACKAGES = {"evaluate", "exercises", "models", "plots"}
PUBLIC_MODULES = [
    "callbacks",
    "data",
    "evaluate",
    "gradients",
    "losses",
    "models",
    "networks",
    "plots",
    "web",
    "source",
]


def test_the_package_is_organised_by_layers():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == LAYERS, (
        f"cvae_utils/ holds layer modules only; unexpected: {sorted(modules - LAYERS)}, "
        f"missing: {sorted(LAYERS - modules)}"
    )
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert subpackages == SUBPACKAGES, sorted(subpackages)


def test_no_module_is_long_without_saying_why():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if len(text.splitlines()) > 420:
            doc = ast.get_docstring(ast.parse(text)) or ""
            assert re.search(r"[Oo]ver 400 lines because", doc), (
                f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines and no reason in its docstring"
            )


def test_the_package_all_is_the_sorted_union_of_its_modules_all():
    import importlib

    union = {"config"}
    for name in PUBLIC_MODULES:
        module = importlib.import_module(f"cvae_utils.{name}")
        for public in module.__all__:
            assert getattr(module, public) is getattr(cvae_utils, public), (
                f"cvae_utils.{name}.{public}"
            )
        union |= set(module.__all__)
    for package in (
        "evaluate",
        "models",
        "plots",
    ):  # a subpackage's __all__ is its modules' union
        parent = importlib.import_module(f"cvae_utils.{package}")
        names = set()
        for path in (PACKAGE / package).glob("[!_]*.py"):
            names |= set(
                importlib.import_module(
                    f"cvae_utils.{package}.{path.stem}"
                ).__all__
            )
        assert set(parent.__all__) == names, package
    assert cvae_utils.__all__ == sorted(union)


def test_the_api_page_documents_exactly_the_public_names():
    """api.md runs ``automodule :members:`` on modules, which documents each module's ``__all__``.

    Bug caught: modules without an ``__all__`` of their own had four names documented that the
    package does not export."""
    import importlib

    text = (ROOT / "api.md").read_text()
    documented = []
    for name, options in re.findall(
        r"^\.\. automodule:: (cvae_utils[\w.]*)\n((?:   .*\n)*)",
        text,
        flags=re.M,
    ):
        if ":members:" not in options:
            continue
        module = importlib.import_module(name)
        assert hasattr(module, "__all__"), (
            f"api.md documents {name}, which declares no __all__"
        )
        documented += (
            ["config"] if name == "cvae_utils.config" else list(module.__all__)
        )
    assert len(documented) == len(set(documented)), (
        "api.md documents a name twice"
    )
    assert set(documented) == set(cvae_utils.__all__), (
        f"api.md documents names outside __all__: {sorted(set(documented) - set(cvae_utils.__all__))}; "
        f"misses: {sorted(set(cvae_utils.__all__) - set(documented))}"
    )
