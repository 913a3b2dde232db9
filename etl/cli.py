"""The `storewatch` command: ETL runs, status, and serving the dashboard."""

from __future__ import annotations

import ipaddress
import json
import re
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from etl import warehouses
from etl.bench_cli import bench
from etl.child import run_forwarding_signals
from etl.cli_errors import fail, say
from etl.docs import docs
from etl.examples.cli import app as examples_app
from etl.export_cli import export
from etl.prune_cli import prune_raw
from etl.quarantine_cli import quarantine
from etl.settings import DEMO_WAREHOUSE, PROJECT_ROOT, child_environment, choose_warehouse, load_settings
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


@app.callback()
def choose(
    ctx: typer.Context,
    warehouse: Annotated[
        str | None,
        typer.Option(
            "--warehouse",
            metavar="NAME",
            help="Warehouse to work on (default: STOREWATCH_WAREHOUSE, else `demo` to read and serve, "
            "`main` for imports and real sources; the demo always loads into `demo`).",
        ),
    ] = None,
) -> None:
    try:
        choose_warehouse(warehouse)
        # the choice is this command's: forgotten when it ends (tests run many commands in one process)
        ctx.call_on_close(lambda: choose_warehouse(None))
        settings = load_settings()
    except ValueError as exc:  # a bad warehouse name or setting
        fail(str(exc))
    note = warehouses.adopt_legacy_warehouse(settings)
    if note:
        say(note)


@etl_app.command("status")
def etl_status(
    limit: Annotated[int, typer.Option(min=1, help="How many recent runs to list.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List recent ETL runs (failed and killed ones too) of every warehouse, or of the one named."""
    settings = load_settings()
    names = [settings.warehouse_name] if settings.warehouse_name else warehouses.directory_names(settings)
    journals = {name: Warehouse(settings.warehouse_path(name)) for name in names}
    entries = sorted(
        # a run still journaled 'running' whose process is gone is shown as the failure it was
        ((name, entry.as_seen()) for name, warehouse in journals.items() for entry in warehouse.journal()),
        key=lambda item: item[1].started_at,
    )[-limit:]
    if as_json:
        rows = [{"warehouse": name, **entry.__dict__} for name, entry in entries]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not journals:
        console.print("no warehouse yet (run `./storewatch etl demo`)")
    for name, warehouse in journals.items():
        current = warehouse.current_path()
        served = f"serving {current}" if current else "nothing published yet"
        console.print(f"warehouse {name}: {served}", soft_wrap=True)
    table = Table(title="ETL runs")
    for column in ("warehouse", "run", "source", "started", "finished", "status", "error"):
        table.add_column(column)
    for name, entry in entries:
        colour = {"succeeded": "green", "failed": "red"}.get(entry.status, "yellow")
        table.add_row(
            name,
            entry.run_id,
            entry.source_id,
            entry.started_at[:19],
            (entry.finished_at or "")[:19],
            f"[{colour}]{entry.status}[/{colour}]",
            (entry.error or "")[:80],
        )
    console.print(table)


etl_app.command("prune-raw")(prune_raw)
etl_app.command("quarantine")(quarantine)


@app.command("warehouses")
def list_warehouses() -> None:
    """List the warehouses with their sources (synthetic or real) and rows per source."""
    settings = load_settings()
    out = Console()  # the terminal's width now, not at import: source ids are never cut
    summaries = warehouses.list_warehouses(settings)
    if not summaries:
        out.print(f"no warehouse in {settings.warehouses_dir} yet (run `./storewatch etl demo`)")
        return
    table = Table(title=f"warehouses in {settings.warehouses_dir}")
    table.add_column("warehouse")
    table.add_column("holds")
    table.add_column("source")
    for column in ("complaints", "penalties", "stores"):
        table.add_column(column, justify="right")
    table.add_column("as of")
    for summary in summaries:
        for index, source in enumerate(summary.sources or (None,)):
            head = (summary.name, summary.kind) if index == 0 else ("", "")
            if source is None:
                table.add_row(*head, "", "", "", "", "")
                continue
            table.add_row(
                *head,
                source.source_id
                + (" (synthetic)" if source.is_synthetic and summary.kind == "mixed" else ""),
                f"{source.complaints:,}",
                f"{source.penalties:,}",
                f"{source.stores:,}",
                f"{source.as_of:%Y-%m-%d}" if source.as_of else "",
            )
    out.print(table)


# a DNS name: dot-separated labels of letters, digits and inner hyphens
HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*")


def checked_host(host: str) -> str:
    """`host` if it is an IP address or a host name, else a one-line error."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        if len(host) <= 253 and HOST_NAME.fullmatch(host):
            return host
    fail(f"--host {host!r} is neither an IP address nor a host name")


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for the dashboard.")] = 8501,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. Only this machine by default; use 0.0.0.0 to deploy, "
            "behind a reverse proxy (docs/deployment.md).",
        ),
    ] = "127.0.0.1",
    demo_complaints: Annotated[
        int, typer.Option(min=1, help="Size of the demo built when there is no demo warehouse.")
    ] = 200_000,
    headless: Annotated[bool, typer.Option(help="Do not try to open a browser.")] = True,
) -> None:
    """Serve the dashboard on warehouse `demo` (built first if missing) or the one --warehouse names."""
    host = checked_host(host)
    settings = load_settings()
    name = settings.served_warehouse
    if name != DEMO_WAREHOUSE:
        try:
            warehouses.require_built(settings, name)
        except warehouses.WarehouseChoiceError as exc:
            fail(str(exc))
    elif Warehouse(settings.warehouse_dir).current_path() is None:
        from etl.sources import demo

        console.print("No demo warehouse yet: building the synthetic demo marketplace first.")
        params = demo.DemoParams(complaints=demo_complaints)
        run_and_report(demo.build(params), params, dry_run=False, command=warehouses.DEMO_COMMAND)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "dashboard" / "app.py"),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
    ]
    shown = f"[{host}]" if ":" in host else host
    console.print(f"Dashboard of warehouse {name}: http://{shown}:{port}", soft_wrap=True)
    raise typer.Exit(run_forwarding_signals(command, env=child_environment(settings)))


if __name__ == "__main__":
    app()
