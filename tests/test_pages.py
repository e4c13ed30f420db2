"""The built website has no directive that failed to parse.

A MyST directive that does not parse (a backtick in an admonition's title, a fence closed too early)
is not an error of the build: its text lands on the page as raw "```{admonition} ..." or ":class:".
These checks read the HTML of every page of the built book (CVAE_SITE_DIR, or _build/html after
`jupyter-book build .`); without a build they are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").strip().lower() not in {
    "",
    "0",
    "false",
    "no",
}
RAW_DIRECTIVE = re.compile(
    r"```\s*\{[\w-]+\}|^\s*:(class|label|nonumber|dropdown):", re.MULTILINE
)
TAGS = re.compile(r"<[^>]+>")

pytestmark = pytest.mark.site


def site_dir() -> Path | None:
    folder = Path(os.environ.get("CVAE_SITE_DIR") or ROOT / "_build" / "html")
    return folder if (folder / "index.html").is_file() else None


def pages():
    folder = site_dir()
    if folder is None:
        return []
    return sorted(
        p
        for p in folder.rglob("*.html")
        if "_static" not in p.parts
        and p.name not in {"search.html", "genindex.html"}
    )


def raw_directives(page_html: str) -> list[str]:
    text = html.unescape(TAGS.sub("", page_html))
    return [m.group(0).strip() for m in RAW_DIRECTIVE.finditer(text)]


def test_a_site_was_built_when_ci_runs():
    if site_dir() is None:
        if IN_CI:
            pytest.fail(
                "no built site: CI builds the book before the tests (CVAE_SITE_DIR)"
            )
        pytest.skip("no built site; run `jupyter-book build .` first")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_no_directive_is_left_unparsed_on_the_page(page):
    found = raw_directives(page.read_text(encoding="utf-8"))
    assert not found, (
        f"{page.name}: directive text on the page (did not parse): {found[:5]}"
    )


def test_the_check_finds_an_unparsed_admonition_and_accepts_a_parsed_one():
    broken = "<p>```{admonition} Why this recipe: Adam, `fit`\n:class: note\nText</p>"
    assert raw_directives(broken) == ["```{admonition}", ":class:"]
    parsed = '<div class="admonition note"><p class="admonition-title">Why</p><p>Text with `code`</p></div>'
    assert raw_directives(parsed) == []
