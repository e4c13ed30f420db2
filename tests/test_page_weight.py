"""Light pages (GUIDE section 8): what tools/sphinx/page_weight.py does to
the HTML, and the built site's weight, math and icons in the browser.

The Lighthouse figures themselves come from ``python -m benchmarks.lighthouse``
(too slow for a test); these tests catch the regressions that the benchmark
would show: a 1.5 MB script back on every page, KaTeX's stylesheet where
there is no math, a math script on any page, images that load before they are scrolled to.
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_helpers import PAGES, load_extension

pytest_plugins = ["site_helpers"]

# the extension imports Sphinx, which the lowest-versions environment of CI
# (unit tests only) does not install
pytest.importorskip("sphinx")

page_weight = load_extension("page_weight")

# Bytes as a web host that compresses text sends them (GitHub Pages does;
# benchmarks/lighthouse.py serves the same way). What a page sends before it
# can show anything: its HTML and the scripts and stylesheets that block
# rendering (Font Awesome's script alone: 0.4 MB compressed).
BLOCKING_BUDGET = 300_000
# everything a page loads up front, images that are not lazy included
PAGE_BUDGET = 2_000_000
TEXT = {".html", ".css", ".js", ".svg", ".json"}


# -- the extension's rewriting (no build needed) -----------------------------


def test_every_image_below_the_first_screen_loads_lazily_with_its_size():
    body = (
        '<p>x</p><img alt="a" src="../_images/one.png" />'
        f"<p>{'words ' * 120}</p>"
        '<img alt="b" src="../_images/two.png" />'
        '<img alt="c" src="../_images/three.png" style="width: 50%" />'
    )
    sizes = {"one.png": (10, 20), "two.png": (300, 200), "three.png": (5, 5)}
    out = page_weight.lazy_images(body, sizes)
    one, two, three = re.findall(r"<img\b[^>]*>", out)
    assert "loading" not in one  # may be in view when the page opens
    assert 'loading="lazy"' in two and 'width="300" height="200"' in two
    assert 'loading="lazy"' in three and "width=" not in three.replace(
        "width: 50%", ""
    )
    assert out.count('alt="') == 3 and "<p>x</p>" in out


def test_the_first_image_is_lazy_too_when_text_comes_before_it():
    # a chapter's first figure follows its introduction: not in view at once
    body = f"<p>{'words ' * 120}</p>" + '<img alt="a" src="a.png" />'
    assert 'loading="lazy"' in page_weight.lazy_images(body, {})


def test_an_image_that_says_how_it_loads_is_left_alone():
    body = '<img src="a.png" /><img loading="eager" src="b.png" />'
    assert page_weight.lazy_images(body, {}) == body


@pytest.mark.parametrize(
    "body, expected",
    [
        ('<span class="math notranslate nohighlight">\\(x\\)</span>', True),
        ('<div class="math notranslate nohighlight">\\[x\\]</div>', True),
        ('<span class="katex"><span class="katex-mathml">', True),
        ("<p>No equations; the code says <code>math.exp</code>.</p>", False),
    ],
)
def test_page_has_math_looks_for_rendered_math(body, expected):
    assert page_weight.page_has_math(body) is expected


def test_the_font_awesome_script_tag_is_removed_and_nothing_else():
    block = (
        '<link href="_static/styles/theme.css" rel="stylesheet" />\n'
        '  <script src="../_static/scripts/fontawesome.js?digest=1">'
        '</script>\n  <link rel="preload" as="script" '
        'href="_static/scripts/bootstrap.js" />'
    )
    out = page_weight.without_font_awesome(block)
    assert "fontawesome" not in out
    assert "theme.css" in out and "bootstrap.js" in out
    deferred = block.replace("<script src", "<script defer src")  # 0.17
    assert "fontawesome" not in page_weight.without_font_awesome(deferred)


class _Script:
    def __init__(self, filename, priority=500, **attributes):
        self.filename, self.priority = filename, priority
        self.attributes = attributes


def test_scripts_are_deferred_except_inline_and_documentation_options():
    doctools = _Script("_static/doctools.js", priority=200)
    deferred = page_weight._deferred(doctools)
    assert deferred.attributes == {"defer": "defer"}
    assert deferred.priority == 200 and doctools.attributes == {}
    for kept in (
        _Script("_static/documentation_options.js"),
        _Script("", body="let x = 1;"),
        _Script("_static/sphinx-thebe.js", **{"async": "async"}),
    ):
        assert page_weight._deferred(kept) is kept


def test_the_katex_stylesheet_is_recognised_by_its_path():
    assert page_weight._is_katex_css("_static/katex/katex.min.css")
    assert page_weight._is_katex_css(_Script("_static/katex/katex.min.css"))
    assert not page_weight._is_katex_css("_static/styles/theme.css")


def test_pages_without_math_lose_the_katex_stylesheet_only():
    class App:
        class builder:
            images = {}

    css = ["_static/katex/katex.min.css", "a.css"]
    for body, expected in (
        ("<p>No equations.</p>", ["a.css"]),
        ('<p><span class="math">x</span></p>', css),
    ):
        context = {"body": body, "css_files": list(css)}
        page_weight.lighten_page(App, "page", "page.html", context, None)
        assert context["css_files"] == expected, body


# -- the built site -----------------------------------------------------------


def _page(site, docname):
    return site / f"{docname}.html"


def _tags(html, name):
    return re.findall(rf"<{name}\b[^>]*>", html)


def _local(page, url):
    path = urlsplit(url).path
    return (page.parent / path).resolve() if path else None


@functools.cache
def _sent(path: Path) -> int:
    """Bytes sent for a file: text gzip-compressed, images as they are."""
    data = path.read_bytes()
    return len(gzip.compress(data)) if path.suffix in TEXT else len(data)


def _weights(site, docname):
    """(blocking bytes, up-front bytes) of one built page."""
    page = _page(site, docname)
    html = page.read_text(encoding="utf-8")
    head = html[: html.find("<body")]
    blocking = up_front = _sent(page)
    files = set()
    for tag in (
        _tags(html, "script") + _tags(html, "link") + _tags(html, "img")
    ):
        src = re.search(r'\b(?:src|href)="([^"]+)"', tag)
        if not src or src.group(1).startswith(("data:", "http", "#")):
            continue
        if tag.startswith("<link") and 'rel="stylesheet"' not in tag:
            continue
        if tag.startswith("<img") and 'loading="lazy"' in tag:
            continue
        local = _local(page, src.group(1))
        if local is None or not local.is_file() or local in files:
            continue
        files.add(local)
        size = _sent(local)
        up_front += size
        blocks = tag in head and (
            tag.startswith("<link") or not re.search(r"\b(defer|async)\b", tag)
        )
        blocking += size if blocks else 0
    return blocking, up_front


@pytest.mark.site
def test_no_page_loads_the_font_awesome_script(site):
    heavy = [
        page
        for page in PAGES
        if "fontawesome.js" in _page(site, page).read_text(encoding="utf-8")
    ]
    assert not heavy, f"pages load Font Awesome's 1.5 MB script: {heavy}"


@pytest.mark.site
def test_katex_stylesheet_only_on_pages_with_math_and_no_math_script(site):
    with_math, without = [], []
    for page in map(functools.partial(_page, site), PAGES):
        html = page.read_text(encoding="utf-8")
        scripts = [
            t for t in _tags(html, "script") if re.search(r"katex|mathjax", t)
        ]
        assert not scripts, f"{page.name} loads a math script: {scripts}"
        links = any(
            "katex/katex.min.css" in tag for tag in _tags(html, "link")
        )
        (with_math if 'class="math' in html else without).append(
            (page.relative_to(site).as_posix(), links)
        )
    assert with_math and without, "need pages of both kinds to test this"
    assert all(links for _, links in with_math), (
        "pages with math lack KaTeX's stylesheet"
    )
    assert not [page for page, links in without if links], (
        "pages without math load KaTeX's stylesheet"
    )


@pytest.mark.site
@pytest.mark.parametrize("docname", PAGES)
def test_page_weight_is_within_budget(docname, site):
    blocking, up_front = _weights(site, docname)
    assert blocking <= BLOCKING_BUDGET, (
        f"{docname}: {blocking:,} bytes block the first paint"
    )
    assert up_front <= PAGE_BUDGET, (
        f"{docname}: {up_front:,} bytes load up front (budget {PAGE_BUDGET:,})"
    )


ICONS_JS = """() => Array.from(document.querySelectorAll(
    'header i[class*="fa-"], .article-header-buttons i[class*="fa-"]'))
  .filter(i => i.offsetParent !== null)
  .map(i => {
    const before = getComputedStyle(i, "::before");
    const named = i.closest("button, a");
    const label = named && (named.getAttribute("aria-label")
      || named.getAttribute("title") || named.textContent.trim());
    return {icon: i.className, width: i.getBoundingClientRect().width,
            font: before.fontFamily, glyph: before.content, label};
  })"""


@pytest.mark.site
def test_icons_show_from_the_theme_fonts_and_are_labelled(site_url, open_page):
    visit = open_page(site_url + "intro.html")
    visit.page.evaluate("document.fonts.ready.then(() => true)")
    icons = visit.page.evaluate(ICONS_JS)
    assert len(icons) >= 3, f"expected the header's icons, got {icons}"
    for icon in icons:
        assert "Font Awesome" in icon["font"], icon
        assert icon["glyph"] not in ("none", "normal", '""'), icon
        assert icon["width"] > 0 and icon["label"], icon
    loaded = visit.page.evaluate(
        "document.fonts.check('900 16px \"Font Awesome 6 Free\"')"
    )
    assert loaded, "the theme's Font Awesome web font did not load"


MATH_RENDERED_JS = """async () => {
  await document.fonts.ready;
  return {
    formulas: document.querySelectorAll(".katex").length,
    fonts: Array.from(document.fonts)
      .filter(f => f.family.includes("KaTeX") && f.status === "loaded")
      .map(f => f.family),
    requests: performance.getEntriesByType("resource").map(e => e.name),
  };
}"""


@pytest.mark.site
def test_math_renders_with_katex_fonts_from_the_site(site_url, open_page):
    visit = open_page(site_url + "chapters/04_vae.html")
    math = visit.page.evaluate(MATH_RENDERED_JS)
    assert math["formulas"] > 10
    assert math["fonts"], "no KaTeX font loaded"
    fonts = [url for url in math["requests"] if "/fonts/KaTeX_" in url]
    assert fonts and all(
        url.startswith(site_url) and url.endswith(".woff2") for url in fonts
    ), fonts
    assert not visit.errors + visit.failed + visit.external, (
        visit.errors + visit.failed + visit.external
    )


CHEAT_SHEET_JS = """() => {
  const sections = Array.from(document.querySelectorAll("section#cheat-sheet > section"));
  const last = sections[sections.length - 1];
  return {
    sections: sections.length,
    skipped: sections.map(s => getComputedStyle(s).contentVisibility),
    lastHeading: last && last.querySelector("h2").textContent,
  };
}"""


@pytest.mark.site
def test_the_cheat_sheet_lays_out_only_the_sections_in_view(
    site_url, open_page
):
    visit = open_page(site_url + "cheatsheet.html")
    sheet = visit.page.evaluate(CHEAT_SHEET_JS)
    # the rule in _static/accessibility.css names the page's section: a new
    # title (a new id) would silently make the page slow again
    assert sheet["sections"] >= 8, sheet
    assert set(sheet["skipped"]) == {"auto"}, sheet
    # what is skipped is still there: found by its text, reached by scrolling
    heading = visit.page.get_by_role(
        "heading", name=sheet["lastHeading"].strip("#")
    )
    heading.scroll_into_view_if_needed()
    assert heading.is_visible()
    assert not visit.errors + visit.failed, visit.errors + visit.failed


# -- highlighted code with fewer elements --------------------------------------


def test_plain_token_classes_are_those_drawn_like_plain_text_in_every_style():
    plain = page_weight.plain_token_classes(
        ["a11y-high-contrast-light", "a11y-high-contrast-dark"]
    )
    assert {"n", "p", "w"} <= plain
    # keywords, operators, strings and numbers have colours of their own
    assert not plain & {"k", "o", "s2", "mi", "mf", "c1", "nf"}
    # a style that colours names (monokai's are plain, default's builtins not)
    assert "nb" not in page_weight.plain_token_classes(["default"])
    assert "w" not in page_weight.plain_token_classes(
        ["a11y-high-contrast-light", "default"]
    )


def test_plain_token_classes_check_their_input():
    with pytest.raises(TypeError, match="list of style names"):
        page_weight.plain_token_classes("default")
    with pytest.raises(ValueError, match="unknown Pygments style"):
        page_weight.plain_token_classes(["no-such-style"])


def test_plain_tokens_lose_their_spans_inside_code_only():
    body = (
        '<p><span class="n">prose</span></p>'
        '<pre><span></span><span class="n">x</span><span class="w"> </span>'
        '<span class="o">=</span> <span class="n">f</span><span class="p">(</span>'
        '<span class="mi">1</span><span class="p">)</span></pre>'
    )
    out = page_weight.unwrap_plain_tokens(body, {"n", "p", "w"})
    assert out == (
        '<p><span class="n">prose</span></p>'
        '<pre><span></span>x <span class="o">=</span> f(<span class="mi">1</span>)</pre>'
    )
    assert page_weight.unwrap_plain_tokens(body, frozenset()) == body
