"""The one load path: staging and merging. Sources stage rows; the loader validates, quarantines
and upserts them.

Sources never write fact tables themselves, nor call this module: they call the context's `emit`
(one normalised row at a time), `emit_arrow` (a whole vectorised batch) and `reject` (etl/context.py),
which stage through `Staging`. Staging gives each row its stable id and provenance; then, per table
and in dependency order, `merge_staged`:
  1. quarantines rows that break a rule in etl/validation.py, and conflicting duplicates,
  2. inserts new ids, replaces changed ones (raw hash differs), leaves the rest untouched,
  3. for 'replace' sources, deletes this source's rows the run no longer saw.
Stores and entities a file only mentions never replace a register's row, and name-only ids resolve
to the one row a registration number or store id identifies (docs/linking.md, RESOLUTIONS).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

from etl.ids import STABLE_ID_MACRO, public_record_id, raw_hash
from etl.sanitise import prepare_batch, prepare_row, stored_raw
from etl.text import fix_surrogates
from etl.validation import RULES

# Load order: a table's references must already be loaded.
FACT_TABLES = ["entities", "merchants", "merchant_volume", "complaints", "penalties"]
ID_COLUMNS = {
    "entities": "entity_id",
    "merchants": "merchant_id",
    "merchant_volume": "volume_id",
    "complaints": "complaint_id",
    "penalties": "penalty_id",
}
# Fact tables are written in date order, so DuckDB's per-row-group min/max (zone maps) let a
# date-filtered query (an extract of one month, one window of a long extract, the first rows of an
# extract) skip the rest of the table instead of reading all of it. Each run's rows are appended in
# order, which keeps the table roughly ordered while new records are mostly recent; updated old
# records move to the end.
STORAGE_ORDER = {
    "complaints": "filed_at, complaint_id",
    "penalties": "decided_at, penalty_id",
}
_FLUSH_ROWS = 50_000
WriteDisposition = Literal["merge", "replace"]
_LOAD_SQL = Path(__file__).parent / "sql" / "load"
# A staged mention (listed_in_register false) leaves the row it would replace as it is, unless that
# row is a mention from the same source: registers' rows, and other sources', are never overwritten.
_MENTION_TABLES = ("merchants", "entities")
_KEEP_EXISTING = (
    "s.listed_in_register = false"
    " AND (t.listed_in_register IS DISTINCT FROM false OR t.source_id <> s.source_id)"
)


@dataclass(frozen=True)
class Resolution:
    """Name-only ids of `table` that resolve to the one row a stronger identifier gives."""

    id_col: str
    prefix: str  # only the file imports' identity ids (etl/ids.py) take part
    match: str  # the columns that must be equal
    strong: str  # the identifier a name-only row lacks
    references: tuple[tuple[str, str], ...]  # (table, column) pointing at the id


RESOLUTIONS = {
    "entities": Resolution(
        "entity_id",
        "entity:",
        "name_normalised",
        "registration_number",
        (("merchants", "entity_id"), ("penalties", "entity_id")),
    ),
    "merchants": Resolution(
        "merchant_id",
        "store:",
        "platform, name_normalised",
        "platform_store_id",
        (("merchant_volume", "merchant_id"), ("complaints", "merchant_id"), ("penalties", "merchant_id")),
    ),
}


@dataclass
class StoreLinking:
    """How the stores a file names met the warehouse's (printed after an import)."""

    in_file: int = 0  # distinct stores the run's records name
    matched: int = 0  # of them, already in the warehouse before the run
    new: int = 0  # of them, not yet in it
    only_mentioned: int = 0  # of them, listed by no register: seen only in complaints, penalties, volumes


@dataclass
class TableCounts:
    seen: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0


