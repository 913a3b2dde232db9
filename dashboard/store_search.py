"""Find stores by name, misspelt or partial, by company name or registration number; used by every page
that lets a reader pick a store."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard import db
from etl.text import normalise_name

MIN_SIMILARITY = 0.85  # Jaro-Winkler on the best-matching stretch of the name; 0.85 keeps 1-2 typos
RESULTS = 20

# A name matches when it contains the query, its company name does, the registration number equals
# it, or (queries of 3+ characters) some stretch of the name as long as the query is close to it.
SEARCH_SQL = """
WITH q AS (SELECT ?::VARCHAR AS q, length(?::VARCHAR) AS lq),
scored AS (
    SELECT m.merchant_id, m.name, m.platform, e.name AS entity_name, m.closed_on,
        CASE
            WHEN contains(m.name_normalised, q.q) OR contains(coalesce(e.name_normalised, ''), q.q)
                OR e.registration_number = upper(q.q) THEN 1.0
            WHEN q.lq < 3 THEN 0.0
            ELSE list_max(list_transform(
                range(1, greatest(length(m.name_normalised) - q.lq + 2, 2)),
                lambda i: jaro_winkler_similarity(substr(m.name_normalised, i, q.lq), q.q)))
        END AS score
    FROM merchants m LEFT JOIN entities e ON e.entity_id = m.entity_id, q
)
SELECT merchant_id, name, platform, entity_name, closed_on, score
FROM scored WHERE score >= ? ORDER BY score DESC, name, merchant_id LIMIT ?
"""

# The same columns as a search, for stores already chosen (their ids come from a link).
BY_ID_SQL = """
SELECT m.merchant_id, m.name, m.platform, e.name AS entity_name, m.closed_on
FROM merchants m LEFT JOIN entities e ON e.entity_id = m.entity_id
WHERE list_contains(?, m.merchant_id)
ORDER BY m.merchant_id
"""


def search(text: str) -> pd.DataFrame:
    """The best-matching stores for what a reader typed, best first (empty for blank text)."""
    key = normalise_name(text)
    if not key:
        return pd.DataFrame()
    return db.query(SEARCH_SQL, [key, key, MIN_SIMILARITY, RESULTS])


def by_ids(merchant_ids: Sequence[str]) -> pd.DataFrame:
    """The stores among these ids that exist in the warehouse; unknown ids are simply absent."""
    if not merchant_ids:
        return pd.DataFrame(columns=["merchant_id", "name", "platform", "entity_name", "closed_on"])
    return db.query(BY_ID_SQL, [list(merchant_ids)])
