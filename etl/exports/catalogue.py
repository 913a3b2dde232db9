"""The datasets an extract can be: their tables, public columns (described in both languages) and filters.

Each dataset is declared once here; a column that is a table's column takes its descriptions from
the column catalogue (etl/columns.yml), which also documents the metric tables' columns.
Identifiers in an extract's SQL only ever come from these declarations or, for metric tables, from
the warehouse's own catalogue (quoted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from etl.columns import column_docs, describe


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    en: str
    zh: str
    needs: str | None = None  # a table that must exist for this column


@dataclass(frozen=True)
class Filters:
    """What the user chose; empty means no restriction."""

    platforms: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    violations: tuple[str, ...] = ()
    size_tiers: tuple[str, ...] = ()
    merchant_id: str | None = None

    def describe(self) -> str:
        parts = []
        for name in ("platforms", "categories", "violations", "size_tiers"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}={','.join(values)}")
        if self.date_from or self.date_to:
            parts.append(f"dates={self.date_from or ''}..{self.date_to or ''}")
        if self.merchant_id:
            parts.append(f"store={self.merchant_id}")
        return "; ".join(parts) or "no filters"


@dataclass(frozen=True)
class Dataset:
    name: str
    title_en: str
    title_zh: str
    from_sql: str
    columns: tuple[Column, ...]
    # filter name -> SQL expression it restricts (filters not listed do not apply)
    filters: dict[str, str]
    order_by: str
    # the date the order starts with: large extracts are sorted one run of days at a time on it
    window_by: str | None = None
    requires: tuple[str, ...] = ()
    # alias -> LEFT JOIN to at most one row per row of from_sql (a store, a source): a count leaves
    # out the ones its filters do not use, since they cannot change how many rows match
    lookups: dict[str, str] = field(default_factory=dict)
    tier_join: str | None = None  # LEFT JOIN (alias t) added when merchant_tiers exists
    catalogue_table: str | None = None  # metric table whose other columns are exported too
    extra_columns: tuple[Column, ...] = field(default=())


def documented(
    alias: str, table: str, column: str, name: str | None = None, needs: str | None = None
) -> Column:
    """An extract column that is `table.column` (as `name` when renamed), described by the catalogue."""
    en, zh = describe(table, column)
    return Column(name or column, f"{alias}.{column}", en, zh, needs=needs)


def _provenance(alias: str, table: str) -> tuple[Column, ...]:
    """Where each record came from: its provenance columns, then its source's citation."""
    return (
        *(
            documented(alias, table, c)
            for c in ("source_id", "source_record_id", "fetched_at", "raw_hash", "run_id")
        ),
        documented("s", "sources", "name", name="source_name"),
        documented("s", "sources", "licence", name="source_licence"),
        documented("s", "sources", "is_synthetic", name="source_is_synthetic"),
        documented("s", "sources", "as_of", name="source_as_of"),
    )


_TIER = documented("t", "merchant_tiers", "size_tier", needs="merchant_tiers")

