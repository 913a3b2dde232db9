"""The synthetic marketplace: deterministic, realistic, and its planted effects are really there.

The checks here recompute each effect from the generated rows by a method of their own (tiers
from the loaded monthly volumes, Woolf intervals for odds ratios, medians that count open
complaints as not yet closed), so they do not just echo the generator's parameters.
"""

import math
from datetime import date

import numpy as np
import pytest

from etl.sources.demo import LENIENT_VIOLATIONS, DemoConfig
from tests.support.warehouses import SMALL_DEMO, build_demo

CONTENT = {
    "merchants": "SELECT * EXCLUDE (run_id, fetched_at) FROM merchants ORDER BY merchant_id",
    "complaints": "SELECT * EXCLUDE (run_id, fetched_at) FROM complaints ORDER BY complaint_id",
    "penalties": "SELECT * EXCLUDE (run_id, fetched_at) FROM penalties ORDER BY penalty_id",
    "merchant_volume": "SELECT * EXCLUDE (run_id, fetched_at) FROM merchant_volume ORDER BY volume_id",
}
Z99 = 2.576


def contents(warehouse) -> dict:
    with warehouse.connect_read_only() as con:
        return {name: con.execute(sql).fetchall() for name, sql in CONTENT.items()}


def test_same_seed_same_rows_other_seed_other_rows(tmp_path):
    config = DemoConfig(complaints=3_000, seed=11)
    first = contents(build_demo(tmp_path / "a", config))
    second = contents(build_demo(tmp_path / "b", config))
    other = contents(build_demo(tmp_path / "c", DemoConfig(complaints=3_000, seed=12)))
    assert first == second
    assert first["complaints"] != other["complaints"]
    assert len(first["complaints"]) == 3_000


def tiers_from_volume(con) -> dict[str, str]:
    """Size tier by orders in the last 12 months, percentiles within each platform."""
    rows = con.execute(
        "SELECT m.merchant_id, m.platform, coalesce(sum(v.orders), 0) FROM merchants m "
        "LEFT JOIN merchant_volume v ON v.merchant_id = m.merchant_id AND v.period > DATE '2025-10-31' "
        "GROUP BY ALL"
    ).fetchall()
    tiers = {}
    for platform in {r[1] for r in rows}:
        members = [r for r in rows if r[1] == platform]
        orders = np.array([r[2] for r in members], dtype=float)
        share_below = (np.argsort(np.argsort(orders, kind="stable"), kind="stable")) / len(orders)
        for (merchant_id, _, _), q in zip(members, share_below, strict=True):
            tiers[merchant_id] = "small" if q < 0.5 else "mid" if q < 0.9 else "large" if q < 0.99 else "top"
    return tiers


