"""Sphinx extension: small things that make the book easier to read.

1. Exercises are numbered per chapter, with the chapter's number: chapter 04's first exercise
   is "Exercise 4.1", not the eighth exercise of the book. (Sphinx numbers an enumerable node
   across the whole book when the table of contents is not numbered.)
2. A table or output wider than the text column scrolls sideways (the theme makes it a
   focusable scroll region); static/scroll-hint.js says so under it, "scroll sideways →",
   while part of it is hidden.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).parent / "static"
NUMBERED_PER_CHAPTER = ("exercise",)
_CHAPTER = re.compile(r"^chapters/(\d+)_")


def chapter_number(docname: str) -> int | None:
    """The number of a chapter page (``chapters/04_vae`` -> 4); None for other pages."""
    match = _CHAPTER.match(docname)
    return int(match.group(1)) if match else None


def renumber_per_chapter(fignumbers: dict, docname: str) -> dict:
    """A page's numbers (``env.toc_fignumbers[docname]``) with exercises counted from 1 on it,
    prefixed by the chapter's number; the book's order of the exercises is kept."""
    renumbered = dict(fignumbers)
    chapter = chapter_number(docname)
    for figtype in NUMBERED_PER_CHAPTER:
        numbers = fignumbers.get(figtype)
        if not numbers:
            continue
        ordered = sorted(numbers, key=lambda node_id: numbers[node_id])
        prefix = () if chapter is None else (chapter,)
        renumbered[figtype] = {
            node_id: prefix + (k,)
            for k, node_id in enumerate(ordered, start=1)
        }
    return renumbered


def _renumber(app, env):
    for docname, fignumbers in list(env.toc_fignumbers.items()):
        env.toc_fignumbers[docname] = renumber_per_chapter(fignumbers, docname)
    return []


def setup(app):
    # after Sphinx's own numbering (TocTreeCollector, default priority), before the pages are written
    app.connect("env-get-updated", _renumber, priority=900)
    app.connect(
        "builder-inited",
        lambda app: app.config.html_static_path.append(str(STATIC)),
    )
    app.add_js_file("scroll-hint.js", loading_method="defer")
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
