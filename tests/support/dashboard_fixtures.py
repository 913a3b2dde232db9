"""A small dashboard warehouse: the demo marketplace plus a planted store whose name looks like a formula."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import db
from dashboard.pages import APP_SCRIPT, PAGE_SLUGS, script
from etl.run import run_source
from etl.sources.demo import DemoConfig
from tests.support.records_source import RecordsSource
from tests.support.warehouses import build_demo

APP = str(APP_SCRIPT)
PAGES = PAGE_SLUGS
DASHBOARD_DEMO = DemoConfig(complaints=3_000, seed=11)

# Spreadsheets run a cell starting with = as a formula; the extract must neutralise it.
FORMULA_STORE = '=HYPERLINK("http://evil.invalid","click")'
PLANTED_STORES = [
    {"id": "formula-store", "name": FORMULA_STORE, "platform": "tmall"},
    {"id": "plain-store", "name": "Plain Fixture Store", "platform": "tmall"},
]
PLANTED_COMPLAINTS = [
    {
        "id": f"fc{i}",
        "store": "formula-store",
        "filed": f"2026-03-0{i + 1}T10:00:00",
        "platform": "tmall",
    }
    for i in range(3)
] + [
    {
        "id": "pc0",
        "store": "plain-store",
        "filed": "2026-03-05T10:00:00",
        "closed": "2026-03-06T10:00:00",
        "platform": "tmall",
    }
]


page = script  # the page script's path, as AppTest.switch_page takes it


def build_dashboard_warehouse(directory: Path) -> Path:
    warehouse = build_demo(directory, DASHBOARD_DEMO)
    run_source(RecordsSource(PLANTED_STORES, PLANTED_COMPLAINTS), warehouse=warehouse)
    return directory


@pytest.fixture(scope="module")
def dashboard_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per test module; treat as read-only."""
    return build_dashboard_warehouse(tmp_path_factory.mktemp("dashboard"))


@pytest.fixture
def dashboard_env(dashboard_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(dashboard_data))
    db.clear_caches()
    return dashboard_data
