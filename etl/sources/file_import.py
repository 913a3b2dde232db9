"""File import: CSV, JSON or NDJSON records mapped by a declarative TOML/YAML file into one target:
complaints, penalties, stores (a store register), volumes (store x month) or entities.

A mapping names the target, the record id, the store (and optionally its legal entity), and
for each target column where its value comes from: a source column, a constant, a value map, or
keywords found in the text. Dates are parsed with the mapping's formats in its time zone and
stored in UTC. Rows that do not fit go to quarantine with the column and the reason. Stores and
entities are identified as docs/linking.md says (etl/sources/file_identity.py), whichever mapping
names them. See data/mappings/README.md (worked examples) and docs/mapping_reference.md (every target, column
and vocabulary a mapping may name).
"""

from __future__ import annotations

import tomllib
from collections import Counter
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
from etl.sources.file_identity import EntityRef, StoreRef, entity_ref, parse_month, store_ref, volume_id
from etl.text import fix_surrogates, normalise_store_name
from etl.validation import ACCEPTED_VALUES
from etl.vocabularies import OTHER, vocabulary_of

# The warehouse table each import target loads (docs/mapping_reference.md documents every one).
TARGET_TABLES = {
    "complaints": "complaints",
    "penalties": "penalties",
    "stores": "merchants",
    "volumes": "merchant_volume",
    "entities": "entities",
}
TARGETS = tuple(TARGET_TABLES)
TIMESTAMP_COLUMNS = {"filed_at", "forwarded_at", "first_response_at", "closed_at"}
DATE_COLUMNS = {"decided_at", "opened_on", "closed_on"}
MONTH_COLUMNS = {"period"}  # a month (file_identity.parse_month), stored as its first day
DECIMAL_COLUMNS = {"amount_claimed", "fine_amount"}
INTEGER_COLUMNS = {"points", "duration_days", "narrative_masked_items"}
# read as amounts / whole numbers like the two above, stored as DOUBLE / BIGINT
DOUBLE_COLUMNS = {"size_measure", "gmv"}
BIGINT_COLUMNS = {"orders"}
BOOLEAN_COLUMNS = {"timely_response", "consumer_disputed", "platform_intervened"}
YES_WORDS = {"true", "yes", "y", "1", "是", "有"}
NO_WORDS = {"false", "no", "n", "0", "否", "无"}
# Kept automatically next to a mapped column, so the source's own wording is never lost (unless the
# mapping fills the twin itself): above all where an open vocabulary turned it into `other`.
RAW_TWINS = {"status": "source_status", "violation_type": "violation_raw", "category": "issue"}
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
    "name_normalised",
    "platform_store_id",
    "listed_in_register",
)
# Ids, provenance and run columns: the loader's alone. A mapping that sets one is refused, so no
# file can rewrite another source's record (issue 18).
PROTECTED_COLUMNS = (
    "complaint_id",
    "penalty_id",
    "merchant_id",
    "entity_id",
    "volume_id",
    "source_id",
    "source_record_id",
    "fetched_at",
    "raw_hash",
    "run_id",
)
_MAPPED_SECTIONS = ("columns", "constants", "defaults", "values", "keywords")
# Taken from the record's store when the mapping does not set them.
STORE_DEFAULTS = {"complaints": ("platform",), "stores": ("name", "platform")}
DEFAULT_NULLS = ["", "None", "NULL", "null", "N/A", "NA", "-"]
DEFAULT_DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
DEFAULT_TIMEZONE = "UTC"
# Column storage bounds: DECIMAL(18, 2) and INTEGER. Values beyond them would abort the whole load.
_MAX_DECIMAL = Decimal(10) ** 16
_MAX_INTEGER = 2**31 - 1
_CENTS = Decimal("0.01")
# A mapping is a page of settings; far larger files are mistakes or attacks, refused before parsing.
MAX_MAPPING_BYTES = 1_000_000
_UNDECODABLE = "\ufffd"  # what the decoder puts for bytes it cannot read, and JSON for lone surrogates


class MappingError(ValueError):
    """A mapping file that cannot be used (unknown target, missing sections)."""


