"""The website as a reader sees it: built, served on 127.0.0.1 and opened in headless Chromium.

The book and its student edition are built once per test session into a temporary folder with
tools/build_site.py, or taken ready-built from the folders named by CVAE_SITE_DIR and
CVAE_STUDENT_SITE_DIR (their ``_build/html``), so CI can build once and test that build
(fixtures in tests/site_helpers.py, shared with the accessibility test).

Browser tests drive the Debian package ``chromium`` (at /usr/bin/chromium, or CVAE_CHROMIUM)
with the Python package ``playwright``; its own browser downloads are never used. Without
them the browser tests are skipped - except under CI (CI=true), where they fail. Every page
is saved as a full-page screenshot in artifacts/screenshots/ (or CVAE_SCREENSHOT_DIR).
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from site_helpers import NOTEBOOK_PAGES, PAGES, ROOT, _source, build_site
from test_live_models import exercise_live_widgets

import cvae_utils
from tools import student_notebooks

pytestmark = pytest.mark.site

# The builds, their local servers and the browser: session fixtures shared with test_accessibility.py.
pytest_plugins = ["site_helpers"]

SCREENSHOTS = Path(
    os.environ.get("CVAE_SCREENSHOT_DIR", ROOT / "artifacts" / "screenshots")
)
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
BRANCH = CONFIG["repository"].get("branch", "main")
# the student edition's Colab buttons open the student notebooks on their own branch
STUDENT_BRANCH = build_site.student_config()["repository"]["branch"]
COLAB_PREFIX = cvae_utils.REPOSITORY_URL.replace(
    "https://github.com/", "https://colab.research.google.com/github/"
)


# -- what a page must do in the browser ---------------------------------------------------------

IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = "eager"; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return images.map(img => ({src: (img.currentSrc || img.src).slice(0, 120), width: img.naturalWidth}));
}"""

MATH_JS = """async () => {
  await document.fonts.ready;
  const math = Array.from(document.querySelectorAll(".math"));
  const katexCss = Array.from(document.styleSheets).map(sheet => sheet.href || "")
    .filter(href => href.includes("/katex/katex.min.css"));
  return {
    math: math.length,
    unrendered: math.filter(el => !el.querySelector(".katex .katex-mathml math"))
      .map(el => el.textContent.slice(0, 60)),
    errors: Array.from(document.querySelectorAll(".katex-error")).map(el => el.title.slice(0, 120)),
    scripts: Array.from(document.scripts).map(s => s.src).filter(src => /katex|mathjax/i.test(src)),
    css: katexCss,
    fonts: Array.from(document.fonts).filter(f => f.family.includes("KaTeX") && f.status === "loaded").length,
  };
}"""


OVERFLOW_JS = """async (fit) => {
  // fit-equations.js fits an equation as it comes near the view: scroll the whole page past
  // the reader's eyes first, as a reader would
  const frame = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  // (instantly: the theme scrolls smoothly, which would still be on its way)
  for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight) {
    window.scrollTo({top: y, behavior: "instant"});
    await frame();
  }
  window.scrollTo({top: 0, behavior: "instant"});
  await frame();
  const wide = [];
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1)
    wide.push(`the page scrolls sideways (${page.scrollWidth} px in ${page.clientWidth} px)`);
  for (const el of document.querySelectorAll(".katex-display")) {
    const block = el.closest(".math"), name = block.id || el.textContent.slice(0, 50);
    const box = el.getBoundingClientRect(), outer = block.getBoundingClientRect();
    const column = block.parentElement.getBoundingClientRect();
    if (box.left < outer.left - 1 || box.right > outer.right + 1 ||
        outer.left < column.left - 1 || outer.right > column.right + 1)
      wide.push(`equation outside its column, cut off (${Math.round(box.left)}-${Math.round(box.right)} px ` +
                `in ${Math.round(column.left)}-${Math.round(column.right)} px): ${name}`);
    // wider than the column even when fit-equations.js has scaled it down: it scrolls, never gets cut off
    const scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls && (fit || getComputedStyle(el).overflowX !== "auto"))
      wide.push(`equation ${fit ? "scrolls sideways" : "cut off"} (${el.scrollWidth} px in ${el.clientWidth} px): ${name}`);
    const hint = block.nextElementSibling;
    if (hint && hint.classList.contains("scroll-hint") && !hint.hidden !== scrolls)
      wide.push(`the "scroll sideways" hint is ${scrolls ? "missing under" : "shown under"} an equation that ${scrolls ? "scrolls" : "fits"}: ${name}`);
  }
  for (const el of document.querySelectorAll(".bd-content pre"))  // a long line may scroll, never be cut off
    if (el.scrollWidth > el.clientWidth + 1 && !["auto", "scroll"].includes(getComputedStyle(el).overflowX))
      wide.push(`code lines cut off (${el.scrollWidth} px in ${el.clientWidth} px): ${el.textContent.trim().slice(0, 60)}`);
  return wide;
}"""

