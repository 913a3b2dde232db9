"""Read-only access to the served warehouse for the dashboard.

The connection is cached per versioned file: when an ETL run publishes a new version, the next
script run sees a new path and opens it. Each query takes its own cursor, because Streamlit
runs every session's script in its own thread and duckdb connections are not shared across threads.
Query results are cached per (version, SQL, parameters), so a new version never serves stale rows.

Both caches are functools.lru_cache rather than st.cache_resource / st.cache_data: Streamlit's
key hashing and result pickling cost about 1 ms per uncached query, as much as a small query
itself (docs/benchmarks.md). Each caller gets its own copy of a cached frame, as st.cache_data's
unpickling gave it, so no session can change another's rows.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from etl import duckdb_settings
from etl.settings import load_settings
from etl.warehouse import Warehouse


def warehouse() -> Warehouse:
    """The warehouse STOREWATCH_WAREHOUSE names (`serve` sets it), else the demo."""
    return Warehouse(load_settings().warehouse_dir)


def warehouse_name() -> str:
    return load_settings().served_warehouse


class _Connections:
    """One read-only connection per version in use. When a newer version is opened, the connections
    to replaced ones are closed as soon as no cursor of theirs is running: a version that prune has
    deleted then stops holding disk space (closing a connection ends its cursors, so never before)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, duckdb.DuckDBPyConnection] = {}
        self._users: Counter[str] = Counter()
        self._newest: str | None = None

    def connection(self, path: str) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self._connection(path)

    @contextlib.contextmanager
    def cursor(self, path: str) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            cur = self._connection(path).cursor()
            self._users[path] += 1
        try:
            yield cur
        finally:
            cur.close()
            with self._lock:
                self._users[path] -= 1
                self._close_replaced()

    def open_paths(self) -> list[str]:
        with self._lock:
            return list(self._open)

    def _connection(self, path: str) -> duckdb.DuckDBPyConnection:
        if path not in self._open:
            self._open[path] = duckdb_settings.connect_read_only(path)
            self._newest = path  # versions only move forward: the one opened last is the newest
            self._close_replaced()
        return self._open[path]

    def _close_replaced(self) -> None:
        for path in [p for p in self._open if p != self._newest and not self._users[p]]:
            self._open.pop(path).close()
            del self._users[path]


_connections = _Connections()


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    return _connections.connection(path)


def open_versions() -> list[str]:
    """The version files the dashboard holds open (one, but for a replaced one still being read)."""
    return _connections.open_paths()


def current_path() -> Path | None:
    return warehouse().current_path()


@contextlib.contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the current warehouse version, for one script run's streaming work."""
    path = warehouse().require_current()
    with _connections.cursor(str(path)) as cur:
        yield cur


# `storewatch bench` sets this to a list to record every query the pages run, then replays them.
recorded_queries: list[tuple[str, list]] | None = None


def query(sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a parameterised query against the current warehouse version."""
    if recorded_queries is not None:
        recorded_queries.append((sql, list(params or [])))
    path = warehouse().require_current()
    return _cached_query(str(path), sql, tuple(_hashable(p) for p in (params or []))).copy()


def query_within(sql: str, params: list, seconds: float) -> pd.DataFrame | None:
    """`query`, stopped after `seconds`: None then. A stopped query is not cached (the next try runs
    it again), and stops on its own whether or not anyone still waits for it."""
    if recorded_queries is not None:
        recorded_queries.append((sql, list(params)))
    path = warehouse().require_current()
    try:
        return _cached_query_within(str(path), sql, tuple(_hashable(p) for p in params), seconds).copy()
    except duckdb.InterruptException:
        return None


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def clear_query_cache() -> None:
    _cached_query.cache_clear()
    _cached_query_within.cache_clear()


def clear_caches() -> None:
    """Forget cached query results and the figures pages cache (the connection stays open): the
    state the first visitor after a new version meets."""
    clear_query_cache()
    st.cache_resource.clear()


@functools.lru_cache(maxsize=512)
def _cached_query(path: str, sql: str, params: tuple) -> pd.DataFrame:
    with _connections.cursor(path) as cur:
        return cur.execute(sql, [list(p) if isinstance(p, tuple) else p for p in params]).df()


@functools.lru_cache(maxsize=256)
def _cached_query_within(path: str, sql: str, params: tuple, seconds: float) -> pd.DataFrame:
    """Raises duckdb.InterruptException when `seconds` pass first (so lru_cache keeps nothing)."""
    with _connections.cursor(path) as cur:
        timer = threading.Timer(seconds, cur.interrupt)  # interrupts this cursor's query only
        timer.daemon = True
        timer.start()
        try:
            return cur.execute(sql, [list(p) if isinstance(p, tuple) else p for p in params]).df()
        finally:
            timer.cancel()


def tables() -> set[str]:
    """Tables and views in the current warehouse version."""
    return set(query("SELECT table_name FROM information_schema.tables")["table_name"])


def columns(table: str) -> set[str]:
    frame = query("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table])
    return set(frame["column_name"])


def missing(*names: str) -> list[str]:
    """Which of the named (metric) tables this warehouse does not have."""
    present = tables()
    return [name for name in names if name not in present]


def sources() -> pd.DataFrame:
    return query(
        "SELECT source_id, name, publisher, homepage, licence, is_synthetic, as_of FROM sources "
        "ORDER BY source_id"
    )


def labels(table: str, lang: str) -> dict[str, str]:
    """Code -> label in `lang` from a reference table (complaint_categories, violation_types, ...)."""
    key = {
        "complaint_categories": "category",
        "violation_types": "violation_type",
        "sanction_scale": "sanction_type",
    }[table]
    column = "label_zh" if lang == "zh" else "label_en"
    frame = query(f"SELECT {key} AS code, {column} AS label FROM {table}")  # noqa: S608 (fixed names)
    return dict(zip(frame["code"], frame["label"], strict=True))


def platforms() -> list[str]:
    return list(query("SELECT DISTINCT platform FROM merchants ORDER BY platform")["platform"])


def platform_labels(lang: str) -> dict[str, str]:
    """Platform code -> its label in `lang` from the `platforms` table (taobao -> 淘宝 / Taobao); empty
    in a warehouse built before the table. Read once per warehouse version, like every query."""
    if "platforms" not in tables():
        return {}
    column = "label_zh" if lang == "zh" else "label_en"
    frame = query(f"SELECT platform AS code, {column} AS label FROM platforms")  # noqa: S608 (fixed names)
    return {code: label for code, label in zip(frame["code"], frame["label"], strict=True) if label}
