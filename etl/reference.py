"""Reference data shipped in data/reference/: platforms (code, labels, the spellings sources use).

`canonical_platform` is the one place a source's platform text becomes the stored platform code;
`load_platforms` writes the `platforms` table in every run, so labels follow the YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import duckdb
import yaml

from etl.settings import PROJECT_ROOT
from etl.text import normalise_store_name

PLATFORMS_FILE = PROJECT_ROOT / "data" / "reference" / "platforms.yml"


@dataclass(frozen=True)
class Platform:
    code: str
    label_en: str
    label_zh: str
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def platforms() -> tuple[Platform, ...]:
    entries = yaml.safe_load(PLATFORMS_FILE.read_text(encoding="utf-8"))
    return tuple(
        Platform(e["code"], e["label_en"], e["label_zh"], tuple(e.get("aliases", ()))) for e in entries
    )


@lru_cache(maxsize=1)
def _codes_by_spelling() -> dict[str, str]:
    found: dict[str, str] = {}
    for platform in platforms():
        for spelling in (platform.code, platform.label_en, platform.label_zh, *platform.aliases):
            key = normalise_store_name(spelling)
            if found.setdefault(key, platform.code) != platform.code:
                raise ValueError(f"{PLATFORMS_FILE.name}: {spelling!r} names two platforms")
    return found


def canonical_platform(text: str) -> str:
    """The platform code for a source's spelling: 淘宝, 淘寶, Taobao and TAOBAO are all `taobao`.

    A platform that data/reference/platforms.yml does not list keeps its normalised spelling as its
    code (shopee, 唯品会): spellings of it that normalise alike still join; others need an alias.
    """
    key = normalise_store_name(text)
    return _codes_by_spelling().get(key, key)


def load_platforms(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the rows of the `platforms` table with the shipped file's."""
    con.execute("DELETE FROM platforms")
    con.executemany(
        "INSERT INTO platforms (platform, label_en, label_zh) VALUES (?, ?, ?)",
        [(p.code, p.label_en, p.label_zh) for p in platforms()],
    )
