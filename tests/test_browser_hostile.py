"""In Debian's Chromium: hostile store names on the store page, overview and funnel run nothing and show
as the literal text they are."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.support.browser import BROWSER_MARKS, wait_for_app
from tests.support.hostile_web import (
    AUTOLINKS,
    COLOUR,
    MARKDOWN,
    SCRIPT,
    STORE_NAMES,
    build_hostile_warehouse,
    store_id,
)
from tests.support.streamlit_server import serve_dashboard

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = build_hostile_warehouse(tmp_path_factory.mktemp("browser_hostile"))
    with serve_dashboard(data, tmp_path_factory.mktemp("log")) as url:
        yield url


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 2400})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))  # alert(1) would land here
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    return page, errors


def pwned(page) -> bool:
    return page.evaluate("() => window.__pwned !== undefined")


def test_store_page_shows_script_and_markdown_as_text(hostile_url, browser):
    page, errors = open_page(browser, f"{hostile_url}/store?lang=en&store={quote(store_id('h-script'))}")
    try:
        heading = page.locator("[data-testid='stMain'] h2").first
        heading.wait_for(timeout=30_000)
        assert heading.inner_text().strip() == STORE_NAMES["h-script"]  # the literal <script> text
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        main = page.inner_text("[data-testid='stMain']")
        assert f"{SCRIPT} {MARKDOWN} Holdings" in main  # the legal entity's name, as text
        assert not pwned(page)
    finally:
        page.close()
    assert not errors, errors


def test_markdown_name_is_not_rendered(hostile_url, browser):
    page, errors = open_page(browser, f"{hostile_url}/store?lang=en&store={quote(store_id('h-markdown'))}")
    try:
        heading = page.locator("[data-testid='stMain'] h2").first
        heading.wait_for(timeout=30_000)
        text = heading.inner_text().replace("\u2060", "")  # the page's invisible icon breaker
        assert MARKDOWN in text and COLOUR in text, text  # colour and :material/icon: syntax shown
        assert heading.locator("a, strong, .katex").count() == 0  # no link, bold or maths rendered
        assert not pwned(page)
    finally:
        page.close()
    assert not errors, errors


def test_overview_and_funnel_hovers_stay_inert(hostile_url, browser):
    page, errors = open_page(browser, f"{hostile_url}/?lang=en&funnel=tmall")
    try:
        funnel = page.locator(".js-plotly-plot").nth(1)
        funnel.locator(".scatterlayer .trace .points path").first.wait_for(timeout=30_000)
        legend = page.locator(".js-plotly-plot").first.locator(".legend").text_content()
        assert "<b>Evil</b>Mall**" in legend  # the hostile platform's name, tags shown not applied
        # every point's hover text, as Plotly will draw it: the tags stay literal
        texts = funnel.evaluate("el => el.data.filter(t => t.text).flatMap(t => Array.from(t.text))")
        assert any(t.startswith("&lt;script&gt;") for t in texts), texts[:5]
        points = funnel.locator(".scatterlayer .trace .points path")
        for index in range(min(points.count(), 40)):
            box = points.nth(index).bounding_box()
            if box:
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert not pwned(page)
        assert page.locator(".hoverlayer img, .js-plotly-plot img").count() == 0
    finally:
        page.close()
    assert not errors, errors


def links_from_data(page) -> list[str]:
    """Every link on the page that leaves the app: the app's own links are relative or same-origin."""
    hrefs = page.eval_on_selector_all(
        "[data-testid='stMain'] a, [data-testid='stSidebar'] a", "els => els.map(a => a.href)"
    )
    origin = page.evaluate("() => location.origin")
    return [href for href in hrefs if not href.startswith(origin)]


def shown_text(page, text: str) -> str:
    """The main column's text without the invisible link breakers, once it shows `text` (or after 30 s)."""
    script = "t => document.querySelector(\"[data-testid='stMain']\").innerText.replaceAll('\\u2060', '')"
    # on a time-out the caller's assertion shows what the page held instead
    with contextlib.suppress(Exception):
        page.wait_for_function(f"t => ({script})(t).includes(t)", arg=text, timeout=30_000)
    return page.inner_text("[data-testid='stMain']").replace("\u2060", "")


@pytest.mark.parametrize("text", AUTOLINKS)
def test_names_that_look_like_links_show_as_recorded(hostile_url, browser, text):
    key = next(key for key, name in STORE_NAMES.items() if name == text)
    page, errors = open_page(browser, f"{hostile_url}/store?lang=en&store={quote(store_id(key))}")
    try:
        heading = page.locator("[data-testid='stMain'] h2").first
        heading.wait_for(timeout=30_000)
        shown = heading.inner_text().replace("\u2060", "").strip()  # the invisible link breakers
        assert shown == text  # no backslash, no em dash, no bold
        assert heading.locator("a, strong, em").count() == 0, heading.inner_html()
        assert links_from_data(page) == []
    finally:
        page.close()
    assert not errors, errors


@pytest.mark.parametrize("text", AUTOLINKS)
def test_reflected_and_listed_values_show_as_recorded(hostile_url, browser, text):
    """A search's results (page links) and a store id that is not found both repeat the text as is."""
    for params in ({"q": text}, {"store": text}):
        query = "&".join(f"{name}={quote(value)}" for name, value in params.items())
        page, errors = open_page(browser, f"{hostile_url}/store?lang=en&{query}")
        try:
            main = shown_text(page, text)
            assert text in main, (params, main[:2000])
            assert links_from_data(page) == [], params
        finally:
            page.close()
        assert not errors, errors
