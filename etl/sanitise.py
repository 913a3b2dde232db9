"""What the load path does to text before it is staged: the control-character policy and PII masking.

Every source's rows pass through here (RunContext.emit and emit_arrow), so no source can forget it.
- Every text value: lone surrogates become U+FFFD (they cannot be stored as UTF-8).
- Text that is shown (not ids or hashes): control and bidi-override characters removed
  (etl/text.py says which). Ids keep them: a source's record id must hash the same in Python
  and SQL, and stores are looked up by the id the source computed.
- A source's record id that holds personal data (a phone number used as an id): replaced by its
  hash (etl.ids.public_record_id), so neither source_record_id nor the id derived from it shows it.
- Free-text columns that may describe a person (PII_COLUMNS): personal data masked (etl/pii.py);
  for complaints the count is added to narrative_masked_items (a source may already have counted
  its own redactions there, as CFPB does for its XXXX).
- The raw record kept for quarantine (and the reason, which may quote values): surrogates fixed,
  and personal data masked once the merge knows which records ended there. Re-runs do not
  need it (they read the source again, and raw_hash is computed from the original record).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.ids import MAY_BE_PERSONAL_RE2, public_record_id
from etl.pii import MAY_HOLD_PII_RE2, mask_pii
from etl.text import CONTROL_RE2, clean_text, fix_surrogates

# Every free-text column a mapping can reach (a test derives the list from the mapping reference):
# any of them may hold a phone number or an e-mail address, wherever the source put it.
# Not masked: store and company names and registration numbers (they name businesses, and ids are
# derived from them), and columns held to a vocabulary.
PII_COLUMNS: dict[str, tuple[str, ...]] = {
    "complaints": ("narrative", "issue", "outcome", "source_status", "currency"),
    "penalties": ("description", "violation_raw", "authority_name", "document_url", "fine_currency"),
    "merchants": ("category", "store_url"),
    "merchant_volume": ("currency",),
    "entities": ("country",),
}
NOT_MASKED = {"complaints": ("platform",), "entities": ("name", "parent_name", "registration_number")}
COUNT_COLUMN = {"complaints": "narrative_masked_items"}
RECORD_ID = "source_record_id"
_PII_RE2 = MAY_HOLD_PII_RE2  # what etl.pii needs to find anything at all


def is_identifier(column: str) -> bool:
    return column.endswith("_id") or column in ("raw_hash", "_raw")


def stored_raw(raw_text: str) -> str:
    """The raw record as quarantine keeps it: encodable, personal data masked."""
    return mask_pii(fix_surrogates(raw_text))[0]


def prepare_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A copy of `row` with the text policy applied and personal data masked."""
    staged = {
        key: (fix_surrogates(value) if is_identifier(key) else clean_text(value))
        if isinstance(value, str)
        else value
        for key, value in row.items()
    }
    if isinstance(staged.get(RECORD_ID), str):
        staged[RECORD_ID] = public_record_id(staged[RECORD_ID])
    masked = 0
    for column in PII_COLUMNS.get(table, ()):
        if isinstance(staged.get(column), str):
            staged[column], found = mask_pii(staged[column])
            masked += found
    count_column = COUNT_COLUMN.get(table)
    if count_column and (masked or isinstance(staged.get("narrative"), str)):
        staged[count_column] = (staged.get(count_column) or 0) + masked
    return staged


def prepare_batch(table: str, batch: pa.Table) -> tuple[pa.Table, bool]:
    """`batch` with the text policy applied and personal data masked; True when anything changed."""
    changed = False
    columns = []
    masked = pa.array([0] * batch.num_rows, pa.int32())
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            if not is_identifier(name) and pc.any(pc.match_substring_regex(column, CONTROL_RE2)).as_py():
                column = pc.replace_substring_regex(column, CONTROL_RE2, "")
                changed = True
            if name == RECORD_ID:
                column, replaced = _public_record_ids(column)
                changed = changed or replaced
            if name in PII_COLUMNS.get(table, ()):
                column, counts = _mask_column(column)
                if counts is not None:
                    masked = pc.add(masked, counts)
                    changed = True
        columns.append(column)
    batch = pa.table(columns, names=batch.schema.names)
    count_column = COUNT_COLUMN.get(table)
    if count_column and pc.max(masked).as_py():
        existing = (
            batch.column(count_column).cast(pa.int32())
            if count_column in batch.schema.names
            else pa.nulls(batch.num_rows, pa.int32())
        )
        total = pc.if_else(pc.greater(masked, 0), pc.add(pc.fill_null(existing, 0), masked), existing)
        if count_column in batch.schema.names:
            batch = batch.set_column(batch.schema.get_field_index(count_column), count_column, total)
        else:
            batch = batch.append_column(count_column, total)
    return batch, changed


def _public_record_ids(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, bool]:
    """Record ids that look personal replaced by their hash; only the candidates reach Python."""
    candidates = pc.fill_null(pc.match_substring_regex(column, MAY_BE_PERSONAL_RE2), False)
    if not pc.any(candidates).as_py():
        return column, False
    ids = column.to_pylist()
    flags = candidates.to_pylist()
    public = [public_record_id(rid) if flag else rid for rid, flag in zip(ids, flags, strict=True)]
    if public == ids:
        return column, False
    return pa.chunked_array([pa.array(public, column.type)]), True


def _mask_column(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.Array | None]:
    """Masks the cells that could hold personal data (a digit or '@').

    Each distinct text is masked once: generated batches repeat a few texts millions of times
    (1 M rows of one text with a digit: 14 s row by row, well under a second this way).
    """
    if not pc.any(pc.match_substring_regex(column, _PII_RE2)).as_py():
        return column, None
    encoded = column.combine_chunks().dictionary_encode()
    texts = encoded.dictionary.to_pylist()
    masked = [mask_pii(text) for text in texts]
    if not any(found for _, found in masked):
        return column, None
    values = pa.array([text for text, _ in masked], column.type)
    counts = pa.array([found for _, found in masked], pa.int32())
    masked_column = pc.take(values, encoded.indices)
    return pa.chunked_array([masked_column]), pc.fill_null(pc.take(counts, encoded.indices), 0)
