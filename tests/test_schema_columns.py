"""The column catalogue (etl/columns.yml) against a fresh schema, the extracts and the import mappings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import duckdb
import pytest
import yaml

from etl.columns import describe, schema_table_docs, table_docs
from etl.exports.catalogue import DATASETS, Dataset
from etl.load import FACT_TABLES
from etl.mapping_reference import mappable_columns, mapping_reference_markdown
from etl.schema import prepare
from etl.settings import PROJECT_ROOT
from etl.sources import file_import
from etl.validation import ACCEPTED_VALUES
from etl.vocabularies import read_vocabularies

EXAMPLE_MAPPINGS = sorted((PROJECT_ROOT / "data" / "mappings").glob("*.*ml"))


@pytest.fixture(scope="module")
def schema():
    with duckdb.connect() as con:
        prepare(con)
        yield con


def schema_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def test_every_table_of_a_fresh_schema_is_documented_with_its_columns_in_order(schema):
    made, documented = schema_columns(schema), schema_table_docs()
    assert sorted(documented) == sorted(made), "document every schema table, and only those"
    for table, columns in made.items():
        listed = list(documented[table].columns)
        missing = [c for c in columns if c not in listed]
        extra = [c for c in listed if c not in columns]
        assert not missing and not extra, f"{table}: undocumented {missing}, documented but absent {extra}"
        assert listed == columns, f"{table}: document the columns in the table's order"


def tables_read_by(dataset: Dataset) -> set[str]:
    joins = " ".join([*dataset.lookups.values(), dataset.tier_join or ""])
    query = f"SELECT 1 FROM {dataset.from_sql} {joins}"  # noqa: S608 (only parsed, never run)
    return duckdb.get_table_names(query) | set(dataset.requires)


def test_every_table_an_extract_reads_or_a_source_fills_is_documented():
    read = set().union(*(tables_read_by(d) for d in DATASETS.values()))
    assert {"complaints", "penalties", "merchants", "sources", "merchant_tiers"} <= read  # the parse works
    undocumented = (read | set(FACT_TABLES) | set(file_import.TARGET_TABLES.values())) - set(table_docs())
    assert not undocumented, f"document {sorted(undocumented)} in etl/columns.yml"


def aliases(dataset: Dataset) -> dict[str, str]:
    """alias -> table of the dataset's FROM and JOIN clauses."""
    table, alias = dataset.from_sql.split()[:2]
    joins = " ".join([*dataset.lookups.values(), dataset.tier_join or ""])
    return {alias: table, **{a: t for t, a in re.findall(r"JOIN (\w+) (\w+) ON", joins)}}


@pytest.mark.parametrize("name", ["complaints", "penalties"])
def test_the_fact_extracts_take_their_descriptions_from_the_catalogue(name):
    dataset = DATASETS[name]
    tables = aliases(dataset)
    for column in dataset.columns:
        alias, table_column = column.sql.split(".")
        assert (column.en, column.zh) == describe(tables[alias], table_column), column.name


def test_a_fixed_vocabulary_is_named_in_its_column_description():
    for table, columns in ACCEPTED_VALUES.items():
        for column, accepted in columns.items():
            if isinstance(accepted, tuple):
                en, zh = describe(table, column)
                assert all(value in en and value in zh for value in accepted), f"{table}.{column}"


def test_the_mapping_reference_lists_the_values_the_loader_accepts(schema):
    doc = mapping_reference_markdown()
    vocabularies = read_vocabularies()
    for table, columns in ACCEPTED_VALUES.items():
        for column, accepted in columns.items():
            if isinstance(accepted, str):
                terms = vocabularies[accepted].terms
                assert len(terms) >= 5, accepted
                for term in terms:  # each code with both labels, on its own row
                    assert f"| `{term.code}` | {term.label_en} | {term.label_zh} |" in doc, term
                stored = {r[0] for r in schema.execute(f"SELECT {column} FROM {accepted}").fetchall()}  # noqa: S608
                assert stored == {t.code for t in terms}, f"{accepted}: the loaded codes are the listed ones"
            else:
                assert all(f"`{value}`" in doc for value in accepted), f"{table}.{column}"


def test_the_mapping_reference_has_a_section_for_every_target_with_every_mappable_column(schema):
    doc = mapping_reference_markdown()
    sections = doc.split("\n## ")
    assert set(file_import.TARGET_TABLES) == {"complaints", "penalties", "stores", "volumes", "entities"}
    for target, table in file_import.TARGET_TABLES.items():
        [section] = [s for s in sections if s.startswith(f"target: {target}\n")]
        assert f"Loads table `{table}`." in section
        columns = mappable_columns(schema, target)
        assert columns, target
        for column in columns:
            required = "required" if column.required else "optional"
            assert f"| `{column.name}` | {column.type} | {required}" in section, f"{target}.{column.name}"
    for key in ("name", "platform_column", "platform", "store_id", "entity", "registration_number"):
        assert f"| `{key}` |" in doc, f"store: {key}"


READERS = {
    "TIMESTAMP": file_import.TIMESTAMP_COLUMNS,
    "DATE": file_import.DATE_COLUMNS | file_import.MONTH_COLUMNS,
    "DECIMAL(18,2)": file_import.DECIMAL_COLUMNS,
    "DOUBLE": file_import.DOUBLE_COLUMNS,
    "INTEGER": file_import.INTEGER_COLUMNS,
    "BIGINT": file_import.BIGINT_COLUMNS,
    "BOOLEAN": file_import.BOOLEAN_COLUMNS,
}


def test_the_import_reads_each_mappable_column_as_its_schema_type(schema):
    mappable = {c.name: c.type for t in file_import.TARGET_TABLES for c in mappable_columns(schema, t)}
    for name, data_type in mappable.items():
        readers = [t for t, columns in READERS.items() if name in columns]
        assert readers == ([data_type] if data_type in READERS else []), name
    for data_type, columns in READERS.items():
        assert columns <= set(mappable), f"{data_type} reader names columns no mapping may set"


def load(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)


@pytest.mark.parametrize("path", EXAMPLE_MAPPINGS, ids=lambda p: p.name)
def test_the_example_mappings_set_only_mappable_columns_and_every_required_one(schema, path):
    mapping = load(path)
    columns = mappable_columns(schema, mapping["target"])
    named = {*mapping["columns"], *mapping.get("constants", {}), *mapping.get("defaults", {})}
    assert named <= {c.name for c in columns}
    assert {c.name for c in columns if c.required} <= named
