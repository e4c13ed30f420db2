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
3. Images load lazily: every ``<img>`` of a page's body that a phone does not
   show when the page opens (one with more than ``FIRST_SCREEN_CHARS`` of
   text before it) gets ``loading="lazy"``, and ``width``/``height``
   from its file, so the browser keeps their space before they arrive and
   nothing shifts. (Done on the HTML: docutils writes an image node's size
   as a fixed CSS width and height, which would stop figures from shrinking
   to a phone's column.) A chapter's first figure comes after its
   introduction: loaded at once, it competed with the text for a slow
   phone's bandwidth and delayed the first paint (Lighthouse: 3.0 s to 2.4 s
   on chapter 11 when it waits).
4. Scripts that nothing runs before the page is parsed load with ``defer``,
   so they no longer block the first paint. documentation_options.js stays
   blocking: inline scripts on every page extend its DOCUMENTATION_OPTIONS.
5. Fewer elements in highlighted code. Pygments wraps every token in a
   ``<span>``, also names, punctuation and spaces, which the site's code
   styles (light and dark) draw exactly like the block's own text: those
   spans are unwrapped, their text kept. That is a fifth of the elements of
   a chapter page (2,300 of 13,000 on chapter 04), which a phone styles and
   lays out before it shows anything. The classes come from the styles in
   use, so a style that colours names keeps their spans.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from markupsafe import Markup
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, Token
from pygments.util import ClassNotFound
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
_TAG = re.compile(r"<[^>]+>")
# about what a 390-px phone shows under the page's header: the home page's
# picture (300 characters down) is in view when the page opens
FIRST_SCREEN_CHARS = 600
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
    """``body`` with every image below the first screen loaded lazily, and
    with ``width``/``height`` (from ``sizes``, by file name) where it has none."""

    def rewrite(match):
        tag = match.group(0)
        text_before = _TAG.sub("", body[: match.start()])
        if len(text_before.strip()) < FIRST_SCREEN_CHARS or " loading=" in tag:
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


_STYLE_KEYS = ("color", "bgcolor", "bold", "italic", "underline", "border")
_PRE = re.compile(r"(<pre\b[^>]*>)(.*?)(</pre>)", re.DOTALL)


def plain_token_classes(style_names) -> frozenset:
    """The token classes that every one of the Pygments styles ``style_names``
    draws exactly like plain text (same colour, no background, weight, slant,
    underline or border)."""
    if isinstance(style_names, str) or not style_names:
        raise TypeError("style_names must be a non-empty list of style names")
    plain = None
    for name in style_names:
        try:
            style = get_style_by_name(name)
        except ClassNotFound:
            raise ValueError(f"unknown Pygments style {name!r}") from None
        text = style.style_for_token(Token.Text)
        same = {
            css_class
            for token, css_class in STANDARD_TYPES.items()
            if css_class
            and all(
                style.style_for_token(token)[key] == text[key]
                for key in _STYLE_KEYS
            )
        }
        plain = same if plain is None else plain & same
    return frozenset(plain)


def unwrap_plain_tokens(body: str, classes) -> str:
    """``body`` with the ``<span class="...">`` of the token classes
    ``classes`` inside its ``<pre>`` blocks replaced by their text."""
    if not classes:
        return body
    span = re.compile(
        r'<span class="(?:'
        + "|".join(re.escape(c) for c in sorted(classes))
        + r')">([^<]*)</span>'
    )

    def unwrap(match):
        return (
            match.group(1) + span.sub(r"\1", match.group(2)) + match.group(3)
        )

    return _PRE.sub(unwrap, body)


def _code_styles(app) -> list[str]:
    """The Pygments styles the site's code is drawn with: the theme's light
    and dark ones (pydata-sphinx-theme rewrites pygments.css with those), or
    else Sphinx's own."""
    theme = getattr(app.builder, "theme", None)
    options = dict(theme.get_options() if theme is not None else {})
    options.update(
        getattr(getattr(app, "config", None), "html_theme_options", None) or {}
    )
    names = [
        options[key]
        for key in ("pygments_light_style", "pygments_dark_style")
        if options.get(key)
    ]
    if not names:
        highlighter = getattr(app.builder, "highlighter", None)
        style = getattr(highlighter, "formatter_args", {}).get("style")
        names = [getattr(style, "name", "")] if style is not None else []
    known = []
    for name in names:
        try:
            get_style_by_name(name)
        except ClassNotFound:
            continue
        known.append(name)
    return known


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
        styles = _code_styles(app)
        if styles:
            context["body"] = unwrap_plain_tokens(
                context["body"], plain_token_classes(styles)
            )
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
