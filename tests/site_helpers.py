"""Shared by the website's browser tests (tests/test_site.py, tests/test_accessibility.py).

A pytest plugin: the test modules name it in ``pytest_plugins``, so its session fixtures (the
two built editions, their local servers, the browser) exist once per session however many
modules use them. The book and its student edition are built once into a temporary folder with
tools/build_site.py, or taken ready-built from the folders named by CVAE_SITE_DIR and
CVAE_STUDENT_SITE_DIR (their ``_build/html``), so CI can build once and test that build.

Browser tests drive the Debian package ``chromium`` (at /usr/bin/chromium, or CVAE_CHROMIUM)
with the Python package ``playwright``; its own browser downloads are never used. Without
them the browser tests are skipped - except under CI (CI=true), where they fail.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tools import build_site

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").strip().lower() not in {
    "",
    "0",
    "false",
    "no",
}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 120_000  # generous: long chapter pages on a busy two-core machine


# -- the pages of the book ----------------------------------------------------------------------


def _toc_entries():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections"))

    yield toc["root"]
    for part in toc.get("parts", []):
        yield from walk(part.get("chapters"))
    yield from walk(toc.get("chapters"))


def _source(docname):
    for suffix in (".ipynb", ".md"):
        if (ROOT / (docname + suffix)).exists():
            return ROOT / (docname + suffix)
    return None


PAGES = [
    doc for doc in _toc_entries() if _source(doc) is not None
]  # missing pages: see test_book.py
NOTEBOOK_PAGES = [doc for doc in PAGES if _source(doc).suffix == ".ipynb"]


def load_extension(name: str):
    """The site's local Sphinx extension ``tools/sphinx/<name>.py`` as a
    module (tools/sphinx is a folder of extensions, not a package)."""
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "tools" / "sphinx" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- building and serving -----------------------------------------------------------------------


def _site(tmp_path_factory, env_var, student):
    given = os.environ.get(env_var)
    if given:
        site = (
            build_site.html_dir(Path(given))
            if not (Path(given) / "index.html").exists()
            else Path(given)
        )
        assert (site / "index.html").exists(), (
            f"{env_var}={given}: no built site (index.html) there or in _build/html"
        )
        return site
    output = tmp_path_factory.mktemp("student_site" if student else "site")
    return build_site.build(output, student=student, strict=False)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """Folder of the built book's HTML."""
    return _site(tmp_path_factory, "CVAE_SITE_DIR", student=False)


@pytest.fixture(scope="session")
def student_site(tmp_path_factory):
    """Folder of the built student edition's HTML."""
    return _site(tmp_path_factory, "CVAE_STUDENT_SITE_DIR", student=True)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory):
    """Serve a folder over HTTP on 127.0.0.1 (a free port) in a background thread."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0),
        functools.partial(_QuietHandler, directory=str(directory)),
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def site_url(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def student_site_url(student_site):
    with serve(student_site) as url:
        yield url


def _unavailable(reason):
    if IN_CI:
        pytest.fail(
            f"{reason} - under CI the browser tests must run, so this is an error"
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from the Debian package, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable(
            "the Python package playwright is not installed (pip install playwright)"
        )
    executable = (
        os.environ.get("CVAE_CHROMIUM")
        or shutil.which("chromium")
        or "/usr/bin/chromium"
    )
    if not Path(executable).exists():
        _unavailable(
            "Chromium is not installed (apt-get install chromium chromium-driver)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Visit:
    """A page opened in a fresh browser context (1280 x 900 px).

    Collects console errors and warnings, failed requests (HTTP 4xx/5xx) and requests that left
    127.0.0.1."""

    def __init__(self, browser, url):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.errors, self.external, self.failed = [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400
                and self.failed.append(f"HTTP {r.status}: {r.url}")
            ),
        )
        self.page.on(
            "pageerror", lambda exc: self.errors.append(f"page error: {exc}")
        )
        self.response = self.page.goto(
            url, wait_until="load", timeout=TIMEOUT_MS
        )

    def _route(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:  # the site must work offline: nothing may be fetched from elsewhere
            self.external.append(route.request.url)
            route.abort()

    def _console(self, message):
        # errors and warnings: a reader's console stays quiet (the theme's info logs are fine)
        if message.type in ("error", "warning"):
            where = (
                message.location.get("url", "")
                if isinstance(message.location, dict)
                else ""
            )
            self.errors.append(
                f"console {message.type}: {message.text} {where}".strip()
            )

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser):
    visits = []

    def opener(url):
        visits.append(Visit(browser, url))
        return visits[-1]

    yield opener
    for visit in visits:
        visit.close()
