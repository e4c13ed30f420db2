"""The website's own Sphinx extensions, without a build: figure sizes, exercise numbers,
the home page's chapter cards."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# the extensions import Sphinx, which the lowest-versions environment of CI
# (unit tests only) does not install
pytest.importorskip("sphinx")


def _extension(name):
    path = ROOT / "tools" / "sphinx" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(
        f"site_extension_{name}", path
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


figures, reading, home = (
    _extension(n) for n in ("figures", "reading", "home")
)


def test_png_width_reads_the_header(tmp_path):
    fig = plt.figure(figsize=(3.0, 1.0), dpi=100)
    fig.savefig(tmp_path / "f.png")
    plt.close(fig)
    assert figures.png_width(tmp_path / "f.png") == 300
    (tmp_path / "g.svg").write_text("<svg/>")
    assert figures.png_width(tmp_path / "g.svg") is None


def test_exercises_are_renumbered_per_chapter_in_book_order():
    numbers = {
        "exercise": {"b": (9,), "a": (8,), "c": (10,)},
        "figure": {"f": (3,)},
    }
    assert reading.renumber_per_chapter(numbers, "chapters/04_vae") == {
        "exercise": {"a": (4, 1), "b": (4, 2), "c": (4, 3)},
        "figure": {"f": (3,)},
    }
    assert reading.renumber_per_chapter(numbers, "instructor")["exercise"] == {
        "a": (1,),
        "b": (2,),
        "c": (3,),
    }
    assert numbers["exercise"]["a"] == (8,), "the input is not changed"
    assert reading.chapter_number("chapters/13_conditional_evaluation") == 13
    assert reading.chapter_number("results") is None


def test_a_chapter_card_names_the_chapter_and_its_times(tmp_path):
    (tmp_path / "chapters").mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# The VAE\n\n" + "word " * 1000)
    ]
    nbformat.write(notebook, tmp_path / "chapters" / "04_vae.ipynb")
    results = {"full": {"seconds": {"04_vae.ipynb": 150.0}}}
    card = home.chapter_card(tmp_path, "chapters/04_vae", results)
    assert card.startswith(
        ":::{grid-item-card} 04 · The VAE\n:link: chapters/04_vae\n"
    )
    assert "Reading about 5 min · runs in 2.5 min on a CPU" in card
    (tmp_path / "chapters" / "01_intro.md").write_text(
        "# Introduction\n\n" + "word " * 400
    )
    assert "01 · Introduction" in home.chapter_card(
        tmp_path, "chapters/01_intro", results
    )
    assert "Reading about 2 min\n" in home.chapter_card(
        tmp_path, "chapters/01_intro", results
    )


def test_every_chapter_of_the_book_gets_a_card():
    results = json.loads(
        (ROOT / "benchmarks" / "results" / "book_time.json").read_text()
    )
    chapters = home._toc_chapters(ROOT)
    assert chapters and all(c.startswith("chapters/") for c in chapters)
    for doc in chapters:
        card = home.chapter_card(ROOT, doc, results)
        if (ROOT / f"{doc}.ipynb").exists():
            assert "runs in" in card, f"{doc}: no run time on its card"


def test_the_home_picture_is_chapter_05s_figure():
    spec = importlib.util.spec_from_file_location(
        "home_figure", ROOT / "tools" / "home_figure.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored, figure = module.PICTURE.read_bytes(), module.chapter_figure()
    assert module.same_pixels(stored, figure), (
        "the home page's picture is not chapter 05's current figure: run `python -m tools.home_figure`"
    )
    # the same pixels in fewer bytes (a grey figure as a one-channel PNG)
    assert len(stored) < len(figure) and stored == module.smallest_png(figure)


def test_a_grey_figure_is_stored_in_one_channel_and_a_coloured_one_is_kept():
    spec = importlib.util.spec_from_file_location(
        "home_figure", ROOT / "tools" / "home_figure.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import io

    import numpy as np
    from PIL import Image

    def png(pixels):
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "PNG")
        return out.getvalue()

    ramp = np.repeat(np.arange(64, dtype=np.uint8)[:, None], 64, axis=1) * 4
    grey = png(np.stack([ramp, ramp, ramp, np.full_like(ramp, 255)], axis=-1))
    small = module.smallest_png(grey)
    assert Image.open(io.BytesIO(small)).mode == "L"
    assert module.same_pixels(small, grey)
    coloured = png(
        np.stack([ramp, ramp // 2, ramp, np.full_like(ramp, 255)], -1)
    )
    assert module.smallest_png(coloured) == coloured
    assert not module.same_pixels(grey, coloured)
    with pytest.raises(TypeError, match="bytes"):
        module.smallest_png("figure.png")
