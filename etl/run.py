"""Runs one source end to end: new warehouse version, load, metrics, record, publish."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb

from etl import disk_budget, duckdb_settings
from etl.basis import FACTS
from etl.context import RunContext, Source, SourceMeta, Watermark
from etl.load import StoreLinking, TableCounts, merge_staged
from etl.metrics import build_metrics
from etl.progress import Progress, SilentProgress
from etl.quarantine_report import (
    NothingLoadedError,
    QuarantineReason,
    summarise_quarantine,
    tables_with_nothing_loaded,
)
from etl.schema import prepare
from etl.settings import load_settings
from etl.version_check import check_version, row_counts
from etl.warehouse import JournalEntry, Warehouse, utc_now


class ExpectationError(RuntimeError):
    """A run that ends with fewer rows than its source declares a healthy run has (meta.expect)."""


# Distinct source words kept per column in etl_runs.notes (the counts of the rest are summed).
_NOTED_WORDS = 50


class RunResult:
    def __init__(
        self,
        run_id: str,
        path: Path,
        counts: dict[str, TableCounts],
        store_linking: StoreLinking | None = None,
        quarantine_reasons: list[QuarantineReason] | None = None,
        mapped_to_other: dict[str, Counter[str]] | None = None,
    ) -> None:
        self.run_id = run_id
        self.path = path
        self.counts = counts
        # file imports: how the file's stores met the warehouse's (None for other sources)
        self.store_linking = store_linking
        # this run's quarantined records by table, column and kind of reason, most frequent first
        self.quarantine_reasons = quarantine_reasons or []
        # per `table.column` of an open vocabulary, the source words that landed as `other`
        self.mapped_to_other = mapped_to_other or {}

    def total(self, field: str) -> int:
        return sum(getattr(counts, field) for counts in self.counts.values())


def new_run_id(source_id: str) -> str:
    return f"{utc_now():%Y%m%dT%H%M%S}-{source_id}-{uuid.uuid4().hex[:8]}"


def run_source(
    source: Source,
    warehouse: Warehouse | None = None,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
    on_phase: Callable[[str], None] | None = None,
) -> RunResult:
    """Load `source` into a new warehouse version and publish it; on any failure publish nothing.

    With dry_run the run validates and counts but discards the new version. `on_phase` is called
    with the name of each phase boundary the run passes (PHASES), so tests can kill a run there.
    """
    phase = on_phase or _no_phase
    settings = load_settings()
    warehouse = warehouse or Warehouse(settings.warehouse_dir)
    progress = progress or SilentProgress()
    params = params or {}
    meta = source.meta
    run_id = new_run_id(meta.source_id)
    with warehouse.lock():
        warehouse.mark_dead_runs_failed()
        warehouse.prune(settings.version_grace_seconds)
        entry = JournalEntry(
            run_id=run_id,
            source_id=meta.source_id,
            started_at=utc_now().isoformat(),
            pid=os.getpid(),
            params=params,
        )
        warehouse.write_journal(entry)
        path = warehouse.new_version_path(run_id)
        con = None
        try:
            # inside the try: a refusal, a damaged base or a disk filling during the copy is journaled
            disk_budget.reserve(warehouse, settings)
            warehouse.start_version(run_id)
            phase("copied")
            con = duckdb.connect(str(path))
            duckdb_settings.limit_build_memory(con, settings.build_memory_limit)
            prepare(con)
            stored_watermark = _previous_watermark(con, meta.source_id)
            ctx = RunContext(
                run_id=run_id,
                meta=meta,
                con=con,
                started_at=utc_now(),
                settings=settings,
                progress=progress,
                previous_watermark=_parse_watermark(meta, stored_watermark),
                dry_run=dry_run,
            )
            _register_source(con, meta)
            _record_published_facts(con, meta, run_id)
            source.extract(ctx)
            # a run that moved no cursor keeps the last one, as it was stored
            watermark = _dump_watermark(meta, ctx.watermark) or stored_watermark
            phase("extracted")
            counts = merge_staged(ctx.staging, meta.write_disposition)
            # before re-met records are forgotten: the summary reports every record this run rejected
            reasons = summarise_quarantine(con, run_id)
            empty = tables_with_nothing_loaded(counts)
            if empty:
                raise NothingLoadedError(empty, reasons)
            _forget_requarantined(con, run_id)
            _check_expectations(con, meta)
            phase("merged")
            con.execute(
                "UPDATE sources SET as_of = ? WHERE source_id = ?",
                [ctx.as_of or ctx.started_at, meta.source_id],
            )
            build_metrics(con, progress)
            phase("metrics_built")
            _record_failed_runs(con, warehouse)
            notes = _run_notes(ctx.mapped_to_other, reasons)
            _record_run(con, ctx, counts, path.name, params, watermark, notes)
            con.execute("CHECKPOINT")
            written = row_counts(con)
            con.close()
            con = None
            phase("checkpointed")
            if dry_run:
                warehouse.discard(path)  # the context archived no raw page either
            else:
                check_version(path, written)  # reopened from disk: what readers will get
                entry.row_counts = written
                warehouse.write_journal(entry)  # before publishing, so a run killed after it has them
                warehouse.publish(path)
        except BaseException as exc:
            if con is not None:
                con.close()
            # publish can fail after the pointer moved (fsync, utime): then this version is served
            # and complete, and deleting it would leave CURRENT pointing at nothing
            served = warehouse.current_path() == path
            if not served:
                warehouse.discard(path)
            entry.status = "succeeded" if served else "failed"
            entry.warehouse_file = path.name if served else None
            entry.finished_at = utc_now().isoformat()
            entry.error = f"{type(exc).__name__}: {exc}"
            _journal_failure(warehouse, entry)
            raise
        if not dry_run:
            phase("published")
        entry.status = "succeeded" if not dry_run else "dry-run"
        entry.finished_at = utc_now().isoformat()
        entry.warehouse_file = None if dry_run else path.name
        warehouse.write_journal(entry)
        phase("journaled")
        warehouse.prune(settings.version_grace_seconds)
        return RunResult(run_id, path, counts, ctx.staging.store_linking, reasons, ctx.mapped_to_other)


# The phase boundaries a run passes, in order (a dry run skips 'published').
PHASES = ("copied", "extracted", "merged", "metrics_built", "checkpointed", "published", "journaled")


def _no_phase(name: str) -> None:
    pass


def _journal_failure(warehouse: Warehouse, entry: JournalEntry) -> None:
    """Journal how the run ended; a disk too full even for that leaves it 'running', which
    `etl status` shows as died and the next run records as failed."""
    with contextlib.suppress(OSError):
        warehouse.write_journal(entry)


def _forget_requarantined(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Keep one quarantine row per bad record: a re-run that meets it again adds nothing.

    The first row stays, with the run and time it was first quarantined; this run's etl_runs
    counts still say how many bad records it met.
    """
    con.execute(
        """
        DELETE FROM quarantine AS q
        WHERE q.run_id = ? AND EXISTS (
            SELECT 1 FROM quarantine AS p
            WHERE p.run_id <> ? AND p.source_id = q.source_id AND p.target_table = q.target_table
              AND p.source_record_id IS NOT DISTINCT FROM q.source_record_id
              AND p.column_name IS NOT DISTINCT FROM q.column_name
              AND p.reason = q.reason AND p.raw IS NOT DISTINCT FROM q.raw)
        """,
        [run_id, run_id],
    )


