"""Accessibility of the website: WCAG 2.1 A/AA in a real browser, and alternative text of figures.

Every page of the book and of the student edition is opened in headless Chromium (the fixtures
of tests/site_helpers.py) and checked with axe-core, the npm package pinned in package.json
(``npm ci`` installs it into node_modules/; .ci/run does). A serious or critical violation of a
WCAG 2.1 A or AA rule fails the test, which names each rule, page and element. Each page's full
axe result is written to artifacts/accessibility/<edition>/ (or CVAE_A11Y_REPORT_DIR).

Without axe-core (or Chromium) the browser tests are skipped - except under CI, where they fail.
The alternative-text checks need no browser: the built HTML and the chapter notebooks' metadata.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from site_helpers import PAGES, ROOT, _unavailable

from tools import alt_text

pytestmark = pytest.mark.site

# The builds, their local servers and the browser: session fixtures shared with test_site.py.
pytest_plugins = ["site_helpers"]

AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
REPORTS = Path(
    os.environ.get(
        "CVAE_A11Y_REPORT_DIR", ROOT / "artifacts" / "accessibility"
    )
)
EDITIONS = {"full": "site_url", "student": "student_site_url"}
# the book's pages, and the two a reader reaches from every page (the index and the search page)
A11Y_PAGES = PAGES + ["genindex", "search"]

# The math is rendered when the site is built (KaTeX's HTML, with MathML for screen readers), but
# the theme's scripts turn icons into SVG and fit-equations.js resizes wide equations after "load":
# axe must see the page as a reader does, so wait for them (and for the web fonts, which change
# the contrast).
SETTLE_JS = """async () => {
  await document.fonts.ready;
  await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 200)));
}"""

RUN_AXE_JS = """async tags => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map(rule => ({
    id: rule.id, impact: rule.impact, help: rule.help, helpUrl: rule.helpUrl,
    nodes: rule.nodes.map(node => ({impact: node.impact, target: node.target.join(" "),
                                    html: node.html.slice(0, 300), summary: node.failureSummary})),
  }));
}"""


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_SCRIPT.exists():
        _unavailable(
            f"axe-core is not installed ({AXE_SCRIPT.relative_to(ROOT)} missing: run npm ci)"
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page, axe_source):
    """axe-core's WCAG 2.1 A/AA violations of the page, with every offending element."""
    page.evaluate(SETTLE_JS)
    page.add_script_tag(content=axe_source)
    return page.evaluate(RUN_AXE_JS, WCAG_TAGS)


def serious(violations):
    """(rule, impact, element, why) of each serious or critical finding."""
    return [
        (rule["id"], node["impact"], node["target"], node["summary"])
        for rule in violations
        for node in rule["nodes"]
        if node["impact"] in FAILING_IMPACTS
    ]


def _save_report(edition, docname, violations):
    folder = REPORTS / edition
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (docname.replace("/", "__") + ".json")).write_text(
        json.dumps(violations, indent=1)
    )


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("docname", A11Y_PAGES)
def test_page_has_no_serious_accessibility_violations(
    docname, edition, request, open_page, axe_source
):
    site_url = request.getfixturevalue(EDITIONS[edition])
    visit = open_page(urljoin(site_url, docname + ".html"))
    violations = axe_violations(visit.page, axe_source)
    _save_report(edition, docname, violations)
    found = serious(violations)
    assert not found, (
        f"{edition} edition, {docname}.html: {len(found)} serious/critical WCAG 2.1 A/AA violations:\n  "
        + "\n  ".join(
            f"[{impact}] {rule} at {target}: {why.splitlines()[-1].strip() if why else ''}"
            for rule, impact, target, why in found
        )
    )


def test_axe_finds_what_it_should(browser, axe_source):
    """The check itself: on a page with known faults axe reports them as serious or critical."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            "<!doctype html><html lang='en'><head><title>Faults</title></head><body><main>"
            "<h1>Faults</h1><p style='color:#aaa;background:#fff'>pale text</p>"
            "<img src='data:,'><input type='range'></main></body></html>"
        )
        rules = {
            rule for rule, *_ in serious(axe_violations(page, axe_source))
        }
    finally:
        context.close()
    assert {"color-contrast", "image-alt", "label"} <= rules, (
        f"axe reported only {sorted(rules)}"
    )


# -- alternative text of every image -------------------------------------------------------------

FILE_NAME = re.compile(
    r"(^|[/\\])[\w.-]+\.(png|jpe?g|gif|svg|webp|ico|bmp)$|^[0-9a-f]{16,}$",
    re.I,
)


def looks_like_file_name(alt: str) -> bool:
    """An alt text that names the file (``../_images/3f2a….png``) instead of what the image shows."""
    return bool(FILE_NAME.search(alt.strip()))


class _Images(html.parser.HTMLParser):
    """Every <img> of a page, as its attributes (the page's scripts are not run)."""

    def __init__(self):
        super().__init__()
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def image_alt_problems(path: Path):
    parser = _Images()
    parser.feed(path.read_text(encoding="utf-8"))
    problems = []
    for img in parser.images:
        alt, where = (
            (img.get("alt") or "").strip(),
            (img.get("src") or img.get("id") or "?")[:90],
        )
        if not alt:
            problems.append(f"<img> without alt text: {where}")
        elif looks_like_file_name(alt):
            problems.append(
                f"<img> whose alt text is a file name ({alt!r}): {where}"
            )
    return problems


def test_file_names_are_not_alt_texts():
    for bad in (
        "../_images/3f2ab9c0d1e2f3a4b5c6d7e8f9a0b1c2.png",
        "figure.PNG",
        "logo_colab.png",
        "0123456789abcdef0",
    ):
        assert looks_like_file_name(bad), bad
    for good in (
        "Colab logo",
        "Grid of 16 MNIST digits",
        "Loss curves: the loss falls over 30 epochs.",
    ):
        assert not looks_like_file_name(good), good


@pytest.mark.parametrize("edition", ["site", "student_site"])
def test_every_image_has_meaningful_alt_text(edition, request):
    site = request.getfixturevalue(edition)
    pages = sorted(site.rglob("*.html"))
    assert pages, f"no pages in {site}"
    problems = [
        f"{page.relative_to(site)}: {problem}"
        for page in pages
        for problem in image_alt_problems(page)
    ]
    assert not problems, (
        f"{len(problems)} images without meaningful alt text:\n  "
        + "\n  ".join(problems)
    )


# -- the chapter notebooks carry the alt texts ---------------------------------------------------

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_figure_of_a_chapter_has_alt_text_metadata(path):
    """The cells keep their figures' descriptions (``alt_text`` metadata, checked by
    tools/alt_text.py); tools/sphinx/accessibility.py renders them."""
    found = alt_text.problems(
        json.loads(path.read_text(encoding="utf-8")), path.name
    )
    assert not found, (
        "write the descriptions into the cells' metadata:\n  "
        + "\n  ".join(found)
    )
