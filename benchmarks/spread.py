"""How much do a chapter's "What you should see" numbers move between two full runs?

    python -m benchmarks.spread --base <git revision> [chapters ...]

Compares the box of each chapter at ``--base`` (an earlier full run, committed) with the box of the
working tree (the new full run), pairing the numbers of the two boxes by aligning their text, and
prints each pair with its difference (items whose wording changed, and timings, are left out); the
table goes to ``benchmarks/results/spread.md``. Two runs of
the same code on two machines of the same kind differ in floating-point rounding (TensorFlow's oneDNN
kernels order their sums by the processor's vector width), and training amplifies such differences,
so this is the spread a learner on another computer should expect. Numbers that describe the data or
the setting (counts, epochs) do not move; only the changed pairs are listed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from tools.boxes import NUMBER, ROLE, SCIENTIFIC, box_text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "spread.md"


def _bullets(text: str) -> list[str]:
    """The box's sentences and list items, each joined onto one line."""
    text = SCIENTIFIC.sub(
        lambda m: f"{m.group(1)}e{m.group(2)}", ROLE.sub(" ", text)
    ).replace("{,}", ",")
    items, current = [], []
    for line in text.splitlines():
        if line.lstrip().startswith("- ") or not line.strip():
            if current:
                items.append(" ".join(current))
            current = [line.strip()] if line.strip() else []
        else:
            current.append(line.strip())
    if current:
        items.append(" ".join(current))
    return items


TIMING = (
    "per epoch",
    " s per model",
    "Training took",
    "training took",
)  # machine-dependent: not compared


def _value(token: str) -> float:
    return float(token.replace(",", "").replace("−", "-"))


def _shape(item: str) -> str:
    return NUMBER.sub("#", item)


def pairs(old_text: str, new_text: str):
    """(context, old token, new token) for the numbers of the items whose wording both boxes share.

    An item (a list entry or paragraph of the box) whose words changed between the runs - a model
    added or left out - is not a measurement of the same quantity and is skipped.
    """
    old_items = {}
    for item in _bullets(old_text):
        old_items.setdefault(_shape(item), []).append(item)
    result = []
    for item in _bullets(new_text):
        if any(t in item for t in TIMING):
            continue
        twins = old_items.get(_shape(item), [])
        if len(twins) != 1:
            continue
        old_numbers, new_numbers = (
            NUMBER.findall(twins[0]),
            NUMBER.findall(item),
        )
        label = " ".join(NUMBER.sub("#", item).lstrip("- ").split()[:6])
        for k, (o, n) in enumerate(
            zip(old_numbers, new_numbers, strict=True), start=1
        ):
            result.append((f"{label} … (number {k})", o, n))
    return result


def notebook_at(rev: str, path: Path) -> Path:
    rel = path.resolve().relative_to(ROOT).as_posix()
    text = subprocess.run(
        ["git", "show", f"{rev}:{rel}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tmp = Path("/tmp") / f"spread_{path.name}"
    tmp.write_text(text)
    return tmp


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base",
        required=True,
        help="git revision holding the earlier full run",
    )
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.chapters or sorted((ROOT / "chapters").glob("*.ipynb"))
    commit = subprocess.run(
        ["git", "log", "-1", "--format=%h of %cs", args.base],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lines = [
        f"Numbers of the 'What you should see' boxes: the full run committed in {commit} against the "
        f"full run in the chapters now. Only the numbers whose box item kept its wording are compared "
        f"(items that name another model or setting are not the same quantity), and no timings.",
        "",
        "| chapter | box item | earlier run | this run | difference | relative |",
        "|---|---|---|---|---|---|",
    ]
    summary = {}
    for path in paths:
        found = pairs(box_text(notebook_at(args.base, path)), box_text(path))
        moved = [(c, o, n) for c, o, n in found if _value(o) != _value(n)]
        rel = [
            abs(_value(n) - _value(o)) / max(abs(_value(o)), 1e-12)
            for _, o, n in moved
        ]
        summary[path.name] = {
            "compared": len(found),
            "changed": len(moved),
            "max_relative": max(rel, default=0.0),
            "pairs": [list(pair) for pair in found],
        }
        for (context, o, n), r in zip(moved, rel, strict=True):
            lines.append(
                f"| {path.stem} | {context} | {o} | {n} | {_value(n) - _value(o):+.3g} | {100 * r:.1f}% |"
            )
    lines.append("")
    for name, s in summary.items():
        lines.append(
            f"- {name}: {s['changed']} of {s['compared']} numbers moved (timings left out), "
            f"by at most {100 * s['max_relative']:.1f}%"
        )
    text = "\n".join(lines)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text + "\n")
    (OUT.with_suffix(".json")).write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
