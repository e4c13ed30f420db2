"""The live widgets in a real browser: the page computes what Keras computes.

A page with the four widgets (explorer and drawing pad, of a tiny untrained VAE
and CVAE) is served with the site's ``_static/live-models.js`` and
``live-models.css`` and the models exported by ``export_web_model``; headless
Chromium (the fixtures of tests/site_helpers.py) moves the pointer, taps and
draws, and the page's decoded images and encoder outputs are compared with the
package's Keras networks loaded with the same exported weights.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from site_helpers import ROOT, TIMEOUT_MS, serve
from test_accessibility import axe_source, axe_violations, serious  # noqa: F401 (a fixture)

pytestmark = pytest.mark.site
pytest_plugins = ["site_helpers"]

EXTENT = 2.5
NAMES = ["zero", "one", "two"]
SCREENSHOTS = Path(
    os.environ.get("CVAE_SCREENSHOT_DIR", ROOT / "artifacts" / "screenshots")
)
TOLERANCE = 2e-5  # float32 rounding between JavaScript's float64 sums and Keras' float32

WAIT_READY_JS = """el => new Promise(resolve => {
  const start = Date.now();
  const poll = () => (el.dataset.state === "ready" || el.dataset.state === "error" ||
    Date.now() - start > 60000) ? resolve(el.dataset.state) : setTimeout(poll, 50);
  poll();
})"""

STATE_JS = (
    "el => el.cvaeState ? JSON.parse(JSON.stringify(el.cvaeState)) : null"
)

CANVAS_JS = """canvas => Array.from(canvas.getContext("2d").getImageData(0, 0, 28, 28).data)
  .filter((v, i) => i % 4 === 0)"""


@pytest.fixture(scope="module")
def live_page(tmp_path_factory):
    """A page with an explorer and a drawing pad of a tiny VAE and of a tiny
    CVAE."""
    import keras

    from cvae_utils import (
        CVAE,
        VAE,
        draw_digit,
        export_web_model,
        latent_explorer,
        load_web_model,
    )

    folder = tmp_path_factory.mktemp("live")
    static = folder / "_static"
    static.mkdir()
    for name in ("live-models.js", "live-models.css"):
        shutil.copy(ROOT / "_static" / name, static / name)
    keras.utils.set_random_seed(0)
    vae, cvae = VAE(latent_dim=2), CVAE(latent_dim=2, num_classes=3)
    export_web_model(vae, "vae", static / "models" / "vae")
    export_web_model(
        cvae, "cvae", static / "models" / "cvae", label_names=NAMES
    )
    rng = np.random.default_rng(0)
    codes, labels = rng.normal(size=(300, 2)), np.arange(300) % 3
    parts = [
        latent_explorer(
            vae,
            "vae",
            NAMES,
            codes=codes,
            labels=labels,
            extent=EXTENT,
            title="VAE explorer",
        ).data,
        latent_explorer(
            cvae, "cvae", NAMES, codes=codes, labels=labels, extent=EXTENT
        ).data,
        draw_digit(vae, "vae", extent=EXTENT, title="Draw for the VAE").data,
        draw_digit(cvae, "cvae", NAMES, extent=EXTENT).data,
    ]
    (folder / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Live models</title>"
        "<link rel='icon' href='data:,'><link rel='stylesheet' href='_static/live-models.css'>"
        "<script defer src='_static/live-models.js'></script></head><body><main>"
        + "\n".join(parts)
        + "</main></body></html>"
    )
    with serve(folder) as url:
        yield {
            "url": url + "index.html",
            "vae": load_web_model(static / "models" / "vae"),
            "cvae": load_web_model(static / "models" / "cvae"),
        }


def keras_decode(web, z, label=None):
    import keras

    z = np.asarray(z, "float32")[None]
    inputs = (
        z
        if label is None
        else [z, np.eye(web.manifest["num_classes"], dtype="float32")[[label]]]
    )
    logits = web.decoder.predict(inputs, verbose=0)
    return keras.ops.convert_to_numpy(keras.ops.sigmoid(logits)).reshape(-1)


def keras_encode(web, pixels, label=None):
    x = np.asarray(pixels, "float32").reshape(1, 28, 28, 1)
    inputs = (
        x
        if label is None
        else [x, np.eye(web.manifest["num_classes"], dtype="float32")[[label]]]
    )
    mean, log_var = web.encoder.predict(inputs, verbose=0)
    return mean[0], log_var[0]


SET_UP_JS = "el => !!el.dataset.state"


def widget(page, kind, k):
    """The k-th widget of a kind, scrolled into view and so set up (the
    script builds a widget only when it comes near the viewport)."""
    root = page.locator(f'.cvae-live[data-kind="{kind}"]').nth(k)
    root.scroll_into_view_if_needed()
    page.wait_for_function(SET_UP_JS, arg=root.element_handle())
    return root


def point(page, target, fx, fy):
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    page.mouse.move(
        box["x"] + fx * box["width"], box["y"] + fy * box["height"]
    )


def stroke(page, pad, points, touch=None):
    """Draw through points given as fractions of the pad, with the mouse or a
    touch session."""
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    xy = [
        (box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        for fx, fy in points
    ]
    if touch is None:
        page.mouse.move(*xy[0])
        page.mouse.down()
        for x, y in xy[1:]:
            page.mouse.move(x, y, steps=4)
        page.mouse.up()
        return
    for k, (x, y) in enumerate(xy):
        kind = "touchStart" if k == 0 else "touchMove"
        touch.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": [{"x": x, "y": y}]},
        )
    touch.send(
        "Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []}
    )


def test_models_load_on_first_touch_not_with_the_page(live_page, open_page):
    visit = open_page(live_page["url"])
    page = visit.page
    fetched = lambda: page.evaluate(  # noqa: E731
        "() => performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/models/'))"
    )
    for kind in ("explorer", "draw"):
        for k in (0, 1):
            widget(page, kind, k)
    assert page.locator(".cvae-live.cvae-live-on").count() == 4, (
        "the script did not take over"
    )
    assert not page.locator(".cvae-live-fallback").first.is_visible(), (
        "the static figure stays hidden"
    )
    assert fetched() == [], "models are fetched before any interaction"
    explorer = widget(page, "explorer", 0)
    point(page, explorer.locator("canvas.cvae-live-plane"), 0.5, 0.5)
    assert explorer.evaluate(WAIT_READY_JS) == "ready"
    assert sorted(u.rsplit("/", 1)[1] for u in fetched()) == [
        "decoder.bin",
        "encoder.bin",
        "manifest.json",
    ]
    assert not visit.errors + visit.failed + visit.external


@pytest.mark.parametrize(
    "fx, fy", [(0.5, 0.5), (0.1, 0.2), (0.9, 0.7), (0.3, 0.95)]
)
def test_explorer_decodes_the_pointed_point_like_keras(
    fx, fy, live_page, open_page
):
    page = open_page(live_page["url"]).page
    explorer = widget(page, "explorer", 0)
    plane = explorer.locator("canvas.cvae-live-plane")
    point(page, plane, 0.5, 0.5)
    assert explorer.evaluate(WAIT_READY_JS) == "ready"
    point(page, plane, fx, fy)
    state = explorer.evaluate(STATE_JS)
    assert np.allclose(
        state["z"],
        [-EXTENT + 2 * EXTENT * fx, EXTENT - 2 * EXTENT * fy],
        atol=0.05,
    )
    expected = keras_decode(live_page["vae"], state["z"])
    assert np.abs(np.array(state["probs"]) - expected).max() < TOLERANCE
    shown = np.array(
        explorer.locator("canvas.cvae-live-digit").evaluate(CANVAS_JS)
    )
    assert np.abs(shown - np.rint(255 * (1 - expected))).max() <= 1, (
        "the canvas shows another image"
    )
    readout = explorer.locator(".cvae-live-readout").inner_text()
    assert readout == f"z = ({state['z'][0]:.2f}, {state['z'][1]:.2f})"


def test_cvae_menu_decodes_the_same_point_as_another_digit(
    live_page, open_page
):
    page = open_page(live_page["url"]).page
    explorer = widget(page, "explorer", 1)
    plane = explorer.locator("canvas.cvae-live-plane")
    point(page, plane, 0.3, 0.6)
    assert explorer.evaluate(WAIT_READY_JS) == "ready"
    point(page, plane, 0.7, 0.4)
    before = explorer.evaluate(STATE_JS)
    explorer.locator("select.cvae-live-label").select_option("2")
    after = explorer.evaluate(STATE_JS)
    assert after["label"] == 2 and after["z"] == before["z"]
    for state in (before, after):
        expected = keras_decode(live_page["cvae"], state["z"], state["label"])
        assert np.abs(np.array(state["probs"]) - expected).max() < TOLERANCE
    assert not np.allclose(before["probs"], after["probs"]), (
        "the label must change the image"
    )
    assert (
        explorer.locator(".cvae-live-readout")
        .inner_text()
        .endswith("digit two")
    )


def test_explorer_arrow_keys(live_page, open_page):
    page = open_page(live_page["url"]).page
    explorer = widget(page, "explorer", 0)
    explorer.locator("canvas.cvae-live-plane").focus()
    assert explorer.evaluate(WAIT_READY_JS) == "ready", (
        "focus alone must load the model"
    )
    for key in ("ArrowRight", "ArrowRight", "ArrowUp"):
        page.keyboard.press(key)
    state = explorer.evaluate(STATE_JS)
    assert np.allclose(state["z"], [2 * EXTENT / 20, EXTENT / 20])
    assert (
        np.abs(
            np.array(state["probs"])
            - keras_decode(live_page["vae"], state["z"])
        ).max()
        < TOLERANCE
    )


def check_drawing(state, web, conditional):
    """The page's encoder, reconstruction and (CVAE) every-digit outputs equal
    Keras'."""
    pixels = np.array(state["pixels"])
    assert 10 < (pixels > 0.5).sum() < 400, (
        "the stroke did not ink a plausible number of pixels"
    )
    label = state["label"] if conditional else None
    mean, log_var = keras_encode(web, pixels, label)
    assert np.abs(np.array(state["mean"]) - mean).max() < 1e-4
    assert np.abs(np.array(state["logVar"]) - log_var).max() < 1e-4
    assert (
        np.abs(
            np.array(state["probs"]) - keras_decode(web, state["mean"], label)
        ).max()
        < TOLERANCE
    )
    if conditional:
        assert len(state["all"]) == web.manifest["num_classes"]
        for k, probs in enumerate(state["all"]):
            assert (
                np.abs(
                    np.array(probs) - keras_decode(web, state["mean"], k)
                ).max()
                < TOLERANCE
            )


