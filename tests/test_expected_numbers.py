"""Every number in a chapter's "What you should see" box appears in that chapter's committed outputs.

The box is what a learner compares their run with, so it must quote the run the page shows. A
number of the box counts as found when some number printed by the notebook (a stream, a table, a
result) equals it after rounding to the box's decimals - as a percentage too (0.916 -> 91.6%) - or,
for a setting of the run (500 test digits, 10 epochs), when the chapter's code writes it as a literal.
References ({doc}, {eq}, {cite}) are not numbers. The box's **Tolerance.** paragraph quotes the spread
measured between two full runs (benchmarks/results/spread.json), which its own test checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.boxes import (
    _value,
    box_numbers,
    box_text,
    code_literals,
    is_found,
    missing_numbers,
    output_numbers,
    stated_tolerance,
    tolerance_note,
    tolerance_paragraph,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
SPREAD = ROOT / "benchmarks" / "results" / "spread.json"
STATED_PERCENT = (
    6  # the largest relative change the Tolerance paragraphs state
)

pytestmark = pytest.mark.book


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_has_a_what_you_should_see_box(path):
    assert box_numbers(box_text(path)), (
        f"{path.name}: no 'What you should see' box with numbers"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_box_is_in_the_committed_outputs(path):
    missing = missing_numbers(path)
    assert not missing, (
        f"{path.name}: the 'What you should see' box quotes numbers that no output of the "
        f"committed run shows (within rounding): {missing}"
    )


def test_settings_count_only_when_the_code_writes_them(tmp_path):
    cell = {
        "cell_type": "code",
        "source": [
            "subset = x_test[:500]  # 20 epochs in the comment\n",
            "k = 1_000",
        ],
        "outputs": [],
        "metadata": {},
        "execution_count": 1,
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    assert {500.0, 1000.0} <= code_literals(
        path
    ) and 20.0 not in code_literals(path)


@pytest.mark.parametrize(
    "path",
    [p for p in NOTEBOOKS if not p.name.startswith("00_")],
    ids=lambda p: p.name,
)
def test_every_box_states_its_tolerance(path):
    assert tolerance_paragraph(path), (
        f"{path.name}: the box has no **Tolerance.** paragraph"
    )


def test_the_stated_tolerance_covers_the_spread_measured_between_two_full_runs():
    measured = json.loads(SPREAD.read_text())
    own = {p: tolerance_paragraph(p) for p in NOTEBOOKS}
    trained = [
        p for p, text in own.items() if text and "no training" not in text
    ]
    assert all(f"{STATED_PERCENT}%" in stated_tolerance(p) for p in trained)
    for name, entry in measured.items():
        for item, old, new in entry["pairs"]:
            o, n = _value(old), _value(new)
            if "." in old or "." in new:
                assert abs(n - o) <= STATED_PERCENT / 100 * abs(o), (
                    f"{name}: {item} moved from {old} to {new}"
                )
            else:  # a count
                assert abs(n - o) <= 1, (
                    f"{name}: {item} moved from {old} to {new}"
                )


def test_the_one_tolerance_note_states_the_spread_and_its_source():
    note = tolerance_note(ROOT / "chapters")
    assert f"{STATED_PERCENT}%" in note
    assert "How much the numbers move between two runs" in note
    assert "published" not in note  # the note ends at the next label
    with pytest.raises(ValueError, match="folder of chapters"):
        tolerance_note(ROOT / "chapters" / "00_setup.ipynb")


def test_the_matching_rounds_like_a_reader_would():
    printed = output_numbers(
        "test -ELBO: 151.55 nats, accuracy 0.916, 8,000 images, p = 3.41e+10"
    )
    assert (
        is_found(151.6, 1, printed)
        and is_found(151.55, 2, printed)
        and is_found(91.6, 1, printed)
    )
    assert is_found(8000, 0, printed) and is_found(3.4e10, None, printed)
    assert (
        not is_found(151.7, 1, printed)
        and not is_found(151.5, 2, printed)
        and not is_found(92.0, 1, printed)
    )
    tokens = [
        t
        for t, _, _ in box_numbers(
            r"NLL 128.53 ({doc}`05_cvae`, {eq}`elbo-2`), $3.4 \times 10^{10}$, 8,000, $1{,}000$"
        )
    ]
    assert tokens == ["3.4e10", "128.53", "8,000", "1,000"]