FAVICON_JS = """() => Array.from(document.querySelectorAll('link[rel~="icon"]')).map(link => link.href)"""


def check_layout(page, fit=True):
    """Nothing makes the page scroll sideways; display equations stay in their column (at 1280 px
    they fit it; narrower, one too wide even at fit-equations.js' smallest size scrolls inside), and
    no code line is cut off (a long one scrolls)."""
    return page.evaluate(OVERFLOW_JS, fit)


def check_favicon(page):
    """A favicon the page names and the site serves (else the browser asks for /favicon.ico: a 404)."""
    icons = page.evaluate(FAVICON_JS)
    if not icons:
        return [
            "no favicon (<link rel=icon>): the browser requests /favicon.ico and gets a 404"
        ]
    return [
        f"favicon {url} answers HTTP {status}"
        for url in icons
        if (status := page.request.get(url).status) != 200
    ]


def check_images(page):
    images = page.evaluate(IMAGES_JS)
    return [
        f"image not decoded: {img['src']}"
        for img in images
        if not img["width"]
    ]


def check_math(page):
    """Every formula rendered by KaTeX when the site was built (HTML and MathML), none as a KaTeX
    error, no math script, and KaTeX's stylesheet and fonts loaded (from the site: requests to
    other hosts are failures of their own)."""
    if not page.locator(".math").count():
        return []
    math = page.evaluate(MATH_JS)
    problems = [
        f"formula not rendered: {text!r}" for text in math["unrendered"]
    ]
    problems += [
        f"KaTeX error in a formula: {text!r}" for text in math["errors"]
    ]
    problems += [f"math script loaded: {src}" for src in math["scripts"]]
    if not math["css"]:
        problems.append("KaTeX's stylesheet is not loaded")
    if not math["fonts"]:
        problems.append("no KaTeX font loaded")
    return problems


def _screenshot(page, edition, docname):
    page.evaluate(
        "() => document.fonts.ready.then(() => true)"
    )  # KaTeX's web fonts, for example
    SCREENSHOTS.joinpath(edition).mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(
            SCREENSHOTS / edition / (docname.replace("/", "__") + ".png")
        ),
        full_page=True,
    )


