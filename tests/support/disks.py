"""A small real filesystem (tmpfs) to fill up: disk-full tests meet ENOSPC from the kernel, not a mock.

Mounting needs root (the sandbox and CI run as root); elsewhere the tests that need it are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

DISK_MB = 64


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A DISK_MB tmpfs used as the data directory (grace 0, no headroom unless a test sets one)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(mount))
    monkeypatch.setenv("STOREWATCH_VERSION_GRACE_SECONDS", "0")
    monkeypatch.setenv("STOREWATCH_RUN_HEADROOM", "0B")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=False)


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def fill_until(path: Path, free: int) -> Path:
    """Write a filler file into the filesystem of `path` until `free` bytes are left."""
    filler = path / "filler"
    with open(filler, "ab") as handle:
        handle.write(b"\0" * max(0, free_bytes(path) - free))
    return filler