def _register_source(con: duckdb.DuckDBPyConnection, meta: SourceMeta) -> None:
    con.execute(
        "INSERT OR REPLACE INTO sources (source_id, name, publisher, homepage, licence, "
        "is_synthetic, description, as_of) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "(SELECT as_of FROM sources WHERE source_id = ?))",
        [
            meta.source_id,
            meta.name,
            meta.publisher,
            meta.homepage,
            meta.licence,
            meta.is_synthetic,
            meta.description,
            meta.source_id,
        ],
    )


def _record_published_facts(con: duckdb.DuckDBPyConnection, meta: SourceMeta, run_id: str) -> None:
    """The facts this source id publishes: this run's, OR-ed with every earlier run's."""
    con.execute("DELETE FROM basis_facts")
    con.executemany(
        "INSERT INTO basis_facts VALUES (?, ?, ?)", [[fact, en, zh] for fact, (en, zh) in FACTS.items()]
    )
    con.executemany(
        "INSERT INTO source_facts AS f VALUES (?, ?, ?, ?) ON CONFLICT (source_id, fact) "
        "DO UPDATE SET published = f.published OR excluded.published, run_id = excluded.run_id",
        [[meta.source_id, fact, fact in meta.publishes, run_id] for fact in FACTS],
    )


def _check_expectations(con: duckdb.DuckDBPyConnection, meta: SourceMeta) -> None:
    """Fail the run when a table holds fewer of this source's rows than the source expects."""
    for table, minimum in meta.expect.items():
        # the table name was checked against the loader's fixed list when the meta was made
        sql = f"SELECT count(*) FROM {table} WHERE source_id = ?"  # noqa: S608
        found = con.execute(sql, [meta.source_id]).fetchone()[0]
        if found < minimum:
            raise ExpectationError(
                f"{meta.source_id}: expected at least {minimum:,} rows in {table}, "
                f"this run would leave {found:,}"
            )


