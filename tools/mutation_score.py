"""Mutation score of the package's core layers: losses, models, evaluation and plots (mutmut 3).

    pip install mutmut          # 3.x; not in requirements.txt (a maintainer's tool, not CI's)
    python tools/mutation_score.py                        # all four layers, 2 workers
    python tools/mutation_score.py --modules losses models --max-children 2
    python tools/mutation_score.py --keep /tmp/mut        # keep the copy (then `mutmut browse` there)

mutmut changes one small thing in the code at a time (a sign, an operator, an axis, a constant, a
string) and runs the unit tests that call the changed function; a mutant is *killed* when a test
fails. The script prints killed / total per module and overall, then every surviving mutant with
its file:line and the changed line, so one can decide whether a test is missing or the mutant is
harmless (an equivalent rewrite, an error message, a default nobody relies on).

Nothing in the working tree changes: the repository is copied to a temporary folder (without
``.git``, ``_build``, ``node_modules``), the ``[tool.mutmut]`` configuration is appended to the
copy's pyproject.toml, and mutmut writes its ``mutants/`` folder there.

What runs:

- mutated: ``cvae_utils/losses.py``, the models and the evaluation (``cvae_utils/models/`` and
  ``cvae_utils/evaluate/``, or ``models.py`` and ``evaluate.py`` before they became subpackages)
  and the plots (``cvae_utils/plots/`` or, before that subpackage existed, ``cvae_utils/plotting.py``); the
  ``raise ...(message)`` statements are not mutated (only their messages would change), nor the
  constructors ``__init__`` (Keras reads their argument names, which mutmut's wrapper hides);
- tests: every unit test of the package (``tests/test_*.py`` with ``-p no:nbval -o addopts= -m "not
  book and not site"``, so no chapter, book check or browser test runs). A layer's functions are also
  exercised by tests named after other modules (``test_likelihoods.py``, ``test_quadrants.py``, the
  exercise checks, ...); mutmut maps each function to the tests that call it and runs only those.
  ``--tests`` narrows the set;
- backend: PyTorch by default (``--backend``). mutmut forks one worker per mutant from a process
  that has already run the tests; a forked TensorFlow runtime waits forever for the thread pools
  of its parent (every worker sat at 0 s of CPU until mutmut's timeout), PyTorch on one thread
  (tests/conftest.py sets it) forks cleanly. With ``--backend tensorflow`` or ``jax`` the workers
  start from a fork server that has not imported Keras, so each imports it anew (slow).

Time (measured on an otherwise idle 2-core machine, mutmut 3.8.1, 2 workers, PyTorch): the four
layers give 7,405 mutants; ``--sample 10`` checks 673 of them in 7-8 minutes (mapping the unit tests
to functions is the first 2-3 of them), so a full run takes over an hour: sample, or name the
functions with ``--only``. ``--keep DIR`` keeps the copy; ``--report DIR`` prints the score of a kept
run again (also of one that was stopped early).
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Module name -> the source files mutated (globs).
LAYERS = {
    "losses": ["cvae_utils/losses.py"],
    "models": ["cvae_utils/models/*.py", "cvae_utils/models.py"],
    "evaluate": ["cvae_utils/evaluate/*.py", "cvae_utils/evaluate.py"],
    "plots": ["cvae_utils/plots/*.py", "cvae_utils/plotting.py"],
}
#: The tests run against the mutants (book and site tests are deselected by marker).
TESTS = ["tests/test_*.py"]
#: Not copied beside the mutated package: mutmut's own copies, and the configuration it reads.
NOT_ALSO_COPIED = {
    "cvae_utils",
    "tests",
    "mutants",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
}
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".pytest_cache",
    ".benchmarks",
    "_build",
    "node_modules",
    "mutants",
    "__pycache__",
    ".venv",
    ".ipynb_checkpoints",
    "artifacts",
    "*.egg-info",
)
PYTEST_ARGS = [
    "-p",
    "no:nbval",
    "-o",
    "addopts=",
    "-p",
    "no:cacheprovider",
    "-m",
    "not book and not site",
]
NO_MUTATE_PATTERNS = [r"^\s*raise\b"]

# Runs inside the copy with the interpreter that runs mutmut: every mutant's status, and the diff
# of each one that was not killed (mutmut's own `results` and `show`, without one process each).
_REPORT = r"""
import fnmatch, json, sys
from mutmut.utils.file_utils import walk_mutatable_files
from mutmut.mutation.data import SourceFileMutationData
from mutmut.stats import status_by_exit_code
from mutmut.mutation.diff_apply import get_diff_for_mutant
names = sys.argv[1:]
out = []
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        if names and not any(fnmatch.fnmatchcase(name, n) for n in names):
            continue
        status = status_by_exit_code[code]
        diff = get_diff_for_mutant(name, path=path) if status not in ("killed", "not checked") else ""
        out.append({"path": str(path), "name": name, "status": status, "diff": diff})
