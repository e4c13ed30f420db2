"""Sphinx extension: pages without JavaScript errors that load nothing from other hosts.

1. sphinx-thebe adds its inline configuration (``const THEBE_JS_URL = ...``) with
``app.add_js_file(None, body=...)`` after the HTML builder has started. Sphinx 7.4 then lists
that script twice (once with the file name ``None``, once with ``""``), and the second copy
fails in the browser with "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared"
on every page. This extension drops such duplicates from each page's script list.
2. matplotlib's ``Animation.to_jshtml()`` (the training animations) links Font Awesome 4 from a
   CDN for the icons of its player buttons. The book's theme ships Font Awesome already (its
   script turns the buttons' ``<i class="fa ...">`` into inline SVG icons), so on the website
   the link only makes a reader's browser reach out to the CDN - and fail offline. The link is
   dropped from the pages; the notebooks keep it, for Jupyter and Colab.
"""

from __future__ import annotations

import re

_MATPLOTLIB_FONT_AWESOME = re.compile(
    r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*"\s*/?>\s*'
)


def _script_key(script):
    attributes = getattr(script, "attributes", {}) or {}
    return (
        getattr(script, "filename", str(script)) or "",
        getattr(script, "priority", 500),
        tuple(sorted((str(k), str(v)) for k, v in attributes.items())),
    )


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def drop_font_awesome_link(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and "maxcdn.bootstrapcdn.com/font-awesome" in body:
        context["body"] = _MATPLOTLIB_FONT_AWESOME.sub("", body)


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", drop_font_awesome_link)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
