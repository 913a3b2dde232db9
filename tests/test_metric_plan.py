"""The metric build's plan: declarations checked against the SQL, files ordered by what they read."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.metric_plan import (
    METRICS_DIR,
    MetricPlanError,
    build_order,
    declaration_problems,
    metric_plan,
    read_metric_file,
)

BASE = {"complaints", "merchants"}


def metric(tmp_path: Path, table: str, sql: str):
    path = tmp_path / f"{table}.sql"
    path.write_text(sql, encoding="utf-8")
    return read_metric_file(path)


def test_the_shipped_files_run_after_every_metric_table_they_read():
    plan = metric_plan()
    position = {m.table: i for i, m in enumerate(plan)}
    for m in plan:
        for table in m.reads:
            if table in position:
                assert position[table] < position[m.table], (m.table, table)
    assert [m.table for m in metric_plan()] == [m.table for m in plan]


def test_shared_constants_are_written_only_in_the_macros_file():
    for path in METRICS_DIR.glob("*.sql"):
        if path.name != "_macros.sql":
            text = path.read_text(encoding="utf-8")
            assert "1.959963984540054" not in text and "3.090232306167813" not in text, path.name


def test_a_correct_declaration_passes_and_ctes_are_not_reads(tmp_path):
    m = metric(
        tmp_path,
        "counts",
        "-- reads: complaints, merchants\nCREATE OR REPLACE TABLE counts AS\n"
        "WITH c AS (SELECT * FROM complaints) "
        "SELECT * FROM c WHERE merchant_id IN (SELECT merchant_id FROM merchants)",
    )
    assert declaration_problems([m], BASE) == []


def test_an_undeclared_read_is_named(tmp_path):
    m = metric(
        tmp_path,
        "counts",
        "-- reads: complaints\nCREATE OR REPLACE TABLE counts AS SELECT * FROM complaints, merchants",
    )
    assert declaration_problems([m], BASE) == [
        "counts.sql reads merchants but does not declare it in '-- reads:'"
    ]


def test_a_stale_declaration_is_named(tmp_path):
    m = metric(
        tmp_path,
        "counts",
        "-- reads: complaints, merchants\nCREATE OR REPLACE TABLE counts AS SELECT * FROM complaints",
    )
    assert declaration_problems([m], BASE) == [
        "counts.sql declares it reads merchants, which its SQL does not read (stale declaration)"
    ]


def test_a_table_nobody_makes_is_named(tmp_path):
    m = metric(tmp_path, "counts", "-- reads: ghosts\nCREATE OR REPLACE TABLE counts AS SELECT * FROM ghosts")
    assert declaration_problems([m], BASE) == [
        "counts.sql reads ghosts, which no metric file creates and which is not a base table"
    ]


def test_a_file_must_make_exactly_its_own_table(tmp_path):
    wrong_name = metric(
        tmp_path,
        "counts",
        "-- reads: complaints\nCREATE OR REPLACE TABLE tallies AS SELECT * FROM complaints",
    )
    two = metric(
        tmp_path,
        "pair",
        "-- reads: complaints\nCREATE OR REPLACE TABLE pair AS SELECT * FROM complaints;\n"
        "CREATE OR REPLACE TABLE other AS SELECT 1;",
    )
    problems = declaration_problems([wrong_name, two], BASE)
    assert "counts.sql: must be 'CREATE OR REPLACE TABLE counts AS ...'" in problems[0]
    assert problems[1] == "pair.sql: must hold one statement creating pair (found 2)"


def test_a_file_without_a_reads_line_is_refused(tmp_path):
    with pytest.raises(MetricPlanError, match="needs exactly one header line"):
        metric(tmp_path, "counts", "CREATE OR REPLACE TABLE counts AS SELECT 1")


def test_files_are_ordered_by_what_they_read_then_by_name(tmp_path):
    files = [
        metric(tmp_path, "c", "-- reads: a, b\nCREATE OR REPLACE TABLE c AS SELECT * FROM a, b"),
        metric(tmp_path, "b", "-- reads: complaints\nCREATE OR REPLACE TABLE b AS SELECT * FROM complaints"),
        metric(tmp_path, "a", "-- reads: d\nCREATE OR REPLACE TABLE a AS SELECT * FROM d"),
        metric(tmp_path, "d", "-- reads:\nCREATE OR REPLACE TABLE d AS SELECT 1"),
    ]
    assert [m.table for m in build_order(files)] == ["b", "d", "a", "c"]


def test_a_cycle_is_refused_and_shown(tmp_path):
    files = [
        metric(tmp_path, "a", "-- reads: c\nCREATE OR REPLACE TABLE a AS SELECT * FROM c"),
        metric(tmp_path, "b", "-- reads: a\nCREATE OR REPLACE TABLE b AS SELECT * FROM a"),
        metric(tmp_path, "c", "-- reads: b\nCREATE OR REPLACE TABLE c AS SELECT * FROM b"),
        metric(tmp_path, "d", "-- reads:\nCREATE OR REPLACE TABLE d AS SELECT 1"),
    ]
    with pytest.raises(MetricPlanError, match=r"cycle: a -> c -> b -> a"):
        build_order(files)
