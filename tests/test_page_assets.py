"""Light pages (GUIDE section 8): tools/sphinx/page_assets.py moves inline
images to files and cuts the Font Awesome fonts to the icons the site uses.

Unit tests of its functions, a small Sphinx build that runs its hook with
Sphinx's own ``pathto``, and checks of the built site (both editions).
"""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_helpers import ROOT, load_extension

pytest_plugins = ["site_helpers"]

# the extension imports Sphinx, which the lowest-versions environment of CI
# (unit tests only) does not install
pytest.importorskip("sphinx")

page_assets = load_extension("page_assets")

# a 1x1 PNG (under the inline threshold), and 2 KB of bytes (over it: the
# extension moves bytes by their MIME type in the URI, it does not parse them)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
BIG = PNG + bytes(range(256)) * 8  # 2 KB: over the inline threshold


def uri(data: bytes, mime: str = "png") -> str:
    return f"data:image/{mime};base64," + base64.b64encode(data).decode()


def url_from_chapters(name):
    return f"../_images/{name}"


# -- data URIs to files -------------------------------------------------------


def test_a_data_uri_in_an_attribute_becomes_a_file(tmp_path):
    html = f'<p>x</p><img alt="a" src="{uri(BIG)}" width="2">'
    out = page_assets.data_uris_to_files(
        html, tmp_path / "_images", url_from_chapters
    )
    (name,) = re.findall(r'src="\.\./_images/([^"]+)"', out)
    assert (tmp_path / "_images" / name).read_bytes() == BIG
    assert name.endswith(".png") and "data:" not in out
    assert out.startswith('<p>x</p><img alt="a" src=') and 'width="2">' in out


def test_data_uris_in_a_script_array_become_files_and_same_bytes_one_file(
    tmp_path,
):
    other = BIG + b"!"
    script = (
        "<script>const frames = "
        f'["{uri(BIG, "webp")}", "{uri(other, "webp")}", '
        f'"{uri(BIG, "webp")}"];</script>'
    )
    out = page_assets.data_uris_to_files(script, tmp_path, url_from_chapters)
    names = re.findall(r'"\.\./_images/([^"]+\.webp)"', out)
    assert len(names) == 3 and names[0] == names[2] != names[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(names))
    assert (tmp_path / names[1]).read_bytes() == other
    assert out.startswith("<script>const frames = [") and out.endswith(
        "];</script>"
    )


def test_json_escaped_slashes_are_decoded(tmp_path):
    data = bytes([0xFF, 0xFF, 0xFE]) * 700  # base64 full of "/"
    escaped = uri(data, "gif").replace("/", "\\/")
    out = page_assets.data_uris_to_files(
        f'["{escaped}"]', tmp_path, url_from_chapters
    )
    (name,) = re.findall(r"_images/([^\"]+)", out)
    assert (tmp_path / name).read_bytes() == data


def test_a_file_that_exists_is_not_written_again(tmp_path):
    page_assets.data_uris_to_files(uri(BIG), tmp_path, url_from_chapters)
    (path,) = tmp_path.iterdir()
    path.write_bytes(b"kept")  # would be overwritten by a second write
    page_assets.data_uris_to_files(uri(BIG), tmp_path, url_from_chapters)
    assert path.read_bytes() == b"kept"


def test_small_data_uris_and_other_text_stay(tmp_path):
    html = (
        f'<img src="{uri(PNG)}"><a href="data:text/plain;base64,QUJD">t</a>'
        "<p>data:image/png;base64, in prose</p>"
    )
    folder = tmp_path / "_images"
    out = page_assets.data_uris_to_files(html, folder, url_from_chapters)
    assert out == html
    assert not folder.exists()


def test_names_are_the_hash_of_the_bytes():
    assert page_assets.asset_name(BIG, "png") == page_assets.asset_name(
        bytes(BIG), "png"
    )
    assert page_assets.asset_name(BIG, "png") != page_assets.asset_name(
        BIG + b"x", "png"
    )
    with pytest.raises(ValueError, match="extension"):
        page_assets.asset_name(BIG, "svg")
    with pytest.raises(TypeError, match="bytes"):
        page_assets.asset_name("text", "png")


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(TypeError, match="html"):
        page_assets.data_uris_to_files(b"x", tmp_path, url_from_chapters)
    with pytest.raises(TypeError, match="callable"):
        page_assets.data_uris_to_files("x", tmp_path, "../_images/")
    with pytest.raises(ValueError, match="min_bytes"):
        page_assets.data_uris_to_files("x", tmp_path, str, min_bytes=-1)


def test_the_hook_gives_urls_relative_to_pages_in_subfolders(tmp_path):
    """A real (small) Sphinx build: the hook's URLs come from Sphinx's
    pathto, so a page in chapters/ points to ../_images/."""
    from sphinx.cmd.build import build_main

    source = tmp_path / "src"
    (source / "chapters").mkdir(parents=True)
    (source / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tools' / 'sphinx')!r})\n"
        "extensions = ['page_assets']\n"
    )
    raw = f'.. raw:: html\n\n   <img alt="x" src="{uri(BIG)}">\n'
    (source / "index.rst").write_text(
        "Home\n====\n\n" + raw + "\n.. toctree::\n\n   chapters/one\n"
    )
    (source / "chapters" / "one.rst").write_text("One\n===\n\n" + raw)
    out = tmp_path / "html"
    assert build_main(["-q", "-b", "html", str(source), str(out)]) == 0
    name = page_assets.asset_name(BIG, "png")
    assert (out / "_images" / name).read_bytes() == BIG
    assert f'src="_images/{name}"' in (out / "index.html").read_text()
    assert (
        f'src="../_images/{name}"'
        in (out / "chapters" / "one.html").read_text()
    )