SEVEN = [(0.25, 0.25), (0.7, 0.25), (0.5, 0.55), (0.4, 0.8)]


@pytest.mark.parametrize("k, model", [(0, "vae"), (1, "cvae")])
def test_drawing_is_encoded_like_keras(k, model, live_page, open_page):
    page = open_page(live_page["url"]).page
    pad_widget = widget(page, "draw", k)
    if model == "cvae":
        pad_widget.locator("select.cvae-live-label").select_option("1")
    pad = pad_widget.locator("canvas.cvae-live-pad")
    point(page, pad, 0.5, 0.5)
    assert pad_widget.evaluate(WAIT_READY_JS) == "ready"
    stroke(page, pad, SEVEN)
    page.wait_for_function(
        "el => el.cvaeState", arg=pad_widget.element_handle()
    )
    state = pad_widget.evaluate(STATE_JS)
    check_drawing(state, live_page[model], model == "cvae")
    assert state["label"] == (1 if model == "cvae" else 0)
    assert "mean (" in pad_widget.locator(".cvae-live-readout").inner_text()
    pad_widget.locator("button.cvae-live-clear").click()
    page.wait_for_function(
        "el => !el.cvaeState", arg=pad_widget.element_handle()
    )
    assert (
        pad_widget.locator(".cvae-live-readout").inner_text() == "draw a digit"
    )


