"""The real-data directory (../shared/realdata, beside the clone) and the check that every test reading
it is marked `realdata`, so that `-m "not realdata"` really leaves it out.

The check listens to Python's audit events: a test without the mark that opens or lists a path under
REALDATA while it runs (its function-scoped fixtures included) fails, naming the path. Reads at import
or collection time, in module- or session-scoped fixtures and in subprocesses are not seen.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})  # the events whose first argument is a path


class ReadWatch:
    """Records the paths under `directory` that are opened or listed while it is watching."""

    def __init__(self, directory: Path) -> None:
        self.directory = str(directory)
        self.watching = False
        self.reads: list[str] = []

    def audit(self, event: str, args: tuple) -> None:
        if not self.watching or event not in _EVENTS or not args:
            return
        target = args[0]
        if not isinstance(target, str | bytes | os.PathLike):
            return  # a file descriptor
        path = os.fsdecode(os.fspath(target))
        if path == self.directory or path.startswith(self.directory + os.sep):
            self.reads.append(path)

    def start(self) -> None:
        self.reads, self.watching = [], True

    def stop(self) -> list[str]:
        self.watching = False
        return self.reads


_watch = ReadWatch(REALDATA)
sys.addaudithook(_watch.audit)  # audit hooks cannot be removed: one per process, idle unless watching


@pytest.fixture(autouse=True)
def realdata_reads_are_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test that reads REALDATA without carrying the realdata mark."""
    if request.node.get_closest_marker("realdata") is not None:
        yield
        return
    _watch.start()
    try:
        yield
    finally:
        reads = _watch.stop()
    if reads:
        pytest.fail(
            f"{request.node.nodeid} reads {reads[0]} ({len(reads)} reads under {REALDATA}) "
            "but is not marked @pytest.mark.realdata",
            pytrace=False,
        )
