"""Every chapter states its reading time and its measured run time under its title, up to date.

The run times come from the last measured run of benchmarks/book_time.py
(benchmarks/results/book_time.json); `python -m tools.chapter_times` writes the line.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tools.chapter_times import BOOK_TIME, MARK, times_line, updated_source

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
RESULTS = json.loads(BOOK_TIME.read_text())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_chapter_states_its_measured_times_under_its_title(path):
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    assert MARK in first.source.split("\n\n")[1], (
        f"{path.name}: no reading/run time line under the title"
    )
    assert first.source == updated_source(nb, path.name, RESULTS), (
        f"{path.name}: the times line is out of date; run `python -m tools.chapter_times`"
    )


def test_the_line_quotes_the_measured_seconds():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\n" + "word " * 1000)]
    results = {
        "full": {"date": "2026-01-01", "seconds": {"a.ipynb": 150.0}},
        "fast": {"date": "2026-01-01", "seconds": {"a.ipynb": 20.4}},
    }
    line = times_line(nb, "a.ipynb", results)
    assert (
        "about 5 min" in line
        and "2.5 min in full mode" in line
        and "20 s in fast mode" in line
    )
    source = updated_source(nb, "a.ipynb", results)
    assert source.startswith("# Title\n\n" + line + "\n\n")
    results["full"]["seconds"]["a.ipynb"] = 300.0
    nb.cells[0].source = source
    assert "5.0 min in full mode" in updated_source(nb, "a.ipynb", results)
