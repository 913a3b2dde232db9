"""The dashboard closes its connections to replaced warehouse versions (issue 18, item 9): a version
that prune deleted stops holding disk space once no query of the dashboard reads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard import db
from etl.run import run_source
from etl.warehouse import Warehouse
from tests.support.loader_records import STORES, complaints
from tests.support.records_source import RecordsSource

COUNT = "SELECT count(*) AS n FROM complaints"


def deleted_versions_held_open() -> list[str]:
    """Warehouse files this process holds open although they were deleted (from /proc/self/fd)."""
    held = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed while we listed
            continue
        if "/warehouse-" in target and target.endswith("(deleted)"):
            held.append(target)
    return held


def load(warehouse: Warehouse) -> Path:
    return run_source(RecordsSource(STORES, complaints()), warehouse=warehouse).path


@pytest.fixture
def served(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    monkeypatch.setenv("STOREWATCH_WAREHOUSE", "main")
    load(warehouse)
    return warehouse


def test_versions_replaced_and_pruned_are_not_held_open(served):
    for _ in range(5):  # grace 0: each run deletes the version the dashboard just read
        assert db.query(COUNT)["n"][0] == 3
        load(served)
    assert db.query(COUNT)["n"][0] == 3
    assert deleted_versions_held_open() == []
    assert db.open_versions() == [str(served.current_path())]


def test_a_replaced_version_stays_open_until_its_last_cursor_is_done(served):
    with db.cursor() as cur:
        old = str(served.current_path())
        load(served)
        assert db.query(COUNT)["n"][0] == 3  # opens the new version
        assert old in db.open_versions()
        assert cur.execute("SELECT count(*) FROM complaints").fetchone()[0] == 3  # still reads
    assert db.open_versions() == [str(served.current_path())]
    assert deleted_versions_held_open() == []
