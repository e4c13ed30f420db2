"""Sphinx extension: the notebooks' figures open full size on click or tap.

A figure drawn by a chapter (an image output of a code cell) gets its display width - from
the output's metadata, which IPython's "retina" format writes (half the PNG's pixel width),
or else the PNG's own width - and no fixed height, so it keeps its shape when a narrow
screen shrinks it. Sphinx links an image with a given width to its file
(``html_scaled_image_link``): a reader, with mouse, finger or keyboard, opens the figure at
full resolution. The figures themselves are drawn for the page by
:func:`cvae_utils.plots.use_book_style`.
"""

from __future__ import annotations

import struct
from pathlib import Path

from docutils import nodes

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_width(path: Path) -> int | None:
    """Pixel width of a PNG file, from its header; None if the file is not a PNG."""
    with open(path, "rb") as stream:
        header = stream.read(24)
    if (
        len(header) < 24
        or not header.startswith(_PNG_SIGNATURE)
        or header[12:16] != b"IHDR"
    ):
        return None
    return struct.unpack(">I", header[16:20])[0]


def _in_cell_output(node) -> bool:
    parent = node.parent
    while parent is not None:
        if "cell_output" in parent.get("classes", []):
            return True
        parent = parent.parent
    return False


def size_output_figures(app, doctree):
    """doctree-read: every image output gets a width (so Sphinx links it) and loses its height."""
    docname = app.env.docname
    for image in doctree.findall(nodes.image):
        if not _in_cell_output(image):
            continue
        image.attributes.pop("height", None)
        if "width" in image or "scale" in image:
            continue
        candidate = image.get("candidates", {}).get(
            "*"
        )  # set once Sphinx collected the image
        path = (
            Path(app.srcdir, candidate)
            if candidate
            else Path(app.env.relfn2path(image["uri"], docname)[1])
        )
        width = png_width(path) if path.is_file() else None
        if width:
            image["width"] = f"{width}px"


def setup(app):
    app.connect("doctree-read", size_output_figures)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
