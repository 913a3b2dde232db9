"""Benchmark figures as rich tables and as docs/benchmarks.md, with the issue's targets checked."""

from __future__ import annotations

import math
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from etl.settings import PROJECT_ROOT

# Targets from issue 7 (stated for 10 M complaints; checked at every size).
QUERY_MEDIAN_MS = 150.0
QUERY_RATIO = 2.0
FIRST_RENDER_S = 1.5
REPEAT_RENDER_S = 0.3
EXTRACT_ROWS_PER_S = 200_000.0
# Each extract runs this many times, each in a fresh process, and the median time is reported: one
# 100 k-row extract took 0.27 s and 0.50 s in two runs of the same code on an idle machine.
EXTRACT_RUNS = 3
# "Flat memory": the 1 M-row extract may not peak more than this much above the 100 k-row one.
FLAT_MEMORY_RATIO = 1.5
NOTES_HEADING = "## Where the time goes"


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    value: float
    unit: str
    target: str = ""  # e.g. "< 150"; empty when the issue sets none
    ok: bool | None = None  # pass/fail against the target


def _check(value: float, bound: float, below: bool) -> tuple[str, bool]:
    return (f"< {bound:g}" if below else f"> {bound:g}"), (value < bound if below else value > bound)


def figures(result: dict[str, Any]) -> list[Figure]:
    """Every figure of one size's run, in table order."""
    out: list[Figure] = []
    demo, metrics = result["demo"], result["metrics"]
    out += [
        Figure("load", "demo generation + load: records/s", demo["records"] / demo["seconds"], "rec/s"),
        Figure("load", "demo generation + load (metric build included): wall", demo["seconds"], "s"),
        Figure("load", "  of which generation + staging + merge", demo["load_seconds"], "s"),
        Figure("load", "demo load: peak RSS", demo["peak_rss_mb"], "MB"),
        Figure("load", "metric build (on a copy): wall", metrics["seconds"], "s"),
        Figure("load", "metric build: peak RSS", metrics["peak_rss_mb"], "MB"),
    ]
    slowest = max(metrics["per_file"].items(), key=lambda item: item[1])
    out.append(Figure("load", f"  slowest metric file: {slowest[0]}", slowest[1], "s"))
    for key, title in (("file_import", "CSV file import"), ("cfpb_json", "CFPB-shaped JSON import")):
        step = result[key]
        out += [
            Figure(
                "import",
                f"{title} ({step['records']:,} rows): records/s",
                step["records"] / step["load_seconds"],
                "rec/s",
            ),
            Figure("import", f"{title}: peak RSS", step["peak_rss_mb"], "MB"),
        ]
    for fmt in ("csv", "parquet"):
        runs = result["extracts"][fmt]
        for run in runs:
            target, ok = _check(run["rows"] / run["seconds"], EXTRACT_ROWS_PER_S, below=False)
            out += [
                Figure(
                    "extract",
                    f"{fmt} extract {run['label']} rows: rows/s",
                    run["rows"] / run["seconds"],
                    "rows/s",
                    target,
                    ok,
                ),
                Figure("extract", f"{fmt} extract {run['label']} rows: peak RSS", run["peak_rss_mb"], "MB"),
            ]
        growth = runs[-1]["peak_rss_mb"] / runs[0]["peak_rss_mb"]
        target, ok = _check(growth, FLAT_MEMORY_RATIO, below=True)
        out.append(
            Figure(
                "extract",
                f"{fmt} extract peak RSS {runs[-1]['label']} / {runs[0]['label']}",
                growth,
                "x",
                target,
                ok,
            )
        )
    dash = result["dashboard"]
    out.append(Figure("render", "cold start (opens the warehouse)", dash["cold_start_s"], "s"))
    for page, render in dash["renders"].items():
        target, ok = _check(render["first_s"], FIRST_RENDER_S, below=True)
        out.append(Figure("render", f"{page}: first render", render["first_s"], "s", target, ok))
        target, ok = _check(render["again_median_s"], REPEAT_RENDER_S, below=True)
        out.append(
            Figure("render", f"{page}: repeated render (median)", render["again_median_s"], "s", target, ok)
        )
    out.append(Figure("render", "dashboard process: peak RSS", dash["peak_rss_mb"], "MB"))
    return [*out, Figure("total", "benchmark wall time for this size", result["wall_seconds"], "s")]


