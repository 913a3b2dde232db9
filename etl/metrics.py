"""Builds the metric tables: every etl/sql/metrics/NNN_<name>.sql, in name order, after each load.

Each file defines one figure family (tables or views named after the file); the dashboard and the
extracts only read them. Files run inside the run's new warehouse before it is published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.progress import Progress, SilentProgress

METRICS_DIR = Path(__file__).parent / "sql" / "metrics"


def metric_files() -> list[Path]:
    return sorted(METRICS_DIR.glob("*.sql"))


def build_metrics(con: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> None:
    progress = progress or SilentProgress()
    files = metric_files()
    task = progress.task("building metric tables", total=len(files))
    for path in files:
        con.execute(path.read_text(encoding="utf-8"))
        task.advance()
