"""Store and company names are bounded at load (NAME_MAX_CHARS): a longer name, or one whose search key
grows past the bound, is quarantined with its reason by the loader's rules, whichever way it came in."""

from __future__ import annotations

from datetime import datetime

from etl.context import RunContext, SourceMeta
from etl.run import run_source
from etl.sources.file_import import FileImportSource
from etl.text import NAME_MAX_CHARS
from tests.support import hostile

LONG_NAME = "名" * 2_000_000
EXPANDING = "㍿" * 130  # 130 characters, 520 once normalised (NFKC makes ㍿ 株式会社)
AT_THE_BOUND = "店" * NAME_MAX_CHARS


class NamesSource:
    """Stages stores and entities through the context's emit_*_once, as the demo and CFPB do."""

    meta = SourceMeta(
        source_id="names",
        name="Long names",
        publisher="tests",
        homepage=None,
        licence=None,
        is_synthetic=True,
        description="stores and companies with names at and past the bound",
    )

    def extract(self, ctx: RunContext) -> None:
        ctx.emit_entity_once("e-long", LONG_NAME, {"id": "e-long"})
        ctx.emit_entity_once("e-expanding", EXPANDING, {"id": "e-expanding"})
        good = ctx.emit_entity_once("e-ok", AT_THE_BOUND, {"id": "e-ok"})
        stores = {
            "s-long": (LONG_NAME, good),
            "s-long-entity": ("Short name", ctx.stable_id("e-long")),
            "s-ok": (AT_THE_BOUND, good),
        }
        for key, (name, entity_id) in stores.items():
            merchant_id = ctx.emit_store_once(key, name, "tmall", {"id": key}, entity_id=entity_id)
            row = {"source_record_id": f"c-{key}", "merchant_id": merchant_id, "platform": "tmall"}
            filed = {"filed_at": datetime(2026, 3, 1), "category": "other", "status": "open"}
            ctx.emit("complaints", {**row, **filed}, {"id": f"c-{key}"})


def quarantined(warehouse, table: str) -> dict[str, tuple[str, str]]:
    with warehouse.connect_read_only() as con:
        rows = con.execute(
            "SELECT source_record_id, column_name, reason FROM quarantine WHERE target_table = ?", [table]
        ).fetchall()
    return {record_id: (column, reason) for record_id, column, reason in rows}


def longest_names(warehouse) -> tuple[int, int]:
    with warehouse.connect_read_only() as con:
        return con.execute(
            "SELECT max(greatest(length(name), length(name_normalised))) FROM merchants"
            " UNION ALL SELECT max(greatest(length(name), length(name_normalised))) FROM entities"
        ).fetchall()


def test_names_past_the_bound_are_quarantined_through_the_context(warehouse):
    run_source(NamesSource(), warehouse=warehouse)
    too_long = f"name longer than {NAME_MAX_CHARS} characters"
    assert quarantined(warehouse, "entities") == {
        "e-long": ("name", f"entity {too_long}"),
        "e-expanding": ("name_normalised", f"entity {too_long}"),
    }
    assert quarantined(warehouse, "merchants") == {
        "s-long": ("name", f"store {too_long}"),
        "s-long-entity": ("entity_id", "unknown legal entity"),
    }
    assert set(quarantined(warehouse, "complaints")) == {"c-s-long", "c-s-long-entity"}
    # a name at the bound loads, store and entity alike
    assert [row[0] for row in longest_names(warehouse)] == [NAME_MAX_CHARS, NAME_MAX_CHARS]


def test_a_csv_import_cannot_stage_a_name_past_the_bound(warehouse, tmp_path):
    records = [
        hostile.Hostile("long", {**hostile.BASE, "id": "long-store", "store": LONG_NAME}),
        hostile.Hostile("entity", {**hostile.BASE, "id": "long-entity", "entity": LONG_NAME}),
        hostile.Hostile("expanding", {**hostile.BASE, "id": "expanding", "store": EXPANDING}),
        hostile.Hostile("ok", {**hostile.BASE, "id": "ok", "store": AT_THE_BOUND, "entity": "甲公司"}),
    ]
    path = tmp_path / "long_names.csv"
    path.write_bytes(hostile.csv_bytes(records))
    run_source(FileImportSource(path, hostile.mapping("csv", "long_names")), warehouse=warehouse)
    stores = quarantined(warehouse, "merchants")
    too_long = f"store name longer than {NAME_MAX_CHARS} characters"
    assert sorted(stores.values()) == [
        ("entity_id", "unknown legal entity"),
        ("name", too_long),
        ("name_normalised", too_long),
    ]
    assert [reason for _, reason in quarantined(warehouse, "entities").values()] == [
        f"entity name longer than {NAME_MAX_CHARS} characters"
    ]
    complaints = quarantined(warehouse, "complaints")
    assert set(complaints) == {"long-store", "long-entity", "expanding"}
    assert {column for column, _ in complaints.values()} == {"merchant_id"}
    assert longest_names(warehouse)[0][0] == NAME_MAX_CHARS
