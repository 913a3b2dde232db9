"""DuckDB's memory settings for Storewatch's connections: reading (dashboard, extracts) and building.

The read limit is per database instance, so it bounds the dashboard's queries and its extracts
together; sorts beyond it spill to SPILL_DIR. Within it, DuckDB keeps the table blocks it has read
cached, which is what still grows with a long extract: 8.2 M rows of 10 M complaints peaked at
465 MB with a 256MB limit and 710 MB with 512MB (docs/benchmarks.md). A run building a warehouse
version has its own limit, set by STOREWATCH_BUILD_MEMORY_LIMIT (etl/settings.py).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import duckdb

READ_MEMORY_LIMIT = "2GB"
# One per user, private: spilled blocks hold warehouse rows, and a shared fixed path under /tmp
# could be made (or linked) by another user first.
SPILL_DIR = Path(tempfile.gettempdir()) / f"storewatch-duckdb-spill-{os.getuid()}"


class SpillDirError(RuntimeError):
    """The spill directory exists but is not a private directory of this user."""


def connect_read_only(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file at `path`, with the read memory settings."""
    connection = duckdb.connect(str(path), read_only=True)
    limit_read_memory(connection)
    return connection


def limit_read_memory(con: duckdb.DuckDBPyConnection, spill_dir: Path = SPILL_DIR) -> None:
    """Bound DuckDB's memory for this database instance and let large sorts spill to `spill_dir`."""
    make_private_dir(spill_dir)
    con.execute(f"SET memory_limit = '{READ_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = {_quote_literal(str(spill_dir))}")


def make_private_dir(path: Path) -> None:
    """`path` as a directory that only this user can enter (0700); refuse one that is not ours."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = path.lstat()
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        raise SpillDirError(f"{path} is not a directory of this user: refusing to spill into it")
    if stat.S_IMODE(found.st_mode) != 0o700:
        path.chmod(0o700)


def limit_build_memory(con: duckdb.DuckDBPyConnection, memory_limit: str) -> None:
    """Bound DuckDB's memory while a run builds a version; `memory_limit` is validated in settings."""
    con.execute(f"SET memory_limit = '{memory_limit}'")


def _quote_literal(text: str) -> str:
    # SET takes no bound parameters
    return "'" + text.replace("'", "''") + "'"
