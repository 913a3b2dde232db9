"""Versioned schema: apply etl/sql/schema/NNN_*.sql files not yet recorded in the warehouse, then
load the reference vocabularies (data/reference/vocabularies.yml)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from etl.reference import load_platforms
from etl.vocabularies import load_vocabularies

SCHEMA_DIR = Path(__file__).parent / "sql" / "schema"
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"schema file {path.name} is not named NNN_name.sql")
        found.append((int(match.group(1)), match.group(2), path))
    return found


def latest_version() -> int:
    return max(version for version, _, _ in migrations())


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Bring the schema up to date; returns the versions applied.

    Every version not recorded is applied, in order, not only those above the highest recorded:
    migrations written on parallel branches may be merged with a lower number than one already applied.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    have = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in have:
            continue
        con.execute("BEGIN")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


def prepare(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Migrate, then load the reference data (vocabularies, platforms), as every run does; returns the
    versions applied."""
    applied = migrate(con)
    load_vocabularies(con)
    load_platforms(con)
    return applied