DATASETS: dict[str, Dataset] = {
    "complaints": Dataset(
        name="complaints",
        title_en="Complaints",
        title_zh="投诉",
        from_sql="complaints c",
        lookups={
            "m": "LEFT JOIN merchants m ON m.merchant_id = c.merchant_id",
            "s": "LEFT JOIN sources s ON s.source_id = c.source_id",
        },
        tier_join="LEFT JOIN merchant_tiers t ON t.merchant_id = c.merchant_id",
        columns=(
            documented("c", "complaints", "complaint_id"),
            documented("c", "complaints", "merchant_id"),
            documented("m", "merchants", "name", name="store_name"),
            documented("m", "merchants", "entity_id"),
            documented("c", "complaints", "platform"),
            _TIER,
            documented("c", "complaints", "filed_at"),
            documented("c", "complaints", "first_response_at"),
            documented("c", "complaints", "closed_at"),
            documented("c", "complaints", "category"),
            documented("c", "complaints", "issue"),
            documented("c", "complaints", "status"),
            documented("c", "complaints", "outcome"),
            documented("c", "complaints", "platform_intervened"),
            documented("c", "complaints", "amount_claimed"),
            documented("c", "complaints", "currency"),
            *_provenance("c", "complaints"),
        ),
        filters={
            "platforms": "c.platform",
            "date": "c.filed_at",
            "categories": "c.category",
            "size_tiers": "t.size_tier",
            "merchant_id": "c.merchant_id",
        },
        order_by="c.filed_at, c.complaint_id",
        window_by="c.filed_at",
    ),
    "penalties": Dataset(
        name="penalties",
        title_en="Penalties",
        title_zh="处罚",
        from_sql="penalties p",
        lookups={
            "m": "LEFT JOIN merchants m ON m.merchant_id = p.merchant_id",
            "s": "LEFT JOIN sources s ON s.source_id = p.source_id",
        },
        tier_join="LEFT JOIN merchant_tiers t ON t.merchant_id = p.merchant_id",
        columns=(
            documented("p", "penalties", "penalty_id"),
            documented("p", "penalties", "merchant_id"),
            documented("m", "merchants", "name", name="store_name"),
            documented("p", "penalties", "entity_id"),
            documented("m", "merchants", "platform"),
            _TIER,
            documented("p", "penalties", "authority_type"),
            documented("p", "penalties", "authority_name"),
            documented("p", "penalties", "decided_at"),
            documented("p", "penalties", "violation_type"),
            documented("p", "penalties", "violation_raw"),
            documented("p", "penalties", "sanction_type"),
            documented("p", "penalties", "points"),
            documented("p", "penalties", "fine_amount"),
            documented("p", "penalties", "fine_currency"),
            documented("p", "penalties", "duration_days"),
            documented("p", "penalties", "document_url"),
            *_provenance("p", "penalties"),
        ),
        filters={
            "platforms": "m.platform",
            "date": "p.decided_at",
            "violations": "p.violation_type",
            "size_tiers": "t.size_tier",
            "merchant_id": "p.merchant_id",
        },
        order_by="p.decided_at, p.penalty_id",
        window_by="p.decided_at",
    ),
    "scorecards": Dataset(
        name="scorecards",
        title_en="Store scorecards",
        title_zh="店铺评分卡",
        from_sql="merchant_scorecard sc",
        requires=("merchant_scorecard",),
        catalogue_table="merchant_scorecard",
        columns=(),
        filters={
            "platforms": "sc.platform",
            "categories": "sc.category",
            "size_tiers": "sc.size_tier",
            "merchant_id": "sc.merchant_id",
        },
        order_by="sc.merchant_id",
    ),
    "consistency": Dataset(
        name="consistency",
        title_en="Penalty consistency results",
        title_zh="处罚一致性结果",
        from_sql=(
            "penalty_consistency pc CROSS JOIN (SELECT max(as_of) AS as_of, "
            "string_agg(source_id, ',' ORDER BY source_id) AS source_ids, "
            "coalesce(string_agg(source_id, ',' ORDER BY source_id) FILTER (WHERE is_synthetic), '') "
            "AS synthetic_source_ids FROM sources) prov"
        ),
        requires=("penalty_consistency",),
        catalogue_table="penalty_consistency",
        columns=(),
        extra_columns=(
            Column("source_ids", "prov.source_ids", "Sources the figures are computed from", "计算所用来源"),
            Column(
                "synthetic_source_ids",
                "prov.synthetic_source_ids",
                "Those of the sources that are synthetic (demo or example records, not real); empty: none",
                "其中的合成数据来源（演示或示例记录，非真实）；为空表示没有",
            ),
            # the latest of the sources' as_of, so not sources.as_of itself
            Column("as_of", "prov.as_of", "Records complete up to here", "数据截至时间"),
        ),
        filters={"violations": "pc.violation_type", "size_tiers": "pc.size_tier"},
        order_by="pc.violation_type, pc.size_tier",
    ),
}

# Descriptions of the extracts' metric-table columns, from the column catalogue (etl/columns.yml).
METRIC_COLUMN_DOCS: dict[str, tuple[str, str]] = column_docs("merchant_scorecard", "penalty_consistency")


class DatasetUnavailableError(LookupError):
    """The dataset reads a metric table this warehouse does not have yet."""


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def columns_of(dataset: Dataset, con: duckdb.DuckDBPyConnection) -> list[Column]:
    """The dataset's public columns in order, as far as this warehouse has them."""
    tables = existing_tables(con)
    missing = [table for table in dataset.requires if table not in tables]
    if missing:
        raise DatasetUnavailableError(", ".join(missing))
    columns = [c for c in dataset.columns if c.needs is None or c.needs in tables]
    if dataset.catalogue_table:
        alias = dataset.from_sql.split()[1]
        rows = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position",
            [dataset.catalogue_table],
        ).fetchall()
        for (name,) in rows:
            en, zh = METRIC_COLUMN_DOCS.get(name, ("See docs/metric_tables.md", "见 docs/metric_tables.md"))
            columns.append(Column(name, f"{alias}.{quote_identifier(name)}", en, zh))
    names = {c.name for c in columns}
    columns.extend(c for c in dataset.extra_columns if c.name not in names)
    return columns


def data_dictionary(dataset: Dataset, con: duckdb.DuckDBPyConnection, lang: str = "en") -> list[dict]:
    return [
        {"column": c.name, "description": c.zh if lang == "zh" else c.en} for c in columns_of(dataset, con)
    ]
