"""The home page's picture: chapter 05's CVAE drawing every digit in several styles.

    python -m tools.home_figure           # write _static/home_cvae_samples.png
    python -m tools.home_figure --check   # exit 1 if the picture is not the chapter's figure

The picture is the figure that chapter 05 draws with ``plot_conditional_grid`` (row = the
requested digit, column = one latent code), copied from the chapter's committed outputs, so
it is what a full run of the chapter produces. Run it again after re-executing chapter 05.
The figure is grey and opaque, so it is stored as a one-channel PNG: the same pixels in about
half the bytes (131 KB as RGBA, 70 KB grey), which a phone on a slow network fetches before
it can show the home page.
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
from pathlib import Path

import nbformat
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "05_cvae.ipynb"
PICTURE = ROOT / "_static" / "home_cvae_samples.png"
CALL = "plot_conditional_grid("


def chapter_figure(chapter: Path = CHAPTER) -> bytes:
    """The PNG of the first cell of ``chapter`` that draws a grid with plot_conditional_grid."""
    notebook = nbformat.read(chapter, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code" or CALL not in cell.source:
            continue
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                return base64.b64decode(png)
        raise ValueError(
            f"{chapter.name}: the {CALL}...) cell has no figure output; execute the chapter first"
        )
    raise ValueError(f"{chapter.name}: no cell calls {CALL}...)")


def smallest_png(png: bytes) -> bytes:
    """``png`` with the same pixels, one grey channel where it is grey and opaque."""
    if not isinstance(png, bytes):
        raise TypeError(f"png must be bytes, got {type(png).__name__}")
    image = Image.open(io.BytesIO(png))
    pixels = np.asarray(image.convert("RGBA"))
    grey = (pixels[..., 0] == pixels[..., 1]).all() and (
        pixels[..., 1] == pixels[..., 2]
    ).all()
    if not grey or (pixels[..., 3] != 255).any():
        return png
    out = io.BytesIO()
    image.convert("L").save(out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def same_pixels(a: bytes, b: bytes) -> bool:
    """Whether two PNGs show the same picture."""
    first, second = (
        np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
        for png in (a, b)
    )
    return first.shape == second.shape and bool((first == second).all())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that the picture is up to date",
    )
    args = parser.parse_args(argv)
    figure = chapter_figure()
    if args.check:
        current = PICTURE.exists() and same_pixels(
            PICTURE.read_bytes(), figure
        )
        print(
            f"{PICTURE.relative_to(ROOT)} is {'up to date' if current else 'out of date'}"
        )
        return 0 if current else 1
    stored = smallest_png(figure)
    PICTURE.write_bytes(stored)
    print(f"wrote {PICTURE.relative_to(ROOT)} ({len(stored):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
