"""Generated documentation: docs/mapping_reference.md, everything a mapping may say.

Every fact in it is read from where the code keeps it: the import targets and their tables from
etl/sources/file_import.py, the columns, their types and NOT NULL from a fresh schema, their
descriptions from the column catalogue (etl/columns.yml), how a source text is read from
file_import.py, the fixed value lists from etl/validation.py and the vocabularies, with their codes
and labels, from data/reference/vocabularies.yml. `./storewatch docs` writes it beside
docs/metric_tables.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.columns import describe
from etl.load import ID_COLUMNS
from etl.schema import prepare
from etl.settings import PROJECT_ROOT
from etl.sources import file_import as fi
from etl.text import NAME_MAX_CHARS
from etl.validation import ACCEPTED_VALUES
from etl.vocabularies import VOCABULARIES_FILE, Vocabulary, read_vocabularies

MAPPING_REFERENCE_DOC = PROJECT_ROOT / "docs" / "mapping_reference.md"
# Columns the import fills from the mapping's `store:` block or derives, per table (beyond ids and
# provenance, fi.FILLED_BY_IMPORT): a mapping's `columns` do not set them.
FILLED_FROM_STORE = {
    "merchants": ("name", "name_normalised", "platform", "entity_id", "listed_in_register"),
    "entities": ("name_normalised",),
}
# The `store:` block: how a record names its store (the same for every target).
STORE_KEYS = (
    ("name", "required", "the source column holding the store's name"),
    ("platform_column", "one of the two", "the source column holding the platform (淘宝, Taobao, ...)"),
    ("platform", "one of the two", "the platform, when the whole file is about one"),
    ("store_id", "optional", "the source column holding the platform's own store id"),
    ("entity", "optional", "the source column holding the legal entity (company) behind the store"),
    ("registration_number", "optional", "the source column holding the entity's registration number"),
)


@dataclass(frozen=True)
class MappableColumn:
    name: str
    type: str
    required: bool
    default: str | None  # where the value comes from when the mapping does not set it
    accepted: tuple[str, ...] | str | None  # values, or the reference table holding them


def _fresh_schema() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    prepare(con)
    return con


def target_table(target: str) -> str:
    """The warehouse table an import target loads."""
    return fi.TARGET_TABLES[target]


def mappable_columns(con: duckdb.DuckDBPyConnection, target: str) -> list[MappableColumn]:
    """The columns a mapping for `target` may set, in table order."""
    table = target_table(target)
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    filled = {*fi.FILLED_BY_IMPORT, ID_COLUMNS[table], *FILLED_FROM_STORE.get(table, ())}
    twins = {twin: mapped for mapped, twin in fi.RAW_TWINS.items()}
    columns = []
    for name, data_type, nullable in rows:
        if name in filled:
            continue
        default = None
        if name in fi.STORE_DEFAULTS.get(target, ()):
            default = f"the store's {name}"
        elif name in twins and table in ("complaints", "penalties"):
            default = f"the source text mapped to `{twins[name]}`"
        accepted = ACCEPTED_VALUES.get(table, {}).get(name)
        required = nullable == "NO" and default is None
        columns.append(MappableColumn(name, data_type, required, default, accepted))
    return columns


def _codes(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|")


def _how_read() -> list[str]:
    nulls = ", ".join(f'`"{v}"`' for v in fi.DEFAULT_NULLS)
    formats = ", ".join(f"`{f}`" for f in fi.DEFAULT_DATE_FORMATS)
    return [
        "",
        "## How a source text becomes a value",
        "",
        f"- {_codes(sorted(fi.TIMESTAMP_COLUMNS))}: a date and time in one of the mapping's `date_formats` "
        f"(default {formats}), in its `timezone` (default `{fi.DEFAULT_TIMEZONE}`), stored in UTC.",
        f"- {_codes(sorted(fi.DATE_COLUMNS))}: a date in one of the mapping's `date_formats`.",
        f"- {_codes(sorted(fi.DECIMAL_COLUMNS))}: an amount; thousands commas and `¥`, `$`, `元` are "
        "ignored; rounded to cents.",
        f"- {_codes(sorted(fi.INTEGER_COLUMNS))}: a whole number; thousands commas are ignored.",
        f"- {_codes(sorted(fi.BOOLEAN_COLUMNS))}: yes ({_codes(sorted(fi.YES_WORDS))}) or no "
        f"({_codes(sorted(fi.NO_WORDS))}), in any case.",
        "- a column with a vocabulary (below): one of its codes, directly or through `values`, `keywords` "
        "or `defaults`.",
        "- every other column: the text as it is.",
        "",
        f"A text in the mapping's `null_values` (default {nulls}) is no value. A value map (`values`) "
        "turns the source's words into codes; a `*` entry maps every other word; then the first "
        "`keywords` entry found in the text decides; then the column's `defaults` entry. A word none of "
        "them maps becomes `other` in an **open** vocabulary (counted in the run summary as "
        "`complaints.category: 12 values mapped to other (…)`, the word kept in the column named "
        "below) and sends the record to quarantine in a **closed** one, naming the valid codes.",
        "",
        "The source's own word is kept beside the code: "
        + ", ".join(f"`{mapped}` in `{twin}`" for mapped, twin in fi.RAW_TWINS.items())
        + " (unless the mapping sets that column itself).",
    ]


def _mapping_keys() -> list[str]:
    lines = [
        "",
        "## The mapping file",
        "",
        "| key | what it says |",
        "| --- | --- |",
        "| `source` | `id`, `name`, `publisher` (required); `homepage`, `licence`, `is_synthetic`, "
        "`description`: who publishes the file, shown with every figure |",
        f"| `target` | what the file holds: {_codes(list(fi.TARGET_TABLES))} (one section below each) |",
        "| `record_id` | the source column (or list of columns) identifying a record; `*` for files "
        "without one (the whole row is its identity) |",
        "| `store` | how a record names its store (next section) |",
        "| `columns` | target column = source column |",
        "| `constants` | target column = a value for every record |",
        "| `defaults` | target column = the value when the source cell is empty, or a word nothing maps |",
        "| `values` | target column = {source word: code}; `*` maps every other word |",
        "| `keywords` | target column = {text found in the source cell: code}; the first found decides |",
        "| `encoding` | `auto` (UTF-8, UTF-8 with BOM or GB18030; default), or a Python codec name |",
        "| `format` | `csv`, `json` or `ndjson` (default: from the file name) |",
        "| `csv` | `delimiter`, `skip_lines`, `header_starts_with` (skip console noise before the header) |",
        "| `timezone`, `date_formats`, `null_values` | how texts are read (previous section) |",
        "",
        "### The `store:` block",
        "",
        "| key | | what it names |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{key}` | {need} | {what} |" for key, need, what in STORE_KEYS]
    return lines


def _accepted_cell(table: str, column: MappableColumn, vocabularies: dict[str, Vocabulary]) -> str:
    if isinstance(column.accepted, str):
        openness = "open" if vocabularies[column.accepted].open else "closed"
        return f"[`{column.accepted}`](#{column.accepted}) ({openness})"
    return f"{_codes(column.accepted)} (closed)" if column.accepted else ""


def _target(con: duckdb.DuckDBPyConnection, target: str, vocabularies: dict[str, Vocabulary]) -> list[str]:
    table = target_table(target)
    lines = [
        "",
        f"## target: {target}",
        "",
        f"Loads table `{table}`.",
        "",
        "| column | type | required | description | 说明 | accepted values |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for column in mappable_columns(con, target):
        en, zh = describe(table, column.name)
        if column.required:
            required = "required"
        elif column.default:
            required = f"optional (default: {column.default})"
        else:
            required = "optional"
        accepted = _accepted_cell(table, column, vocabularies)
        lines.append(
            f"| `{column.name}` | {column.type} | {required} | {_cell(en)} | {_cell(zh)} | {accepted} |"
        )
    filled = [
        c
        for c in (ID_COLUMNS[table], *FILLED_FROM_STORE.get(table, ()), *fi.FILLED_BY_IMPORT)
        if _has_column(con, table, c)
    ]
    lines += ["", f"Filled by the import, not by a mapping's columns: {_codes(list(dict.fromkeys(filled)))}."]
    return lines


def _vocabulary(vocabulary: Vocabulary) -> list[str]:
    extras = list(dict.fromkeys(k for t in vocabulary.terms for k in t.extra))
    rule = (
        "open: a word no mapping maps becomes `other`"
        if vocabulary.open
        else "closed: a word no mapping maps sends the record to quarantine"
    )
    lines = [
        "",
        f'<a id="{vocabulary.table}"></a>',
        f"### {vocabulary.table}: `{vocabulary.column}` ({rule})",
        "",
        "| code | label | 名称 |" + "".join(f" {e} |" for e in extras),
        "| --- | --- | --- |" + " --- |" * len(extras),
    ]
    for term in vocabulary.terms:
        cells = "".join(f" {_cell(term.extra.get(e, ''))} |" for e in extras)
        lines.append(f"| `{term.code}` | {_cell(term.label_en)} | {_cell(term.label_zh)} |{cells}")
    return lines


def _vocabularies(vocabularies: dict[str, Vocabulary]) -> list[str]:
    where = VOCABULARIES_FILE.relative_to(PROJECT_ROOT)
    lines = [
        "",
        "## Vocabularies",
        "",
        f"Loaded from [`{where}`](../{where}) into their reference tables at every run: to add a "
        "code (a new violation type, a category a source needs), add it there; an existing warehouse "
        "takes it on its next run. Codes are never deleted by a run (stored rows may use them).",
    ]
    for vocabulary in vocabularies.values():
        lines += _vocabulary(vocabulary)
    lines += [
        "",
        "### Fixed lists (closed; the metrics depend on each value, so adding one is a code change)",
        "",
        "| column | values |",
        "| --- | --- |",
    ]
    for table, columns in ACCEPTED_VALUES.items():
        for column, accepted in columns.items():
            if isinstance(accepted, tuple):
                lines.append(f"| `{table}.{column}` | {_codes(accepted)} |")
    return lines


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
            [table, column],
        ).fetchone()[0]
    )


INTRO = """\
# Import mapping reference: what a mapping may say

