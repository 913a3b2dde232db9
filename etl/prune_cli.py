"""`storewatch etl prune-raw`: delete old raw archives (raw_archive.py decides which), showing the plan."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from etl import raw_archive, warehouses
from etl.settings import load_settings
from etl.warehouse import RunInProgressError, Warehouse

console = Console()


def prune_raw(
    keep: Annotated[
        int, typer.Option(min=1, help="Per source, keep the archives of this many most recent runs.")
    ],
    dry_run: Annotated[bool, typer.Option(help="Print what would be deleted; delete nothing.")] = False,
    no_warehouse_check: Annotated[
        bool,
        typer.Option(
            "--no-warehouse-check",
            help="Prune even when there is no warehouse (then only --keep applies). "
            "A warehouse that exists is always read.",
        ),
    ] = False,
) -> None:
    """Delete old raw archives under <data dir>/raw/, keeping the evidence for served rows.

    Per source, the archives of the --keep most recent runs are kept (by start time in etl_runs,
    else the run journal, else the folder's mtime), and so is every run whose run_id still appears
    on a row any warehouse serves, however old (all warehouses share the raw archive). Other
    archives, failed runs' included, are deleted.
    """
    settings = load_settings()
    # the raw archive is shared by every warehouse: each one's rows and journal decide what is kept
    every = [Warehouse(settings.warehouse_path(name)) for name in warehouses.directory_names(settings)]
    try:
        with contextlib.ExitStack() as locks:
            for warehouse in every:  # no run may start (and archive, or publish) while we decide and delete
                locks.enter_context(warehouse.lock())
            provenance = _provenance_of_all(every, check_warehouse=not no_warehouse_check)
            if provenance is None:
                console.print(
                    f"[red]no warehouse in {settings.warehouses_dir}; without one no one can tell which "
                    "archives served rows cite, so nothing was pruned. Pass --no-warehouse-check to prune "
                    "by --keep alone.[/red]"
                )
                raise typer.Exit(2)
            plan = raw_archive.plan_prune(settings.raw_dir, keep, provenance)
            _print_prune_plan(plan, settings.raw_dir, dry_run)
            if dry_run:
                return
            try:
                deleted = raw_archive.apply_prune(plan)
            except OSError as exc:
                console.print(f"[red]pruning stopped: {exc}[/red]")
                raise typer.Exit(1) from exc
    except RunInProgressError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    freed = sum(run.bytes for run in deleted)
    console.print(f"deleted {len(deleted)} run archive(s), {freed:,} bytes freed")


def _provenance_of_all(every: list[Warehouse], check_warehouse: bool) -> raw_archive.RunProvenance | None:
    """Runs cited by any warehouse's served rows, with start times from all; None when a check was asked
    for and no warehouse has a published version."""
    merged = raw_archive.RunProvenance(cited=None)
    for warehouse in every:
        one = raw_archive.read_provenance(warehouse, check_warehouse=False)
        merged.started_at.update(one.started_at)
        merged.status.update(one.status)
        if one.cited is not None:
            merged.cited = (merged.cited or set()) | one.cited
    if check_warehouse and merged.cited is None:
        return None
    return merged


def _print_prune_plan(plan: raw_archive.PrunePlan, raw_dir: Path, dry_run: bool) -> None:
    if not plan.runs:
        console.print(f"no raw archives under {raw_dir}")
        return
    if not plan.warehouse_checked:
        console.print("[yellow]no warehouse: archives are kept by --keep alone[/yellow]")
    title = f"raw archives under {raw_dir} (--keep {plan.keep})" + (
        " (dry run, nothing deleted)" if dry_run else ""
    )
    table = Table(title=title)
    table.add_column("source")
    gone_columns = (
        ("to delete", "files to delete", "bytes to free")
        if dry_run
        else ("deleted", "files deleted", "bytes freed")
    )
    for column in ("kept (recent)", "kept (rows cite them)", *gone_columns):
        table.add_column(column, justify="right")
    for source_id in plan.sources():
        runs = [run for run in plan.runs if run.source_id == source_id]
        gone = [run for run in runs if run.verdict == "delete"]
        table.add_row(
            source_id,
            f"{sum(run.verdict == 'recent' for run in runs):,}",
            f"{sum(run.verdict == 'cited' for run in runs):,}",
            f"{len(gone):,}",
            f"{sum(run.files for run in gone):,}",
            f"{sum(run.bytes for run in gone):,}",
        )
    console.print(table)
    gone = plan.to_delete()
    if gone:
        # plain lines, not a table: run ids must never be cut short on a narrow terminal
        console.print("would be deleted:" if dry_run else "deleting:")
        for run in gone:
            started = f"{run.started_at:%Y-%m-%d %H:%M:%S}" + (
                " (folder mtime)" if run.started_from == "mtime" else ""
            )
            console.print(
                f"  {run.source_id}/{run.run_id}  started {started}  {run.status or 'status unknown'}  "
                f"{run.files:,} files  {run.bytes:,} bytes",
                soft_wrap=True,
                markup=False,
                highlight=False,
            )
