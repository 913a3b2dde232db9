"""Extracts streamed from DuckDB to CSV (formula-looking cells neutralised) or Parquet, batch by batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from etl.exports.catalogue import Dataset, Filters
from etl.exports.queries import window_selects

BATCH_ROWS = 25_000  # rows per Arrow batch while streaming an extract
# CSV cells that a spreadsheet would evaluate as a formula (OWASP "CSV injection"), with the
# full-width and small forms of = + - @ that East Asian spreadsheets convert to them on entry
FORMULA_START = r"^[=+\-@\t\r\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}\x{FE66}\x{FE62}\x{FE63}\x{FE6B}]"
UTF8_BOM = b"\xef\xbb\xbf"  # so Excel reads Chinese CSV as UTF-8


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
