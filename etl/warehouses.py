"""Named warehouses: which one a load goes to, what may not mix in one, listing them, the old layout.

The synthetic demo always loads into warehouse `demo`; every other source loads into the warehouse
named by --warehouse / STOREWATCH_WAREHOUSE, else `main`, and never into `demo`. A warehouse holds
synthetic records or real ones, not both: a load that would mix them is refused before it starts
(the check reads the warehouse's `sources` table). Warehouses built before they had names lived in
<data dir>/warehouse/; `adopt_legacy_warehouse` moves such a one to its named place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from etl import duckdb_settings
from etl.context import SourceMeta
from etl.settings import DEMO_WAREHOUSE, MAIN_WAREHOUSE, WAREHOUSE_NAME, Settings
from etl.version_check import DamagedVersionError
from etl.warehouse import POINTER_NAME, RunInProgressError, Warehouse

DEMO_COMMAND = "demo"  # the `etl demo` command: the one source whose home is warehouse `demo`
SOURCE_ROWS_SQL = Path(__file__).parent / "sql" / "warehouses" / "source_rows.sql"


class WarehouseChoiceError(ValueError):
    """A load or a read aimed at the wrong warehouse; the message is one line for the CLI."""


@dataclass(frozen=True)
class SourceRows:
    source_id: str
    name: str
    publisher: str
    is_synthetic: bool
    as_of: datetime | None
    complaints: int
    penalties: int
    stores: int


@dataclass(frozen=True)
class WarehouseSummary:
    name: str
    directory: Path
    sources: tuple[SourceRows, ...]

    @property
    def kind(self) -> str:
        """synthetic, real, mixed, or empty (built, no source yet)."""
        flags = {source.is_synthetic for source in self.sources}
        return {frozenset(): "empty", frozenset({True}): "synthetic", frozenset({False}): "real"}.get(
            frozenset(flags), "mixed"
        )


def load_target(command: str, settings: Settings) -> str:
    """The warehouse a `storewatch etl <command>` run loads into, or a one-line refusal."""
    chosen = settings.warehouse_name
    if command == DEMO_COMMAND:
        if chosen not in (None, DEMO_WAREHOUSE):
            raise WarehouseChoiceError(
                f"the synthetic demo always loads into warehouse {DEMO_WAREHOUSE!r}, not {chosen!r}: "
                "run `storewatch etl demo` without --warehouse (and without STOREWATCH_WAREHOUSE)"
            )
        return DEMO_WAREHOUSE
    target = chosen or MAIN_WAREHOUSE
    if target == DEMO_WAREHOUSE:
        raise WarehouseChoiceError(
            f"warehouse {DEMO_WAREHOUSE!r} holds only the synthetic demo; load `etl {command}` into "
            f"another one: leave out --warehouse for {MAIN_WAREHOUSE!r}, or pass --warehouse NAME"
        )
    return target


def check_not_mixing(warehouse: Warehouse, name: str, meta: SourceMeta) -> None:
    """Refuse a load of synthetic records into a warehouse of real ones, and the other way round."""
    others = [s for s in sources_of(warehouse) if s.source_id != meta.source_id]
    clash = [s for s in others if s.is_synthetic != meta.is_synthetic]
    if not clash:
        return
    listed = "; ".join(f"source {s.source_id}: {s.name}" for s in clash)
    if meta.is_synthetic:
        problem = (
            f"{meta.name!r} is synthetic example data and warehouse {name!r} holds real records: {listed}"
        )
    else:
        problem = f"warehouse {name!r} holds synthetic example records ({listed}) and {meta.name!r} is real"
    raise WarehouseChoiceError(
        f"{problem}; they must not mix: load it into another warehouse with --warehouse NAME"
    )


def sources_of(warehouse: Warehouse) -> tuple[SourceRows, ...]:
    """The sources a warehouse's current version holds, with their row counts (none when unbuilt)."""
    path = warehouse.current_path()
    if path is None:
        return ()
    try:
        with duckdb_settings.connect_read_only(path) as con:
            rows = con.execute(SOURCE_ROWS_SQL.read_text(encoding="utf-8")).fetchall()
    except duckdb.Error as exc:  # overwritten or cut short: say so in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        good = warehouse.last_good_version()
        fallback = f"the last good version is {good.name}" if good else "no earlier version passes the check"
        raise DamagedVersionError(
            f"the served warehouse version {path.name} is damaged: {first}; {fallback}"
        ) from exc
    return tuple(SourceRows(*row) for row in rows)


def directory_names(settings: Settings) -> list[str]:
    """Every warehouse directory by name, published or not (a first run may have failed)."""
    if not settings.warehouses_dir.is_dir():
        return []
    return sorted(
        path.name
        for path in settings.warehouses_dir.iterdir()
        if path.is_dir() and WAREHOUSE_NAME.fullmatch(path.name)
    )


def existing_names(settings: Settings) -> list[str]:
    """Warehouses that have a published version, by name."""
    return [
        name
        for name in directory_names(settings)
        if Warehouse(settings.warehouse_path(name)).current_path() is not None
    ]


def list_warehouses(settings: Settings) -> list[WarehouseSummary]:
    summaries = []
    for name in existing_names(settings):
        warehouse = Warehouse(settings.warehouse_path(name))
        summaries.append(WarehouseSummary(name, warehouse.directory, sources_of(warehouse)))
    return summaries


def require_built(settings: Settings, name: str) -> Warehouse:
    """The named warehouse if it has a published version; else a one-line error naming those that do."""
    warehouse = Warehouse(settings.warehouse_path(name))
    if warehouse.current_path() is None:
        existing = existing_names(settings)
        raise WarehouseChoiceError(
            f"there is no warehouse named {name!r}; "
            + (
                f"existing warehouses: {', '.join(existing)}"
                if existing
                else "no warehouse has been built yet"
            )
        )
    return warehouse


def adopt_legacy_warehouse(settings: Settings) -> str | None:
    """Move a warehouse of the old layout (<data dir>/warehouse/) to its named place; say what happened.

    All-synthetic contents become `demo`, anything else `main`. The move is one rename of the whole
    directory (its CURRENT pointer and journal name files relative to it), done under its ETL lock;
    when the target name is taken, or a run is writing, the old directory is left alone.
    """
    legacy = Warehouse(settings.legacy_warehouse_dir)
    if not (legacy.directory / POINTER_NAME).exists() or legacy.current_path() is None:
        return None
    sources = sources_of(legacy)
    name = DEMO_WAREHOUSE if sources and all(s.is_synthetic for s in sources) else MAIN_WAREHOUSE
    target = settings.warehouse_path(name)
    if target.exists():
        return (
            f"note: {legacy.directory} holds a warehouse of the old layout and warehouse {name!r} exists "
            f"too; it was left where it is (move it to {settings.warehouses_dir}/<name>/ yourself)"
        )
    try:
        with legacy.lock():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(legacy.directory, target)
    except RunInProgressError:
        return f"note: {legacy.directory} (old layout) was not moved: a run is writing to it"
    return f"moved the warehouse in {legacy.directory} to {target}: it is now warehouse {name!r}"
