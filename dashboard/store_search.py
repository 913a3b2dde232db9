"""Find stores by name, misspelt or partial, by company name or registration number; used by every page
that lets a reader pick a store. A word that names a platform (淘宝, Taobao, tmall.com) narrows the
search to that platform's stores: `淘宝 福润` finds 福润 stores on Taobao, `淘宝` alone lists Taobao
stores."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard import db
from etl.reference import canonical_platform
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
    WHERE ?::VARCHAR IS NULL OR m.platform = ?
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
    """The best-matching stores for what a reader typed, best first (empty for blank text): stores
    whose name matches all of it, then, when some of it names a platform, that platform's stores
    matching the rest."""
    key = normalise_name(text)
    if not key:
        return pd.DataFrame()
    found = [_matching(key)]
    platform, rest = named_platform(text)
    if platform is not None:
        found.append(_matching(normalise_name(rest), platform))
    return pd.concat(found).drop_duplicates("merchant_id").head(RESULTS).reset_index(drop=True)


def _matching(key: str, platform: str | None = None) -> pd.DataFrame:
    return db.query(SEARCH_SQL, [key, key, platform, platform, MIN_SIMILARITY, RESULTS])


def named_platform(text: str) -> tuple[str | None, str]:
    """The platform code the text (or one of its words) names, in any spelling the platform list
    knows, and the text without that word; (None, text) when it names no platform in the warehouse."""
    known = set(db.platforms())
    if canonical_platform(text) in known:
        return canonical_platform(text), ""
    words = text.split()
    for index, word in enumerate(words):
        if canonical_platform(word) in known:
            return canonical_platform(word), " ".join(words[:index] + words[index + 1 :])
    return None, text


def by_ids(merchant_ids: Sequence[str]) -> pd.DataFrame:
    """The stores among these ids that exist in the warehouse; unknown ids are simply absent."""
    if not merchant_ids:
        return pd.DataFrame(columns=["merchant_id", "name", "platform", "entity_name", "closed_on"])
    return db.query(BY_ID_SQL, [list(merchant_ids)])
