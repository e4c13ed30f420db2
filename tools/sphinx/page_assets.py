"""Sphinx extension: images as files, icon fonts cut to the icons used.

Two things made every chapter page heavier than it needs to be (GUIDE
section 8, light pages):

1. Images inlined as ``data:image/...;base64`` URIs: the latent-grid
   animation's frames (an array in an inline script) and the live
   explorer's static fallback. A page's HTML cannot be shown before all of
   it has arrived, and inlined frames are fetched even if nobody plays the
   animation. On ``html-page-context`` every such URI of the page body, in
   an attribute or inside a script, is written to ``_images/`` under the
   hash of its bytes (same bytes, same file, written once) and replaced by
   the file's URL relative to the page (Sphinx's ``pathto``). The browser
   then fetches a frame only when the player shows it. URIs under
   ``MIN_BYTES`` stay inline: a request would cost more than they do.
2. Font Awesome's web fonts (about 300 KB, fetched at the highest priority
   on every page that shows an icon) hold some 2,000 icons; the site shows
   about twenty. On ``build-finished`` the copies in the build output (never
   the theme's own files) are subset with fontTools to the code points the
   site can show: the ``fa-*`` classes named in any built HTML file or
   script, mapped to code points by the theme's ``.fa-x:before`` rules, and
   every icon character the stylesheets use directly (admonition titles,
   external links, breadcrumbs). Both the woff2 files and their .ttf
   fallbacks are subset.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

MIN_BYTES = 1024  # smaller data URIs stay inline
_EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp", "gif": "gif"}
# base64 as HTML or JSON writes it (JSON may escape "/" as "\/")
_DATA_URI = re.compile(
    r"data:image(?:/|\\/)(png|jpeg|webp|gif);base64,"
    r"((?:[A-Za-z0-9+/]|\\/)+=*)"
)
FONT_FOLDER = Path("_static", "vendor", "fontawesome", "webfonts")
_FONT_SUFFIXES = (".woff2", ".ttf")
# the theme's icon classes: ".fa-a:before,.fa-b:before{content:"\f00c"}"
_ICON_RULE = re.compile(
    r"((?:\.fa-[a-z0-9-]+:{1,2}(?:before|after)\s*,?\s*)+)"
    r"\{\s*content:\s*(\"[^\"]*\"|'[^']*')\s*;?\s*\}"
)
_ICON_NAME = re.compile(r"\.(fa-[a-z0-9-]+):")
_CSS_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)")
_USED_CLASS = re.compile(r"(?<![\w-])fa-[a-z0-9]+(?:-[a-z0-9]+)*")


def _private_use(code_point: int) -> bool:
    return 0xE000 <= code_point <= 0xF8FF or 0xF0000 <= code_point


def asset_name(data: bytes, extension: str) -> str:
    """The file name of an image under ``_images/``: the hash of its bytes,
    so that the same image is one file however many pages show it."""
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    if extension not in _EXTENSIONS.values():
        raise ValueError(
            f"extension must be one of {sorted(_EXTENSIONS.values())},"
            f" got {extension!r}"
        )
    return f"data-{hashlib.sha256(data).hexdigest()[:24]}.{extension}"


def data_uris_to_files(
    html: str, folder, url_for, min_bytes: int = MIN_BYTES
) -> str:
    """``html`` with each image data URI of at least ``min_bytes`` bytes
    written to ``folder`` (see :func:`asset_name`; a file that exists is
    not written again) and replaced by ``url_for(file_name)``."""
    if not isinstance(html, str):
        raise TypeError(f"html must be a str, got {type(html).__name__}")
    if not callable(url_for):
        raise TypeError("url_for must be callable: file name -> URL")
    if not isinstance(min_bytes, int) or min_bytes < 0:
        raise ValueError(f"min_bytes must be an int >= 0, got {min_bytes!r}")
    folder = Path(folder)

    def move(match):
        if len(match.group(0)) < min_bytes:
            return match.group(0)
        try:
            data = base64.b64decode(
                match.group(2).replace("\\/", "/"), validate=True
            )
        except binascii.Error:
            return match.group(0)  # not base64 after all: leave it
        name = asset_name(data, _EXTENSIONS[match.group(1)])
        target = folder / name
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return url_for(name)

    return _DATA_URI.sub(move, html)


def _css_text(literal: str) -> str:
    """The characters a CSS string literal (without its quotes) stands for."""

    def unescape(match):
        if match.group(1):
            return chr(int(match.group(1), 16))
        return match.group(2)

    return _CSS_ESCAPE.sub(unescape, literal)


def icon_code_points(css: str, used_classes) -> set:
    """The icon code points a stylesheet can show: those of the ``.fa-x``
    icon rules for the classes in ``used_classes``, and every private-use
    character of the other rules' strings (icons that the stylesheet
    itself puts before admonition titles, links, ...)."""
    if not isinstance(css, str):
        raise TypeError(f"css must be a str, got {type(css).__name__}")
    used = set(used_classes)
    code_points = set()

    def icon_rule(match):
        names = set(_ICON_NAME.findall(match.group(1)))
        if names & used:
            code_points.update(map(ord, _css_text(match.group(2)[1:-1])))
        return ""  # the rest of the stylesheet is read below

    rest = _ICON_RULE.sub(icon_rule, css)
    for match in _CSS_STRING.finditer(rest):
        text = _css_text(match.group(1) or match.group(2) or "")
        code_points.update(c for c in map(ord, text) if _private_use(c))
    return code_points


def used_icon_classes(text: str) -> set:
    """The ``fa-*`` class names written in an HTML file or a script."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return set(_USED_CLASS.findall(text))


