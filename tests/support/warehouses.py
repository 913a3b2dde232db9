"""Real warehouses built through the production load path into temp dirs: a private data directory,
an empty warehouse, and the small planted demo shared by a test session.

Warehouses have names (<data dir>/warehouses/<name>/, etl/settings.py): the demo is built into
`demo`, what the readers (export, the dashboard) open when none is named; the empty `warehouse`
fixture is `main`, where the CLI loads imports and real sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.run import run_source
from etl.settings import warehouse_path
from etl.sources.demo import DemoConfig, DemoSource
from etl.warehouse import Warehouse

# Small enough to build in seconds, large enough for the planted effects to be measurable.
SMALL_DEMO = DemoConfig(complaints=120_000, seed=7)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory; settings read it from the environment."""
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STOREWATCH_VERSION_GRACE_SECONDS", "0")
    return tmp_path


def named(data_dir: Path, name: str) -> Path:
    """The directory of warehouse `name` in a data directory."""
    return warehouse_path(data_dir, name)


@pytest.fixture
def warehouse(data_dir: Path) -> Warehouse:
    return Warehouse(named(data_dir, "main"))


def build_demo(directory: Path, config: DemoConfig) -> Warehouse:
    """The demo built into warehouse `demo` of data directory `directory`."""
    warehouse = Warehouse(named(directory, "demo"))
    run_source(DemoSource(config), warehouse=warehouse)
    return warehouse


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The small planted demo, built once per test session; treat it as read-only."""
    return build_demo(tmp_path_factory.mktemp("demo"), SMALL_DEMO)
