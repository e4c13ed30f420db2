"""Sphinx extension: the home page's chapter cards and its "Open in Colab" button.

``{chapter-cards}`` writes one sphinx-design card per chapter of _toc.yml (its title, linked,
and for a notebook its reading time and measured run time), from the same sources as the
times line under each chapter's title (tools/chapter_times.py: the notebook's words and
benchmarks/results/book_time.json), so the cards cannot drift from the chapters.

``{colab-button} chapters/00_setup.ipynb`` is a button that opens that notebook in Google
Colab from the repository and branch of the book's configuration (the student edition's
branch in the student edition), like the launch buttons of the chapter pages.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

COLAB = "https://colab.research.google.com/github/"
_TITLE = re.compile(r"^#\s+(.+)$", re.M)


def _chapter_times():
    name = "cvae_course_chapter_times"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "chapter_times.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _toc_chapters(srcdir: Path) -> list[str]:
    toc = yaml.safe_load((srcdir / "_toc.yml").read_text(encoding="utf-8"))
    return [
        entry["file"]
        for part in toc.get("parts", [])
        for entry in part.get("chapters", [])
        if entry.get("file", "").startswith("chapters/")
    ]


def chapter_card(srcdir: Path, docname: str, results: dict) -> str:
    """The MyST markup of one chapter's card."""
    times = _chapter_times()
    notebook_path = srcdir / f"{docname}.ipynb"
    if notebook_path.exists():
        notebook = nbformat.read(notebook_path, as_version=4)
        text = next(
            c.source for c in notebook.cells if c.cell_type == "markdown"
        )
        name = notebook_path.name
        line = f"Reading about {times.reading_minutes(notebook)} min"
        if name in results.get("full", {}).get("seconds", {}):
            line += f" · runs in {times._duration(results['full']['seconds'][name])} on a CPU"
    else:
        text = (srcdir / f"{docname}.md").read_text(encoding="utf-8")
        words = len(re.sub(r"```.*?```", " ", text, flags=re.S).split())
        line = f"Reading about {max(1, round(words / times.WORDS_PER_MINUTE))} min"
    title = _TITLE.search(text)
    if title is None:
        raise ValueError(f"{docname}: no '# Title' heading to name its card")
    number = Path(docname).name.split("_")[0]
    return (
        f":::{{grid-item-card}} {number} · {title.group(1).strip()}\n:link: {docname}\n:link-type: doc\n\n"
        f"{line}\n:::\n"
    )


class ChapterCards(SphinxDirective):
    """The chapters of _toc.yml as a grid of cards."""

    def run(self):
        srcdir = Path(self.env.srcdir)
        results = json.loads(
            _chapter_times().BOOK_TIME.read_text(encoding="utf-8")
        )
        self.env.note_dependency(str(_chapter_times().BOOK_TIME))
        cards = [
            chapter_card(srcdir, doc, results) for doc in _toc_chapters(srcdir)
        ]
        markup = (
            "::::{grid} 1 2 2 3\n:gutter: 2\n\n" + "\n".join(cards) + "::::\n"
        )
        container = nodes.container(classes=["chapter-cards"])
        self.state.nested_parse(
            StringList(markup.splitlines(), source=self.env.docname),
            self.content_offset,
            container,
        )
        return [container]


class ColabButton(SphinxDirective):
    """A button opening a notebook of the repository in Google Colab."""

    required_arguments = 1
    has_content = True

    def run(self):
        options = self.config.html_theme_options
        url, branch = (
            options.get("repository_url", ""),
            options.get("repository_branch", "main"),
        )
        if not url.startswith("https://github.com/"):
            raise self.error(
                f"colab-button needs the book's GitHub repository (repository: url), got {url!r}"
            )
        href = f"{COLAB}{url.removeprefix('https://github.com/').strip('/')}/blob/{branch}/{self.arguments[0]}"
        label = " ".join(self.content) or "Open in Colab"
        markup = f"```{{button-link}} {href}\n:color: primary\n:outline:\n:expand:\n\n{label}\n```"
        container = nodes.container(classes=["colab-button"])
        self.state.nested_parse(
            StringList(markup.splitlines(), source=self.env.docname),
            self.content_offset,
            container,
        )
        return [container]


def setup(app):
    app.setup_extension("sphinx_design")
    app.add_directive("chapter-cards", ChapterCards)
    app.add_directive("colab-button", ColabButton)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
