"""Filtered extracts of the warehouse as CSV or Parquet, for the dashboard and a `storewatch export` CLI.

Each dataset is declared once below: its fixed FROM clause, its public columns in order with a
description in both languages, and the SQL expression each filter applies to. Filter values are
always bound as parameters; identifiers only ever come from these declarations or, for metric
tables, from the warehouse's own catalogue (quoted). Rows stream from DuckDB as Arrow record
batches into the output file, so an extract never sits in memory whole.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from etl.columns import column_docs

BATCH_ROWS = 25_000  # rows per Arrow batch while streaming an extract
# An ordered extract is sorted a run of days at a time, each run holding about this many rows, so
# its memory does not grow with its length (one day with more rows is still one run). Measured on
# 1.46 M of 10 M complaints: 100 k-row runs peak 11 % lower than 150 k ones and write 10 % slower.
WINDOW_ROWS = 100_000
# CSV cells that a spreadsheet would evaluate as a formula (OWASP "CSV injection")
FORMULA_START = r"^[=+\-@\t\r]"
UTF8_BOM = b"\xef\xbb\xbf"  # so Excel reads Chinese CSV as UTF-8

# The limit is per database instance, so it bounds the dashboard's queries and its extracts
# together; sorts beyond it spill to SPILL_DIR. Within it, DuckDB keeps the table blocks it has read
# cached, which is what still grows with a long extract: 8.2 M rows of 10 M complaints peaked at
# 465 MB with a 256MB limit and 710 MB with 512MB (docs/benchmarks.md).
DUCKDB_MEMORY_LIMIT = "2GB"
SPILL_DIR = Path(tempfile.gettempdir()) / "storewatch-duckdb-spill"

PROVENANCE = ("source_id", "source_record_id", "fetched_at", "raw_hash", "run_id")


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


def limit_memory(con: duckdb.DuckDBPyConnection, spill_dir: Path = SPILL_DIR) -> None:
    """Bound DuckDB's memory for this database instance and let large sorts spill to `spill_dir`."""
    spill_dir.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = {quote_literal(str(spill_dir))}")


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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


def _where(
    dataset: Dataset, filters: Filters, tables: set[str], extra: tuple[str, list] | None = None
) -> tuple[str, list]:
    clauses: list[str] = []
    params: list = []
    for name in ("platforms", "categories", "violations", "size_tiers"):
        values = getattr(filters, name)
        expr = dataset.filters.get(name)
        if not values or expr is None:
            continue
        if expr.startswith("t.") and "merchant_tiers" not in tables:
            continue
        clauses.append(f"list_contains(?, {expr})")
        params.append(list(values))
    date_expr = dataset.filters.get("date")
    if date_expr and filters.date_from:
        clauses.append(f"{date_expr} >= ?")
        params.append(datetime.combine(filters.date_from, datetime.min.time()))
    if date_expr and filters.date_to:
        clauses.append(f"{date_expr} < ? + INTERVAL 1 DAY")
        params.append(datetime.combine(filters.date_to, datetime.min.time()))
    if filters.merchant_id and "merchant_id" in dataset.filters:
        clauses.append(f"{dataset.filters['merchant_id']} = ?")
        params.append(filters.merchant_id)
    if extra is not None:
        clauses.append(extra[0])
        params.extend(extra[1])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _from_where(
    dataset: Dataset,
    filters: Filters,
    tables: set[str],
    extra: tuple[str, list] | None = None,
    *,
    counting: bool = False,
) -> tuple[str, list]:
    where, params = _where(dataset, filters, tables, extra)
    joins = dict(dataset.lookups)
    if dataset.tier_join and "merchant_tiers" in tables:
        joins["t"] = dataset.tier_join
    if counting:  # merchants and tiers hold one row per store, sources one per source
        joins = {alias: join for alias, join in joins.items() if re.search(rf"\b{alias}\.", where)}
    return " ".join([dataset.from_sql, *joins.values()]) + where, params