def check_page(visit, docname, edition):
    page, problems = visit.page, []
    if visit.response is None or visit.response.status != 200:
        return [
            f"HTTP status {visit.response.status if visit.response else 'none'}"
        ]
    problems += check_images(page)
    problems += check_math(page)
    problems += check_layout(page)
    problems += check_favicon(page)
    if docname in NOTEBOOK_PAGES:
        expected = f"{COLAB_PREFIX}/blob/{STUDENT_BRANCH if edition == 'student' else BRANCH}/{docname}.ipynb"
        if not page.locator(f'a[href="{expected}"]').count():
            problems.append(f"no Colab launch link to {expected}")
        download = page.locator('a[href$=".ipynb"]:not([href^="http"])')
        if not download.count():
            problems.append("no download link to the notebook")
        else:
            target = urljoin(page.url, download.first.get_attribute("href"))
            status = page.request.get(target).status
            if status != 200:
                problems.append(
                    f"download link {target} answers HTTP {status}"
                )
    if not page.locator(f'a[href="{cvae_utils.REPOSITORY_URL}"]').count():
        problems.append("no repository button")
    if not page.locator(
        f'a[href^="{cvae_utils.REPOSITORY_URL}/issues/new"]'
    ).count():
        problems.append("no issues button")
    problems += exercise_live_widgets(page)
    _screenshot(page, edition, docname)
    problems += visit.errors + visit.failed
    problems += [
        f"request to another host (the site must work offline): {url}"
        for url in visit.external
    ]
    return problems


@pytest.mark.parametrize("docname", PAGES)
def test_page_renders_in_a_browser(docname, site_url, open_page):
    visit = open_page(urljoin(site_url, docname + ".html"))
    problems = check_page(visit, docname, "full")
    assert not problems, f"{docname}.html:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("docname", PAGES)
def test_student_page_renders_in_a_browser(
    docname, student_site_url, open_page
):
    visit = open_page(urljoin(student_site_url, docname + ".html"))
    problems = check_page(visit, docname, "student")
    assert not problems, f"student edition, {docname}.html:\n  " + "\n  ".join(
        problems
    )


def test_index_redirects_to_the_first_page(site_url, open_page):
    visit = open_page(site_url)
    visit.page.wait_for_url(re.compile(r".*/intro\.html$"), timeout=10_000)
    assert visit.page.locator("h1").count(), "the landing page has no heading"


# -- static checks of the built HTML -----------------------------------------------------------


class _Text(html.parser.HTMLParser):
    """Visible-ish text of an HTML page (script and style contents left out)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    """The page's text with whitespace collapsed."""
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join("".join(parser.parts).split())


def squeeze(text: str) -> str:
    """Text without any whitespace: code lines compare equal however the HTML spaced their tokens."""
    return re.sub(r"\s+", "", text)


def _resources(path: Path):
    """(tag, url) of every script and stylesheet a page loads."""
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", text):
        yield "script", match.group(1)
    for match in re.finditer(r"<link\b[^>]*>", text):
        tag = match.group(0)
        href = re.search(r"\bhref=\"([^\"]+)\"", tag)
        if href and re.search(r"\brel=\"(stylesheet|preload)\"", tag):
            yield "link", href.group(1)


def test_pages_load_scripts_and_styles_only_from_the_site(site):
    remote = [
        f"{page.relative_to(site)}: <{tag}> {url}"
        for page in sorted(site.rglob("*.html"))
        for tag, url in _resources(page)
        if urlsplit(url).scheme in ("http", "https", "")
        and urlsplit(url).netloc
    ]
    assert not remote, (
        "pages load resources from other hosts (the site must work offline):\n  "
        + "\n  ".join(remote)
    )


def test_math_is_rendered_when_the_site_is_built(site):
    math_pages = [
        p
        for p in site.rglob("*.html")
        if 'class="math' in p.read_text(encoding="utf-8")
    ]
    assert math_pages, (
        "no page with math was built; the check below would prove nothing"
    )
    for page in math_pages:
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(site)
        formulas = len(re.findall(r'<(?:span|div) class="math"', text))
        rendered = text.count(
            '<span class="katex"><span class="katex-mathml">'
        )
        assert formulas and rendered == formulas, (
            f"{name}: {formulas} formulas, {rendered} rendered by KaTeX"
        )
        assert "katex-error" not in text, f"{name}: a KaTeX error"
        scripts = [
            url
            for tag, url in _resources(page)
            if tag == "script" and re.search(r"katex|mathjax", url, re.I)
        ]
        assert not scripts, f"{name} loads a math script: {scripts}"
        css = [
            url
            for tag, url in _resources(page)
            if tag == "link" and "katex" in url
        ]
        assert any("katex/katex.min.css" in url for url in css), name
        for url in css:
            local = (page.parent / urlsplit(url).path).resolve()
            assert local.is_file() and site.resolve() in local.parents, (
                f"{name}: {url} is not a file of the site"
            )
    css = (site / "_static" / "katex" / "katex.min.css").read_text()
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert fonts and all(f.endswith(".woff2") for f in fonts), fonts
    for font in fonts:
        assert (site / "_static" / "katex" / font).is_file(), font


