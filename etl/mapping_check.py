"""`storewatch etl import FILE --mapping M --check`: a mapping against a file, before any load.

Two layers. `mapping_problems` reads the mapping alone: target columns that do not exist (with the
closest valid one), columns the import fills itself, codes outside a vocabulary, required columns
nothing sets; `load_mapping` refuses a mapping with the first of them. `check_mapping` adds the file:
the source columns it names that the header lacks (with the closest header names), and, over a sample
of rows mapped exactly as the import maps them, the words no value map covers (with the closest codes
and the vocabulary), unreadable dates (with the formats tried) and other values that would send rows
to quarantine. Nothing is written.

A problem in many rows is the mapping's and fails the check; one in a few rows (ROW_PROBLEM_SHARE; for
an empty store name or record id, MISSING_VALUE_SHARE) is the data's (a shifted row, a missing name)
and is reported as a warning: the import will quarantine those rows with the same reason. The
loader's own rules (a closing date before filing, an unknown store) are not run here.
"""

from __future__ import annotations

import difflib
import functools
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from etl.context import RecordRejectedError
from etl.quarantine_report import reason_kind
from etl.readers import UnreadableFileError
from etl.schema import migrate
from etl.validation import ACCEPTED_VALUES
from etl.vocabularies import OTHER, read_vocabularies

DEFAULT_SAMPLE = 1000  # rows read by --check unless --sample says otherwise
# A row-level problem in at least this share of the sampled rows fails the check: below it, it is
# the data's (column-shifted rows, missing names), and the import quarantines those rows.
ROW_PROBLEM_SHARE = 0.01
# An empty cell where a value is needed (a store name, a record id) is the data's unless most rows
# have none: then the mapping names the wrong column.
MISSING_VALUE_SHARE = 0.5
_VALUE_SECTIONS = ("columns", "constants", "defaults", "values", "keywords")
_STORE_COLUMNS = ("key", "name", "platform_column", "store_id", "entity", "registration_number")
_EXAMPLES = 3


@dataclass
class CheckReport:
    sampled: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def verdict(self) -> str:
        if self.ok:
            extra = f", {len(self.warnings)} warnings" if self.warnings else ""
            return f"OK: the mapping fits the file ({self.sampled:,} rows sampled{extra})"
        return f"NOT OK: {len(self.errors)} problems; fix the mapping before importing"


def closest(word: str, candidates: list[str] | tuple[str, ...], n: int = 3, cutoff: float = 0.5) -> list[str]:
    """The candidates nearest to `word` (difflib's ratio, at least `cutoff`), best first."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)


def _closest_text(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    found = closest(word, candidates)
    return f" (closest: {', '.join(repr(c) for c in found)})" if found else ""


@functools.cache
def target_columns(target: str) -> dict[str, Any]:
    """The columns a mapping for `target` may set (mapping_reference.MappableColumn), by name."""
    from etl.mapping_reference import mappable_columns  # imports file_import, which imports this

    with duckdb.connect() as con:
        migrate(con)  # the columns only: no reference data needed
        return {c.name: c for c in mappable_columns(con, target)}


def _codes_of(table: str, column: str) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """(codes, {label: code}) of the vocabulary or fixed list `table.column` takes, if any."""
    accepted = ACCEPTED_VALUES.get(table, {}).get(column)
    if accepted is None:
        return None
    if isinstance(accepted, tuple):
        return accepted, {}
    terms = read_vocabularies()[accepted].terms
    labels = {label: t.code for t in terms for label in (t.label_en, t.label_zh)}
    return tuple(t.code for t in terms), labels


def closest_codes(word: str, table: str, column: str) -> list[str]:
    """The codes nearest to a source word, by the codes themselves and their labels in both languages."""
    codes_labels = _codes_of(table, column)
    if codes_labels is None:
        return []
    codes, labels = codes_labels
    # stricter than for column names: a long source phrase resembles some code by chance
    found = [labels.get(c, c) for c in closest(word, [*codes, *labels], n=6, cutoff=0.6)]
    return list(dict.fromkeys(found))[:3]


def mapping_problems(mapping: dict[str, Any]) -> list[str]:
    """What is wrong with a mapping on its own, one line each (the target must be known already)."""
    from etl.sources.file_import import TARGET_TABLES

    target = mapping["target"]
    table = TARGET_TABLES[target]
    valid = target_columns(target)
    problems = []
    for section in _VALUE_SECTIONS:
        entries = mapping.get(section) or {}
        if not isinstance(entries, dict):
            problems.append(f"'{section}' must be a table of target column = ..., not {entries!r}")
            continue
        for name in entries:
            if name not in valid:
                problems.append(
                    f"{section}.{name}: {target} has no column {name!r}{_closest_text(name, list(valid))}; "
                    "see docs/mapping_reference.md"
                )
    for section in ("values", "keywords", "defaults", "constants"):
        for name, entry in (mapping.get(section) or {}).items():
            codes_labels = _codes_of(table, name) if name in valid else None
            if codes_labels is None:
                continue
            mapped = (
                entry.values() if section in ("values", "keywords") and isinstance(entry, dict) else [entry]
            )
            for code in mapped:
                if code not in codes_labels[0]:
                    codes = codes_labels[0]
                    hint = _closest_text(str(code), codes) or f" (codes: {', '.join(codes)})"
                    problems.append(f"{section}.{name}: {code!r} is not a code of {table}.{name}{hint}")
    return problems


def _required_unset(mapping: dict[str, Any]) -> list[str]:
    named = {n for s in ("columns", "constants", "defaults") for n in (mapping.get(s) or {})}
    return [
        f"{mapping['target']}.{c.name} is required and nothing sets it (map it under columns, or give "
        "a constant or a default)"
        for c in target_columns(mapping["target"]).values()
        if c.required and c.name not in named
    ]


def _source_columns(mapping: dict[str, Any]) -> list[tuple[str, str]]:
    """(source column, what the mapping uses it for) for every source column the mapping names."""
    named: list[tuple[str, str]] = []
    record_id = mapping.get("record_id")
    if record_id != "*":
        named += [(c, "record_id") for c in ([record_id] if isinstance(record_id, str) else record_id or [])]
    for key in _STORE_COLUMNS:
        value = (mapping.get("store") or {}).get(key)
        named += [(c, f"store.{key}") for c in ([value] if isinstance(value, str) else value or [])]
    named += [(c, f"columns.{t}") for t, c in (mapping.get("columns") or {}).items() if isinstance(c, str)]
    return named


def check_mapping(path: Path, mapping: dict[str, Any], sample: int = DEFAULT_SAMPLE) -> CheckReport:
    """Check a (loaded) mapping against a file's header and its first `sample` rows."""
    from etl.sources.file_import import TARGET_TABLES, FileImportSource

    report = CheckReport()
    report.errors += mapping_problems(mapping)
    report.errors += _required_unset(mapping)
    source = FileImportSource(path, mapping)
    try:
        records = list(itertools.islice(source.records(), sample))
    except (UnreadableFileError, UnicodeDecodeError, LookupError) as exc:
        report.errors.append(f"the file cannot be read: {exc}")
        return report
    rows = [r for r in records if isinstance(r, dict)]
    report.sampled = len(records)
    if len(rows) < len(records):
        report.warnings.append(f"{len(records) - len(rows):,} sampled records cannot be read as records")
    if not rows:
        report.errors.append("no record read from the file: check format, encoding and csv options")
        return report
    header = list(dict.fromkeys(k for r in rows for k in r))
    for column, use in _source_columns(mapping):
        if column not in header:
            report.errors.append(f"{use}: the file has no column {column!r}{_closest_text(column, header)}")
    if any(": the file has no column " in e for e in report.errors):
        report.notes.append(f"the file's columns: {', '.join(repr(c) for c in header)}")
    if report.errors:  # the row checks below would only repeat a missing column in every row
        return report
    _check_rows(report, source.mapper, rows, TARGET_TABLES[mapping["target"]])
    return report