def severe_odds_ratio(con, tiers, violation: str, tier: str) -> tuple[float, float, float]:
    """Odds ratio (Woolf 99 % interval) of a sanction of demotion or worse, tier vs small."""
    rows = con.execute(
        "SELECT p.merchant_id, s.severity >= 3 FROM penalties p JOIN sanction_scale s USING (sanction_type) "
        "WHERE violation_type = ?",
        [violation],
    ).fetchall()
    table = {(t, severe): 0 for t in (tier, "small") for severe in (True, False)}
    for merchant_id, severe in rows:
        if tiers[merchant_id] in (tier, "small"):
            table[(tiers[merchant_id], severe)] += 1
    a, b = table[(tier, True)] + 0.5, table[(tier, False)] + 0.5
    c, d = table[("small", True)] + 0.5, table[("small", False)] + 0.5
    log_or = math.log(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return math.exp(log_or), math.exp(log_or - Z99 * se), math.exp(log_or + Z99 * se)


def close_time_medians(con, tier: str, tiers) -> dict[str, float]:
    """Median days to close per category: small, non-escalated complaints filed over a year
    before the as-of date, open ones counted as not yet closed (infinitely long)."""
    rows = con.execute(
        "SELECT merchant_id, category, date_diff('second', filed_at, closed_at) / 86400.0 FROM complaints "
        "WHERE NOT platform_intervened AND filed_at < DATE '2025-10-31'"
    ).fetchall()
    by_category: dict[str, list[float]] = {}
    for merchant_id, category, days in rows:
        if tiers[merchant_id] == tier:
            by_category.setdefault(category, []).append(math.inf if days is None else days)
    return {category: float(np.median(days)) for category, days in by_category.items()}


def test_planted_leniency_is_in_the_penalties_with_the_recorded_size(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        tiers = tiers_from_volume(con)
        planted = con.execute(
            "SELECT target, parameters->>'tier', size FROM planted_effects WHERE kind = 'sanction_leniency'"
        ).fetchall()
        assert len(planted) == 14
        for violation, tier, size in planted:
            estimate, low, high = severe_odds_ratio(con, tiers, violation, tier)
            assert low <= size <= high, (violation, tier, size, estimate, low, high)
            if violation in LENIENT_VIOLATIONS:
                assert size < 1 and high < 1, (violation, tier, estimate, high)
            else:
                assert size == 1.0


def test_planted_slow_categories_close_slower_by_the_recorded_factor(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        tiers = tiers_from_volume(con)
        medians = close_time_medians(con, "small", tiers)
        planted = dict(
            con.execute("SELECT target, size FROM planted_effects WHERE kind = 'slow_category'").fetchall()
        )
    baseline = float(np.median([m for c, m in medians.items() if planted[c] == 1.0]))
    assert {c for c, f in planted.items() if f > 1} == {"counterfeit", "refund_refused"}
    for category, factor in planted.items():
        ratio = medians[category] / baseline
        assert ratio == pytest.approx(factor, rel=0.2), (category, ratio, factor)


def test_planted_reopenings_link_closed_and_new_stores_of_one_entity(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        size = con.execute("SELECT size FROM planted_effects WHERE kind = 'reopened_stores'").fetchone()[0]
        pairs = con.execute("""
            SELECT r.entity_id, old.entity_id, new.entity_id, old.closed_on, r.closed_on, new.opened_on,
                   old.name <> new.name,
                   (SELECT count(*) FROM penalties p WHERE p.merchant_id = old.merchant_id
                      AND p.sanction_type = 'closure' AND p.decided_at = old.closed_on)
            FROM planted_reopenings r
            JOIN merchants old ON old.merchant_id = r.closed_merchant_id
            JOIN merchants new ON new.merchant_id = r.reopened_merchant_id""").fetchall()
    assert len(pairs) == size > 0
    for entity, old_entity, new_entity, old_closed, closed_on, new_opened, renamed, closures in pairs:
        assert entity == old_entity == new_entity
        assert old_closed == closed_on < new_opened
        assert renamed and closures >= 1


@pytest.mark.slow  # a second 120k-complaint demo warehouse, built without planted effects (10-20 s)
def test_with_planted_effects_off_nothing_is_planted(tmp_path):
    warehouse = build_demo(tmp_path, DemoConfig(complaints=SMALL_DEMO.complaints, seed=8, planted=False))
    with warehouse.connect_read_only() as con:
        tiers = tiers_from_volume(con)
        for violation in LENIENT_VIOLATIONS:
            for tier in ("top", "large"):
                _, low, high = severe_odds_ratio(con, tiers, violation, tier)
                assert low <= 1.0 <= high, (violation, tier, low, high)
        medians = close_time_medians(con, "small", tiers)
        assert con.execute("SELECT count(*) FROM planted_reopenings").fetchone()[0] == 0
        sizes = con.execute("SELECT kind, max(size), min(size) FROM planted_effects GROUP BY 1").fetchall()
    baseline = float(np.median(list(medians.values())))
    for category, median in medians.items():
        assert median / baseline == pytest.approx(1.0, rel=0.2), category
    assert dict((k, (hi, lo)) for k, hi, lo in sizes) == {
        "sanction_leniency": (1.0, 1.0),
        "slow_category": (1.0, 1.0),
        "reopened_stores": (0.0, 0.0),
    }


def test_the_demo_looks_like_a_marketplace(demo_warehouse):
    with demo_warehouse.connect_read_only() as con:
        one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
        assert one("SELECT is_synthetic FROM sources WHERE source_id = 'demo'")[0] is True
        # heavy tail: the top 1 % of stores take a large share of orders
        top_share = one("""SELECT sum(size_measure) FILTER (WHERE q >= 0.99) / sum(size_measure)
                           FROM (SELECT size_measure, percent_rank() OVER (ORDER BY size_measure) q
                                 FROM merchants)""")[0]
        assert top_share > 0.2
        assert one("SELECT count(DISTINCT platform) FROM merchants")[0] == 5
        assert one("SELECT count(*) FROM merchants WHERE regexp_matches(name, '[\u4e00-\u9fff]')")[0] > 0
        assert one("SELECT count(*) FROM merchants WHERE regexp_full_match(name, '[A-Za-z ]+')")[0] > 0
        assert (
            one("SELECT count(*) FROM (SELECT entity_id FROM merchants GROUP BY 1 HAVING count(*) > 1)")[0]
            > 0
        )
        assert one("SELECT count(DISTINCT sanction_type) FROM penalties")[0] == 7
        assert one("SELECT count(DISTINCT category) FROM complaints")[0] == 9
        statuses = dict(con.execute("SELECT status, count(*) FROM complaints GROUP BY 1").fetchall())
        assert set(statuses) == {"open", "resolved", "closed_unresolved", "withdrawn"}
        assert 0 < one("SELECT avg(platform_intervened::INT) FROM complaints")[0] < 0.5
        # Double 11: November orders beat the months around it
        by_month = dict(
            con.execute(
                "SELECT month(period), sum(orders) FROM merchant_volume WHERE year(period) = 2025 GROUP BY 1"
            ).fetchall()
        )
        assert by_month[11] > 1.5 * by_month[10]
        # complaints are never filed outside the store's open period
        assert (
            one("""SELECT count(*) FROM complaints c JOIN merchants m USING (merchant_id)
                      WHERE c.filed_at::DATE < m.opened_on OR c.filed_at::DATE > m.closed_on""")[0]
            == 0
        )
        assert one("SELECT count(*) FROM quarantine")[0] == 0
        as_of = one("SELECT as_of FROM sources WHERE source_id = 'demo'")[0]
        assert as_of.date() == date(2026, 10, 31)