json.dump(out, sys.stdout)
"""


def _existing(patterns: list[str], root: Path) -> list[str]:
    found = []
    for pattern in patterns:
        found += sorted(
            str(p.relative_to(root))
            for p in root.glob(pattern)
            if p.name != "__init__.py" or "plots" in p.parts
        )
    return list(dict.fromkeys(found))


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def mutmut_config(
    sources: list[str],
    tests: list[str],
    backend: str,
    also_copy: list[str] = (),
) -> str:
    """The [tool.mutmut] section written into the copy's pyproject.toml."""
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["cvae_utils"]',  # the whole package is copied; only `only_mutate` changes
        f"only_mutate = {_toml_list(sources)}",
        f"do_not_mutate_patterns = {_toml_list(NO_MUTATE_PATTERNS)}",
        f"pytest_add_cli_args = {_toml_list(PYTEST_ARGS)}",
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}",
        # the rest of the repository, which some test modules read when pytest imports them
        f"also_copy = {_toml_list(also_copy)}",
    ]
    if backend != "torch":
        lines += [
            'process_isolation = "forkserver"',
            'forkserver_warmup = "none"',
        ]
    return "\n".join(lines) + "\n"


def prepare_copy(
    root: Path,
    workdir: Path,
    sources: list[str],
    tests: list[str],
    backend: str,
) -> Path:
    copy = workdir / "repo"
    shutil.copytree(root, copy, ignore=COPY_IGNORE, symlinks=True)
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text()
    if (
        "[tool.mutmut]" in text
    ):  # the copy's own section gives way to the generated one
        text = re.sub(r"\n\[tool\.mutmut\][^\[]*", "\n", text)
    also_copy = sorted(
        p.name for p in copy.iterdir() if p.name not in NOT_ALSO_COPIED
    )
    pyproject.write_text(
        text + mutmut_config(sources, tests, backend, also_copy)
    )
    for source in sources:
        exclude_constructors(copy / source)
    return copy


def exclude_constructors(path: Path) -> None:
    """Mark every method ``__init__`` ``# pragma: no mutate block`` (in the copy; no line moves).

    Keras builds a layer's or model's config from the argument names of ``__init__``
    (``inspect.getfullargspec``), which mutmut's ``trampoline(*args, **kwargs)`` hides: every
    model constructor would raise IndexError. So constructors are not mutated.
    """
    lines = path.read_text().split("\n")
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if (
                    isinstance(item, ast.FunctionDef)
                    and item.name == "__init__"
                ):
                    colon = (
                        item.body[0].lineno - 2
                    )  # 0-based index of the line that ends the header
                    while colon > item.lineno - 1 and not lines[colon].split(
                        "#"
                    )[0].rstrip().endswith(":"):
                        colon -= 1
                    if "#" not in lines[colon]:
                        lines[colon] += "  # pragma: no mutate block"
    path.write_text("\n".join(lines))