class Staging:
    """One run's staged rows, per target table, and its quarantined records, until the merge."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, run_id: str, source_id: str, started_at: datetime
    ) -> None:
        self.con = con
        self.run_id = run_id
        self.source_id = source_id
        self.started_at = started_at
        self.rejected: Counter[str] = Counter()
        self._buffers: dict[str, list[dict]] = defaultdict(list)
        self._staged: set[str] = set()
        self._seq: Counter[str] = Counter()
        self._schemas: dict[str, pa.Schema] = {}
        self.store_linking: StoreLinking | None = None

    def add_row(self, table: str, row: dict[str, Any], raw: Any) -> None:
        """Stage one normalised row; `raw` is the record as the source gave it."""
        check_table(table)
        staged = prepare_row(table, row)  # text policy and PII masking, for every source
        # unmasked until it ends in quarantine (see _mask_quarantined)
        staged["_raw"] = fix_surrogates(raw if isinstance(raw, str) else _raw_json(raw))
        staged.setdefault("raw_hash", raw_hash(raw))  # of the original record: re-runs stay idempotent
        buffer = self._buffers[table]
        buffer.append(staged)
        if len(buffer) >= _FLUSH_ROWS:
            self._flush(table)

    def add_batch(self, table: str, batch: pa.Table) -> None:
        """Stage a vectorised batch whose columns are named as the target table's (plus raw_hash)."""
        check_table(table)
        self._flush(table)
        prepared, changed = prepare_batch(table, batch)
        if changed and "raw_hash" not in batch.schema.names:
            # the hash must describe the record as generated, not as masked
            prepared = prepared.append_column("raw_hash", self._batch_hashes(batch))
        self._append(table, prepared)

    def quarantine(
        self, table: str, source_record_id: str | None, reason: str, raw: Any, column: str | None = None
    ) -> None:
        """Quarantine a record its source could not parse."""
        check_table(table)
        # personal data is masked with every other quarantined record's, in _mask_quarantined
        text = fix_surrogates(raw if isinstance(raw, str) else _raw_json(raw))
        reason, column = fix_surrogates(reason), column and fix_surrogates(column)
        source_record_id = source_record_id and public_record_id(fix_surrogates(str(source_record_id)))
        self.con.execute(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [self.run_id, self.source_id, table, source_record_id, column, reason, text, self.started_at],
        )
        self.rejected[table] += 1

    def _batch_hashes(self, batch: pa.Table) -> pa.ChunkedArray:
        """md5 of each generated row's JSON, as _append computes it for batches without raw_hash."""
        self.con.register("_original", batch)
        try:
            hashes = self.con.sql("SELECT md5(to_json(i)::VARCHAR) AS h FROM _original i").to_arrow_table()
        finally:
            self.con.unregister("_original")
        return hashes["h"]

    def _ensure_stage(self, table: str) -> None:
        if table in self._staged:
            return
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE stage_{table} AS "
            f"SELECT *, NULL::BIGINT AS _seq, NULL::VARCHAR AS _raw FROM {table} LIMIT 0"
        )
        self._staged.add(table)

    def _append(self, table: str, batch: pa.Table) -> None:
        """Copy a batch into staging, adding its stable ids, provenance and raw hashes."""
        if batch.num_rows == 0:
            return
        self._ensure_stage(table)
        start = self._seq[table]
        self._seq[table] += batch.num_rows
        present = set(batch.schema.names)
        id_col = ID_COLUMNS[table]
        # _seq keeps arrival order, so the last of two conflicting duplicates wins
        extras = ["?::VARCHAR AS source_id", "?::VARCHAR AS run_id", "? + row_number() OVER () AS _seq"]
        params: list[Any] = [self.source_id, self.run_id, start]
        if id_col not in present:
            extras.append(f"storewatch_id(?, i.source_record_id) AS {id_col}")
            params.append(self.source_id)
        if "fetched_at" not in present:
            extras.append("?::TIMESTAMP AS fetched_at")
            params.append(self.started_at)
        if "raw_hash" not in present:
            # vectorised sources have no raw text: hash the generated record itself
            extras.append("md5(to_json(i)::VARCHAR) AS raw_hash")
        self.con.execute(STABLE_ID_MACRO)
        self.con.register("_incoming", batch)
        try:
            self.con.execute(
                f"INSERT INTO stage_{table} BY NAME SELECT i.*, {', '.join(extras)} FROM _incoming i",
                params,
            )
        finally:
            self.con.unregister("_incoming")

    def _flush(self, table: str) -> None:
        rows = self._buffers.pop(table, [])
        if rows:
            self._append(table, self._rows_to_batch(table, rows))

    def _rows_to_batch(self, table: str, rows: list[dict]) -> pa.Table:
        """Rows as one batch with every column any of them has (a key missing from a row is NULL
        there), typed as the table declares where the values fit. pa.Table.from_pylist would take
        the columns of the first row only, dropping a key it lacks from the whole batch."""
        declared = self._declared_schema(table)
        names = list(dict.fromkeys(key for row in rows for key in row))
        arrays = []
        for name in names:
            values = [row.get(name) for row in rows]
            arrays.append(_typed_array(values, declared.field(name).type if name in declared.names else None))
        return pa.Table.from_arrays(arrays, names=names)

    def _declared_schema(self, table: str) -> pa.Schema:
        if table not in self._schemas:
            self._schemas[table] = self.con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema
        return self._schemas[table]

    def flush_all(self) -> None:
        for table in list(self._buffers):
            self._flush(table)

    def staged_tables(self) -> list[str]:
        return [table for table in FACT_TABLES if table in self._staged]


