"""Metric tables on a hand-made marketplace whose answers are worked out by hand here."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from etl.run import run_source
from etl.warehouse import Warehouse
from tests.support.metrics_fixture import HandmadeSource

Z = 1.959963984540054


def store_ids(platform: str) -> list[str]:
    return [f"{platform}-s{i}" for i in range(1, 11)]


def marketplace() -> HandmadeSource:
    # two platforms of 10 stores, monthly orders 100..1000: ranks 1-5 small, 6-9 mid, 10 large
    stores = [
        {"id": sid, "platform": p, "monthly_orders": 100 * (i + 1)}
        for p in ("P1", "P2")
        for i, sid in enumerate(store_ids(p))
    ]
    complaints = []
    # Wilson: the P1 large store has 12 000 orders in 12 months and 30 disputes (plus 10 plain ones)
    for k in range(40):
        complaints.append(
            {
                "id": f"w{k}",
                "store": "P1-s10",
                "filed_days_ago": 100,
                "days": 2,
                "status": "resolved",
                "dispute": k < 30,
            }
        )
    # Kaplan-Meier on store P2-s1: resolved after 1, 2, 2, 4 days; withdrawn after 2 (competing);
    # still open after 3.5 days (censored at day 3)
    for k, (days, status) in enumerate(
        [(1, "resolved"), (2, "resolved"), (2, "resolved"), (4, "resolved"), (2, "withdrawn")]
    ):
        complaints.append(
            {"id": f"k{k}", "store": "P2-s1", "filed_days_ago": 50, "days": days - 0.5, "status": status}
        )
    complaints.append({"id": "k-open", "store": "P2-s1", "filed_days_ago": 3.5, "status": "open"})
    # penalties for counterfeit: large vs small stores, severe = demotion or worse
    cells = {"P1": {"large": (3, 7), "small": (4, 16)}, "P2": {"large": (6, 4), "small": (5, 15)}}
    penalties = []
    for platform, tiers in cells.items():
        for tier, (severe, mild) in tiers.items():
            targets = [f"{platform}-s10"] if tier == "large" else store_ids(platform)[:5]
            for k in range(severe + mild):
                penalties.append(
                    {
                        "id": f"p-{platform}-{tier}-{k}",
                        "store": targets[k % len(targets)],
                        "violation": "counterfeit",
                        "sanction": "demotion" if k < severe else "warning",
                    }
                )
    return HandmadeSource(stores, complaints, penalties)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    directory: Path = tmp_path_factory.mktemp("handmade")
    warehouse = Warehouse(directory / "warehouse")
    run_source(marketplace(), warehouse=warehouse)
    with warehouse.connect_read_only() as connection:
        yield connection


def test_size_tiers_are_percentiles_of_orders_within_platform(con):
    tiers = dict(
        con.execute(
            "SELECT merchant_id, size_tier FROM merchant_tiers WHERE platform = 'P1' ORDER BY size_measure"
        ).fetchall()
    )
    assert list(tiers.values()) == ["small"] * 5 + ["mid"] * 4 + ["large"]


def test_dispute_rate_has_the_wilson_interval(con):
    rate, low, high, orders, disputes = con.execute(
        "SELECT dispute_rate, dispute_rate_low, dispute_rate_high, orders_12m, disputes_12m "
        "FROM merchant_scorecard WHERE name = 'P1-s10'"
    ).fetchone()
    assert (orders, disputes) == (12_000, 30)
    n, p = 12_000, 30 / 12_000
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    assert rate == pytest.approx(2.5)
    assert low == pytest.approx(1000 * (centre - half))
    assert high == pytest.approx(1000 * (centre + half))
    # and by an independent implementation
    assert (low / 1000, high / 1000) == pytest.approx(proportion_confint(30, 12_000, method="wilson"))
    assert (round(low, 3), round(high, 3)) == (1.752, 3.567)


def test_kaplan_meier_censors_open_and_competing_complaints(con):
    rows = con.execute(
        "SELECT day, at_risk, resolved, competing, censored, survival, cumulative_resolved "
        "FROM resolution_curves r JOIN merchants m ON m.merchant_id = r.group_value "
        "WHERE grouping = 'merchant' AND m.name = 'P2-s1' ORDER BY day"
    ).fetchall()
    # day 1: 6 at risk, 1 resolved: S = 5/6; day 2: 5 at risk, 2 resolved, 1 withdrawn: S = 5/6 * 3/5;
    # day 3: 2 at risk, the open one censored; day 4: 1 at risk, resolved: S = 0
    assert [r[:5] for r in rows] == [(1, 6, 1, 0, 0), (2, 5, 2, 1, 0), (3, 2, 0, 0, 1), (4, 1, 1, 0, 0)]
    assert [r[5] for r in rows] == pytest.approx([5 / 6, 0.5, 0.5, 0.0])
    # Aalen-Johansen share resolved: day 1 adds 1 * 1/6; day 2 adds (5/6) * 2/5 = 2/6; day 3 nothing;
    # survival from any closure before day 4 is (5/6)(2/5) = 1/3, so day 4 adds 1/3 * 1/1: 5/6 in all
    # (the open complaint's share passes to the one still at risk, as censoring does)
    assert [r[6] for r in rows] == pytest.approx([1 / 6, 3 / 6, 3 / 6, 5 / 6])
    summary = con.execute(
        "SELECT complaints, still_open, resolved, competing, median_days, share_resolved_7d "
        "FROM resolution_summary r JOIN merchants m ON m.merchant_id = r.group_value "
        "WHERE grouping = 'merchant' AND m.name = 'P2-s1'"
    ).fetchone()
    assert summary == (6, 1, 4, 1, 2.0, pytest.approx(5 / 6))


def test_mantel_haenszel_odds_ratio_with_rgb_interval(con):
    row = con.execute(
        "SELECT odds_ratio, ci_low, ci_high, penalties, flagged, sentence_en FROM penalty_consistency_test "
        "WHERE violation_type = 'counterfeit' AND size_tier = 'large'"
    ).fetchone()
    # strata (a severe large, b mild large, c severe small, d mild small): P1 (3, 7, 4, 16), P2 (6, 4, 5, 15)
    strata = [(3, 7, 4, 16), (6, 4, 5, 15)]
    r = [a * d / (a + b + c + d) for a, b, c, d in strata]  # 48/30, 90/30
    s = [b * c / (a + b + c + d) for a, b, c, d in strata]  # 28/30, 20/30
    assert sum(r) / sum(s) == pytest.approx(2.875)
    p = [(a + d) / (a + b + c + d) for a, b, c, d in strata]
    q = [(b + c) / (a + b + c + d) for a, b, c, d in strata]
    var = (
        sum(pi * ri for pi, ri in zip(p, r, strict=True)) / (2 * sum(r) ** 2)
        + sum(pi * si + qi * ri for pi, qi, ri, si in zip(p, q, r, s, strict=True)) / (2 * sum(r) * sum(s))
        + sum(qi * si for qi, si in zip(q, s, strict=True)) / (2 * sum(s) ** 2)
    )
    assert row[0] == pytest.approx(2.875)
    assert row[1] == pytest.approx(2.875 * math.exp(-Z * math.sqrt(var)))
    assert row[2] == pytest.approx(2.875 * math.exp(Z * math.sqrt(var)))
    # 20 penalties on the large side: below the minimum of 25, so never flagged, and said so
    assert row[3] == 60 and row[4] is False and row[5].startswith("Not enough data")


def test_penalty_consistency_counts_severity_by_tier(con):
    rows = con.execute(
        "SELECT size_tier, penalties, share_warning_only, severity_counts FROM penalty_consistency "
        "WHERE violation_type = 'counterfeit' ORDER BY size_tier"
    ).fetchall()
    assert rows == [
        ("large", 20, pytest.approx(11 / 20), {"demotion": 9, "warning": 11}),
        ("small", 40, pytest.approx(31 / 40), {"demotion": 9, "warning": 31}),
    ]
