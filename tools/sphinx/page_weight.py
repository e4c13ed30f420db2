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
2. MathJax (1.2 MB) only on pages with math. Jupyter Book sets Sphinx's
   html_assets_policy to "always" (a notebook output might hold math), so
   Sphinx's mathjax extension adds MathJax to every page; here it is removed
   again from pages where Sphinx's math domain finds no equation and the
   body has no math element - the test Sphinx itself applies by default.
3. Scripts that nothing runs before the page is parsed load with ``defer``,
   so they no longer block the first paint. documentation_options.js stays
   blocking: inline scripts on every page extend its DOCUMENTATION_OPTIONS.
"""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates" / "page_weight"
_FONT_AWESOME_SCRIPT = re.compile(
    r'\s*<script src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
# inline scripts of other extensions read these files' globals at once
_KEEP_BLOCKING = {"documentation_options.js"}
_MATH_MARKUP = ('class="math', "<math")


def without_font_awesome(html: str) -> Markup:
    """``html`` without the theme's Font Awesome script tag."""
    return Markup(_FONT_AWESOME_SCRIPT.sub("", str(html)))


def add_templates(app, config):
    config.templates_path.insert(0, str(TEMPLATES))


def page_has_math(app, pagename: str, body: str) -> bool:
    """Whether a page holds math: equations in the doctree or the HTML."""
    domain = app.env.get_domain("math")
    if domain.has_equations(pagename):
        return True
    return any(marker in body for marker in _MATH_MARKUP)


def _is_mathjax(app, script) -> bool:
    filename = str(getattr(script, "filename", "") or "")
    body = getattr(script, "attributes", {}).get("body", "")
    return (filename and filename == app.config.mathjax_path) or (
        not filename and body.lstrip().startswith("window.MathJax"))


def _deferred(script):
    attributes = dict(script.attributes)
    filename = str(script.filename or "")
    if (not filename or "async" in attributes or "defer" in attributes
            or Path(filename).name in _KEEP_BLOCKING):
        return script
    attributes["defer"] = "defer"
    # a copy, not a change: Sphinx shares its script objects between pages
    return type(script)(script.filename, priority=script.priority,
                        **attributes)


def lighten_scripts(app, pagename, templatename, context, doctree):
    context["without_font_awesome"] = without_font_awesome
    scripts = context.get("script_files")
    if not scripts:
        return
    if not page_has_math(app, pagename, context.get("body", "")):
        scripts = [s for s in scripts if not _is_mathjax(app, s)]
    context["script_files"] = [_deferred(s) for s in scripts]


def setup(app):
    app.connect("config-inited", add_templates)
    # after sphinx.ext.mathjax (500) has added MathJax to the page
    app.connect("html-page-context", lighten_scripts, priority=800)
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