def _typed_array(values: list[Any], declared: pa.DataType | None) -> pa.Array:
    """The declared type when every value converts to it (an all-NULL column included); else the
    type Arrow infers, and DuckDB casts it on insert (a Decimal into a DOUBLE column)."""
    if declared is not None:
        try:
            return pa.array(values, type=declared)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return pa.array(values)


def check_table(table: str) -> None:
    if table not in ID_COLUMNS:
        raise ValueError(f"unknown target table {table!r}")


def merge_staged(staging: Staging, write_disposition: WriteDisposition) -> dict[str, TableCounts]:
    """Validate, quarantine and upsert every staged table, in dependency order.

    'merge': rows accumulate across runs; 'replace': the run is a full snapshot, and this source's
    rows it did not see are deleted.
    """
    staging.flush_all()
    con = staging.con
    con.execute(STABLE_ID_MACRO)
    counts: dict[str, TableCounts] = {}
    for table in FACT_TABLES:
        table_counts = TableCounts(quarantined=staging.rejected[table], seen=staging.rejected[table])
        if table in staging.staged_tables() and table in RESOLUTIONS:
            _resolve_weak_ids(staging, table)
        if table == "merchants" and _stages_file_stores(staging):
            staging.store_linking = _stores_named(staging)
        if table in staging.staged_tables():
            _merge_table(staging, table, table_counts, write_disposition)
        elif write_disposition == "replace":
            table_counts.deleted = _delete_unseen(con, table, staging.source_id, None)
        if table_counts.seen or table_counts.deleted:
            counts[table] = table_counts
    if staging.store_linking is not None:
        _count_only_mentioned(con, staging.store_linking)
    con.execute("DROP TABLE IF EXISTS _stores_named")
    _mask_quarantined(con, staging.run_id)
    return counts


def _resolve_weak_ids(staging: Staging, table: str) -> None:
    """Point name-only ids at the row a registration number or store id identifies, in this run's
    staged rows and in the warehouse alike, so the result is the same whichever file came first."""
    con = staging.con
    spec = RESOLUTIONS[table]
    sql = (_LOAD_SQL / "resolve_weak_ids.sql").read_text(encoding="utf-8")
    con.execute(
        sql.format(table=table, id_col=spec.id_col, prefix=spec.prefix, match=spec.match, strong=spec.strong)
    )
    if con.execute("SELECT count(*) FROM _resolved").fetchone()[0]:
        staged = set(staging.staged_tables())
        for ref_table, column in spec.references:
            targets = [ref_table] + ([f"stage_{ref_table}"] if ref_table in staged else [])
            for target in targets:
                con.execute(
                    f"UPDATE {target} SET {column} = r.resolved_id FROM _resolved r "
                    f"WHERE {target}.{column} = r.weak_id"
                )
        for target in (table, f"stage_{table}"):
            con.execute(f"DELETE FROM {target} WHERE {spec.id_col} IN (SELECT weak_id FROM _resolved)")
    con.execute("DROP TABLE _resolved")


def _stages_file_stores(staging: Staging) -> bool:
    """The run staged stores that say whether a register lists them (file imports do)."""
    if "merchants" not in staging.staged_tables():
        return False
    sql = "SELECT count(*) FROM stage_merchants WHERE listed_in_register IS NOT NULL"
    return staging.con.execute(sql).fetchone()[0] > 0


