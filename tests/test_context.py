"""The source-facing context: typed watermarks, expectations, emitting once, fetching with the archive."""

from __future__ import annotations

import ast
import dataclasses
import re
from datetime import date, datetime
from typing import Any, ClassVar

import duckdb
import httpx
import pytest

from etl.context import RunContext, SourceMeta
from etl.run import ExpectationError, run_source
from etl.settings import PROJECT_ROOT
from etl.sources import source_commands
from etl.sources.cfpb import CfpbWatermark
from etl.sources.nyc import NycWatermark
from tests.support.records_source import META, RecordsSource

STORES = [{"id": "s1", "name": "Store One", "platform": "Tmall"}]
COMPLAINTS = [{"id": f"c{n}", "store": "s1", "filed": f"2026-01-0{n}T10:00:00"} for n in range(1, 4)]


def query(warehouse, sql, params=None):
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


# -- typed watermarks ---------------------------------------------------------------------------
# exactly as etl_runs.watermark holds them in warehouses built before watermarks were typed
OLD_CFPB = "2021-12-07"
OLD_NYC = (
    '{"charges_updated_at": "2026-01-20T00:00:00.000Z", "complaints_updated_at": "2026-02-01T09:00:00.000Z"}'
)
OLD_NYC_ONE_DATASET = '{"complaints_updated_at": "2026-03-02T08:15:30.250Z"}'


def test_stored_watermarks_from_old_warehouses_are_read_and_written_back_unchanged():
    assert CfpbWatermark.parse(OLD_CFPB) == CfpbWatermark(date(2021, 12, 7))
    assert CfpbWatermark.parse(OLD_CFPB).dump() == OLD_CFPB
    nyc = NycWatermark.parse(OLD_NYC)
    assert nyc == NycWatermark(datetime(2026, 2, 1, 9), datetime(2026, 1, 20))
    assert nyc.dump() == OLD_NYC
    one = NycWatermark.parse(OLD_NYC_ONE_DATASET)
    assert one == NycWatermark(complaints_updated_at=datetime(2026, 3, 2, 8, 15, 30, 250_000))
    assert one.dump() == OLD_NYC_ONE_DATASET


@dataclasses.dataclass(frozen=True)
class Counter:
    """A watermark for the tests: how many runs came before."""

    runs: int

    @classmethod
    def parse(cls, stored: str) -> Counter:
        return cls(int(stored))

    def dump(self) -> str:
        return str(self.runs)


class CountingSource(RecordsSource):
    meta = dataclasses.replace(META, watermark=Counter)
    seen: ClassVar[list[Any]] = []

    def extract(self, ctx: RunContext) -> None:
        CountingSource.seen.append(ctx.previous_watermark)
        super().extract(ctx)
        ctx.watermark = Counter((ctx.previous_watermark or Counter(0)).runs + 1)


def test_a_source_gets_its_previous_watermark_typed_and_stores_the_new_one_as_text(warehouse):
    CountingSource.seen = []
    for _ in range(3):
        run_source(CountingSource(STORES, COMPLAINTS), warehouse=warehouse)
    assert CountingSource.seen == [None, Counter(1), Counter(2)]
    assert query(warehouse, "SELECT watermark FROM etl_runs ORDER BY started_at") == [("1",), ("2",), ("3",)]


def test_a_watermark_of_another_type_fails_the_run(warehouse):
    class Careless(RecordsSource):
        meta = dataclasses.replace(META, watermark=Counter)

        def extract(self, ctx: RunContext) -> None:
            super().extract(ctx)
            ctx.watermark = "3"  # text, where the source declared a Counter

    with pytest.raises(TypeError, match="not of its declared type, Counter"):
        run_source(Careless(STORES, COMPLAINTS), warehouse=warehouse)
    assert warehouse.current_path() is None


def test_an_unreadable_stored_watermark_is_named_in_the_error(warehouse):
    run_source(RecordsSource(STORES, COMPLAINTS), warehouse=warehouse)
    with warehouse.connect_read_only() as con:
        file = con.execute("SELECT warehouse_file FROM etl_runs").fetchone()[0]
    with duckdb.connect(str(warehouse.directory / file)) as con:
        con.execute("UPDATE etl_runs SET watermark = 'three'")
    with pytest.raises(ValueError, match="the stored watermark 'three' is not a Counter"):
        run_source(CountingSource(STORES, COMPLAINTS), warehouse=warehouse)


# -- expectations -------------------------------------------------------------------------------
class Expecting(RecordsSource):
    meta = dataclasses.replace(META, expect={"complaints": 4})


def test_a_run_below_its_expected_count_fails_in_one_line_and_publishes_nothing(warehouse):
    run_source(RecordsSource(STORES, COMPLAINTS[:1]), warehouse=warehouse)
    served = warehouse.current_path()
    with pytest.raises(ExpectationError) as failure:
        run_source(Expecting(STORES, COMPLAINTS), warehouse=warehouse)
    assert str(failure.value) == "fixture: expected at least 4 rows in complaints, this run would leave 3"
    assert warehouse.current_path() == served
    assert query(warehouse, "SELECT count(*) FROM complaints") == [(1,)]
    assert warehouse.journal()[-1].status == "failed"
    # the count is of the source's rows once merged, so an incremental run that adds one passes
    more = [*COMPLAINTS, {"id": "c4", "store": "s1", "filed": "2026-01-04T10:00:00"}]
    result = run_source(Expecting(STORES, more), warehouse=warehouse)
    assert result.counts["complaints"].inserted == 3
    assert query(warehouse, "SELECT count(*) FROM complaints") == [(4,)]


