"""Reading the website on every screen: navigation, code, figures, the home page, the student
edition (both editions, built once per session by tests/site_helpers.py, opened in Chromium)."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import sys
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import pytest
from site_helpers import NOTEBOOK_PAGES, PAGES, ROOT, TIMEOUT_MS, _source

pytestmark = pytest.mark.site
pytest_plugins = ["site_helpers"]

EDITIONS = ["full", "student"]
CHAPTER_PAGES = [doc for doc in PAGES if doc.startswith("chapters/")]
CODE_COLUMNS = (
    79  # ruff's line length: the code column at 1280 px must hold it
)
MIN_SHOWN = 0.75  # a figure may be shown at no less than 75% of the width it was drawn for


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return sys.modules[name]


student_notebooks = _load(
    "student_notebooks", ROOT / "tools" / "student_notebooks.py"
)
chapter_times = _load(
    "chapter_times_for_tests", ROOT / "tools" / "chapter_times.py"
)


@pytest.fixture(params=EDITIONS)
def edition_url(request):
    return request.param, request.getfixturevalue(
        "site_url" if request.param == "full" else "student_site_url"
    )


def _open(browser, url, width, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(url, wait_until="load")
    return context, page


# -- navigation -----------------------------------------------------------------------------------

LAST_CHAPTER = "13_conditional_evaluation"


@pytest.mark.parametrize("width", [390, 820])
def test_the_menu_opens_the_chapter_list_on_a_phone_and_a_tablet(
    width, edition_url, browser
):
    edition, url = edition_url
    context, page = _open(
        browser, urljoin(url, "chapters/04_vae.html"), width, 844
    )
    try:
        link = page.locator(
            f'a.reference.internal[href*="{LAST_CHAPTER}"]'
        ).filter(visible=True)
        assert link.count() == 0, (
            "the chapter list should be hidden before the menu is opened"
        )
        page.locator("button.primary-toggle").filter(
            visible=True
        ).first.click()
        link.first.wait_for(state="visible", timeout=5_000)
        page.keyboard.press("Escape")
        page.locator("button.secondary-toggle").filter(
            visible=True
        ).first.click()
        contents = page.locator(
            "#pst-secondary-sidebar-modal a.nav-link"
        ).filter(visible=True)
        contents.first.wait_for(state="visible", timeout=5_000)
    finally:
        context.close()


def test_the_sidebar_collapses_at_1280_px(edition_url, browser):
    edition, url = edition_url
    context, page = _open(browser, urljoin(url, "chapters/04_vae.html"), 1280)
    try:
        sidebar = page.locator(".bd-sidebar-primary")
        assert sidebar.is_visible(), (
            "the chapter list is shown beside the text at 1280 px"
        )
        page.locator("button.primary-toggle").filter(
            visible=True
        ).first.click()
        sidebar.wait_for(state="hidden", timeout=5_000)
    finally:
        context.close()


# -- code keeps its shape -------------------------------------------------------------------------

WRAPPED_CODE_JS = """columns => {
  const wrapped = [];
  let fits = null;
  for (const pre of document.querySelectorAll(".bd-content div.highlight pre")) {
    const style = getComputedStyle(pre);
    const lines = pre.textContent.replace(/\\n$/, "").split("\\n").length;
    const lineHeight = parseFloat(style.lineHeight) || 1.5 * parseFloat(style.fontSize);
    const content = pre.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    if (content > (lines + 0.5) * lineHeight)
      wrapped.push(`${lines} lines drawn ${(content / lineHeight).toFixed(1)} lines tall: ` +
                   pre.textContent.trim().slice(0, 60));
    if (fits === null) {
      const probe = document.createElement("span");
      probe.textContent = "x".repeat(columns);
      pre.appendChild(probe);
      const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      fits = {room, needed: probe.getBoundingClientRect().width};
      probe.remove();
    }
  }
  return {wrapped, fits};
}"""


@pytest.mark.parametrize("docname", CHAPTER_PAGES)
def test_no_code_line_wraps_at_1280_px(docname, site_url, browser):
    context, page = _open(browser, urljoin(site_url, docname + ".html"), 1280)
    try:
        found = page.evaluate(WRAPPED_CODE_JS, CODE_COLUMNS)
    finally:
        context.close()
    assert not found["wrapped"], (
        f"{docname}: wrapped code lines:\n  "
        + "\n  ".join(found["wrapped"][:10])
    )
    if found["fits"]:
        assert found["fits"]["needed"] <= found["fits"]["room"], (
            f"{docname}: {CODE_COLUMNS} characters of code need {found['fits']['needed']:.0f} px, "
            f"the code column holds {found['fits']['room']:.0f} px"
        )


# -- figures drawn for the page -------------------------------------------------------------------

FIGURES_JS = """async () => {
  // figures, not the widgets' pictures (an animation's frame, a live widget's fallback)
  const images = Array.from(document.querySelectorAll(".bd-content div.cell_output img"))
    .filter(img => !img.closest(".grid-animation, .cvae-live"));
  images.forEach(img => { img.loading = "eager"; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return images.map(img => ({
    src: img.getAttribute("src"),
    drawn: parseFloat(img.style.width) || img.naturalWidth,
    natural: img.naturalWidth,
    shown: img.getBoundingClientRect().width,
    link: img.closest("a") ? img.closest("a").getAttribute("href") : null,
  }));
}"""


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_figures_are_shown_near_the_size_they_were_drawn_and_open_full_size(
    docname, site_url, browser
):
    context, page = _open(browser, urljoin(site_url, docname + ".html"), 1280)
    try:
        figures = page.evaluate(FIGURES_JS)
        problems = []
        for figure in figures:
            name = figure["src"].rsplit("/", 1)[-1][:16]
            if figure["shown"] < MIN_SHOWN * figure["drawn"]:
                problems.append(
                    f"{name}: drawn {figure['drawn']:.0f} px wide, shown at {figure['shown']:.0f} px "
                    f"({figure['shown'] / figure['drawn']:.0%}): its text is too small to read"
                )
            if not figure["link"]:
                problems.append(f"{name}: not a link to the full-size figure")
            elif (
                page.request.get(urljoin(page.url, figure["link"])).status
                != 200
            ):
                problems.append(f"{name}: its link {figure['link']} is broken")
    finally:
        context.close()
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


# -- the home page ----------------------------------------------------------------------------------


def _chapter_docs():
    return [doc for doc in PAGES if doc.startswith("chapters/")]


def test_the_home_page_shows_the_course_entry_points_and_chapter_cards(site):
    text = (site / "intro.html").read_text(encoding="utf-8")
    assert (
        "By The course authors" not in text
        and 'class="component-author"' not in text
    )
    assert "home_cvae_samples" in text, "the picture of what the course builds"
    for target in (
        'href="chapters/00_setup.html"',
        'href="instructor.html"',
        "https://colab.research.google.com/github/",
    ):
        assert target in text, f"home page: no entry point {target}"
    cards = re.findall(
        r'<a class="[^"]*stretched-link[^"]*" href="([^"]+)\.html', text
    )
    assert cards == _chapter_docs(), (
        "one card per chapter, in the book's order"
    )
    results = json.loads(chapter_times.BOOK_TIME.read_text())
    for doc in _chapter_docs():
        if _source(doc).suffix != ".ipynb":
            continue
        notebook = nbformat.read(_source(doc), as_version=4)
        minutes = chapter_times.reading_minutes(notebook)
        run = chapter_times._duration(
            results["full"]["seconds"][Path(doc).name + ".ipynb"]
        )
        assert (
            f"Reading about {minutes} min · runs in {run} on a CPU" in text
        ), f"card of {doc}: times"


# -- exercises numbered per chapter ----------------------------------------------------------------


@pytest.mark.parametrize(
    "docname",
    [doc for doc in CHAPTER_PAGES if "{exercise}" in _source(doc).read_text()],
)
def test_exercises_are_numbered_per_chapter(docname, site):
    text = (site / (docname + ".html")).read_text(encoding="utf-8")
    numbers = [
        (int(a), int(b))
        for a, b in re.findall(
            r'<span class="caption-number">Exercise (\d+)\.(\d+)', text
        )
    ]
    chapter = int(Path(docname).name.split("_")[0])
    titles = sorted(set(numbers))
    assert titles and titles == [
        (chapter, k) for k in range(1, len(titles) + 1)
    ], (
        f"{docname}: exercises numbered {titles}, expected {chapter}.1, {chapter}.2, ..."
    )


# -- the student edition shows what a student sees -------------------------------------------------


def _page_text(path):
    text = re.sub(
        r"<(script|style)\b.*?</\1>",
        " ",
        path.read_text(encoding="utf-8"),
        flags=re.S,
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _output_text(notebook):
    return "".join(
        "".join(out.get("text", ""))
        + "".join(out.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


@pytest.mark.parametrize(
    "docname",
    [
        doc
        for doc in NOTEBOOK_PAGES
        if "{exercise}" in _source(doc).read_text()
    ],
)
def test_the_student_page_is_the_student_notebook(docname, site, student_site):
    original = json.loads(_source(docname).read_text(encoding="utf-8"))
    student = student_notebooks.student_notebook(original, f"{docname}.ipynb")
    text = _page_text(student_site / (docname + ".html"))
    squeezed = re.sub(r"\s+", "", text)
    stubs = [
        cell.source
        for cell in student.cells
        if cell.metadata.get(student_notebooks.METADATA_KEY, {}).get("role")
        == "answer"
    ]
    for stub in stubs:
        for line in stub.splitlines():
            if "raise NotImplementedError" in line:
                assert re.sub(r"\s+", "", line) in squeezed, (
                    f"student {docname}.html lacks the stub line {line!r}"
                )
    ticks = _output_text(student).count(
        "✓"
    )  # the ✓ lines of outputs; the text may speak of ✓ too
    in_sources = sum(cell.source.count("✓") for cell in student.cells)
    assert text.count("✓") == ticks + in_sources, (
        f"student {docname}.html shows {text.count('✓') - in_sources} ✓ outputs; the student notebook has {ticks}"
    )
    assert _page_text(site / (docname + ".html")).count("✓") >= ticks
    leftover = student_notebooks.LEFTOVER_WORDING.search(text)
    assert leftover is None, (
        f"student {docname}.html speaks of a solution it does not show: {leftover.group(0)!r}"
    )
