"""`storewatch etl nyc` and `storewatch etl cfpb` (API mode) against a real local HTTP server."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from etl.cli import app
from tests.support.http_fixtures import FakeCcdb, FakeSoda, cfpb_hit, local_server

pytestmark = pytest.mark.usefixtures("fast_http")


def nyc_complaint(n: int, business: str = "B1") -> dict[str, str]:
    """A mediated complaint as SODA sends it: every value a string, null keys left out."""
    return {
        "record_id": f"{n:06d}-2026-CMPL",
        "business_unique_id": business,
        "business_name": f"Store {business}",
        "business_category": "Electronics Store",
        "complaint_code": "Non-Delivery of Goods",
        "intake_date": f"2026-01-{n:02d}T00:00:00.000",
    }


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def status_json() -> list[dict]:
    return json.loads(invoke("etl", "status", "--json"))


def query(warehouse, sql):
    with warehouse.connect_read_only() as con:
        return con.execute(sql).fetchall()


def test_etl_nyc_loads_reports_and_a_second_run_is_incremental(warehouse, data_dir):
    server = FakeSoda({"nre2-6m2s": [nyc_complaint(n) for n in range(1, 6)], "5fn4-dr26": []})
    with local_server(server) as (base, log):
        output = invoke("etl", "nyc", "--base-url", base, "--page-size", "2")
        assert "complaints" in output and "inserted" in output
        assert query(warehouse, "SELECT count(*) FROM complaints") == [(5,)]
        [(params,)] = query(warehouse, "SELECT params FROM etl_runs")
        assert json.loads(params) == {"page_size": 2, "overlap_hours": 48.0, "base_url": base}
        runs = status_json()
        assert [(r["source_id"], r["status"]) for r in runs] == [("nyc_dcwp", "succeeded")]
        assert "nyc_dcwp" in invoke("etl", "status")
        # the second run finds the base URL in the settings (environment) instead of the option
        server.datasets["nre2-6m2s"].append(nyc_complaint(6, "B2"))
        server.touch("nre2-6m2s", 5, "2026-03-01T00:00:00.000Z")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("STOREWATCH_NYC_BASE_URL", base)
            output = invoke("etl", "nyc", "--page-size", "2", "--overlap-hours", "1")
    assert "$where" not in log[0]["query"]
    second = [r for r in log if "$where" in r["query"]]
    assert second and all(r["query"]["$where"] == ":updated_at > '2026-01-19T23:00:00.000Z'" for r in second)
    assert query(warehouse, "SELECT count(*) FROM complaints") == [(6,)]
    counts = query(
        warehouse, "SELECT inserted, unchanged FROM etl_runs WHERE status = 'succeeded' ORDER BY started_at"
    )
    # inserted: the new complaint and its store; unchanged: the 5 old complaints (last updated at
    # the watermark, inside the 1-hour overlap) and their store, re-read and recognised
    assert counts[-1] == (2, 6)
    assert [r["status"] for r in status_json()] == ["succeeded", "succeeded"]
    assert (data_dir / "raw" / "nyc_dcwp" / status_json()[-1]["run_id"] / "manifest.jsonl").exists()


def test_etl_cfpb_api_mode_loads_and_resumes_from_the_watermark(warehouse):
    server = FakeCcdb([cfpb_hit(n, 1 + n) for n in range(7)], {"last_indexed": "2021-12-14T12:00:00-05:00"})
    with local_server(server) as (base, log):
        output = invoke("etl", "cfpb", "--base-url", base, "--page-size", "3")
        assert "complaints" in output and "entities" in output
        assert (
            len(log) == 3
            and log[1]["query"]["search_after"] == server.hits[2]["sort"][0].__str__() + "_5000002"
        )
        server.hits = [*server.hits, cfpb_hit(7, 20), cfpb_hit(8, 21)]
        with pytest.MonkeyPatch.context() as env:
            env.setenv("STOREWATCH_CFPB_BASE_URL", base)
            invoke("etl", "cfpb", "--page-size", "3", "--overlap-days", "2")
    assert log[3]["query"]["date_received_min"] == "2021-12-05"  # watermark 2021-12-07 minus 2 days
    rows = query(warehouse, "SELECT inserted, unchanged, watermark FROM etl_runs ORDER BY started_at")
    assert [(r[0], r[2]) for r in rows] == [(13, "2021-12-07"), (2, "2021-12-21")]  # 7 + 3 banks x 2
    assert rows[-1][1] == 9  # 3 complaints in the overlap, 3 stores and 3 entities seen again
    assert query(warehouse, "SELECT count(*) FROM complaints") == [(9,)]
    assert [r["source_id"] for r in status_json()] == ["cfpb", "cfpb"]


def test_a_dry_run_writes_no_warehouse_and_no_archive(warehouse, data_dir):
    server = FakeCcdb([cfpb_hit(n, 1 + n) for n in range(4)], {})
    with local_server(server) as (base, _):
        output = invoke("etl", "cfpb", "--base-url", base, "--dry-run")
    assert "dry run, nothing written" in output
    assert warehouse.current_path() is None and not (data_dir / "raw").exists()


def test_a_failing_server_exits_non_zero_with_the_url_and_status(warehouse):
    with local_server(lambda path, query, headers: (503, {"error": "down"})) as (base, _):
        result = CliRunner().invoke(app, ["etl", "nyc", "--base-url", base])
    assert result.exit_code == 1
    text = " ".join(result.output.split())  # rich wraps long lines
    assert "run failed, the warehouse is unchanged" in text and "HTTP 503" in text
    assert "/resource/nre2-6m2s.json" in text
    assert [r["status"] for r in status_json()] == ["failed"]
