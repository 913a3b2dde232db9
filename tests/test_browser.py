"""End to end in Debian's headless Chromium: every page shows its figure; screenshots to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import BROWSER_MARKS, wait_for_app
from tests.support.dashboard_fixtures import build_dashboard_warehouse
from tests.support.streamlit_server import ROOT, serve_dashboard

ARTIFACTS = ROOT / "tests" / "artifacts"
PLOT = ".js-plotly-plot .main-svg"
# page url path -> (query string, what must be visible)
PAGES = {
    "overview": ("", PLOT),
    "store": ("store=demo%3Am3", PLOT),
    "consistency": ("", PLOT),
    "resolution": ("by=category", PLOT),
    "downloads": ("table=complaints&platform=tmall", "[data-testid='stDataFrame']"),
    "methodology": ("", "[data-testid='stMain'] h1"),
}

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = build_dashboard_warehouse(tmp_path_factory.mktemp("browser"))
    with serve_dashboard(data, tmp_path_factory.mktemp("log")) as url:
        yield url


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_shows_its_figure(app_url, browser, name):
    query, selector = PAGES[name]
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 2600})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        path = "" if name == "overview" else name
        page.goto(f"{app_url}/{path}?lang=en&{query}", wait_until="domcontentloaded")
        wait_for_app(page)
        figure = page.locator(selector).first
        figure.wait_for(state="visible", timeout=30_000)
        assert figure.bounding_box()["height"] > (20 if name == "methodology" else 100)
        assert page.locator("[data-testid='stException']").count() == 0
        assert "SYNTHETIC" in page.inner_text("[data-testid='stMain']")
        if name == "downloads":  # Streamlit's own table CSV would bypass the extract code
            page.hover("[data-testid='stDataFrame']")
            page.locator("[data-testid='stElementToolbar']").first.wait_for(timeout=10_000)
            tools = page.eval_on_selector_all(
                "[data-testid='stElementToolbar'] button", "els => els.map(e => e.getAttribute('aria-label'))"
            )
            assert tools and not any("download" in (tool or "").lower() for tool in tools), tools
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        page.close()
    assert not errors, errors


def test_overview_is_readable_at_phone_width(app_url, browser):
    page = browser.new_page(viewport={"width": 390, "height": 2400})
    try:
        page.goto(f"{app_url}/?lang=zh", wait_until="domcontentloaded")
        wait_for_app(page)
        page.locator(PLOT).first.wait_for(state="visible", timeout=30_000)
        box = page.locator(".js-plotly-plot").first.bounding_box()
        assert box["width"] <= 390
        page.screenshot(path=str(ARTIFACTS / "overview-phone-zh.png"), full_page=True)
    finally:
        page.close()


def test_csv_download_through_the_browser(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        page.goto(f"{app_url}/downloads?lang=en&table=complaints&store=fixture%3Aformula-store")
        wait_for_app(page)
        page.get_by_text("3 rows match these filters.").wait_for(timeout=30_000)
        with page.expect_download(timeout=30_000) as info:
            page.get_by_role("button", name="Download CSV").click()
        path = info.value.path()
        text = Path(path).read_bytes().decode("utf-8-sig")
        lines = text.strip().splitlines()
        assert len(lines) == 4  # header and the three filtered rows
        assert all(",\"'=HYPERLINK(" in line for line in lines[1:])
    finally:
        page.close()


def test_clicking_a_funnel_point_opens_that_store(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 2400})
    try:
        page.goto(f"{app_url}/?lang=en", wait_until="domcontentloaded")
        wait_for_app(page)
        funnel = page.locator(".js-plotly-plot").nth(1)
        points = funnel.locator(".scatterlayer .trace .points path")
        points.first.wait_for(timeout=30_000)
        point = points.nth(points.count() - 1)
        point.scroll_into_view_if_needed()
        box = point.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url("**/store?store=*", timeout=30_000)
        page.locator("[data-testid='stMain'] h2").first.wait_for(timeout=30_000)
    finally:
        page.close()
