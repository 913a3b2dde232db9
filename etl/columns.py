"""The column catalogue (etl/columns.yml): every metric table's grain, purpose and column descriptions.

It is the one place columns are documented; docs/metric_tables.md and the extracts' data
dictionary are generated from it, and a test checks it against the tables a build makes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).parent / "columns.yml"

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


@functools.cache
def metric_table_docs() -> dict[str, TableDoc]:
    """Every documented metric table, by name, in catalogue order."""
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    shared = {
        name: _description(f"shared column {name}", value) for name, value in raw["shared_columns"].items()
    }
    tables: dict[str, TableDoc] = {}
    for table, spec in raw["tables"].items():
        columns: dict[str, Description] = {}
        for column, value in spec["columns"].items():
            if value is None and column not in shared:
                raise ValueError(f"{CATALOGUE.name}: {table}.{column} has no description and none is shared")
            columns[column] = shared[column] if value is None else _description(f"{table}.{column}", value)
        tables[table] = TableDoc(name=table, grain=spec["grain"], about=spec["about"], columns=columns)
    return tables


def column_docs(*tables: str) -> dict[str, Description]:
    """Column name -> (English, 中文) over the named metric tables; a name must mean one thing in them."""
    docs: dict[str, Description] = {}
    catalogue = metric_table_docs()
    for table in tables:
        for column, description in catalogue[table].columns.items():
            if docs.setdefault(column, description) != description:
                raise ValueError(f"column {column} is described differently in {', '.join(tables)}")
    return docs
