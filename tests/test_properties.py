"""Hypothesis properties of the normalisers (names, ids, text policy, dates) and the mapping importer."""

from __future__ import annotations

import json
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from etl.context import RecordRejectedError
from etl.ids import STABLE_ID_MACRO, public_record_id, stable_id
from etl.quarantine_report import NothingLoadedError
from etl.run import run_source
from etl.sources.file_import import FileImportSource, RecordMapper
from etl.text import clean_text, fix_surrogates, normalise_name
from etl.warehouse import Warehouse
from tests.support import hostile

# Any code point, surrogates included (JSON can produce them), and a bias towards the awkward ones.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60) | st.text(
    alphabet="\x00\t\r\n\u202e\u2066\ufeff\u200b'\";--=+@ÅÅﬁ①Ⅻ１２３店鋪店铺 _-.", max_size=30
)
VALID_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_normalise_name_is_idempotent_and_keeps_only_word_characters(name):
    key = normalise_name(name)
    assert normalise_name(key) == key
    key.encode("utf-8")  # storable, even from lone surrogates
    assert all(c.isalnum() or unicodedata.category(c).startswith("M") for c in key)


@settings(max_examples=100, deadline=None)
@given(VALID_TEXT)
def test_normalise_name_ignores_case_and_surrounding_punctuation(name):
    assert normalise_name(name.casefold()) == normalise_name(name)
    assert normalise_name(f" ({name})! ") == normalise_name(name)


@pytest.fixture(scope="module")
def sql() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(STABLE_ID_MACRO)
    return con


@settings(max_examples=200, deadline=None)
@given(
    source=st.sampled_from(["demo", "cfpb", "x_1"]),
    record_id=VALID_TEXT | st.from_regex(r"[A-Za-z0-9._-]{1,70}", fullmatch=True),
)
def test_stable_ids_agree_between_python_and_sql(sql, source, record_id):
    # staging stores public_record_id (the id itself, or its hash when it looks personal): SQL sees that
    public = public_record_id(record_id)
    from_sql = sql.execute("SELECT storewatch_id(?, ?)", [source, public]).fetchone()[0]
    assert stable_id(source, record_id) == from_sql


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_surrogate_ids_agree_once_fixed(sql, record_id):
    """What the load path does: the Python id and the stored record id both see the fixed text."""
    fixed = fix_surrogates(record_id)
    assert stable_id("s", fixed) == sql.execute("SELECT storewatch_id('s', ?)", [fixed]).fetchone()[0]


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_clean_text_is_idempotent_storable_and_drops_only_controls(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    cleaned.encode("utf-8")
    assert not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in cleaned)
    # nothing else is touched: the visible characters keep their order
    visible = [
        c
        for c in fix_surrogates(text)
        if unicodedata.category(c) != "Cc"
        and c not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    ]
    assert [c for c in cleaned if c not in "\t\n\r"] == [c for c in visible if c not in "\t\n\r"]


MAPPER = RecordMapper(hostile.mapping("json"))


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
@example(datetime(1, 1, 1))  # east of UTC, the first hours of year 1 have no UTC time
@example(datetime(9999, 12, 31, 23, 59, 59))
def test_dates_round_trip_or_are_rejected_never_raise(moment):
    moment = moment.replace(microsecond=0)
    text = moment.isoformat(sep=" ")  # strftime would not pad year 999
    try:
        parsed = MAPPER.convert("filed_at", text, "filed")
    except RecordRejectedError as exc:
        assert exc.column == "filed_at" and "out of range" in exc.reason
        return
    # Asia/Shanghai is UTC+8 all year since 1991 (and +8 or +9 before): within 9 hours
    assert abs((moment - parsed).total_seconds() - 8 * 3600) <= 3600
    assert parsed.tzinfo is None


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_any_date_text_parses_or_is_rejected_with_its_column(text):
    try:
        parsed = MAPPER.convert("filed_at", text, "filed")
    except RecordRejectedError as exc:
        assert exc.column == "filed_at"
        return
    assert isinstance(parsed, datetime)
    assert parsed.replace(tzinfo=UTC) is not None


CELL = st.one_of(
    st.none(),
    ANY_TEXT,
    st.sampled_from(
        ["2024-03-05 10:15:00", "2024-03-05", "0001-01-01", "9999-12-31 23:59:59", "已完成", "处理中", "质量"]
    ),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
RECORD = st.fixed_dictionaries({column: CELL for column in hostile.COLUMNS if column != "id"})


@settings(max_examples=200, deadline=None)
@given(RECORD, ANY_TEXT)
def test_mapper_converts_any_record_or_rejects_it(record, record_id):
    record = {**record, "id": record_id}
    try:
        MAPPER.record_id(record)
        MAPPER.store(record)
        MAPPER.row(record)
    except RecordRejectedError as exc:
        assert exc.reason


@pytest.mark.slow  # 25 examples, each a fresh warehouse and a full load (about 25 s)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(RECORD, min_size=1, max_size=12),
    st.lists(ANY_TEXT, min_size=12, max_size=12, unique_by=str.strip),
)
def test_mapping_importer_never_loses_a_row(data_dir, records, ids):
    """Arbitrary rows in: the run completes and loaded + quarantined == rows in."""
    rows = [{**record, "id": record_id} for record, record_id in zip(records, ids, strict=False)]
    with tempfile.TemporaryDirectory(dir=data_dir) as directory:
        path = Path(directory) / "rows.ndjson"
        path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
        warehouse = Warehouse(Path(directory) / "warehouse")
        try:
            run_source(FileImportSource(path, hostile.mapping("ndjson", "prop")), warehouse=warehouse)
        except NothingLoadedError as failure:
            # every row quarantined: the run fails, publishes nothing, and counts every row it refused
            assert warehouse.current_path() is None
            refused = sum(reason.count for reason in failure.reasons if reason.table == "complaints")
            assert refused == len(rows), (refused, [r["id"] for r in rows])
            return
        with warehouse.connect_read_only() as con:
            loaded = con.execute("SELECT count(*) FROM complaints").fetchone()[0]
            quarantined = con.execute(
                "SELECT count(*) FROM quarantine WHERE target_table = 'complaints'"
            ).fetchone()[0]
    # ids are distinct after stripping, so no row is an exact duplicate of another
    assert loaded + quarantined == len(rows), (loaded, quarantined, [r["id"] for r in rows])