# -- icon code points ---------------------------------------------------------

CSS = (
    '.fa-0:before{content:"\\30 "}'
    '.fa-check-circle:before,.fa-circle-check:before{content:"\\f058"}'
    '.fa-github:before{content:"\\f09b"}'
    '.fa-xmark:before{content:"\\f00d"}'
    ':root{--pst-icon-bell:"\uf0f3";--pst-icon-x:"\\f105"}'
    '.onthispage:after{content:"\\f107";font-family:Font Awesome\\ 6 Free}'
    'a:after{content:"see also"}'
)


def test_code_points_of_the_used_classes_and_of_the_css_itself():
    used = {"fa-circle-check", "fa-github", "fa-solid", "fa-2x"}
    assert page_assets.icon_code_points(CSS, used) == {
        0xF058,
        0xF09B,  # the classes used
        0xF0F3,
        0xF105,
        0xF107,  # what the stylesheet shows itself
    }


def test_an_icon_class_not_used_gives_no_code_point():
    assert 0xF00D not in page_assets.icon_code_points(CSS, {"fa-github"})
    assert ord("0") in page_assets.icon_code_points(CSS, {"fa-0"})


def test_used_classes_are_found_in_html_and_scripts():
    text = (
        '<i class="fa-brands fa-github"></i>'
        'btn.innerHTML = "<i class=\\"fa-solid fa-circle-half-stroke\\">";'
        "no-fa-here, sofa-bed"
    )
    assert page_assets.used_icon_classes(text) == {
        "fa-brands",
        "fa-github",
        "fa-solid",
        "fa-circle-half-stroke",
    }
    with pytest.raises(TypeError):
        page_assets.used_icon_classes(None)
    with pytest.raises(TypeError):
        page_assets.icon_code_points(None, set())


# -- the built site -----------------------------------------------------------

FONT_BUDGET = 20_000  # bytes per subset woff2 (the full ones: 25-157 KB)
_URL = re.compile(r"""(?:src|href)="([^"]+)"|["'](\.?\.?/?_images/[^"']+)""")


def _pages(site: Path):
    return sorted(site.rglob("*.html"))


def _theme_css(site: Path) -> str:
    return (site / "_static" / "styles" / "pydata-sphinx-theme.css").read_text(
        encoding="utf-8"
    )


@pytest.fixture(scope="module", params=["site", "student_site"])
def built(request):
    return request.getfixturevalue(request.param)


@pytest.mark.site
def test_no_page_has_a_large_data_uri(built):
    found = []
    for page in _pages(built):
        for match in re.finditer(
            r"data:image/[a-z+]+;base64,[A-Za-z0-9+/\\=]+",
            page.read_text(encoding="utf-8"),
        ):
            if len(match.group(0)) >= page_assets.MIN_BYTES:
                name = page.relative_to(built).as_posix()
                found.append((name, len(match.group(0))))
    assert not found


@pytest.mark.site
def test_every_image_a_page_references_exists(built):
    missing, seen = [], 0
    for page in _pages(built):
        for match in _URL.finditer(page.read_text(encoding="utf-8")):
            url = match.group(1) or match.group(2)
            path = unquote(urlsplit(url).path)
            if "_images/" not in path or urlsplit(url).netloc:
                continue
            seen += 1
            if not (page.parent / path).resolve().is_file():
                missing.append((page.relative_to(built).as_posix(), url))
    assert seen, "no page references _images/: the pattern is wrong"
    assert not missing


@pytest.mark.site
def test_the_animation_frames_are_files(built):
    page = built / "chapters" / "04_vae.html"
    if not page.exists():
        pytest.skip("no chapter 04 in this build")
    (frames,) = re.findall(
        r"frames = (\[[^\]]*\])", page.read_text(encoding="utf-8")
    )
    files = re.findall(r'"\.\./_images/(data-[0-9a-f]+\.webp)"', frames)
    assert len(files) >= 2
    assert all((built / "_images" / name).is_file() for name in files)


@pytest.mark.site
def test_icon_fonts_are_small_and_hold_every_icon_the_pages_use(built):
    from fontTools.ttLib import TTFont

    used = set()
    for page in _pages(built):
        used |= page_assets.used_icon_classes(page.read_text("utf-8"))
    needed = page_assets.icon_code_points(_theme_css(built), used)
    assert {0xF09B, 0xF185} <= needed  # github (header), sun (theme switch)
    fonts = sorted((built / page_assets.FONT_FOLDER).glob("*.woff2"))
    assert len(fonts) == 3
    cmaps = {}
    for font in fonts:
        assert font.stat().st_size < FONT_BUDGET, font.name
        cmaps[font.name] = set(TTFont(font).getBestCmap())
    shown = set().union(*cmaps.values())
    assert needed <= shown, sorted(map(hex, needed - shown))
    assert 0xF09B in cmaps["fa-brands-400.woff2"]
    assert len(shown) < 100, "the fonts were not subset"


@pytest.mark.parametrize("missing", ["brotli", "fontTools"])
def test_the_build_stops_with_a_clear_sentence_without_font_tools(
    missing, monkeypatch
):
    from sphinx.errors import ExtensionError

    monkeypatch.setitem(sys.modules, missing, None)
    if missing == "fontTools":
        monkeypatch.setitem(sys.modules, "fontTools.subset", None)
    with pytest.raises(ExtensionError, match="fontTools and brotli"):
        page_assets._require_font_tools()
