"""The student notebooks (tools/student_notebooks.py): the chapters without solutions, a cell to fill
in per exercise, the self-checks' committed outputs cleared, and no solution code anywhere.

These are what the student edition's "Open in Colab" (the ``student`` branch) and download buttons
give a student; tests/test_site.py checks that the built site links to them.
"""

from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest

from tools import student_notebooks as sn

pytestmark = pytest.mark.book

CHAPTERS = sn.chapter_notebooks()
WITH_EXERCISES = [
    p for p in CHAPTERS if sn.exercises(nbformat.read(p, as_version=4))
]


def _student(path):
    original = nbformat.read(path, as_version=4)
    return original, sn.student_notebook(
        original, path.relative_to(sn.ROOT).as_posix()
    )


def _defined(source):
    return [
        node.name
        for node in ast.parse(source).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    ]


def test_the_book_has_exercises_to_hand_out():
    assert len(WITH_EXERCISES) >= 5, [p.name for p in WITH_EXERCISES]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_notebook_has_no_solution(path):
    original, student = _student(path)
    nbformat.validate(student)
    assert sn.leaks(student, original) == [], (
        f"{path.name}: the student notebook gives solutions away"
    )
    text = json.dumps(student)
    for line in sn.solution_lines(original):
        assert line not in text, f"{path.name}: {line!r} is solution code"
    # nothing else was lost: every cell outside the solutions is still there, in order
    kept = [sn._source(c) for c in sn.strip_solutions(original)["cells"]]
    student_sources = [
        c.source
        for c in student.cells
        if c.metadata.get(sn.METADATA_KEY, {}).get("role") != "answer"
    ]
    assert len(student_sources) == len(kept)
    assert (
        student.metadata[sn.METADATA_KEY]["source"]
        == path.relative_to(sn.ROOT).as_posix()
    )


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_each_exercise_gets_a_cell_to_fill_in_before_its_check(path):
    original, student = _student(path)
    roles = [
        (i, c.metadata.get(sn.METADATA_KEY, {}))
        for i, c in enumerate(student.cells)
    ]
    for exercise in sn.exercises(original):
        where = [
            i
            for i, c in enumerate(student.cells)
            if c.cell_type == "markdown"
            and f":label: {exercise.label}" in c.source
        ]
        assert len(where) == 1, (
            f"{path.name}: exercise {exercise.label} is missing from the student notebook"
        )
        answers = [
            i
            for i, meta in roles
            if meta == {"exercise": exercise.label, "role": "answer"}
        ]
        assert len(answers) == 1 and answers[0] > where[0], (
            f"{path.name}: {exercise.label} has no cell to fill in"
        )
        stub = student.cells[answers[0]]
        assert stub.cell_type == "code" and not stub.outputs
        solution = [original.cells[i].source for i in exercise.solution_cells]
        wanted = [name for src in solution for name in _defined(src)]
        assert _defined(stub.source) == wanted, (
            f"{path.name}: the stub of {exercise.label} defines other names"
        )
        for node in ast.walk(ast.parse(stub.source)):
            if isinstance(
                node, ast.FunctionDef
            ):  # every function (and method) only raises
                body = [
                    n
                    for n in node.body
                    if not (
                        isinstance(n, ast.Expr)
                        and isinstance(n.value, ast.Constant)
                    )
                ]
                assert len(body) == 1 and isinstance(body[0], ast.Raise), (
                    ast.unparse(node)
                )
                assert "NotImplementedError" in ast.unparse(
                    body[0]
                ) and sn.STUB_MESSAGE in ast.unparse(body[0])
        if exercise.checked:
            checks = [
                i
                for i, meta in roles
                if meta == {"exercise": exercise.label, "role": "check"}
            ]
            assert len(checks) == 1 and checks[0] > answers[0], (
                f"{path.name}: the check of {exercise.label} moved"
            )
            check = student.cells[checks[0]]
            assert check.source == original.cells[exercise.check_cell].source
            assert check.outputs == [] and check.execution_count is None, (
                f"{path.name}: the committed ✓ output of {exercise.label}'s check is still there"
            )


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_exercise_text_says_where_to_write(path):
    original, student = _student(path)
    for cell in student.cells:
        if cell.cell_type == "markdown":
            leftover = sn.LEFTOVER_WORDING.search(cell.source)
            assert not leftover, (
                f"{path.name}: student text still says {leftover.group(0)!r}: add its form to _WORDING"
            )
    markdown = [c.source for c in original.cells if c.cell_type == "markdown"]
    before = sum(
        len(sn.LEFTOVER_WORDING.findall(source)) for source in markdown
    )
    after = sum(
        len(
            re.findall(
                r"write your (?:function|class) in the cell below",
                c.source,
                re.I,
            )
        )
        for c in student.cells
        if c.cell_type == "markdown"
    )
    assert after >= before, (
        f"{path.name}: {before} sentences told students to replace a solution"
    )


def test_no_check_output_with_a_tick_is_left():
    for path in WITH_EXERCISES:
        _, student = _student(path)
        for cell in student.cells:
            if cell.cell_type == "code" and sn.check_calls(cell.source):
                outputs = json.dumps(cell.get("outputs", []))
                assert "✓" not in outputs, (
                    f"{path.name}: a check cell still shows {outputs[:80]}"
                )


# -- the pieces, on small inputs -------------------------------------------------------------------


