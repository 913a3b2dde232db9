"""Pruning raw archives: --keep per source, runs cited by served rows survive, dry runs delete nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl import raw_archive
from etl.cli import app
from etl.raw_archive import MANIFEST_NAME, RawArchive, plan_prune, read_provenance
from etl.run import run_source
from etl.warehouse import Warehouse
from tests.support.records_source import RecordsSource
from tests.support.warehouses import named

STORES = [{"id": "s1", "name": "优品旗舰店", "platform": "Tmall"}]
C1 = {"id": "c1", "store": "s1", "filed": "2026-01-05T10:00:00", "closed": "2026-01-09T10:00:00"}
C2 = {"id": "c2", "store": "s1", "filed": "2026-02-01T08:00:00"}
C3 = {"id": "c3", "store": "s1", "filed": "2026-03-01T09:00:00"}


def runner() -> CliRunner:
    return CliRunner()


def archive_run(raw_dir: Path, source_id: str, run_id: str, pages: int = 2) -> None:
    archive = RawArchive.for_run(raw_dir, source_id, run_id)
    for page in range(pages):
        archive.save(f"http://source.test/?page={page}", f'{{"run": "{run_id}", "page": {page}}}'.encode())


def disk_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


@pytest.fixture
def history(warehouse: Warehouse, data_dir: Path) -> dict[str, str]:
    """Five runs of one source through the real load path, oldest first, each with an archive.

    first:  loads s1 and c1         -> cited (c1 and s1 never change again)
    second: c1 unchanged, adds c2   -> cited by c2
    failed: breaks midway           -> not cited (a failed run writes no rows)
    idle:   nothing new             -> cited by nothing (unchanged rows keep their first run)
    last:   adds c3                 -> cited by c3
    """
    runs = {}
    runs["first"] = run_source(RecordsSource(STORES, [C1]), warehouse=warehouse).run_id
    runs["second"] = run_source(RecordsSource(STORES, [C1, C2]), warehouse=warehouse).run_id
    with pytest.raises(RuntimeError):
        run_source(RecordsSource(STORES, [C1, C2], fail_after=1), warehouse=warehouse)
    runs["failed"] = warehouse.journal()[-1].run_id
    runs["idle"] = run_source(RecordsSource(STORES, [C1, C2]), warehouse=warehouse).run_id
    runs["last"] = run_source(RecordsSource(STORES, [C1, C2, C3]), warehouse=warehouse).run_id
    for name, run_id in runs.items():
        archive_run(data_dir / "raw", "fixture", run_id, pages=1 + len(name) % 3)
    return runs


def verdicts(data_dir: Path, warehouse: Warehouse, keep: int) -> dict[str, str]:
    plan = plan_prune(data_dir / "raw", keep, read_provenance(warehouse))
    return {run.run_id: run.verdict for run in plan.runs}


def test_the_fixture_is_what_its_docstring_says(history, warehouse):
    with warehouse.connect_read_only() as con:
        cited = {
            row[0]
            for row in con.execute(
                "SELECT run_id FROM complaints UNION SELECT run_id FROM merchants"
            ).fetchall()
        }
        failed = con.execute("SELECT status FROM etl_runs WHERE run_id = ?", [history["failed"]]).fetchone()
    assert cited == {history["first"], history["second"], history["last"]}
    assert failed == ("failed",)


def test_keep_one_keeps_the_latest_and_every_run_served_rows_cite(history, warehouse, data_dir):
    by_run = verdicts(data_dir, warehouse, keep=1)
    assert by_run == {
        history["last"]: "recent",
        history["idle"]: "delete",
        history["failed"]: "delete",
        history["second"]: "cited",
        history["first"]: "cited",
    }


def test_keep_counts_runs_newest_first_and_a_failed_run_is_kept_only_when_recent(
    history, warehouse, data_dir
):
    assert verdicts(data_dir, warehouse, keep=2) == {
        history["last"]: "recent",
        history["idle"]: "recent",
        history["failed"]: "delete",
        history["second"]: "cited",
        history["first"]: "cited",
    }
    by_run = verdicts(data_dir, warehouse, keep=3)
    assert by_run[history["failed"]] == "recent"
    assert [v for v in by_run.values() if v == "delete"] == []


def test_runs_are_ordered_by_their_start_in_etl_runs_not_by_folder_mtime(history, warehouse, data_dir):
    future = 4_000_000_000  # the failed run's folder looks newest on disk
    os.utime(data_dir / "raw" / "fixture" / history["failed"], (future, future))
    plan = plan_prune(data_dir / "raw", 1, read_provenance(warehouse))
    by_run = {run.run_id: (run.verdict, run.started_from) for run in plan.runs}
    assert by_run[history["last"]] == ("recent", "etl_runs")
    assert by_run[history["failed"]] == ("delete", "etl_runs")


def test_keep_applies_per_source_and_unknown_runs_are_ordered_by_folder_mtime(history, warehouse, data_dir):
    raw = data_dir / "raw"
    for index, run_id in enumerate(["old-x", "mid-x", "new-x"]):
        archive_run(raw, "other", run_id)
        stamp = 1_700_000_000 + index * 3600
        os.utime(raw / "other" / run_id, (stamp, stamp))
    plan = plan_prune(raw, 1, read_provenance(warehouse))
    other = {run.run_id: (run.verdict, run.started_from) for run in plan.runs if run.source_id == "other"}
    assert other == {"new-x": ("recent", "mtime"), "mid-x": ("delete", "mtime"), "old-x": ("delete", "mtime")}
    fixture = [run.verdict for run in plan.runs if run.source_id == "fixture"]
    assert fixture.count("recent") == 1 and fixture.count("cited") == 2


def test_apply_deletes_exactly_the_planned_runs_and_reports_their_bytes(history, warehouse, data_dir):
    raw = data_dir / "raw" / "fixture"
    expected = {
        history["idle"]: disk_bytes(raw / history["idle"]),
        history["failed"]: disk_bytes(raw / history["failed"]),
    }
    plan = plan_prune(data_dir / "raw", 1, read_provenance(warehouse))
    assert {run.run_id: run.bytes for run in plan.to_delete()} == expected
    assert {run.run_id: run.files for run in plan.to_delete()} == {
        run_id: len(list((raw / run_id).iterdir())) for run_id in expected
    }
    deleted = raw_archive.apply_prune(plan)
    assert {run.run_id for run in deleted} == set(expected)
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        [history["first"], history["second"], history["last"]]
    )
    # what is left is untouched and still readable
    archive = RawArchive.for_run(data_dir / "raw", "fixture", history["first"])
    assert archive.read(archive.manifest()[0]["file"]).startswith(b'{"run"')


def test_cli_dry_run_lists_runs_and_bytes_and_deletes_nothing(history, data_dir):
    raw = data_dir / "raw" / "fixture"
    before = {path: path.read_bytes() for path in raw.rglob("*") if path.is_file()}
    freed = disk_bytes(raw / history["idle"]) + disk_bytes(raw / history["failed"])
    result = runner().invoke(app, ["etl", "prune-raw", "--keep", "1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run, nothing deleted" in result.output
    assert history["idle"] in result.output and history["failed"] in result.output
    assert history["first"] not in result.output  # cited: not listed for deletion
    assert f"{freed:,}" in result.output
    assert {path: path.read_bytes() for path in raw.rglob("*") if path.is_file()} == before


def test_cli_deletes_and_its_table_counts_runs_files_and_bytes(history, data_dir):
    raw = data_dir / "raw" / "fixture"
    gone = [history["idle"], history["failed"]]
    files = sum(len(list((raw / run_id).iterdir())) for run_id in gone)
    freed = sum(disk_bytes(raw / run_id) for run_id in gone)
    result = runner().invoke(app, ["etl", "prune-raw", "--keep", "1"], terminal_width=200)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "│ fixture" in line and "-fixture-" not in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        "fixture",
        "1",
        "2",
        "2",
        str(files),
        f"{freed:,}",
    ]
    assert f"deleted 2 run archive(s), {freed:,} bytes freed" in result.output
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        [history["first"], history["second"], history["last"]]
    )
    # a second prune finds nothing more to delete
    again = runner().invoke(app, ["etl", "prune-raw", "--keep", "1"])
    assert again.exit_code == 0 and "deleted 0 run archive(s)" in again.output


def test_cli_refuses_without_a_warehouse_unless_told(data_dir):
    archive_run(data_dir / "raw", "cfpb", "20260101T000000-cfpb-aaaaaaaa")
    archive_run(data_dir / "raw", "cfpb", "20260102T000000-cfpb-bbbbbbbb")
    os.utime(data_dir / "raw" / "cfpb" / "20260101T000000-cfpb-aaaaaaaa", (1_700_000_000, 1_700_000_000))
    refused = runner().invoke(app, ["etl", "prune-raw", "--keep", "1"])
    assert refused.exit_code == 2
    assert "no warehouse" in refused.output and "--no-warehouse-check" in refused.output
    assert len(list((data_dir / "raw" / "cfpb").iterdir())) == 2
    forced = runner().invoke(app, ["etl", "prune-raw", "--keep", "1", "--no-warehouse-check"])
    assert forced.exit_code == 0, forced.output
    assert [p.name for p in (data_dir / "raw" / "cfpb").iterdir()] == ["20260102T000000-cfpb-bbbbbbbb"]


def test_no_warehouse_check_still_reads_a_warehouse_that_exists(history, data_dir):
    result = runner().invoke(app, ["etl", "prune-raw", "--keep", "1", "--no-warehouse-check"])
    assert result.exit_code == 0, result.output
    left = {p.name for p in (data_dir / "raw" / "fixture").iterdir()}
    assert left == {history["first"], history["second"], history["last"]}


@pytest.mark.parametrize("keep", ["0", "-1"])
def test_keep_must_be_at_least_one(data_dir, keep):
    result = runner().invoke(app, ["etl", "prune-raw", "--keep", keep])
    assert result.exit_code == 2
    assert runner().invoke(app, ["etl", "prune-raw"]).exit_code == 2  # --keep is required


def test_pruning_waits_for_no_run_in_progress(history, warehouse, data_dir):
    with warehouse.lock():
        result = runner().invoke(app, ["etl", "prune-raw", "--keep", "1"])
    assert result.exit_code == 2 and "another ETL run" in result.output
    assert len(list((data_dir / "raw" / "fixture").iterdir())) == 5


def test_prune_raw_has_help():
    result = runner().invoke(app, ["etl", "prune-raw", "--help"])
    assert result.exit_code == 0 and "--keep" in result.output and "--dry-run" in result.output


def test_a_run_another_warehouse_cites_is_kept(history, data_dir):
    """All warehouses share the raw archive: a newer run in warehouse `demo` must not make `main`'s
    cited runs look deletable."""
    newer = run_source(RecordsSource(STORES, [C1]), warehouse=Warehouse(named(data_dir, "demo"))).run_id
    archive_run(data_dir / "raw", "fixture", newer)
    result = runner().invoke(app, ["etl", "prune-raw", "--keep", "1"])
    assert result.exit_code == 0, result.output
    kept = {p.name for p in (data_dir / "raw" / "fixture").iterdir()}
    assert kept == {newer, history["first"], history["second"], history["last"]}


def test_archived_pages_are_readable_by_their_owner_only(tmp_path):
    # pages hold personal data before masking; they were written 0644 under the usual umask (issue 18)
    previous = os.umask(0o022)
    try:
        archive = RawArchive.for_run(tmp_path / "raw", "src", "run-1")
        first = archive.save("https://example.org/a", "张三 13812345678".encode())
        archive.save("https://example.org/b", b"{}")
    finally:
        os.umask(previous)
    for path in (first, archive.directory / "00002.gz", archive.directory / MANIFEST_NAME):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(archive.directory.stat().st_mode) == 0o700
    assert archive.read(first.name).decode() == "张三 13812345678"
    assert [entry["url"] for entry in archive.manifest()] == [
        "https://example.org/a",
        "https://example.org/b",
    ]
