"""Raw archive: every page a network source fetched, gzipped, with a manifest, per run.

Layout: `<data_dir>/raw/<source_id>/<run_id>/NNNNN.gz` plus `manifest.jsonl`, one JSON line per
file (url, fetched_at, sha256 and byte count of the uncompressed body, content type). The manifest
line is appended after its file is complete, so a run killed mid-write leaves a manifest that only
names whole files. Failed runs keep their archive (it shows what the server sent); a dry run's
archive is deleted with the rest of its output (see `discard`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MANIFEST_NAME = "manifest.jsonl"


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
        self.files += 1
        path = self.directory / f"{self.files:05d}.gz"
        with gzip.open(path, "wb") as handle:
            handle.write(body)
        entry = {
            "file": path.name,
            "url": url,
            "fetched_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
            "content_type": content_type,
        }
        with open(self.directory / MANIFEST_NAME, "a", encoding="utf-8") as manifest:
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


def discard(raw_dir: Path, source_id: str, run_id: str) -> None:
    """Delete one run's archive (a dry run writes nothing that outlives it)."""
    shutil.rmtree(run_archive_dir(raw_dir, source_id, run_id), ignore_errors=True)
