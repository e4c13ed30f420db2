"""The grader (``python -m tools.grade``): it runs a submitted notebook and scores each exercise.

On chapter 02, the smallest chapter with self-checked exercises (no training, so its run time is
kernel start-up and NumPy): the reference solutions - the chapter notebook itself - score full
marks, an untouched student notebook scores zero, and one wrong answer loses exactly that exercise.
On a tiny synthetic chapter: an answer that raises, one that hangs (a short per-cell time limit),
a deleted check cell, a check cell edited to fake a ✓, a kernel that dies, the notebook's overall
time limit and an unreadable file are each reported with their reason, and never crash the grader.
Every run is in fast mode (CVAE_FAST=1).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from tools import grade, student_notebooks

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "02_latent_variables.ipynb"
CHECKED = [
    e
    for e in student_notebooks.exercises(nbformat.read(CHAPTER, as_version=4))
    if e.checked
]


def _copy(notebook):
    return nbformat.from_dict(json.loads(json.dumps(notebook)))


@pytest.fixture(scope="module")
def chapter():
    return nbformat.read(CHAPTER, as_version=4)


def _grade(tmp_path_factory, name, notebook, **kwargs):
    folder = tmp_path_factory.mktemp(name)
    path = folder / f"{name}.ipynb"
    if isinstance(notebook, (str, bytes)):
        path.write_text(notebook)
    else:
        nbformat.write(notebook, path)
    kwargs.setdefault("fast", True)
    report = grade.grade(path, folder / "grading", **kwargs)
    return report, folder / "grading"


def _by_label(report):
    return {e["label"]: e for e in report["exercises"]}


# -- chapter 02 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory, chapter):
    return _grade(tmp_path_factory, "reference", chapter)


def test_the_chapter_has_self_checked_exercises():
    assert len(CHECKED) >= 3, (
        "the grading tests need a chapter with at least three self-checked exercises"
    )


def test_reference_solutions_score_full_marks(reference_report):
    report, out = reference_report
    assert report["reference"] == "chapters/02_latent_variables.ipynb"
    assert report["mode"] == "fast"
    assert (report["score"], report["max_score"]) == (
        len(CHECKED),
        len(CHECKED),
    ), report
    exercises = _by_label(report)
    for exercise in CHECKED:
        result = exercises[exercise.label]
        assert result["status"] == "passed" and result["score"] == 1, result
        assert result["check"] == exercise.checks[0] and result[
            "reason"
        ].startswith("✓"), result
    manual = [e for e in report["exercises"] if e["status"] == "manual"]
    assert [e["label"] for e in manual] == ["ex-latent-worst"] and manual[0][
        "points"
    ] == 0
    assert report["first_error"] is None and report["run"] == "every cell ran"
    # the files: JSON as returned, Markdown with one row per exercise, the executed notebook
    assert json.loads((out / "report.json").read_text()) == report
    text = (out / "report.md").read_text()
    assert f"**Score: {len(CHECKED)} / {len(CHECKED)}**" in text
    assert all(f"`{e['label']}`" in text for e in report["exercises"])
    executed = nbformat.read(out / "executed.ipynb", as_version=4)
    assert any(
        "✓ bernoulli_log_likelihood" in "".join(o.get("text", ""))
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


def test_passed_answers_for_one_exercise_from_the_report(
    reference_report, capsys
):
    _, out = reference_report
    assert grade.main(["--passed", CHECKED[0].label, "--out", str(out)]) == 0
    assert CHECKED[0].label in capsys.readouterr().out
    assert (
        grade.main(["--passed", "ex-no-such-exercise", "--out", str(out)]) == 1
    )
    assert "no such exercise" in capsys.readouterr().out
    assert (
        grade.main(
            ["--passed", CHECKED[0].label, "--out", str(out / "nowhere")]
        )
        == 1
    )


def test_untouched_student_notebook_scores_zero(tmp_path_factory, chapter):
    student = student_notebooks.student_notebook(
        chapter, "chapters/02_latent_variables.ipynb"
    )
    report, _ = _grade(tmp_path_factory, "untouched", student)
    assert (report["score"], report["max_score"]) == (0, len(CHECKED)), report
    for exercise in CHECKED:
        result = _by_label(report)[exercise.label]
        assert result["status"] == "not attempted" and result["score"] == 0, (
            result
        )
        assert "is not written yet" in result["reason"], result
    assert report["first_error"]["ename"] == "NotImplementedError"


def test_one_wrong_answer_loses_exactly_that_exercise(
    tmp_path_factory, chapter
):
    wrong = _copy(chapter)
    first = CHECKED[0]
    assert (
        "def bernoulli_log_likelihood"
        in wrong.cells[first.solution_cells[0]].source
    )
    # a plausible mistake: the log-likelihood averaged over the pixels
    wrong.cells[first.solution_cells[0]].source = (
        "def bernoulli_log_likelihood(x, probs):\n"
        "    per_pixel = x * np.log(probs) + (1 - x) * np.log(1 - probs)\n"
        "    return per_pixel.reshape(len(x), -1).mean(axis=1)\n"
    )
    report, _ = _grade(tmp_path_factory, "wrong", wrong)
    assert (report["score"], report["max_score"]) == (
        len(CHECKED) - 1,
        len(CHECKED),
    ), report
    results = _by_label(report)
    assert (
        results[first.label]["status"] == "failed"
        and results[first.label]["score"] == 0
    )
    assert results[first.label]["reason"].startswith(
        "✗ bernoulli_log_likelihood: not yet."
    )
    assert "averaged over pixels" in results[first.label]["reason"], (
        "the check's own message is the reason"
    )
    assert all(results[e.label]["status"] == "passed" for e in CHECKED[1:]), (
        report
    )


# -- a tiny chapter for everything that goes wrong -----------------------------------------------

CHECKS = """from cvae_utils.exercises import report


