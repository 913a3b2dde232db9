"""The column catalogue (etl/columns.yml): every warehouse table's grain, purpose and column descriptions.

It covers the metric tables (built by etl/sql/metrics/) and the schema's tables (etl/sql/schema/:
sources, stores, entities, facts, reference scales, the ETL's own records). It is the one place
columns are documented: docs/metric_tables.md, docs/mapping_reference.md and the extracts' data
dictionary are generated from it, and tests check it against the tables a build and a fresh schema
make.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).parent / "columns.yml"
# libyaml's loader when the wheel has it: the catalogue is read when the extracts' catalogue is
# imported (dashboard start, `storewatch export`), and the pure-Python loader took 60 ms of that.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Description = tuple[str, str]  # (English, 中文)


@dataclass(frozen=True)
class TableDoc:
    name: str
    grain: str
    about: str
    columns: dict[str, Description]  # in the table's column order


def _description(where: str, value: object) -> Description:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
        raise ValueError(f"{CATALOGUE.name}: {where} needs [English, 中文], got {value!r}")
    return value[0], value[1]


def _tables(section: dict, shared: dict[str, Description]) -> dict[str, TableDoc]:
    tables: dict[str, TableDoc] = {}
    for table, spec in section.items():
        columns: dict[str, Description] = {}
        for column, value in spec["columns"].items():
            if value is None and column not in shared:
                raise ValueError(f"{CATALOGUE.name}: {table}.{column} has no description and none is shared")
            columns[column] = shared[column] if value is None else _description(f"{table}.{column}", value)
        tables[table] = TableDoc(name=table, grain=spec["grain"], about=spec["about"], columns=columns)
    return tables


@functools.cache
def _catalogue() -> tuple[dict[str, TableDoc], dict[str, TableDoc]]:
    raw = yaml.load(CATALOGUE.read_text(encoding="utf-8"), Loader=_LOADER)
    shared = {
        name: _description(f"shared column {name}", value) for name, value in raw["shared_columns"].items()
    }
    metric, schema = _tables(raw["metric_tables"], shared), _tables(raw["schema_tables"], shared)
    both = sorted(set(metric) & set(schema))
    if both:
        raise ValueError(f"{CATALOGUE.name}: {', '.join(both)} documented as both metric and schema tables")
    return metric, schema


def metric_table_docs() -> dict[str, TableDoc]:
    """Every documented metric table, by name, in catalogue order."""
    return _catalogue()[0]


def schema_table_docs() -> dict[str, TableDoc]:
    """Every documented table of the schema (etl/sql/schema/), by name, in catalogue order."""
    return _catalogue()[1]


def table_docs() -> dict[str, TableDoc]:
    """Every documented table, metric or schema, by name."""
    metric, schema = _catalogue()
    return {**schema, **metric}


def describe(table: str, column: str) -> Description:
    """(English, 中文) of one documented column; KeyError names what is undocumented."""
    columns = table_docs()[table].columns
    if column not in columns:
        raise KeyError(f"{table}.{column} is not in {CATALOGUE.name}")
    return columns[column]


def column_docs(*tables: str) -> dict[str, Description]:
    """Column name -> (English, 中文) over the named tables; a name must mean one thing in them."""
    docs: dict[str, Description] = {}
    catalogue = table_docs()
    for table in tables:
        for column, description in catalogue[table].columns.items():
            if docs.setdefault(column, description) != description:
                raise ValueError(f"column {column} is described differently in {', '.join(tables)}")
    return docs
