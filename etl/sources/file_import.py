"""File import: CSV, JSON or NDJSON complaints or penalties, mapped by a declarative TOML/YAML file.

A mapping names the target table, the record id, the store (and optionally its legal entity), and
for each target column where its value comes from: a source column, a constant, a value map, or
keywords found in the text. Dates are parsed with the mapping's formats in its time zone and
stored in UTC. Rows that do not fit go to quarantine with the column and the reason.
See docs/mapping_reference.md for the columns a mapping may set and data/mappings/ for worked examples.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
import yaml

from etl.context import (
    RecordRejectedError,
    RunContext,
    SourceCommand,
    SourceMeta,
    SourceSetupError,
    facts_from_mapping,
)
from etl.ids import raw_hash
from etl.readers import UnreadableRecord, guess_format, read_lines, read_records
from etl.text import fix_surrogates

TARGETS = ("complaints", "penalties")
TIMESTAMP_COLUMNS = {"filed_at", "forwarded_at", "first_response_at", "closed_at"}
DATE_COLUMNS = {"decided_at"}
DECIMAL_COLUMNS = {"amount_claimed", "fine_amount"}
INTEGER_COLUMNS = {"points", "duration_days", "narrative_masked_items"}
BOOLEAN_COLUMNS = {"timely_response", "consumer_disputed", "platform_intervened"}
YES_WORDS = {"true", "yes", "y", "1", "是", "有"}
NO_WORDS = {"false", "no", "n", "0", "否", "无"}
# Kept automatically next to a mapped column, so the source's own wording is never lost.
RAW_TWINS = {"status": "source_status", "violation_type": "violation_raw"}
# Filled by the import, not by a mapping's columns: ids from `record_id` and `store` (the target's
# own id column, see load.ID_COLUMNS, is derived from source_record_id), provenance from the run.
FILLED_BY_IMPORT = (
    "source_record_id",
    "merchant_id",
    "entity_id",
    "source_id",
    "fetched_at",
    "raw_hash",
    "run_id",
)
# Taken from the record's store when the mapping does not set them.
STORE_DEFAULTS = {"complaints": ("platform",)}
DEFAULT_NULLS = ["", "None", "NULL", "null", "N/A", "NA", "-"]
DEFAULT_DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
DEFAULT_TIMEZONE = "UTC"
# Column storage bounds: DECIMAL(18, 2) and INTEGER. Values beyond them would abort the whole load.
_MAX_DECIMAL = Decimal(10) ** 16
_MAX_INTEGER = 2**31 - 1
_CENTS = Decimal("0.01")
_UNDECODABLE = "\ufffd"  # what the decoder puts for bytes it cannot read, and JSON for lone surrogates


class MappingError(ValueError):
    """A mapping file that cannot be used (unknown target, missing sections)."""


def load_mapping(path: Path) -> dict[str, Any]:
    """Read a TOML or YAML mapping and check its required parts."""
    text = Path(path).read_text(encoding="utf-8-sig")
    mapping = tomllib.loads(text) if Path(path).suffix == ".toml" else yaml.safe_load(text)
    if not isinstance(mapping, dict):
        raise MappingError(f"{path}: a mapping must be a table/dictionary")
    if mapping.get("target") not in TARGETS:
        raise MappingError(f"{path}: target must be one of {TARGETS}, not {mapping.get('target')!r}")
    for key in ("source", "record_id", "store", "columns"):
        if key not in mapping:
            raise MappingError(f"{path}: missing '{key}'")
    for key in ("id", "name", "publisher"):
        if key not in mapping["source"]:
            raise MappingError(f"{path}: source.{key} is required")
    return mapping


class RecordMapper:
    """Turns one source record into a target row using a mapping; raises RecordRejectedError."""

    def __init__(self, mapping: dict[str, Any]) -> None:
        self.mapping = mapping
        self.target: str = mapping["target"]
        self.zone = ZoneInfo(mapping.get("timezone", DEFAULT_TIMEZONE))
        self.date_formats: list[str] = mapping.get("date_formats", DEFAULT_DATE_FORMATS)
        self.nulls = set(mapping.get("null_values", DEFAULT_NULLS))
        self.columns: dict[str, str] = mapping["columns"]
        self.values: dict[str, dict[str, Any]] = mapping.get("values", {})
        self.keywords: dict[str, dict[str, str]] = mapping.get("keywords", {})
        self.constants: dict[str, Any] = mapping.get("constants", {})
        self.defaults: dict[str, Any] = mapping.get("defaults", {})

    def cell(self, record: dict, column: str) -> str | None:
        value = record.get(column)
        if value is None:
            return None
        text = str(value).strip()
        if _UNDECODABLE in text or text != fix_surrogates(text):
            # mojibake would be stored as if the source had said it: keep it out, say where
            raise RecordRejectedError(f"undecodable bytes in column {column!r}", self._target_of(column))
        return None if text in self.nulls else text

    def _target_of(self, column: str) -> str:
        for target, source_column in self.columns.items():
            if source_column == column:
                return target
        return column

    def record_id(self, record: dict) -> str:
        spec = self.mapping["record_id"]
        if spec == "*":  # no id column: the whole row is the identity
            return "row-" + raw_hash(record)[:24]
        parts = [self.cell(record, column) for column in ([spec] if isinstance(spec, str) else spec)]
        if any(part is None for part in parts):
            raise RecordRejectedError("record id missing", "source_record_id")
        return "|".join(parts)  # type: ignore[arg-type]

    def store(self, record: dict) -> tuple[str, str, str]:
        """(store key, store name, platform) of a record."""
        spec = self.mapping["store"]
        keys = [
            self.cell(record, c) for c in ([spec["key"]] if isinstance(spec["key"], str) else spec["key"])
        ]
        name = self.cell(record, spec.get("name", spec["key"]))
        if name is None or any(k is None for k in keys):
            raise RecordRejectedError("store name missing", "merchant_id")
        platform = self.cell(record, spec["platform_column"]) if "platform_column" in spec else None
        platform = platform or spec.get("platform")
        if not platform:
            raise RecordRejectedError("platform missing", "platform")
        return "|".join(keys), name, platform  # type: ignore[arg-type]

    def entity(self, record: dict) -> str | None:
        column = self.mapping["store"].get("entity")
        return self.cell(record, column) if column else None

    def value(self, record: dict, target: str) -> Any:
        """The converted value of one target column, or None."""
        if target in self.constants:
            return self.constants[target]
        column = self.columns.get(target)
        text = self.cell(record, column) if column else None
        if text is not None and target in self.values:
            table = self.values[target]
            mapped = table.get(text, table.get("*"))
            if mapped is None:
                mapped = self._keyword(target, text)
            if mapped is None:
                raise RecordRejectedError(f"unmapped value {text!r} in column {column!r}", target)
            return mapped
        if text is not None and target in self.keywords:
            return self._keyword(target, text) or self.defaults.get(target)
        if text is None:
            return self.defaults.get(target)
        return self.convert(target, text, column)

    def _keyword(self, target: str, text: str) -> str | None:
        for word, mapped in self.keywords.get(target, {}).items():
            if word in text:
                return mapped
        return None

    def convert(self, target: str, text: str, column: str | None) -> Any:
        where = f"{column!r}"
        if target in TIMESTAMP_COLUMNS:
            local = self.parse_datetime(text, target, where)
            try:
                return local.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)
            except OverflowError as exc:  # 0001-01-01 east of UTC, 9999-12-31 west of it
                raise RecordRejectedError(f"date out of range: {text!r} in column {where}", target) from exc
        if target in DATE_COLUMNS:
            return self.parse_datetime(text, target, where).date()
        if target in DECIMAL_COLUMNS:
            cleaned = text.replace(",", "").replace("¥", "").replace("$", "").replace("元", "").strip()
            try:
                amount = Decimal(cleaned)
            except InvalidOperation as exc:
                raise RecordRejectedError(f"not an amount: {text!r} in column {where}", target) from exc
            if not amount.is_finite() or abs(amount) >= _MAX_DECIMAL:
                raise RecordRejectedError(f"amount out of range: {text!r} in column {where}", target)
            # to the stored scale now: Arrow cannot stage a decimal like 1e-308 (precision 321)
            return amount.quantize(_CENTS, rounding=ROUND_HALF_EVEN)
        if target in INTEGER_COLUMNS:
            try:
                number = int(text.replace(",", ""))
            except ValueError as exc:
                raise RecordRejectedError(f"not a whole number: {text!r} in column {where}", target) from exc
            if abs(number) > _MAX_INTEGER:
                raise RecordRejectedError(f"number out of range: {text!r} in column {where}", target)
            return number
        if target in BOOLEAN_COLUMNS:
            lowered = text.lower()
            if lowered in YES_WORDS or lowered in NO_WORDS:
                return lowered in YES_WORDS
            raise RecordRejectedError(f"not yes/no: {text!r} in column {where}", target)
        return text

    def parse_datetime(self, text: str, target: str, where: str) -> datetime:
        for pattern in self.date_formats:
            try:
                return datetime.strptime(text, pattern)
            except ValueError:
                continue
        raise RecordRejectedError(
            f"unreadable date {text!r} in column {where} (formats {self.date_formats})", target
        )

    def row(self, record: dict) -> dict[str, Any]:
        targets = set(self.columns) | set(self.constants) | set(self.defaults)
        row = {target: self.value(record, target) for target in targets}
        for mapped, twin in RAW_TWINS.items():
            if twin not in row and mapped in self.columns:
                row[twin] = self.cell(record, self.columns[mapped])
        return row


# The times a record carries; the latest of them in a file is how far the file is known complete.
EVENT_COLUMNS = {"complaints": ("filed_at", "first_response_at", "closed_at"), "penalties": ("decided_at",)}


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.max).replace(microsecond=0)
    return None


class FileImportSource:
    """Loads one file through one mapping.

    `as_of` is when the file's records were complete (its export time): complaints still open in
    it are censored there. Without it, the latest time any of its records carries is used, not
    the import's run time: an export loaded a month late would otherwise count every open
    complaint as open a month longer.
    """

    def __init__(self, path: Path, mapping: dict[str, Any] | Path, as_of: datetime | None = None) -> None:
        self.path = Path(path)
        self.as_of = as_of
        self.mapping = mapping if isinstance(mapping, dict) else load_mapping(mapping)
        info = self.mapping["source"]
        self.meta = SourceMeta(
            source_id=info["id"],
            name=info["name"],
            publisher=info["publisher"],
            homepage=info.get("homepage"),
            licence=info.get("licence"),
            is_synthetic=bool(info.get("is_synthetic", False)),
            description=info.get("description", ""),
            publishes=facts_from_mapping(self.mapping),
        )
        self.mapper = RecordMapper(self.mapping)

    def records(self) -> Iterator[dict]:
        # lines decoded as they are read: CSV and NDJSON never hold the whole file
        lines = read_lines(self.path, self.mapping.get("encoding", "auto"))
        file_format = self.mapping.get("format") or guess_format(self.path)
        return read_records(lines, file_format, self.mapping.get(file_format, {}))

    def extract(self, ctx: RunContext) -> None:
        target = self.mapper.target
        task = ctx.progress.task(f"{self.meta.source_id}: {self.path.name}")
        latest: datetime | None = None
        for record in self.records():
            task.advance()
            record_id = None
            if isinstance(record, UnreadableRecord):
                ctx.reject(target, None, record.reason, record.raw)
                continue
            if not isinstance(record, dict):
                ctx.reject(target, None, "record is not an object", record)
                continue
            try:
                record_id = self.mapper.record_id(record)
                store_key, store_name, platform = self.mapper.store(record)
                entity_name = self.mapper.entity(record)
                row = self.mapper.row(record)
            except RecordRejectedError as exc:
                ctx.reject(target, record_id, exc.reason, record, exc.column)
                continue
            entity_id = None
            if entity_name:
                entity_id = ctx.emit_entity_once(
                    "entity|" + entity_name, entity_name, {"entity": entity_name}
                )
            store_raw = {"store": store_key, "name": store_name, "platform": platform, "entity": entity_name}
            merchant_id = ctx.emit_store_once(
                "store|" + store_key, store_name, platform, store_raw, entity_id=entity_id
            )
            row.update(source_record_id=record_id, merchant_id=merchant_id)
            if "platform" in STORE_DEFAULTS.get(target, ()):
                row.setdefault("platform", platform)
            elif entity_id is not None:
                row.setdefault("entity_id", entity_id)
            for column in EVENT_COLUMNS.get(target, ()):
                moment = _as_datetime(row.get(column))
                # a time after the run is an error the loader quarantines, not a completeness date
                if moment is not None and moment <= ctx.started_at and (latest is None or moment > latest):
                    latest = moment
            ctx.emit(target, row, record)
        if self.as_of is not None or latest is not None:
            ctx.as_of = self.as_of or latest


@dataclass(frozen=True)
class ImportParams:
    file: Annotated[
        Path, typer.Argument(help="CSV, JSON or NDJSON file to load.", exists=True, dir_okay=False)
    ]
    mapping: Annotated[
        Path,
        typer.Option(
            help="TOML or YAML mapping: target table, columns, date formats, time zone, value maps "
            "(examples in data/mappings/).",
            exists=True,
            dir_okay=False,
        ),
    ]
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The day the file was exported (YYYY-MM-DD, complete to its end, UTC): open complaints "
            "are censored there. Default: the latest time any record in the file carries.",
        ),
    ] = None


def build(params: ImportParams) -> FileImportSource:
    """Load complaints or penalties from a file through a declarative mapping; bad rows are quarantined."""
    try:
        day = date.fromisoformat(params.as_of) if params.as_of else None
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {params.as_of!r}", param_hint="--as-of") from exc
    complete_to = datetime.combine(day, time(23, 59, 59)) if day else None
    try:
        return FileImportSource(params.file, params.mapping, as_of=complete_to)
    except (MappingError, ValueError) as exc:
        raise SourceSetupError(f"bad mapping: {exc}") from exc


COMMAND = SourceCommand(name="import", params=ImportParams, build=build)
