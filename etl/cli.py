"""The `storewatch` command: ETL runs, status, and serving the dashboard."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from etl.bench_cli import bench
from etl.docs import docs
from etl.examples.cli import app as examples_app
from etl.export_cli import export
from etl.prune_cli import prune_raw
from etl.settings import PROJECT_ROOT, load_settings
from etl.source_cli import add_source_commands, run_and_report
from etl.warehouse import Warehouse

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
app.command("docs")(docs)
app.add_typer(examples_app, name="examples")
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
