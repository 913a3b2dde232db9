"""`storewatch etl quarantine`: the records runs could not load, from the served warehouse.

A record quarantined again by a later run keeps its first row (etl/run.py), so `--run` names the
run that first met it.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from etl.settings import load_settings
from etl.warehouse import Warehouse, WarehouseMissingError

console = Console()
RAW_EXCERPT = 120  # characters of the raw record shown per row

_QUERY = """
SELECT run_id, source_id, target_table, column_name, reason, source_record_id,
       left(raw, ?) AS raw_excerpt, quarantined_at
FROM quarantine
WHERE (? IS NULL OR run_id = ?) AND (? IS NULL OR source_id = ?)
ORDER BY quarantined_at DESC, run_id, rowid
LIMIT ?
"""
_COUNT = "SELECT count(*) FROM quarantine WHERE (? IS NULL OR run_id = ?) AND (? IS NULL OR source_id = ?)"


def quarantine(
    run: Annotated[
        str | None, typer.Option(help="Only this run's records (a run id from `etl status`).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only this source's records (its source id).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="List at most this many records, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List quarantined records (reason, column, record id, raw excerpt) from the served warehouse."""
    try:
        con = Warehouse(load_settings().warehouse_dir).connect_read_only()
    except WarehouseMissingError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    filters = [run, run, source, source]
    with con:
        cursor = con.execute(_QUERY, [RAW_EXCERPT, *filters, limit])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        total = con.execute(_COUNT, filters).fetchone()[0]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    table = Table(title=f"quarantined records: {len(rows):,} of {total:,}")
    for column in ("run", "source", "table", "column", "reason", "record id", "raw"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["run_id"],
            row["source_id"],
            row["target_table"],
            row["column_name"] or "",
            row["reason"],
            row["source_record_id"] or "",
            row["raw_excerpt"] or "",
        )
    console.print(table)
    if total > len(rows):
        console.print(f"{total - len(rows):,} more: raise --limit, or narrow with --run / --source")