PHONE_MATH = ["chapters/04_vae", "chapters/05_cvae"]


@pytest.mark.parametrize("docname", PHONE_MATH)
def test_equations_fit_a_phone(docname, site, site_url, browser):
    """At 390 px no display equation makes the page scroll sideways or gets cut off."""
    html_file = site / (docname + ".html")
    assert "katex-display" in html_file.read_text(encoding="utf-8"), (
        f"{docname} has no display equation; pick a page that has"
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(urljoin(site_url, docname + ".html"), wait_until="load")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        problems = check_layout(page, fit=False)
        SCREENSHOTS.joinpath("phone").mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(
                SCREENSHOTS / "phone" / (docname.replace("/", "__") + ".png")
            ),
            full_page=True,
        )
    finally:
        context.close()
    assert not problems, f"{docname}.html at 390 px:\n  " + "\n  ".join(
        problems
    )


LAZY_FIT_JS = """async () => {
  const frame = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  await frame();
  const equations = Array.from(document.querySelectorAll(".katex-display"));
  const far = equations.filter(el => el.getBoundingClientRect().top > 4 * window.innerHeight);
  const fittedAtLoad = far.filter(el => el.style.fontSize).length;
  for (const el of far) { el.scrollIntoView({block: "center", behavior: "instant"}); await frame(); }
  return {far: far.length, fittedAtLoad, fittedLater: far.filter(el => el.style.fontSize).length};
}"""


def test_equations_are_fitted_as_they_come_near_not_all_at_load(
    site_url, browser
):
    """Bug caught: every equation of a long page measured at load (one
    layout of the whole page: the longest task of opening chapter 04 on a
    phone), or an equation far below never fitted."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(urljoin(site_url, "chapters/04_vae.html"), wait_until="load")
        found = page.evaluate(LAZY_FIT_JS)
    finally:
        context.close()
    assert found["far"] >= 5, "chapter 04 has display equations far below"
    assert found["fittedAtLoad"] == 0, found
    assert found["fittedLater"] > 0, found


# -- the student edition ------------------------------------------------------------------------

GATE = re.compile(r"^(`{3,}|:{3,})\{solution-(start|end)\}", re.M)


def solution_snippets(path: Path):
    """Lines of code that only a notebook's gated solutions contain (at least 12 characters).

    A line that the page also shows outside the solutions - in another cell, or in an output such as the
    package's own code that chapters 04 and 05 display with show_source - gives no solution away."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    inside, solution, other = False, [], []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        gates = (
            [m.group(2) for m in GATE.finditer(source)]
            if cell["cell_type"] == "markdown"
            else []
        )
        if gates:
            inside = gates[-1] == "start"
            continue
        (solution if inside and cell["cell_type"] == "code" else other).append(
            source
        )
        if not inside:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                other.append(
                    "".join(out.get("text", ""))
                    + "".join(data.get("text/markdown", ""))
                )
    elsewhere = "\n".join(other)
    lines = {line.strip() for src in solution for line in src.splitlines()}
    return sorted(
        line
        for line in lines
        if len(line) >= 12
        and line not in elsewhere
        and not line.startswith("#")
    )


def _count(path: Path, pattern: str) -> int:
    return len(re.findall(pattern, path.read_text(encoding="utf-8")))


SOLUTION_CLASS = r'class="solution[ "]'
EXERCISE_CLASS = r'class="exercise[ "]'


