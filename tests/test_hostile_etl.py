"""The hostile corpus through every ETL way in: each record loaded as inert text or quarantined with
its column, nothing crashes, nothing is lost (rows in = loaded + quarantined), no formula in a CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import httpx
import pytest

from etl.exports.catalogue import DATASETS, Filters
from etl.exports.writers import neutralise_formulas, write_csv
from etl.ids import public_record_id
from etl.pii import mask_pii
from etl.readers import UnreadableFileError
from etl.run import run_source
from etl.sources.cfpb import CfpbApiSource, CfpbCsvSource
from etl.sources.file_import import FileImportSource
from tests.support import hostile
from tests.support.hostile_files import file_ways

pytestmark = pytest.mark.usefixtures("fast_http")
FIGURES: dict[str, dict[str, int]] = {}
# What spreadsheets run as a formula (OWASP CSV injection), written here apart from etl/exports/
SPREADSHEET_FORMULA = re.compile(r"^[=+\-@\t\r＝＋－＠﹦﹢﹣﹫]")


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


def outcome(warehouse, source_id: str) -> tuple[dict[str, tuple], list[tuple]]:
    """Loaded complaints by record id (narrative, issue, store) and quarantined complaint records."""
    loaded = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "SELECT c.source_record_id, c.narrative, c.issue, m.name, c.narrative_masked_items "
            "FROM complaints c JOIN merchants m USING (merchant_id) WHERE c.source_id = ?",
            [source_id],
        )
    }
    quarantined = query(
        warehouse,
        "SELECT source_record_id, column_name, reason FROM quarantine "
        "WHERE source_id = ? AND target_table = 'complaints'",
        [source_id],
    )
    return loaded, quarantined


def check_fates(
    warehouse, source_id: str, way: str, expected: list[tuple[Any, str | None]], rows_in: int
) -> None:
    """Every record ended where it should, and none went missing."""
    loaded, quarantined = outcome(warehouse, source_id)
    FIGURES[way] = {
        "tried": rows_in,
        "loaded": len(loaded),
        "quarantined": len(quarantined),
        "lost": rows_in - len(loaded) - len(quarantined),
    }
    assert len(loaded) + len(quarantined) == rows_in, FIGURES[way]
    by_id: dict[Any, list[str | None]] = {}
    for record_id, column, _reason in quarantined:
        by_id.setdefault(record_id, []).append(column)
    for given_id, fate in expected:
        record_id = public_record_id(str(given_id))  # a personal-looking id is stored as its hash
        if fate is None:
            assert record_id in loaded, (
                f"{way}: {record_id!r} should have loaded; quarantine: {by_id.get(record_id)}"
            )
        else:
            assert fate in by_id.get(record_id, []), (
                f"{way}: {record_id!r} should be quarantined under {fate}"
            )
    # the tables a SQL payload names are still there and whole
    assert query(warehouse, "SELECT count(*) FROM merchants")[0][0] > 0


def check_texts(warehouse, source_id: str, records: list[hostile.Hostile]) -> None:
    """Loaded texts are stored as given, apart from the documented control-character policy."""
    loaded, _ = outcome(warehouse, source_id)
    for record in records:
        if not record.label.startswith("text"):
            continue
        narrative, issue, store, _masked = loaded[public_record_id(record.fields["id"])]
        assert narrative == mask_pii(hostile.expected_text(record.fields["narrative"]))[0], record.label
        assert issue == mask_pii(hostile.expected_text(record.fields["issue"]))[0], record.label
        assert store == hostile.expected_text(record.fields["store"]), record.label


@pytest.mark.slow  # the whole corpus, 100k-character texts included, loaded twice per way: 5-20 s each
@pytest.mark.parametrize(
    "way",
    [
        "csv-utf8",
        "csv-utf8-bom",
        "csv-gb18030",
        "csv-mixed-encodings",
        "csv-utf8-with-a-gb18030-line",
        "json",
        "ndjson",
    ],
)
def test_file_import_loads_or_quarantines_every_hostile_record(warehouse, tmp_path, way):
    name, path, records = next(w for w in file_ways(tmp_path) if w[0] == way)
    source_id = "hostile_" + name.replace("-", "_")
    mapping = hostile.mapping(path.suffix.lstrip("."), source_id)
    run_source(FileImportSource(path, mapping), warehouse=warehouse)
    expected = [(r.fields["id"], r.file_fate) for r in records if r.label != "dup"]
    check_fates(warehouse, source_id, name, expected, len(records))
    check_texts(warehouse, source_id, records)
    loaded, quarantined = outcome(warehouse, source_id)
    assert loaded["H-dup"][0] == "second version, different"
    if name.startswith("csv-m") or name.endswith("gb18030-line"):
        assert loaded["H-gbline"][0] == "国标编码的投诉"  # a GB18030 line in a UTF-8 file
    if name == "csv-mixed-encodings":
        assert ("H-badbytes", "narrative") in {(r[0], r[1]) for r in quarantined}
    # a re-run of the same hostile file changes nothing
    before = query(warehouse, "SELECT * FROM complaints ORDER BY complaint_id")
    run_source(FileImportSource(path, mapping), warehouse=warehouse)
    assert query(warehouse, "SELECT * FROM complaints ORDER BY complaint_id") == before


@pytest.mark.parametrize("file_format", ["json", "ndjson"])
def test_values_only_json_can_carry(warehouse, tmp_path, file_format):
    cases = hostile.json_only_records()
    path = tmp_path / f"only.{file_format}"
    if file_format == "json":
        path.write_text(json.dumps([case for case, _ in cases]), encoding="utf-8")
    else:
        lines = [json.dumps(case) for case, _ in cases] + ["{not json at all", '{"id": "H-cut", "store": "x']
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source_id = f"hostile_only_{file_format}"
    run_source(FileImportSource(path, hostile.mapping(file_format, source_id)), warehouse=warehouse)
    rows_in = len(cases) + (2 if file_format == "ndjson" else 0)
    expected = [(str(case["id"]), fate) for case, fate in cases if isinstance(case, dict)]
    check_fates(warehouse, source_id, f"{file_format}-only-values", expected, rows_in)
    loaded, quarantined = outcome(warehouse, source_id)
    assert loaded["12345"][0] == "numeric id"
    assert sum(1 for r in quarantined if r[2] == "record is not an object") == 3
    if file_format == "ndjson":
        assert sum(1 for r in quarantined if r[2].startswith("not valid JSON")) == 2


def test_a_json_file_that_is_not_json_fails_cleanly_and_keeps_the_warehouse(warehouse, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(hostile.json_text(hostile.corpus()[:3]), encoding="utf-8")
    run_source(FileImportSource(good, hostile.mapping("json")), warehouse=warehouse)
    served = warehouse.current_path().read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'[{"id": "x", \xff')
    with pytest.raises(UnreadableFileError, match="not valid JSON"):
        run_source(FileImportSource(bad, hostile.mapping("json")), warehouse=warehouse)
    assert warehouse.current_path().read_bytes() == served


def cfpb_expected(records: list[hostile.Hostile]) -> list[tuple[str, str | None]]:
    return [(r.fields["id"], r.cfpb_fate) for r in records if r.label != "dup"]


def test_cfpb_csv_loads_or_quarantines_every_hostile_record(warehouse, tmp_path):
    records = hostile.cfpb_records(hostile.corpus())
    path = tmp_path / "complaints.csv"
    path.write_text(
        "Archive:  complaints.zip\n  inflating: complaints.csv\n" + hostile.cfpb_csv_text(records)
    )
    run_source(CfpbCsvSource(path), warehouse=warehouse)
    check_fates(warehouse, "cfpb", "cfpb-csv", cfpb_expected(records), len(records))
    check_texts(warehouse, "cfpb", records)


def test_cfpb_api_loads_or_quarantines_every_hostile_record(warehouse):
    records = hostile.cfpb_records(hostile.corpus())
    sources: list[Any] = [hostile.cfpb_source(r) for r in records]
    odd = [
        {**sources[0], "complaint_id": "H-surrogate", "complaint_what_happened": "lone \ud800 here"},
        {**sources[0], "complaint_id": 987654, "company": "numeric id company"},
        [1, 2],
        "a string hit",
    ]
    hits = [{"_source": s} for s in sources + odd]
    body = json.dumps({"hits": {"hits": hits}, "_meta": {}}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    source = CfpbApiSource(base_url="http://ccdb.test/api/", transport=httpx.MockTransport(handler))
    run_source(source, warehouse=warehouse)
    expected = [*cfpb_expected(records), ("H-surrogate", None), ("987654", None)]
    check_fates(warehouse, "cfpb", "cfpb-api", expected, len(hits))
    check_texts(warehouse, "cfpb", records)
    loaded, _ = outcome(warehouse, "cfpb")
    assert loaded["H-surrogate"][0] == "lone \ufffd here"  # cannot be stored as UTF-8: replaced


def test_exports_carry_no_formula_and_texts_round_trip(warehouse, tmp_path):
    path = tmp_path / "all.csv"
    path.write_bytes(hostile.csv_bytes(hostile.corpus()))
    run_source(FileImportSource(path, hostile.mapping("csv")), warehouse=warehouse)
    out = tmp_path / "extract.csv"
    with warehouse.connect_read_only() as con:
        rows = write_csv(DATASETS["complaints"], Filters(), con, out)
        stored = dict(con.execute("SELECT source_record_id, issue FROM complaints").fetchall())
        names = dict(
            con.execute(
                "SELECT c.source_record_id, m.name FROM complaints c JOIN merchants m USING (merchant_id)"
            ).fetchall()
        )
    text = out.read_bytes().decode("utf-8-sig")
    extract = list(csv.DictReader(io.StringIO(text, newline="")))
    published_ids = " ".join(row["source_record_id"] + row["complaint_id"] for row in extract)
    for personal in hostile.PERSONAL_IDS:  # record ids that are personal data are published hashed
        assert personal not in published_ids
    assert len(extract) == rows == len(stored)
    formula = SPREADSHEET_FORMULA
    risky = 0
    for row in extract:
        for column, cell in row.items():
            assert not formula.match(cell), (column, cell)
        record_id = row["source_record_id"]
        if record_id.startswith("'") and formula.match(record_id[1:]):
            record_id = record_id[1:]  # an id can be a payload too
        for column, original in (("issue", stored[record_id]), ("store_name", names[record_id])):
            if original is not None and formula.match(original):
                risky += 1
                assert row[column] == "'" + original  # neutralised, otherwise unchanged
            elif original is not None:
                assert row[column] == original
    assert risky >= len(hostile.FORMULAS)  # the corpus's payloads reached the export and were defused


def test_every_hostile_text_is_defused_for_spreadsheets():
    """Tab and CR payloads never reach storage through the mapper (it strips cells): checked here."""
    import pyarrow as pa

    texts = [*hostile.TEXTS, *hostile.FORMULAS, "\n=1+1", " =1+1"]
    defused = neutralise_formulas(pa.array(texts)).to_pylist()
    formula = SPREADSHEET_FORMULA
    for original, cell in zip(texts, defused, strict=True):
        assert not formula.match(cell)
        assert cell == ("'" + original if formula.match(original) else original)


def test_exported_parquet_keeps_values_unchanged(warehouse, tmp_path):
    import pyarrow.parquet as pq

    from etl.exports.writers import write_parquet

    path = tmp_path / "all.json"
    path.write_text(hostile.json_text(hostile.corpus()), encoding="utf-8")
    run_source(FileImportSource(path, hostile.mapping("json")), warehouse=warehouse)
    out = tmp_path / "extract.parquet"
    with warehouse.connect_read_only() as con:
        write_parquet(DATASETS["complaints"], Filters(date_from=date(2000, 1, 1)), con, out)
        stored = dict(con.execute("SELECT source_record_id, issue FROM complaints").fetchall())
    table = pq.read_table(out).to_pydict()
    assert dict(zip(table["source_record_id"], table["issue"], strict=True)) == stored


def test_figures_are_printed_for_the_report(capsys):
    """Not a check: prints the per-way figures the tests above collected (run with -s)."""
    for way, figures in sorted(FIGURES.items()):
        print(f"HOSTILE {way}: {figures}")
