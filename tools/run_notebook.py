"""Execute chapter notebooks in place (full mode unless CVAE_FAST=1 is set) and print the time each took.

    python -m tools.run_notebook chapters/03_autoencoders.ipynb [more.ipynb ...]

After execution the saved outputs are tidied for readers: TensorFlow's C++ start-up log lines are
dropped and consecutive stream outputs of a cell are merged into one (nbconvert's
``CoalesceStreamsPreprocessor``), so a cell's log is one box on the page, not one box per flush.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

# TensorFlow's C++ start-up log lines (absl/oneDNN) reach the kernel's stderr; they say nothing
# to a reader, so they are dropped from the saved outputs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog|[IWE]\d{4} \d\d:\d\d:\d\d)")


def drop_backend_noise(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                out["text"] = "".join(line for line in out["text"].splitlines(keepends=True) if not NOISE.match(line))
                if not out["text"].strip():
                    continue
            kept.append(out)
        cell.outputs = kept


def tidy_outputs(nb) -> None:
    """Drop backend noise, then merge consecutive stream outputs of each cell into one."""
    drop_backend_noise(nb)
    CoalesceStreamsPreprocessor().preprocess(nb, {})


def run(path: str, timeout: int = 3600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    elapsed = time.perf_counter() - start
    tidy_outputs(nb)
    nbformat.write(nb, path)
    return elapsed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tools.run_notebook NOTEBOOK.ipynb [...]")
    for notebook in sys.argv[1:]:
        print(f"{notebook}: executed in {run(notebook):.0f} s", flush=True)