@pytest.mark.parametrize("docname", PAGES)
def test_student_edition_has_the_exercises_but_no_solutions(
    docname, site, student_site
):
    full, student = (
        site / (docname + ".html"),
        student_site / (docname + ".html"),
    )
    assert full.exists() and student.exists(), (
        f"{docname}.html missing from one of the two builds"
    )
    source = _source(docname).read_text(encoding="utf-8")
    solutions_in_source = len(re.findall(r"\{solution(-start)?\}", source))
    assert _count(full, SOLUTION_CLASS) == solutions_in_source, (
        f"the book's {docname}.html should show all {solutions_in_source} solutions"
    )
    assert _count(student, SOLUTION_CLASS) == 0, (
        f"student {docname}.html still contains solutions"
    )
    assert _count(student, EXERCISE_CLASS) == _count(full, EXERCISE_CLASS), (
        f"student {docname}.html lost exercises"
    )
    if _source(docname).suffix == ".ipynb":
        full_text, student_text = (
            squeeze(page_text(full)),
            squeeze(page_text(student)),
        )
        # the student page is the student notebook: its stubs repeat the solutions' signatures
        original = json.loads(_source(docname).read_text(encoding="utf-8"))
        stubs = squeeze(
            "\n".join(
                c.source
                for c in student_notebooks.student_notebook(
                    original, docname
                ).cells
            )
        )
        for line in solution_snippets(_source(docname)):
            assert squeeze(line) in full_text, (
                f"the book's {docname}.html lacks solution code {line!r}"
            )
            if squeeze(line) not in stubs:
                assert squeeze(line) not in student_text, (
                    f"student {docname}.html shows solution code {line!r}"
                )


def test_student_edition_is_announced(site, student_site):
    assert "Student edition" in (student_site / "intro.html").read_text(
        encoding="utf-8"
    )
    assert "Student edition" not in (site / "intro.html").read_text(
        encoding="utf-8"
    )


def _notebook_sources(path: Path) -> str:
    return "\n".join(
        "".join(cell["source"])
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
    )


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_student_downloads_have_no_solutions(docname, site, student_site):
    """The download button serves the chapter's student notebook: stubs instead of solutions."""
    student = json.loads(
        (student_site / "_sources" / (docname + ".ipynb")).read_text(
            encoding="utf-8"
        )
    )
    original = json.loads(_source(docname).read_text(encoding="utf-8"))
    full = _notebook_sources(site / "_sources" / (docname + ".ipynb"))
    for line in student_notebooks.solution_lines(original):
        assert line in full, (
            f"the book's download of {docname}.ipynb lacks {line!r}"
        )
    assert student_notebooks.leaks(student, original) == [], (
        f"student download of {docname}.ipynb"
    )
    expected = student_notebooks.student_notebook(original, f"{docname}.ipynb")
    assert ["".join(c["source"]) for c in student["cells"]] == [
        c.source for c in expected.cells
    ], f"the student download of {docname}.ipynb is not its student notebook"


COLAB_LINK = re.compile(r'href="(https://colab\.research\.google\.com/[^"]+)"')


def test_student_colab_links_open_solution_free_notebooks(student_site):
    """Every Colab link of the student site opens a notebook of the student branch, and the
    notebook there (what tools/student_notebooks.py writes, and the build wrote next to the site)
    contains no solution code."""
    prefix = f"{COLAB_PREFIX}/blob/{STUDENT_BRANCH}/"
    built = (
        student_site.parent.parent / "student_notebooks"
    )  # OUTPUT/_build/html -> OUTPUT/student_notebooks
    linked = {}
    for page in sorted(student_site.rglob("*.html")):
        for url in COLAB_LINK.findall(page.read_text(encoding="utf-8")):
            url = html.unescape(url)
            assert url.startswith(prefix), (
                f"{page.relative_to(student_site)}: Colab link {url} is not on the student branch"
            )
            linked[url[len(prefix) :]] = page
    assert sorted(linked) == sorted(
        f"{doc}.ipynb" for doc in NOTEBOOK_PAGES
    ), "one Colab link per notebook page"
    for relative in linked:
        original = json.loads((ROOT / relative).read_text(encoding="utf-8"))
        student = student_notebooks.student_notebook(original, relative)
        assert student_notebooks.leaks(student, original) == [], (
            f"the student notebook {relative} has solutions"
        )
        if built.is_dir():  # the build wrote the notebooks that the workflow pushes to the student branch
            written = json.loads(
                (built / relative).read_text(encoding="utf-8")
            )
            assert ["".join(c["source"]) for c in written["cells"]] == [
                c.source for c in student.cells
            ]
            assert student_notebooks.leaks(written, original) == []


