"""The column catalogue (etl/columns.yml) against the built tables, the generated doc and the SQL."""

from __future__ import annotations

import duckdb
import pytest

from etl.columns import column_docs, metric_table_docs
from etl.docs import METRIC_TABLES_DOC, metric_tables_markdown, stale_docs
from etl.exports.catalogue import METRIC_COLUMN_DOCS
from etl.metric_plan import metric_plan, shared_files
from etl.metrics import register_functions


def built_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_catalog = current_database() AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows]


def test_every_metric_file_has_its_table_documented():
    assert sorted(metric_table_docs()) == sorted(m.table for m in metric_plan())


def test_documented_columns_are_the_built_columns(demo_warehouse):
    with duckdb.connect(str(demo_warehouse.require_current()), read_only=True) as con:
        for table, doc in metric_table_docs().items():
            built, documented = built_columns(con, table), list(doc.columns)
            missing = [c for c in built if c not in documented]
            extra = [c for c in documented if c not in built]
            assert not missing and not extra, (
                f"{table}: undocumented {missing}, documented but absent {extra}"
            )
            assert documented == built, f"{table}: document the columns in the table's order"


def test_the_committed_metric_tables_doc_is_generated_from_the_catalogue():
    assert METRIC_TABLES_DOC.read_text(encoding="utf-8") == metric_tables_markdown(), (
        "docs/metric_tables.md is stale: run ./storewatch docs"
    )


def test_every_generated_doc_is_current():
    assert stale_docs() == [], "stale generated docs: run ./storewatch docs"


def test_each_metric_file_runs_with_only_its_declared_tables(demo_warehouse):
    """Reality check of the `-- reads:` lines, independent of the parser the build uses."""
    current = str(demo_warehouse.require_current())
    for metric in metric_plan():
        with duckdb.connect() as con:
            con.execute("ATTACH ? AS demo (READ_ONLY)", [current])
            for table in metric.reads:  # names from our own SQL headers
                con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM demo.main."{table}"')  # noqa: S608
            register_functions(con)
            for path in shared_files():
                con.execute(path.read_text(encoding="utf-8"))
            con.execute(metric.sql)  # fails on any table it reads without declaring it
            assert built_columns(con, metric.table) == list(metric_table_docs()[metric.table].columns)


def test_the_extracts_describe_every_column_of_their_metric_tables():
    for table in ("merchant_scorecard", "penalty_consistency"):
        assert set(metric_table_docs()[table].columns) <= set(METRIC_COLUMN_DOCS)


def test_a_column_name_must_mean_one_thing_across_the_tables_asked_for():
    assert column_docs("funnel_limits")["tau2"] != column_docs("dispute_rate_priors")["tau2"]
    with pytest.raises(ValueError, match="tau2"):
        column_docs("funnel_limits", "dispute_rate_priors")
