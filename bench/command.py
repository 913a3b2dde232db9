"""`storewatch bench`: every size on a fresh temporary data directory, step by step.

The command's options are declared in etl/bench_cli.py, which imports this module only when it runs.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import report
from bench.child import run_step

# Row caps, so the import steps stay minutes at 10 M (their rate hardly depends on the size).
CSV_IMPORT_ROWS = 200_000
CFPB_IMPORT_ROWS = 100_000
# The extract sizes the issue names: 1 M rows, and 100 k to show memory does not grow with rows.
EXTRACT_ROWS = (100_000, 1_000_000)

console = Console(width=180)  # wide enough for the query tables when piped to a file


def _step(name: str, args: dict[str, Any]) -> dict[str, Any]:
    console.print(f"  {name} ...", end="")
    result = run_step(name, args)
    console.print(f" {result.wall_seconds:.1f} s, peak RSS {result.peak_rss_mb:,.0f} MB")
    return {**result.values, "peak_rss_mb": result.peak_rss_mb, "child_wall_seconds": result.wall_seconds}


def _median_extract(args: dict[str, Any]) -> dict[str, Any]:
    """Of EXTRACT_RUNS runs: the one with the median time, the times of all, and the highest peak RSS."""
    steps = [_step("extract", args) for _ in range(report.EXTRACT_RUNS)]
    median = sorted(steps, key=lambda step: step["seconds"])[len(steps) // 2]
    return {
        **median,
        "seconds_runs": [step["seconds"] for step in steps],
        "peak_rss_mb": max(step["peak_rss_mb"] for step in steps),
    }


def _rows_label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows / 1000:g}k"


def bench_size(complaints: int, repeat: int) -> dict[str, Any]:
    """All steps for one size, on a fresh temporary data directory that is removed afterwards."""
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix=f"storewatch-bench-{complaints}-"))
    try:
        data, scratch = str(root / "data"), root / "scratch"
        scratch.mkdir()
        result: dict[str, Any] = {"complaints": complaints}
        result["demo"] = _step("demo", {"data_dir": data, "complaints": complaints})
        result["metrics"] = _step("metrics", {"data_dir": data, "scratch_dir": str(scratch)})
        result["prepare_imports"] = _step(
            "prepare_imports",
            {
                "data_dir": data,
                "out_dir": str(scratch),
                "csv_rows": min(complaints, CSV_IMPORT_ROWS),
                "cfpb_rows": min(complaints, CFPB_IMPORT_ROWS),
            },
        )
        # each import loads into its own empty warehouse: the rate is the import's, not a 10 M copy
        result["file_import"] = _step(
            "file_import", {"data_dir": str(root / "import"), "csv": str(scratch / "complaints.csv")}
        )
        result["cfpb_json"] = _step(
            "cfpb_json", {"data_dir": str(root / "cfpb"), "pages_dir": str(scratch / "cfpb")}
        )
        # small and large extract; below 1 M complaints the small one is a tenth of the large
        sizes = sorted({min(rows, complaints) for rows in EXTRACT_ROWS})
        if len(sizes) == 1:
            sizes = [max(1, complaints // 10), complaints]
        since = {rows: _step("extract_since", {"data_dir": data, "rows": rows})["since"] for rows in sizes}
        result["extracts"] = {}
        for fmt in ("csv", "parquet"):
            runs = []
            for rows in sizes:
                out = scratch / f"extract.{fmt}"
                args = {"data_dir": data, "format": fmt, "since": since[rows], "out": str(out)}
                runs.append({**_median_extract(args), "label": _rows_label(rows)})
            result["extracts"][fmt] = runs
        result["dashboard"] = _step("dashboard", {"data_dir": data, "repeat": repeat})
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result["wall_seconds"] = time.perf_counter() - started
    return result


def run_bench(complaints: list[int], markdown: Path | None, repeat: int, json_out: Path | None) -> None:
    """Benchmark each size in turn, print the tables, and write the markdown and JSON when asked."""
    results: dict[int, dict[str, Any]] = {}
    for size in complaints:
        console.print(f"[bold]{size:,} complaints[/bold]")
        results[size] = bench_size(size, repeat)
    report.print_tables(console, results)
    if json_out is not None:
        json_out.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=1, default=str))
    if markdown is not None:
        previous = markdown.read_text(encoding="utf-8") if markdown.exists() else None
        command = (
            "storewatch " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["bench"] else "storewatch bench"
        )
        markdown.write_text(report.markdown(results, command, previous), encoding="utf-8")
        console.print(f"wrote {markdown}")
