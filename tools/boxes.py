"""The "What you should see" box of a chapter: its text, its numbers, and the numbers the notebook printed.

Used by tests/test_expected_numbers.py (every box number is in the committed outputs), by
benchmarks/spread.py (how far the numbers moved between two runs), by tools/stale_numbers.py and by
the results page (benchmarks/expected_numbers.py), so all of them read a box the same way.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

NUMBER = re.compile(
    r"(?<![\w.])[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|(?<![\w.])[-−]?\d+(?:\.\d+)?(?![\d])"
)
SCIENTIFIC = re.compile(r"(\d+(?:\.\d+)?)\s*\\times\s*10\^\{?(-?\d+)\}?")
ROLE = re.compile(r"\{(doc|eq|cite|ref|numref)\}`[^`]*`")
TOLERANCE = re.compile(
    r"\*\*Tolerance\.\*\*[^\n]*(?:\n(?!\n)[^\n]*)*"
)  # the paragraph, up to a blank line


def box_text(path: Path) -> str:
    """The text of the notebook's "What you should see" box (admonition or section)."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if (
            cell["cell_type"] != "markdown"
            or "What you should see" not in source
        ):
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
    code = "\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
    )
    code = re.sub(r"#.*", "", code)  # not the comments
    return {
        float(t.replace("_", ""))
        for t in re.findall(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?![\w.])", code)
    }


def _value(token: str) -> float:
    return float(token.replace(",", "").replace("−", "-"))


def _decimals(token: str) -> int:
    return len(token.split(".", 1)[1]) if "." in token else 0


def box_numbers(text: str):
    """(token, value, decimals) for every number the box quotes."""
    text = ROLE.sub(" ", text).replace("{,}", ",")  # LaTeX's 1{,}000
    found = []
    for mantissa, exponent in SCIENTIFIC.findall(text):
        found.append(
            (
                f"{mantissa}e{exponent}",
                float(mantissa) * 10 ** int(exponent),
                None,
            )
        )
    text = SCIENTIFIC.sub(" ", text)
    for token in NUMBER.findall(text):
        found.append((token, _value(token), _decimals(token)))
    return found


def output_numbers(text: str) -> list[float]:
    values = [
        float(t)
        for t in re.findall(
            r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text.replace(",", "")
        )
    ]
    return values


def is_found(value: float, decimals, printed: list[float]) -> bool:
    if (
        decimals is None
    ):  # a x 10^b: agree to the mantissa's two significant digits
        return any(
            o != 0 and math.isclose(o, value, rel_tol=0.05) for o in printed
        )
    half = 0.5 * 10**-decimals + 1e-9
    return any(
        abs(o - value) <= half
        or abs(100 * o - value) <= half
        or abs(abs(o) - abs(value)) <= half
        for o in printed
    )


def missing_numbers(path: Path) -> list[str]:
    printed, settings = output_numbers(output_text(path)), code_literals(path)
    return [
        token
        for token, value, decimals in box_numbers(box_text(path))
        if not is_found(value, decimals, printed)
        and not (decimals == 0 and value in settings)
    ]


def tolerance_paragraph(path: Path) -> str:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "What you should see" in source:
            found = TOLERANCE.search(source)
            return found.group(0) if found else ""
    return ""


TOLERANCE_NOTE = "(tolerance-note)="  # the label of the one full explanation


def tolerance_note(chapters: Path) -> str:
    """The section under the label ``(tolerance-note)=`` in a notebook of
    the folder ``chapters``, up to the next label ("" when none has it)."""
    if not Path(chapters).is_dir():
        raise ValueError(f"expected a folder of chapters, got {chapters!r}")
    for path in sorted(Path(chapters).glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and TOLERANCE_NOTE in source:
                note = source.split(TOLERANCE_NOTE, 1)[1]
                return re.split(r"\n\([\w-]+\)=\n", note, maxsplit=1)[0]
    return ""


def stated_tolerance(path: Path) -> str:
    """What a box states as its tolerance: its own paragraph, or the note
    that its paragraph links to."""
    paragraph = tolerance_paragraph(path)
    if "<tolerance-note>" in paragraph:
        return tolerance_note(path.parent)
    return paragraph