def test_full_site_colab_links_stay_on_the_main_branch(site):
    for page in sorted(site.rglob("*.html")):
        for url in COLAB_LINK.findall(page.read_text(encoding="utf-8")):
            assert html.unescape(url).startswith(
                f"{COLAB_PREFIX}/blob/{BRANCH}/"
            ), f"{page.name}: {url}"


def test_student_config_is_the_book_config_with_hide_solutions():
    overrides = yaml.safe_load((ROOT / "_config_student.yml").read_text())
    assert overrides["sphinx"]["config"]["hide_solutions"] is True
    assert CONFIG["sphinx"]["config"].get("hide_solutions", False) is False, (
        "the book itself shows the solutions"
    )
    config = build_site.student_config()
    expected = build_site.merge(CONFIG, overrides)
    folders = config["sphinx"]["local_extensions"]
    for (
        name,
        folder,
    ) in (
        folders.items()
    ):  # made absolute, because the merged file lives elsewhere
        assert (
            Path(folder).is_absolute()
            and Path(folder)
            == (ROOT / expected["sphinx"]["local_extensions"][name]).resolve()
        )
        assert (Path(folder) / f"{name}.py").is_file()
    config["sphinx"]["local_extensions"] = expected["sphinx"][
        "local_extensions"
    ]
    assert config == expected


def test_merge_updates_mappings_and_replaces_other_values():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert build_site.merge(base, {"a": {"c": [3]}, "e": 2}) == {
        "a": {"b": 1, "c": [3]},
        "d": 1,
        "e": 2,
    }
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}, (
        "merge must not change its input"
    )


# A tiny book whose one notebook has both kinds of solution, built with the book's extension:
# the student edition's mechanism is tested even where no chapter has exercises yet.
MINI_NOTEBOOK = [
    ("markdown", "# Mini chapter\n\nSome math: $a^2 + b^2 = c^2$."),
    (
        "markdown",
        "```{exercise} Square\n:label: ex-mini-square\nWrite `square(x)`.\n```",
    ),
    ("markdown", "```{solution-start} ex-mini-square\n:class: dropdown\n```"),
    ("code", "def square(x):\n    return x * x  # GATED_SOLUTION_CODE"),
    ("markdown", "The gated solution continues: GATED_SOLUTION_TEXT."),
    ("code", "print(square(3))  # GATED_SOLUTION_SECOND_CELL"),
    ("markdown", "```{solution-end}\n```"),
    ("code", "print('check', 4)  # SELF_CHECK_CELL"),
    (
        "markdown",
        "```{exercise} Cube\n:label: ex-mini-cube\nWhat is $2^3$?\n```\n\n"
        "```{solution} ex-mini-cube\n:class: dropdown\nPLAIN_SOLUTION_TEXT: it is 8.\n```\n\nAfter the solution.",
    ),
]
HIDDEN = (
    "GATED_SOLUTION_CODE",
    "GATED_SOLUTION_TEXT",
    "GATED_SOLUTION_SECOND_CELL",
    "PLAIN_SOLUTION_TEXT",
)


