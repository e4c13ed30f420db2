"""Execute chapter notebooks in place (full mode unless CVAE_FAST=1 is set)
and print the time each took.

    python -m tools.run_notebook chapters/03_autoencoders.ipynb [more ...]

The saved outputs are tidied for readers (tools/notebook_runner.py).
"""

from __future__ import annotations

import os
import sys

from tools.notebook_runner import execute


def run(path, timeout: float = 3600) -> float:
    """Execute ``path`` in place; return the wall-clock seconds it took."""
    return execute(path, timeout=timeout, save_to=path).wall_s


def main(argv=None) -> int:
    notebooks = sys.argv[1:] if argv is None else argv
    if not notebooks:
        print(
            "usage: python -m tools.run_notebook NOTEBOOK.ipynb [...]",
            file=sys.stderr,
        )
        return 2
    for notebook in notebooks:
        print(f"{notebook}: executed in {run(notebook):.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    # TensorFlow's C++ start-up lines: fewer of them reach the outputs
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