def _parse_watermark(meta: SourceMeta, stored: str | None) -> Watermark | None:
    if stored is None or meta.watermark is None:
        return None
    try:
        return meta.watermark.parse(stored)
    except ValueError as exc:
        raise ValueError(
            f"{meta.source_id}: the stored watermark {stored!r} is not a {meta.watermark.__name__}: {exc}"
        ) from exc


def _dump_watermark(meta: SourceMeta, watermark: Watermark | None) -> str | None:
    if watermark is None:
        return None
    if meta.watermark is None or not isinstance(watermark, meta.watermark):
        expected = meta.watermark.__name__ if meta.watermark else "none (meta.watermark is None)"
        raise TypeError(f"{meta.source_id}: watermark {watermark!r} is not of its declared type, {expected}")
    return watermark.dump()


def _previous_watermark(con: duckdb.DuckDBPyConnection, source_id: str) -> str | None:
    row = con.execute(
        "SELECT watermark FROM etl_runs WHERE source_id = ? AND status = 'succeeded' "
        "AND watermark IS NOT NULL ORDER BY started_at DESC LIMIT 1",
        [source_id],
    ).fetchone()
    return row[0] if row else None


def _record_run(
    con: duckdb.DuckDBPyConnection,
    ctx: RunContext,
    counts: dict[str, TableCounts],
    file_name: str,
    params: dict[str, Any],
    watermark: str | None,
    notes: dict[str, Any],
) -> None:
    totals = {name: sum(getattr(c, name) for c in counts.values()) for name in asdict(TableCounts())}
    con.execute(
        "INSERT INTO etl_runs (run_id, source_id, started_at, finished_at, status, seen, inserted, "
        "updated, unchanged, deleted, quarantined, table_counts, watermark, params, error, "
        "warehouse_file, notes) VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
        [
            ctx.run_id,
            ctx.meta.source_id,
            ctx.started_at,
            utc_now(),
            totals["seen"],
            totals["inserted"],
            totals["updated"],
            totals["unchanged"],
            totals["deleted"],
            totals["quarantined"],
            json.dumps({table: asdict(c) for table, c in counts.items()}),
            watermark,
            json.dumps(params, default=str),
            file_name,
            json.dumps(notes, ensure_ascii=False),
        ],
    )


def _run_notes(mapped_to_other: dict[str, Counter[str]], reasons: list[QuarantineReason]) -> dict[str, Any]:
    """etl_runs.notes: the words taken as `other` (the most frequent, the rest summed), the reasons."""
    mapped: dict[str, dict[str, int]] = {}
    for column, words in mapped_to_other.items():
        top = dict(words.most_common(_NOTED_WORDS))
        rest = sum(words.values()) - sum(top.values())
        mapped[column] = top | ({"…": rest} if rest else {})
    return {"mapped_to_other": mapped, "quarantine_reasons": [asdict(r) for r in reasons]}


def _record_failed_runs(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> None:
    """Failed runs could not write to a warehouse; the next successful run records them."""
    recorded = {row[0] for row in con.execute("SELECT run_id FROM etl_runs").fetchall()}
    for entry in warehouse.journal():
        if entry.status != "failed" or entry.run_id in recorded:
            continue
        con.execute(
            "INSERT INTO etl_runs (run_id, source_id, started_at, finished_at, status, params, error) "
            "VALUES (?, ?, ?, ?, 'failed', ?, ?)",
            [
                entry.run_id,
                entry.source_id,
                entry.started_at,
                entry.finished_at,
                json.dumps(entry.params, default=str),
                entry.error,
            ],
        )