@pytest.fixture(scope="module")
def mini_books(tmp_path_factory):
    import nbformat

    built = {}
    for hide in (False, True):
        book = tmp_path_factory.mktemp("student_mini" if hide else "mini")
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [
            nbformat.v4.new_markdown_cell(src)
            if kind == "markdown"
            else nbformat.v4.new_code_cell(src)
            for kind, src in MINI_NOTEBOOK
        ]
        notebook.metadata["kernelspec"] = {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        }
        nbformat.write(notebook, book / "chapter.ipynb")
        (book / "intro.md").write_text("# Mini book\n")
        (book / "_toc.yml").write_text(
            "format: jb-book\nroot: intro\nchapters:\n  - file: chapter\n"
        )
        config = {
            "title": "Mini",
            "execute": {"execute_notebooks": "off"},
            "parse": {"myst_enable_extensions": ["dollarmath"]},
            "sphinx": {
                "extra_extensions": ["sphinx_exercise"],
                "local_extensions": {
                    "student_edition": str(ROOT / "tools" / "sphinx")
                },
                "config": {"hide_solutions": hide},
            },
        }
        (book / "_config.yml").write_text(yaml.safe_dump(config))
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "from jupyter_book.cli.main import main; main()",
                "build",
                str(book),
                "-W",
                "-n",
                "--keep-going",
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, (
            f"mini book (hide_solutions={hide}) failed to build:\n{(result.stdout + result.stderr)[-3000:]}"
        )
        built[hide] = book / "_build" / "html"
    return built


def test_hide_solutions_removes_gated_and_plain_solutions(mini_books):
    full, student = (
        page_text(mini_books[hide] / "chapter.html") for hide in (False, True)
    )
    for text in HIDDEN:
        assert text in full, f"the full mini book lacks {text}"
        assert text not in student, f"the student mini book shows {text}"
    for text in ("SELF_CHECK_CELL", "Write square(x)", "After the solution."):
        assert text in full and text in student, (
            f"{text!r} must stay in both builds"
        )
    assert _count(mini_books[True] / "chapter.html", EXERCISE_CLASS) == 2
    assert _count(mini_books[True] / "chapter.html", SOLUTION_CLASS) == 0
    assert _count(mini_books[False] / "chapter.html", SOLUTION_CLASS) == 2


def test_hide_solutions_strips_the_downloaded_notebook(mini_books):
    full = json.loads(
        (mini_books[False] / "_sources" / "chapter.ipynb").read_text()
    )
    student = json.loads(
        (mini_books[True] / "_sources" / "chapter.ipynb").read_text()
    )
    student_text = json.dumps(student)
    assert all(text in json.dumps(full) for text in HIDDEN)
    assert not any(text in student_text for text in HIDDEN)
    sources = ["".join(c["source"]) for c in student["cells"]]
    assert any("SELF_CHECK_CELL" in s for s in sources) and any(
        "After the solution." in s for s in sources
    )
    # the five cells of the gated solution are gone; one stub to fill in takes their place
    assert len(student["cells"]) == len(MINI_NOTEBOOK) - 5 + 1
    stubs = [s for s in sources if "raise NotImplementedError" in s]
    assert len(stubs) == 1 and "def square(x):" in stubs[0]


def test_strip_solutions_keeps_text_around_the_gates():
    from tools.sphinx import student_edition as module

    notebook = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "Before.\n\n```{solution-start} ex\n:class: dropdown\n```\n",
            },
            {
                "cell_type": "code",
                "metadata": {},
                "source": "answer = 42",
                "outputs": [],
                "execution_count": 1,
            },
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "```{solution-end}\n```\nAfter.\n",
            },
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "Text\n::::{solution} ex\nhidden\n::::\nmore",
            },
        ]
    }
    stripped = module.strip_solutions(notebook)
    assert [c["source"] for c in stripped["cells"]] == [
        "Before.\n\n",
        "After.\n",
        "Text\nmore",
    ]
    assert len(notebook["cells"]) == 4, (
        "strip_solutions must not change its input"
    )