def check_value(name, fn, argument, expected):
    got = fn(argument)
    return report(name, got == expected, f"{name}({argument}) must be {expected}, got {got}")


def check_class(name, cls):
    try:  # as the course's class checks do: an error becomes a failed verdict
        got = cls().value()
    except Exception as exc:
        return report(name, False, f"{name}().value() raised {type(exc).__name__}: {exc}")
    return report(name, got == 1, f"{name}().value() must be 1, got {got}")
"""

# label, function, reference solution, check call
MINI = [
    (
        "ex-mini-double",
        "double",
        "def double(x):\n    return 2 * x",
        "check_value('double', double, 3, 6)",
    ),
    (
        "ex-mini-square",
        "square",
        "def square(x):\n    return x * x",
        "check_value('square', square, 3, 9)",
    ),
    (
        "ex-mini-cube",
        "cube",
        "def cube(x):\n    return x ** 3",
        "check_value('cube', cube, 2, 8)",
    ),
    (
        "ex-mini-negate",
        "negate",
        "def negate(x):\n    return -x",
        "check_value('negate', negate, 4, -4)",
    ),
    (
        "ex-mini-inc",
        "inc",
        "def inc(x):\n    return x + 1",
        "check_value('inc', inc, 1, 2)",
    ),
    (
        "ex-mini-half",
        "half",
        "def half(x):\n    return x / 2",
        "check_value('half', half, 4, 2)",
    ),
]


def mini_chapter():
    cells = [
        nbformat.v4.new_markdown_cell("# Mini chapter"),
        nbformat.v4.new_code_cell(CHECKS),
    ]
    for label, name, solution, check in MINI:
        cells += [
            nbformat.v4.new_markdown_cell(
                f"```{{exercise}} {name.title()}\n:label: {label}\n"
                f"Write `{name}(x)`.\n```"
            ),
            nbformat.v4.new_markdown_cell(
                f"```{{solution-start}} {label}\n:class: dropdown\n```"
            ),
            nbformat.v4.new_code_cell(solution),
            nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
            nbformat.v4.new_code_cell(check),
        ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    return notebook


CELL_TIMEOUT = 30  # longer than importing Keras on a busy machine, the only slow legitimate cell


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mini_reference")
    nbformat.write(mini_chapter(), folder / "mini.ipynb")
    student = mini_chapter()
    ex = {e.label: e for e in student_notebooks.exercises(student)}

    def answer(label, source):
        student.cells[ex[label].solution_cells[0]].source = source

    answer(
        "ex-mini-double", "def double(x):\n    return x + 2"
    )  # wrong for 3 ...
    student.cells[
        ex["ex-mini-double"].check_cell
    ].source = (
        "check_value('double', lambda x: 2 * x, 3, 6)"  # ... check faked
    )
    answer("ex-mini-square", "def square(x):\n    return x / 0")  # raises
    answer(
        "ex-mini-cube", "def cube(x):\n    while True:\n        pass"
    )  # hangs
    negate, inc, half = (
        ex["ex-mini-negate"],
        ex["ex-mini-inc"],
        ex["ex-mini-half"],
    )
    student.cells.insert(
        half.check_cell, nbformat.v4.new_code_cell("import os\nos._exit(1)")
    )  # the kernel dies
    del student.cells[
        inc.check_cell
    ]  # the check cell is deleted, the exercise is still there
    del student.cells[
        negate.cell : negate.check_cell + 1
    ]  # the whole exercise is gone
    report, out = _grade(
        tmp_path_factory,
        "broken",
        student,
        reference=folder / "mini.ipynb",
        cell_timeout=CELL_TIMEOUT,
    )
    return report, out


def test_errors_hangs_missing_checks_and_a_dead_kernel_are_reported(
    broken_report,
):
    report, out = broken_report
    results = _by_label(report)
    assert (report["score"], report["max_score"]) == (1, len(MINI))
    double = results["ex-mini-double"]
    assert double["status"] == "failed" and double["reason"].startswith(
        "✗ double: not yet."
    ), double
    assert any(
        "ex-mini-double" in note and "edited" in note
        for note in report["notes"]
    )
    square = results["ex-mini-square"]
    assert square["status"] == "error" and square["reason"].startswith(
        "ZeroDivisionError"
    ), square
    cube = results["ex-mini-cube"]
    assert (
        cube["status"] == "timeout"
        and f"longer than {CELL_TIMEOUT} s" in cube["reason"]
    ), cube
    negate = results["ex-mini-negate"]
    assert (
        negate["status"] == "missing" and "check_value" in negate["reason"]
    ), negate
    inc = results[
        "ex-mini-inc"
    ]  # its deleted check was put back, and the answer is right
    assert inc["status"] == "passed" and inc["score"] == 1, inc
    assert any(
        "ex-mini-inc" in note and "inserted" in note
        for note in report["notes"]
    )
    half = results["ex-mini-half"]
    assert half["status"] == "not run" and "kernel died" in half["reason"], (
        half
    )
    assert "kernel died" in report["run"]
    assert (
        report["first_error"]["ename"] == "AssertionError"
    )  # the wrong double, the first cell that failed
    assert (out / "report.md").is_file() and (out / "executed.ipynb").is_file()


def test_untouched_function_and_class_stubs_are_both_not_attempted(
    tmp_path_factory,
):
    """Bug caught: an untouched class stub (its NotImplementedError caught by the
    check and reported as a failed verdict) was graded "failed" while an untouched
    function stub was "not written"."""
    folder = tmp_path_factory.mktemp("mini_stubs_reference")
    reference = mini_chapter()
    cells = [
        nbformat.v4.new_markdown_cell(
            "```{exercise} One\n:label: ex-mini-one\nWrite `One`.\n```"
        ),
        nbformat.v4.new_markdown_cell(
            "```{solution-start} ex-mini-one\n:class: dropdown\n```"
        ),
        nbformat.v4.new_code_cell(
            "class One:\n    def value(self):\n        return 1"
        ),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
        nbformat.v4.new_code_cell("check_class('One', One)"),
    ]
    reference.cells = (
        reference.cells[:2] + cells + reference.cells[2:7]
    )  # One, then double
    nbformat.write(reference, folder / "mini.ipynb")
    student = student_notebooks.student_notebook(reference, "mini.ipynb")
    report, out = _grade(
        tmp_path_factory,
        "stubs",
        student,
        reference=folder / "mini.ipynb",
        cell_timeout=CELL_TIMEOUT,
    )
    results = _by_label(report)
    assert set(results) == {"ex-mini-one", "ex-mini-double"}, report
    for label, name in [
        ("ex-mini-one", "One.value"),
        ("ex-mini-double", "double"),
    ]:
        assert results[label]["status"] == "not attempted", results[label]
        assert f"{name} is not written yet" in results[label]["reason"], (
            results[label]
        )
    assert "✗ not attempted" in (out / "report.md").read_text()


def test_the_notebook_time_limit_stops_the_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mini_slow_reference")
    nbformat.write(mini_chapter(), folder / "mini.ipynb")
    slow = mini_chapter()
    slow.cells.insert(
        1, nbformat.v4.new_code_cell("import time\ntime.sleep(300)")
    )
    report, _ = _grade(
        tmp_path_factory,
        "slow",
        slow,
        reference=folder / "mini.ipynb",
        timeout=8,
        cell_timeout=300,
    )
    assert report["score"] == 0 and report["seconds"] < 60, report
    assert all(
        e["status"] in ("not run", "error") for e in report["exercises"]
    ), report
    assert any(
        "time limit of 8 s" in e["reason"] for e in report["exercises"]
    ), report


def test_an_unreadable_submission_is_reported(tmp_path_factory):
    report, out = _grade(
        tmp_path_factory,
        "garbage",
        "this is not a notebook",
        reference=CHAPTER,
    )
    assert report["score"] == 0 and report["max_score"] == len(CHECKED)
    assert "could not be read" in report["run"]
    assert all(
        e["status"] in ("not run", "manual") for e in report["exercises"]
    )
    assert (out / "report.json").is_file()


def test_the_grader_refuses_bad_limits(tmp_path):
    with pytest.raises(ValueError, match="positive"):
        grade.grade(tmp_path / "x.ipynb", tmp_path, timeout=0)
    with pytest.raises(TypeError, match="path"):
        grade.grade(42, tmp_path)


# -- report() writes the verdicts the grader reads -------------------------------------------------


def test_report_logs_verdicts_without_changing_what_it_prints(
    tmp_path, monkeypatch, capsys
):
    from cvae_utils.exercises import report

    monkeypatch.delenv("CVAE_GRADE_LOG", raising=False)
    report("thing", True, "detail")
    plain = capsys.readouterr().out
    log = tmp_path / "verdicts.jsonl"
    monkeypatch.setenv("CVAE_GRADE_LOG", str(log))
    assert report("thing", True, "detail") is True
    assert capsys.readouterr().out == plain == "✓ thing: correct. detail\n"
    with pytest.raises(AssertionError, match="^✗ thing: not yet. wrong$"):
        report("thing", False, "wrong")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines == [
        {"name": "thing", "ok": True, "message": "✓ thing: correct. detail"},
        {"name": "thing", "ok": False, "message": "✗ thing: not yet. wrong"},
    ]
    monkeypatch.setenv(
        "CVAE_GRADE_LOG", str(tmp_path / "no" / "such" / "folder" / "log")
    )
    assert (
        report("thing", True) is True
    )  # an unwritable log does not break the check
    assert os.listdir(tmp_path) == ["verdicts.jsonl"]
