"""Sphinx extension: an accessible website (WCAG 2.1 A/AA, checked by tests/test_accessibility.py).

1. Figures get alternative text from their notebook cell: ``alt_text`` in a code cell's metadata
   is a list with one sentence per figure the cell shows (image outputs and animations, in
   order), kept with the cell and checked by tools/alt_text.py. Without it an image's alt text would be its file name.
   A cell whose list does not match its figures is a build warning (an error under ``-W``).
2. matplotlib's animation player (``Animation.to_jshtml``) gets a label for its frame slider.
3. A hidden code cell's toggle (myst-nb's ``<summary aria-label="Toggle hidden content">``) is
   named by its visible text, "Show code cell source", instead of a different label.
4. The bibliography's list (``<div role="list">``) gets list items: docutils marks each entry
   ``role="doc-biblioentry"``, a role that no longer counts as a list item (ARIA 1.3).
5. Coloured terminal text in outputs (Keras' model summaries, drawn by rich for dark terminals)
   is darkened until it reaches a 4.5:1 contrast on the output background.
6. The theme's search and colour-mode buttons are named by what they show (templates/).
7. _static/accessibility.css and _static/fit-equations.js: links in tinted boxes with enough
   contrast, long code lines that scroll (never wrap or get cut off), and display equations that fit the
   text column instead of scrolling sideways.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
OUTPUT_BACKGROUND = (
    0xF3,
    0xF4,
    0xF5,
)  # the theme's --pst-color-surface (light), behind cell outputs
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, normal-size text

_ANIMATION_SLIDER = re.compile(
    r'<input (?=[^>]*class="anim-slider")(?![^>]*aria-label)'
)
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
_RICH_SPAN = re.compile(r'<span style="color: (#[0-9a-fA-F]{6})[^"]*">')


# -- 1. alternative text from the cell metadata ---------------------------------------------------


def _is_figure(node) -> bool:
    """An image output, or an HTML output with a picture in it (matplotlib's animation player)."""
    if isinstance(node, nodes.image):
        return True
    return (
        isinstance(node, nodes.raw)
        and "html" in node.get("format", "")
        and "<img" in node.astext()
    )


def set_alt_texts(app, doctree, docname):
    """Give each figure of a notebook cell its sentence from the cell's ``alt_text`` metadata."""
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        figures = [node for node in cell.findall(_is_figure)]
        alts = (cell.get("cell_metadata") or {}).get("alt_text")
        if not figures or alts is None:
            continue
        if isinstance(alts, str):
            alts = [alts]
        if len(alts) != len(figures):
            logger.warning(
                f"cell {cell.get('cell_index')} shows {len(figures)} figure(s) but its alt_text "
                f"metadata has {len(alts)} (python -m tools.alt_text --check names the cell)",
                location=cell,
            )
            continue
        for node, alt in zip(figures, alts, strict=True):
            if isinstance(node, nodes.image):
                node["alt"] = alt
            else:  # raw HTML: an alt attribute on each <img> that has none
                escaped = (
                    alt.replace("&", "&amp;")
                    .replace('"', "&quot;")
                    .replace("<", "&lt;")
                )
                node[0] = nodes.Text(
                    _IMG_WITHOUT_ALT.sub(
                        f'<img alt="{escaped}"', node.astext()
                    )
                )


# -- 2.-5. the page's HTML -------------------------------------------------------------------------


def _luminance(rgb) -> float:
    channels = [c / 255 for c in rgb]
    channels = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        for c in channels
    ]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(foreground, background) -> float:
    """The WCAG 2.1 contrast ratio of two sRGB colours, from 1 to 21."""
    lighter, darker = sorted(
        (_luminance(foreground), _luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def readable(color: str, background=OUTPUT_BACKGROUND) -> str:
    """``color`` (#rrggbb), darkened just enough to be readable on ``background``; same hue."""
    rgb = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
    scale = 1.0
    while contrast([c * scale for c in rgb], background) < MIN_CONTRAST:
        scale -= 0.02
    return "#" + "".join(f"{round(c * scale):02x}" for c in rgb)


def _darken_span(match) -> str:
    color = match.group(1)
    return match.group(0).replace(color, readable(color))


def fix_page_html(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    body = _ANIMATION_SLIDER.sub('<input aria-label="Animation frame" ', body)
    body = body.replace(
        '<summary aria-label="Toggle hidden content">', "<summary>"
    )
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    context["body"] = _RICH_SPAN.sub(_darken_span, body)


# -- 6. the theme's own templates ------------------------------------------------------------------


def add_templates(app, config):
    # first, so that these override the theme's components of the same name
    config.templates_path.insert(0, str(TEMPLATES))


def setup(app):
    app.connect("config-inited", add_templates)
    app.connect("doctree-resolved", set_alt_texts)
    app.connect("html-page-context", fix_page_html)
    app.add_css_file("accessibility.css")
    app.add_js_file("fit-equations.js")
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
