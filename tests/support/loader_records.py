"""Two stores and seven complaints for loader tests: three load, four break a rule each and are
quarantined (an unreadable date, closed before filed, an unknown store, a category off the scale)."""

from __future__ import annotations

STORES = [
    {"id": "s1", "name": "优品旗舰店", "platform": "Tmall"},
    {"id": "s2", "name": "Brightline Home Store", "platform": "Amazon"},
]


def complaints() -> list[dict]:
    return [
        {"id": "c1", "store": "s1", "filed": "2026-01-05T10:00:00", "closed": "2026-01-09T10:00:00"},
        {"id": "c2", "store": "s1", "filed": "2026-02-01T08:00:00"},
        {
            "id": "c3",
            "store": "s2",
            "filed": "2026-03-01T09:00:00",
            "closed": "2026-03-02T09:00:00",
            "category": "delivery",
        },
        # malformed: the normaliser cannot read the date
        {"id": "c4", "store": "s2", "filed": "31/02/2026"},
        # breaks a rule: closed before it was filed
        {"id": "c5", "store": "s2", "filed": "2026-03-05T09:00:00", "closed": "2026-03-01T09:00:00"},
        # breaks a rule: a store nobody knows
        {"id": "c6", "store": "nope", "filed": "2026-03-05T09:00:00"},
        # breaks a rule: a category outside the scale
        {"id": "c7", "store": "s1", "filed": "2026-03-05T09:00:00", "category": "aliens"},
    ]