def _check_rows(report: CheckReport, mapper: Any, rows: list[dict], table: str) -> None:
    problems: dict[tuple[str, str], list[str]] = {}
    others: list[tuple[str, str]] = []
    unmapped: dict[str, Counter[str]] = {}
    targets = set(mapper.columns) | set(mapper.constants) | set(mapper.defaults)
    for record in rows:
        for what, step in (("record_id", mapper.record_id), ("store", mapper.store)):
            try:
                step(record)
            except RecordRejectedError as exc:
                kind, values = reason_kind(exc.reason)
                problems.setdefault((exc.column or what, kind), []).append(", ".join(values))
        for target in sorted(targets):
            try:
                mapper.value(record, target, others)
            except RecordRejectedError as exc:
                kind, values = reason_kind(exc.reason)
                problems.setdefault((target, kind), []).append(", ".join(values))
                if kind.startswith("unmapped value"):
                    unmapped.setdefault(target, Counter())[values[0].strip("'\"") if values else ""] += 1
    for (target, kind), values in sorted(problems.items(), key=lambda item: -len(item[1])):
        share = MISSING_VALUE_SHARE if kind.endswith(" missing") else ROW_PROBLEM_SHARE
        examples = list(dict.fromkeys(v for v in values if v))[:_EXAMPLES]
        line = f"{target}: {len(values):,} of {len(rows):,} rows: {kind}"
        line += f", e.g. {', '.join(examples)}" if examples else ""
        if target in unmapped:  # the reason lists the valid codes already
            line += _closest_codes_text(unmapped[target], table, target, with_vocabulary=False)
        (report.errors if len(values) >= share * len(rows) else report.warnings).append(line)
    words: dict[str, Counter[str]] = {}
    for target, text in others:
        words.setdefault(target, Counter())[text] += 1
    for target, counter in sorted(words.items()):
        top = ", ".join(f"{w} ×{n}" for w, n in counter.most_common(5))
        report.notes.append(
            f"{table}.{target}: {sum(counter.values()):,} values would become {OTHER} "
            f"(open vocabulary; the word is kept): {top}" + _closest_codes_text(counter, table, target)
        )


def _closest_codes_text(words: Counter[str], table: str, target: str, with_vocabulary: bool = True) -> str:
    codes_labels = _codes_of(table, target)
    if codes_labels is None:
        return ""
    hints = []
    for word, _ in words.most_common(_EXAMPLES):
        found = [c for c in closest_codes(word, table, target) if c != OTHER]
        if found:
            hints.append(f"{word} → {' / '.join(found)}?")
    vocabulary = f"; valid codes: {', '.join(codes_labels[0])}" if with_vocabulary else ""
    return (f"; closest codes: {'; '.join(hints)}" if hints else "") + vocabulary


def print_report(report: CheckReport) -> None:
    """The findings, one line each (source words printed as text, never as markup), then the verdict."""
    from rich.console import Console
    from rich.text import Text

    console = Console(soft_wrap=True, highlight=False)
    for colour, label, lines in (
        ("red", "error", report.errors),
        ("yellow", "warning", report.warnings),
        ("cyan", "note", report.notes),
    ):
        for line in lines:
            console.print(Text.assemble((f"{label}: ", colour), line))
    console.print(Text(report.verdict(), style="green" if report.ok else "red"))