def _require_font_tools():
    try:
        import brotli  # noqa: F401  (fontTools writes woff2 with it)
        from fontTools import subset  # noqa: F401
    except ImportError as error:
        raise ExtensionError(
            "page_assets subsets the Font Awesome fonts with fontTools and"
            " brotli, which are not installed (pip install -r"
            f" requirements.txt): {error}"
        ) from error


def subset_font(path, code_points) -> None:
    """Rewrite the font file ``path`` (woff2 or ttf) in place with only
    the glyphs of ``code_points``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = Path(path)
    if path.suffix not in _FONT_SUFFIXES:
        raise ValueError(f"expected a .woff2 or .ttf file, got {path}")
    font = TTFont(path)
    options = subset.Options()
    options.flavor = "woff2" if path.suffix == ".woff2" else None
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(code_points))
    subsetter.subset(font)
    font.flavor = options.flavor
    font.save(path)


def move_data_uris(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    pathto = context["pathto"]
    context["body"] = data_uris_to_files(
        body,
        Path(app.outdir) / "_images",
        lambda name: pathto(f"_images/{name}", 1),
    )


def subset_icon_fonts(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    fonts = [
        path
        for path in sorted((outdir / FONT_FOLDER).glob("*"))
        if path.suffix in _FONT_SUFFIXES
    ]
    if not fonts:
        return  # a theme without Font Awesome
    used = set()
    for path in outdir.rglob("*.html"):
        used |= used_icon_classes(path.read_text(encoding="utf-8"))
    for path in (outdir / "_static").rglob("*.js"):
        used |= used_icon_classes(path.read_text(encoding="utf-8"))
    code_points = set()
    for path in (outdir / "_static").rglob("*.css"):
        code_points |= icon_code_points(path.read_text("utf-8"), used)
    for path in fonts:
        before = path.stat().st_size
        subset_font(path, code_points)
        logger.info(
            f"page_assets: {path.name} subset to {len(code_points)} code"
            f" points, {before:,} -> {path.stat().st_size:,} bytes"
        )


def setup(app):
    _require_font_tools()
    # before page_weight (800), which sizes and lazy-loads the page's images
    app.connect("html-page-context", move_data_uris, priority=700)
    app.connect("build-finished", subset_icon_fonts)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
