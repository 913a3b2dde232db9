"""A failed or killed run leaves the served warehouse byte-identical; readers never see half a build."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.run import run_source
from etl.settings import load_settings
from etl.warehouse import RunInProgressError, Warehouse
from tests.support.loader_records import STORES, complaints
from tests.support.records_source import SLOW_RUN_SCRIPT, RecordsSource


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_run_failing_midway_leaves_the_previous_warehouse_byte_identical(warehouse):
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    served = warehouse.current_path()
    before = digest(served)
    with pytest.raises(RuntimeError, match="source broke midway"):
        run_source(RecordsSource(STORES, complaints() * 2, fail_after=2), warehouse=warehouse)
    assert warehouse.current_path() == served
    assert digest(served) == before
    with warehouse.connect_read_only() as con:
        assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] == 3
    # no half-built version is left behind
    assert list(warehouse.directory.glob("warehouse-*.duckdb")) == [served]
    failed = [e for e in warehouse.journal() if e.status == "failed"]
    assert len(failed) == 1 and "source broke midway" in failed[0].error


def test_the_next_run_records_the_failed_one_in_etl_runs(warehouse):
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    with pytest.raises(RuntimeError):
        run_source(RecordsSource(STORES, complaints(), fail_after=1), warehouse=warehouse)
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    with warehouse.connect_read_only() as con:
        statuses = [r[0] for r in con.execute("SELECT status FROM etl_runs ORDER BY started_at").fetchall()]
        error = con.execute("SELECT error FROM etl_runs WHERE status = 'failed'").fetchone()[0]
    assert statuses == ["succeeded", "failed", "succeeded"]
    assert "source broke midway" in error


def test_a_killed_run_leaves_the_warehouse_served_and_is_recorded_as_failed(warehouse):
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    served = warehouse.current_path()
    before = digest(served)
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN_SCRIPT, str(warehouse.directory)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert proc.stdout.readline().strip() == "staged"
    # while it runs, it holds the lock: a second run is refused, not interleaved
    with pytest.raises(RunInProgressError):
        run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert warehouse.current_path() == served and digest(served) == before
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    with warehouse.connect_read_only() as con:
        failed = con.execute("SELECT error FROM etl_runs WHERE status = 'failed'").fetchall()
    assert len(failed) == 1 and "died" in failed[0][0]
    # the dead run's orphan file was cleaned up; only the served version remains
    assert list(warehouse.directory.glob("warehouse-*.duckdb")) == [warehouse.current_path()]


def test_a_reader_keeps_its_version_while_a_new_one_is_published(warehouse):
    run_source(RecordsSource(STORES, complaints()[:1]), warehouse=warehouse)
    reader = warehouse.connect_read_only()
    assert reader.execute("SELECT count(*) FROM complaints").fetchone()[0] == 1
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    # the old reader still answers from its own complete version...
    assert reader.execute("SELECT count(*) FROM complaints").fetchone()[0] == 1
    reader.close()
    # ...and a new reader sees the new one
    with warehouse.connect_read_only() as con:
        assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] == 3


def test_dry_run_validates_but_publishes_nothing(warehouse):
    result = run_source(RecordsSource(STORES, complaints()), warehouse=warehouse, dry_run=True)
    assert result.counts["complaints"].inserted == 3
    assert warehouse.current_path() is None
    assert list(warehouse.directory.glob("warehouse-*.duckdb")) == []


def test_missing_warehouse_error_names_the_command_that_builds_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="storewatch etl demo"):
        Warehouse(tmp_path).connect_read_only()


def test_old_versions_are_pruned_after_the_grace_period(warehouse):
    for _ in range(3):
        run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
        time.sleep(0.01)
    # grace is 0 in tests: only the served file is left after the last run's prune + publish
    files = list(warehouse.directory.glob("warehouse-*.duckdb"))
    assert warehouse.current_path() in files and len(files) <= 2


def test_a_replaced_version_is_kept_for_the_grace_period_however_old_it_is(warehouse, monkeypatch):
    monkeypatch.setenv("STOREWATCH_VERSION_GRACE_SECONDS", "600")
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    first = warehouse.current_path()
    an_hour_ago = time.time() - 3600
    os.utime(first, (an_hour_ago, an_hour_ago))  # built long ago...
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    # ...but replaced just now: a dashboard may still be reading it
    assert warehouse.current_path() != first
    assert first.exists()


class _FsyncFailsAfterRename(Warehouse):
    def publish(self, path: Path) -> None:
        super().publish(path)
        raise OSError("fsync of the directory failed")


def test_an_error_after_the_pointer_moved_keeps_the_served_version(warehouse):
    run_source(RecordsSource(STORES, complaints()[:1]), warehouse=warehouse)
    failing = _FsyncFailsAfterRename(warehouse.directory)
    with pytest.raises(OSError, match="fsync"):
        run_source(RecordsSource(STORES, complaints()), warehouse=failing)
    # CURRENT already names the new version: it must still be there, complete
    with warehouse.connect_read_only() as con:
        assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] == 3
    entry = warehouse.journal()[-1]
    assert entry.status == "succeeded" and entry.warehouse_file == warehouse.current_path().name


class _Died(BaseException):
    """Stands in for SIGKILL in-process: no handler of run_source may catch it after publishing."""


def _die_at(name: str):
    def on_phase(phase: str) -> None:
        if phase == name:
            raise _Died(phase)

    return on_phase


def test_a_run_that_died_after_publishing_is_recorded_as_succeeded_and_keeps_its_grace(
    warehouse, monkeypatch
):
    monkeypatch.setenv("STOREWATCH_VERSION_GRACE_SECONDS", "600")
    run_source(RecordsSource(STORES, complaints()[:1]), warehouse=warehouse)
    with pytest.raises(_Died):
        run_source(RecordsSource(STORES, complaints()), warehouse=warehouse, on_phase=_die_at("published"))
    served = warehouse.current_path()
    assert warehouse.journal()[-1].status == "running"  # nobody lived to write the journal
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    dead = [e for e in warehouse.journal() if e.warehouse_file == served.name]
    assert [e.status for e in dead] == ["succeeded"]
    # it was served until just now: a dashboard may still be reading it
    assert served.exists() and warehouse.current_path() != served
    with warehouse.connect_read_only() as con:
        statuses = [r[0] for r in con.execute("SELECT status FROM etl_runs").fetchall()]
    assert statuses == ["succeeded"] * 3


def test_leftovers_of_killed_runs_are_removed_by_the_next_run(warehouse):
    run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    directory = warehouse.directory
    (directory / ".CURRENT.4242.tmp").write_text("warehouse-half\n")
    (directory / "runs" / "20260101T000000-fixture-dead.tmp").write_text("{")
    (directory / "warehouse-20260101T000000-fixture-dead.duckdb.wal").write_bytes(b"x")
    (directory / "warehouse-20260101T000000-fixture-dead.duckdb.tmp").mkdir()
    result = run_source(RecordsSource(STORES, complaints()), warehouse=warehouse)
    left = sorted(p.name for p in directory.iterdir())
    assert left == sorted(["CURRENT", "etl.lock", "runs", result.path.name])
    assert all(p.suffix == ".json" for p in (directory / "runs").iterdir())


class MemoryProbeSource(RecordsSource):
    """Notes the memory limit of the connection the run builds the new version on."""

    seen_limit: str | None = None

    def extract(self, ctx) -> None:
        rows = ctx.con.execute("SELECT current_setting('memory_limit')").fetchall()
        MemoryProbeSource.seen_limit = rows[0][0]
        super().extract(ctx)


def test_the_build_connection_has_the_configured_memory_limit(warehouse, monkeypatch):
    monkeypatch.setenv("STOREWATCH_BUILD_MEMORY_LIMIT", "300MB")
    MemoryProbeSource.seen_limit = None
    run_source(MemoryProbeSource(STORES, complaints()), warehouse=warehouse)
    assert MemoryProbeSource.seen_limit is not None
    assert MemoryProbeSource.seen_limit == "286.1 MiB"  # DuckDB shows 300 MB in binary units


def test_a_malformed_memory_limit_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("STOREWATCH_BUILD_MEMORY_LIMIT", "4GB'; DROP TABLE complaints; --")
    with pytest.raises(ValueError, match="STOREWATCH_BUILD_MEMORY_LIMIT"):
        load_settings()
