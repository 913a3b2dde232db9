"""What a run quarantined and why, in a form a person reads: counts per table, column and reason,
with a few examples; and the rule that a run which kept none of a table's records fails.

Reasons quote the values at fault ("unreadable date '2025/13/40' in column '投诉时间'"), so one
mistake would be thousands of reasons: they are grouped by their kind, the reason with its quoted
values replaced by `…` (a quoted source column name, after "column ", and a bracketed list are
kept), and the values become the examples.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import duckdb

from etl.load import TableCounts

EXAMPLES = 3  # records shown per reason
# a Python repr of a text: '...' or "..." (with escapes), the values reasons quote; a bracketed list
# (the date formats tried) is part of the kind, as is a column name
_QUOTED = re.compile(r"""(\[[^\]]*\])|(column )?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


@dataclass
class QuarantineReason:
    table: str
    column: str | None
    reason: str  # its kind: quoted values replaced by …
    count: int = 0
    examples: list[str] = field(default_factory=list)  # record id, and the value quoted

    def describe(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.reason} ({self.count:,})"


class NothingLoadedError(RuntimeError):
    """A run that met records of a table and quarantined every one of them."""

    def __init__(self, tables: list[str], reasons: list[QuarantineReason]) -> None:
        top = "; ".join(r.describe() for r in reasons[:3])
        super().__init__(
            f"nothing loaded into {', '.join(tables)}: every record was quarantined. Top reasons: {top}"
        )
        self.tables = tables
        self.reasons = reasons


def reason_kind(reason: str) -> tuple[str, list[str]]:
    """(the reason with its quoted values replaced by …, those values)."""
    values: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2):  # a list or a column name: part of the kind
            return match.group(0)
        values.append(match.group(3))
        return "…"

    return _QUOTED.sub(replace, reason), values


def summarise_quarantine(con: duckdb.DuckDBPyConnection, run_id: str) -> list[QuarantineReason]:
    """This run's quarantine rows grouped by table, column and reason kind, most frequent first;
    the examples are the first records met."""
    rows = con.execute(
        """
        SELECT target_table, column_name, reason, count(*),
               list(coalesce(source_record_id, left(raw, 40)) ORDER BY rowid)[1:3]
        FROM quarantine WHERE run_id = ? GROUP BY ALL ORDER BY min(rowid)
        """,
        [run_id],
    ).fetchall()
    grouped: dict[tuple[str, str | None, str], QuarantineReason] = {}
    for table, column, reason, count, record_ids in rows:
        kind, values = reason_kind(reason)
        entry = grouped.setdefault((table, column, kind), QuarantineReason(table, column, kind))
        entry.count += count
        for record_id in record_ids:
            if len(entry.examples) < EXAMPLES:
                entry.examples.append(f"{record_id} ({', '.join(values)})" if values else str(record_id))
    return sorted(grouped.values(), key=lambda r: (-r.count, r.table, r.column or "", r.reason))


def tables_with_nothing_loaded(counts: dict[str, TableCounts]) -> list[str]:
    """Tables whose every record this run met was quarantined."""
    return [table for table, c in counts.items() if c.seen and c.quarantined == c.seen]


def mapped_to_other_lines(mapped: dict[str, Counter[str]] | dict[str, dict[str, int]]) -> list[str]:
    """'complaints.category: 12 values mapped to other (延迟发货 ×9, 错发 ×3)', one per column."""
    lines = []
    for column, words in sorted(mapped.items()):
        top = Counter(words).most_common(5)
        shown = ", ".join(f"{word} ×{n:,}" for word, n in top)
        more = len(words) - len(top)
        rest = f", and {more:,} other values" if more > 0 else ""
        lines.append(f"{column}: {sum(words.values()):,} values mapped to other ({shown}{rest})")
    return lines
