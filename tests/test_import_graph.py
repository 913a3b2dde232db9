"""The layers import one way: bench -> dashboard -> etl. The ETL never needs the dashboard or the
benchmark, and the dashboard never needs the benchmark; each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dashboard.pages import APP_SCRIPT, PAGE_SLUGS

PROJECT_PACKAGES = ("bench", "dashboard", "etl")

SERVE_EVERY_PAGE = """
from streamlit.testing.v1 import AppTest
from dashboard.pages import script
for slug in {slugs!r}:
    at = AppTest.from_file({app!r}, default_timeout=120)
    at.switch_page(script(slug)).run()
    assert not at.exception, (slug, at.exception)
"""


def packages_loaded(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The project's top-level packages in sys.modules after running `code` in a new interpreter."""
    report = (
        "\nimport json, sys\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(PROJECT_PACKAGES)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code + report],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_report_sees_what_was_imported() -> None:
    """The check can fail: importing the benchmark shows up as the benchmark and what it imports."""
    assert packages_loaded("import bench.dashboard") == {"bench", "dashboard"}


def test_the_cli_imports_neither_the_dashboard_nor_the_benchmark() -> None:
    assert packages_loaded("import etl.cli") == {"etl"}


def test_serving_every_dashboard_page_does_not_import_the_benchmark(dashboard_data: Path) -> None:
    code = SERVE_EVERY_PAGE.format(slugs=PAGE_SLUGS, app=str(APP_SCRIPT))
    loaded = packages_loaded(code, env={"STOREWATCH_DATA_DIR": str(dashboard_data)})
    assert loaded == {"dashboard", "etl"}