def load_mapping(path: Path) -> dict[str, Any]:
    """Read a TOML or YAML mapping, check its required parts, and refuse it at its first problem
    (etl/mapping_check.py: an unknown target column, a code outside its vocabulary)."""
    mapping = read_mapping(path)
    # imported here: mapping_check reads this module's tables
    from etl.mapping_check import mapping_problems

    problems = mapping_problems(mapping)
    if problems:  # one line, before any row is read
        raise MappingError(f"{path}: {problems[0]}")
    return mapping


class _MappingYamlLoader(yaml.SafeLoader):
    """YAML without aliases: a mapping never needs one, and a 500-byte file of nested aliases
    ("billion laughs") expanded to 4.2 GB before failing (issue 18)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"alias *{event.anchor} found: a mapping may not use YAML aliases",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _parse_mapping(path: Path) -> Any:
    """The mapping file's content; any problem reading or parsing it is one MappingError line."""
    try:
        if path.stat().st_size > MAX_MAPPING_BYTES:
            raise MappingError(f"{path}: larger than {MAX_MAPPING_BYTES:,} bytes: not a mapping")
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".toml":
            return tomllib.loads(text)
        return yaml.load(text, Loader=_MappingYamlLoader)  # a SafeLoader that refuses aliases
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from exc


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


def read_mapping(path: Path) -> dict[str, Any]:
    """Read a TOML or YAML mapping and check its required parts."""
    path = Path(path)
    mapping = _parse_mapping(path)
    if not isinstance(mapping, dict):
        raise MappingError(f"{path}: a mapping must be a table/dictionary")
    if mapping.get("target") not in TARGETS:
        raise MappingError(f"{path}: target must be one of {TARGETS}, not {mapping.get('target')!r}")
    needed = ("source", "record_id", "columns") + (() if mapping["target"] == "entities" else ("store",))
    for key in needed:
        if key not in mapping:
            raise MappingError(f"{path}: missing '{key}'")
    for key in ("id", "name", "publisher"):
        if key not in mapping["source"]:
            raise MappingError(f"{path}: source.{key} is required")
    _refuse_protected_columns(path, mapping)
    if mapping["target"] == "entities" and "parent" in mapping["columns"]:
        mapping["columns"]["parent_name"] = mapping["columns"].pop("parent")
    return mapping


