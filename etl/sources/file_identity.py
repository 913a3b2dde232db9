"""Who a file import's record is about: its store and legal entity, identified as docs/linking.md says.

A record's store is identified by its platform (canonical code) and normalised name, or by the
platform's own store id, never by the mapping that loaded it; its legal entity by its registration
number, else its normalised name. The rows staged here for stores and entities a complaint, penalty
or volume file only *mentions* say so (listed_in_register false): the loader never lets them
overwrite a register's row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from etl.context import RecordRejectedError
from etl.ids import entity_id_for, merchant_id_for
from etl.reference import canonical_platform
from etl.text import normalise_store_name

# a month: 2025-03, 2025/3, 2025.03, 2025年3月, 202503, or a date in it (2025-03-15, 2025年3月15日),
# optionally followed by a time
_MONTH = re.compile(
    r"(?P<year>\d{4})\s*(?:[-/.年]\s*)?(?P<month>\d{1,2})\s*月?"
    r"(?:\s*[-/.]?\s*(?P<day>\d{1,2})\s*日?)?(?:[ T]\S.*)?"
)


@dataclass(frozen=True)
class EntityRef:
    entity_id: str
    name: str
    registration_number: str | None

    def mention(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The entities row staged for an entity a record names, and its raw form."""
        raw = {"entity": self.name, "registration_number": self.registration_number}
        row = {
            "entity_id": self.entity_id,
            "source_record_id": self.registration_number or self.name,
            "name": self.name,
            "name_normalised": normalise_store_name(self.name),
            "registration_number": self.registration_number,
            "listed_in_register": False,
        }
        return row, raw


@dataclass(frozen=True)
class StoreRef:
    merchant_id: str
    name: str
    platform: str  # the canonical code
    platform_text: str  # as the file wrote it
    store_id: str | None

    def columns(self) -> dict[str, Any]:
        """The merchants columns that identify the store."""
        return {
            "merchant_id": self.merchant_id,
            "name": self.name,
            "name_normalised": normalise_store_name(self.name),
            "platform": self.platform,
            "platform_store_id": self.store_id,
        }

    def mention(self, entity: EntityRef | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The merchants row staged for a store a complaint, penalty or volume record names."""
        raw = {
            "platform": self.platform_text,
            "name": self.name,
            "store_id": self.store_id,
            "entity": entity.name if entity else None,
            "registration_number": entity.registration_number if entity else None,
        }
        row = {
            **self.columns(),
            "source_record_id": self.store_id or f"{self.platform_text}|{self.name}",
            "entity_id": entity.entity_id if entity else None,
            "listed_in_register": False,
        }
        return row, raw


def store_ref(name: str | None, platform_text: str | None, store_id: str | None) -> StoreRef:
    if name is None and store_id is None:
        raise RecordRejectedError("store name missing", "merchant_id")
    if not platform_text:
        raise RecordRejectedError("platform missing", "platform")
    platform = canonical_platform(platform_text)
    if not platform:
        raise RecordRejectedError(f"platform {platform_text!r} has no letters or digits", "platform")
    shown = name if name is not None else str(store_id)
    return StoreRef(merchant_id_for(platform, shown, store_id), shown, platform, platform_text, store_id)


def entity_ref(name: str | None, registration_number: str | None) -> EntityRef | None:
    if name is None and registration_number is None:
        return None
    shown = name if name is not None else str(registration_number)
    if not normalise_store_name(shown) and not registration_number:
        return None  # punctuation only: nothing identifies it
    return EntityRef(entity_id_for(shown, registration_number), shown, registration_number)


def parse_month(text: str, column: str | None) -> date:
    """The first day of the month a text names: 2025-03, 2025/03, 2025年3月, 202503 or a date."""
    match = _MONTH.fullmatch(text.strip())
    year, month = (int(match["year"]), int(match["month"])) if match else (0, 0)
    if not 1 <= month <= 12:
        raise RecordRejectedError(f"not a month: {text!r} in column {column!r}", "period")
    if match and match["day"] is not None:
        try:
            date(year, month, int(match["day"]))
        except ValueError as exc:
            raise RecordRejectedError(f"not a date: {text!r} in column {column!r}", "period") from exc
    return date(year, month, 1)


def volume_id(merchant_id: str, period: date) -> str:
    """One row per store and month, whichever file gave it: `<merchant_id>:<YYYY-MM>`."""
    return f"{merchant_id}:{period:%Y-%m}"
