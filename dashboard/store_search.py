"""Find stores by name, misspelt or partial, by company name or registration number; used by every page
that lets a reader pick a store.

A search costs at most a bounded amount per store, whatever the warehouse holds: the query is cut to
MAX_QUERY_CHARS, misspellings are looked for in the first NAME_MAX_CHARS characters of a name (the
load's bound), and the whole search stops after SEARCH_SECONDS, returning what it found by then. So
no visitor can keep a core busy, even after leaving the page.

A word that names a platform (淘宝, Taobao, tmall.com) also narrows the search to that platform's
stores: `淘宝 福润` finds 福润 stores on Taobao, `淘宝` alone lists Taobao stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import db, ui
from dashboard.i18n import t
from etl.reference import canonical_platform
from etl.text import NAME_MAX_CHARS, normalise_name

MIN_SIMILARITY = 0.85  # Jaro-Winkler on the best-matching stretch of the name; 0.85 keeps 1-2 typos
RESULTS = 20
MIN_FUZZY_CHARS = 3  # shorter queries match only by containment: a 2-character stretch matches too much
MAX_QUERY_CHARS = 100  # longer than any real name's distinctive part; bounds each comparison
SEARCH_SECONDS = 1.0  # per search, both steps together (what a reader waits at worst)
_SQL = Path(__file__).parent / "sql"
EXACT_SQL = (_SQL / "store_search_exact.sql").read_text(encoding="utf-8")
FUZZY_SQL = (_SQL / "store_search_fuzzy.sql").read_text(encoding="utf-8")
COLUMNS = ["merchant_id", "name", "platform", "entity_name", "closed_on"]

# The same columns as a search, for stores already chosen (their ids come from a link).
BY_ID_SQL = """
SELECT m.merchant_id, m.name, m.platform, e.name AS entity_name, m.closed_on
FROM merchants m LEFT JOIN entities e ON e.entity_id = m.entity_id
WHERE list_contains(?, m.merchant_id)
ORDER BY m.merchant_id
"""


@dataclass(frozen=True)
class Found:
    """A search's stores, best first, and what the reader should know about how far it went."""

    stores: pd.DataFrame
    complete: bool = True  # False: the time budget ran out before every store was compared
    query_cut: bool = False  # True: only the query's first MAX_QUERY_CHARS characters were searched


def search_key(text: str) -> tuple[str, bool]:
    """The normalised query, cut to MAX_QUERY_CHARS, and whether it was cut."""
    # cut before normalising too, so a pasted megabyte is not normalised whole
    key = normalise_name(text[: 4 * MAX_QUERY_CHARS])
    cut = len(text) > 4 * MAX_QUERY_CHARS or len(key) > MAX_QUERY_CHARS
    return key[:MAX_QUERY_CHARS], cut


def search(text: str, seconds: float | None = None) -> Found:
    """The best-matching stores for what a reader typed, best first (none for blank text): stores whose
    name matches all of it, then, when a word of it names a platform, that platform's stores matching
    the rest. Within `seconds` (default SEARCH_SECONDS) in all."""
    key, cut = search_key(text)
    if not key:
        return Found(pd.DataFrame(columns=COLUMNS))
    budget = SEARCH_SECONDS if seconds is None else seconds
    platform, rest = named_platform(text[: 4 * MAX_QUERY_CHARS])
    if platform is None:
        return _matching(key, None, budget, cut)
    whole = _matching(key, None, budget / 2, cut)
    narrowed = _matching(search_key(rest)[0], platform, budget / 2, cut)
    both = pd.concat([f.stores for f in (whole, narrowed) if not f.stores.empty] or [whole.stores])
    return Found(
        both.drop_duplicates("merchant_id").head(RESULTS).reset_index(drop=True),
        complete=whole.complete and narrowed.complete,
        query_cut=cut,
    )


def _matching(key: str, platform: str | None, seconds: float, cut: bool) -> Found:
    """Names containing `key` (all of the platform's stores for an empty key), then, for keys of
    MIN_FUZZY_CHARS or more, names with a close stretch; each step gets half of `seconds`: a fixed
    budget per step keeps a complete result cacheable per query."""
    step = seconds / 2
    exact = db.query_within(EXACT_SQL, [key, RESULTS, platform], step)
    if exact is None:
        return Found(pd.DataFrame(columns=COLUMNS), complete=False, query_cut=cut)
    if len(exact) >= RESULTS or len(key) < MIN_FUZZY_CHARS:
        return Found(exact[COLUMNS], query_cut=cut)
    close = db.query_within(FUZZY_SQL, [key, MIN_SIMILARITY, RESULTS, NAME_MAX_CHARS, platform], step)
    if close is None:
        return Found(exact[COLUMNS], complete=False, query_cut=cut)
    # a name containing the query is among the close ones too: keep its first (exact) place
    frames = [frame for frame in (exact, close) if not frame.empty]
    if not frames:
        return Found(exact[COLUMNS], query_cut=cut)
    both = pd.concat(frames, ignore_index=True).drop_duplicates("merchant_id")
    return Found(both.head(RESULTS)[COLUMNS].reset_index(drop=True), query_cut=cut)


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


def show_notes(found: Found) -> None:
    """Say when a search looked at less than the reader may think: a cut query, a stopped search."""
    if found.query_cut:
        st.caption(t("search_query_cut", n=MAX_QUERY_CHARS))
    if not found.complete:
        st.info(t("search_incomplete", s=ui.format_number(SEARCH_SECONDS, 0)))


def by_ids(merchant_ids: Sequence[str]) -> pd.DataFrame:
    """The stores among these ids that exist in the warehouse; unknown ids are simply absent."""
    if not merchant_ids:
        return pd.DataFrame(columns=COLUMNS)
    return db.query(BY_ID_SQL, [list(merchant_ids)])
