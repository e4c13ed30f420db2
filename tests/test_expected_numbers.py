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
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
NUMBER = re.compile(r"(?<![\w.])[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|(?<![\w.])[-−]?\d+(?:\.\d+)?(?![\d])")
SCIENTIFIC = re.compile(r"(\d+(?:\.\d+)?)\s*\\times\s*10\^\{?(-?\d+)\}?")
ROLE = re.compile(r"\{(doc|eq|cite|ref|numref)\}`[^`]*`")
TOLERANCE = re.compile(r"\*\*Tolerance\.\*\*[^\n]*(?:\n(?!\n)[^\n]*)*")  # the paragraph, up to a blank line
SPREAD = ROOT / "benchmarks" / "results" / "spread.json"
STATED_PERCENT = 6  # the largest relative change the Tolerance paragraphs state

pytestmark = pytest.mark.book


def box_text(path: Path) -> str:
    """The text of the notebook's "What you should see" box (admonition or section)."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or "What you should see" not in source:
            continue
        start = source.index("What you should see")
        if "{admonition} What you should see" in source:
            body = source[start:]
            end = body.find("\n```")
            body = body[:end] if end >= 0 else body
        else:
            body = source[start:]
            body = body.split("\n## ", 1)[0] if "\n## " in body[1:] else body
        return TOLERANCE.sub(" ", body)
    return ""


def output_text(path: Path) -> str:
    nb = json.loads(path.read_text())
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append("".join(out["text"]))
            elif "data" in out:
                for mime in ("text/plain", "text/html"):
                    if mime in out["data"] and "image/png" not in out["data"]:
                        parts.append("".join(out["data"][mime]))
    return "\n".join(parts)


def code_literals(path: Path) -> set[float]:
    """The numbers written in the notebook's code cells (the settings a box may quote)."""
    nb = json.loads(path.read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    code = re.sub(r"#.*", "", code)  # not the comments
    return {float(t.replace("_", "")) for t in re.findall(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?![\w.])", code)}


def _value(token: str) -> float:
    return float(token.replace(",", "").replace("−", "-"))


def _decimals(token: str) -> int:
    return len(token.split(".", 1)[1]) if "." in token else 0


def box_numbers(text: str):
    """(token, value, decimals) for every number the box quotes."""
    text = ROLE.sub(" ", text).replace("{,}", ",")  # LaTeX's 1{,}000
    found = []
    for mantissa, exponent in SCIENTIFIC.findall(text):
        found.append((f"{mantissa}e{exponent}", float(mantissa) * 10 ** int(exponent), None))
    text = SCIENTIFIC.sub(" ", text)
    for token in NUMBER.findall(text):
        found.append((token, _value(token), _decimals(token)))
    return found


def output_numbers(text: str) -> list[float]:
    values = [float(t) for t in re.findall(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text.replace(",", ""))]
    return values


def is_found(value: float, decimals, printed: list[float]) -> bool:
    if decimals is None:  # a x 10^b: agree to the mantissa's two significant digits
        return any(o != 0 and math.isclose(o, value, rel_tol=0.05) for o in printed)
    half = 0.5 * 10 ** -decimals + 1e-9
    return any(abs(o - value) <= half or abs(100 * o - value) <= half or abs(abs(o) - abs(value)) <= half
               for o in printed)


def missing_numbers(path: Path) -> list[str]:
    printed, settings = output_numbers(output_text(path)), code_literals(path)
    return [token for token, value, decimals in box_numbers(box_text(path))
            if not is_found(value, decimals, printed) and not (decimals == 0 and value in settings)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_has_a_what_you_should_see_box(path):
    assert box_numbers(box_text(path)), f"{path.name}: no 'What you should see' box with numbers"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_box_is_in_the_committed_outputs(path):
    missing = missing_numbers(path)
    assert not missing, (f"{path.name}: the 'What you should see' box quotes numbers that no output of the "
                         f"committed run shows (within rounding): {missing}")


def test_settings_count_only_when_the_code_writes_them(tmp_path):
    cell = {"cell_type": "code", "source": ["subset = x_test[:500]  # 20 epochs in the comment\n", "k = 1_000"],
            "outputs": [], "metadata": {}, "execution_count": 1}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    assert {500.0, 1000.0} <= code_literals(path) and 20.0 not in code_literals(path)


def tolerance_paragraph(path: Path) -> str:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "What you should see" in source:
            found = TOLERANCE.search(source)
            return found.group(0) if found else ""
    return ""


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not p.name.startswith("00_")], ids=lambda p: p.name)
def test_every_box_states_its_tolerance(path):
    assert tolerance_paragraph(path), f"{path.name}: the box has no **Tolerance.** paragraph"


def test_the_stated_tolerance_covers_the_spread_measured_between_two_full_runs():
    measured = json.loads(SPREAD.read_text())
    stated = {p.name: tolerance_paragraph(p) for p in NOTEBOOKS}
    assert all(f"{STATED_PERCENT}%" in text for name, text in stated.items() if text and "no training" not in text)
    for name, entry in measured.items():
        for item, old, new in entry["pairs"]:
            o, n = _value(old), _value(new)
            if "." in old or "." in new:
                assert abs(n - o) <= STATED_PERCENT / 100 * abs(o), f"{name}: {item} moved from {old} to {new}"
            else:  # a count
                assert abs(n - o) <= 1, f"{name}: {item} moved from {old} to {new}"


def test_the_matching_rounds_like_a_reader_would():
    printed = output_numbers("test -ELBO: 151.55 nats, accuracy 0.916, 8,000 images, p = 3.41e+10")
    assert is_found(151.6, 1, printed) and is_found(151.55, 2, printed) and is_found(91.6, 1, printed)
    assert is_found(8000, 0, printed) and is_found(3.4e10, None, printed)
    assert not is_found(151.7, 1, printed) and not is_found(151.5, 2, printed) and not is_found(92.0, 1, printed)
    tokens = [t for t, _, _ in box_numbers(r"NLL 128.53 ({doc}`05_cvae`, {eq}`elbo-2`), $3.4 \times 10^{10}$, 8,000, $1{,}000$")]
    assert tokens == ["3.4e10", "128.53", "8,000", "1,000"]
