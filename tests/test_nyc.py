"""NYC DCWP: real SODA records served over real HTTP; paging, incrementality, app token, faults."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import httpx
import pytest

from etl.http import HttpFetchError
from etl.run import run_source
from etl.sources.nyc import NycDcwpSource
from tests.support.http_fixtures import (
    FIRST_LOAD,
    NYC_DCWP,
    FakeSoda,
    local_server,
    recorded_nyc,
)

pytestmark = [
    pytest.mark.usefixtures("fast_http"),
    pytest.mark.realdata,
    pytest.mark.skipif(not NYC_DCWP.exists(), reason=f"real NYC DCWP records not present at {NYC_DCWP}"),
]


def query(warehouse, sql):
    with warehouse.connect_read_only() as con:
        return con.execute(sql).fetchall()


def test_real_records_load_with_resolution_times_and_regulator_penalties(warehouse, monkeypatch):
    monkeypatch.setenv("STOREWATCH_SOCRATA_APP_TOKEN", "test-token")
    complaints, charges = recorded_nyc()
    server = FakeSoda({"nre2-6m2s": complaints, "5fn4-dr26": charges})
    with local_server(server) as (base, log):
        result = run_source(NycDcwpSource(base_url=base, page_size=4), warehouse=warehouse)
    assert result.counts["complaints"].inserted == 10
    # 12 charges: 5 pending (no outcome) are not penalties; 7 decided or settled are
    assert result.counts["penalties"].inserted == 7
    assert all(r["headers"]["x-app-token"] == "test-token" for r in log)
    assert [r["query"]["$offset"] for r in log if "nre2" in r["path"]] == ["0", "4", "8"]
    assert all(r["query"]["$order"] == ":id" for r in log)
    row = query(
        warehouse,
        "SELECT status, category, filed_at, closed_at, source_status FROM complaints "
        "WHERE source_record_id = '000668-2026-CMPL'",
    )
    assert row == [
        ("resolved", "delivery", datetime(2026, 1, 9), datetime(2026, 3, 25), "Bill Reduced - BLR")
    ]
    statuses = dict(query(warehouse, "SELECT status, count(*) FROM complaints GROUP BY ALL"))
    assert statuses == {"resolved": 3, "closed_unresolved": 7}
    penalty = query(
        warehouse,
        "SELECT authority_type, sanction_type, violation_type, decided_at::VARCHAR, description, m.name "
        "FROM penalties p JOIN merchants m USING (merchant_id) "
        "WHERE p.source_record_id LIKE '11853-2023-ADJC|%'",
    )
    assert penalty == [
        (
            "regulator",
            "fine",
            "other",
            "2023-09-28",
            "Settlement (Pre-Hearing); charges: 90; guilty: 90",
            "Igs Solar, LLC",
        )
    ]
    # stores come from both datasets, one row per business id
    assert query(warehouse, "SELECT count(*), count(DISTINCT source_record_id) FROM merchants") == [(17, 17)]


def test_the_same_business_in_both_datasets_is_one_store(warehouse):
    complaints, charges = recorded_nyc()
    shared = {**charges[1], "business_unique_id": complaints[0]["business_unique_id"]}
    server = FakeSoda({"nre2-6m2s": complaints[:1], "5fn4-dr26": [shared]})
    with local_server(server) as (base, _):
        run_source(NycDcwpSource(base_url=base), warehouse=warehouse)
    assert query(warehouse, "SELECT count(*) FROM merchants") == [(1,)]
    assert query(warehouse, "SELECT count(*) FROM complaints c JOIN penalties p USING (merchant_id)") == [
        (1,)
    ]


def test_second_run_asks_for_rows_updated_since_the_watermark_minus_the_overlap(warehouse):
    complaints, charges = recorded_nyc()
    server = FakeSoda({"nre2-6m2s": complaints[:8], "5fn4-dr26": charges})
    server.touch("nre2-6m2s", 1, "2026-02-01T09:00:00.000Z")  # the latest update of the first load
    with local_server(server) as (base, log):
        first = run_source(NycDcwpSource(base_url=base, overlap_hours=2), warehouse=warehouse)
        # later: two new complaints, one old complaint gets its result, one is re-saved unchanged
        server.datasets["nre2-6m2s"] = complaints
        for index in (8, 9):
            server.touch("nre2-6m2s", index, "2026-03-01T10:00:00.000Z")
        server.touch("nre2-6m2s", 0, "2026-03-02T08:15:30.250Z", result="Bill Reduced - BLR")
        second = run_source(NycDcwpSource(base_url=base, overlap_hours=2), warehouse=warehouse)
    assert first.counts["complaints"].inserted == 8
    first_where = [r["query"].get("$where") for r in log[:2]]
    assert first_where == [None, None] and all(r["query"]["$select"] == ":*, *" for r in log)
    where = {r["path"]: r["query"]["$where"] for r in log[-2:]}
    # each dataset's own watermark minus the 2-hour overlap
    assert where == {
        "/resource/nre2-6m2s.json": ":updated_at > '2026-02-01T07:00:00.000Z'",
        "/resource/5fn4-dr26.json": ":updated_at > '2026-01-19T22:00:00.000Z'",
    }
    assert second.counts["complaints"].inserted == 2
    assert second.counts["complaints"].updated == 1
    assert second.counts["complaints"].unchanged == 1  # row 1, in the overlap, recognised by its raw hash
    # every charge was last updated inside the overlap window: re-read, recognised, not duplicated
    assert (second.counts["penalties"].inserted, second.counts["penalties"].unchanged) == (0, 7)
    assert query(warehouse, "SELECT count(*), count(DISTINCT source_record_id) FROM complaints") == [(10, 10)]
    statuses = dict(query(warehouse, "SELECT source_record_id, source_status FROM complaints"))
    assert statuses[complaints[0]["record_id"]] == "Bill Reduced - BLR"
    watermarks = query(
        warehouse, "SELECT watermark FROM etl_runs WHERE status = 'succeeded' ORDER BY started_at"
    )
    assert [json.loads(w[0]) for w in watermarks] == [
        {"charges_updated_at": FIRST_LOAD, "complaints_updated_at": "2026-02-01T09:00:00.000Z"},
        {"charges_updated_at": FIRST_LOAD, "complaints_updated_at": "2026-03-02T08:15:30.250Z"},
    ]


def test_system_fields_are_not_part_of_the_raw_hash(warehouse):
    from etl.ids import raw_hash

    complaints, _ = recorded_nyc()
    with local_server(FakeSoda({"nre2-6m2s": complaints[:1], "5fn4-dr26": []})) as (base, _):
        run_source(NycDcwpSource(base_url=base), warehouse=warehouse)
    assert query(warehouse, "SELECT raw_hash FROM complaints") == [(raw_hash(complaints[0]),)]


def test_a_failing_server_leaves_the_warehouse_byte_identical(warehouse):
    complaints, charges = recorded_nyc()
    with local_server(FakeSoda({"nre2-6m2s": complaints, "5fn4-dr26": charges})) as (base, _):
        run_source(NycDcwpSource(base_url=base), warehouse=warehouse)
    served = warehouse.current_path()
    before = hashlib.sha256(served.read_bytes()).hexdigest()
    down = httpx.MockTransport(lambda request: httpx.Response(503, headers={"Retry-After": "0"}))
    with pytest.raises(HttpFetchError, match="HTTP 503"):
        run_source(NycDcwpSource(base_url="http://soda.test", transport=down), warehouse=warehouse)
    assert warehouse.current_path() == served
    assert hashlib.sha256(served.read_bytes()).hexdigest() == before


def test_records_without_a_business_or_with_a_bad_date_are_quarantined(warehouse):
    complaints, _ = recorded_nyc()
    no_business = {k: v for k, v in complaints[0].items() if k != "business_unique_id"}
    bad_date = {**complaints[1], "intake_date": "13/40/2026"}
    with local_server(FakeSoda({"nre2-6m2s": [no_business, bad_date, complaints[2]], "5fn4-dr26": []})) as (
        base,
        _,
    ):
        run_source(NycDcwpSource(base_url=base), warehouse=warehouse)
    assert sorted(query(warehouse, "SELECT column_name, reason FROM quarantine")) == [
        ("filed_at", "unreadable date '13/40/2026'"),
        ("merchant_id", "business id or name missing"),
    ]