def _function_spans(path: Path) -> dict[str, tuple[int, int]]:
    """mutmut's mangled function names (x_f, xǁClassǁmethod) -> (first line, last line) in the source."""
    spans = {}
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            spans[f"x_{node.name}"] = (node.lineno, node.end_lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    spans[f"xǁ{node.name}ǁ{item.name}"] = (
                        item.lineno,
                        item.end_lineno,
                    )
    return spans


def locate(
    mutant: dict, spans: dict[str, tuple[int, int]]
) -> tuple[int | None, str, str]:
    """(line in the original file, removed line, added line) of a mutant, from its function diff."""
    function = mutant["name"].rsplit(".", 1)[-1].split("__mutmut_")[0]
    start = spans.get(function, (None, None))[0]
    old_line, removed, added, line = None, "", "", None
    for text in mutant["diff"].splitlines():
        hunk = re.match(r"@@ -(\d+)", text)
        if hunk:
            old_line = int(hunk.group(1))
            continue
        if old_line is None or text.startswith(("---", "+++")):
            continue
        if text.startswith("-"):
            if not removed:
                removed, line = (
                    text[1:].strip(),
                    (start + old_line - 1 if start else None),
                )
            old_line += 1
        elif text.startswith("+"):
            added = added or text[1:].strip()
        else:
            old_line += 1
    return line, removed, added


def string_only(removed: str, added: str) -> bool:
    """True when a mutant changes nothing but a string literal ("name" -> "XXnameXX", "NAME" or None)."""
    strip = lambda s: re.sub(r"(f?\"[^\"]*\"|f?'[^']*'|\bNone\b)", '""', s)  # noqa: E731
    return (
        bool(removed) and removed != added and strip(removed) == strip(added)
    )


SAMPLE_DIGITS = {1: "", 2: "[02468]", 5: "[05]", 10: "0"}


def selection(only: list[str] | None, sample: int) -> list[str]:
    """mutmut's mutant-name globs for --only and --sample (no glob: every mutant)."""
    if not only and sample == 1:
        return []
    return [
        f"{glob}__mutmut_*{SAMPLE_DIGITS[sample]}"
        for glob in (only or ["cvae_utils.*"])
    ]


def module_of(path: str) -> str:
    for name, sources in LAYERS.items():
        if any(Path(path).match(pattern) for pattern in sources):
            return name
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--modules",
        nargs="+",
        choices=sorted(LAYERS),
        default=list(LAYERS),
        help="layers to mutate (default: all four)",
    )
    parser.add_argument(
        "--max-children",
        type=int,
        default=2,
        help="parallel mutmut workers (default 2)",
    )
    parser.add_argument(
        "--tests",
        nargs="+",
        help="test files to run (default: every unit test, tests/test_*.py)",
    )
    parser.add_argument(
        "--backend",
        choices=["torch", "tensorflow", "jax"],
        default="torch",
        help="Keras backend of the test runs (default torch: see the module docstring)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="GLOB",
        help="mutate only these functions, as mutmut names them: module.x_function or "
        "module.xǁClassǁmethod, with * wildcards (e.g. 'cvae_utils.models.core.xǁVAEǁ*')",
    )
    parser.add_argument(
        "--sample",
        type=int,
        choices=[1, 2, 5, 10],
        default=1,
        help="test one mutant in SAMPLE (those whose number ends in 0 or 5 for 5, ...): "
        "a quicker, deterministic estimate of the score",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="run in this (new) folder and keep it, instead of a temporary one",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="only print the score of an earlier run kept with --keep DIR (same --only/--sample)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        help="also write every mutant's status and location to this file",
    )
    args = parser.parse_args(argv)
    if args.max_children < 1:
        parser.error("--max-children must be at least 1")
    if importlib.util.find_spec("mutmut") is None:
        print(
            "mutmut is not installed: pip install mutmut (version 3)",
            file=sys.stderr,
        )
        return 2

    sources = _existing([p for m in args.modules for p in LAYERS[m]], ROOT)
    sources = [
        s
        for s in sources
        if not s.endswith("plotting.py")
        or not (ROOT / "cvae_utils" / "plots").is_dir()
    ]
    tests = args.tests or _existing(TESTS, ROOT)
    if not sources:
        parser.error(f"no source file found for {args.modules}")
    names = selection(args.only, args.sample)
    env = {
        **os.environ,
        "KERAS_BACKEND": args.backend,
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "CUDA_VISIBLE_DEVICES": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("CVAE_FAST", None)
    if args.report:
        minutes = float("nan")
        if (args.report / "minutes.txt").exists():
            minutes = float((args.report / "minutes.txt").read_text())
        return report(args, args.report / "repo", names, env, minutes)
    if args.keep and args.keep.exists():
        parser.error(f"--keep {args.keep} exists already: name a new folder")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="cvae-mutmut-"))
    workdir.mkdir(parents=True, exist_ok=True)
    copy = prepare_copy(ROOT, workdir, sources, tests, args.backend)
    print(
        f"mutating {', '.join(sources)}\ntests:   {' '.join(tests)}\nbackend: {args.backend}, "
        f"{args.max_children} workers, in {copy}",
        flush=True,
    )

    log = workdir / "mutmut.log"
    started = time.monotonic()
    with open(log, "w") as out:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "mutmut",
                "run",
                "--max-children",
                str(args.max_children),
                *names,
            ],
            cwd=copy,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    minutes = (time.monotonic() - started) / 60
    if run.returncode != 0:
        tail = (
            log.read_text(errors="replace")
            .replace("\r", "\n")
            .splitlines()[-30:]
        )
        print(f"mutmut run failed (exit {run.returncode}); the end of {log}:")
        print("\n".join(tail))
        return 1
    (workdir / "minutes.txt").write_text(f"{minutes:.2f}")
    status = report(args, copy, names, env, minutes)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return status


