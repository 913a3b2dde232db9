"""The only place Storewatch reads environment variables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Warehouses have names: <data dir>/warehouses/<name>/. The synthetic demo always lives in DEMO;
# imports and real sources go to MAIN unless another name is chosen (STOREWATCH_WAREHOUSE or
# `storewatch --warehouse NAME ...`), so one's own records never land beside the demo's.
DEMO_WAREHOUSE = "demo"
MAIN_WAREHOUSE = "main"
WAREHOUSE_NAME = re.compile(r"[a-z0-9_-]{1,40}")
# `storewatch --warehouse NAME` sets this for the one command it runs; it wins over the environment.
_chosen_warehouse: str | None = None


class WarehouseNameError(ValueError):
    """A warehouse name outside [a-z0-9_-]{1,40}."""


def warehouse_name(text: str) -> str:
    """`text` if it is a valid warehouse name; a one-line WarehouseNameError otherwise."""
    if not WAREHOUSE_NAME.fullmatch(text):
        raise WarehouseNameError(
            f"warehouse name {text[:60]!r} is not allowed: use 1 to 40 of a-z, 0-9, _ and -"
        )
    return text


def warehouse_path(data_dir: Path, name: str) -> Path:
    """Where warehouse `name` of a data directory lives."""
    return Path(data_dir) / "warehouses" / warehouse_name(name)


def choose_warehouse(name: str | None) -> None:
    """The warehouse the current command works on (None: the environment's, else the default)."""
    global _chosen_warehouse
    _chosen_warehouse = None if name is None else warehouse_name(name)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    # Old warehouse versions are deleted this many seconds after being replaced, so a dashboard
    # session that still holds one open finishes its queries first.
    version_grace_seconds: int
    user_agent: str
    http_timeout_seconds: float
    # Retries on connect errors, timeouts, 429 and 5xx: attempts in all, and the exponential
    # backoff (base * 2**n seconds, capped). Tests set the base to 0 to stay fast.
    http_attempts: int
    http_backoff_base_seconds: float
    http_backoff_cap_seconds: float
    # Wall-clock bound on one request with all its retries: the run fails cleanly instead of
    # waiting on a server that trickles bytes or keeps asking us to come back later.
    http_deadline_seconds: float
    # A safety bound on pagination, so a server that repeats a page forever cannot hang a run.
    http_max_pages: int
    # Optional Socrata app token: raises NYC Open Data's rate limits; sent as X-App-Token.
    socrata_app_token: str | None
    # DuckDB's memory limit while a run builds a warehouse version: beyond it, sorts and joins spill
    # to disk. Writing 10 M complaints in date order peaks at 7.7 GB unbounded, 4.8 GB with 4GB.
    build_memory_limit: str
    # The warehouse named by --warehouse or STOREWATCH_WAREHOUSE; None when none was named, and then
    # readers (serve, export, status, the dashboard) use DEMO and loads choose by source (etl/warehouses.py).
    warehouse_name: str | None = None
    # Free space a run needs beyond the copy of the current version and half as much again for its
    # changes (etl/disk_budget.py); a run short of it is refused before it copies anything.
    run_headroom_bytes: int = 32 * 10**6

    @property
    def warehouses_dir(self) -> Path:
        return warehouse_path(self.data_dir, DEMO_WAREHOUSE).parent

    def warehouse_path(self, name: str) -> Path:
        return warehouse_path(self.data_dir, name)

    @property
    def served_warehouse(self) -> str:
        """The warehouse a reader opens: the one named, else the demo."""
        return self.warehouse_name or DEMO_WAREHOUSE

    @property
    def warehouse_dir(self) -> Path:
        return self.warehouse_path(self.served_warehouse)

    @property
    def legacy_warehouse_dir(self) -> Path:
        """Where the one warehouse lived before warehouses had names (etl/warehouses.py adopts it)."""
        return self.data_dir / "warehouse"

    @property
    def raw_dir(self) -> Path:
        """Raw archive of every page a network source fetched: <raw_dir>/<source>/<run_id>/."""
        return self.data_dir / "raw"


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("STOREWATCH_DATA_DIR", PROJECT_ROOT / "data"))
    return Settings(
        data_dir=data_dir.resolve(),
        version_grace_seconds=int(os.environ.get("STOREWATCH_VERSION_GRACE_SECONDS", "600")),
        user_agent=os.environ.get(
            "STOREWATCH_USER_AGENT",
            "Storewatch/0.1 (public-interest merchant accountability research)",
        ),
        http_timeout_seconds=float(os.environ.get("STOREWATCH_HTTP_TIMEOUT", "30")),
        http_attempts=int(os.environ.get("STOREWATCH_HTTP_ATTEMPTS", "5")),
        http_backoff_base_seconds=float(os.environ.get("STOREWATCH_HTTP_BACKOFF_BASE", "1")),
        http_backoff_cap_seconds=float(os.environ.get("STOREWATCH_HTTP_BACKOFF_CAP", "60")),
        http_deadline_seconds=float(os.environ.get("STOREWATCH_HTTP_DEADLINE", "600")),
        http_max_pages=int(os.environ.get("STOREWATCH_HTTP_MAX_PAGES", "10000")),
        socrata_app_token=os.environ.get("STOREWATCH_SOCRATA_APP_TOKEN") or None,
        build_memory_limit=_memory_size(os.environ.get("STOREWATCH_BUILD_MEMORY_LIMIT", "4GB")),
        warehouse_name=_chosen_warehouse or _named_warehouse(os.environ.get("STOREWATCH_WAREHOUSE")),
        run_headroom_bytes=_byte_count(os.environ.get("STOREWATCH_RUN_HEADROOM", "32MB")),
    )


def child_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with the chosen warehouse named, for a child it starts (the dashboard)."""
    return {**os.environ, "STOREWATCH_WAREHOUSE": settings.served_warehouse}


def source_setting(name: str, default: str) -> str:
    """A setting a source module declares for itself (its base URL), read when a run needs it."""
    return os.environ.get(name, default)


def _named_warehouse(text: str | None) -> str | None:
    return warehouse_name(text.strip()) if text and text.strip() else None


def _memory_size(text: str) -> str:
    """A DuckDB memory size such as 4GB or 512MiB; anything else is refused here, by name."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text.strip(), flags=re.IGNORECASE):
        raise ValueError(f"STOREWATCH_BUILD_MEMORY_LIMIT must be a size such as 4GB, not {text!r}")
    return text.strip()


_BYTE_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_BYTE_UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _byte_count(text: str) -> int:
    """STOREWATCH_RUN_HEADROOM: a size such as 100MB, 1GiB or 0B; anything else is refused by name."""
    match = re.fullmatch(r"(\d+)\s*([KMGT]i?B|B)", text.strip(), flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"STOREWATCH_RUN_HEADROOM must be a size such as 100MB, not {text!r}")
    return int(match.group(1)) * _BYTE_UNITS[match.group(2).upper()]