def _mini():
    cells = [
        ("markdown", "# Mini"),
        (
            "markdown",
            "````{exercise} Square\n:label: ex-mini-square\nWrite `square(x)`.\n\n```python\n"
            "def square(x):\n    ...\n```\n\nReplace the solution's function below with your own and "
            "re-run the check.\n````",
        ),
        (
            "markdown",
            "Before.\n\n```{solution-start} ex-mini-square\n:class: dropdown\n```",
        ),
        (
            "code",
            'import math\n\n\ndef square(x):\n    """The square."""\n    return x * x  # SECRET_BODY\n\n\n'
            "print(square(3))  # SECRET_EXTRA",
        ),
        ("markdown", "SECRET_TEXT\n```{solution-end}\n```\nAfter."),
        ("code", "check_square(square)"),
        (
            "markdown",
            "```{exercise} Think\n:label: ex-mini-think\nWhy?\n```\n\n"
            "```{solution} ex-mini-think\n:class: dropdown\nSECRET_PLAIN\n```",
        ),
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(s)
        if k == "markdown"
        else nbformat.v4.new_code_cell(s)
        for k, s in cells
    ]
    notebook.cells[5].outputs = [
        nbformat.v4.new_output("stream", text="✓ square: correct.\n")
    ]
    notebook.cells[5].execution_count = 3
    return notebook


def test_mini_notebook():
    original = _mini()
    student = sn.student_notebook(original)
    text = json.dumps(student)
    for secret in (
        "SECRET_BODY",
        "SECRET_EXTRA",
        "SECRET_TEXT",
        "SECRET_PLAIN",
        "{solution",
    ):
        assert secret not in text, secret
    sources = [c.source for c in student.cells]
    assert sources[2] == "Before.\n\n" and sources[4] == "After."
    stub = sources[3]
    assert stub.startswith("# Exercise ex-mini-square: write `square` here")
    assert (
        "import math" in stub
        and 'def square(x):\n    """The square."""\n    raise NotImplementedError('
        in stub
    )
    assert (
        "do the rest of the exercise" in stub
    )  # the solution also printed something
    assert (
        student.cells[5].outputs == []
        and student.cells[5].execution_count is None
    )
    assert (
        "Write your function in the cell below, then run the check after it."
        in sources[1]
    )
    assert "Replace" not in sources[1]
    assert original.cells[5].outputs, "the input notebook must not change"
    namespace = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(
        NotImplementedError,
        match="square is not written yet: write your function here",
    ):
        namespace["square"](3)
    assert [
        (e.label, e.solution_cells, e.check_cell, e.checks)
        for e in sn.exercises(original)
    ] == [
        ("ex-mini-square", [3], 5, ("check_square",)),
        ("ex-mini-think", [], None, ()),
    ]


def test_a_class_stub_keeps_its_methods():
    stub = sn.stub_source(
        [
            "class Model(Base):\n    size = 2\n\n    def __init__(self, n=1, **kw):\n"
            "        super().__init__(**kw)\n        self.n = n\n\n    def call(self, x):\n"
            "        return x * self.n\n"
        ],
        "ex-model",
    )
    tree = ast.parse(stub)
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    assert ast.unparse(cls.bases[0]) == "Base" and [
        f.name for f in cls.body
    ] == ["__init__", "call"]
    assert (
        "self.n = n" not in stub
        and "size = 2" not in stub
        and "x * self.n" not in stub
    )


@pytest.mark.parametrize(
    "sentence, expected",
    [
        (
            "Replace the function in the solution below with your own and re-run the check after it.",
            "Write your function in the cell below, then run the check after it.",
        ),
        (
            "Replace the solution's function with yours and run the\n   check.",
            "Write your function in the cell below, then run the check after it.",
        ),
        (
            "To test your own answer, replace the solution's\nfunction with yours and re-run the check.",
            "Write your function in the cell below, then run the check after it.",
        ),
        (
            "Run `check_x(f)` (replace the solution's function with yours and\nre-run it).",
            "Run `check_x(f)` (write your function in the cell below first).",
        ),
        (
            "To test your own answer, replace the solution's class with yours and re-run the check.",
            "Write your class in the cell below, then run the check after it.",
        ),
        (
            "Run `check_x(f)`; to test your own answer, replace the solution's function with yours and\nre-run the check.",
            "Run `check_x(f)`; write your function in the cell below first.",
        ),
    ],
)
def test_reword(sentence, expected):
    assert sn.reword(sentence) == expected
    assert not sn.LEFTOVER_WORDING.search(sn.reword(sentence))


def test_write_student_notebooks_mirrors_the_repository(tmp_path):
    paths = WITH_EXERCISES[:2]
    written = sn.write_student_notebooks(tmp_path, paths)
    assert written == [tmp_path / p.relative_to(sn.ROOT) for p in paths]
    readme = (tmp_path / "README.md").read_text()
    for path in paths:
        relative = path.relative_to(sn.ROOT).as_posix()
        assert f"({sn.colab_url(relative)})" in readme
        assert sn.colab_url(relative).endswith(
            f"/blob/{sn.STUDENT_BRANCH}/{relative}"
        )
    with pytest.raises(ValueError, match="ipynb"):
        sn.write_student_notebooks(tmp_path, [sn.ROOT / "README.md"])


def test_a_leaking_notebook_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(
        sn,
        "student_notebook",
        lambda notebook, source_path=None: nbformat.from_dict(notebook),
    )
    with pytest.raises(RuntimeError, match="gives solutions away"):
        sn.write_student_notebooks(tmp_path, WITH_EXERCISES[:1])


def test_bad_input_is_refused():
    with pytest.raises(TypeError, match="nbformat notebook"):
        sn.student_notebook(["not", "a", "notebook"])
    with pytest.raises(TypeError, match="nbformat notebook"):
        sn.exercises("chapters/04_vae.ipynb")
