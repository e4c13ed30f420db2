"""Run a chapter under several seeds and tabulate what its comparisons print.

    python -m benchmarks.seeds chapters/10_posterior_collapse.ipynb
    python -m benchmarks.seeds chapters/X.ipynb --seeds 42 43 44 --save
    python -m benchmarks.seeds chapters/X.ipynb --fast        # a quick check

A chapter marks the code cells whose printed lines are its results with the
cell tag ``seed-results``. This script executes the whole chapter once per
seed (``CVAE_SEED``, read by ``config.set_seed``), reads the numbers of every
printed line of those cells, pairs the lines across seeds by their text with
the numbers taken out, and writes ``benchmarks/results/seeds/<chapter>.json``
(full mode only) and a markdown table: each line once, with ``#`` where a
number moved between seeds, its values for every seed, and their mean ± sd.
The chapter shows that table; tests/test_seed_tables.py checks that it equals
the JSON and that the chapter's own committed run lies in the seeds' range.
``--save`` keeps the run with the book's seed (42) as the chapter's outputs.
A cell's metadata ``seed_title`` heads its rows in the table; ``--retitle``
copies changed titles into the JSON without running anything.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import statistics
from pathlib import Path

import nbformat

from benchmarks.machine import cpu_name
from cvae_utils.config import DEFAULT_SEED
from tools.notebook_runner import execute

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "seeds"
TAG = "seed-results"
TITLE = "seed_title"  # cell metadata: a heading for the cell's rows
NUMBER = re.compile(r"(?<![\w.])[-−+]?\d+(?:\.\d+)?(?![\w])")
DEFAULT_SEEDS = (DEFAULT_SEED, DEFAULT_SEED + 1, DEFAULT_SEED + 2)


def _number(token: str) -> float:
    return float(token.replace("−", "-"))  # "+0.45" and "−0.01" pair up


def _decimals(token: str) -> int:
    return len(token.split(".", 1)[1]) if "." in token else 0


def result_lines(nb) -> list[dict]:
    """Every printed line with a number in the cells tagged ``seed-results``.

    Each line is ``{"key", "text", "numbers", "decimals"}``: ``key`` is the
    cell id, the line's text with every number replaced by ``#`` and, for
    lines of the same shape within one cell, their order.
    """
    if not isinstance(nb, nbformat.NotebookNode):
        raise TypeError(
            f"nb must be a notebook (nbformat), got {type(nb).__name__}"
        )
    lines, seen = [], {}
    for cell in nb.cells:
        if cell.cell_type != "code" or TAG not in cell.metadata.get(
            "tags", []
        ):
            continue
        text = "".join(
            output.get("text", "")
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream"
            and output.get("name") == "stdout"
        )
        for line in text.splitlines():
            tokens = NUMBER.findall(line)
            if not tokens:
                continue
            shape = " ".join(NUMBER.sub("#", line).split())
            order = seen[cell.id, shape] = seen.get((cell.id, shape), -1) + 1
            lines.append(
                {
                    "key": f"{cell.id} | {shape} | {order}",
                    "title": cell.metadata.get(TITLE, ""),
                    "text": " ".join(line.split()),
                    "numbers": [_number(t) for t in tokens],
                    "decimals": [_decimals(t) for t in tokens],
                }
            )
    return lines


def pair_runs(runs: dict[int, list[dict]]) -> list[dict]:
    """One row per line found in every seed's run, with each seed's numbers.

    ``runs`` maps a seed to its :func:`result_lines`. A line missing from a
    run (its wording changed with the seed) is an error: its numbers cannot
    be compared.
    """
    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be a non-empty dict seed -> lines")
    seeds = list(runs)
    keyed = {
        seed: {line["key"]: line for line in runs[seed]} for seed in seeds
    }
    first = runs[seeds[0]]
    if not first:
        raise ValueError(
            f"the run with seed {seeds[0]} printed no numbers in cells "
            f"tagged {TAG!r}: tag the cells that print the results"
        )
    for seed in seeds[1:]:
        if set(keyed[seed]) != set(keyed[seeds[0]]):
            odd = sorted(set(keyed[seed]) ^ set(keyed[seeds[0]]))
            raise ValueError(
                f"seeds {seeds[0]} and {seed} printed different lines "
                f"(print the same words for every seed): {odd[:3]}"
            )
    rows = []
    for line in first:
        key = line["key"]
        rows.append(
            {
                "key": key,
                "title": line["title"],
                "text": line["text"],
                "decimals": line["decimals"],
                "values": {
                    str(seed): keyed[seed][key]["numbers"] for seed in seeds
                },
            }
        )
    return rows


def _format(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace("-", "−")


def _label(text: str, moving: list[bool]) -> str:
    position = iter(moving)
    label = NUMBER.sub(lambda m: "#" if next(position) else m.group(0), text)
    return label.replace("|", "\\|")


def markdown_table(rows: list[dict]) -> str:
    """The rows as a markdown table: line, one column per seed, mean ± sd.

    Numbers that are the same for every seed stay in the line; the others
    become ``#`` there and are listed per seed, in order; the last column
    gives each one's mean ± standard deviation over the seeds.
    """
    if not rows:
        raise ValueError("rows must not be empty")
    seeds = list(rows[0]["values"])
    header = (
        "| printed line | "
        + " | ".join(f"seed {seed}" for seed in seeds)
        + " | mean ± sd |\n|---|"
        + "---|" * (len(seeds) + 1)
    )
    body, title = [], ""
    for row in rows:
        columns = list(zip(*row["values"].values()))
        moving = [len(set(column)) > 1 for column in columns]
        if not any(moving):
            continue  # nothing moved: not a result that depends on the seed
        per_seed = [
            ", ".join(
                _format(v, d)
                for v, d, m in zip(values, row["decimals"], moving)
                if m
            )
            for values in row["values"].values()
        ]
        summary = ", ".join(
            f"{_format(statistics.mean(c), d)} ± "
            f"{_format(statistics.stdev(c), d + 1)}"
            for c, d, m in zip(columns, row["decimals"], moving)
            if m
        )
        if row.get("title", "") != title:
            title = row["title"]
            body.append(f"| **{title}** |" + " |" * (len(seeds) + 1))
        cells = [_label(row["text"], moving), *per_seed, summary]
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([header, *body])


def retitle(rows: list[dict], nb) -> None:
    """Give each row the ``seed_title`` its cell has now (a label, no number)."""
    titles = {
        cell.id: cell.metadata.get(TITLE, "")
        for cell in nb.cells
        if cell.cell_type == "code"
    }
    for row in rows:
        row["title"] = titles.get(row["key"].split(" | ", 1)[0], "")


def run_seeds(path, seeds, *, fast=False, save=False) -> dict:
    """Execute ``path`` once per seed; the paired rows and how they were made."""
    path = Path(path)
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(
            f"seeds must be two or more distinct seeds, got {seeds}"
        )
    if save and (fast or DEFAULT_SEED not in seeds):
        raise ValueError(
            f"--save keeps the full run with seed {DEFAULT_SEED}: "
            "use it in full mode with that seed among --seeds"
        )
    runs, seconds = {}, {}
    for seed in seeds:
        keep = save and seed == DEFAULT_SEED
        run = execute(
            path,
            fast=fast,
            env={"CVAE_SEED": str(seed)},
            save_to=path if keep else None,
        )
        runs[seed], seconds[str(seed)] = (
            result_lines(run.notebook),
            round(run.wall_s),
        )
        print(
            f"{path.name}: seed {seed} done in {run.wall_s:.0f} s", flush=True
        )
    return {
        "chapter": path.name,
        "mode": "fast" if fast else "full",
        "date": datetime.date.today().isoformat(),
        "machine": cpu_name(),
        "command": f"python -m benchmarks.seeds chapters/{path.name} "
        f"--seeds {' '.join(map(str, seeds))}",
        "wall_s": seconds,
        "rows": pair_runs(runs),
    }


def results_path(chapter: str) -> Path:
    """Where the full-mode seed table of ``chapter`` (a file name) is kept."""
    return RESULTS / (Path(chapter).stem + ".json")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS)
    )
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--save", action="store_true")
    parser.add_argument(
        "--retitle",
        action="store_true",
        help="run nothing: copy the cells' seed_title into the JSON's rows",
    )
    args = parser.parse_args(argv)
    if args.retitle:
        out = results_path(args.notebook.name)
        result = json.loads(out.read_text())
        retitle(result["rows"], nbformat.read(args.notebook, as_version=4))
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(markdown_table(result["rows"]))
        return 0
    result = run_seeds(
        args.notebook, args.seeds, fast=args.fast, save=args.save
    )
    if not args.fast:
        out = results_path(result["chapter"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")
    print(markdown_table(result["rows"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
