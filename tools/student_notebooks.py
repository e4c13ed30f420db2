"""Student notebooks: the chapters without their solutions, with a cell to fill in per exercise.

    python -m tools.student_notebooks                       # every chapter of _toc.yml -> _build/student_notebooks
    python -m tools.student_notebooks --out DIR [NOTEBOOK ...]

The output folder mirrors the repository (``DIR/chapters/04_vae.ipynb``) and gets a README.md, so
it can be pushed as it is to the ``student`` branch that the student edition's "Open in Colab"
buttons open (.github/workflows/student.yml does that). ``python tools/build_site.py --student``
writes the same notebooks next to the student site, and the site's download button serves them.

The marking is the one the student website uses (tools/sphinx/student_edition.py): a gated
solution is everything from a ``{solution-start} LABEL`` directive through its ``{solution-end}``
directive, code cells included, and ``{solution}`` blocks are cut out of markdown cells. A
student notebook

- drops every gated solution (its code cells and outputs, the text inside the gates);
- puts one code cell to fill in where the solution was: the signatures of the functions and
  classes the solution defines, each raising ``NotImplementedError("... write your function
  here ...")``, after the solution's own imports - never a line of the solution's code;
- clears the committed outputs of the self-check cells (the cells after an exercise that call a
  ``check_...`` function), so no ✓ line is shown before the student earns it;
- says "write your function in the cell below" where the book says "replace the solution's
  function with yours".

A check run on a stub fails the way it fails on any broken answer: the check either reports
"✗ ... not yet" or stops with the stub's ``NotImplementedError`` and its message.
:func:`exercises` describes the exercises of a notebook (label, solution cells, check cell);
the grader (tools/grade.py) uses it to find the self-check of each exercise.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "_build" / "student_notebooks"
STUDENT_BRANCH = "student"

# ```{solution} ...``` or :::{solution} ... ::: (any fence length; the closing fence matches the opening one)
SOLUTION_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution\}.*?^(?P=fence)[ \t]*$\n?", re.M | re.S
)
# the opening line of a gated solution's start or end directive; group 3: the exercise label of a start
GATE = re.compile(r"^(`{3,}|:{3,})\{solution-(start|end)\}[ \t]*(\S*)", re.M)
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>.*)$", re.M)
LABEL = re.compile(r"^:label:[ \t]*(\S+)", re.M)

STUB_MESSAGE = "write your function here"
METADATA_KEY = (
    "cvae_course"  # notebook and cell metadata written by this module
)

# The book's "replace the solution's function with yours" sentences, in the forms the chapters use.
_WORDING = [
    # "(replace the solution's function with yours and re-run it)"
    (
        re.compile(
            r"\((?:to test your own answer,\s*)?replace\b[^()]*?\bsolution[^()]*\)",
            re.I,
        ),
        "(write your function in the cell below first)",
    ),
    # "; to test your own answer, replace the solution's function with yours and re-run the check."
    (
        re.compile(
            r"[;,]\s*to test your own answer,\s*replace\b[^.]*?\bsolution[^.]*\.",
            re.I,
        ),
        "; write your function in the cell below first.",
    ),
    # "To test your own answer, replace ... ." / "Replace the function in the solution below ... ."
    (
        re.compile(
            r"(?:To test your own answer,\s*)?\b[Rr]eplace\b[^.]*?\bsolution[^.]*\.",
            re.I,
        ),
        "Write your function in the cell below, then run the check after it.",
    ),
]
# what must not be left in a student notebook (tests/test_student_notebooks.py checks it)
LEFTOVER_WORDING = re.compile(
    r"\breplace\b[^.]*?\bsolution|\bsolution below\b|\bsolution's function\b",
    re.I,
)


@dataclass
class Exercise:
    """One exercise of a chapter notebook, by cell index."""

    label: str
    title: str
    cell: int  # the markdown cell with the {exercise} directive
    solution_cells: list[int] = field(
        default_factory=list
    )  # code cells inside its gated solution
    check_cell: int | None = (
        None  # the first code cell after the exercise (outside solutions) calling check_...
    )
    checks: tuple[str, ...] = ()  # the check functions that cell calls

    @property
    def checked(self) -> bool:
        return self.check_cell is not None


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def check_calls(source: str) -> tuple[str, ...]:
    """Names of the ``check_...`` functions a code cell calls (imports are not calls)."""
    try:
        tree = ast.parse(source)
    except (
        SyntaxError
    ):  # IPython syntax (magics): fall back to a line-based look
        return tuple(
            dict.fromkeys(re.findall(r"(?<![\w.])(check_\w+)\s*\(", source))
        )
    names = [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("check_")
    ]
    return tuple(dict.fromkeys(names))


def exercises(notebook) -> list[Exercise]:
    """The exercises of a notebook in order: label, title, solution code cells and self-check cell.

    ``notebook`` is an nbformat notebook or its JSON as a dict."""
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise TypeError(
            f"notebook must be an nbformat notebook (a dict with 'cells'), got {type(notebook).__name__}"
        )
    found: list[Exercise] = []
    by_label: dict[str, Exercise] = {}
    inside: Exercise | None = (
        None  # the exercise whose gated solution we are in
    )
    in_solution = False
    waiting: Exercise | None = (
        None  # the latest exercise that has no check cell yet
    )
    for index, cell in enumerate(notebook["cells"]):
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            events = sorted(
                [(m.start(), "exercise", m) for m in EXERCISE.finditer(source)]
                + [(m.start(), m.group(2), m) for m in GATE.finditer(source)],
                key=lambda e: e[0],
            )
            for position, kind, match in events:
                if kind == "exercise":
                    label = LABEL.search(source, position)
                    exercise = Exercise(
                        label=label.group(1)
                        if label
                        else f"exercise-{len(found) + 1}",
                        title=match.group("title").strip(),
                        cell=index,
                    )
                    found.append(exercise)
                    by_label[exercise.label] = exercise
                    waiting = exercise
                elif kind == "start":
                    in_solution = True
                    inside = by_label.get(match.group(3)) or (
                        found[-1] if found else None
                    )
                else:
                    in_solution, inside = False, None
            continue
        if cell.get("cell_type") != "code":
            continue
        if in_solution:
            if inside is not None:
                inside.solution_cells.append(index)
            continue
        calls = check_calls(source)
        if calls and waiting is not None:
            waiting.check_cell, waiting.checks = index, calls
            waiting = None
    return found


# -- the cell a student fills in ------------------------------------------------------------------


def _raise_not_implemented(name: str) -> ast.stmt:
    message = f"{name} is not written yet: {STUB_MESSAGE}, in the cell below the exercise"
    return ast.parse(f"raise NotImplementedError({message!r})").body[0]


def _docstring(node) -> list[ast.stmt]:
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(getattr(body[0], "value", None), ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return [body[0]]
    return []


def _stub_function(node, qualname: str):
    stub = copy.deepcopy(node)
    stub.body = _docstring(node) + [_raise_not_implemented(qualname)]
    return stub


def _stub_class(node):
    stub = copy.deepcopy(node)
    methods = [
        _stub_function(item, f"{node.name}.{item.name}")
        for item in node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    stub.body = _docstring(node) + (
        methods or [_raise_not_implemented(node.name)]
    )
    return stub


def stub_source(solution_sources, label: str = "") -> str:
    """The code a student starts from, made from the solution's code cells (their sources).

    Keeps the solution's imports; every top-level function or class it defines becomes its
    signature (and docstring) with a body that raises NotImplementedError. Nothing else of the
    solution is kept. Without a function or class, the cell only says what to do."""
    names, parts, rest = [], [], False
    for source in solution_sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            rest = True
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                parts.append(ast.unparse(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                parts.append(
                    "\n\n" + ast.unparse(_stub_function(node, node.name))
                )
                names.append(node.name)
            elif isinstance(node, ast.ClassDef):
                parts.append("\n\n" + ast.unparse(_stub_class(node)))
                names.append(node.name)
            else:
                rest = True
    what = ", ".join(f"`{name}`" for name in names)
    header = [f"# Exercise {label}: " if label else "# "]
    if names:
        header[0] += (
            f"write {what} here, in place of each `raise NotImplementedError(...)`;"
        )
        header.append(
            "# then run the check below."
            if not rest
            else "# then run the check below, and do the rest of the exercise (see its text)."
        )
    else:
        header[0] += "write your code here (see the exercise above)."
    code = "\n".join(header + parts).strip("\n")
    # ast.unparse puts imports next to each other; leave two blank lines before each definition
    code = re.sub(r"\n{3,}", "\n\n\n", code)
    return code + "\n"


def reword(text: str) -> str:
    """The exercise text for a student: "write your function in the cell below" instead of
    "replace the solution's function with yours" ("your class" where the solution is a class)."""
    for pattern, replacement in _WORDING:
        text = pattern.sub(
            lambda m, r=replacement: (
                r.replace("function", "class")
                if re.search(r"\bclass\b", m.group(0))
                else r
            ),
            text,
        )
    return text


# -- the notebook ---------------------------------------------------------------------------------


def _split_markdown(source: str, state: dict) -> tuple[str, list[str]]:
    """The text of a markdown cell outside gated solutions, and the labels of the solutions that
    start in it. ``state`` carries ``inside``/``closing`` across cells."""
    kept, started = [], []
    for line in source.splitlines(keepends=True):
        if (
            state["closing"] is not None
        ):  # the closing fence of a {solution-end} directive
            if line.strip() == state["closing"]:
                state["closing"] = None
            continue
        gate = GATE.match(line)
        if gate and gate.group(2) == "start":
            state["inside"] = True
            started.append(gate.group(3))
        elif gate and gate.group(2) == "end":
            state["inside"], state["closing"] = False, gate.group(1)
        elif not state["inside"]:
            kept.append(line)
    return SOLUTION_BLOCK.sub("", "".join(kept)), started


def strip_solutions(notebook: dict) -> dict:
    """A copy of a notebook (nbformat 4 JSON) without solutions - what the student website uses.

    Drops everything from a ``{solution-start}`` directive through its ``{solution-end}``
    directive (whole code cells included; text before the start or after the end in the same
    markdown cell stays) and cuts ``{solution}`` blocks out of markdown cells. Outputs of the
    remaining code cells are kept."""
    cells, state = [], {"inside": False, "closing": None}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            if not state["inside"]:
                cells.append(cell)
            continue
        source = _source(cell)
        text, _ = _split_markdown(source, state)
        if text.strip() or not source.strip():
            cells.append(
                {**cell, "source": text if text != source else cell["source"]}
            )
    return {**notebook, "cells": cells}


def student_notebook(notebook, source_path: str | None = None):
    """The student version of a chapter notebook (an nbformat notebook; the input is not changed)."""
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise TypeError(
            f"notebook must be an nbformat notebook (a dict with 'cells'), got {type(notebook).__name__}"
        )
    notebook = nbformat.reads(
        json.dumps(notebook), as_version=4
    )  # a copy, with every source one string
    found = exercises(notebook)
    by_label = {exercise.label: exercise for exercise in found}
    check_cells = {
        exercise.check_cell: exercise for exercise in found if exercise.checked
    }
    cells, state = [], {"inside": False, "closing": None}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            if state["inside"]:
                continue
            if index in check_cells:
                cell.outputs, cell.execution_count = [], None
                cell.metadata[METADATA_KEY] = {
                    "exercise": check_cells[index].label,
                    "role": "check",
                }
            cells.append(cell)
            continue
        source = _source(cell)
        text, started = _split_markdown(source, state)
        text = reword(text)
        if text.strip() or not source.strip():
            cell.source = text
            cells.append(cell)
        for label in started:
            exercise = by_label.get(label) or next(
                (e for e in reversed(found) if e.cell <= index), None
            )
            if exercise is None or not exercise.solution_cells:
                continue
            stub = nbformat.v4.new_code_cell(
                stub_source(
                    [
                        notebook.cells[i].source
                        for i in exercise.solution_cells
                    ],
                    exercise.label,
                )
            )
            stub.metadata[METADATA_KEY] = {
                "exercise": exercise.label,
                "role": "answer",
            }
            cells.append(stub)
    notebook.cells = cells
    info = {"edition": "student", "exercises": [e.label for e in found]}
    if source_path:
        info["source"] = str(source_path)
    notebook.metadata[METADATA_KEY] = info
    return notebook


def solution_lines(notebook, min_length: int = 12) -> list[str]:
    """Lines of code that only the notebook's gated solutions contain (stripped, at least
    ``min_length`` characters, no comments): what a student notebook must not contain.

    A line that also appears outside the solutions (in another cell, or in an output such as the
    package's code that chapters 04 and 05 show) gives nothing away and is not listed."""
    found = exercises(notebook)
    solution = {i for exercise in found for i in exercise.solution_cells}
    other = []
    stripped = strip_solutions(notebook)
    for cell in stripped["cells"]:
        other.append(_source(cell))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            other.append(
                "".join(out.get("text", ""))
                + "".join(data.get("text/markdown", ""))
            )
    elsewhere = "\n".join(other)
    lines = {
        line.strip()
        for i in solution
        for line in _answer_lines(_source(notebook["cells"][i]))
    }
    return sorted(
        line
        for line in lines
        if len(line) >= min_length
        and not line.startswith("#")
        and line not in elsewhere
    )


def _answer_lines(source: str) -> list[str]:
    """The lines of a solution cell that a stub does not give: all but its imports and the
    signatures and docstrings of its functions and classes (methods included)."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return lines
    given = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            given.update(range(node.lineno, node.end_lineno + 1))
        elif isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            first = min(
                [node.lineno] + [d.lineno for d in node.decorator_list]
            )
            body = node.body[0]
            given.update(range(first, body.lineno))
            if _docstring(node):
                given.update(range(body.lineno, body.end_lineno + 1))
    return [
        line
        for number, line in enumerate(lines, start=1)
        if number not in given
    ]


def leaks(student, original) -> list[str]:
    """What a student notebook gives away of the original's solutions (empty when nothing)."""
    text = "\n".join(_source(cell) for cell in student["cells"])
    text += "\n" + "\n".join(
        json.dumps(cell.get("outputs", [])) for cell in student["cells"]
    )
    problems = [
        f"solution marker {marker}"
        for marker in ("{solution-start}", "{solution-end}", "{solution}")
        if marker in text
    ]
    problems += [
        f"solution code {line!r}"
        for line in solution_lines(original)
        if line in text
    ]
    return problems


# -- the files ------------------------------------------------------------------------------------


def chapter_notebooks() -> list[Path]:
    """The notebooks of the book, in the order of _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections"))

    files = [toc["root"]] + [
        f for part in toc.get("parts", []) for f in walk(part.get("chapters"))
    ]
    files += list(walk(toc.get("chapters")))
    return [
        ROOT / (f + ".ipynb")
        for f in files
        if (ROOT / (f + ".ipynb")).is_file()
    ]


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))[
        "repository"
    ]["url"].rstrip("/")


def colab_url(relative_path: str, branch: str = STUDENT_BRANCH) -> str:
    """Where Colab opens a notebook of the given branch (the URL sphinx-book-theme's button uses)."""
    github = repository_url().replace("https://github.com/", "")
    return f"https://colab.research.google.com/github/{github}/blob/{branch}/{relative_path}"


def _readme(written: list[tuple[str, int]]) -> str:
    lines = [
        "# Student notebooks",
        "",
        'The chapters of the course "From Autoencoders to Conditional VAEs" without the solutions to',
        "their exercises, generated from the `main` branch by `python -m tools.student_notebooks`",
        f"({repository_url()}; do not edit this branch by hand: it is rewritten on every change).",
        "",
        "Each exercise is followed by a cell to fill in and by its self-check. Open a chapter in Colab:",
        "",
    ]
    for path, count in written:
        lines.append(
            f"- [{path}]({colab_url(path)}) ({count} exercise{'s' if count != 1 else ''})"
        )
    return "\n".join(lines) + "\n"


def write_student_notebooks(
    out: Path = DEFAULT_OUT, notebooks=None
) -> list[Path]:
    """Write the student notebook of each chapter to ``out`` (same relative paths as in the
    repository) plus a README.md; return the paths written. Raises RuntimeError if a notebook
    would give a solution away."""
    out = Path(out)
    paths = [Path(p).resolve() for p in (notebooks or chapter_notebooks())]
    written, listing = [], []
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            raise ValueError(
                f"expected an existing .ipynb file, got {str(path)!r}"
            )
        relative = (
            path.relative_to(ROOT).as_posix()
            if path.is_relative_to(ROOT)
            else path.name
        )
        original = nbformat.read(path, as_version=4)
        student = student_notebook(original, relative)
        problems = leaks(student, original)
        if problems:
            raise RuntimeError(
                f"the student notebook of {relative} gives solutions away: {problems[:3]}"
            )
        nbformat.validate(student)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, target)
        written.append(target)
        listing.append((relative, len(exercises(original))))
    (out / "README.md").write_text(_readme(listing), encoding="utf-8")
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="chapter notebooks (default: every notebook in _toc.yml)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder (default: {DEFAULT_OUT.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    try:
        written = write_student_notebooks(args.out, args.notebooks or None)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