def query_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for q in result["dashboard"]["queries"]:
        ratio = q["db_median_ms"] / q["bare_median_ms"]
        ok = q["db_median_ms"] < QUERY_MEDIAN_MS and ratio <= QUERY_RATIO
        rows.append({**q, "ratio": ratio, "ok": ok})
    return rows


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("pass" if ok else "FAIL")


def print_tables(console: Console, results: dict[int, dict[str, Any]]) -> None:
    for size, result in results.items():
        table = Table(title=f"{size:,} complaints")
        for column in ("section", "figure", "value", "unit", "target", ""):
            table.add_column(column, justify="right" if column in ("value",) else "left")
        for f in figures(result):
            table.add_row(f.section, f.name, _fmt(f.value), f.unit, f.target, _verdict(f.ok))
        console.print(table)
        queries = Table(
            title=f"dashboard queries at {size:,} complaints (ms; uncached db.query vs bare DuckDB)"
        )
        for column in ("pages", "query", "rows", "db med", "db p95", "bare med", "bare p95", "ratio", ""):
            queries.add_column(column)
        for q in query_rows(result):
            queries.add_row(
                ",".join(q["pages"]),
                q["query"],
                f"{q['rows']:,}",
                *(
                    _fmt(q[k])
                    for k in ("db_median_ms", "db_p95_ms", "bare_median_ms", "bare_p95_ms", "ratio")
                ),
                _verdict(q["ok"]),
            )
        console.print(queries)
    if len(results) > 1:
        console.print(growth_table(results))


def query_figures(result: dict[str, Any]) -> list[Figure]:
    """Each query's uncached median, named by its SQL and its place among same-SQL queries."""
    seen: dict[str, int] = {}
    out = []
    for q in query_rows(result):
        seen[q["query"]] = seen.get(q["query"], 0) + 1
        target, ok = _check(q["db_median_ms"], QUERY_MEDIAN_MS, below=True)
        name = f"query `{q['query']}` #{seen[q['query']]}: db median"
        out.append(Figure("query", name, q["db_median_ms"], "ms", target, ok))
    return out


def growth_rows(results: dict[int, dict[str, Any]]) -> list[tuple[str, str, list[float]]]:
    """(figure, unit, value per size) for figures (and query medians) present at every size."""
    by_size = [{(f.section, f.name): f for f in figures(r) + query_figures(r)} for r in results.values()]
    keys = [k for k in by_size[0] if all(k in other for other in by_size[1:])]
    return [(k[1], by_size[0][k].unit, [s[k].value for s in by_size]) for k in keys]