def _stores_named(staging: Staging) -> StoreLinking:
    """The distinct stores the run's staged rows name, and how many the warehouse already has."""
    con = staging.con
    staged = set(staging.staged_tables())
    named = " UNION ".join(
        f"SELECT merchant_id FROM stage_{t}"
        for t in ("merchants", "merchant_volume", "complaints", "penalties")
        if t in staged
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _stores_named AS {named}")
    in_file, matched = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE merchant_id IN (SELECT merchant_id FROM merchants)) "
        "FROM _stores_named"
    ).fetchone()
    return StoreLinking(in_file=in_file, matched=matched, new=in_file - matched)


def _count_only_mentioned(con: duckdb.DuckDBPyConnection, linking: StoreLinking) -> None:
    linking.only_mentioned = con.execute(
        "SELECT count(*) FROM merchants WHERE listed_in_register = false "
        "AND merchant_id IN (SELECT merchant_id FROM _stores_named)"
    ).fetchone()[0]


def _mask_quarantined(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Mask personal data in this run's quarantine rows (raw records, and reasons, which quote
    values), before anything is published: staged rows stay unmasked until then, because masking
    every staged raw record cost most of an import's time and all but a few are never stored."""
    rows = con.execute("SELECT rowid, raw, reason FROM quarantine WHERE run_id = ?", [run_id]).fetchall()
    updates = []
    for rowid, raw, reason in rows:
        masked = (raw and stored_raw(raw), stored_raw(reason))
        if masked != (raw, reason):
            updates.append((*masked, rowid))
    if updates:
        con.executemany("UPDATE quarantine SET raw = ?, reason = ? WHERE rowid = ?", updates)


def _merge_table(
    staging: Staging, table: str, counts: TableCounts, write_disposition: WriteDisposition
) -> None:
    """Quarantine the staged rows of `table` that break a rule, then those a later row of the same id
    supersedes, and upsert the rest (temp views _valid and _clean, not copies: at 10 M rows a
    materialised copy per step costs more than evaluating the rules twice)."""
    con = staging.con
    stage = f"stage_{table}"
    counts.seen += con.execute(f"SELECT count(*) FROM {stage}").fetchone()[0]
    _quarantine_invalid(staging, table, counts)
    _quarantine_superseded(staging, table, counts)
    _upsert(staging, table, counts, write_disposition)
    for view in ("_clean", "_valid"):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for temp in ("_verdict", "_superseded", "_delta", stage):
        con.execute(f"DROP TABLE IF EXISTS {temp}")


