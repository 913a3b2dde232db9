"""The `storewatch` command: ETL runs, status, and serving the dashboard."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from etl import raw_archive
from etl.bench.command import bench
from etl.export_cli import export
from etl.settings import PROJECT_ROOT, load_settings
from etl.source_cli import add_source_commands, run_and_report
from etl.warehouse import RunInProgressError, Warehouse, WarehouseMissingError

app = typer.Typer(
    help="Storewatch: merchant complaints, penalties and resolution times in one warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
etl_app = typer.Typer(help="Load data into the warehouse and inspect past runs.", no_args_is_help=True)
app.add_typer(etl_app, name="etl")
add_source_commands(etl_app)  # `etl demo`, `etl cfpb`, ...: one per module in etl/sources/
app.command("export")(export)
app.command("bench")(bench)
console = Console()


def _warehouse() -> Warehouse:
    return Warehouse(load_settings().warehouse_dir)


@etl_app.command("status")
def etl_status(
    limit: Annotated[int, typer.Option(help="How many recent runs to list.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List recent ETL runs (including failed and killed ones) and the warehouse being served."""
    warehouse = _warehouse()
    entries = warehouse.journal()[-limit:]
    if as_json:
        print(json.dumps([entry.__dict__ for entry in entries], ensure_ascii=False, indent=1))
        return
    current = warehouse.current_path()
    console.print(f"serving: {current if current else 'no warehouse yet (run `./storewatch etl demo`)'}")
    table = Table(title="ETL runs")
    for column in ("run", "source", "started", "finished", "status", "error"):
        table.add_column(column)
    for entry in entries:
        colour = {"succeeded": "green", "failed": "red"}.get(entry.status, "yellow")
        table.add_row(
            entry.run_id,
            entry.source_id,
            entry.started_at[:19],
            (entry.finished_at or "")[:19],
            f"[{colour}]{entry.status}[/{colour}]",
            (entry.error or "")[:80],
        )
    console.print(table)


@etl_app.command("prune-raw")
def etl_prune_raw(
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
    on a row of the served warehouse, however old. Other archives, failed runs' included, are deleted.
    """
    settings = load_settings()
    warehouse = _warehouse()
    # hold the ETL lock: no run may start (and archive, or publish) while we decide and delete
    locked = warehouse.lock() if warehouse.directory.is_dir() else contextlib.nullcontext()
    try:
        with locked:
            try:
                provenance = raw_archive.read_provenance(warehouse, check_warehouse=not no_warehouse_check)
            except WarehouseMissingError as exc:
                console.print(
                    f"[red]{exc}; without it no one can tell which archives served rows cite, so "
                    "nothing was pruned. Pass --no-warehouse-check to prune by --keep alone.[/red]"
                )
                raise typer.Exit(2) from exc
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


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port for the dashboard.")] = 8501,
    demo_complaints: Annotated[
        int, typer.Option(help="Size of the demo built when there is no warehouse.")
    ] = 200_000,
    headless: Annotated[bool, typer.Option(help="Do not try to open a browser.")] = True,
) -> None:
    """Build the demo warehouse if there is none, then serve the dashboard."""
    if _warehouse().current_path() is None:
        from etl.sources import demo

        console.print("No warehouse yet: building the synthetic demo marketplace first.")
        params = demo.DemoParams(complaints=demo_complaints)
        run_and_report(demo.build(params), params, dry_run=False)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
    ]
    console.print(f"Dashboard: http://localhost:{port}")
    raise typer.Exit(subprocess.call(command))


if __name__ == "__main__":
    app()
