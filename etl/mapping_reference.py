"""Generated documentation: docs/mapping_reference.md, the columns an import mapping may set.

Every fact in it is read from where the code keeps it: the columns, their types and NOT NULL from a
fresh schema, their descriptions from the column catalogue (etl/columns.yml), how a source text is
read from etl/sources/file_import.py, and the accepted values from etl/validation.py and the
reference tables it names. `./storewatch docs` writes it beside docs/metric_tables.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.columns import describe
from etl.load import ID_COLUMNS
from etl.schema import migrate
from etl.settings import PROJECT_ROOT
from etl.sources import file_import as fi
from etl.validation import ACCEPTED_VALUES

MAPPING_REFERENCE_DOC = PROJECT_ROOT / "docs" / "mapping_reference.md"


@dataclass(frozen=True)
class MappableColumn:
    name: str
    type: str
    required: bool
    default: str | None  # where the value comes from when the mapping does not set it
    accepted: tuple[str, ...] | str | None  # values, or the reference table holding them


@dataclass(frozen=True)
class ReferenceValue:
    code: str
    label_en: str
    label_zh: str


def _fresh_schema() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    return con


def mappable_columns(con: duckdb.DuckDBPyConnection, target: str) -> list[MappableColumn]:
    """The target's columns a mapping may set, in table order (`target`: a mapping's target or its table)."""
    table = fi.TARGET_TABLES.get(target, target)
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    filled = {*fi.FILLED_BY_IMPORT, ID_COLUMNS[table]}
    twins = {twin: mapped for mapped, twin in fi.RAW_TWINS.items()}
    columns = []
    for name, data_type, nullable in rows:
        if name in filled:
            continue
        default = None
        if name in fi.STORE_DEFAULTS.get(target, ()):
            default = f"the store's {name}"
        elif name in twins:
            default = f"the source text mapped to `{twins[name]}`"
        accepted = ACCEPTED_VALUES.get(table, {}).get(name)
        required = nullable == "NO" and default is None
        columns.append(MappableColumn(name, data_type, required, default, accepted))
    return columns


def reference_values(con: duckdb.DuckDBPyConnection, table: str, key: str) -> list[ReferenceValue]:
    """A reference table's codes and labels, in the order the schema lists them."""
    # table and key come from etl/validation.py, never from a mapping
    rows = con.execute(f"SELECT {key}, label_en, label_zh FROM {table} ORDER BY rowid").fetchall()  # noqa: S608
    return [ReferenceValue(*row) for row in rows]


def _codes(values: list[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _how_read() -> list[str]:
    nulls = ", ".join(f'`"{v}"`' for v in fi.DEFAULT_NULLS)
    formats = ", ".join(f"`{f}`" for f in fi.DEFAULT_DATE_FORMATS)
    return [
        "How a source text becomes a value, by column:",
        "",
        f"- {_codes(sorted(fi.TIMESTAMP_COLUMNS))}: a date and time in one of the mapping's `date_formats` "
        f"(default {formats}), in its `timezone` (default `{fi.DEFAULT_TIMEZONE}`), stored in UTC.",
        f"- {_codes(sorted(fi.DATE_COLUMNS))}: a date in one of the mapping's `date_formats`.",
        f"- {_codes(sorted(fi.MONTH_COLUMNS))}: a month (2025-03, 2025/03, 2025年3月, 202503, or a date "
        "in it), stored as its first day.",
        f"- {_codes(sorted(fi.DECIMAL_COLUMNS | fi.DOUBLE_COLUMNS))}: an amount; thousands commas and "
        "`¥`, `$`, `元` are ignored; rounded to cents.",
        f"- {_codes(sorted(fi.INTEGER_COLUMNS | fi.BIGINT_COLUMNS))}: a whole number; thousands commas "
        "are ignored.",
        f"- {_codes(sorted(fi.BOOLEAN_COLUMNS))}: yes ({_codes(sorted(fi.YES_WORDS))}) or no "
        f"({_codes(sorted(fi.NO_WORDS))}), in any case.",
        "- every other column: the text as it is.",
        "",
        f"A text in the mapping's `null_values` (default {nulls}) is no value. A value map (`values`) "
        "turns the source's words into the accepted values; a value it does not map (and no `*` entry "
        "or keyword matches) sends the row to quarantine.",
    ]


def _table(con: duckdb.DuckDBPyConnection, target: str) -> list[str]:
    columns = mappable_columns(con, target)
    table = fi.TARGET_TABLES[target]
    lines = [
        "",
        f"## {target}" + (f" (table `{table}`)" if table != target else ""),
        "",
        "| column | type | required | description | 说明 | accepted values |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for column in columns:
        en, zh = describe(table, column.name)
        if column.required:
            required = "required"
        elif column.default:
            required = f"optional (default: {column.default})"
        else:
            required = "optional"
        if isinstance(column.accepted, str):
            accepted = f"[`{column.accepted}`](#{table}-{column.name})"
        else:
            accepted = _codes(list(column.accepted)) if column.accepted else ""
        lines.append(
            f"| `{column.name}` | {column.type} | {required} | {_cell(en)} | {_cell(zh)} | {accepted} |"
        )
    filled = list(dict.fromkeys([ID_COLUMNS[table], *fi.FILLED_BY_IMPORT]))
    filled = [c for c in filled if _has_column(con, table, c)]
    lines += ["", f"Filled by the import, not by a mapping: {_codes(filled)}."]
    for column in columns:
        if isinstance(column.accepted, str):
            lines += [
                "",
                f'<a id="{table}-{column.name}"></a>',
                f"### {table}.{column.name}: the codes of `{column.accepted}`",
                "",
                "| code | label | 名称 |",
                "| --- | --- | --- |",
            ]
            lines += [
                f"| `{v.code}` | {_cell(v.label_en)} | {_cell(v.label_zh)} |"
                for v in reference_values(con, column.accepted, column.name)
            ]
    return lines


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
            [table, column],
        ).fetchone()[0]
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


INTRO = """\
# Import mapping reference: the columns a mapping may set

<!-- Generated by `./storewatch docs` from a fresh schema (etl/sql/schema/), etl/columns.yml,
etl/sources/file_import.py and etl/validation.py; edit those, not this file (a test fails when
this file is stale). -->

`./storewatch etl import FILE --mapping MAPPING` loads a CSV, JSON or NDJSON file into one target
table through a TOML or YAML mapping; worked examples are in [`data/mappings/`](../data/mappings/).
The mapping names the record id (`record_id`) and the store (`store`: name, platform or
platform_column, optional store_id, legal entity and its registration number; identity rules in
[linking.md](linking.md)); under `columns`, `constants`, `defaults`, `values` and `keywords` it
names the target's columns below. A required column needs a value in every row (from a source
column, a constant or a default): a row without one, or with a value not accepted, is quarantined
with the reason.
"""


def mapping_reference_markdown() -> str:
    with _fresh_schema() as con:
        lines = [INTRO, *_how_read()]
        for target in fi.TARGETS:
            lines += _table(con, target)
    return "\n".join(lines) + "\n"