def build_select(
    dataset: Dataset,
    filters: Filters,
    con: duckdb.DuckDBPyConnection,
    *,
    stringify_nested: bool = False,
    extra: tuple[str, list] | None = None,
) -> tuple[str, list]:
    """The parameterised SELECT for `dataset` under `filters` (identifiers from declarations only).

    `extra` is one more WHERE clause and its parameters (a window of days, see window_selects).
    """
    tables = existing_tables(con)
    columns = columns_of(dataset, con)
    select = ", ".join(f"{c.sql} AS {quote_identifier(c.name)}" for c in columns)
    from_where, params = _from_where(dataset, filters, tables, extra)
    sql = f"SELECT {select} FROM {from_where} ORDER BY {dataset.order_by}"  # noqa: S608
    if stringify_nested:
        nested = _nested_columns(con, sql, params)
        if nested:
            outer = ", ".join(
                f"CAST({quote_identifier(c.name)} AS VARCHAR) AS {quote_identifier(c.name)}"
                if c.name in nested
                else quote_identifier(c.name)
                for c in columns
            )
            sql = f"SELECT {outer} FROM ({sql}) AS extract"  # noqa: S608
    return sql, params


def _nested_columns(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> set[str]:
    schema = con.sql(f"SELECT * FROM ({sql}) LIMIT 0", params=params).to_arrow_table().schema  # noqa: S608
    return {f.name for f in schema if pa.types.is_nested(f.type)}


def build_count(dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection) -> tuple[str, list]:
    """Counts the rows build_select returns (same FROM and WHERE), without projecting or sorting them."""
    columns_of(dataset, con)  # raises when the dataset's tables are missing
    from_where, params = _from_where(dataset, filters, existing_tables(con), counting=True)
    return f"SELECT count(*) AS n FROM {from_where}", params  # noqa: S608


def count_rows(dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection) -> int:
    sql, params = build_count(dataset, filters, con)
    return int(con.execute(sql, params).fetchall()[0][0])


def build_preview(
    dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection, limit: int
) -> tuple[str, list]:
    """The first `limit` rows of the extract, in its order.

    Cheap on the fact tables because they are stored in date order (etl/load.py STORAGE_ORDER):
    DuckDB's top-N stops reading once later row groups cannot hold an earlier date.
    """
    sql, params = build_select(dataset, filters, con)
    return f"{sql} LIMIT {int(limit)}", params


def window_selects(
    dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection, *, stringify_nested: bool = False
) -> list[tuple[str, list]]:
    """The extract as consecutive ordered SELECTs over runs of days, together the rows of build_select.

    Sorting all of a long extract at once makes DuckDB hold (or spill) every row before the first
    one streams; a run of days at a time keeps memory flat. The windows follow the order's first
    key, so the concatenated output is row for row the single ordered query's. Rows without a
    date come last, as ORDER BY puts NULLs last.
    """
    whole = [build_select(dataset, filters, con, stringify_nested=stringify_nested)]
    if dataset.window_by is None:
        return whole
    day = f"date_trunc('day', {dataset.window_by})"
    from_where, params = _from_where(dataset, filters, existing_tables(con), counting=True)
    days = con.execute(
        f"SELECT {day} AS day, count(*) FROM {from_where} GROUP BY day ORDER BY day NULLS LAST",  # noqa: S608
        params,
    ).fetchall()
    starts: list = []
    in_window = 0
    for value, rows in days:
        if value is None:
            break
        if not starts or in_window + rows > WINDOW_ROWS:
            starts.append(value)
            in_window = 0
        in_window += rows
    if len(starts) <= 1:
        return whole
    expr = dataset.window_by
    ranges = [(f"{expr} >= ? AND {expr} < ?", [lo, hi]) for lo, hi in itertools.pairwise(starts)]
    ranges.append((f"{expr} >= ?", [starts[-1]]))
    if days[-1][0] is None:
        ranges.append((f"{expr} IS NULL", []))
    return [
        build_select(dataset, filters, con, stringify_nested=stringify_nested, extra=window)
        for window in ranges
    ]


def neutralise_formulas(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix ' to text cells a spreadsheet would run as a formula."""
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array
    risky = pc.match_substring_regex(array, FORMULA_START)
    return pc.if_else(risky, pc.utf8_replace_slice(array, start=0, stop=0, replacement="'"), array)


def neutralise_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [neutralise_formulas(column) for column in batch.columns], schema=batch.schema
    )


def stream_batches(
    dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection, *, stringify_nested: bool = False
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """The extract's schema and its rows as Arrow batches, one window of days after another."""
    selects = window_selects(dataset, filters, con, stringify_nested=stringify_nested)
    first = con.sql(selects[0][0], params=selects[0][1]).to_arrow_reader(BATCH_ROWS)

    def batches() -> Iterator[pa.RecordBatch]:
        yield from _iter(first)
        for sql, params in selects[1:]:
            yield from _iter(con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS))

    return first.schema, batches()


def write_csv(
    dataset: Dataset,
    filters: Filters,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    bom: bool = True,
    on_batch: Callable[[int], object] | None = None,
) -> int:
    """Stream the filtered rows to a CSV file with formula-looking cells neutralised; returns rows."""
    schema, batches = stream_batches(dataset, filters, con, stringify_nested=True)
    rows = 0
    with open(path, "wb") as sink:
        if bom:
            sink.write(UTF8_BOM)  # Excel then reads Chinese as UTF-8
        with pacsv.CSVWriter(sink, schema) as writer:
            for batch in batches:
                writer.write_batch(neutralise_batch(batch))
                rows += batch.num_rows
                if on_batch:
                    on_batch(batch.num_rows)
    return rows


def write_parquet(
    dataset: Dataset,
    filters: Filters,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    metadata: dict[str, str] | None = None,
    *,
    on_batch: Callable[[int], object] | None = None,
) -> int:
    """Stream the filtered rows, values unchanged, to Parquet with provenance in the file metadata."""
    schema, batches = stream_batches(dataset, filters, con)
    schema = schema.with_metadata({k: v.encode() for k, v in (metadata or {}).items()})
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch.replace_schema_metadata(schema.metadata))
            rows += batch.num_rows
            if on_batch:
                on_batch(batch.num_rows)
    return rows


