"""Warehouse lifecycle: versioned files, an atomically swapped CURRENT pointer, a run journal.

DuckDB lets one process write or many read a file, never both, and caches one database per
path inside a process. So every ETL run builds a new versioned file (a copy of the current
one plus its changes) and then points CURRENT at it with an atomic rename. Readers key their
connection on the versioned path and reconnect when CURRENT moves. A failed or killed run
never touches the file being served.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.version_check import DamagedVersionError, check_version, passes

POINTER_NAME = "CURRENT"
LOCK_NAME = "etl.lock"
JOURNAL_DIR = "runs"
VERSION_GLOB = "warehouse-*.duckdb"


class RunInProgressError(RuntimeError):
    """Another ETL run holds the warehouse lock."""


class WarehouseMissingError(FileNotFoundError):
    """No warehouse has been built yet."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class JournalEntry:
    """One ETL run as recorded outside the warehouse, so failed and killed runs are not lost."""

    run_id: str
    source_id: str
    started_at: str
    pid: int
    status: str = "running"  # running / succeeded / failed
    finished_at: str | None = None
    error: str | None = None
    warehouse_file: str | None = None
    params: dict = field(default_factory=dict)
    # rows per table of the version this run published (etl/version_check.py checks them)
    row_counts: dict[str, int] | None = None

    def as_seen(self) -> JournalEntry:
        """This entry as `etl status` shows it: a 'running' run whose process is gone died."""
        if self.status != "running" or process_alive(self.pid):
            return self
        return replace(
            self,
            status="failed",
            error=f"the run died (process {self.pid} is gone: killed or crashed); the next run records it",
        )


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this machine (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


class Warehouse:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    # -- reading -------------------------------------------------------------------------
    @property
    def pointer(self) -> Path:
        return self.directory / POINTER_NAME

    def current_path(self) -> Path | None:
        """The versioned file CURRENT points at, or None when nothing has been built."""
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.directory / name
        return path if name and path.exists() else None

    def require_current(self) -> Path:
        path = self.current_path()
        if path is None:
            raise WarehouseMissingError(
                f"no warehouse in {self.directory}: build one with `./storewatch etl demo`"
            )
        return path

    def connect_read_only(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the current version.

        Between reading CURRENT and opening the file, a run may publish a new version and prune
        this one (at once when the grace period is 0): then follow the pointer again.
        """
        for _ in range(5):
            path = self.require_current()
            try:
                return duckdb.connect(str(path), read_only=True)
            except duckdb.IOException:
                if path.exists() or self.current_path() == path:
                    raise
        return duckdb.connect(str(self.require_current()), read_only=True)

    # -- building ------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK_NAME, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise RunInProgressError(
                    f"another ETL run is writing to {self.directory}; try again when it ends"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def new_version_path(self, run_id: str) -> Path:
        return self.directory / f"warehouse-{run_id}.duckdb"

    def start_version(self, run_id: str) -> Path:
        """A new file holding a copy of the current warehouse (or nothing), for one run; the current
        version is checked first, so a damaged file is never built upon."""
        path = self.new_version_path(run_id)
        current = self.current_path()
        if current is not None:
            self.check_current(current)
            shutil.copyfile(current, path)
        return path

    def check_current(self, current: Path) -> None:
        """A one-line DamagedVersionError naming the last good version when `current` is damaged."""
        try:
            check_version(current, self.recorded_counts(current))
        except DamagedVersionError as exc:
            good = self.last_good_version()
            fallback = (
                f"the last good version is {good.name}" if good else "no earlier version passes the check"
            )
            raise DamagedVersionError(f"the served warehouse version is damaged: {exc}; {fallback}") from exc

    def recorded_counts(self, path: Path) -> dict[str, int] | None:
        """The row counts the journal recorded when `path` was published (None for older runs)."""
        for entry in reversed(self.journal()):
            if entry.status == "succeeded" and entry.warehouse_file == path.name:
                return entry.row_counts
        return None

    def last_good_version(self) -> Path | None:
        """The newest published version that still opens and holds its run's rows: the current one
        when it passes, else an earlier one (which prune then keeps)."""
        current = self.current_path()
        candidates = [current] if current is not None else []
        for entry in reversed(self.journal()):
            if entry.status == "succeeded" and entry.warehouse_file:
                candidates.append(self.directory / entry.warehouse_file)
        for path in dict.fromkeys(candidates):
            if path.exists() and passes(path, self.recorded_counts(path)):
                return path
        return None

    def publish(self, path: Path) -> None:
        """Point CURRENT at `path` atomically; the previous version stays until pruned."""
        _fsync_file(path)
        previous = self.current_path()
        tmp = self.directory / f".{POINTER_NAME}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(path.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.pointer)
        _fsync_dir(self.directory)
        if previous is not None and previous != path:
            # the grace period before pruning counts from now, when readers stop being sent here
            os.utime(previous)

    def discard(self, path: Path) -> None:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        # DuckDB's spill directory, left behind when a run dies while spilling to disk
        shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)

    def prune(self, grace_seconds: int) -> list[Path]:
        """Delete versions that are not current: orphans of dead runs at once, replaced ones once
        `grace_seconds` have passed since they were replaced (publish stamps that time as mtime)."""
        current = self.current_path()
        last_good = self.last_good_version()
        published = {
            entry.warehouse_file: entry
            for entry in self.journal()
            if entry.status == "succeeded" and entry.warehouse_file
        }
        removed = []
        now = time.time()
        # a run killed after its file was deleted may still leave the file's .wal or .tmp behind
        leftovers = self.directory.glob(VERSION_GLOB + "*")
        versions = {self.directory / _version_name(leftover.name) for leftover in leftovers}
        for path in sorted(versions):
            if any(kept is not None and path.name == kept.name for kept in (current, last_good)):
                continue
            if path.name in published and path.exists() and now - path.stat().st_mtime < grace_seconds:
                continue
            self.discard(path)
            removed.append(path)
        # half-written pointer and journal files of runs killed while writing them (we hold the lock)
        for stale in [*self.directory.glob(f".{POINTER_NAME}.*.tmp"), *self.journal_dir.glob("*.tmp")]:
            stale.unlink(missing_ok=True)
        return removed

    # -- the run journal -----------------------------------------------------------------
    @property
    def journal_dir(self) -> Path:
        return self.directory / JOURNAL_DIR

    def write_journal(self, entry: JournalEntry) -> None:
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        target = self.journal_dir / f"{entry.run_id}.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(entry), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, target)

    def journal(self) -> list[JournalEntry]:
        if not self.journal_dir.exists():
            return []
        entries = []
        for path in sorted(self.journal_dir.glob("*.json")):
            entries.append(JournalEntry(**json.loads(path.read_text(encoding="utf-8"))))
        return sorted(entries, key=lambda entry: entry.started_at)

    def mark_dead_runs_failed(self) -> list[JournalEntry]:
        """Runs still 'running' while we hold the lock died without cleaning up (e.g. SIGKILL)."""
        dead = []
        current = self.current_path()
        for entry in self.journal():
            if entry.status != "running":
                continue
            entry.finished_at = entry.finished_at or utc_now().isoformat()
            if current is not None and current.name == self.new_version_path(entry.run_id).name:
                # it died after publishing: its version is complete and served (and records the
                # run as succeeded inside), so the journal says so too and prune keeps its grace
                entry.status = "succeeded"
                entry.warehouse_file = current.name
            else:
                entry.status = "failed"
                entry.error = "the run died before finishing (process killed or crashed)"
                dead.append(entry)
            self.write_journal(entry)
        return dead


def _version_name(name: str) -> str:
    """The version file a DuckDB side file belongs to: 'x.duckdb.wal' -> 'x.duckdb'."""
    head, dot, _ = name.partition(".duckdb")
    return head + dot


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
