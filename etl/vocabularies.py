"""Reference vocabularies (data/reference/vocabularies.yml): complaint categories, violation types and
the sanction scale, with their labels, loaded into their reference tables at every run.

Loading upserts: a new code is added, a changed label (or severity, matching category) replaced; a
code no longer listed stays, because stored rows may still use it. An `open` vocabulary takes a
source value no mapping maps as `other` (etl/sources/file_import.py counts those); a closed one
sends it to quarantine.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from etl.settings import PROJECT_ROOT

VOCABULARIES_FILE = PROJECT_ROOT / "data" / "reference" / "vocabularies.yml"
# The reference tables this file may fill, in load order (violation_types refers to categories).
REFERENCE_TABLES = ("complaint_categories", "violation_types", "sanction_scale")
OTHER = "other"  # the code an open vocabulary gives a value nothing maps
_LABELS = ("label_en", "label_zh")


class VocabularyError(ValueError):
    """A vocabularies file that cannot be loaded (missing labels, unknown fields, duplicate codes)."""


@dataclass(frozen=True)
class Term:
    code: str
    label_en: str
    label_zh: str
    extra: dict[str, Any] = field(default_factory=dict, hash=False)  # matching_category, severity


@dataclass(frozen=True)
class Vocabulary:
    table: str
    key: str  # the table's key column, named as the fact column that takes these codes
    column: str  # that fact column, as table.column
    open: bool
    terms: tuple[Term, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.terms)


def read_vocabularies(path: Path | None = None) -> dict[str, Vocabulary]:
    """The vocabularies of `path` (default: the project's file), by table name; raises VocabularyError."""
    return _read(Path(path or VOCABULARIES_FILE).resolve())


@functools.cache
def _read(path: Path) -> dict[str, Vocabulary]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise VocabularyError(f"{path.name}: expected one section per reference table")
    unknown = sorted(set(raw) - set(REFERENCE_TABLES))
    if unknown:
        raise VocabularyError(f"{path.name}: unknown reference tables {unknown}; known: {REFERENCE_TABLES}")
    vocabularies = {}
    for table in REFERENCE_TABLES:
        if table not in raw:
            raise VocabularyError(f"{path.name}: section {table!r} missing")
        vocabularies[table] = _vocabulary(path.name, table, raw[table])
    return vocabularies


def _vocabulary(where: str, table: str, spec: Any) -> Vocabulary:
    if not isinstance(spec, dict) or not all(k in spec for k in ("key", "column", "open", "codes")):
        raise VocabularyError(f"{where}: {table} needs key, column, open and codes")
    terms: list[Term] = []
    for entry in spec["codes"]:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("code", *_LABELS)):
            raise VocabularyError(f"{where}: {table}: each code needs code, label_en, label_zh: {entry!r}")
        if entry["code"] in {t.code for t in terms}:
            raise VocabularyError(f"{where}: {table}: code {entry['code']!r} listed twice")
        extra = {k: v for k, v in entry.items() if k not in ("code", *_LABELS)}
        terms.append(Term(entry["code"], entry["label_en"], entry["label_zh"], extra))
    if spec["open"] and OTHER not in {t.code for t in terms}:
        raise VocabularyError(f"{where}: {table} is open, so it needs the code {OTHER!r}")
    return Vocabulary(table, spec["key"], spec["column"], bool(spec["open"]), tuple(terms))


def vocabulary_of(table: str, column: str, path: Path | None = None) -> Vocabulary | None:
    """The vocabulary a fact column takes its codes from, if one does."""
    for vocabulary in read_vocabularies(path).values():
        if vocabulary.column == f"{table}.{column}":
            return vocabulary
    return None


def load_vocabularies(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> None:
    """Upsert every vocabulary into its reference table."""
    file_name = Path(path or VOCABULARIES_FILE).name
    for table, vocabulary in read_vocabularies(path).items():
        # identifiers below: table from REFERENCE_TABLES, fields checked against the table's columns
        columns = [row[0] for row in con.execute(f"SELECT * FROM {table} LIMIT 0").description]  # noqa: S608
        fields = [vocabulary.key, *_LABELS, *sorted({k for t in vocabulary.terms for k in t.extra})]
        unknown = [f for f in fields if f not in columns]
        if unknown:
            raise VocabularyError(f"{file_name}: {table} has no column {unknown[0]!r}; it has {columns}")
        if "severity" in columns:
            # make room on the UNIQUE ordinal: the codes listed take their (new) ranks below
            con.execute(
                f"UPDATE {table} SET severity = -severity "  # noqa: S608
                f"WHERE {vocabulary.key} IN (SELECT unnest(?::VARCHAR[]))",
                [list(vocabulary.codes)],
            )
        updates = ", ".join(f"{f} = excluded.{f}" for f in fields[1:])
        sql = (
            f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' for _ in fields)}) "  # noqa: S608
            f"ON CONFLICT ({vocabulary.key}) DO UPDATE SET {updates}"
        )
        rows = [
            [t.code, t.label_en, t.label_zh, *(t.extra.get(f) for f in fields[3:])] for t in vocabulary.terms
        ]
        try:
            con.executemany(sql, rows)
        except duckdb.ConstraintException as exc:
            raise VocabularyError(f"{file_name}: {table}: {exc}") from exc
