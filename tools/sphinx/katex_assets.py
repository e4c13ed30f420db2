"""Sphinx extension: math rendered when the site is built, by KaTeX.

sphinxcontrib-katex (``html_math_renderer: katex``, ``katex_prerender:
true``) runs its bundled katex.min.js with ``node`` on every formula, so the
pages carry finished HTML and MathML and load no math script at all. This
extension adds what that leaves to the project:

1. KaTeX's stylesheet and fonts come from npm (``katex`` in package.json, the
   version sphinxcontrib-katex renders with): ``katex.min.css`` and the woff2
   fonts are copied into the site's ``_static/katex/``, the stylesheet's
   ``@font-face`` rules cut to woff2, so a browser never asks for woff or
   ttf files (``katex_css_path`` in _config.yml points there; the package's
   default is a CDN, and the site loads nothing from other hosts). Without
   ``node`` or ``node_modules/katex`` the build stops at once.
2. The KaTeX server (node) is started here, before the first formula:
   sphinxcontrib-katex connects to it as soon as its socket file exists,
   and on a busy machine node may not listen yet, which ended the build
   with ConnectionRefusedError; here the connection is retried.
3. sphinxcontrib-katex's own stylesheet (katex-math.css) is left out: the
   theme already lays a display equation and its number out as a flex row,
   and that stylesheet reserved 2.5em of padding on every display equation,
   numbered or not, for a number placed over it; _static/accessibility.css
   styles the display equations instead (one request fewer per page).
4. A formula KaTeX cannot parse is rendered as a red ``katex-error`` span
   (sphinxcontrib-katex renders with ``throwOnError: false``); here such a
   page is a build warning (an error under ``-W``), naming the formula.
"""

from __future__ import annotations

import atexit
import html
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
KATEX = ROOT / "node_modules" / "katex"
MISSING = (
    "run `npm ci` first: the site's math is rendered at build time by "
    "KaTeX from npm"
)
# the fallbacks after each woff2 source: url(fonts/X.woff) format("woff")
_NOT_WOFF2 = re.compile(
    r',\s*url\([^)]*\.(?:woff|ttf)\)\s*format\("(?:woff|truetype)"\)'
)
PACKAGE_CSS = "katex-math.css"
_ERROR = re.compile(
    r'<span class="katex-error" title="([^"]*)"[^>]*>([^<]*)</span>'
)


def woff2_only(css: str) -> str:
    """KaTeX's stylesheet with each ``@font-face`` source list cut to its
    woff2 file."""
    if not isinstance(css, str):
        raise TypeError(f"css must be a str, got {type(css).__name__}")
    fonts = css.count("@font-face")
    cut = _NOT_WOFF2.sub("", css)
    if cut.count('format("woff2")') != fonts or re.search(
        r"\.(?:woff|ttf)\)", cut
    ):
        raise ValueError(
            "expected every @font-face of KaTeX's stylesheet to list a "
            "woff2, a woff and a ttf source, in that order"
        )
    return cut


def katex_errors(body: str) -> list[str]:
    """The formulas of a page's HTML that KaTeX rendered as errors, each
    with KaTeX's message."""
    if not isinstance(body, str):
        raise TypeError(f"body must be a str, got {type(body).__name__}")
    return [
        f"{html.unescape(latex).strip()} ({html.unescape(message)})"
        for message, latex in _ERROR.findall(body)
    ]


def _check_katex(app):
    if app.config.html_math_renderer != "katex":
        return
    from sphinxcontrib.katex import katex_version

    package = KATEX / "package.json"
    if shutil.which("node") is None or not package.is_file():
        raise ExtensionError(MISSING)
    version = json.loads(package.read_text())["version"]
    if version != katex_version:
        raise ExtensionError(
            f"node_modules/katex is {version}, but sphinxcontrib-katex "
            f"renders with KaTeX {katex_version}: set that version in "
            "package.json and run `npm ci`"
        )


def _start_server(app):
    if not (
        app.config.html_math_renderer == "katex" and app.config.katex_prerender
    ):
        return
    from sphinxcontrib.katex import STARTUP_TIMEOUT, KaTeXServer

    if KaTeXServer.katex_server is not None:
        return
    rundir = Path(tempfile.mkdtemp(prefix="sphinxcontrib_katex"))
    path = rundir / "katex.sock"
    process = subprocess.Popen(
        KaTeXServer.build_command(socket=path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=rundir,
    )
    deadline = time.monotonic() + 4 * STARTUP_TIMEOUT
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            break
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                shutil.rmtree(rundir, ignore_errors=True)
                raise ExtensionError(
                    "the KaTeX server (node) did not start"
                ) from None
            time.sleep(0.01)
    server = KaTeXServer(rundir, process, sock)
    KaTeXServer.katex_server = server
    atexit.register(server.terminate)


def _drop_package_css(app, pagename, templatename, context, doctree):
    context["css_files"] = [
        css
        for css in context.get("css_files", [])
        if not str(getattr(css, "filename", css)).endswith(PACKAGE_CSS)
    ]


def _report_errors(app, pagename, templatename, context, doctree):
    for error in katex_errors(context.get("body") or ""):
        logger.warning("KaTeX cannot render %s", error, location=pagename)


def _copy_katex(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    if app.config.html_math_renderer != "katex":
        return
    target = Path(app.outdir) / "_static" / "katex"
    fonts = target / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    css = (KATEX / "dist" / "katex.min.css").read_text(encoding="utf-8")
    (target / "katex.min.css").write_text(woff2_only(css), encoding="utf-8")
    for font in (KATEX / "dist" / "fonts").glob("*.woff2"):
        shutil.copyfile(font, fonts / font.name)


def setup(app):
    # after sphinxcontrib-katex's own builder-inited (its KaTeX path)
    app.connect("builder-inited", _check_katex, priority=600)
    app.connect("builder-inited", _start_server, priority=601)
    app.connect("html-page-context", _report_errors)
    app.connect("html-page-context", _drop_package_css)
    app.connect("build-finished", _copy_katex)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
