"""A served version is never destroyed by an export, never built upon when damaged, and the last good
version is never pruned (issue 18, item 4)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.run import run_source
from etl.sources.demo import DemoConfig
from etl.version_check import DamagedVersionError
from etl.warehouse import Warehouse
from tests.support.hostile import DATA_DIR_OUTPUTS
from tests.support.loader_records import STORES, complaints
from tests.support.records_source import RecordsSource
from tests.support.warehouses import build_demo


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(warehouse: Warehouse) -> Path:
    return run_source(RecordsSource(STORES, complaints()), warehouse=warehouse).path


def export_to(out: Path):
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, ["export", "complaints", "--out", str(out)])


@pytest.fixture
def served(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Warehouse `main` built once and named for the readers."""
    monkeypatch.setenv("STOREWATCH_WAREHOUSE", "main")
    return load(warehouse)


@pytest.mark.parametrize("relative", DATA_DIR_OUTPUTS)
def test_export_refuses_an_out_inside_the_data_directory(served, data_dir, relative):
    before = digest(served)
    out = data_dir / relative.format(served=served.name)
    result = export_to(out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = [text for text in result.output.splitlines() if text.strip()]
    assert "inside the data directory" in line
    assert digest(served) == before
    assert not (out.exists() and out.name.endswith(".csv"))


def test_export_refuses_a_symlink_from_outside_to_the_served_file(served, tmp_path_factory):
    before = digest(served)
    link = tmp_path_factory.mktemp("outside") / "extract.csv"
    link.symlink_to(served)
    result = export_to(link)
    assert result.exit_code == 2 and "inside the data directory" in result.output
    assert digest(served) == before


def test_export_outside_the_data_directory_still_works(served, tmp_path_factory):
    out = tmp_path_factory.mktemp("outside") / "extract.csv"
    result = export_to(out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().count(b"\n") == 4  # header and three complaints


def test_a_damaged_served_version_is_not_built_upon_and_the_last_good_one_is_kept(warehouse, monkeypatch):
    monkeypatch.setenv("STOREWATCH_VERSION_GRACE_SECONDS", "600")
    good = load(warehouse)
    damaged = load(warehouse)
    long_ago = time.time() - 3600
    os.utime(good, (long_ago, long_ago))  # its grace period is over: prune would take it
    damaged.write_bytes(b"\xef\xbb\xbfcomplaint_id,store\r\ndemo:c0,x\r\n")  # what an export wrote over it
    for _ in range(2):  # the failed run and the one after it both keep it
        with pytest.raises(DamagedVersionError, match=f"damaged.*last good version is .*{good.name}"):
            load(warehouse)
        assert good.exists()
    assert warehouse.current_path() == damaged  # nothing was published over it
    failed = [e for e in warehouse.journal() if e.status == "failed"]
    assert len(failed) == 2 and all("does not open as a warehouse" in e.error for e in failed)
    assert sorted(warehouse.directory.glob("warehouse-*")) == sorted([good, damaged])


def test_a_served_version_that_lost_rows_is_refused_as_a_base(warehouse):
    served = load(warehouse)
    with duckdb.connect(str(served)) as con:  # a file restored from a stale copy, say
        con.execute("DELETE FROM complaints WHERE complaint_id IN (SELECT min(complaint_id) FROM complaints)")
    with pytest.raises(DamagedVersionError, match="complaints 2 rows, the run wrote 3"):
        load(warehouse)
    assert warehouse.current_path() == served


def test_a_published_version_records_its_row_counts(warehouse):
    load(warehouse)
    entry = warehouse.journal()[-1]
    assert entry.row_counts == {"sources": 1, "etl_runs": 1, "merchants": 2, "complaints": 3, "penalties": 0}


def test_the_cli_refuses_a_run_on_a_damaged_warehouse_in_one_line(data_dir):
    root = Path(__file__).resolve().parents[1]
    served = build_demo(data_dir, DemoConfig(complaints=600, seed=2)).current_path()
    served.write_bytes(b"complaint_id\r\ndemo:c0\r\n")
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "250"}
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "etl", "demo", "--complaints", "600"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "is damaged" in line and "no earlier version passes the check" in line


def test_a_version_that_does_not_hold_its_runs_rows_is_never_published(warehouse):
    served = load(warehouse)

    def replace_with_stale_copy(phase: str) -> None:  # what a lost write or a stray copy leaves
        if phase == "checkpointed":
            [built] = [p for p in warehouse.directory.glob("warehouse-*.duckdb") if p != served]
            shutil.copyfile(served, built)

    with pytest.raises(DamagedVersionError, match="etl_runs 1 rows, the run wrote 2"):
        run_source(RecordsSource(STORES, complaints()), warehouse=warehouse, on_phase=replace_with_stale_copy)
    assert warehouse.current_path() == served
    entry = warehouse.journal()[-1]
    assert entry.status == "failed" and "does not hold the rows its run wrote" in entry.error
    assert sorted(warehouse.directory.glob("warehouse-*")) == [served]
