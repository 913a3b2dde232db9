"""An extract's filter values checked against what the warehouse knows, before any row is read.

A value is taken when it matches a stored value, a vocabulary code or (when the warehouse has them)
a label or alias, ignoring case; it then stands for every stored value it matches (`taobao` for
stored `Taobao`, and for `淘宝` when the `platforms` table says they are one platform). A value that
matches nothing is refused with the valid choices, so a typo never yields an empty extract that
looks like a finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import duckdb

from etl import reference
from etl.exports.catalogue import Dataset, Filters, existing_tables

# The tiers etl/sql/metrics/merchant_tiers.sql assigns, smallest first.
SIZE_TIERS = ("small", "mid", "large", "top", "unknown")
# The command-line option of each filter, for messages.
OPTION_OF = {
    "platforms": "--platform",
    "categories": "--category",
    "violations": "--violation",
    "size_tiers": "--tier",
    "merchant_id": "--store",
    "date": "--from/--to",
}
MAX_LISTED = 40  # choices named in one refusal; the rest are counted


class FilterChoiceError(ValueError):
    """A filter value (or a filter) the extract cannot honour; the message is one line."""


def checked_filters(dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection) -> Filters:
    """`filters` with every value replaced by the stored values it stands for; refuses unknown ones."""
    tables = existing_tables(con)
    _refuse_filters_that_do_not_apply(dataset, filters, tables)
    chosen = {}
    for name in ("platforms", "categories", "violations", "size_tiers"):
        values = getattr(filters, name)
        if values:
            terms = _vocabulary(name, dataset, con, tables)
            chosen[name] = tuple(_matching(values, terms, OPTION_OF[name]))
    if filters.merchant_id:
        known = con.execute("SELECT count(*) FROM merchants WHERE merchant_id = ?", [filters.merchant_id])
        if known.fetchall()[0][0] == 0:
            raise FilterChoiceError(
                f"no store has id {filters.merchant_id[:80]!r} in this warehouse "
                "(ids look like demo:m123; the scorecards extract lists them)"
            )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise FilterChoiceError(f"--from {filters.date_from} is after --to {filters.date_to}")
    return replace(filters, **chosen)


def _refuse_filters_that_do_not_apply(dataset: Dataset, filters: Filters, tables: set[str]) -> None:
    given = [
        name for name in ("platforms", "categories", "violations", "size_tiers") if getattr(filters, name)
    ]
    given += ["merchant_id"] if filters.merchant_id else []
    given += ["date"] if filters.date_from or filters.date_to else []
    for name in given:
        expr = dataset.filters.get(name)
        if expr is None:
            applicable = ", ".join(OPTION_OF[f] for f in dataset.filters)
            raise FilterChoiceError(
                f"{OPTION_OF[name]} does not apply to {dataset.name} (its filters: {applicable})"
            )
        if expr.startswith("t.") and "merchant_tiers" not in tables:
            raise FilterChoiceError(
                f"{OPTION_OF[name]} needs the metric table merchant_tiers, which this warehouse lacks"
            )


def _matching(values: Iterable[str], terms: dict[str, set[str]], option: str) -> list[str]:
    """The stored values each given value stands for, in a stable order."""
    matched: list[str] = []
    for value in values:
        stored = terms.get(value.strip().casefold())
        if not stored:
            raise FilterChoiceError(f"unknown {option} {value[:80]!r}; choose from: {_listed(terms)}")
        matched.extend(sorted(stored - set(matched)))
    return matched


def _listed(terms: dict[str, set[str]]) -> str:
    choices = sorted({value for stored in terms.values() for value in stored})
    shown = ", ".join(choices[:MAX_LISTED])
    if not choices:
        return "none: this warehouse records no value for it"
    return shown + (f" … ({len(choices) - MAX_LISTED} more)" if len(choices) > MAX_LISTED else "")


def _vocabulary(
    name: str, dataset: Dataset, con: duckdb.DuckDBPyConnection, tables: set[str]
) -> dict[str, set[str]]:
    """Casefolded term -> the stored values it stands for, for one filter of one dataset."""
    if name == "size_tiers":
        return {tier: {tier} for tier in SIZE_TIERS}
    if name == "platforms":
        stored = _distinct(con, "SELECT platform FROM merchants UNION SELECT platform FROM complaints")
        synonyms = _platform_synonyms(con) if "platforms" in tables else []
        return _terms(stored, synonyms)
    if name == "violations":
        stored = _distinct(con, "SELECT violation_type FROM penalties")
        rows = con.execute("SELECT violation_type, label_en, label_zh FROM violation_types").fetchall()
        return _terms(stored, [[code, *labels] for code, *labels in rows])
    if dataset.filters["categories"].startswith("c."):  # complaint categories
        stored = _distinct(con, "SELECT category FROM complaints")
        rows = con.execute("SELECT category, label_en, label_zh FROM complaint_categories").fetchall()
        return _terms(stored, [[code, *labels] for code, *labels in rows])
    return _terms(_distinct(con, "SELECT category FROM merchants"), [])  # store categories


def _distinct(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {row[0] for row in con.execute(f"SELECT DISTINCT * FROM ({sql})").fetchall() if row[0] is not None}  # noqa: S608 (fixed SQL)


def _platform_synonyms(con: duckdb.DuckDBPyConnection) -> list[list[str]]:
    """Each platform's code and labels (the `platforms` table) with the shipped spellings
    (data/reference/platforms.yml), as one group: `淘宝网` selects the stored `taobao`."""
    aliases = {platform.code: platform.aliases for platform in reference.platforms()}
    rows = con.execute("SELECT platform, label_en, label_zh FROM platforms").fetchall()
    return [[code, label_en, label_zh, *aliases.get(code, ())] for code, label_en, label_zh in rows]


def _terms(stored: set[str], groups: list[list[str]]) -> dict[str, set[str]]:
    """Every way to name a value: a stored value itself, and each term of a group it belongs to.

    A group (a code with its labels and aliases) stands for the stored values any of its terms
    matches; a group matching no stored value still names its code, which then selects no row
    (a known value that simply has no records, unlike a typo).
    """
    terms: dict[str, set[str]] = {}
    for value in stored:
        terms.setdefault(value.casefold(), set()).add(value)
    for group in groups:
        folded = {term.casefold() for term in group}
        members = {value for value in stored if value.casefold() in folded} or {group[0]}
        for term in folded:
            terms.setdefault(term, set()).update(members)
    return terms
