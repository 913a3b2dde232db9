"""Read-only access to the served warehouse for the dashboard.

The connection is cached per versioned file: when an ETL run publishes a new version, the next
script run sees a new path and opens it. Each query takes its own cursor, because Streamlit
runs every session's script in its own thread and duckdb connections are not shared across threads.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from etl.settings import load_settings
from etl.warehouse import Warehouse


def warehouse() -> Warehouse:
    return Warehouse(load_settings().warehouse_dir)


@st.cache_resource(max_entries=4)
def _connect(path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True)


def current_path() -> Path | None:
    return warehouse().current_path()


def query(sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a parameterised query against the current warehouse version."""
    path = warehouse().require_current()
    cursor = _connect(str(path)).cursor()
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()
