"""CFPB: real recorded API responses served over real HTTP, CSV quirks, faults and incrementality."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time

import httpx
import pytest

from etl.http import HttpFetchError, PaginationError
from etl.run import run_source
from etl.sources.cfpb import CfpbApiSource, CfpbCsvSource, parse_date
from tests.support.http_fixtures import (
    CCDB_RESPONSES,
    FakeCcdb,
    cfpb_hit,
    local_server,
    recorded_hits,
)
from tests.support.realdata import REALDATA

CSV_DIR = REALDATA / "cfpb_complaints_csv"
needs_api = pytest.mark.skipif(
    not CCDB_RESPONSES.exists(), reason=f"real CFPB API responses not present at {CCDB_RESPONSES}"
)
needs_csv = pytest.mark.skipif(not CSV_DIR.exists(), reason=f"real CFPB CSV samples not present at {CSV_DIR}")
pytestmark = pytest.mark.usefixtures("fast_http")


def query(warehouse, sql, params=None):
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.realdata
@needs_api
def test_real_recorded_complaints_load_over_http_with_mapped_values(warehouse):
    hits, meta = recorded_hits()
    with local_server(FakeCcdb(hits, meta)) as (base, log):
        result = run_source(CfpbApiSource(base_url=base, page_size=25), warehouse=warehouse)
    assert len(hits) == 114
    assert result.counts["complaints"].inserted == 114
    assert result.counts["merchants"].inserted == 51 == result.counts["entities"].inserted
    assert len(log) == 5  # 25 + 25 + 25 + 25 + 14
    assert "search_after" in log[1]["query"] and log[0]["headers"]["user-agent"].startswith("Storewatch")
    sources = {h["_id"]: h["_source"] for h in hits}
    open_ids = {i for i, s in sources.items() if s["company_response"] == "In progress"}
    assert {
        r[0] for r in query(warehouse, "SELECT source_record_id FROM complaints WHERE status = 'open'")
    } == open_ids
    detail = query(
        warehouse,
        "SELECT filed_at, forwarded_at, status, outcome, timely_response, consumer_disputed, c.category, "
        "narrative LIKE 'my card has been declined%', m.name, m.platform, closed_at "
        "FROM complaints c JOIN merchants m USING (merchant_id) WHERE c.source_record_id = '3146099'",
    )
    assert detail == [
        (
            datetime(2019, 2, 7),
            datetime(2019, 2, 7),
            "closed_unresolved",
            "explanation",
            True,
            None,
            "quality",
            True,
            "CAPITAL ONE FINANCIAL CORPORATION",
            "cfpb",  # the platform code (data/reference/platforms.yml)
            None,
        )
    ]
    # narratives only where the consumer consented
    consented = {
        i
        for i, s in sources.items()
        if s.get("consumer_consent_provided") == "Consent provided" and s.get("complaint_what_happened")
    }
    assert {
        r[0] for r in query(warehouse, "SELECT source_record_id FROM complaints WHERE narrative IS NOT NULL")
    } == consented
    assert query(warehouse, "SELECT count(*) FROM merchant_volume") == [(0,)]
    assert query(warehouse, "SELECT as_of FROM sources WHERE source_id = 'cfpb'") == [
        (datetime(2021, 12, 15),)
    ]


@pytest.mark.realdata
@needs_api
def test_second_run_asks_from_the_watermark_and_adds_only_new_records(warehouse):
    hits, meta = recorded_hits()
    cutoff = "2021-12-01"
    old = [h for h in hits if h["_source"]["date_received"][:10] < cutoff]
    server = FakeCcdb(old, meta)
    with local_server(server) as (base, log):
        first = run_source(CfpbApiSource(base_url=base, page_size=25), warehouse=warehouse)
        watermark = max(h["_source"]["date_received"][:10] for h in old)
        server.hits = hits
        second = run_source(CfpbApiSource(base_url=base, page_size=25, overlap_days=3), warehouse=warehouse)
    new = len(hits) - len(old)
    assert first.counts["complaints"].inserted == len(old) and new > 0
    assert second.counts["complaints"].inserted == new
    assert second.counts["complaints"].updated == 0
    overlap_start = date.fromisoformat(watermark).toordinal() - 3
    assert log[-1]["query"]["date_received_min"] == date.fromordinal(overlap_start).isoformat()
    re_seen = [
        h for h in old if h["_source"]["date_received"][:10] >= date.fromordinal(overlap_start).isoformat()
    ]
    assert second.counts["complaints"].unchanged == len(re_seen)
    assert query(warehouse, "SELECT count(*) FROM complaints") == [(len(hits),)]
    assert query(
        warehouse, "SELECT watermark FROM etl_runs WHERE status = 'succeeded' ORDER BY started_at"
    ) == [
        (watermark,),
        (max(h["_source"]["date_received"][:10] for h in hits),),
    ]


SHAPE_2021 = {
    "product": "Debt collection",
    "complaint_what_happened": "They called XXXX times on XX/XX/XXXX.",
    "date_sent_to_company": "2021-12-11T12:00:00-05:00",
    "issue": "Communication tactics",
    "company": "Example Collections LLC",
    "date_received": "2021-12-10T12:00:00-05:00",
    "consumer_consent_provided": "Consent provided",
    "consumer_disputed": "No",
    "timely": "Yes",
    "company_response": "Closed with monetary relief",
    "complaint_id": "100",
}
# 2026: consent, disputed and narrative fields gone; date_received has a time of day
SHAPE_2026 = {
    "product": "Checking or savings account",
    "issue": "Managing an account",
    "company": "Example Bank NA",
    "date_received": "2026-06-05T14:32:10-04:00",
    "date_sent_to_company": "2026-06-06T09:00:00-04:00",
    "timely": "Yes",
    "company_response": "In progress",
    "complaint_id": "200",
}


def api_transport(pages: list[list[dict]], faults: list[httpx.Response | Exception] | None = None):
    """MockTransport serving `pages` (search_after order), after the given faults."""
    faults = list(faults or [])
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if faults:
            fault = faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return fault
        after = request.url.params.get("search_after")
        index = 0 if after is None else int(after.split("_")[0])
        hits = [
            {
                "_source": source,
                "sort": [index + 1, source.get("complaint_id") if isinstance(source, dict) else "x"],
            }
            for source in (pages[index] if index < len(pages) else [])
        ]
        return httpx.Response(200, json={"hits": {"hits": hits}, "_meta": {}})

    return httpx.MockTransport(handle), calls


def test_every_field_shape_loads_with_missing_fields_empty(warehouse):
    no_consent = {**SHAPE_2021, "complaint_id": "300", "consumer_consent_provided": "Consent not provided"}
    transport, _ = api_transport([[SHAPE_2021, SHAPE_2026, no_consent]])
    run_source(CfpbApiSource(base_url="http://ccdb.test/", transport=transport), warehouse=warehouse)
    rows = dict(
        (r[0], r[1:])
        for r in query(
            warehouse,
            "SELECT source_record_id, filed_at, status, consumer_disputed, narrative, "
            "narrative_masked_items, category, outcome FROM complaints",
        )
    )
    assert rows["100"] == (
        datetime(2021, 12, 10),
        "resolved",
        False,
        "They called XXXX times on XX/XX/XXXX.",
        2,
        "service_attitude",
        "monetary_relief",
    )
    assert rows["300"][3] is None  # a narrative without consent is not kept
    assert rows["200"] == (
        datetime(2026, 6, 5, 18, 32, 10),
        "open",
        None,
        None,
        None,
        "quality",
        "in_progress",
    )


def test_malformed_records_are_quarantined_and_the_run_goes_on(warehouse):
    bad_date = {**SHAPE_2021, "complaint_id": "101", "date_received": "yesterday"}
    no_id = {k: v for k, v in SHAPE_2021.items() if k != "complaint_id"}
    odd_response = {**SHAPE_2021, "complaint_id": "102", "company_response": "Mystery"}
    transport, _ = api_transport([[SHAPE_2021, bad_date, no_id, odd_response, "not an object"]])
    result = run_source(CfpbApiSource(base_url="http://ccdb.test/", transport=transport), warehouse=warehouse)
    assert result.counts["complaints"].inserted == 1
    reasons = sorted(
        query(warehouse, "SELECT source_record_id, column_name, reason FROM quarantine"), key=str
    )
    assert reasons == sorted(
        [
            ("101", "filed_at", "unreadable date 'yesterday'"),
            (None, "source_record_id", "complaint_id missing"),
            ("102", "status", "unknown company response 'Mystery'"),
            (None, None, "record is not an object"),
        ],
        key=str,
    )


def test_429_and_500_and_a_timeout_are_retried_and_the_run_succeeds(warehouse):
    transport, calls = api_transport(
        [[SHAPE_2021]],
        faults=[httpx.Response(429, headers={"Retry-After": "0"}), httpx.ReadTimeout("slow")],
    )
    result = run_source(CfpbApiSource(base_url="http://ccdb.test/", transport=transport), warehouse=warehouse)
    assert result.counts["complaints"].inserted == 1 and len(calls) == 3


def test_a_failed_run_leaves_the_warehouse_byte_identical_and_the_next_run_resumes(warehouse):
    first, _ = api_transport([[SHAPE_2021]])
    run_source(CfpbApiSource(base_url="http://ccdb.test/", transport=first), warehouse=warehouse)
    served = warehouse.current_path()
    before = digest(served)
    truncated = httpx.Response(200, content=b'{"hits": {"hits": [{"_source": {"complaint_id": "1')
    broken, calls = api_transport([[SHAPE_2026]], faults=[httpx.Response(500), truncated, truncated])
    with pytest.raises(HttpFetchError, match="after 3 attempts"):
        run_source(CfpbApiSource(base_url="http://ccdb.test/", transport=broken), warehouse=warehouse)
    assert len(calls) == 3
    assert warehouse.current_path() == served and digest(served) == before
    assert warehouse.journal()[-1].status == "failed"
    resumed, calls = api_transport([[SHAPE_2021, SHAPE_2026]])
    result = run_source(CfpbApiSource(base_url="http://ccdb.test/", transport=resumed), warehouse=warehouse)
    assert calls[0].url.params["date_received_min"] == "2021-12-03"  # watermark 2021-12-10 minus overlap
    assert result.counts["complaints"].inserted == 1 and result.counts["complaints"].unchanged == 1
    assert query(warehouse, "SELECT status FROM etl_runs ORDER BY started_at") == [
        ("succeeded",),
        ("failed",),
        ("succeeded",),
    ]


def test_a_page_repeating_forever_fails_the_run_instead_of_hanging(warehouse):
    def same_page(request: httpx.Request) -> httpx.Response:
        hit = {"_source": SHAPE_2021, "sort": [1, "100"]}
        return httpx.Response(200, json={"hits": {"hits": [hit]}})

    source = CfpbApiSource(
        base_url="http://ccdb.test/", page_size=1, transport=httpx.MockTransport(same_page)
    )
    with pytest.raises(PaginationError):
        run_source(source, warehouse=warehouse)
    assert warehouse.current_path() is None


def test_dates_in_every_shape():
    assert parse_date("12/11/21", "x") == datetime(2021, 12, 11)
    assert parse_date("2020-03-18", "x") == datetime(2020, 3, 18)
    assert parse_date("2021-12-11T12:00:00-05:00", "x") == datetime(2021, 12, 11)
    assert parse_date("2026-06-05T14:32:10Z", "x") == datetime(2026, 6, 5, 14, 32, 10)


@pytest.mark.realdata
@needs_csv
def test_bulk_csv_with_console_lines_and_embedded_newlines(warehouse):
    result = run_source(CfpbCsvSource(CSV_DIR / "bdm_hw3_complaints_sample_2020.csv"), warehouse=warehouse)
    assert result.counts["complaints"].inserted == 6623
    assert result.counts["merchants"].inserted == 710
    statuses = dict(query(warehouse, "SELECT source_status, count(*) FROM complaints GROUP BY ALL"))
    assert statuses["Closed with explanation"] == 5557 and statuses["In progress"] == 35
    assert query(warehouse, "SELECT count(*) FROM complaints WHERE status = 'open'") == [(35,)]
    assert query(warehouse, "SELECT count(*) FROM complaints WHERE consumer_disputed") == [(9,)]
    narrative = query(warehouse, "SELECT narrative FROM complaints WHERE source_record_id = '3384392'")[0][0]
    assert narrative.startswith("transworld systems inc. \nis trying")


@pytest.mark.realdata
@needs_csv
def test_api_csv_export_with_none_literals_short_dates_and_crlf(warehouse):
    result = run_source(
        CfpbCsvSource(CSV_DIR / "seunnna_api_export_payday_small_2025-04.csv"), warehouse=warehouse
    )
    assert result.counts["complaints"].inserted == 131
    assert result.counts["merchants"].inserted == 71
    row = query(
        warehouse, "SELECT filed_at, forwarded_at, issue FROM complaints WHERE source_record_id = '12824978'"
    )
    assert row == [(datetime(2025, 4, 4), datetime(2025, 4, 4), "Charged fees or interest you didn't expect")]
    assert query(warehouse, "SELECT count(*) FROM complaints WHERE issue = 'None' OR narrative = 'None'") == [
        (0,)
    ]
    # complete up to the end of the last day it holds (open complaints are censored there)
    [(last_day,)] = query(warehouse, "SELECT max(filed_at)::DATE FROM complaints")
    assert query(warehouse, "SELECT as_of FROM sources") == [(datetime.combine(last_day, time(23, 59, 59)),)]


@pytest.mark.realdata
@needs_csv
def test_cli_loads_a_csv_and_prints_the_counts(warehouse):
    from typer.testing import CliRunner

    from etl.cli import app

    path = CSV_DIR / "seunnna_api_export_payday_small_2025-04.csv"
    result = CliRunner().invoke(app, ["etl", "cfpb", "--csv", str(path)])
    assert result.exit_code == 0, result.output
    assert "complaints" in result.output and "131" in result.output
    assert query(warehouse, "SELECT count(*) FROM complaints") == [(131,)]


@pytest.mark.realdata
@needs_api
def test_pages_with_search_after_tokens_made_like_the_api_wants(warehouse):
    hits, meta = recorded_hits()
    with local_server(FakeCcdb(hits, meta)) as (base, log):
        result = run_source(CfpbApiSource(base_url=base, page_size=10), warehouse=warehouse)
    assert result.counts["complaints"].inserted == len(hits) == 114
    assert len(log) == 12  # 11 full pages of 10 and one of 4
    assert all("format" not in r["query"] and r["query"]["sort"] == "created_date_asc" for r in log)
    # each token is the last hit of the page before, "<epoch ms>_<id>", as the hits' sort gives it
    for n, request in enumerate(log[1:], start=1):
        last = hits[n * 10 - 1]["sort"]
        assert request["query"]["search_after"] == f"{last[0]}_{last[1]}"
    assert "frm" not in str(log)


@pytest.mark.realdata
@needs_api
def test_without_search_after_material_it_falls_back_to_frm_offsets(warehouse):
    hits, meta = recorded_hits()
    with local_server(FakeCcdb(hits, meta, legacy=True)) as (base, log):
        result = run_source(CfpbApiSource(base_url=base, page_size=25), warehouse=warehouse)
    assert result.counts["complaints"].inserted == 114
    assert [r["query"].get("frm") for r in log] == [None, "25", "50", "75", "100"]


def test_a_server_serving_shorter_pages_than_asked_fails_the_run_instead_of_losing_rows(warehouse):
    hits = [cfpb_hit(n, 1 + n) for n in range(12)]
    meta = {"last_indexed": "2021-12-20T12:00:00-05:00"}
    with local_server(FakeCcdb(hits, meta, max_size=5)) as (base, log):
        with pytest.raises(PaginationError, match="reported 12 complaints but paging ended after 5"):
            run_source(CfpbApiSource(base_url=base, page_size=10), warehouse=warehouse)
        assert len(log) == 1  # a short first page ends paging: only the reported total tells
        result = run_source(CfpbApiSource(base_url=base, page_size=5), warehouse=warehouse)
    assert result.counts["complaints"].inserted == 12


def test_frm_paging_stops_at_the_apis_deepest_offset(warehouse):
    calls: list[httpx.Request] = []

    def endless(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        offset = int(request.url.params.get("frm", 0))
        page = [{"_source": {**SHAPE_2021, "complaint_id": str(offset + i)}} for i in range(100)]
        return httpx.Response(200, json={"hits": {"hits": page}})

    source = CfpbApiSource(base_url="http://ccdb.test/", transport=httpx.MockTransport(endless))
    with pytest.raises(PaginationError, match="cannot page past frm=10000"):
        run_source(source, warehouse=warehouse)
    assert calls[-1].url.params["frm"] == "10000" and len(calls) == 101
    assert warehouse.current_path() is None


def test_a_token_the_api_would_ignore_is_never_sent():
    from etl.sources.cfpb import search_after_token

    assert search_after_token([1639242000000, "4998940"]) == "1639242000000_4998940"
    assert search_after_token([1639242000000.0, "4998940"]) == "1639242000000_4998940"
    assert search_after_token([11.05, "4708218"]) is None  # a relevance score: not a created sort
    assert search_after_token([1639242000000, "a_b"]) is None  # would split into three parts
    assert search_after_token(None) is None and search_after_token([1]) is None


def test_every_fetched_page_is_archived_with_a_manifest(warehouse, data_dir):
    from etl.raw_archive import RawArchive

    transport, _ = api_transport([[SHAPE_2021], [SHAPE_2026]])
    result = run_source(
        CfpbApiSource(base_url="http://ccdb.test/", page_size=1, transport=transport), warehouse=warehouse
    )
    archive = RawArchive.for_run(data_dir / "raw", "cfpb", result.run_id)
    manifest = archive.manifest()
    assert [m["file"] for m in manifest] == ["00001.gz", "00002.gz", "00003.gz"]  # the last page is empty
    for entry in manifest:
        body = archive.read(entry["file"])
        assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["bytes"]
        assert entry["url"].startswith("http://ccdb.test/?size=1") and entry["fetched_at"]
    assert json.loads(archive.read("00002.gz"))["hits"]["hits"][0]["_source"] == SHAPE_2026
    assert "search_after=1_100" in manifest[1]["url"]
    # the rows' raw_hash is still the hash of the record itself, not of the archived page
    from etl.ids import raw_hash

    assert query(warehouse, "SELECT raw_hash FROM complaints WHERE source_record_id = '200'") == [
        (raw_hash(SHAPE_2026),)
    ]


def test_a_dry_run_archives_nothing_and_a_failed_run_keeps_its_archive(warehouse, data_dir):
    transport, calls = api_transport([[SHAPE_2021]])
    dry = run_source(
        CfpbApiSource(base_url="http://ccdb.test/", transport=transport), warehouse=warehouse, dry_run=True
    )
    # the run context decides, not the source: a dry run archives no page, so makes no folder
    assert calls and dry.counts["complaints"].inserted == 1
    assert not (data_dir / "raw").exists()
    truncated = httpx.Response(200, content=b'{"hits": {"hits": [')
    broken, _ = api_transport([[SHAPE_2021]], faults=[truncated] * 3)
    with pytest.raises(HttpFetchError, match="invalid JSON"):
        run_source(CfpbApiSource(base_url="http://ccdb.test/", transport=broken), warehouse=warehouse)
    failed = warehouse.journal()[-1]
    assert failed.status == "failed"
    kept = data_dir / "raw" / "cfpb" / failed.run_id
    assert sorted(p.name for p in kept.iterdir()) == ["00001.gz", "00002.gz", "00003.gz", "manifest.jsonl"]
