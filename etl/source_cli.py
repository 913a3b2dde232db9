"""The `storewatch etl <source>` commands, built from each source module's `COMMAND` declaration.

A command's options are its source's parameters dataclass plus --dry-run; running one is written
once here: progress bar, counts table, the quarantine reasons and the values taken as `other`, exit 1
("run failed, the warehouse is unchanged") when the run fails (a run that quarantined every record of
a table fails too, naming its top reasons), exit 2 when another run holds the lock or the parameters
cannot make a source.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Annotated, Any, get_type_hints

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from etl import warehouses
from etl.cli_errors import fail, say
from etl.context import Source, SourceCommand, SourceSetupError
from etl.progress import rich_progress
from etl.quarantine_report import NothingLoadedError, QuarantineReason, mapped_to_other_lines
from etl.run import RunResult, run_source
from etl.settings import DEMO_WAREHOUSE, load_settings
from etl.sources import source_commands
from etl.version_check import DamagedVersionError
from etl.warehouse import RunInProgressError, Warehouse

console = Console()
COUNT_COLUMNS = ("seen", "inserted", "updated", "unchanged", "deleted", "quarantined")
_DRY_RUN = inspect.Parameter(
    "dry_run",
    inspect.Parameter.KEYWORD_ONLY,
    annotation=Annotated[bool, typer.Option(help="Validate and count, write nothing.")],
    default=False,
)


def add_source_commands(app: typer.Typer) -> None:
    """One subcommand of `app` per source module that declares a command."""
    for command in source_commands():
        app.command(command.name)(command_function(command))


def command_function(command: SourceCommand[Any]) -> Callable[..., None]:
    """A function whose signature typer reads as the command's options: the params' fields, --dry-run."""

    def run(**values: Any) -> None:
        dry_run = values.pop("dry_run")
        params = command.params(**values)
        try:
            source = command.build(params)
        except SourceSetupError as exc:
            console.print(f"[red]{exc}[/red]", soft_wrap=True)  # one line, however long the path
            raise typer.Exit(2) from exc
        run_and_report(source, params, dry_run, command.name)

    hints = get_type_hints(command.params, include_extras=True)
    parameters = [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=hints[field.name],
            default=inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default,
        )
        for field in dataclasses.fields(command.params)  # type: ignore[arg-type]
    ]
    parameters.append(_DRY_RUN)
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    run.__doc__ = command.build.__doc__
    run.__name__ = f"etl_{command.name.replace('-', '_')}"
    return run


def run_and_report(source: Source, params: Any, dry_run: bool, command: str) -> None:
    """Run a source with a progress bar and print its counts; a failed run exits non-zero.

    `params` (a dataclass) is recorded in etl_runs.params. The run loads into the warehouse
    etl/warehouses.py chooses for `command`; a load that would mix synthetic and real records is
    refused (exit 2) before anything is read.
    """
    try:
        settings = load_settings()
        name = warehouses.load_target(command, settings)
        warehouse = Warehouse(settings.warehouse_path(name))
        warehouses.check_not_mixing(warehouse, name, source.meta)
    except warehouses.WarehouseChoiceError as exc:
        fail(str(exc))
    except DamagedVersionError as exc:
        fail(f"run refused, the warehouse is unchanged: {exc}", code=1)
    say(f"loading into warehouse [bold]{name}[/bold]" + (" (dry run)" if dry_run else ""))
    try:
        with rich_progress() as progress:
            result = run_source(
                source, warehouse=warehouse, params=recorded(params), progress=progress, dry_run=dry_run
            )
    except RunInProgressError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    except NothingLoadedError as exc:
        print_reasons(exc.reasons)
        console.print(f"[red]run failed, the warehouse is unchanged: {exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    except Exception as exc:
        console.print(
            f"[red]run failed, the warehouse is unchanged: {type(exc).__name__}: {escape(str(exc))}[/red]",
            soft_wrap=True,
        )
        raise typer.Exit(1) from exc
    print_counts(result, dry_run)
    print_store_linking(result)
    if not dry_run and name != DEMO_WAREHOUSE:
        console.print(f"see it with: ./storewatch --warehouse {name} serve")


def recorded(params: Any) -> dict[str, Any]:
    """The params as the run journal and etl_runs.params keep them: paths (and any other value JSON
    has no type for) as text."""
    plain = (str, int, float, bool, type(None))
    return {name: v if isinstance(v, plain) else str(v) for name, v in dataclasses.asdict(params).items()}


def print_counts(result: RunResult, dry_run: bool) -> None:
    table = Table(title=f"run {result.run_id}" + (" (dry run, nothing written)" if dry_run else ""))
    table.add_column("table", justify="left")
    for column in COUNT_COLUMNS:
        table.add_column(column, justify="right")
    for name, counts in result.counts.items():
        table.add_row(name, *(f"{getattr(counts, column):,}" for column in COUNT_COLUMNS))
    console.print(table)
    print_reasons(result.quarantine_reasons)
    for line in mapped_to_other_lines(result.mapped_to_other):
        console.print(f"[yellow]{line}[/yellow]", soft_wrap=True)
    if not dry_run:
        console.print(f"warehouse: {result.path}")


def print_store_linking(result: RunResult) -> None:
    """A file import's stores: how many it names, matched to stores already loaded, new, and seen
    only in complaints, penalties or volumes (no register lists them); see docs/linking.md."""
    linking = result.store_linking
    if linking is None:
        return
    console.print(
        f"stores in this file: {linking.in_file:,}; matched to stores already in the warehouse: "
        f"{linking.matched:,}; new: {linking.new:,}; seen only in complaints/penalties/volumes "
        f"(no register lists them): {linking.only_mentioned:,}"
    )


def print_reasons(reasons: list[QuarantineReason]) -> None:
    """Why records were quarantined: per table, column and kind of reason, with up to 3 examples."""
    if not reasons:
        return
    table = Table(title="quarantined records, by reason (`storewatch etl quarantine` lists them)")
    for column in ("table", "column", "reason", "records", "examples"):
        table.add_column(column, justify="right" if column == "records" else "left", overflow="fold")
    for reason in reasons:
        table.add_row(
            reason.table, reason.column or "", reason.reason, f"{reason.count:,}", "; ".join(reason.examples)
        )
    console.print(table)
