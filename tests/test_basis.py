"""Every figure knows its basis: what sources publish, and the metric tables' NULLs and not-available
sentences where they do not (etl/basis.py, source_facts, store_basis and the tables reading it)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from etl.basis import ALL_FACTS, facts_from_mapping
from etl.context import SourceMeta
from etl.run import run_source
from etl.sources.file_import import FileImportSource, load_mapping
from etl.warehouse import Warehouse
from tests.support.metrics_fixture import HandmadeSource
from tests.test_metrics_handmade import marketplace

MAPPINGS = Path(__file__).resolve().parents[1] / "data" / "mappings"
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def test_shipped_mappings_publish_what_their_columns_give() -> None:
    assert facts_from_mapping(load_mapping(MAPPINGS / "blackcat_complaints.yaml")) == {
        "complaints",
        "complaint_close_dates",
        "first_response",
        "entities",
    }
    assert facts_from_mapping(load_mapping(MAPPINGS / "platform_penalty_notices.yaml")) == {
        "penalties",
        "entities",
    }
    assert facts_from_mapping(load_mapping(MAPPINGS / "nyc_dcwp_mediated_complaints_csv.toml")) == {
        "complaints",
        "complaint_close_dates",
    }


def test_register_volume_and_entity_targets_publish_their_facts() -> None:
    register = {
        "target": "stores",
        "store": {"name": "店铺名称", "entity": "主体公司"},
        "columns": {"size_measure": "月均订单量", "opened_on": "开店日期", "closed_on": "关店日期"},
        "constants": {"size_basis": "orders"},
    }
    assert facts_from_mapping(register) == {"store_register", "store_sizes", "store_dates", "entities"}
    assert facts_from_mapping({"target": "volumes", "columns": {"period": "月份", "orders": "订单"}}) == {
        "orders"
    }
    assert facts_from_mapping({"target": "entities", "columns": {"name": "名称"}}) == {"entities"}
    escalated = {"target": "complaints", "columns": {"platform_intervened": "平台介入"}}
    assert "escalation" in facts_from_mapping(escalated)


def test_a_source_cannot_declare_an_unknown_fact() -> None:
    with pytest.raises(ValueError, match="unknown facts"):
        SourceMeta("x", "x", "x", None, None, False, "x", publishes=frozenset({"gossip"}))


def build(directory: Path, *sources) -> duckdb.DuckDBPyConnection:
    warehouse = Warehouse(directory / "warehouse")
    for source in sources:
        run_source(source, warehouse=warehouse)
    return warehouse.connect_read_only()


def publishing(source: HandmadeSource, facts: set[str]) -> HandmadeSource:
    source.meta = dataclasses.replace(source.meta, publishes=frozenset(facts))
    return source


@pytest.fixture(scope="module")
def silent(tmp_path_factory: pytest.TempPathFactory):
    """The hand-made marketplace, without its penalties, from a source that publishes complaints alone."""
    source = marketplace()
    source.penalties = []
    con = build(tmp_path_factory.mktemp("silent"), publishing(source, {"complaints"}))
    yield con
    con.close()


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory):
    con = build(tmp_path_factory.mktemp("complete"), publishing(marketplace(), set(ALL_FACTS)))
    yield con
    con.close()


def test_source_facts_are_the_union_over_the_runs_of_a_source_id(tmp_path: Path, data_dir: Path) -> None:
    complaints = load_mapping(MAPPINGS / "blackcat_complaints.yaml")
    penalties = load_mapping(MAPPINGS / "platform_penalty_notices.yaml")
    penalties["source"] = complaints["source"]  # one source id, two files
    con = build(
        tmp_path,
        FileImportSource(EXAMPLES / "blackcat_complaints_example.csv", complaints),
        FileImportSource(EXAMPLES / "platform_penalty_notices_example.csv", penalties),
    )
    published = {fact for (fact,) in con.execute("SELECT fact FROM source_facts WHERE published").fetchall()}
    assert {"complaints", "complaint_close_dates", "penalties"} <= published
    assert "store_dates" not in published


def test_disputes_and_penalties_are_null_not_zero_without_a_basis(silent, complete) -> None:
    sql = (
        "SELECT count(*) FILTER (WHERE disputes_12m IS NULL), count(*) FILTER (WHERE penalties_24m IS NULL),"
    )
    sql += " count(*) FILTER (WHERE dispute_rate IS NOT NULL), count(*) FROM merchant_scorecard"
    no_disputes, no_penalties, rates, stores = silent.execute(sql).fetchone()
    assert (no_disputes, no_penalties, rates) == (stores, stores, 0)
    no_disputes, no_penalties, rates, stores = complete.execute(sql).fetchone()
    assert (no_disputes, no_penalties) == (0, 0) and rates > 0
    reason = silent.execute(
        "SELECT not_available_en, not_available_zh FROM merchant_scorecard ORDER BY merchant_id LIMIT 1"
    ).fetchone()
    assert "Hand-made metric fixture does not publish escalations to the platform" in reason[0]
    assert "Hand-made metric fixture does not publish penalties" in reason[0]
    assert "未公布处罚记录" in reason[1]
    unpublished = "SELECT count(*) FROM merchant_scorecard WHERE not_available_en LIKE '%does not publish%'"
    assert complete.execute(unpublished).fetchone() == (0,)
    monthly = silent.execute("SELECT count(*) FROM overview_monthly WHERE disputes IS NOT NULL").fetchone()
    assert monthly == (0,)


def test_trading_status_is_unknown_without_store_dates(silent, complete) -> None:
    assert silent.execute("SELECT DISTINCT trading_status FROM merchant_scorecard").fetchall() == [
        ("unknown",)
    ]
    assert complete.execute("SELECT DISTINCT trading_status FROM merchant_scorecard").fetchall() == [
        ("trading",)
    ]
    reason = silent.execute("SELECT DISTINCT store_dates_not_available_en FROM store_basis").fetchall()
    assert reason == [
        ("not available: Hand-made metric fixture does not publish store opening and closing dates",)
    ]


def test_resolution_times_leave_out_sources_without_close_dates(silent, complete) -> None:
    assert silent.execute("SELECT count(*) FROM resolution_curves").fetchone() == (0,)
    assert silent.execute("SELECT count(*) FROM resolution_summary").fetchone() == (0,)
    assert complete.execute("SELECT count(*) FROM resolution_summary WHERE grouping = 'all'").fetchone() == (
        1,
    )
    findings = " ".join(r[0] for r in silent.execute("SELECT finding_en FROM headline_findings").fetchall())
    assert "within 30 days" not in findings and "legal entities" not in findings


def test_consistency_test_says_why_it_cannot_compare(silent, complete) -> None:
    rows = silent.execute(
        "SELECT computable, sentence_en, odds_ratio FROM penalty_consistency_test"
    ).fetchall()
    assert rows == [
        (
            False,
            "Large and small stores cannot be compared for penalties (not available: Hand-made metric "
            "fixture does not publish penalties).",
            None,
        )
    ]
    assert complete.execute("SELECT bool_and(computable) FROM penalty_consistency_test").fetchone() == (True,)
    findings = silent.execute(
        "SELECT count(*) FROM headline_findings WHERE metric LIKE 'penalty%'"
    ).fetchone()
    assert findings == (0,)


def test_log_rank_with_one_group_is_not_computable(complete) -> None:
    sql = (
        "SELECT chi2, df, p_value, computable, not_computable_en, not_computable_zh FROM resolution_logrank"
        " WHERE grouping = ?"
    )
    # every hand-made complaint is filed on platform P1: one group, nothing to compare
    assert complete.execute(sql, ["platform"]).fetchone() == (
        None,
        None,
        None,
        False,
        "not computable: only one group has complaints with close dates",
        "无法计算：只有一个组有带结案日期的投诉",
    )
    chi2, df, p_value, computable, why, _ = complete.execute(sql, ["size_tier"]).fetchone()
    assert computable and df == 1 and chi2 > 0 and 0 < p_value < 1 and why is None
