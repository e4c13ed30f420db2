"""The seed tables of benchmarks/seeds.py and the chapters that show them.

A chapter that compares models under several seeds shows the table that
``python -m benchmarks.seeds`` printed; the book tests below check that the
table on the page is the one in ``benchmarks/results/seeds/<chapter>.json``
and that the chapter's own committed run lies inside the seeds' range.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from benchmarks.seeds import (
    TAG,
    markdown_table,
    pair_runs,
    result_lines,
    results_path,
    retitle,
)

ROOT = Path(__file__).resolve().parents[1]
TABLES = sorted((ROOT / "benchmarks" / "results" / "seeds").glob("*.json"))


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for number, (source, tags, text) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"cell-{number}"  # fixed, as in a chapter run twice
        cell.metadata["tags"] = list(tags)
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=text)
        ]
        nb.cells.append(cell)
    return nb


def test_result_lines_reads_only_tagged_cells_and_keys_lines_by_shape():
    nb = _notebook(
        ("a", [TAG], "plain: D = 195.2 R = 0.45\nno number here\n"),
        ("b", [], "untagged 12.0\n"),
        ("c", [TAG], "x 1.0\nx 2.00\n"),
    )
    lines = result_lines(nb)
    assert [line["numbers"] for line in lines] == [[195.2, 0.45], [1.0], [2.0]]
    assert lines[0]["decimals"] == [1, 2]
    shapes = [line["key"].split(" | ", 1)[1] for line in lines]
    assert shapes == ["plain: D = # R = # | 0", "x # | 0", "x # | 1"]


def test_result_lines_reads_signs_and_skips_stderr():
    nb = _notebook(("a", [TAG], "slope −0.25 and -3, gain +0.5\n"))
    nb.cells[0].outputs.append(
        nbformat.v4.new_output("stream", name="stderr", text="warn 9.9\n")
    )
    lines = result_lines(nb)
    assert [line["numbers"] for line in lines] == [[-0.25, -3.0, 0.5]]
    # a sign that changes between seeds must not change the line's shape
    assert lines[0]["key"].endswith("slope # and #, gain # | 0")


def test_pair_runs_refuses_runs_that_printed_different_lines():
    a = result_lines(_notebook(("a", [TAG], "plain 1.0\n")))
    b = result_lines(_notebook(("a", [TAG], "collapsed 1.0\n")))
    with pytest.raises(ValueError, match="different lines"):
        pair_runs({42: a, 43: b})
    with pytest.raises(ValueError, match="tag the cells"):
        pair_runs({42: [], 43: []})


def test_markdown_table_lists_moving_numbers_per_seed_with_mean_and_sd():
    runs = {
        seed: result_lines(
            _notebook(("a", [TAG], f"plain: D = {d} of 16 | x\n"))
        )
        for seed, d in ((42, "1.0"), (43, "2.0"), (44, "3.0"))
    }
    table = markdown_table(pair_runs(runs)).splitlines()
    assert (
        table[0]
        == "| printed line | seed 42 | seed 43 | seed 44 | mean ± sd |"
    )
    assert (
        table[2]
        == "| plain: D = # of 16 \\| x | 1.0 | 2.0 | 3.0 | 2.0 ± 1.00 |"
    )


def _committed_lines(chapter: str) -> dict:
    nb = nbformat.read(ROOT / "chapters" / chapter, as_version=4)
    return {line["key"]: line for line in result_lines(nb)}


@pytest.mark.book
@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.stem)
def test_the_chapter_shows_its_seed_table(path):
    result = json.loads(path.read_text())
    assert result["mode"] == "full", f"{path.name}: not a full-mode run"
    assert results_path(result["chapter"]) == path
    nb = nbformat.read(ROOT / "chapters" / result["chapter"], as_version=4)
    table = markdown_table(result["rows"])
    shown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any(table in source for source in shown), (
        f"{result['chapter']} does not show the table of {path.name}; "
        f"expected a markdown cell containing:\n{table}"
    )


@pytest.mark.book
@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.stem)
def test_the_chapters_own_run_lies_in_the_seeds_range(path):
    result = json.loads(path.read_text())
    committed = _committed_lines(result["chapter"])
    assert set(committed) == {row["key"] for row in result["rows"]}, (
        f"{result['chapter']}: its tagged cells print other lines than "
        f"{path.name} holds: rerun `{result['command']}`"
    )
    outside = []
    for row in result["rows"]:
        line = committed[row["key"]]
        columns = zip(*row["values"].values())
        for value, column, decimals in zip(
            line["numbers"], columns, row["decimals"]
        ):
            slack = 0.5 * 10.0**-decimals  # the printed rounding
            if not min(column) - slack <= value <= max(column) + slack:
                outside.append(f"{line['text']!r}: {value} not in {column}")
    assert not outside, "\n".join(outside)


def test_a_cells_seed_title_heads_its_rows_and_retitle_copies_it():
    def run(value):
        nb = _notebook(
            ("a", [TAG], f"x {value}\n"), ("b", [TAG], f"y {value}\n")
        )
        nb.cells[1].metadata["seed_title"] = "after more epochs"
        return nb

    runs = {s: result_lines(run(v)) for s, v in ((42, "1.0"), (43, "2.0"))}
    rows = pair_runs(runs)
    table = markdown_table(rows).splitlines()
    assert table[2:] == [
        "| x # | 1.0 | 2.0 | 1.5 ± 0.71 |",
        "| **after more epochs** | | | |",
        "| y # | 1.0 | 2.0 | 1.5 ± 0.71 |",
    ]
    renamed = run("1.0")
    renamed.cells[1].metadata["seed_title"] = "later"
    retitle(rows, renamed)
    assert [row["title"] for row in rows] == ["", "later"]
