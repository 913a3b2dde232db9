"""The frame around every page: renders, labels synthetic data, explains a missing warehouse, speaks zh/en."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_fixtures import APP, PAGES, page


def test_missing_warehouse_says_how_to_build_one(data_dir):
    at = AppTest.from_file(APP).run(timeout=30)
    assert not at.exception
    assert any("storewatch etl demo" in w.value for w in at.warning)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.usefixtures("dashboard_env")
def test_every_page_renders_with_banner_and_provenance(name):
    at = AppTest.from_file(APP)
    at.switch_page(page(name)).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    assert any("SYNTHETIC" in e.value for e in at.error)
    footer = at.main.caption[-1].value
    assert "As of 2026-" in footer
    assert "Synthetic demo marketplace" in footer


@pytest.mark.usefixtures("dashboard_env")
def test_language_follows_the_browser():
    at = AppTest.from_file(APP)
    at.context["locale"] = "zh-CN"
    at.run(timeout=60)
    assert not at.exception
    assert at.title[0].value == "总览"
    assert at.query_params["lang"] == "zh"


@pytest.mark.usefixtures("dashboard_env")
def test_language_in_the_url_wins_and_switches():
    at = AppTest.from_file(APP)
    at.context["locale"] = "en-US"
    at.query_params["lang"] = "zh"
    at.run(timeout=60)
    assert at.title[0].value == "总览"
    at.button_group(key="lang").set_value("en").run(timeout=60)
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == "en"


@pytest.mark.usefixtures("dashboard_env")
def test_a_language_is_always_chosen():
    at = AppTest.from_file(APP)
    at.query_params["lang"] = "xx"
    at.run(timeout=60)
    assert at.query_params["lang"] == "en"
    at.button_group(key="lang").set_value(None).run(timeout=60)
    assert not at.exception
    assert at.query_params["lang"] in ("en", "zh")