def _iter(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def data_dictionary(dataset: Dataset, con: duckdb.DuckDBPyConnection, lang: str = "en") -> list[dict]:
    return [
        {"column": c.name, "description": c.zh if lang == "zh" else c.en} for c in columns_of(dataset, con)
    ]


def provenance(con: duckdb.DuckDBPyConnection) -> dict:
    rows = con.execute(
        "SELECT source_id, name, publisher, licence, is_synthetic, as_of FROM sources ORDER BY source_id"
    ).fetchall()
    as_of = max((r[5] for r in rows if r[5] is not None), default=None)
    return {
        "as_of": as_of.date().isoformat() if as_of else "unknown",
        "sources": [
            {
                "id": r[0],
                "name": r[1],
                "publisher": r[2],
                "licence": r[3],
                "synthetic": bool(r[4]),
                "as_of": r[5].date().isoformat() if r[5] else "unknown",
            }
            for r in rows
        ],
        "synthetic": any(r[4] for r in rows),
    }


def citation(dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection, retrieved: date) -> str:
    """A citation line naming the extract, its filters, sources and as-of date."""
    prov = provenance(con)
    sources = "; ".join(
        f"{s['name']} ({s['publisher']}{', synthetic' if s['synthetic'] else ''}, as of {s['as_of']})"
        for s in prov["sources"]
    )
    return (
        f"Storewatch, “{dataset.title_en}” extract ({filters.describe()}), data as of {prov['as_of']}. "
        f"Sources: {sources}. Retrieved {retrieved.isoformat()}."
    )


def file_stem(dataset: Dataset, as_of: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"storewatch_{dataset.name}_asof_{as_of}")