def test_drawing_with_the_keyboard(live_page, open_page):
    page = open_page(live_page["url"]).page
    pad_widget = widget(page, "draw", 0)
    pad_widget.locator("canvas.cvae-live-pad").focus()
    assert pad_widget.evaluate(WAIT_READY_JS) == "ready"
    page.keyboard.press("Space")
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "el => el.cvaeState", arg=pad_widget.element_handle()
    )
    state = pad_widget.evaluate(STATE_JS)
    pixels = np.array(state["pixels"]).reshape(28, 28)
    assert pixels[14:21, 14].min() == 1 and pixels[14:21, 16:].max() == 0, (
        "a vertical line at column 14"
    )
    check_drawing(state, live_page["vae"], False)


def test_touch_draws_on_a_phone(live_page, browser):
    """A 390-px phone with a touch screen: tapping loads the model, a finger
    draws."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(live_page["url"], wait_until="load")
        assert (
            page.evaluate("() => document.documentElement.scrollWidth") <= 390
        ), "the widgets make the phone page scroll sideways"
        explorer = widget(page, "explorer", 1)
        plane = explorer.locator("canvas.cvae-live-plane")
        plane.scroll_into_view_if_needed()
        plane.tap()
        assert explorer.evaluate(WAIT_READY_JS) == "ready"
        image_box = explorer.locator("canvas.cvae-live-digit").bounding_box()
        plane_box = plane.bounding_box()
        assert image_box["y"] < plane_box["y"] + plane_box["height"] / 2, (
            "the decoded digit must sit beside the plane, not below it"
        )
        pad_widget = widget(page, "draw", 1)
        pad = pad_widget.locator("canvas.cvae-live-pad")
        pad.scroll_into_view_if_needed()
        pad.tap()
        assert pad_widget.evaluate(WAIT_READY_JS) == "ready"
        pad_widget.locator("button.cvae-live-clear").tap()
        session = context.new_cdp_session(page)
        stroke(page, pad, SEVEN, touch=session)
        page.wait_for_function(
            "el => el.cvaeState", arg=pad_widget.element_handle()
        )
        check_drawing(pad_widget.evaluate(STATE_JS), live_page["cvae"], True)
        SCREENSHOTS.joinpath("live").mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOTS / "live" / "phone-390.png"), full_page=True
        )
        assert not errors
    finally:
        context.close()


def test_without_javascript_the_static_figure_says_why(live_page, browser):
    from cvae_utils.plots.explorer import WHY

    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_page["url"], wait_until="load")
        roots = page.locator(".cvae-live")
        fallback = roots.nth(0).locator(".cvae-live-fallback")
        assert (
            fallback.locator("img").is_visible()
            and WHY in fallback.inner_text()
        )
        assert page.locator(
            '.cvae-live[data-kind="draw"] .cvae-live-fallback'
        ).first.is_visible()
    finally:
        context.close()


def test_widgets_have_no_serious_accessibility_violation(
    live_page,
    open_page,
    axe_source,  # noqa: F811 (the fixture)
):
    visit = open_page(live_page["url"])
    page = visit.page
    for kind, k in (
        ("explorer", 0),
        ("explorer", 1),
        ("draw", 0),
        ("draw", 1),
    ):
        target = widget(page, kind, k).locator("canvas").first
        target.focus()
        assert widget(page, kind, k).evaluate(WAIT_READY_JS) == "ready"
    stroke(
        page, widget(page, "draw", 1).locator("canvas.cvae-live-pad"), SEVEN
    )
    found = serious(axe_violations(page, axe_source))
    assert not found, "\n".join(map(str, found))
    page.set_viewport_size({"width": 1280, "height": 900})
    SCREENSHOTS.joinpath("live").mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / "live" / "laptop-1280.png"), full_page=True
    )


def test_widgets_far_below_are_set_up_only_when_scrolled_near(
    live_page, browser
):
    def far_below(route):
        """The test page with 3,000 px of text before its last widget."""
        html = route.fetch().text()
        cut = html.rindex('<div class="cvae-live"')
        spacer = '<div style="height: 3000px">text</div>'
        route.fulfill(body=html[:cut] + spacer + html[cut:])

    context = browser.new_context(viewport={"width": 1280, "height": 600})
    try:
        page = context.new_page()
        page.route("**/index.html", far_below)
        page.goto(live_page["url"], wait_until="load")
        roots = page.locator(".cvae-live")
        first, last = roots.first, roots.nth(roots.count() - 1)
        page.wait_for_function(SET_UP_JS, arg=first.element_handle())
        page.wait_for_timeout(500)
        assert not last.evaluate(SET_UP_JS), "set up before it is near"
        assert not last.locator("canvas").count()
        last.scroll_into_view_if_needed()
        page.wait_for_function(SET_UP_JS, arg=last.element_handle())
        assert last.locator("canvas.cvae-live-pad").count() == 1
    finally:
        context.close()


def exercise_live_widgets(page):
    """On a built page: each explorer decodes two far-apart points into
    different images."""
    problems = []
    explorers = page.locator('.cvae-live[data-kind="explorer"]')
    for k in range(explorers.count()):
        explorer = explorers.nth(k)
        explorer.scroll_into_view_if_needed()  # set up when near the view
        plane = explorer.locator("canvas.cvae-live-plane")
        plane.scroll_into_view_if_needed()
        point(page, plane, 0.5, 0.5)
        if explorer.evaluate(WAIT_READY_JS) != "ready":
            problems.append(f"explorer {k}: its model did not load")
            continue
        shown = []
        for fx, fy in ((0.15, 0.2), (0.85, 0.8)):
            point(page, plane, fx, fy)
            shown.append(explorer.evaluate(STATE_JS)["probs"])
        if np.allclose(shown[0], shown[1]):
            problems.append(
                f"explorer {k}: the image did not change between two far-apart points"
            )
    return problems
