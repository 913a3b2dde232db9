"""Re-running any source on the same input, again and again, leaves every fact table as it was.

"As it was" means the same rows with the same values in every column, provenance included: an
unchanged row keeps the fetched_at and run_id of the run that first loaded it. Quarantine keeps
one row per bad record, not one per run. What legitimately changes is run bookkeeping outside the
fact tables: etl_runs gains a row per run, and sources.as_of moves for sources that have no as-of
date of their own (a file or a CSV: as_of is when it was last read), so those are not compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from etl.load import FACT_TABLES, ID_COLUMNS
from etl.readers import read_records
from etl.run import run_source
from etl.settings import PROJECT_ROOT
from etl.sources.cfpb import CfpbApiSource, CfpbCsvSource
from etl.sources.demo import DemoConfig, DemoSource
from etl.sources.file_import import FileImportSource, load_mapping
from etl.sources.nyc import NycDcwpSource
from etl.warehouse import Warehouse
from tests.support.http_fixtures import (
    CCDB_RESPONSES,
    NYC_DCWP,
    FakeCcdb,
    FakeSoda,
    local_server,
    recorded_hits,
    recorded_nyc,
)
from tests.support.realdata import REALDATA

RUNS = 3
EXAMPLES = PROJECT_ROOT / "data" / "examples"
MAPPINGS = PROJECT_ROOT / "data" / "mappings"
BLACKCAT = EXAMPLES / "blackcat_complaints_example.csv"
PENALTIES = EXAMPLES / "platform_penalty_notices_example.csv"
CFPB_CSV = REALDATA / "cfpb_complaints_csv" / "seunnna_api_export_payday_small_2025-04.csv"
pytestmark = pytest.mark.usefixtures("fast_http")

# A CCDB bulk CSV as the download writes it: console lines before the header, CRLF, `None`,
# a quoted narrative with a newline, one record whose date cannot be read (quarantined).
CFPB_FIXTURE = (
    "Archive:  complaints.csv.zip\r\n  inflating: complaints.csv\r\n"
    "Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,"
    "Company public response,Company,State,ZIP code,Tags,Consumer consent provided?,Submitted via,"
    "Date sent to company,Company response to consumer,Timely response?,Consumer disputed?,"
    "Complaint ID\r\n"
    "2025-03-02,Debt collection,I do not know,Attempts to collect debt not owed,None,"
    '"They called XXXX times\r\nafter I paid.",None,ACME RECOVERY LLC,NY,10001,None,'
    "Consent provided,Web,2025-03-02,Closed with explanation,Yes,N/A,9100001\r\n"
    "2025-03-05,Credit card,General-purpose credit card,Billing dispute,None,,None,"
    "BIG BANK NA,CA,94105,Servicemember,Consent not provided,Phone,2025-03-06,"
    "Closed with monetary relief,Yes,No,9100002\r\n"
    "2025-03-07,Credit card,General-purpose credit card,Billing dispute,None,,None,"
    "BIG BANK NA,CA,94105,None,None,Web,2025-03-07,In progress,Yes,N/A,9100003\r\n"
    "03/40/2025,Mortgage,None,Trouble during payment process,None,,None,"
    "HOME LOANS INC,TX,73301,None,None,Web,2025-03-09,Closed with explanation,No,N/A,9100004\r\n"
)


def fact_digests(warehouse: Warehouse) -> dict[str, tuple[int, str]]:
    """(rows, md5 of every row as JSON, ordered by id) per fact table, plus quarantine."""
    digests = {}
    with warehouse.connect_read_only() as con:
        for table in FACT_TABLES:
            # table and id names come from the loader's own constants, never from input
            sql = f"SELECT count(*), md5(coalesce(string_agg(to_json(t)::VARCHAR, chr(10) ORDER BY {ID_COLUMNS[table]}), '')) FROM {table} t"  # noqa: E501, S608
            digests[table] = con.execute(sql).fetchone()
        digests["quarantine"] = con.execute(
            "SELECT count(*), md5(coalesce(string_agg(to_json(q)::VARCHAR, chr(10) "
            "ORDER BY target_table, source_record_id, reason, raw), '')) FROM quarantine q"
        ).fetchone()
    return digests


def check_reruns(warehouse: Warehouse, make_source: Callable[[], object]) -> dict[str, tuple[int, str]]:
    """Run the source RUNS times; every re-run must leave the fact tables exactly as the first."""
    first = run_source(make_source(), warehouse=warehouse)
    assert first.total("inserted") > 0, "the first run loaded nothing: the check would prove nothing"
    after_first = fact_digests(warehouse)
    for attempt in range(2, RUNS + 1):
        result = run_source(make_source(), warehouse=warehouse)
        assert result.total("inserted") == result.total("updated") == result.total("deleted") == 0, (
            f"re-run {attempt}: {result.counts}"
        )
        assert fact_digests(warehouse) == after_first, f"re-run {attempt} changed the fact tables"
    with warehouse.connect_read_only() as con:
        statuses = [r[0] for r in con.execute("SELECT status FROM etl_runs").fetchall()]
    assert statuses == ["succeeded"] * RUNS
    return after_first


def test_demo(warehouse):
    digests = check_reruns(warehouse, lambda: DemoSource(DemoConfig(complaints=3_000, seed=11)))
    assert digests["complaints"][0] == 3_000


def test_cfpb_bulk_csv_fixture(warehouse, tmp_path):
    path = tmp_path / "complaints.csv"
    path.write_bytes(CFPB_FIXTURE.encode("utf-8"))
    digests = check_reruns(warehouse, lambda: CfpbCsvSource(path))
    assert digests["complaints"][0] == 3 and digests["quarantine"][0] == 1
    assert digests["merchants"][0] == 2  # the quarantined record's company is never emitted


@pytest.mark.realdata
@pytest.mark.skipif(not CFPB_CSV.exists(), reason=f"real CFPB CSV not present at {CFPB_CSV}")
def test_cfpb_bulk_csv_real(warehouse):
    check_reruns(warehouse, lambda: CfpbCsvSource(CFPB_CSV))


def _records(tmp_path: Path, fmt: str) -> tuple[Path, dict]:
    """The penalty notices example in one more format, with the shipped mapping."""
    mapping = load_mapping(MAPPINGS / "platform_penalty_notices.yaml")
    text = PENALTIES.read_text(encoding="utf-8")
    records = list(read_records(text, "csv"))
    target = tmp_path / f"penalties.{fmt.split('-')[0]}"
    if fmt == "csv-gb18030":
        target.write_bytes(text.encode("gb18030"))
    elif fmt == "json":
        target.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    elif fmt == "ndjson":
        target.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    return target, mapping


@pytest.mark.parametrize("fmt", ["csv-gb18030", "json", "ndjson"])
def test_file_import_converted_formats(warehouse, tmp_path, fmt):
    path, mapping = _records(tmp_path, fmt)
    digests = check_reruns(warehouse, lambda: FileImportSource(path, mapping))
    assert digests["penalties"][0] == 6 and digests["quarantine"][0] == 1


def test_file_import_csv_utf8_bom(warehouse):
    assert BLACKCAT.read_bytes().startswith(b"\xef\xbb\xbf")
    digests = check_reruns(
        warehouse, lambda: FileImportSource(BLACKCAT, MAPPINGS / "blackcat_complaints.yaml")
    )
    assert digests["complaints"][0] == 5 and digests["quarantine"][0] == 2


def test_file_import_csv_utf8_without_bom(warehouse):
    assert not PENALTIES.read_bytes().startswith(b"\xef\xbb\xbf")
    digests = check_reruns(
        warehouse, lambda: FileImportSource(PENALTIES, MAPPINGS / "platform_penalty_notices.yaml")
    )
    assert digests["penalties"][0] == 6


@pytest.mark.realdata
@pytest.mark.skipif(
    not CCDB_RESPONSES.exists(), reason=f"real CFPB API responses not present at {CCDB_RESPONSES}"
)
def test_cfpb_api_over_local_http(warehouse):
    hits, meta = recorded_hits()
    with local_server(FakeCcdb(hits, meta)) as (base, _):
        digests = check_reruns(warehouse, lambda: CfpbApiSource(base_url=base, page_size=25))
    assert digests["complaints"][0] == len(hits)


@pytest.mark.realdata
@pytest.mark.skipif(not NYC_DCWP.exists(), reason=f"real NYC DCWP records not present at {NYC_DCWP}")
def test_nyc_over_local_http(warehouse):
    complaints, charges = recorded_nyc()
    with local_server(FakeSoda({"nre2-6m2s": complaints, "5fn4-dr26": charges})) as (base, _):
        digests = check_reruns(warehouse, lambda: NycDcwpSource(base_url=base, page_size=4))
    assert digests["complaints"][0] == 10 and digests["penalties"][0] == 7
