"""Sphinx extension: the live widgets' script and style, on the pages that have
a widget.

``cvae_utils.plots.explorer`` writes ``<div class="cvae-live" ...>`` into a
chapter's cell output; ``_static/live-models.js`` (deferred) turns it into the
live explorer or the drawing pad and fetches the exported model from
``_static/models/`` on the reader's first touch. Other pages load neither file.
"""

from __future__ import annotations

MARKER = 'class="cvae-live"'


def add_live_models(app, pagename, templatename, context, doctree):
    if MARKER in (context.get("body") or ""):
        # add_*_file inside html-page-context adds the file to this page only
        app.add_css_file("live-models.css")
        app.add_js_file("live-models.js", loading_method="defer")


def setup(app):
    app.connect("html-page-context", add_live_models)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
