"""Write each chapter's reading time and measured run time into the line under its title.

    python -m tools.chapter_times            # all chapters, from benchmarks/results/book_time.json
    python -m tools.chapter_times --check    # exit 1 if a chapter's line is missing or out of date

The run times are the wall-clock seconds of the last full-mode (and fast-mode) run of
``benchmarks/book_time.py``, on the machine that file names; the reading time counts the words of
the chapter's text and code at 200 words a minute. Only the markdown line changes, never a code cell
or an output, so the committed outputs stay those of the measured run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BOOK_TIME = ROOT / "benchmarks" / "results" / "book_time.json"
WORDS_PER_MINUTE = 200
MARK = "**Reading time:**"
LINE = re.compile(r"^\*\*Reading time:\*\*.*$", re.MULTILINE)


def reading_minutes(nb) -> int:
    """Words of text and code at 200 a minute; a table's rows are looked up, not read."""
    words = sum(
        len(re.findall(r"\w+", line))
        for cell in nb.cells
        if cell.cell_type in ("markdown", "code")
        for line in cell.source.splitlines()
        if not (cell.cell_type == "markdown" and line.lstrip().startswith("|"))
    )
    return max(1, round(words / WORDS_PER_MINUTE))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def times_line(nb, name: str, results: dict) -> str:
    full = results["full"]["seconds"][name]
    line = (
        f"{MARK} about {reading_minutes(nb)} min. **Run time:** {_duration(full)} in full mode on two CPU cores "
        f"({results['full']['date']}, measured by `benchmarks/book_time.py`)"
    )
    if name in results.get("fast", {}).get("seconds", {}):
        line += f"; {_duration(results['fast']['seconds'][name])} in fast mode"
    return line + "."


def updated_source(nb, name: str, results: dict) -> str:
    """The first markdown cell with the times line under the title (replacing an older one)."""
    first = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    line = times_line(nb, name, results)
    if LINE.search(first.source):
        return LINE.sub(line, first.source, count=1)
    title, _, rest = first.source.partition("\n")
    if not title.startswith("# "):
        raise ValueError(
            f"{name}: the first markdown cell must start with the chapter's title"
        )
    return (
        f"{title}\n\n{line}\n{rest}"
        if rest.startswith("\n")
        else f"{title}\n\n{line}\n\n{rest}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="only report chapters whose line is out of date",
    )
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    results = json.loads(BOOK_TIME.read_text())
    stale = []
    for path in args.chapters or sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        source = updated_source(nb, path.name, results)
        first = next(cell for cell in nb.cells if cell.cell_type == "markdown")
        if source != first.source:
            stale.append(path.name)
            if not args.check:
                first.source = source
                nbformat.write(nb, path)
    if args.check and stale:
        print("out of date:", ", ".join(stale))
        return 1
    print(
        ("updated: " + ", ".join(stale))
        if stale and not args.check
        else "all chapters up to date"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
