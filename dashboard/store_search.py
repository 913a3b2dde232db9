"""Find stores by name, misspelt or partial, by company name or registration number; used by every page
that lets a reader pick a store.

A search costs at most a bounded amount per store, whatever the warehouse holds: the query is cut to
MAX_QUERY_CHARS, misspellings are looked for in the first NAME_MAX_CHARS characters of a name (the
load's bound), and the whole search stops after SEARCH_SECONDS, returning what it found by then. So
no visitor can keep a core busy, even after leaving the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import db, ui
from dashboard.i18n import t
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
    """The best-matching stores for what a reader typed, best first (none for blank text): first the
    names that contain it (or whose company's does, or whose registration number it is), then, for
    queries of MIN_FUZZY_CHARS or more, the names with a close stretch. Within `seconds` (default
    SEARCH_SECONDS)."""
    key, cut = search_key(text)
    if not key:
        return Found(pd.DataFrame(columns=COLUMNS))
    # each step gets half: a fixed budget per step keeps a complete result cacheable per query
    step = (SEARCH_SECONDS if seconds is None else seconds) / 2
    exact = db.query_within(EXACT_SQL, [key, RESULTS], step)
    if exact is None:
        return Found(pd.DataFrame(columns=COLUMNS), complete=False, query_cut=cut)
    if len(exact) >= RESULTS or len(key) < MIN_FUZZY_CHARS:
        return Found(exact[COLUMNS], query_cut=cut)
    close = db.query_within(FUZZY_SQL, [key, MIN_SIMILARITY, RESULTS, NAME_MAX_CHARS], step)
    if close is None:
        return Found(exact[COLUMNS], complete=False, query_cut=cut)
    # a name containing the query is among the close ones too: keep its first (exact) place
    frames = [frame for frame in (exact, close) if not frame.empty]
    if not frames:
        return Found(exact[COLUMNS], query_cut=cut)
    both = pd.concat(frames, ignore_index=True).drop_duplicates("merchant_id")
    return Found(both.head(RESULTS)[COLUMNS].reset_index(drop=True), query_cut=cut)


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
