"""The only place Storewatch reads environment variables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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

    @property
    def warehouse_dir(self) -> Path:
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
    )


def source_setting(name: str, default: str) -> str:
    """A setting a source module declares for itself (its base URL), read when a run needs it."""
    return os.environ.get(name, default)


def _memory_size(text: str) -> str:
    """A DuckDB memory size such as 4GB or 512MiB; anything else is refused here, by name."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text.strip(), flags=re.IGNORECASE):
        raise ValueError(f"STOREWATCH_BUILD_MEMORY_LIMIT must be a size such as 4GB, not {text!r}")
    return text.strip()
