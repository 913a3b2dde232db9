"""The one load path: quarantine with reasons, idempotent upserts, updates, duplicates."""

import duckdb

from etl.ids import STABLE_ID_MACRO, stable_id
from etl.run import run_source
from tests.support.loader_records import STORES, complaints
from tests.support.records_source import RecordsSource


def table_rows(warehouse, sql):
    with warehouse.connect_read_only() as con:
        return con.execute(sql).fetchall()


def test_malformed_records_are_quarantined_with_reasons_and_the_rest_loads(warehouse):
    result = run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    assert sorted(r[0] for r in table_rows(warehouse, "SELECT source_record_id FROM complaints")) == [
        "c1",
        "c2",
        "c3",
    ]
    reasons = dict(table_rows(warehouse, "SELECT source_record_id, reason FROM quarantine"))
    assert reasons == {
        "c4": "unreadable filing date '31/02/2026'",
        "c5": "closed before it was filed",
        "c6": "unknown store",
        "c7": "unknown complaint category",
    }
    columns = dict(table_rows(warehouse, "SELECT source_record_id, column_name FROM quarantine"))
    assert columns == {"c4": "filed_at", "c5": "closed_at", "c6": "merchant_id", "c7": "category"}
    # the raw record is kept, so nothing is lost
    raw = table_rows(warehouse, "SELECT raw FROM quarantine WHERE source_record_id = 'c4'")[0][0]
    assert "31/02/2026" in raw
    assert result.counts["complaints"].quarantined == 4
    assert result.counts["complaints"].inserted == 3


def test_every_loaded_row_has_provenance(warehouse):
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    rows = table_rows(
        warehouse,
        "SELECT complaint_id, source_id, source_record_id, fetched_at, raw_hash, run_id FROM complaints",
    )
    for complaint_id, source_id, record_id, fetched_at, raw_hash, run_id in rows:
        assert complaint_id == f"fixture:{record_id}"
        assert source_id == "fixture" and fetched_at is not None and run_id
        assert len(raw_hash) == 64


def test_rerunning_the_same_input_changes_nothing(warehouse):
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    before = table_rows(warehouse, "SELECT * FROM complaints ORDER BY complaint_id")
    second = run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    after = table_rows(warehouse, "SELECT * FROM complaints ORDER BY complaint_id")
    assert after == before
    assert second.counts["complaints"].inserted == 0
    assert second.counts["complaints"].unchanged == 3
    assert second.counts["merchants"].unchanged == 2
    runs = table_rows(warehouse, "SELECT status, inserted, unchanged FROM etl_runs ORDER BY started_at")
    assert runs == [("succeeded", 5, 0), ("succeeded", 0, 5)]


def test_a_changed_record_is_updated_not_duplicated(warehouse):
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    changed = complaints()
    changed[1]["closed"] = "2026-02-10T08:00:00"  # c2 got resolved upstream
    result = run_source(RecordsSource(STORES, changed), warehouse=warehouse)
    assert result.counts["complaints"].updated == 1
    rows = table_rows(warehouse, "SELECT status, closed_at FROM complaints WHERE source_record_id = 'c2'")
    assert len(rows) == 1 and rows[0][0] == "resolved"


def test_duplicate_ids_with_different_content_keep_the_last_and_quarantine_the_rest(warehouse):
    records = [
        *complaints()[:3],
        {"id": "c1", "store": "s1", "filed": "2026-01-05T10:00:00", "closed": "2026-01-20T10:00:00"},
    ]
    run_source(RecordsSource(STORES, records), warehouse=warehouse)
    closed = table_rows(warehouse, "SELECT closed_at FROM complaints WHERE source_record_id = 'c1'")
    assert [str(row[0]) for row in closed] == ["2026-01-20 10:00:00"]
    reasons = [r[0] for r in table_rows(warehouse, "SELECT reason FROM quarantine")]
    assert len(reasons) == 1 and reasons[0].startswith("duplicate record id")


def test_python_and_sql_stable_ids_agree():
    con = duckdb.connect()
    con.execute(STABLE_ID_MACRO)
    for record_id in ["123", "c-1.x_2", "有空格 的 id", "a" * 65, "x/y", "'; DROP TABLE t; --"]:
        sql = con.execute("SELECT storewatch_id('src', ?)", [record_id]).fetchone()[0]
        assert sql == stable_id("src", record_id), record_id


def test_complaints_are_stored_in_date_order_and_appends_stay_sorted(warehouse):
    """Zone maps only skip row groups when the table is written in date order (STORAGE_ORDER)."""
    shuffled = [
        {"id": f"d{i}", "store": "s1", "filed": f"2025-{1 + (i * 5) % 12:02}-{1 + (i * 7) % 28:02}T10:00:00"}
        for i in range(40)
    ]
    run_source(RecordsSource(STORES, shuffled), warehouse=warehouse)
    later = [{"id": f"n{i}", "store": "s2", "filed": f"2026-02-{28 - i:02}T09:00:00"} for i in range(5)]
    run_source(RecordsSource(STORES, shuffled + later), warehouse=warehouse)
    stored = table_rows(warehouse, "SELECT filed_at, complaint_id FROM complaints ORDER BY rowid")
    assert len(stored) == 45
    assert stored == sorted(stored)  # the second run appended the five new ones, themselves sorted
