"""Long extracts are sorted a run of days at a time: the file must be the single ordered query's."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from etl.exports import queries
from etl.exports.catalogue import DATASETS, Column, Dataset, Filters
from etl.exports.queries import build_preview, count_rows, window_selects
from etl.exports.writers import write_csv, write_parquet
from etl.warehouse import Warehouse
from tests.support.warehouses import named


@pytest.fixture
def con(dashboard_data: Path):
    connection = Warehouse(named(dashboard_data, "demo")).connect_read_only()
    yield connection
    connection.close()


def _single_then_windowed(monkeypatch, write, tmp_path: Path, window_rows: int) -> tuple[bytes, bytes, int]:
    monkeypatch.setattr(queries, "WINDOW_ROWS", 10**12)
    write(tmp_path / "single")
    monkeypatch.setattr(queries, "WINDOW_ROWS", window_rows)
    write(tmp_path / "windowed")
    return (tmp_path / "single").read_bytes(), (tmp_path / "windowed").read_bytes(), window_rows


@pytest.mark.parametrize(
    ("name", "filters"),
    [
        ("complaints", Filters()),
        ("complaints", Filters(platforms=("tmall", "jd"), date_from=date(2025, 6, 1))),
        ("penalties", Filters()),
    ],
)
def test_windowed_csv_and_parquet_equal_the_single_sorted_query(monkeypatch, con, tmp_path, name, filters):
    dataset = DATASETS[name]
    total = count_rows(dataset, filters, con)
    window_rows = max(7, total // 8)  # several windows, not hundreds (each is a query)
    monkeypatch.setattr(queries, "WINDOW_ROWS", window_rows)
    windows = window_selects(dataset, filters, con)
    assert total > window_rows * 5 and len(windows) >= 5  # the fixture is cut into many windows

    single, windowed, _ = _single_then_windowed(
        monkeypatch, lambda p: write_csv(dataset, filters, con, p), tmp_path, window_rows
    )
    assert windowed == single
    assert len(list(csv.reader(single.decode("utf-8-sig").splitlines()))) == total + 1

    single, windowed, _ = _single_then_windowed(
        monkeypatch, lambda p: write_parquet(dataset, filters, con, p), tmp_path, window_rows
    )
    assert pq.read_table(tmp_path / "windowed").equals(pq.read_table(tmp_path / "single"))


def test_windows_cover_every_row_once_in_order_nulls_last():
    """A dataset with many rows on one day, gaps between days and undated rows."""
    con = duckdb.connect()
    con.execute("CREATE TABLE things (thing_id VARCHAR, happened_at TIMESTAMP)")
    rows = [(f"t{i:03}", f"2026-01-{1 + (i * 7) % 20:02} {i % 24:02}:00:00") for i in range(60)]
    rows += [(f"busy{i:02}", "2026-02-03 12:00:00") for i in range(12)]  # one day bigger than a window
    rows += [(f"undated{i}", None) for i in range(3)]
    con.executemany("INSERT INTO things VALUES (?, ?)", rows)
    dataset = Dataset(
        name="things",
        title_en="Things",
        title_zh="事物",
        from_sql="things x",
        columns=(
            Column("thing_id", "x.thing_id", "id", "编号"),
            Column("happened_at", "x.happened_at", "when", "时间"),
        ),
        filters={"date": "x.happened_at"},
        order_by="x.happened_at, x.thing_id",
        window_by="x.happened_at",
    )
    expected = con.execute("SELECT thing_id FROM things ORDER BY happened_at, thing_id").fetchall()

    original = queries.WINDOW_ROWS
    queries.WINDOW_ROWS = 5
    try:
        windows = window_selects(dataset, Filters(), con)
    finally:
        queries.WINDOW_ROWS = original
    got = [row[:1] for sql, params in windows for row in con.execute(sql, params).fetchall()]
    assert got == expected
    assert got[-3:] == [("undated0",), ("undated1",), ("undated2",)]
    # runs of whole days: the 12-row day is one window; the rest hold at most 5 rows each
    sizes = [len(con.execute(sql, params).fetchall()) for sql, params in windows]
    assert 12 in sizes and sizes[-1] == 3
    assert all(size <= 5 for size in sizes if size not in (12, 3))


def test_preview_is_the_first_rows_of_the_file(con, tmp_path):
    dataset = DATASETS["complaints"]
    filters = Filters(platforms=("tmall",))
    sql, params = build_preview(dataset, filters, con, 10)
    preview = [row[0] for row in con.execute(sql, params).fetchall()]
    write_csv(dataset, filters, con, tmp_path / "c.csv")
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as handle:
        first = [r["complaint_id"] for r, _ in zip(csv.DictReader(handle), range(10), strict=False)]
    assert preview == first and len(first) == 10
