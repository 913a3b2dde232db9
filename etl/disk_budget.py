"""Disk for a run, budgeted before it copies anything: refused early, in one line, with the figures.

A run writes a copy of the current version and then its changes (new and rewritten blocks, the
write-ahead log): a full rebuild of the 200 k-complaint demo grew its 32 MB copy by 11 to 14 MB, so
the budget is the copy plus half of it again, plus STOREWATCH_RUN_HEADROOM for DuckDB's spill files
and the journal. When that does not
fit, replaced versions still in their grace period are pruned first: a reader of one loses it, but
the alternative is a run that fills the disk.
"""

from __future__ import annotations

import shutil

from etl.settings import Settings
from etl.warehouse import Warehouse


class DiskBudgetError(OSError):
    """Not enough free space for a run; the message says how much it needs and how much is free."""


def needed_bytes(warehouse: Warehouse, settings: Settings) -> int:
    current = warehouse.current_path()
    size = current.stat().st_size if current is not None else 0
    return size + size // 2 + settings.run_headroom_bytes


def free_bytes(warehouse: Warehouse) -> int:
    return shutil.disk_usage(warehouse.directory).free


def reserve(warehouse: Warehouse, settings: Settings) -> None:
    """Return when the run fits on the warehouse's disk (after pruning replaced versions if it had
    to); raise a one-line DiskBudgetError otherwise."""
    needed = needed_bytes(warehouse, settings)
    if free_bytes(warehouse) >= needed:
        return
    warehouse.prune(grace_seconds=0)
    free = free_bytes(warehouse)
    if free < needed:
        raise DiskBudgetError(
            f"not enough disk space in {warehouse.directory}: this run needs about {_size(needed)} "
            f"(1.5 times the current version plus STOREWATCH_RUN_HEADROOM), {_size(free)} is free; "
            "free some space or move STOREWATCH_DATA_DIR"
        )


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"
