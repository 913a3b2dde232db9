"""Debian's headless Chromium for the browser tests: the marks every browser test module carries, one
browser per module, and the wait for a Streamlit page to finish its script."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# `pytestmark = BROWSER_MARKS` in every module that drives Chromium.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium not installed (scripts/ensure-chromium.sh)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wait_for_app(page) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=30_000)
    # the script has finished when the status widget stops showing "running"
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes the `browser` fixture without the browser mark would slip into the fast loop."""
    unmarked = [
        item.nodeid
        for item in items
        if "browser" in getattr(item, "fixturenames", ()) and item.get_closest_marker("browser") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests that drive Chromium must be marked browser (pytestmark = BROWSER_MARKS): "
            + ", ".join(unmarked)
        )
