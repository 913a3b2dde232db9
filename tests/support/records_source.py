"""A tiny record-by-record source for loader tests: it normalises dicts like a real source does."""

from __future__ import annotations

from datetime import datetime

from etl.context import RecordRejectedError, RunContext, SourceMeta

META = SourceMeta(
    source_id="fixture",
    name="Test fixture",
    publisher="tests",
    homepage=None,
    licence=None,
    is_synthetic=True,
    description="hand-written records for loader tests",
    publishes=frozenset({"complaints", "complaint_close_dates"}),
)


class RecordsSource:
    meta = META

    def __init__(self, stores: list[dict], complaints: list[dict], fail_after: int | None = None) -> None:
        self.stores = stores
        self.complaints = complaints
        self.fail_after = fail_after

    def extract(self, ctx: RunContext) -> None:
        for raw in self.stores:
            ctx.emit(
                "merchants",
                {
                    "source_record_id": raw["id"],
                    "name": raw["name"],
                    "name_normalised": raw["name"].lower(),
                    "platform": raw["platform"],
                },
                raw,
            )
        for index, raw in enumerate(self.complaints):
            if self.fail_after is not None and index == self.fail_after:
                raise RuntimeError("source broke midway")
            try:
                row = normalise_complaint(ctx, raw)
            except RecordRejectedError as exc:
                ctx.reject("complaints", raw.get("id"), exc.reason, raw, exc.column)
                continue
            ctx.emit("complaints", row, raw)


def normalise_complaint(ctx: RunContext, raw: dict) -> dict:
    try:
        filed = datetime.fromisoformat(raw["filed"])
    except (KeyError, ValueError) as exc:
        raise RecordRejectedError(f"unreadable filing date {raw.get('filed')!r}", "filed_at") from exc
    closed = datetime.fromisoformat(raw["closed"]) if raw.get("closed") else None
    return {
        "source_record_id": raw["id"],
        "merchant_id": ctx.stable_id(raw["store"]),
        "platform": raw.get("platform", "Tmall"),
        "filed_at": filed,
        "closed_at": closed,
        "category": raw.get("category", "quality"),
        "status": raw.get("status", "resolved" if closed else "open"),
    }


# A run in its own process that stages its records, says "staged" and then waits: tests kill it there.
# Argument: the warehouse directory.
SLOW_RUN_SCRIPT = """
import sys, time
from etl.run import run_source
from etl.warehouse import Warehouse
from tests.support.records_source import RecordsSource
from tests.support.loader_records import STORES, complaints

class Slow(RecordsSource):
    def extract(self, ctx):
        super().extract(ctx)
        print("staged", flush=True)
        time.sleep(60)

run_source(Slow(STORES, complaints()), warehouse=Warehouse(sys.argv[1]))
"""