def growth_table(results: dict[int, dict[str, Any]]) -> Table:
    sizes = list(results)
    table = Table(title="growth: " + " vs ".join(f"{s:,}" for s in sizes))
    table.add_column("figure")
    table.add_column("unit")
    for size in sizes:
        table.add_column(f"{size:,}", justify="right")
    table.add_column(f"{sizes[-1]:,} / {sizes[0]:,}", justify="right")
    for name, unit, values in growth_rows(results):
        table.add_row(
            name, unit, *(_fmt(v) for v in values), _fmt(values[-1] / values[0]) if values[0] else ""
        )
    return table


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import duckdb
    import streamlit

    cpu = "unknown"
    ram = "unknown"
    if Path("/proc/cpuinfo").exists():
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
    if Path("/proc/meminfo").exists():
        found = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        ram = f"{int(found.group(1)) / 1024**2:.1f} GiB" if found else ram
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "DuckDB": duckdb.__version__,
        "Streamlit": streamlit.__version__,
        "git commit": commit or "unknown",
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(results: dict[int, dict[str, Any]], command: str, previous: str | None = None) -> str:
    """docs/benchmarks.md; the hand-written notes section of the previous file is kept."""
    parts = [
        "# Benchmarks",
        "",
        "Written by `storewatch bench`; the tables below are its latest output. Targets are issue "
        "7's (stated for 10 M complaints, checked here at every size): dashboard queries under "
        f"{QUERY_MEDIAN_MS:g} ms median and within {QUERY_RATIO:g}x of the bare DuckDB query; page "
        f"renders under {FIRST_RENDER_S:g} s first and {REPEAT_RENDER_S:g} s after; extracts above "
        f"{EXTRACT_ROWS_PER_S:,.0f} rows/s with flat memory (peak RSS of the large extract at most "
        f"{FLAT_MEMORY_RATIO:g}x the small one's). Each extract runs {EXTRACT_RUNS} times in fresh "
        "processes; its rows/s is the median run's and its peak RSS the highest.",
        "",
        f"Sizes: {', '.join(f'{s:,}' for s in results)} complaints.",
        "",
        "Command:",
        "",
        f"```sh\n{command}\n```",
        "",
        "## Machine",
        "",
        _md_table(["", ""], [[k, v] for k, v in machine().items()]),
        "",
    ]
    for size, result in results.items():
        parts += [f"## {size:,} complaints", ""]
        parts.append(
            _md_table(
                ["section", "figure", "value", "unit", "target", "result"],
                [
                    [f.section, f.name.strip(), _fmt(f.value), f.unit, f.target, _verdict(f.ok)]
                    for f in figures(result)
                ],
            )
        )
        parts += ["", f"### Dashboard queries at {size:,} complaints", ""]
        parts.append(
            _md_table(
                [
                    "pages",
                    "query",
                    "rows",
                    "db median ms",
                    "db p95 ms",
                    "bare median ms",
                    "bare p95 ms",
                    "ratio",
                    "result",
                ],
                [
                    [", ".join(q["pages"]), f"`{q['query']}`", f"{q['rows']:,}"]
                    + [
                        _fmt(q[k])
                        for k in ("db_median_ms", "db_p95_ms", "bare_median_ms", "bare_p95_ms", "ratio")
                    ]
                    + [_verdict(q["ok"])]
                    for q in query_rows(result)
                ],
            )
        )
        parts.append("")
    if len(results) > 1:
        sizes = list(results)
        parts += ["## Growth", ""]
        parts.append(
            _md_table(
                ["figure", "unit", *(f"{s:,}" for s in sizes), "ratio"],
                [
                    [
                        name.strip(),
                        unit,
                        *(_fmt(v) for v in values),
                        _fmt(values[-1] / values[0]) if values[0] else "",
                    ]
                    for name, unit, values in growth_rows(results)
                ],
            )
        )
        parts.append("")
    parts += [_notes(previous), ""]
    return "\n".join(parts)


def _notes(previous: str | None) -> str:
    if previous and NOTES_HEADING in previous:
        kept = previous.split(NOTES_HEADING, 1)[1]
        return NOTES_HEADING + re.split(r"\n## ", kept, maxsplit=1)[0].rstrip()
    return NOTES_HEADING + "\n\n(no profile notes yet)"


def all_finite_positive(results: dict[int, dict[str, Any]]) -> list[str]:
    """Names of figures that are not positive finite numbers (the smoke test wants none)."""
    bad = [
        f.name for r in results.values() for f in figures(r) if not (math.isfinite(f.value) and f.value > 0)
    ]
    for r in results.values():
        for q in query_rows(r):
            bad += [
                f"{q['query']}: {k}"
                for k in ("db_median_ms", "bare_median_ms", "ratio")
                if not (math.isfinite(q[k]) and q[k] > 0)
            ]
    return bad
