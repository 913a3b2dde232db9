"""`storewatch export`: the downloads page's extracts without its browser cap, streamed to a file.

The rows, columns, formula neutralising and citation come from etl/exports/, so a file written here
equals the one the page offers for the same filters (tests/test_export_cli.py compares them).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from etl import duckdb_settings, warehouses
from etl.cli_errors import fail, say
from etl.exports.catalogue import DATASETS, Dataset, DatasetUnavailableError, Filters
from etl.exports.choices import FilterChoiceError, checked_filters
from etl.exports.citation import citation, provenance
from etl.exports.queries import count_rows
from etl.exports.writers import write_csv, write_parquet
from etl.progress import rich_progress
from etl.settings import load_settings
from etl.warehouse import WarehouseMissingError

FORMATS = ("csv", "parquet")
console = Console(stderr=True)


def _date(text: str | None, option: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text!r}", param_hint=option) from exc


def _writable(out: Path) -> None:
    """Refuse, in one line, an --out the extract could not be written to (before any row is read)."""
    if out.is_dir():
        fail(f"--out {out} is a directory; give a file name such as {out / 'extract.csv'}")
    if not out.parent.is_dir():
        fail(f"directory {out.parent} does not exist; create it or choose another --out")
    if not os.access(out.parent, os.W_OK):
        fail(f"directory {out.parent} is not writable; choose another --out")


def _outside_data_dir(out: Path, data_dir: Path) -> None:
    """Refuse an --out inside the data directory: it holds the served warehouse, its journal and raw
    archive, and an extract written over one of them destroys it (symlinks are followed)."""
    if out.resolve().is_relative_to(data_dir.resolve()):
        fail(f"--out {out} is inside the data directory {data_dir}; write extracts somewhere else")


def _stream(
    dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection, path: Path, fmt: str, metadata
) -> int:
    """Write the extract batch by batch, advancing a progress bar over the matching rows."""
    total = count_rows(dataset, filters, con)
    with rich_progress() as progress:
        task = progress.task(f"{dataset.name} → {path.name}", total=total)
        if fmt == "csv":
            return write_csv(dataset, filters, con, path, on_batch=task.advance)
        return write_parquet(dataset, filters, con, path, metadata, on_batch=task.advance)


def export(
    dataset: Annotated[str, typer.Argument(help=f"What to export: {', '.join(DATASETS)}.")],
    out: Annotated[Path, typer.Option("--out", help="File to write (replaced only once complete).")],
    fmt: Annotated[str, typer.Option("--format", help="csv (formulas neutralised) or parquet.")] = "csv",
    platform: Annotated[list[str] | None, typer.Option(help="Platform (repeat for several).")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Complaint or store category code.")] = None,
    violation: Annotated[list[str] | None, typer.Option(help="Violation type code.")] = None,
    tier: Annotated[
        list[str] | None, typer.Option(help="Size tier: small, mid, large, top, unknown.")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    store: Annotated[str | None, typer.Option(help="One store id, e.g. demo:m123.")] = None,
) -> None:
    """Export a dataset with the downloads page's filters, streamed to CSV or Parquet, no row cap."""
    if dataset not in DATASETS:
        fail(f"unknown dataset {dataset!r}; choose one of: {', '.join(DATASETS)}")
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; choose csv or parquet")
    chosen = DATASETS[dataset]
    filters = Filters(
        platforms=tuple(platform or ()),
        categories=tuple(category or ()),
        violations=tuple(violation or ()),
        size_tiers=tuple(tier or ()),
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
        merchant_id=store or None,
    )
    settings = load_settings()
    _outside_data_dir(out, settings.data_dir)
    _writable(out)
    try:
        con = warehouses.require_built(settings, settings.served_warehouse).connect_read_only()
    except (warehouses.WarehouseChoiceError, WarehouseMissingError) as exc:
        fail(str(exc), code=1)
    except duckdb.Error as exc:  # the served file is damaged
        fail(f"cannot open warehouse {settings.served_warehouse}: {str(exc).splitlines()[0]}", code=1)
    partial = out.with_name(f".{out.name}.partial")
    try:
        duckdb_settings.limit_read_memory(con)
        filters = checked_filters(chosen, filters, con)
        prov = provenance(con)
        say(f"exporting from warehouse [bold]{settings.served_warehouse}[/bold] ({_kind(prov)})")
        cite = citation(chosen, filters, con, date.today())
        metadata = {"citation": cite, "as_of": prov["as_of"], "filters": filters.describe()}
        rows = _stream(chosen, filters, con, partial, fmt, metadata)
        os.replace(partial, out)  # a failed export never leaves a half-written file under the name
    except FilterChoiceError as exc:
        fail(str(exc))
    except DatasetUnavailableError as exc:
        fail(f"{dataset} needs metric tables this warehouse lacks: {exc}")
    except OSError as exc:  # the disk filled up, the directory went away
        fail(f"cannot write {out}: {exc.strerror or exc}", code=1)
    finally:
        partial.unlink(missing_ok=True)
        con.close()
    print(f"{rows:,} rows written to {out}")
    print(cite)


def _kind(prov: dict) -> str:
    flags = {source["synthetic"] for source in prov["sources"]}
    return {frozenset({True}): "synthetic records", frozenset({False}): "real records"}.get(
        frozenset(flags), "synthetic and real records, labelled per row" if flags else "no sources yet"
    )