def _quarantine_invalid(staging: Staging, table: str, counts: TableCounts) -> None:
    """The first rule a row breaks is its quarantine reason; the rows that break none are _valid."""
    con = staging.con
    stage = f"stage_{table}"
    rules = RULES[table]
    reason_case = " ".join(f"WHEN coalesce(({sql}), false) THEN ?" for _, _, sql in rules)
    reasons = [reason for _, reason, _ in rules]
    rule_columns = [column for column, _, _ in rules]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _verdict AS SELECT _seq, CASE {reason_case} END AS _reason, "
        f"CASE {reason_case} END AS _column FROM {stage}",
        reasons + rule_columns,
    )
    con.execute("DELETE FROM _verdict WHERE _reason IS NULL")
    counts.quarantined += con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, ?, ?, s.source_record_id, v._column, v._reason,
               coalesce(s._raw, to_json(s)::VARCHAR), ?
        FROM {stage} s JOIN _verdict v USING (_seq)
        """,
        [staging.run_id, staging.source_id, table, staging.started_at],
    ).fetchone()[0]
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _valid AS SELECT * FROM {stage} "
        "WHERE _seq NOT IN (SELECT _seq FROM _verdict)"
    )


def _quarantine_superseded(staging: Staging, table: str, counts: TableCounts) -> None:
    """Duplicate ids within the run: the last is kept; earlier versions that differ are quarantined.
    The rows kept are _clean."""
    con = staging.con
    id_col = ID_COLUMNS[table]
    duplicated = con.execute(f"SELECT count(*) - count(DISTINCT {id_col}) FROM _valid").fetchone()[0]
    con.execute("CREATE OR REPLACE TEMP TABLE _superseded (_seq BIGINT)")
    if duplicated:
        con.execute(
            f"""
            INSERT INTO _superseded
            SELECT _seq FROM (
                SELECT _seq, row_number() OVER (PARTITION BY {id_col} ORDER BY _seq DESC) AS _rank
                FROM _valid
                WHERE {id_col} IN (SELECT {id_col} FROM _valid GROUP BY 1 HAVING count(*) > 1))
            WHERE _rank > 1
            """
        )
        counts.quarantined += con.execute(
            f"""
            INSERT INTO quarantine
            SELECT ?, ?, ?, s.source_record_id, '{id_col}',
                   'duplicate record id in one run with different content (the last one was kept)',
                   coalesce(s._raw, to_json(s)::VARCHAR), ?
            FROM _valid s
            WHERE s._seq IN (SELECT _seq FROM _superseded)
              AND s.raw_hash <> (SELECT k.raw_hash FROM _valid k WHERE k.{id_col} = s.{id_col}
                                 ORDER BY k._seq DESC LIMIT 1)
            """,
            [staging.run_id, staging.source_id, table, staging.started_at],
        ).fetchone()[0]
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _clean AS SELECT * FROM _valid "
        "WHERE _seq NOT IN (SELECT _seq FROM _superseded)"
    )


def _upsert(staging: Staging, table: str, counts: TableCounts, write_disposition: WriteDisposition) -> None:
    """New ids inserted, changed ones (raw hash differs) replaced, the rest left as they are; for a
    'replace' source, its rows this run did not see are deleted."""
    con = staging.con
    id_col = ID_COLUMNS[table]
    column_list = ", ".join(row[0] for row in con.execute(f"SELECT * FROM {table} LIMIT 0").description)
    order = f" ORDER BY {STORAGE_ORDER[table]}" if table in STORAGE_ORDER else ""
    existing = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if existing == 0:
        counts.inserted += con.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM _clean{order}"
        ).fetchone()[0]
    else:
        mentions = table in _MENTION_TABLES
        compared = f"{id_col}, raw_hash" + (", listed_in_register, source_id" if mentions else "")
        keep = f"WHEN {_KEEP_EXISTING} THEN 'unchanged'" if mentions else ""
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _delta AS
            SELECT s.{id_col}, CASE WHEN t.{id_col} IS NULL THEN 'insert'
                                    {keep}
                                    WHEN t.raw_hash <> s.raw_hash THEN 'update'
                                    ELSE 'unchanged' END AS _action
            FROM (SELECT {compared} FROM _clean) s
            LEFT JOIN (SELECT {compared} FROM {table}) t USING ({id_col})
            """
        )
        actions = dict(con.execute("SELECT _action, count(*) FROM _delta GROUP BY ALL").fetchall())
        counts.inserted += actions.get("insert", 0)
        counts.updated += actions.get("update", 0)
        counts.unchanged += actions.get("unchanged", 0)
        if actions.get("update"):
            con.execute(
                f"DELETE FROM {table} WHERE {id_col} IN "
                f"(SELECT {id_col} FROM _delta WHERE _action = 'update')"
            )
        if actions.get("insert") or actions.get("update"):
            con.execute(
                f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM _clean "
                f"WHERE {id_col} IN (SELECT {id_col} FROM _delta WHERE _action <> 'unchanged'){order}"
            )
        if write_disposition == "replace":
            counts.deleted += _delete_unseen(con, table, staging.source_id, "_delta")


def _delete_unseen(con: duckdb.DuckDBPyConnection, table: str, source_id: str, seen: str | None) -> int:
    id_col = ID_COLUMNS[table]
    if seen is None:
        return con.execute(f"DELETE FROM {table} WHERE source_id = ?", [source_id]).fetchone()[0]
    return con.execute(
        f"DELETE FROM {table} WHERE source_id = ? AND {id_col} NOT IN (SELECT {id_col} FROM {seen})",
        [source_id],
    ).fetchone()[0]


def _raw_json(raw: Any) -> str:
    return json.dumps(raw, ensure_ascii=False, default=str)
