"""Staged batches keep every column any row has (issue 18): a key missing from the first row of a
batch, or from any row, loses nothing in the other rows."""

from __future__ import annotations

import csv
from datetime import date, datetime

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.load import Staging
from etl.run import run_source
from etl.schema import migrate
from etl.settings import PROJECT_ROOT
from etl.sources.file_import import FileImportSource

PENALTIES = PROJECT_ROOT / "data" / "examples" / "platform_penalty_notices_example.csv"
PENALTY_MAPPING = PROJECT_ROOT / "data" / "mappings" / "platform_penalty_notices.yaml"
OPTIONAL = {
    # letters only: stored text is cleaned and masked (etl/sanitise.py), which is not what this tests
    "category": st.text(alphabet="abc数码服饰", min_size=1, max_size=8),
    "store_url": st.text(alphabet="xyz", min_size=1, max_size=8),
    "size_measure": st.floats(min_value=0, max_value=1e9, allow_nan=False),
    "opened_on": st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
    "listed_in_register": st.booleans(),
}


@st.composite
def store_rows(draw) -> list[dict]:
    count = draw(st.integers(min_value=1, max_value=30))
    rows = []
    for n in range(count):
        row = {"source_record_id": f"s{n}", "name": f"store {n}", "platform": "taobao"}
        for key, values in OPTIONAL.items():
            if draw(st.booleans()):  # each optional key is dropped from about half of the rows
                row[key] = draw(values)
        rows.append(row)
    return draw(st.permutations(rows))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=store_rows())
def test_every_value_of_every_row_is_staged_whatever_the_order_and_missing_keys(rows):
    con = duckdb.connect()
    migrate(con)
    staging = Staging(con, "run", "src", datetime(2026, 1, 1))
    for row in rows:
        staging.add_row("merchants", dict(row), row)
    staging.flush_all()
    columns = ["source_record_id", *OPTIONAL]
    sql = "SELECT source_record_id, category, store_url, size_measure, opened_on, listed_in_register"
    staged = {
        r[0]: dict(zip(columns, r, strict=True))
        for r in con.execute(sql + " FROM stage_merchants").fetchall()
    }
    for row in rows:
        kept = staged[row["source_record_id"]]
        for key in OPTIONAL:
            assert kept[key] == row.get(key), (key, row)


def test_a_blank_entity_in_the_first_notice_keeps_the_others_entities(warehouse, tmp_path):
    with open(PENALTIES, encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    records[1][records[0].index("经营主体")] = ""
    blanked = tmp_path / "notices.csv"
    with open(blanked, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    run_source(FileImportSource(blanked, PENALTY_MAPPING), warehouse=warehouse)
    with warehouse.connect_read_only() as con:
        loaded, with_entity = con.execute("SELECT count(*), count(entity_id) FROM penalties").fetchone()
    named = {r[0] for r in records[1:] if r[records[0].index("经营主体")]}
    assert loaded == 6
    assert with_entity == len(named & {r[0] for r in records[1:7]}) == 4
