"""The only place Storewatch reads environment variables."""

from __future__ import annotations

import os
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

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def raw_dir(self) -> Path:
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
    )
