"""Run bookkeeping after crashes and full disks (issue 18, items 5 and 9): `etl status` tells a killed
run from a live one, every failure cause reaches the journal, and a run short of disk is refused
before it copies anything, in one line that says how much it needs.

Disks are a real 64 MB tmpfs filled with a real file (tests/support/disks.py); kills are SIGKILL
sent to a real process.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from etl import disk_budget
from etl.run import run_source
from etl.settings import load_settings
from etl.warehouse import Warehouse
from tests.support.disks import fill_until, free_bytes
from tests.support.loader_records import STORES, complaints
from tests.support.records_source import SLOW_RUN_SCRIPT, RecordsSource
from tests.support.warehouses import named

ROOT = Path(__file__).resolve().parents[1]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def storewatch(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "etl.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def status_of_last_run() -> dict:
    done = storewatch("--warehouse", "main", "etl", "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)[-1]


def load(warehouse: Warehouse) -> Path:
    return run_source(RecordsSource(STORES, complaints()), warehouse=warehouse).path


def test_status_shows_a_live_run_as_running_and_a_killed_one_as_failed(warehouse):
    load(warehouse)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN_SCRIPT, str(warehouse.directory)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout.readline().strip() == "staged"
        live = status_of_last_run()
        assert (live["status"], live["pid"]) == ("running", proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    dead = status_of_last_run()
    assert dead["status"] == "failed" and dead["pid"] == proc.pid
    assert f"process {proc.pid} is gone" in dead["error"]
    table = storewatch("--warehouse", "main", "etl", "status").stdout
    assert "running" not in table and "died" in table


def test_a_disk_filling_during_the_copy_is_journaled_and_leaves_no_partial_file(small_disk, monkeypatch):
    warehouse = Warehouse(named(small_disk, "main"))
    served = load(warehouse)
    before = digest(served)
    fill_until(small_disk, served.stat().st_size // 2)
    # another process fills the disk between the budget check and the copy
    monkeypatch.setattr(disk_budget, "reserve", lambda warehouse, settings: None)
    with pytest.raises(OSError) as raised:
        load(warehouse)
    assert raised.value.errno == errno.ENOSPC
    entry = warehouse.journal()[-1]
    assert entry.status == "failed" and "No space left on device" in entry.error
    assert sorted(warehouse.directory.glob("warehouse-*")) == [served]  # the partial copy is gone
    assert warehouse.current_path() == served and digest(served) == before


def test_a_run_short_of_disk_is_refused_in_one_line_before_copying(small_disk):
    built = storewatch("etl", "demo", "--complaints", "500")
    assert built.returncode == 0, built.stdout + built.stderr
    warehouse = Warehouse(named(small_disk, "demo"))
    served = warehouse.current_path()
    before = digest(served)
    fill_until(small_disk, served.stat().st_size * 5 // 4)  # room for the copy, not for the budget
    refused = storewatch("etl", "demo", "--complaints", "500")
    assert refused.returncode == 1
    output = refused.stdout + refused.stderr
    assert "Traceback" not in output
    [line] = [text for text in output.splitlines() if "disk space" in text]
    assert "needs about" in line and "is free" in line
    assert len(output.strip().splitlines()) == 2  # "loading into warehouse demo" and the refusal
    entry = warehouse.journal()[-1]
    assert entry.status == "failed" and "not enough disk space" in entry.error
    assert sorted(warehouse.directory.glob("warehouse-*")) == [served]
    assert digest(served) == before


def test_a_run_short_of_disk_prunes_replaced_versions_in_their_grace_first(small_disk, monkeypatch):
    monkeypatch.setenv("STOREWATCH_VERSION_GRACE_SECONDS", "600")
    warehouse = Warehouse(named(small_disk, "main"))
    replaced = load(warehouse)
    load(warehouse)
    assert replaced.exists()  # kept for its grace period
    needed = disk_budget.needed_bytes(warehouse, load_settings())
    # short of the budget, but not once the replaced version is gone
    fill_until(small_disk, needed - replaced.stat().st_size * 3 // 4)
    assert free_bytes(small_disk) < needed
    load(warehouse)
    assert not replaced.exists()
    assert warehouse.journal()[-1].status == "succeeded"


@pytest.mark.parametrize(
    ("text", "size"), [("0B", 0), ("32MB", 32 * 10**6), ("1GiB", 2**30), (" 5 kb ", 5000)]
)
def test_the_headroom_setting_reads_sizes(monkeypatch, text, size):
    monkeypatch.setenv("STOREWATCH_RUN_HEADROOM", text)
    assert load_settings().run_headroom_bytes == size


def test_a_malformed_headroom_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("STOREWATCH_RUN_HEADROOM", "lots")
    with pytest.raises(ValueError, match="STOREWATCH_RUN_HEADROOM"):
        load_settings()
