"""Put the current Colab cell into chapter notebooks.

After a release bump (``cvae_utils.__version__``, see tools/release.py) put
the new Colab cell into every chapter, changing nothing else in them:

    python -m tools.notebook --colab-cells chapters/*.ipynb

The cell (tagged ``colab-install``) installs the tagged release
``v<__version__>`` in Colab and does nothing else elsewhere, so the website
does not show it: the tool also tags it ``remove-input``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat

from cvae_utils import REPOSITORY_URL, __version__

COLAB_TAG = "colab-install"
HIDDEN_TAG = (
    "remove-input"  # the website leaves it out (no output outside Colab)
)
# A tagged release (.github/workflows/release.yml creates the tag v<__version__>), so a learner
# gets the package the book's outputs were made with.
COLAB_INSTALL_SPEC = f"cvae_utils @ git+{REPOSITORY_URL}@v{__version__}"

COLAB_CELL = f"""# Colab only: install the course package, release v{__version__}
# (keeps Colab's TensorFlow and Keras).
import os
import subprocess
import sys

# fewer TensorFlow start-up log lines
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "google.colab" in sys.modules:
    package = (
        "{COLAB_INSTALL_SPEC}"
    )
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", package],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if pip.returncode != 0:
        raise RuntimeError(
            f"Could not install {{package}}. The end of pip's output:\\n"
            f"{{pip.stdout[-2000:]}}\\n"
            "Check that the runtime is online, then Runtime > Restart "
            "session and run this cell again. If it keeps failing, please "
            "report it: {REPOSITORY_URL}/issues"
        )
# TensorFlow writes a few lines to the process's stderr while it loads,
# before its own logging starts (TF_CPP_MIN_LOG_LEVEL cannot reach them):
# load Keras once with that stream muted.
stderr = os.dup(2)
os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
try:
    import keras  # noqa: F401 (loaded here, with stderr muted)
finally:
    os.dup2(stderr, 2)
    os.close(stderr)"""


def set_colab_cell(path) -> bool:
    """Make the source of the notebook's cell tagged ``colab-install`` equal to COLAB_CELL,
    and tag it ``remove-input``.

    Everything else (outputs, execution counts, metadata, other cells) stays as it is.
    Returns True if the notebook changed, False if its cell was already up to date.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a path to a .ipynb file, got {type(path).__name__}"
        )
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(
            f"path must be an existing .ipynb file, got {str(path)!r}"
        )
    nb = nbformat.read(path, as_version=4)
    tagged = [
        c
        for c in nb.cells
        if c.cell_type == "code" and COLAB_TAG in c.metadata.get("tags", [])
    ]
    if len(tagged) != 1:
        raise ValueError(
            f"{path} must have exactly one code cell tagged {COLAB_TAG!r}, found {len(tagged)}"
        )
    cell = tagged[0]
    tags = cell.metadata["tags"]
    if cell.source == COLAB_CELL and HIDDEN_TAG in tags:
        return False
    cell.source = COLAB_CELL
    if HIDDEN_TAG not in tags:
        tags.append(HIDDEN_TAG)
    nbformat.write(nb, path)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.notebook", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--colab-cells",
        nargs="+",
        metavar="NOTEBOOK",
        required=True,
        help="notebooks whose 'colab-install' cell gets the current COLAB_CELL",
    )
    args = parser.parse_args(argv)
    for path in args.colab_cells:
        print(
            f"{path}: {'updated' if set_colab_cell(path) else 'already up to date'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
