"""Sphinx extension: light pages (GUIDE section 8: <= 2 MB, fast on a phone).

Every page used to carry 2.7 MB of fixed cost before its own content. Only
Sphinx's supported hooks are used (a template block, ``html-page-context``):

1. Font Awesome's script (1.5 MB) is dropped. pydata-sphinx-theme loads it
   only to turn ``<i class="fa-...">`` icons into inline SVG, but the theme's
   stylesheet already holds Font Awesome's CSS and ``@font-face`` rules, so
   the same icons show from the theme's web fonts (fetched only when a page
   shows an icon of that style). The script comes from a theme macro, not
   from Sphinx's script list, so ``templates/page_weight/layout.html``
   overrides the theme's ``css`` block and removes that one tag.
2. KaTeX's stylesheet only on pages with math. The math is rendered when
   the site is built (tools/sphinx/katex_assets.py), so no page loads a math
   script, but sphinxcontrib-katex adds its stylesheet to every page: here
   it is removed from pages whose HTML has no math (Sphinx writes all
   math, a notebook output's LaTeX too, as class="math"), such as the home
   page, and those pages never fetch KaTeX's fonts either.
3. Images load lazily: every ``<img>`` of a page's body but the first (which
   may be in view at once) gets ``loading="lazy"``, and ``width``/``height``
   from its file, so the browser keeps their space before they arrive and
   nothing shifts. (Done on the HTML: docutils writes an image node's size
   as a fixed CSS width and height, which would stop figures from shrinking
   to a phone's column.)
4. Scripts that nothing runs before the page is parsed load with ``defer``,
   so they no longer block the first paint. documentation_options.js stays
   blocking: inline scripts on every page extend its DOCUMENTATION_OPTIONS.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from markupsafe import Markup
from sphinx.util.images import get_image_size

TEMPLATES = Path(__file__).parent / "templates" / "page_weight"
_FONT_AWESOME_SCRIPT = re.compile(
    r'\s*<script\b[^>]*\bsrc="[^"]*_static/scripts/fontawesome\.js'
    r'[^"]*"[^>]*></script>'
)
# inline scripts of other extensions read these files' globals at once
_KEEP_BLOCKING = {"documentation_options.js"}
_MATH_MARKUP = ('class="math', 'class="katex')
# KaTeX's stylesheet (katex_css_path)
_KATEX_CSS = "katex/katex.min.css"


def without_font_awesome(html: str) -> Markup:
    """``html`` without the theme's Font Awesome script tag."""
    return Markup(_FONT_AWESOME_SCRIPT.sub("", str(html)))


_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\bsrc="([^"]+)"')


def _image_sizes(app) -> dict:
    """Pixel sizes of the images Sphinx copies, by their name in _images/."""
    sizes = {}
    for source, name in getattr(app.builder, "images", {}).items():
        size = get_image_size(os.path.join(app.srcdir, source))
        if size:
            sizes[name] = size
    return sizes


def lazy_images(body: str, sizes: dict) -> str:
    """``body`` with every image but the first loaded lazily, and with
    ``width``/``height`` (from ``sizes``, by file name) where it has none."""
    seen = 0

    def rewrite(match):
        nonlocal seen
        tag = match.group(0)
        seen += 1
        if seen == 1 or " loading=" in tag:
            return tag
        extra = ' loading="lazy" decoding="async"'
        src = _SRC.search(tag)
        size = (
            sizes.get(unquote(src.group(1)).rsplit("/", 1)[-1])
            if src
            else None
        )
        if size and not re.search(r"\b(width|height|style)=", tag):
            extra += f' width="{size[0]}" height="{size[1]}"'
        return tag[:4] + extra + tag[4:]

    return _IMG.sub(rewrite, body)


def add_templates(app, config):
    config.templates_path.insert(0, str(TEMPLATES))


def page_has_math(body: str) -> bool:
    """Whether a page's HTML body holds math (rendered by KaTeX)."""
    return any(marker in body for marker in _MATH_MARKUP)


def _is_katex_css(css) -> bool:
    filename = str(getattr(css, "filename", css) or "")
    return filename.endswith(_KATEX_CSS)


def _deferred(script):
    attributes = dict(script.attributes)
    filename = str(script.filename or "")
    if (
        not filename
        or "async" in attributes
        or "defer" in attributes
        or Path(filename).name in _KEEP_BLOCKING
    ):
        return script
    attributes["defer"] = "defer"
    # a copy, not a change: Sphinx shares its script objects between pages
    return type(script)(
        script.filename, priority=script.priority, **attributes
    )


def lighten_page(app, pagename, templatename, context, doctree):
    context["without_font_awesome"] = without_font_awesome
    if context.get("body"):
        context["body"] = lazy_images(context["body"], _image_sizes(app))
    if not page_has_math(context.get("body") or ""):
        context["css_files"] = [
            c for c in context.get("css_files", []) if not _is_katex_css(c)
        ]
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [_deferred(s) for s in scripts]


def setup(app):
    app.connect("config-inited", add_templates)
    # after the other extensions (500) have added their files to the page
    app.connect("html-page-context", lighten_page, priority=800)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
