"""Metric tables on the demo marketplace: cross-checked against lifelines and statsmodels, and
recovering the planted effects (and flagging nothing when none is planted)."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from statsmodels.stats.contingency_tables import StratifiedTable

from etl.sources.demo import LENIENT_VIOLATIONS, DemoConfig
from tests.support.warehouses import build_demo

DURATIONS = """
SELECT t.size_tier, c.status,
       CASE WHEN c.status <> 'open' THEN ceil(date_diff('second', c.filed_at, c.closed_at) / 86400.0)
            ELSE floor(date_diff('second', c.filed_at, s.as_of) / 86400.0) END AS days
FROM complaints c JOIN sources s USING (source_id) JOIN merchant_tiers t USING (merchant_id)
"""


def test_kaplan_meier_and_log_rank_match_lifelines(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        data = con.execute(DURATIONS).df()
        curve = con.execute(
            "SELECT day, survival, ci_low, ci_high FROM resolution_curves "
            "WHERE grouping = 'size_tier' AND group_value = 'top' ORDER BY day"
        ).df()
        median = con.execute(
            "SELECT median_days FROM resolution_summary WHERE grouping = 'size_tier' AND group_value = 'top'"
        ).fetchone()[0]
        chi2, df = con.execute(
            "SELECT chi2, df FROM resolution_logrank WHERE grouping = 'size_tier'"
        ).fetchone()
    top = data[data.size_tier == "top"]
    kmf = KaplanMeierFitter().fit(top.days, top.status == "resolved")
    expected = kmf.survival_function_at_times(curve.day).to_numpy()
    assert curve.survival.to_numpy() == pytest.approx(expected, abs=1e-9)
    band = kmf.confidence_interval_.reindex(curve.day.to_numpy())
    inside = ~band.iloc[:, 0].isna().to_numpy() & (curve.survival.to_numpy() > 0)
    assert curve.ci_low.to_numpy()[inside] == pytest.approx(band.iloc[:, 0].to_numpy()[inside], abs=1e-6)
    assert curve.ci_high.to_numpy()[inside] == pytest.approx(band.iloc[:, 1].to_numpy()[inside], abs=1e-6)
    assert median == kmf.median_survival_time_
    test = multivariate_logrank_test(data.days, data.size_tier, data.status == "resolved")
    assert chi2 == pytest.approx(test.test_statistic, rel=1e-6)
    assert df == test.degrees_of_freedom == 3


def test_mantel_haenszel_matches_statsmodels(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        rows = con.execute(
            "SELECT t.platform, t.size_tier = 'top', s.severity >= 3, count(*) FROM penalties p "
            "JOIN merchant_tiers t USING (merchant_id) JOIN sanction_scale s USING (sanction_type) "
            "WHERE p.violation_type = 'counterfeit' AND t.size_tier IN ('top', 'small') GROUP BY ALL"
        ).fetchall()
        ours = con.execute(
            "SELECT odds_ratio, ci_low, ci_high, p_value FROM penalty_consistency_test "
            "WHERE violation_type = 'counterfeit' AND size_tier = 'top'"
        ).fetchone()
    tables = []
    for platform in sorted({r[0] for r in rows}):
        cell = {(r[1], r[2]): r[3] for r in rows if r[0] == platform}
        tables.append(
            np.array(
                [
                    [cell.get((True, True), 0), cell.get((True, False), 0)],
                    [cell.get((False, True), 0), cell.get((False, False), 0)],
                ]
            )
        )
    reference = StratifiedTable(tables)
    assert ours[0] == pytest.approx(reference.oddsratio_pooled, rel=1e-9)
    assert ours[1:3] == pytest.approx(reference.oddsratio_pooled_confint(), rel=1e-6)
    assert ours[3] < 0.05


def test_planted_leniency_is_flagged_and_covered_and_nothing_else_is(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        planted = con.execute(
            "SELECT target, parameters->>'tier', size FROM planted_effects WHERE kind = 'sanction_leniency'"
        ).fetchall()
        results = {
            (v, t): (flagged, low, high)
            for v, t, flagged, low, high in con.execute(
                "SELECT violation_type, size_tier, flagged, ci_low_simultaneous, ci_high_simultaneous "
                "FROM penalty_consistency_test WHERE violation_type <> 'all'"
            ).fetchall()
        }
    assert len(planted) == len(results) == 14
    for violation, tier, size in planted:
        flagged, low, high = results[(violation, tier)]
        assert flagged == (violation in LENIENT_VIOLATIONS), (violation, tier, low, high)
        assert low <= size <= high, (violation, tier, size, low, high)


def test_slow_categories_come_out_slow(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        medians = dict(
            con.execute(
                "SELECT group_value, median_days FROM resolution_summary WHERE grouping = 'category'"
            ).fetchall()
        )
        planted = dict(
            con.execute("SELECT target, size FROM planted_effects WHERE kind = 'slow_category'").fetchall()
        )
        p_value = con.execute(
            "SELECT p_value FROM resolution_logrank WHERE grouping = 'category'"
        ).fetchone()[0]
    baseline = float(np.median([m for c, m in medians.items() if planted[c] == 1.0]))
    slowest = sorted(medians, key=medians.get)[-2:]
    assert set(slowest) == {c for c, f in planted.items() if f > 1}
    for category, factor in planted.items():
        assert medians[category] / baseline == pytest.approx(factor, rel=0.35), (category, medians)
    assert p_value < 1e-6


def test_reopened_stores_are_visible_through_their_entity(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        missing = con.execute(
            "SELECT r.* FROM planted_reopenings r LEFT JOIN entity_scorecard e USING (entity_id) "
            "WHERE NOT coalesce(e.reopened_after_closure, false) OR NOT list_contains("
            "list_transform(e.reopened_pairs, lambda x: x.reopened_merchant_id), r.reopened_merchant_id)"
        ).fetchall()
        visible = con.execute(
            "SELECT bool_and(s.entity_reopened_after_closure), count(*) FROM planted_reopenings r "
            "JOIN merchant_scorecard s ON s.merchant_id = r.reopened_merchant_id"
        ).fetchone()
    assert missing == []
    assert visible[0] and visible[1] > 0


@pytest.mark.slow  # 20 demo warehouses built one after another (about a minute)
def test_with_nothing_planted_at_most_one_seed_in_twenty_flags_a_disparity(tmp_path):
    flagged_seeds = []
    for seed in range(20):
        warehouse = build_demo(tmp_path / str(seed), DemoConfig(complaints=25_000, seed=seed, planted=False))
        with warehouse.connect_read_only() as con:
            if con.execute("SELECT bool_or(flagged) FROM penalty_consistency_test").fetchone()[0]:
                flagged_seeds.append(seed)
    assert len(flagged_seeds) <= 1, flagged_seeds