<!-- Generated by `./storewatch docs` from a fresh schema (etl/sql/schema/), etl/columns.yml,
etl/sources/file_import.py, etl/validation.py and data/reference/vocabularies.yml; edit those, not
this file (a test fails when this file is stale). -->

`./storewatch etl import FILE --mapping MAPPING` loads a CSV, JSON or NDJSON file into one target
table through a TOML or YAML mapping; worked examples are in [`data/mappings/`](../data/mappings/).
`./storewatch etl import FILE --mapping MAPPING --check` first compares the mapping with the file's
header and its first rows, writing nothing: it names each source column the file lacks, each word no
value map covers, each target column that does not exist, and each unreadable date, with the closest
valid names. A required column needs a value in every row (from a source column, a constant or a
default): a row without one, or with a value not accepted, is quarantined with the reason, and the
import prints the reasons (`./storewatch etl quarantine` lists the records). A store or company name
longer than {name_max} characters (as given, or once normalised for search) is quarantined too, with
the records that name it.
"""


def mapping_reference_markdown() -> str:
    vocabularies = read_vocabularies()
    with _fresh_schema() as con:
        lines = [INTRO.format(name_max=NAME_MAX_CHARS), *_mapping_keys(), *_how_read()]
        for target in fi.TARGET_TABLES:
            lines += _target(con, target, vocabularies)
    lines += _vocabularies(vocabularies)
    return "\n".join(lines) + "\n"
