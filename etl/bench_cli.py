"""`storewatch bench`'s options. The benchmark itself is the top-level `bench` package, imported only
when the command runs: it drives the dashboard, which the ETL never imports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from etl.cli_errors import fail


def bench(
    complaints: Annotated[
        list[int], typer.Option(min=1, help="Demo size in complaints; repeat the option for several sizes.")
    ],
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the results here (e.g. docs/benchmarks.md).")
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Runs per query and per repeated page render.")] = 15,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the raw figures as JSON here.")
    ] = None,
) -> None:
    """Benchmark the whole pipeline on fresh demo warehouses: load, metrics, imports, extracts, dashboard."""
    from bench.command import run_bench

    for option, path in (("--markdown", markdown), ("--json", json_out)):
        # refused now, not after an hour of measuring
        if path is not None and (path.is_dir() or not path.parent.is_dir()):
            problem = (
                "is a directory" if path.is_dir() else f"is in directory {path.parent}, which does not exist"
            )
            fail(f"{option} {path} {problem}")

    run_bench(complaints, markdown, repeat, json_out)
