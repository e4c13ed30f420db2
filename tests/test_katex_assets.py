"""tools/sphinx/katex_assets.py: KaTeX's stylesheet cut to woff2 fonts, and
the formulas KaTeX could not render found in a page's HTML (a build error)."""

from __future__ import annotations

import pytest
from site_helpers import ROOT, load_extension

pytest.importorskip("sphinx")

katex_assets = load_extension("katex_assets")

FACE = (
    "@font-face{{font-family:KaTeX_{0};src:url(fonts/KaTeX_{0}.woff2) "
    'format("woff2"),url(fonts/KaTeX_{0}.woff) format("woff"),'
    'url(fonts/KaTeX_{0}.ttf) format("truetype")}}'
)


def test_woff2_only_keeps_one_woff2_source_per_font():
    css = FACE.format("Main") + FACE.format("AMS") + ".katex{x:1}"
    out = katex_assets.woff2_only(css)
    assert out == (
        "@font-face{font-family:KaTeX_Main;src:url(fonts/KaTeX_Main.woff2) "
        'format("woff2")}@font-face{font-family:KaTeX_AMS;'
        'src:url(fonts/KaTeX_AMS.woff2) format("woff2")}.katex{x:1}'
    )


def test_woff2_only_refuses_a_stylesheet_it_does_not_know():
    # a font without woff2 would be left without any source
    with pytest.raises(ValueError, match="woff2"):
        katex_assets.woff2_only(
            '@font-face{src:url(fonts/A.woff) format("woff")}'
        )
    with pytest.raises(TypeError):
        katex_assets.woff2_only(b"css")


def test_the_installed_katex_stylesheet_is_cut_to_woff2():
    css = ROOT / "node_modules" / "katex" / "dist" / "katex.min.css"
    if not css.is_file():
        pytest.skip("node_modules/katex is not installed (npm ci)")
    out = katex_assets.woff2_only(css.read_text(encoding="utf-8"))
    assert out.count("@font-face") == out.count(".woff2)") > 10
    assert ".woff)" not in out and ".ttf)" not in out


def test_katex_errors_name_the_formula_and_the_message():
    body = (
        '<span class="katex"><span class="katex-mathml">x</span></span>'
        '<span class="katex-error" title="ParseError: KaTeX parse error: '
        'Undefined control sequence: \\foo" style="color:#cc0000">'
        "\\foo{x}</span>"
    )
    errors = katex_assets.katex_errors(body)
    assert len(errors) == 1
    assert "\\foo{x}" in errors[0] and "Undefined control" in errors[0]
    assert (
        katex_assets.katex_errors(body.split('<span class="katex-e')[0]) == []
    )
