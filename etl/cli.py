"""The `storewatch` command: ETL runs, status, and serving the dashboard."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from etl.bench_cli import bench
from etl.docs import docs
from etl.export_cli import export
from etl.progress import rich_progress
from etl.prune_cli import prune_raw
from etl.run import RunResult, run_source
from etl.settings import PROJECT_ROOT, load_settings
from etl.warehouse import RunInProgressError, Warehouse

app = typer.Typer(
    help="Storewatch: merchant complaints, penalties and resolution times in one warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
etl_app = typer.Typer(help="Load data into the warehouse and inspect past runs.", no_args_is_help=True)
app.add_typer(etl_app, name="etl")
app.command("export")(export)
app.command("bench")(bench)
app.command("docs")(docs)
console = Console()


def _warehouse() -> Warehouse:
    return Warehouse(load_settings().warehouse_dir)


def _print_counts(result: RunResult, dry_run: bool) -> None:
    table = Table(title=f"run {result.run_id}" + (" (dry run, nothing written)" if dry_run else ""))
    for column in ("table", "seen", "inserted", "updated", "unchanged", "deleted", "quarantined"):
        table.add_column(column, justify="right" if column != "table" else "left")
    for name, counts in result.counts.items():
        table.add_row(
            name,
            *(
                f"{getattr(counts, f):,}"
                for f in ("seen", "inserted", "updated", "unchanged", "deleted", "quarantined")
            ),
        )
    console.print(table)
    if not dry_run:
        console.print(f"warehouse: {result.path}")


@etl_app.command("demo")
def etl_demo(
    complaints: Annotated[int, typer.Option(help="How many complaints to generate.")] = 200_000,
    merchants: Annotated[int | None, typer.Option(help="Stores (default: complaints / 50).")] = None,
    penalties: Annotated[int | None, typer.Option(help="Penalties (default: complaints / 10).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same rows.")] = 20261124,
    as_of: Annotated[
        str, typer.Option(help="As-of date (YYYY-MM-DD): open complaints are censored here.")
    ] = "2026-10-31",
    planted: Annotated[bool, typer.Option(help="Plant the known effects that tests look for.")] = True,
    dry_run: Annotated[bool, typer.Option(help="Validate and count, write nothing.")] = False,
) -> None:
    """Generate the synthetic demo marketplace (labelled synthetic everywhere) and load it."""
    from etl.sources.demo import DemoConfig, DemoSource

    config = DemoConfig(
        seed=seed,
        complaints=complaints,
        merchants=merchants,
        penalties=penalties,
        as_of=date.fromisoformat(as_of),
        planted=planted,
    )
    try:
        with rich_progress() as progress:
            result = run_source(
                DemoSource(config), params={"config": repr(config)}, progress=progress, dry_run=dry_run
            )
    except RunInProgressError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    _print_counts(result, dry_run)


def _run_and_report(source, params: dict, dry_run: bool) -> None:
    """Run a source with a progress bar and print its counts; a failed run exits non-zero."""
    try:
        with rich_progress() as progress:
            result = run_source(source, params=params, progress=progress, dry_run=dry_run)
    except RunInProgressError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except Exception as exc:
        console.print(f"[red]run failed, the warehouse is unchanged: {type(exc).__name__}: {exc}[/red]")
        raise typer.Exit(1) from exc
    _print_counts(result, dry_run)


@etl_app.command("import")
def etl_import(
    file: Annotated[
        Path, typer.Argument(help="CSV, JSON or NDJSON file to load.", exists=True, dir_okay=False)
    ],
    mapping: Annotated[
        Path,
        typer.Option(
            help="TOML or YAML mapping: target table, columns, date formats, time zone, value maps "
            "(examples in data/mappings/).",
            exists=True,
            dir_okay=False,
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The day the file was exported (YYYY-MM-DD, complete to its end, UTC): open complaints "
            "are censored there. Default: the latest time any record in the file carries.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate and count, write nothing.")] = False,
) -> None:
    """Load complaints or penalties from a file through a declarative mapping; bad rows are quarantined."""
    from etl.sources.file_import import FileImportSource, MappingError

    try:
        complete_to = datetime.combine(date.fromisoformat(as_of), time(23, 59, 59)) if as_of else None
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {as_of!r}", param_hint="--as-of") from exc
    try:
        source = FileImportSource(file, mapping, as_of=complete_to)
    except (MappingError, ValueError) as exc:
        console.print(f"[red]bad mapping: {exc}[/red]")
        raise typer.Exit(2) from exc
    params = {"file": str(file), "mapping": str(mapping), "as_of": as_of}
    _run_and_report(source, params, dry_run)


@etl_app.command("cfpb")
def etl_cfpb(
    since: Annotated[
        str | None,
        typer.Option(help="First run only: load complaints received on or after this date (YYYY-MM-DD)."),
    ] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="Load a CCDB CSV (bulk download or API export) instead of the API.", exists=True
        ),
    ] = None,
    page_size: Annotated[int, typer.Option(help="Complaints per API page.")] = 100,
    overlap_days: Annotated[
        int, typer.Option(help="Re-ask this many days before the last run's latest date received.")
    ] = 7,
    base_url: Annotated[
        str | None, typer.Option(help="Search API base URL (default: STOREWATCH_CFPB_BASE_URL).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate and count, write nothing.")] = False,
) -> None:
    """Load CFPB consumer complaints: incrementally from the search API, or from a CSV file.

    Later runs resume from the stored watermark. Every fetched page is archived gzipped under
    <data dir>/raw/cfpb/<run id>/ (kept for failed runs too; none for a dry run).
    """
    from etl.sources.cfpb import CfpbApiSource, CfpbCsvSource

    if csv_file is not None:
        _run_and_report(CfpbCsvSource(csv_file), {"csv": str(csv_file)}, dry_run)
        return
    source = CfpbApiSource(
        base_url=base_url,
        date_min=date.fromisoformat(since) if since else None,
        page_size=page_size,
        overlap_days=overlap_days,
        archive_raw=not dry_run,  # a dry run leaves no raw archive behind
    )
    params = {"since": since, "page_size": page_size, "overlap_days": overlap_days, "base_url": base_url}
    _run_and_report(source, params, dry_run)


@etl_app.command("nyc")
def etl_nyc(
    page_size: Annotated[int, typer.Option(help="Records per SODA page ($limit).")] = 1000,
    overlap_hours: Annotated[
        float, typer.Option(help="Re-read rows updated this many hours before the last run's latest update.")
    ] = 48,
    base_url: Annotated[
        str | None, typer.Option(help="Socrata base URL (default: STOREWATCH_NYC_BASE_URL).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate and count, write nothing.")] = False,
) -> None:
    """Load NYC DCWP mediated complaints and charges from NYC Open Data (Socrata), incrementally.

    Incremental on Socrata's :updated_at. STOREWATCH_SOCRATA_APP_TOKEN, if set, is sent as
    X-App-Token. Fetched pages are archived under <data dir>/raw/nyc_dcwp/<run id>/.
    """
    from etl.sources.nyc import NycDcwpSource

    source = NycDcwpSource(
        base_url=base_url, page_size=page_size, overlap_hours=overlap_hours, archive_raw=not dry_run
    )
    params = {"page_size": page_size, "overlap_hours": overlap_hours, "base_url": base_url}
    _run_and_report(source, params, dry_run)


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


etl_app.command("prune-raw")(prune_raw)


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
        console.print("No warehouse yet: building the synthetic demo marketplace first.")
        etl_demo(
            complaints=demo_complaints,
            merchants=None,
            penalties=None,
            seed=20261124,
            as_of="2026-10-31",
            planted=True,
            dry_run=False,
        )
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
