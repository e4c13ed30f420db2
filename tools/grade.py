"""Grade a submitted student notebook: run it, collect every self-check's verdict, score each exercise.

    python -m tools.grade SUBMISSION.ipynb [--timeout S] [--cell-timeout S] [--out DIR] [--fast]
    python -m tools.grade --passed LABEL [--out DIR]     # exit 0 if the report in DIR passes that exercise

The first form executes the submission top to bottom in a fresh kernel of this Python (nbclient),
with a time limit per cell (``--cell-timeout``, default 600 s; a cell that runs longer is
interrupted and the run goes on) and for the whole notebook (``--timeout``, default 1800 s; then
the rest is not run). The limits count from after the kernel has imported ``cvae_utils``, so they
measure the notebook, not TensorFlow's import. It writes to DIR (default ``grading``):

- ``report.json`` and ``report.md``: one row per exercise, identified by its sphinx-exercise label
  (``ex-...``) and the self-check it runs, with its points and, when it lost them, why;
- ``executed.ipynb``: the submission as it ran, outputs included, for a human to look at.

Each exercise with a self-check is worth one point: it passes when its check cell runs without an
error and the check reports ✓ (``cvae_utils.exercises.report`` appends every verdict to the file
named by ``CVAE_GRADE_LOG``, which the grader sets). An exercise whose check fails, raises (e.g.
the stub's ``NotImplementedError``), is not reached because an earlier cell hung or the kernel died,
or whose check cell is missing scores 0 with the reason. Exercises without a self-check (open
questions) are listed for grading by hand. The grader itself never fails on a broken submission.

The exercises and their check cells come from the chapter the submission was made from (the
``cvae_course`` metadata that tools/student_notebooks.py writes, else the chapter with the same
exercise labels). A check cell that a student edited is run as the chapter wrote it, as nbgrader
does with its test cells; the report says so.

Why not otter-grader or nbgrader. Both were considered. The book's exercises are sphinx-exercise
directives with gated solutions and self-checks that already are the tests (a check raises or
prints ✓). nbgrader wants its own cell metadata (``nbgrader.grade_id``, ``points``, solution and
test cells marked in the source notebook), its course directory layout (source/release/submitted/
autograded) and a gradebook database, and generates the student version itself; the chapters would
need a second marking that has to be kept in step with the first. otter-grader wants the chapter
rewritten in its assign format (``# BEGIN QUESTION`` / ``# BEGIN SOLUTION`` / ``# BEGIN TESTS``
cells, test files in its own format) and grades in Docker by default. Either would duplicate the
self-checks as tests and add a large dependency for what is, here, one execution with nbclient
(which both use underneath) and a look at the checks' verdicts. What the grader takes from
nbgrader: check cells are restored from the source before grading, and the per-cell time limit.

The grader runs the student's code with your permissions: run it in a throwaway environment (a CI
runner, a container). It is not cheat-proof - a notebook can redefine anything in its own kernel -
so read the executed notebook of a surprising score.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from tools import notebook_runner, student_notebooks

ROOT = student_notebooks.ROOT
DEFAULT_OUT = Path("grading")
DEFAULT_TIMEOUT = 1800
DEFAULT_CELL_TIMEOUT = 600
TIMEOUT_ENAME = "CellTimeoutError"
WARM_UP = "try:\n    import cvae_utils.exercises\nexcept Exception:\n    pass"
WARM_UP_TIMEOUT = 600
_LABEL = re.compile(r"^:label:[ \t]*(ex-\S+)", re.M)


@dataclass
class ExerciseResult:
    label: str
    title: str
    check: str  # the self-check function(s) it runs
    points: int
    score: int = 0
    # passed | failed | not attempted | error | timeout | not run | missing | manual
    status: str = "missing"
    reason: str = ""
    cell: int | None = None  # index of the check cell in the executed notebook
    verdicts: list = field(default_factory=list)


@dataclass
class CellRun:
    status: str = "not run"  # ok | error | timeout | not run
    ename: str = ""
    evalue: str = ""
    seconds: float = 0.0
    verdicts: list = field(default_factory=list)
    why_not_run: str = ""


# -- which chapter, which exercises -------------------------------------------------------------


def _labels(notebook) -> set[str]:
    return {
        label
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "markdown"
        for label in _LABEL.findall(student_notebooks._source(cell))
    }


def find_reference(submission) -> Path | None:
    """The chapter notebook a submission was made from: named in its metadata, else the chapter
    sharing the most exercise labels with it (None when no chapter shares one)."""
    named = (
        submission.get("metadata", {})
        .get(student_notebooks.METADATA_KEY, {})
        .get("source")
    )
    if (
        named
        and (ROOT / named).is_file()
        and (ROOT / named).resolve().is_relative_to(ROOT)
    ):
        return ROOT / named
    labels = _labels(submission)
    best, overlap = None, 0
    for path in student_notebooks.chapter_notebooks():
        shared = len(labels & _labels(nbformat.read(path, as_version=4)))
        if shared > overlap:
            best, overlap = path, shared
    return best


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _is_check_of(cell, exercise) -> bool:
    if cell.cell_type != "code":
        return False
    meta = (
        cell.get("metadata", {}).get(student_notebooks.METADATA_KEY, {}) or {}
    )
    if meta.get("role") == "check" and meta.get("exercise") == exercise.label:
        return True
    return bool(
        set(exercise.checks) & set(student_notebooks.check_calls(cell.source))
    )


def restore_checks(submission, source) -> tuple[dict, list[str]]:
    """Put the chapter's self-check cells into the submission (in place), as nbgrader restores its
    test cells: an edited check cell gets the chapter's source back, and a deleted one is inserted
    at the end of its exercise (before the next exercise's text). An exercise whose text and check
    are both absent stays missing. Returns {label: the check cell, or None} and notes on what changed."""
    cells = submission.cells
    own = sorted(student_notebooks.exercises(submission), key=lambda e: e.cell)
    bounds = {
        e.label: (e.cell, own[k + 1].cell if k + 1 < len(own) else len(cells))
        for k, e in enumerate(own)
    }
    found, notes, inserts, taken = {}, [], {}, set()
    checked = [e for e in student_notebooks.exercises(source) if e.checked]
    # first the exercises whose text is there, then the others look for their check elsewhere
    for exercise in sorted(checked, key=lambda e: e.label not in bounds):
        wanted = source.cells[exercise.check_cell].source
        if exercise.label in bounds:
            low, high = bounds[exercise.label]
            candidates = [
                i
                for i in range(low + 1, high)
                if i not in taken and _is_check_of(cells[i], exercise)
            ]
        else:  # the exercise's text is gone: its check may still be somewhere
            high = None
            candidates = [
                i
                for i, cell in enumerate(cells)
                if i not in taken and _is_check_of(cell, exercise)
            ]
        if candidates:
            index = candidates[0]
            taken.add(index)
            found[exercise.label] = cells[index]
            if _normalise(cells[index].source) != _normalise(wanted):
                cells[index].source = wanted
                notes.append(
                    f"{exercise.label}: the check cell was edited; the grader ran the chapter's original"
                )
        elif high is not None:
            cell = nbformat.v4.new_code_cell(wanted)
            inserts.setdefault(high, []).append(cell)
            found[exercise.label] = cell
            notes.append(
                f"{exercise.label}: the check cell was missing; the grader inserted the chapter's"
            )
        else:
            found[exercise.label] = None
    rebuilt = []
    for index, cell in enumerate(cells):
        rebuilt += inserts.get(index, [])
        rebuilt.append(cell)
    rebuilt += inserts.get(len(cells), [])
    submission.cells = rebuilt
    position = {id(cell): i for i, cell in enumerate(rebuilt)}
    return {
        e.label: (
            position[id(found[e.label])]
            if found[e.label] is not None
            else None
        )
        for e in checked
    }, notes


# -- running the notebook -----------------------------------------------------------------------


def _read_verdicts(log: Path, offset: int) -> tuple[list, int]:
    if not log.exists():
        return [], offset
    with open(log, "rb") as file:
        file.seek(offset)
        data = file.read()
    verdicts = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            verdict = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(verdict, dict) and "ok" in verdict:
            verdicts.append(
                {
                    "name": str(verdict.get("name", "")),
                    "ok": bool(verdict["ok"]),
                    "message": str(verdict.get("message", "")),
                }
            )
    return verdicts, offset + len(data)


def execute(
    notebook, workdir: Path, timeout: float, cell_timeout: float, env: dict
) -> tuple[dict, str]:
    """Run every code cell (in place); return {cell index: CellRun} and a note on how the run ended."""
    from nbclient.exceptions import DeadKernelError

    runs = {
        i: CellRun()
        for i, c in enumerate(notebook.cells)
        if c.cell_type == "code"
    }
    log = Path(env["CVAE_GRADE_LOG"])
    replies = {}
    km = notebook_runner.kernel_manager()
    client = notebook_runner.client(
        notebook,
        km,
        cwd=workdir,
        cell_timeout=cell_timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": TIMEOUT_ENAME,
            "evalue": "",
            "traceback": [],
        },
    )
    client.on_cell_executed = lambda cell, cell_index, execute_reply: (
        replies.__setitem__(cell_index, execute_reply)
    )
    ended = "every cell ran"
    try:
        with client.setup_kernel(
            env=env, stderr=subprocess.DEVNULL
        ):  # not the kernel's start-up chatter
            # Load the course package first, outside the time limits: they are for the notebook's
            # cells, not for importing TensorFlow on a busy machine. (A failure here is left for the
            # notebook's own import cell to report.)
            client.timeout = WARM_UP_TIMEOUT
            notebook.cells.append(
                nbformat.v4.new_code_cell(WARM_UP)
            )  # nbclient stores a run cell at its index
            try:
                client.execute_cell(
                    notebook.cells[-1], len(notebook.cells) - 1
                )
            finally:
                notebook.cells.pop()
            deadline = time.monotonic() + timeout
            offset = 0
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                run = runs[index]
                remaining = deadline - time.monotonic()
                if remaining < 1:
                    ended = f"stopped at cell {index}: the notebook reached its time limit of {timeout:g} s"
                    break
                limit = max(1, int(min(cell_timeout, remaining)))
                client.timeout = limit
                why = (
                    f"cell {index} ran longer than {limit} s and was interrupted"
                    if limit >= cell_timeout
                    else f"cell {index} was interrupted when the notebook reached its time limit of {timeout:g} s"
                )
                client.error_on_timeout = {
                    "ename": TIMEOUT_ENAME,
                    "traceback": [],
                    "evalue": why,
                }
                start = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    run.status, run.ename, run.evalue = (
                        "error",
                        "DeadKernelError",
                        "the kernel died while running this cell",
                    )
                    ended = f"the kernel died in cell {index}"
                    break
                except Exception as exc:
                    run.status, run.ename, run.evalue = (
                        "error",
                        type(exc).__name__,
                        str(exc)[:500],
                    )
                finally:
                    run.seconds = round(time.monotonic() - start, 2)
                    run.verdicts, offset = _read_verdicts(log, offset)
                if run.status == "error":
                    continue
                content = (replies.get(index) or {}).get("content", {})
                errors = [
                    o
                    for o in cell.get("outputs", [])
                    if o.get("output_type") == "error"
                ]
                if content.get("ename") == TIMEOUT_ENAME:
                    run.status, run.ename, run.evalue = (
                        "timeout",
                        TIMEOUT_ENAME,
                        content.get("evalue", ""),
                    )
                    cell.outputs.append(
                        nbformat.v4.new_output(
                            "error",
                            ename=TIMEOUT_ENAME,
                            evalue=run.evalue,
                            traceback=[],
                        )
                    )
                elif content.get("status") == "error" or errors:
                    run.status = "error"
                    run.ename = content.get("ename") or errors[0].get(
                        "ename", ""
                    )
                    run.evalue = content.get("evalue") or errors[0].get(
                        "evalue", ""
                    )
                else:
                    run.status = "ok"
    except Exception as exc:
        ended = f"the notebook could not be run: {type(exc).__name__}: {exc}"[
            :500
        ]
    finally:
        try:
            notebook_runner.shutdown(client, km)
        except Exception:
            pass
    for run in runs.values():
        if run.status == "not run" and not run.why_not_run:
            run.why_not_run = ended
    return runs, ended


# -- scoring ------------------------------------------------------------------------------------


def _first_line(text: str, limit: int = 400) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text)).strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


_STUB = re.compile(
    r"\S+ is not written yet: " + re.escape(student_notebooks.STUB_MESSAGE)
)


def _stub_message(run: CellRun, failed: list) -> str:
    """The stub's "... is not written yet" message if the check stopped on an
    untouched stub (raised by the check cell or inside a failed verdict)."""
    for text in [run.evalue] + [verdict["message"] for verdict in failed]:
        match = _STUB.search(str(text))
        if match:
            return match.group(0)
    return ""


def score(exercise: ExerciseResult, run: CellRun) -> ExerciseResult:
    """Fill in status, score and reason of one exercise from the run of its check cell."""
    exercise.verdicts = run.verdicts
    failed = [v for v in run.verdicts if not v["ok"]]
    if run.status == "ok" and run.verdicts and not failed:
        exercise.status, exercise.score = "passed", exercise.points
        exercise.reason = _first_line(run.verdicts[-1]["message"])
        return exercise
    exercise.score = 0
    if run.status == "not run":
        exercise.status, exercise.reason = (
            "not run",
            f"not run: {run.why_not_run}",
        )
    elif run.status == "timeout":
        exercise.status, exercise.reason = (
            "timeout",
            f"the check cell hit the time limit: {run.evalue}",
        )
    elif stub := _stub_message(run, failed):
        # the student notebook's stub, left as it was: a function stub raises its
        # NotImplementedError through the check, a class stub's error is caught by
        # the check and reported as its failed verdict; either way, not attempted
        exercise.status = "not attempted"
        exercise.reason = f"not attempted (NotImplementedError: {stub})"
    elif failed:
        exercise.status, exercise.reason = (
            "failed",
            _first_line(failed[-1]["message"]),
        )
    elif run.status == "error":
        exercise.status = "error"
        exercise.reason = f"{run.ename}: {_first_line(run.evalue)}"
        missing = re.search(r"name '(\w+)' is not defined", str(run.evalue))
        if missing and missing.group(1).startswith("check_"):
            exercise.reason += " - the chapter's import cell (near the top) did not run to the end"
        elif missing:
            exercise.reason += " - is it defined in a cell above the check, and did that cell run?"
    else:
        exercise.status = "failed"
        exercise.reason = (
            f"the check cell ran, but {exercise.check} reported no verdict "
            "(was the check function replaced?)"
        )
    return exercise


def grade(
    submission_path,
    out=DEFAULT_OUT,
    timeout: float = DEFAULT_TIMEOUT,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    reference=None,
    fast: bool | None = None,
) -> dict:
    """Grade one submitted notebook; write report.json, report.md and executed.ipynb to ``out``
    and return the report (a dict). Never raises for a broken submission."""
    if not isinstance(submission_path, (str, os.PathLike)):
        raise TypeError(
            f"submission_path must be a path to a .ipynb file, got {type(submission_path).__name__}"
        )
    timeout, cell_timeout = float(timeout), float(cell_timeout)
    if timeout <= 0 or cell_timeout <= 0:
        raise ValueError(
            f"timeout and cell_timeout must be positive seconds, got {timeout} and {cell_timeout}"
        )
    submission_path, out = Path(submission_path), Path(out)
    if reference is not None and not Path(reference).is_file():
        raise ValueError(
            f"reference must be an existing chapter notebook, got {str(reference)!r}"
        )
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    env = dict(os.environ)
    if fast is not None:
        env["CVAE_FAST"] = "1" if fast else "0"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    report = {
        "submission": str(submission_path),
        "reference": None,
        "mode": "fast"
        if env.get("CVAE_FAST", "0").strip().lower()
        in {"1", "true", "yes", "on"}
        else "full",
        "timeout_s": timeout,
        "cell_timeout_s": cell_timeout,
        "score": 0,
        "max_score": 0,
        "seconds": 0.0,
        "run": "",
        "first_error": None,
        "notes": [],
        "exercises": [],
    }

    try:
        submission = nbformat.read(submission_path, as_version=4)
    except Exception as exc:
        submission = None
        report["run"] = (
            f"the submission could not be read as a notebook: {type(exc).__name__}: {_first_line(exc)}"
        )
    reference = (
        Path(reference)
        if reference
        else (find_reference(submission) if submission is not None else None)
    )
    if reference is None and submission is not None:
        report["notes"].append(
            "no chapter of the book has this notebook's exercises; graded by its own check cells"
        )
    source = (
        nbformat.read(reference, as_version=4) if reference else submission
    )
    report["reference"] = (
        reference.resolve().relative_to(ROOT).as_posix()
        if reference and reference.resolve().is_relative_to(ROOT)
        else (str(reference) if reference else None)
    )

    results = []
    if source is not None:
        for exercise in student_notebooks.exercises(source):
            check = ", ".join(exercise.checks)
            results.append(
                (
                    exercise,
                    ExerciseResult(
                        exercise.label,
                        exercise.title,
                        check,
                        1 if exercise.checked else 0,
                    ),
                )
            )

    if submission is not None:
        check_cells, notes = restore_checks(submission, source)
        report["notes"] += notes
        for exercise, result in results:
            if not exercise.checked:
                continue
            result.cell = check_cells.get(exercise.label)
            if result.cell is None:
                result.reason = f"the exercise and its self-check {exercise.checks[0]}(...) are not in the notebook"
        with tempfile.TemporaryDirectory() as scratch:
            env["CVAE_GRADE_LOG"] = str(Path(scratch) / "verdicts.jsonl")
            runs, report["run"] = execute(
                submission,
                submission_path.resolve().parent,
                timeout,
                cell_timeout,
                env,
            )
        errors = [
            (i, r) for i, r in runs.items() if r.status in ("error", "timeout")
        ]
        if errors:
            i, r = errors[0]
            report["first_error"] = {
                "cell": i,
                "ename": r.ename,
                "evalue": _first_line(r.evalue),
            }
        for _, result in results:
            if result.cell is not None:
                score(result, runs[result.cell])
        try:
            nbformat.write(submission, out / "executed.ipynb")
        except Exception as exc:
            report["notes"].append(
                f"the executed notebook could not be saved: {exc}"
            )

    for exercise, result in results:
        if not exercise.checked:
            result.status, result.reason = (
                "manual",
                "no self-check: grade this exercise by hand",
            )
        elif submission is None:
            result.status, result.reason = "not run", report["run"]
    report["exercises"] = [asdict(result) for _, result in results]
    report["score"] = sum(r.score for _, r in results)
    report["max_score"] = sum(r.points for _, r in results)
    report["seconds"] = round(time.monotonic() - started, 1)
    (out / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    return report


# -- the report ---------------------------------------------------------------------------------

_SYMBOL = {
    "passed": "✓ passed",
    "failed": "✗ failed",
    "not attempted": "✗ not attempted",
    "error": "✗ error",
    "timeout": "✗ time limit",
    "not run": "✗ not run",
    "missing": "✗ missing",
    "manual": "by hand",
}


def _cell(text: str) -> str:
    return (
        html.escape(str(text), quote=False)
        .replace("|", "\\|")
        .replace("\n", " ")
    )


def markdown(report: dict) -> str:
    """The report as Markdown: a summary line, one table row per exercise, the notes."""
    lines = [
        f"# Grade: {Path(report['submission']).name}",
        "",
        f"**Score: {report['score']} / {report['max_score']}** · chapter `{report['reference']}` · "
        f"{report['mode']} mode · graded in {report['seconds']:g} s (limits: {report['timeout_s']:g} s per "
        f"notebook, {report['cell_timeout_s']:g} s per cell)",
        "",
        "| Exercise | Self-check | Points | Result | Why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for e in report["exercises"]:
        points = f"{e['score']} / {e['points']}" if e["points"] else "-"
        lines.append(
            f"| `{e['label']}` {_cell(e['title'])} | `{e['check'] or '-'}` | {points} | "
            f"{_SYMBOL.get(e['status'], e['status'])} | {_cell(e['reason'])} |"
        )
    lines += ["", f"Run: {report['run']}."]
    if report["first_error"]:
        error = report["first_error"]
        lines.append(
            f"First error in the notebook: cell {error['cell']}, {error['ename']}: {_cell(error['evalue'])}"
        )
    lines += [f"- {_cell(note)}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def passed(out: Path, label: str) -> tuple[bool, str]:
    """Whether the report in ``out`` passes the exercise ``label``, and its line of the report."""
    path = Path(out) / "report.json"
    if not path.is_file():
        return (
            False,
            f"no report at {path}: run python -m tools.grade SUBMISSION.ipynb --out {out} first",
        )
    report = json.loads(path.read_text(encoding="utf-8"))
    for e in report["exercises"]:
        if e["label"] == label:
            return e[
                "status"
            ] == "passed", f"{label}: {e['status']} - {e['reason']}"
    labels = ", ".join(e["label"] for e in report["exercises"])
    return False, f"{label}: no such exercise in the report (it has: {labels})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "submission",
        nargs="?",
        type=Path,
        help="the submitted notebook (.ipynb)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for the report (default: grading)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds the whole notebook may run (default {DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=DEFAULT_CELL_TIMEOUT,
        help=f"seconds one cell may run (default {DEFAULT_CELL_TIMEOUT})",
    )
    parser.add_argument(
        "--fast", action="store_true", help="run in fast mode (CVAE_FAST=1)"
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=None,
        help="the chapter notebook the submission comes from (default: found from its exercises)",
    )
    parser.add_argument(
        "--passed",
        metavar="LABEL",
        default=None,
        help="do not grade: exit 0 if the report in --out passes exercise LABEL, else 1",
    )
    args = parser.parse_args(argv)
    if args.passed:
        ok, line = passed(args.out, args.passed)
        print(line)
        return 0 if ok else 1
    if args.submission is None:
        parser.error("name the submitted notebook (or use --passed LABEL)")
    if args.timeout <= 0 or args.cell_timeout <= 0:
        parser.error("--timeout and --cell-timeout must be positive")
    report = grade(
        args.submission,
        args.out,
        args.timeout,
        args.cell_timeout,
        args.reference,
        fast=True if args.fast else None,
    )
    print(markdown(report), end="")
    print(f"Report: {args.out / 'report.json'}, {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
