"""The datasets an extract can be: their tables, public columns (described in both languages) and filters.

Each dataset is declared once here. Identifiers in an extract's SQL only ever come from these
declarations or, for metric tables, from the warehouse's own catalogue (quoted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from etl.columns import column_docs


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


_PROVENANCE_COLUMNS = (
    Column("source_id", "{a}.source_id", "Source the record came from", "记录来源"),
    Column("source_record_id", "{a}.source_record_id", "The source's own record id", "来源中的原始记录编号"),
    Column("fetched_at", "{a}.fetched_at", "When Storewatch fetched the record (UTC)", "抓取时间（UTC）"),
    Column("raw_hash", "{a}.raw_hash", "Hash of the raw source record", "原始记录哈希"),
    Column("run_id", "{a}.run_id", "ETL run that loaded the record", "导入该记录的 ETL 运行编号"),
    Column("source_name", "s.name", "Source name", "来源名称"),
    Column("source_licence", "s.licence", "Source licence", "来源许可"),
    Column(
        "source_is_synthetic", "s.is_synthetic", "True when the source is synthetic", "来源是否为合成数据"
    ),
    Column("source_as_of", "s.as_of", "Source records are complete up to here", "来源数据截至时间"),
)


def _provenance(alias: str) -> tuple[Column, ...]:
    return tuple(Column(c.name, c.sql.format(a=alias), c.en, c.zh) for c in _PROVENANCE_COLUMNS)


_TIER = Column("size_tier", "t.size_tier", "Size tier of the store", "店铺规模分层", needs="merchant_tiers")

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
            Column("complaint_id", "c.complaint_id", "Stable complaint id", "投诉编号（稳定）"),
            Column("merchant_id", "c.merchant_id", "Stable store id", "店铺编号（稳定）"),
            Column("store_name", "m.name", "Store name as recorded", "店铺名称（按原始记录）"),
            Column("entity_id", "m.entity_id", "Legal entity id", "经营主体编号"),
            Column("platform", "c.platform", "Platform", "平台"),
            _TIER,
            Column("filed_at", "c.filed_at", "When the complaint was filed (UTC)", "投诉时间（UTC）"),
            Column("first_response_at", "c.first_response_at", "First response (UTC)", "首次回应时间"),
            Column("closed_at", "c.closed_at", "Left the open state (UTC)", "结案时间（UTC）"),
            Column("category", "c.category", "Complaint category", "投诉类别"),
            Column("issue", "c.issue", "The source's wording of the problem", "来源对问题的描述"),
            Column("status", "c.status", "open / resolved / closed_unresolved / withdrawn", "状态"),
            Column("outcome", "c.outcome", "Outcome", "处理结果"),
            Column("platform_intervened", "c.platform_intervened", "Escalated to the platform", "平台介入"),
            Column("amount_claimed", "c.amount_claimed", "Amount claimed", "涉诉金额"),
            Column("currency", "c.currency", "Currency of the amount", "币种"),
            *_provenance("c"),
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
            Column("penalty_id", "p.penalty_id", "Stable penalty id", "处罚编号（稳定）"),
            Column("merchant_id", "p.merchant_id", "Stable store id", "店铺编号（稳定）"),
            Column("store_name", "m.name", "Store name as recorded", "店铺名称（按原始记录）"),
            Column("entity_id", "p.entity_id", "Legal entity id", "经营主体编号"),
            Column("platform", "m.platform", "Platform", "平台"),
            _TIER,
            Column("authority_type", "p.authority_type", "platform / regulator / court", "处罚机关类型"),
            Column("authority_name", "p.authority_name", "Authority", "处罚机关"),
            Column("decided_at", "p.decided_at", "Decision date", "决定日期"),
            Column("violation_type", "p.violation_type", "Violation type", "违规类型"),
            Column("violation_raw", "p.violation_raw", "Violation as worded by the source", "原始违规描述"),
            Column("sanction_type", "p.sanction_type", "Sanction type", "处罚类型"),
            Column("points", "p.points", "Points deducted", "扣分"),
            Column("fine_amount", "p.fine_amount", "Fine amount", "罚款金额"),
            Column("fine_currency", "p.fine_currency", "Fine currency", "罚款币种"),
            Column("duration_days", "p.duration_days", "Duration of the sanction (days)", "处罚期限（天）"),
            Column("document_url", "p.document_url", "Decision document", "处罚文书链接"),
            *_provenance("p"),
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
            "string_agg(source_id, ',' ORDER BY source_id) AS source_ids FROM sources) prov"
        ),
        requires=("penalty_consistency",),
        catalogue_table="penalty_consistency",
        columns=(),
        extra_columns=(
            Column("source_ids", "prov.source_ids", "Sources the figures are computed from", "计算所用来源"),
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
