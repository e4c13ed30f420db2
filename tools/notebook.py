"""Write a chapter notebook from a compact list of cells, and execute it.

Chapters are authored as small Python scripts that call :func:`write` (kept out of the repo's
chapters/ so the .ipynb stays the one source readers and Colab see). Usage:

    from tools.notebook import md, code, write
    write("chapters/00_setup.ipynb", [md("# Title"), code("print(1)", tags=["nbval-check-output"])])

Run it with ``python -m tools.run_notebook chapters/00_setup.ipynb`` to execute in place (full mode).

After a release bump (``cvae_utils.__version__``) put the new Colab cell into every chapter,
changing nothing else in the notebooks:

    python -m tools.notebook --colab-cells chapters/*.ipynb
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat

from cvae_utils import REPOSITORY_URL, __version__

COLAB_TAG = "colab-install"
# A tagged release (.github/workflows/release.yml creates the tag v<__version__>), so a learner
# gets the package the book's outputs were made with.
COLAB_INSTALL_SPEC = f"cvae_utils @ git+{REPOSITORY_URL}@v{__version__}"

COLAB_CELL = f'''# Colab only: install the course package, release v{__version__} (keeps Colab's TensorFlow and Keras).
import os, subprocess, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # fewer TensorFlow start-up log lines
if "google.colab" in sys.modules:
    package = "{COLAB_INSTALL_SPEC}"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", package],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if pip.returncode != 0:
        raise RuntimeError(f"Could not install {{package}}. The end of pip's output:\\n{{pip.stdout[-2000:]}}\\n"
                           "Check that the runtime is online, then Runtime > Restart session and run this cell "
                           "again. If it keeps failing, please report it: {REPOSITORY_URL}/issues")
# TensorFlow writes a few lines to the process's stderr while it loads, before its own logging starts
# (TF_CPP_MIN_LOG_LEVEL cannot reach them): load Keras once with that stream muted.
stderr = os.dup(2)
os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
try:
    import keras
finally:
    os.dup2(stderr, 2)
    os.close(stderr)'''


def md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(text: str, tags=()):
    cell = nbformat.v4.new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def colab_cell():
    return code(COLAB_CELL, tags=[COLAB_TAG])


def set_colab_cell(path) -> bool:
    """Make the source of the notebook's cell tagged ``colab-install`` equal to COLAB_CELL.

    Everything else (outputs, execution counts, metadata, other cells) stays as it is.
    Returns True if the notebook changed, False if its cell was already up to date.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a path to a .ipynb file, got {type(path).__name__}")
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if c.cell_type == "code" and COLAB_TAG in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"{path} must have exactly one code cell tagged {COLAB_TAG!r}, found {len(tagged)}")
    if tagged[0].source == COLAB_CELL:
        return False
    tagged[0].source = COLAB_CELL
    nbformat.write(nb, path)
    return True


def write(path: str, cells) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["colab"] = {"provenance": []}
    nbformat.write(nb, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.notebook", description=__doc__.splitlines()[0])
    parser.add_argument("--colab-cells", nargs="+", metavar="NOTEBOOK", required=True,
                        help="notebooks whose 'colab-install' cell gets the current COLAB_CELL")
    args = parser.parse_args(argv)
    for path in args.colab_cells:
        print(f"{path}: {'updated' if set_colab_cell(path) else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