def _refuse_protected_columns(path: Path, mapping: dict[str, Any]) -> None:
    for section in _MAPPED_SECTIONS:
        for column in mapping.get(section) or {}:
            if column in PROTECTED_COLUMNS:
                raise MappingError(
                    f"{path}: {section}.{column}: {column} is filled by the loader (ids, provenance and "
                    "run columns are never set by a mapping)"
                )


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
        self.table = TARGET_TABLES.get(self.target, self.target)
        self.accepted = accepted_codes(self.table)
        # per `table.column`, the source texts that became `other` (no mapping entry for them); an
        # import points this at its run context's, so the run summary reports them
        self.mapped_to_other: dict[str, Counter[str]] = {}

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

    def store(self, record: dict) -> StoreRef:
        """The store a record names (`store:` name, platform or platform_column, store_id)."""
        spec = self.mapping["store"]
        name_column = spec.get("name") or (spec["key"] if isinstance(spec.get("key"), str) else None)
        platform = self.cell(record, spec["platform_column"]) if "platform_column" in spec else None
        return store_ref(
            self._spec_cell(record, name_column),
            platform or spec.get("platform"),
            self._spec_cell(record, spec.get("store_id")),
        )

    def entity(self, record: dict) -> EntityRef | None:
        """The legal entity a record's store block names (`entity`, `registration_number`), if any."""
        spec = self.mapping.get("store") or {}
        return entity_ref(
            self._spec_cell(record, spec.get("entity")),
            self._spec_cell(record, spec.get("registration_number")),
        )

    def _spec_cell(self, record: dict, column: str | None) -> str | None:
        return self.cell(record, column) if column else None

    def value(self, record: dict, target: str, others: list[tuple[str, str]] | None = None) -> Any:
        """The converted value of one target column, or None.

        A text no value map, keyword or default maps lands as `other` in an open vocabulary (and is
        appended to `others` as (target, text)); in a closed one it rejects the record.
        """
        if target in self.constants:
            return self.constants[target]
        column = self.columns.get(target)
        text = self.cell(record, column) if column else None
        if text is None:
            return self.defaults.get(target)
        if target in self.values or target in self.keywords:
            table = self.values.get(target, {})
            explicit = table.get(text)
            if explicit is None and "*" not in table:
                explicit = self._keyword(target, text)
            if explicit is not None:
                return explicit
            mapped = table.get("*") or self.defaults.get(target) or self._unmapped(target, text, column)
            if mapped == OTHER and others is not None:
                others.append((target, text))
            return mapped
        if target in self.accepted:
            if text in self.accepted[target][0]:
                return text
            code = self._unmapped(target, text, column)
            if others is not None:
                others.append((target, text))
            return code
        return self.convert(target, text, column)

    def _unmapped(self, target: str, text: str, column: str | None) -> str:
        """`other` for a text nothing maps, where the target's vocabulary is open; else a rejection."""
        codes, is_open = self.accepted.get(target, ((), False))
        if is_open:
            return OTHER
        valid = f": map it under values.{target} to one of {', '.join(codes)}" if codes else ""
        raise RecordRejectedError(f"unmapped value {text!r} in column {column!r}{valid}", target)

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
        if target in DECIMAL_COLUMNS or target in DOUBLE_COLUMNS:
            cleaned = text.replace(",", "").replace("¥", "").replace("$", "").replace("元", "").strip()
            try:
                amount = Decimal(cleaned)
            except InvalidOperation as exc:
                raise RecordRejectedError(f"not an amount: {text!r} in column {where}", target) from exc
            if not amount.is_finite() or abs(amount) >= _MAX_DECIMAL:
                raise RecordRejectedError(f"amount out of range: {text!r} in column {where}", target)
            # to the stored scale now: Arrow cannot stage a decimal like 1e-308 (precision 321)
            cents = amount.quantize(_CENTS, rounding=ROUND_HALF_EVEN)
            return float(cents) if target in DOUBLE_COLUMNS else cents
        if target in INTEGER_COLUMNS or target in BIGINT_COLUMNS:
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
        others: list[tuple[str, str]] = []
        row = {target: self.value(record, target, others) for target in targets}
        for mapped, twin in RAW_TWINS.items():
            # only a vocabulary column has a twin: a store register's category is its own text
            enumerated = mapped in ACCEPTED_VALUES.get(self.table, {})
            if enumerated and twin not in row and mapped in self.columns:
                row[twin] = self.cell(record, self.columns[mapped])
        # counted once the whole row is mapped: a record rejected for another column is not
        for target, text in others:
            self.mapped_to_other.setdefault(f"{self.table}.{target}", Counter())[text] += 1
        return row


def accepted_codes(table: str) -> dict[str, tuple[tuple[str, ...], bool]]:
    """Per enumerated column of `table`: (the codes it accepts, whether its vocabulary is open)."""
    accepted: dict[str, tuple[tuple[str, ...], bool]] = {}
    for column, values in ACCEPTED_VALUES.get(table, {}).items():
        if isinstance(values, tuple):
            accepted[column] = (values, False)  # listed in etl/validation.py: always closed
            continue
        vocabulary = vocabulary_of(table, column)
        if vocabulary is not None:
            accepted[column] = (vocabulary.codes, vocabulary.open)
    return accepted


