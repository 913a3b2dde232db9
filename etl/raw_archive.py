"""Raw archive: every page a network source fetched, gzipped, with a manifest, per run.

Layout: `<data_dir>/raw/<source_id>/<run_id>/NNNNN.gz` plus `manifest.jsonl`, one JSON line per
file (url, fetched_at, sha256 and byte count of the uncompressed body, content type). The manifest
line is appended after its file is complete, so a run killed mid-write leaves a manifest that only
names whole files. Pages may hold personal data before masking: the run's folder is 0700 and its
files 0600, whatever the umask. Failed runs keep their archive (it shows what the server sent); a dry run
archives nothing (its run context has no archive, etl/context.py). Nothing is pruned unless asked
(`plan_prune` / `apply_prune`, behind `storewatch etl prune-raw`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from etl.load import FACT_TABLES
from etl.warehouse import Warehouse

MANIFEST_NAME = "manifest.jsonl"
_PRIVATE_FILE = 0o600
_PRIVATE_DIR = 0o700


def _open_private(path: Path, mode: str) -> int:
    """A descriptor of `path` opened to write ('w') or append ('a'), created readable by its owner only."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    return os.open(path, flags, _PRIVATE_FILE)


def run_archive_dir(raw_dir: Path, source_id: str, run_id: str) -> Path:
    return Path(raw_dir) / source_id / run_id


@dataclass
class RawArchive:
    directory: Path
    files: int = 0

    @classmethod
    def for_run(cls, raw_dir: Path, source_id: str, run_id: str) -> RawArchive:
        return cls(run_archive_dir(raw_dir, source_id, run_id))

    def save(self, url: str, body: bytes, content_type: str | None = None) -> Path:
        """Store one fetched body; the directory is made on the first one (no page, no folder)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(_PRIVATE_DIR)
        self.files += 1
        path = self.directory / f"{self.files:05d}.gz"
        with open(_open_private(path, "w"), "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as handle:
            handle.write(body)
        entry = {
            "file": path.name,
            "url": url,
            "fetched_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
            "content_type": content_type,
        }
        with open(_open_private(self.directory / MANIFEST_NAME, "a"), "a", encoding="utf-8") as manifest:
            manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return path

    def manifest(self) -> list[dict]:
        path = self.directory / MANIFEST_NAME
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def read(self, name: str) -> bytes:
        with gzip.open(self.directory / name, "rb") as handle:
            return handle.read()


# -- pruning -------------------------------------------------------------------------------
# The archive is evidence of what a public server sent, so pruning is explicit and conservative:
# per source keep the `keep` most recent archives, and always keep a run's archive while any row
# of the served warehouse still carries that run_id (unchanged rows keep the run that first
# loaded them, so an old run can be the only evidence for rows served today).

Verdict = Literal["recent", "cited", "delete"]


@dataclass
class ArchivedRun:
    """One run's archive directory and what pruning decided for it."""

    source_id: str
    run_id: str
    directory: Path
    started_at: datetime  # naive UTC, like etl_runs and the journal
    started_from: Literal["etl_runs", "journal", "mtime"]
    status: str | None  # from etl_runs, else the journal; None when neither knows the run
    files: int
    bytes: int
    verdict: Verdict = "delete"


@dataclass
class RunProvenance:
    """What the warehouse knows about runs: which ones served rows cite, and when each started."""

    cited: set[str] | None  # None: no warehouse was read, so nothing is known to be cited
    started_at: dict[str, tuple[datetime, Literal["etl_runs", "journal"]]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)


@dataclass
class PrunePlan:
    keep: int
    runs: list[ArchivedRun]
    warehouse_checked: bool

    def to_delete(self) -> list[ArchivedRun]:
        return [run for run in self.runs if run.verdict == "delete"]

    def sources(self) -> list[str]:
        return sorted({run.source_id for run in self.runs})


def read_provenance(warehouse: Warehouse, check_warehouse: bool = True) -> RunProvenance:
    """Runs cited by the served warehouse's fact tables, and start times from etl_runs and the journal.

    With `check_warehouse` the served warehouse must exist (WarehouseMissingError otherwise);
    without it a warehouse that does exist is still read, as deleting evidence is never the default.
    """
    provenance = RunProvenance(cited=None)
    # the journal knows runs the served version does not (yet): failed, killed, in progress
    for entry in warehouse.journal():
        provenance.started_at[entry.run_id] = (datetime.fromisoformat(entry.started_at), "journal")
        provenance.status[entry.run_id] = entry.status
    if not check_warehouse and warehouse.current_path() is None:
        return provenance
    with warehouse.connect_read_only() as con:
        # table names come from the loader's fixed list, never from input
        cited_sql = " UNION ".join(f"SELECT DISTINCT run_id FROM {table}" for table in FACT_TABLES)  # noqa: S608
        provenance.cited = {row[0] for row in con.execute(cited_sql).fetchall()}
        for run_id, started_at, status in con.execute(
            "SELECT run_id, started_at, status FROM etl_runs"
        ).fetchall():
            provenance.started_at[run_id] = (started_at, "etl_runs")
            provenance.status[run_id] = status
    return provenance


def plan_prune(raw_dir: Path, keep: int, provenance: RunProvenance) -> PrunePlan:
    """Decide, per source, which run archives to keep and which to delete; touches nothing."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    raw_dir = Path(raw_dir)
    runs: list[ArchivedRun] = []
    source_dirs = sorted(p for p in raw_dir.iterdir() if _real_dir(p)) if raw_dir.is_dir() else []
    for source_dir in source_dirs:
        archived = [
            _archived_run(source_dir.name, run_dir, provenance)
            for run_dir in source_dir.iterdir()
            if _real_dir(run_dir)
        ]
        archived.sort(key=lambda run: (run.started_at, run.run_id), reverse=True)
        for rank, run in enumerate(archived):
            if rank < keep:
                run.verdict = "recent"
            elif provenance.cited is not None and run.run_id in provenance.cited:
                run.verdict = "cited"
        runs.extend(archived)
    return PrunePlan(keep=keep, runs=runs, warehouse_checked=provenance.cited is not None)


def apply_prune(plan: PrunePlan) -> list[ArchivedRun]:
    """Delete the archives the plan marked for deletion; returns them."""
    deleted = []
    for run in plan.to_delete():
        shutil.rmtree(run.directory)
        deleted.append(run)
    return deleted


def _archived_run(source_id: str, directory: Path, provenance: RunProvenance) -> ArchivedRun:
    run_id = directory.name
    files = [path for path in directory.rglob("*") if path.is_file() and not path.is_symlink()]
    if run_id in provenance.started_at:
        started_at, started_from = provenance.started_at[run_id]
    else:
        mtime = directory.stat().st_mtime
        started_at, started_from = datetime.fromtimestamp(mtime, UTC).replace(tzinfo=None), "mtime"
    return ArchivedRun(
        source_id=source_id,
        run_id=run_id,
        directory=directory,
        started_at=started_at,
        started_from=started_from,
        status=provenance.status.get(run_id),
        files=len(files),
        bytes=sum(path.lstat().st_size for path in files),
    )


def _real_dir(path: Path) -> bool:
    """A directory that is not a symlink: pruning never follows links out of the archive."""
    return path.is_dir() and not path.is_symlink()