def report(
    args, copy: Path, names: list[str], env: dict, minutes: float
) -> int:
    """Print the score per module and overall, then every mutant that was not killed."""
    import mutmut

    result = subprocess.run(
        [sys.executable, "-c", _REPORT, *names],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return 1
    mutants = [
        m
        for m in json.loads(result.stdout)
        if not names or any(fnmatch.fnmatchcase(m["name"], n) for n in names)
    ]

    spans = {}
    for m in mutants:
        if m["path"] not in spans:
            spans[m["path"]] = (
                _function_spans(copy / m["path"])
                if (copy / m["path"]).exists()
                else {}
            )
        m["line"], m["removed"], m["added"] = (
            locate(m, spans[m["path"]]) if m["diff"] else (None, "", "")
        )
        m["string_only"] = string_only(m["removed"], m["added"])

    pending = [
        m for m in mutants if m["status"] == "not checked"
    ]  # a run that was stopped early
    mutants = [m for m in mutants if m["status"] != "not checked"]
    counts = defaultdict(lambda: defaultdict(int))
    for m in mutants:
        counts[module_of(m["path"])][m["status"]] += 1
    sampled = f", one mutant in {args.sample}" if args.sample > 1 else ""
    print(f"\nmutmut {mutmut.__version__}, {minutes:.1f} min{sampled}\n")
    print(f"{'module':<10} {'killed':>7} {'total':>6} {'score':>7}   other")
    total_killed = total = 0
    for module in [m for m in LAYERS if m in counts] + [
        m for m in counts if m not in LAYERS
    ]:
        c = counts[module]
        n, k = sum(c.values()), c.get("killed", 0)
        total, total_killed = total + n, total_killed + k
        other = ", ".join(
            f"{v} {s}" for s, v in sorted(c.items()) if s != "killed"
        )
        print(f"{module:<10} {k:>7} {n:>6} {100 * k / n:>6.1f}%   {other}")
    print(
        f"{'overall':<10} {total_killed:>7} {total:>6} {100 * total_killed / max(total, 1):>6.1f}%"
    )
    if pending:
        print(
            f"({len(pending)} selected mutants not checked: the run stopped before them)"
        )

    alive = sorted(
        (m for m in mutants if m["status"] != "killed"),
        key=lambda m: (m["path"], m["line"] or 0),
    )
    strings = [m for m in alive if m["string_only"]]
    print(
        f"\n{len(alive)} not killed, {len(strings)} of them change only a string (messages, names in messages)"
    )
    for m in alive:
        where = f"{m['path']}:{m['line']}" if m["line"] else m["path"]
        tag = " [string]" if m["string_only"] else ""
        print(
            f"{where:<32} {m['status']:<9}{tag} {m['removed'][:70]!s}\n{'':<42} -> {m['added'][:70]}"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"minutes": minutes, "mutants": mutants}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
