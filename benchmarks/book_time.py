"""Time every chapter notebook in fast and/or full mode on this machine, without touching the files.

    python -m benchmarks.book_time                 # both modes, all chapters
    python -m benchmarks.book_time --mode fast     # only fast mode
    python -m benchmarks.book_time --out benchmarks/results/book_time.md
    python -m benchmarks.book_time --mode full --save   # also keep the outputs: the committed full run

The results of every mode measured so far are kept in ``benchmarks/results/book_time.json``: a run
of one mode replaces that mode's column and keeps the other's (each with its own date and machine line).

Each notebook is executed from a temporary copy (so committed outputs are kept, unless ``--save``
writes the executed notebook back, as ``tools.run_notebook`` does) in a fresh kernel with CVAE_FAST set accordingly; the table lists wall-clock seconds per chapter and the
totals, which the targets compare against: fast mode <= 8 min in total, and in full mode every chapter
<= 5 min (what a learner waits for on a two-core CPU, e.g. Colab's free runtime) and <= 35 min in total.
Next to them it lists the CPU seconds of the kernel (all cores together): on a shared machine,
wall-clock time also counts the time the machine gave to others, CPU time does not.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
from pathlib import Path

from tools.notebook_runner import execute

from .machine import describe

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {"fast": 8 * 60, "full": 35 * 60}
CHAPTER_TARGET_S = {"full": 5 * 60}  # per chapter, full mode


def time_notebook(
    path: Path, fast: bool, timeout: int = 3600, save: bool = False
) -> tuple[float, float]:
    """Wall-clock and kernel CPU seconds of one top-to-bottom run; ``save`` writes the outputs to ``path``."""
    run = execute(
        path, fast=fast, timeout=timeout, save_to=path if save else None
    )
    return run.wall_s, run.cpu_s


def table(results) -> str:
    """Markdown: wall-clock (and, where measured, CPU) seconds per mode, each mode's machine line and verdict."""
    modes = [m for m in ("fast", "full") if m in results]
    names = sorted({name for m in modes for name in results[m]["seconds"]})
    columns = []
    for m in modes:
        columns.append((m, "seconds", f"{m} mode (s)"))
        if "cpu_seconds" in results[m]:
            columns.append((m, "cpu_seconds", f"{m} mode, CPU (s)"))
    lines = [
        f"- {m} mode, measured {results[m]['date']}: {results[m]['machine']} at the start, load average "
        f"{results[m]['load_after']:.2f} at the end"
        for m in modes
    ]
    lines += [
        "",
        "| chapter | " + " | ".join(title for _, _, title in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name in names:
        cells = [
            f"{results[m][key][name]:.0f}" if name in results[m][key] else "—"
            for m, key, _ in columns
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(
        "| **total** | "
        + " | ".join(
            f"**{sum(results[m][key].values()):.0f}**" for m, key, _ in columns
        )
        + " |"
    )
    lines.append("")
    for m in modes:
        total = sum(results[m]["seconds"].values())
        if not results[m].get("complete", True):
            lines.append(
                f"- {m} mode: interrupted after {len(results[m]['seconds'])} chapters, "
                f"{total / 60:.1f} min so far (no verdict)"
            )
            continue
        line = (
            f"- {m} mode total {total / 60:.1f} min wall-clock (target <= {TARGETS_S[m] / 60:.0f} min: "
            f"{'met' if total <= TARGETS_S[m] else 'NOT met'})"
        )
        if "cpu_seconds" in results[m]:
            line += f"; {sum(results[m]['cpu_seconds'].values()) / 60:.1f} CPU-minutes (all cores together)"
        lines.append(line)
        if m in CHAPTER_TARGET_S:
            limit = CHAPTER_TARGET_S[m]
            slow = [
                f"{name} {sec:.0f} s"
                for name, sec in sorted(results[m]["seconds"].items())
                if sec > limit
            ]
            lines.append(
                f"- {m} mode, every chapter <= {limit / 60:.0f} min: "
                + ("met" if not slow else "NOT met (" + ", ".join(slow) + ")")
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mode", choices=["fast", "full", "both"], default="both"
    )
    parser.add_argument(
        "--out", type=Path, help="also write the table (Markdown) to this file"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "book_time.json",
        help="results of every mode measured so far; a run replaces the modes it measures",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="run nothing: only write the table from --json",
    )
    parser.add_argument(
        "--save",
        action="store_true",
        help="write each executed notebook back in place (the outputs to commit)",
    )
    parser.add_argument(
        "chapters",
        nargs="*",
        type=Path,
        help="notebooks (default: chapters/*.ipynb)",
    )
    args = parser.parse_args(argv)
    if args.save and args.mode != "full":
        parser.error(
            "--save keeps full-mode outputs only: use it with --mode full"
        )
    if args.render and not args.json.exists():
        parser.error(
            f"--render needs the results of earlier runs in {args.json}"
        )
    notebooks = args.chapters or sorted((ROOT / "chapters").glob("*.ipynb"))
    missing = [str(nb) for nb in notebooks if not nb.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    modes = (
        []
        if args.render
        else ["fast", "full"]
        if args.mode == "both"
        else [args.mode]
    )
    results = json.loads(args.json.read_text()) if args.json.exists() else {}
    for mode in modes:
        load_before = os.getloadavg()[0]
        entry = {
            "date": datetime.date.today().isoformat(),
            "machine": describe(load_before),
            "data": "MNIST: the bundled course copy; Fashion-MNIST: the full dataset",
            "seconds": {},
            "cpu_seconds": {},
        }
        results[mode] = entry
        for nb in notebooks:
            wall, cpu = time_notebook(nb, fast=mode == "fast", save=args.save)
            entry["seconds"][nb.name], entry["cpu_seconds"][nb.name] = (
                wall,
                cpu,
            )
            print(
                f"{nb.name:32s} {mode:4s} {wall:7.1f} s wall-clock, {cpu:7.1f} CPU-s",
                flush=True,
            )
            # saved after every chapter, so an interrupted run keeps what it measured
            entry["load_after"], entry["complete"] = (
                os.getloadavg()[0],
                len(entry["seconds"]) == len(notebooks),
            )
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=1) + "\n")
    text = table(results)
    print("\n" + text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
