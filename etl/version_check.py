"""Is a warehouse version whole? It opens, its schema is one this code knows, and its tables hold the
rows the run that built it counted (the journal keeps those counts).

A run checks the version it built before publishing it and the served version before copying it as
its base, so a file overwritten or cut short (an export written onto it, a full disk) is never served
nor built upon; prune keeps the last version that passed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.schema import current_version, latest_version

# The tables whose row counts the journal records for each published version.
COUNTED_TABLES = ("sources", "etl_runs", "merchants", "complaints", "penalties")


class DamagedVersionError(RuntimeError):
    """A warehouse version that does not open, has an unknown schema, or lost rows; one line."""


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per counted table, as the journal records them."""
    # the table names are the fixed COUNTED_TABLES
    return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED_TABLES}  # noqa: S608


def check_version(path: Path, expected_counts: dict[str, int] | None) -> None:
    """Raise DamagedVersionError unless `path` opens read-only with a known schema and, when the
    journal recorded them, the same row counts."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            version = current_version(con)
            counts = row_counts(con) if version else {}
    except (duckdb.Error, OSError) as exc:
        raise DamagedVersionError(f"{path.name} does not open as a warehouse: {_first_line(exc)}") from exc
    if not 1 <= version <= latest_version():
        raise DamagedVersionError(
            f"{path.name} has schema version {version}; this code knows versions 1 to {latest_version()}"
        )
    if expected_counts and counts != expected_counts:
        lost = {
            t: (expected_counts.get(t, 0), n) for t, n in counts.items() if expected_counts.get(t, 0) != n
        }
        raise DamagedVersionError(f"{path.name} does not hold the rows its run wrote: {_describe(lost)}")


def passes(path: Path, expected_counts: dict[str, int] | None) -> bool:
    try:
        check_version(path, expected_counts)
    except DamagedVersionError:
        return False
    return True


def _describe(lost: dict[str, tuple[int, int]]) -> str:
    return ", ".join(
        f"{table} {found:,} rows, the run wrote {wrote:,}" for table, (wrote, found) in lost.items()
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