# The times a record carries; the latest of them in a file is how far the file is known complete.
EVENT_COLUMNS = {
    "complaints": ("filed_at", "first_response_at", "closed_at"),
    "penalties": ("decided_at",),
    "stores": ("opened_on", "closed_on"),
    "volumes": ("period",),
}


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
        table = TARGET_TABLES[target]
        task = ctx.progress.task(f"{self.meta.source_id}: {self.path.name}")
        self.mapper.mapped_to_other = ctx.mapped_to_other
        latest: datetime | None = None
        for record in self.records():
            task.advance()
            record_id = None
            if isinstance(record, UnreadableRecord):
                ctx.reject(table, None, record.reason, record.raw)
                continue
            if not isinstance(record, dict):
                ctx.reject(table, None, "record is not an object", record)
                continue
            try:
                record_id = self.mapper.record_id(record)
                row = self.target_row(ctx, record)
            except RecordRejectedError as exc:
                ctx.reject(table, record_id, exc.reason, record, exc.column)
                continue
            row["source_record_id"] = record_id
            for column in EVENT_COLUMNS.get(target, ()):
                moment = _as_datetime(row.get(column))
                # a time after the run is an error the loader quarantines, not a completeness date
                if moment is not None and moment <= ctx.started_at and (latest is None or moment > latest):
                    latest = moment
            ctx.emit(table, row, record)
        if self.as_of is not None or latest is not None:
            ctx.as_of = self.as_of or latest

    def target_row(self, ctx: RunContext, record: dict) -> dict[str, Any]:
        """The target table's row for a record; stores and entities it mentions are staged on the way."""
        target = self.mapper.target
        if target == "entities":
            return self.entity_row(record)
        store = self.mapper.store(record)
        entity = self.mapper.entity(record)
        row = self.mapper.row(record)
        if entity is not None:
            ctx.emit_once("entities", *entity.mention())
        if target == "stores":
            entity_id = entity.entity_id if entity else None
            return {**row, **store.columns(), "entity_id": entity_id, "listed_in_register": True}
        ctx.emit_once("merchants", *store.mention(entity))
        row["merchant_id"] = store.merchant_id
        if target == "volumes":
            period = row.get("period")
            row["period"] = parse_month(str(period), self.mapper.columns.get("period")) if period else None
            if row["period"] is None:
                raise RecordRejectedError("period missing", "period")
            row["volume_id"] = volume_id(store.merchant_id, row["period"])
        elif "platform" in STORE_DEFAULTS.get(target, ()):
            row.setdefault("platform", store.platform)
        elif entity is not None:
            row.setdefault("entity_id", entity.entity_id)
        return row

    def entity_row(self, record: dict) -> dict[str, Any]:
        """An entities register's row: its id from its registration number, else its name."""
        row = self.mapper.row(record)
        entity = entity_ref(row.get("name"), row.get("registration_number"))
        if entity is None:
            raise RecordRejectedError("entity name missing", "name")
        return {
            **row,
            "entity_id": entity.entity_id,
            "name": entity.name,
            "name_normalised": normalise_store_name(entity.name),
            "listed_in_register": True,
        }


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
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only check the mapping against the file's header and first rows (--sample); write "
            "nothing; exit 0 when it fits, 1 otherwise.",
        ),
    ] = False
    sample: Annotated[int, typer.Option(min=1, help="Rows --check reads from the start of the file.")] = 1000


def build(params: ImportParams) -> FileImportSource:
    """Load complaints, penalties, a store register, monthly volumes or entities from a file through a
    declarative mapping; bad rows are quarantined. Stores link across files as docs/linking.md says."""
    try:
        day = date.fromisoformat(params.as_of) if params.as_of else None
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {params.as_of!r}", param_hint="--as-of") from exc
    complete_to = datetime.combine(day, time(23, 59, 59)) if day else None
    if params.check:
        check(params)
    try:
        return FileImportSource(params.file, params.mapping, as_of=complete_to)
    except (MappingError, ValueError) as exc:
        raise SourceSetupError(f"bad mapping: {exc}") from exc


def check(params: ImportParams) -> None:
    """--check: report how the mapping fits the file and exit (0 when it does, 1 otherwise)."""
    from etl.mapping_check import check_mapping, print_report

    try:
        mapping = read_mapping(params.mapping)
    except MappingError as exc:
        typer.echo(f"NOT OK: {exc}")
        raise typer.Exit(1) from exc
    report = check_mapping(params.file, mapping, params.sample)
    print_report(report)
    raise typer.Exit(0 if report.ok else 1)


COMMAND = SourceCommand(name="import", params=ImportParams, build=build)
