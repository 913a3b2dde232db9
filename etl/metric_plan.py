"""The metric build's plan: which file makes which table, what it reads, and the order to run them in.

Each etl/sql/metrics/<table>.sql creates the one table it is named after and declares every table
it reads in a header line `-- reads: a, b, c` (an empty list when it reads none). The plan checks the
declarations against the SQL itself, parsed by DuckDB (json_serialize_sql), so a missing or stale
declaration fails the build with its file and table named instead of surfacing as a wrong order.
Files are ordered so that each runs after the files making what it reads, ties broken by table name:
the order never depends on the file system. Files named _*.sql hold shared macros: they make no
table and run first.
"""

from __future__ import annotations

import heapq
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.schema import SCHEMA_DIR

METRICS_DIR = Path(__file__).parent / "sql" / "metrics"

_READS = re.compile(r"^--\s*reads:(.*)$", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^\s*--.*$", re.MULTILINE)
_CREATE_TABLE_AS = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+TABLE\s+(\w+)\s+AS\s+(.*)$", re.IGNORECASE | re.DOTALL
)
_SCHEMA_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)


class MetricPlanError(ValueError):
    """The metric files and their `-- reads:` declarations do not fit together."""


@dataclass(frozen=True)
class MetricFile:
    path: Path
    table: str
    reads: tuple[str, ...]
    sql: str


def shared_files() -> list[Path]:
    """Macro files, in name order; they run before every metric file."""
    return sorted(METRICS_DIR.glob("_*.sql"))


def read_metric_file(path: Path) -> MetricFile:
    sql = path.read_text(encoding="utf-8")
    declarations = _READS.findall(sql)
    if len(declarations) != 1:
        raise MetricPlanError(
            f"{path.name}: needs exactly one header line '-- reads: table, ...' (found {len(declarations)})"
        )
    reads = tuple(sorted({name.strip().lower() for name in declarations[0].split(",") if name.strip()}))
    return MetricFile(path=path, table=path.stem, reads=reads, sql=sql)


def base_tables() -> set[str]:
    """Tables the schema migrations create: what metric files may read besides each other's tables."""
    names: set[str] = set()
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        names.update(name.lower() for name in _SCHEMA_TABLE.findall(path.read_text(encoding="utf-8")))
    return names


def tables_read(metric: MetricFile, con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables the file's one statement reads (CTE names excluded), from DuckDB's parse tree."""
    statements = con.extract_statements(metric.sql)
    if len(statements) != 1:
        raise MetricPlanError(
            f"{metric.path.name}: must hold one statement creating {metric.table} (found {len(statements)})"
        )
    match = _CREATE_TABLE_AS.match(_COMMENT_LINE.sub("", statements[0].query))
    if match is None or match.group(1).lower() != metric.table:
        raise MetricPlanError(
            f"{metric.path.name}: must be 'CREATE OR REPLACE TABLE {metric.table} AS ...' (one table per "
            "file, named after it)"
        )
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [match.group(2)]).fetchone()[0])
    if tree.get("error"):
        raise MetricPlanError(f"{metric.path.name}: DuckDB cannot parse it: {tree.get('error_message')}")
    return _base_tables_in(tree, frozenset())


def _base_tables_in(node: object, ctes: frozenset[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            ctes = ctes | {entry["key"].lower() for entry in cte_map.get("map", [])}
        if node.get("type") == "BASE_TABLE" and node["table_name"].lower() not in ctes:
            found.add(node["table_name"].lower())
        for value in node.values():
            found |= _base_tables_in(value, ctes)
    elif isinstance(node, list):
        for value in node:
            found |= _base_tables_in(value, ctes)
    return found


def declaration_problems(metrics: list[MetricFile], base: set[str]) -> list[str]:
    """Every way the declarations disagree with the SQL or with each other, one sentence each."""
    produced = {m.table for m in metrics}
    problems: list[str] = []
    with duckdb.connect() as con:
        for metric in metrics:
            try:
                actual = tables_read(metric, con)
            except MetricPlanError as exc:
                problems.append(str(exc))
                continue
            declared = set(metric.reads)
            name = metric.path.name
            problems += [
                f"{name} reads {t} but does not declare it in '-- reads:'" for t in sorted(actual - declared)
            ]
            problems += [
                f"{name} declares it reads {t}, which its SQL does not read (stale declaration)"
                for t in sorted(declared - actual)
            ]
            problems += [
                f"{name} reads {t}, which no metric file creates and which is not a base table"
                for t in sorted(declared - produced - base)
            ]
            if metric.table in declared:
                problems.append(f"{name} declares that it reads its own table")
    return problems


def build_order(metrics: list[MetricFile]) -> list[MetricFile]:
    """Each file after the files making the tables it reads; among files ready together, by name."""
    by_table = {m.table: m for m in metrics}
    waiting = {m.table: {t for t in m.reads if t in by_table and t != m.table} for m in metrics}
    ready = [table for table, inputs in waiting.items() if not inputs]
    heapq.heapify(ready)
    order: list[MetricFile] = []
    while ready:
        table = heapq.heappop(ready)
        order.append(by_table[table])
        del waiting[table]
        for other, inputs in waiting.items():
            if table in inputs:
                inputs.discard(table)
                if not inputs:
                    heapq.heappush(ready, other)
    if waiting:
        raise MetricPlanError("metric files read each other in a cycle: " + " -> ".join(_a_cycle(waiting)))
    return order


def _a_cycle(waiting: dict[str, set[str]]) -> list[str]:
    """Follow unmet inputs from the first stuck table until one repeats (every stuck table has one)."""
    path = [min(waiting)]
    while path.count(path[-1]) < 2:
        path.append(min(waiting[path[-1]]))
    return path[path.index(path[-1]) :]


def metric_plan() -> list[MetricFile]:
    """The metric files in build order, after checking every declaration; raises MetricPlanError."""
    metrics = [read_metric_file(p) for p in sorted(METRICS_DIR.glob("*.sql")) if not p.name.startswith("_")]
    problems = declaration_problems(metrics, base_tables())
    if problems:
        raise MetricPlanError("metric files and their declarations disagree:\n  " + "\n  ".join(problems))
    return build_order(metrics)
