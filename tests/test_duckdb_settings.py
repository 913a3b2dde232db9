"""DuckDB connection settings: readers get the read memory limit and the spill directory, read-only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

from etl import duckdb_settings


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    return path


def setting(con: duckdb.DuckDBPyConnection, name: str) -> str:
    return con.execute("SELECT current_setting(?)", [name]).fetchone()[0]


def shown_limit(limit: str) -> str:
    """How DuckDB shows `limit` once set (in binary units)."""
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{limit}'")
        return setting(con, "memory_limit")


def test_a_read_connection_is_read_only_with_the_read_limit_and_spill_dir(database: Path) -> None:
    with duckdb_settings.connect_read_only(database) as con:
        assert setting(con, "memory_limit") == shown_limit(duckdb_settings.READ_MEMORY_LIMIT)
        assert setting(con, "memory_limit") != shown_limit("4GB")
        assert Path(setting(con, "temp_directory")) == duckdb_settings.SPILL_DIR
        assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("INSERT INTO t VALUES (2)")
    assert duckdb_settings.SPILL_DIR.is_dir()


def test_a_spill_dir_with_a_quote_in_its_name_is_set_as_written(tmp_path: Path) -> None:
    spill = tmp_path / "it's spill"
    with duckdb.connect() as con:
        duckdb_settings.limit_read_memory(con, spill)
        assert Path(setting(con, "temp_directory")) == spill
    assert spill.is_dir()


def test_the_dashboard_reads_through_these_settings(database: Path) -> None:
    from dashboard import db

    con = db._connect(str(database))
    assert setting(con, "memory_limit") == shown_limit(duckdb_settings.READ_MEMORY_LIMIT)
    assert Path(setting(con, "temp_directory")) == duckdb_settings.SPILL_DIR


def test_the_spill_dir_is_this_users_and_private(tmp_path: Path) -> None:
    assert str(os.getuid()) in duckdb_settings.SPILL_DIR.name  # not one path shared by every user
    spill = tmp_path / "spill"
    spill.mkdir(mode=0o777)
    spill.chmod(0o777)  # left open by an older version, or made by a careless umask
    with duckdb.connect() as con:
        duckdb_settings.limit_read_memory(con, spill)
    assert stat.S_IMODE(spill.stat().st_mode) == 0o700
    fresh = tmp_path / "fresh"
    with duckdb.connect() as con:
        duckdb_settings.limit_read_memory(con, fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700


def test_a_spill_path_that_is_a_link_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "spill"
    link.symlink_to(target)  # what another user could plant at a fixed path
    with duckdb.connect() as con, pytest.raises(duckdb_settings.SpillDirError):
        duckdb_settings.limit_read_memory(con, link)
