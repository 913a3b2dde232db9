"""`storewatch examples ...`: write example files to try the import on."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

# the generator (pandas, numpy) is imported when the command runs, not on every `storewatch` start
EXPORT_DATE = date(2026, 6, 30)


app = typer.Typer(help="Write example data files (synthetic, with planted effects).", no_args_is_help=True)


def _positive(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise typer.BadParameter(f"must be at least 1, not {value}")
    return value


@app.command("journalist-export")
def journalist_export(
    out: Annotated[Path, typer.Option(help="Directory to write the files into (created if missing).")],
    stores: Annotated[int, typer.Option(help="Rows of the store register.", callback=_positive)] = 2_000,
    complaints: Annotated[int, typer.Option(help="Complaints.", callback=_positive)] = 30_000,
    penalties: Annotated[
        int | None, typer.Option(help="Penalty notices (default: complaints / 10).", callback=_positive)
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 13,
    export_date: Annotated[
        str, typer.Option(help="The day the scrape was made (YYYY-MM-DD); pass it to `etl import --as-of`.")
    ] = EXPORT_DATE.isoformat(),
) -> None:
    """A generated Chinese marketplace export (GB18030 store register, complaints, penalty notices,
    monthly orders of some stores),
    with effects planted at known sizes in planted_truth.json. Load it with `etl import` and the
    data/mappings/journalist_*.yaml mappings."""
    if stores < 200:
        raise typer.BadParameter(
            "at least 200 stores (the register needs top-tier stores)", param_hint="--stores"
        )
    try:
        day = date.fromisoformat(export_date)
    except ValueError as exc:
        raise typer.BadParameter(
            f"not a date (YYYY-MM-DD): {export_date!r}", param_hint="--export-date"
        ) from exc
    from etl.examples.journalist_export import TRUTH_FILE, ExportConfig, generate

    started = time.perf_counter()
    config = ExportConfig(
        stores=stores, complaints=complaints, penalties=penalties, seed=seed, export_date=day
    )
    truth = generate(out, config)
    seconds = time.perf_counter() - started
    rows = truth["rows"]
    typer.echo(
        f"wrote {rows['store_register']:,} stores, {rows['complaints']:,} complaints, "
        f"{rows['penalties']:,} penalty notices and {rows['monthly_volumes']:,} store-months of orders to "
        f"{out} in {seconds:.1f} s; planted effects in "
        f"{out / TRUTH_FILE} (do not load it)"
    )
    typer.echo(
        f"load with: storewatch etl import FILE --mapping data/mappings/journalist_*.yaml --as-of {day}"
    )