def test_an_expectation_on_an_unknown_table_is_refused():
    with pytest.raises(ValueError, match="unknown tables"):
        dataclasses.replace(META, expect={"complaint": 1})


# -- emitting stores and entities once ----------------------------------------------------------
class Repeating:
    meta = SourceMeta("repeating", "Repeats", "tests", None, None, True, "stores met many times")
    ids: ClassVar[list[str]] = []

    def extract(self, ctx: RunContext) -> None:
        for n in range(3):
            entity = ctx.emit_entity_once("e1", "Entity One", {"entity": "e1", "n": n})
            store = ctx.emit_store_once(
                "s1", f"Store {n}", "Tmall", {"store": "s1", "n": n}, entity_id=entity
            )
            Repeating.ids.append(store)


def test_a_store_and_an_entity_met_many_times_are_staged_once_the_first_time(warehouse):
    Repeating.ids = []
    result = run_source(Repeating(), warehouse=warehouse)
    assert result.counts["merchants"].seen == 1 and result.counts["entities"].seen == 1
    assert query(warehouse, "SELECT name, name_normalised, entity_id IS NOT NULL FROM merchants") == [
        ("Store 0", "store0", True)
    ]
    assert len(set(Repeating.ids)) == 1
    assert query(warehouse, "SELECT merchant_id FROM merchants") == [(Repeating.ids[0],)]


# -- fetching ---------------------------------------------------------------------------------------
class Fetching:
    meta = SourceMeta("fetching", "Fetches", "tests", None, None, True, "one text page")
    text: str | None = None

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    def extract(self, ctx: RunContext) -> None:
        with ctx.http_client("http://pages.test", transport=self.transport) as client:
            Fetching.text = ctx.fetch_text(client, "/list.csv")


def page(request: httpx.Request) -> httpx.Response:
    body = "name,fine\nÉcole,1\n".encode("latin-1")
    return httpx.Response(200, content=body, headers={"Content-Type": "text/csv; charset=ISO-8859-1"})


def test_fetch_text_decodes_with_the_declared_charset_and_archives_the_page(warehouse, data_dir):
    result = run_source(Fetching(httpx.MockTransport(page)), warehouse=warehouse)
    assert Fetching.text == "name,fine\nÉcole,1\n"
    archive = data_dir / "raw" / "fetching" / result.run_id
    assert sorted(path.name for path in archive.iterdir()) == ["00001.gz", "manifest.jsonl"]


def test_a_dry_run_fetches_but_archives_nothing(warehouse, data_dir):
    run_source(Fetching(httpx.MockTransport(page)), warehouse=warehouse, dry_run=True)
    assert Fetching.text == "name,fine\nÉcole,1\n"
    assert not (data_dir / "raw").exists()


# -- the guide ------------------------------------------------------------------------------------
GUIDE = PROJECT_ROOT / "docs" / "adding-a-source.md"
EXAMPLE = PROJECT_ROOT / "etl" / "sources" / "cfpb_enforcement.py"


def test_the_guide_quotes_the_example_as_it_is_and_names_calls_that_exist():
    """Code the guide quotes from the example module is in it, line for line ('...' skips lines);
    every ctx call it lists is a RunContext method; its command is registered."""
    guide = GUIDE.read_text(encoding="utf-8")
    module_lines = {line.rstrip() for line in EXAMPLE.read_text(encoding="utf-8").splitlines()}
    quoted = re.findall(r"```python\n# etl/sources/cfpb_enforcement.py\n(.*?)```", guide, flags=re.DOTALL)
    assert len(quoted) >= 3
    for block in quoted:
        for line in block.splitlines():
            if line.strip() and line.strip() != "...":
                assert line.rstrip() in module_lines, line
    for method in set(re.findall(r"`ctx\.(\w+)\(", guide)):
        assert callable(getattr(RunContext, method, None)), method
    assert "cfpb-enforcement" in [command.name for command in source_commands()]


def test_sources_import_only_the_context_readers_and_text_helpers():
    """A source reaches staging, the network and settings through its context, never directly."""
    allowed = {
        "etl.context",
        "etl.readers",
        "etl.ids",
        "etl.text",
        "etl.reference",
        "etl.sources",
        # the rules and vocabularies every load applies, which the generic file import checks early
        "etl.validation",
        "etl.vocabularies",
        "etl.mapping_check",
    }
    for path in sorted((PROJECT_ROOT / "etl" / "sources").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("etl"):
                # a source's own helper modules (etl/sources/file_identity.py) are sources' code too
                within_sources = node.module.startswith("etl.sources.")
                assert node.module in allowed or within_sources, f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not any(alias.name.startswith("etl") for alias in node.names), path.name
