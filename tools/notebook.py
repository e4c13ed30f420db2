"""Write a chapter notebook from a compact list of cells, and execute it.

Chapters are authored as small Python scripts that call :func:`write` (kept out of the repo's
chapters/ so the .ipynb stays the one source readers and Colab see). Usage:

    from tools.notebook import md, code, write
    write("chapters/00_setup.ipynb", [md("# Title"), code("print(1)", tags=["nbval-check-output"])])

Run it with ``python -m tools.run_notebook chapters/00_setup.ipynb`` to execute in place (full mode).
"""

from __future__ import annotations

import nbformat

from cvae_utils import REPOSITORY_URL

COLAB_CELL = f'''# Colab only: install the course package (keeps Colab's own TensorFlow/Keras).
import sys
if "google.colab" in sys.modules:
    %pip install -q "cvae_utils @ git+{REPOSITORY_URL}"'''


def md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(text: str, tags=()):
    cell = nbformat.v4.new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def colab_cell():
    return code(COLAB_CELL, tags=["colab-install"])


def write(path: str, cells) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["colab"] = {"provenance": []}
    nbformat.write(nb, path)
