"""Time every chapter notebook in fast and/or full mode on this machine, without touching the files.

    python -m benchmarks.book_time                 # both modes, all chapters
    python -m benchmarks.book_time --mode fast     # only fast mode
    python -m benchmarks.book_time --out benchmarks/results/book_time.md

Each notebook is executed from a temporary copy (so committed outputs are kept) in a fresh
kernel with CVAE_FAST set accordingly; the table lists wall-clock seconds per chapter and the
totals, which the targets compare against: fast mode <= 8 min, full mode <= 30 min on a CPU.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {"fast": 8 * 60, "full": 30 * 60}


def time_notebook(path: Path, fast: bool, timeout: int = 3600) -> float:
    nb = copy.deepcopy(nbformat.read(path, as_version=4))
    old = os.environ.get("CVAE_FAST")
    os.environ["CVAE_FAST"] = "1" if fast else "0"
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - start
    finally:
        if old is None:
            os.environ.pop("CVAE_FAST", None)
        else:
            os.environ["CVAE_FAST"] = old


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["fast", "full", "both"], default="both")
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) to this file")
    parser.add_argument("chapters", nargs="*", type=Path, help="notebooks (default: chapters/*.ipynb)")
    args = parser.parse_args(argv)
    notebooks = args.chapters or sorted((ROOT / "chapters").glob("*.ipynb"))
    modes = ["fast", "full"] if args.mode == "both" else [args.mode]
    rows = {nb.name: {} for nb in notebooks}
    for mode in modes:
        for nb in notebooks:
            rows[nb.name][mode] = time_notebook(nb, fast=mode == "fast")
            print(f"{nb.name:32s} {mode:4s} {rows[nb.name][mode]:7.1f} s", flush=True)
    lines = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
             f"data dir: {os.environ.get('CVAE_DATA_DIR', '(Keras download)')}", "",
             "| chapter | " + " | ".join(f"{m} mode (s)" for m in modes) + " |",
             "|---|" + "---|" * len(modes)]
    for name, times in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{times[m]:.0f}" for m in modes) + " |")
    totals = {m: sum(t[m] for t in rows.values()) for m in modes}
    lines.append("| **total** | " + " | ".join(f"**{totals[m]:.0f}**" for m in modes) + " |")
    verdicts = [f"{m} mode total {totals[m] / 60:.1f} min (target <= {TARGETS_S[m] / 60:.0f} min: "
                f"{'met' if totals[m] <= TARGETS_S[m] else 'NOT met'})" for m in modes]
    table = "\n".join(lines + [""] + verdicts)
    print("\n" + table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
