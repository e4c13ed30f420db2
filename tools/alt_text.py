"""Check that every chapter figure has a description in its cell's metadata.

    python -m tools.alt_text --check chapters/*.ipynb

A code cell that shows figures (image outputs, or matplotlib's HTML animation
player) keeps ``"alt_text": [one sentence per figure, in output order]`` in
its metadata, next to the code that draws them; the website's extension
tools/sphinx/accessibility.py turns them into the images' ``alt``
attributes. Write the sentences when you add or change a figure (in
JupyterLab: the cell's metadata in the property inspector). The check reads
the notebooks only: it exits 1 and names every figure cell whose list is
missing, has the wrong length or holds something that is not a sentence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

KEY = "alt_text"
_FILE_NAME = re.compile(r"^\S+\.(png|jpe?g|gif|svg|webp)$", re.IGNORECASE)


def count_figures(cell) -> int:
    """Figures a code cell shows: image outputs, and HTML outputs with a
    picture (animations)."""
    count = 0
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        html = "".join(data.get("text/html", ""))
        if any(mime.startswith("image/") for mime in data) or "<img" in html:
            count += 1
    return count


def _is_sentence(alt) -> bool:
    return (
        isinstance(alt, str)
        and len(alt.split()) >= 3
        and not _FILE_NAME.match(alt.strip())
    )


def problems(notebook: dict, name: str) -> list[str]:
    """What is wrong with the descriptions of the notebook's figures, one
    line per cell (empty when every figure has its sentence)."""
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise TypeError(
            "notebook must be a notebook as a dict with 'cells', "
            f"got {type(notebook).__name__}"
        )
    found = []
    for index, cell in enumerate(notebook["cells"]):
        figures = count_figures(cell) if cell["cell_type"] == "code" else 0
        if not figures:
            continue
        alts = cell.get("metadata", {}).get(KEY)
        source = "".join(cell["source"]).strip()
        first = source.splitlines()[0][:60] if source else ""
        where = f"{name} cell {index} ({first!r})"
        if not isinstance(alts, list) or len(alts) != figures:
            found.append(
                f"{where}: shows {figures} figure(s), but its "
                f"metadata {KEY!r} is {alts!r}; it needs a list "
                f"of {figures} sentence(s) describing them"
            )
        elif not all(_is_sentence(alt) for alt in alts):
            found.append(
                f"{where}: {KEY!r} must hold sentences that "
                f"describe the figures, got {alts!r}"
            )
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.alt_text", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        required=True,
        help="check the notebooks (they are never changed)",
    )
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    found = []
    for path in args.notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        found += problems(notebook, str(path))
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if not found:
        print(
            f"every figure of {len(args.notebooks)} notebook(s) "
            "has its description"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
