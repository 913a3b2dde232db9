"""Generated documentation: docs/metric_tables.md from the column catalogue and the metric plan, and
docs/mapping_reference.md (etl/mapping_reference.py) from the catalogue, the schema and the import.

Regenerate with `./storewatch docs` (or `python -m etl.docs`); `--check` only reports whether the
committed files are current, as the test suite does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from etl.columns import CATALOGUE, metric_table_docs
from etl.mapping_reference import MAPPING_REFERENCE_DOC, mapping_reference_markdown
from etl.metric_plan import metric_plan
from etl.settings import PROJECT_ROOT

METRIC_TABLES_DOC = PROJECT_ROOT / "docs" / "metric_tables.md"

INTRO = """\
# Metric tables: the contract between the ETL and its readers

<!-- Generated from etl/columns.yml and the metric files' `-- reads:` lines by `./storewatch docs`;
edit those, not this file (a test fails when this file is stale). -->

Each table is built by `etl/sql/metrics/<table>.sql` after every load, inside the run's new
warehouse file, before it is published; a file runs after the tables it reads. Shared constants
(z values, the 25-record minimum, the 12- and 24-month windows) are defined once in
`etl/sql/metrics/_macros.sql` and published in `metric_parameters`. The dashboard and the extracts
read only these tables (plus the fact tables for drill-downs and downloads). Column names below are
the contract: add columns freely, rename or remove only with every reader updated in the same commit.

Conventions: rates per 1,000; intervals 95 % unless named otherwise; durations in days (DOUBLE);
`as_of` is the source's `sources.as_of`; the window for "12 months"/"24 months" ends at as_of.
Size tiers: `small`, `mid`, `large`, `top`, `unknown`.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def metric_tables_markdown() -> str:
    docs = metric_table_docs()
    plan = metric_plan()
    lines = [INTRO, "| table | grain | reads |", "| --- | --- | --- |"]
    for metric in plan:
        reads = ", ".join(f"`{t}`" for t in metric.reads) or "nothing"
        lines.append(f"| [`{metric.table}`](#{metric.table}) | {_cell(docs[metric.table].grain)} | {reads} |")
    for metric in plan:
        doc = docs[metric.table]
        lines += [
            "",
            f"## {metric.table}",
            "",
            f"{doc.about} Grain: {doc.grain}. Built by "
            f"[`etl/sql/metrics/{metric.path.name}`](../etl/sql/metrics/{metric.path.name}).",
            "",
            "| column | description | 说明 |",
            "| --- | --- | --- |",
        ]
        lines += [f"| `{name}` | {_cell(en)} | {_cell(zh)} |" for name, (en, zh) in doc.columns.items()]
    return "\n".join(lines) + "\n"


def generated_docs() -> dict[Path, str]:
    """Each generated file and the text the sources give for it now."""
    return {
        METRIC_TABLES_DOC: metric_tables_markdown(),
        MAPPING_REFERENCE_DOC: mapping_reference_markdown(),
    }


def stale_docs() -> list[Path]:
    """Generated files whose committed text differs from what the sources give now."""
    return [
        path
        for path, text in generated_docs().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def docs(
    check: Annotated[bool, typer.Option(help="Only report whether the generated docs are current.")] = False,
) -> None:
    """Regenerate docs/metric_tables.md and docs/mapping_reference.md from etl/columns.yml and the code."""
    if check:
        stale = stale_docs()
        for path in stale:
            typer.echo(f"stale: {path.relative_to(PROJECT_ROOT)} (run ./storewatch docs)")
        raise typer.Exit(1 if stale else 0)
    for path, text in generated_docs().items():
        path.write_text(text, encoding="utf-8")
        typer.echo(
            f"wrote {path.relative_to(PROJECT_ROOT)} from {CATALOGUE.relative_to(PROJECT_ROOT)} and the code"
        )


if __name__ == "__main__":
    typer.run(docs)
