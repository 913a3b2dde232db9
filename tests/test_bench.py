"""`storewatch bench`: the real command end to end on a tiny demo, and the answer check it relies on."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from bench import report
from bench.dashboard import (
    AnswerMismatchError,
    answer_difference,
    is_unordered_sample,
    percentile,
    replay,
)
from dashboard import db
from dashboard.pages import PAGE_SLUGS
from etl.cli import app
from etl.sources.demo import DemoConfig
from tests.support.warehouses import build_demo

SIZE = 5_000


# One real `storewatch bench` run: 1-3 minutes on 2 cores, so every test that reads it is marked slow.
@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, str]:
    """One real run of the command: (raw figures, printed output, markdown)."""
    tmp = tmp_path_factory.mktemp("bench")
    markdown, raw = tmp / "benchmarks.md", tmp / "bench.json"
    markdown.write_text("# old\n\n## Where the time goes\n\nhand-written profile notes\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "--complaints",
            str(SIZE),
            "--repeat",
            "2",
            "--markdown",
            str(markdown),
            "--json",
            str(raw),
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    figures = json.loads(raw.read_text(encoding="utf-8"))[str(SIZE)]
    return figures, result.output, markdown.read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_figure_is_present_positive_and_finite(bench_run: tuple[dict, str, str]) -> None:
    figures, _, _ = bench_run
    results = {SIZE: figures}
    assert report.all_finite_positive(results) == []
    names = [f.name for f in report.figures(figures)]
    for page in PAGE_SLUGS:
        assert f"{page}: first render" in names
        assert f"{page}: repeated render (median)" in names
    for fmt in ("csv", "parquet"):
        assert any(name.startswith(f"{fmt} extract") and name.endswith("rows/s") for name in names)
    assert "dashboard process: peak RSS" in names and "demo load: peak RSS" in names


@pytest.mark.slow
def test_the_steps_did_the_work_they_time(bench_run: tuple[dict, str, str]) -> None:
    figures, _, _ = bench_run
    assert figures["demo"]["complaints"] == SIZE
    assert figures["file_import"]["records"] == SIZE  # under the 500 k cap, every row
    assert figures["file_import"]["quarantined"] == 0
    assert figures["cfpb_json"]["records"] == SIZE
    assert figures["cfpb_json"]["requests"] == math.ceil(SIZE / 100) + (SIZE % 100 == 0)
    large = figures["extracts"]["csv"][-1]
    assert large["rows"] == SIZE  # the "large" extract at this size is every complaint
    for run in figures["extracts"]["csv"] + figures["extracts"]["parquet"]:
        # each extract ran EXTRACT_RUNS times; the reported time is their median
        assert len(run["seconds_runs"]) == report.EXTRACT_RUNS
        assert run["seconds"] == sorted(run["seconds_runs"])[report.EXTRACT_RUNS // 2]


@pytest.mark.slow
def test_queries_come_from_every_data_page(bench_run: tuple[dict, str, str]) -> None:
    figures, _, _ = bench_run
    pages = {page for q in figures["dashboard"]["queries"] for page in q["pages"]}
    assert pages >= {"overview", "store", "consistency", "resolution", "downloads"}
    assert len(figures["dashboard"]["queries"]) >= 15


@pytest.mark.slow
def test_printed_tables_and_markdown(bench_run: tuple[dict, str, str]) -> None:
    figures, output, markdown = bench_run
    assert f"{SIZE:,} complaints" in output and "dashboard queries" in output
    for heading in (
        "## Machine",
        f"## {SIZE:,} complaints",
        "### Dashboard queries",
        "## Where the time goes",
    ):
        assert heading in markdown
    assert "hand-written profile notes" in markdown  # the notes survive a re-run
    assert "# old" not in markdown
    query_lines = [line for line in markdown.splitlines() if line.startswith("| ") and "`" in line]
    assert len(query_lines) == len(figures["dashboard"]["queries"])
    assert all(line.rstrip(" |").endswith(("pass", "FAIL")) for line in query_lines)


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bench-answers")
    build_demo(directory, DemoConfig(complaints=2_000, seed=3))
    return directory


@pytest.fixture
def small_env(small_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(small_warehouse))
    db.clear_caches()
    return small_warehouse


def test_replay_agrees_on_the_same_query(small_env: Path) -> None:
    timing = replay("SELECT platform, count(*) AS n FROM complaints GROUP BY platform", [], 2)
    assert timing["rows"] == len(db.platforms())


def test_replay_fails_loudly_when_the_bare_answer_differs(small_env: Path) -> None:
    sql = "SELECT merchant_id, complaints_12m FROM merchant_scorecard WHERE platform = ?"
    with pytest.raises(AnswerMismatchError, match="rows"):
        replay(sql, ["jd"], 2, bare_sql=sql + " LIMIT 1")
    with pytest.raises(AnswerMismatchError, match="complaints_12m"):
        replay(sql, ["jd"], 2, bare_sql=sql.replace("complaints_12m", "complaints_12m + 1 AS complaints_12m"))


def test_an_unordered_sample_is_compared_by_shape(small_env: Path) -> None:
    # LIMIT without ORDER BY (as the downloads preview once was): any matching rows are a right answer
    sql = "SELECT complaint_id, filed_at FROM complaints LIMIT 5"
    assert is_unordered_sample(sql) and not is_unordered_sample(sql.replace("LIMIT", "ORDER BY 1 LIMIT"))
    assert is_unordered_sample("SELECT string_agg(x ORDER BY x) FROM t LIMIT 5")
    assert replay(sql, [], 2, bare_sql=sql.replace("LIMIT 5", "LIMIT 5 OFFSET 7"))["rows"] == 5
    with pytest.raises(AnswerMismatchError, match="rows"):
        replay(sql, [], 2, bare_sql=sql.replace("LIMIT 5", "LIMIT 4"))
    with pytest.raises(AnswerMismatchError, match="column"):
        replay(sql, [], 2, bare_sql="SELECT complaint_id, closed_at FROM complaints LIMIT 5")


def test_answer_difference_ignores_row_order_only() -> None:
    a = pd.DataFrame({"k": ["x", "y"], "v": [0.1 + 0.2, 2.0]})
    assert answer_difference(a, a.iloc[::-1].reset_index(drop=True)) is None
    assert answer_difference(a, a.assign(v=[0.3, 2.0])) is None  # last-bit float noise
    assert answer_difference(a, a.assign(v=[0.3, 2.5])) == "column 'v' differs"
    assert answer_difference(a, a.rename(columns={"v": "w"})) is not None


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0], 0.95) == 5.0
    assert percentile(list(map(float, range(1, 101))), 0.95) == 95.0


@pytest.mark.slow
def test_growth_table_sets_sizes_side_by_side(bench_run: tuple[dict, str, str]) -> None:
    figures, _, _ = bench_run
    doubled = {**figures, "demo": {**figures["demo"], "seconds": 2 * figures["demo"]["seconds"]}}
    rows = {name: values for name, _, values in report.growth_rows({SIZE: figures, 2 * SIZE: doubled})}
    wall = rows["demo generation + load (metric build included): wall"]
    assert wall == [figures["demo"]["seconds"], 2 * figures["demo"]["seconds"]]
    assert sum(name.startswith("query ") for name in rows) == len(figures["dashboard"]["queries"])
    assert "## Growth" in report.markdown({SIZE: figures, 2 * SIZE: doubled}, "storewatch bench")
