"""Execute chapter notebooks in place (full mode unless CVAE_FAST=1 is set) and print the time each took.

    python -m tools.run_notebook chapters/03_autoencoders.ipynb [more.ipynb ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(path: str, timeout: int = 3600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(nb, path)
    return elapsed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tools.run_notebook NOTEBOOK.ipynb [...]")
    for notebook in sys.argv[1:]:
        print(f"{notebook}: executed in {run(notebook):.0f} s", flush=True)
