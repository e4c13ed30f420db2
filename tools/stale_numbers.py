"""After re-executing a chapter: list the numbers of its prose that quoted the old outputs but not the new.

    python -m tools.stale_numbers chapters/04_vae.ipynb [...] [--base HEAD]

Compares the committed notebook at ``--base`` (git) with the working tree's. A number of a markdown
cell is *stale* when the old outputs printed it (within rounding) and the new outputs do not; it is
listed with the words around it, so the author can update the prose. Numbers that neither run
printed (derived numbers such as differences) are listed separately, to be checked by hand.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from tools.boxes import (
    ROLE,
    box_numbers,
    is_found,
    output_numbers,
    output_text,
)

ROOT = Path(__file__).resolve().parents[1]


def _notebook_at(rev: str, path: Path) -> dict:
    rel = path.resolve().relative_to(ROOT).as_posix()
    return json.loads(
        subprocess.run(
            ["git", "show", f"{rev}:{rel}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )


def _printed(nb: dict) -> list[float]:
    tmp = Path("/tmp/_stale_numbers.ipynb")
    tmp.write_text(json.dumps(nb))
    return output_numbers(output_text(tmp))


def report(path: Path, base: str) -> list[str]:
    old_nb, new_nb = _notebook_at(base, path), json.loads(path.read_text())
    old, new = _printed(old_nb), _printed(new_nb)
    lines = []
    for index, cell in enumerate(new_nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = ROLE.sub(" ", "".join(cell["source"]))
        for token, value, decimals in box_numbers(text):
            in_old, in_new = (
                is_found(value, decimals, old),
                is_found(value, decimals, new),
            )
            if in_new:
                continue
            at = text.find(token.split("e")[0])
            context = " ".join(
                text[max(0, at - 60) : at + len(token) + 20].split()
            )
            kind = "STALE" if in_old else "check"
            lines.append(
                f"{path.name} cell {index:2d} {kind:5s} {token:>10s}  …{context}…"
            )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base",
        default="HEAD",
        help="git revision with the old outputs (default HEAD)",
    )
    parser.add_argument(
        "--stale-only",
        action="store_true",
        help="list only numbers the old run printed",
    )
    parser.add_argument("chapters", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.chapters:
        for line in report(path, args.base):
            if not args.stale_only or " STALE " in line:
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
