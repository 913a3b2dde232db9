"""The shared metric macros (etl/sql/metrics/_macros.sql) on their edge cases."""

from __future__ import annotations

from pathlib import Path

import duckdb

MACROS = Path(__file__).parent.parent / "etl" / "sql" / "metrics" / "_macros.sql"


def test_wilson_bounds_stay_within_zero_and_one_at_the_extreme_proportions() -> None:
    # at p = 0 and p = 1 the closed form cancels only up to rounding: -1e-17 and 1.0000000000000002
    # appeared in scorecard rows (issue 18)
    with duckdb.connect() as con:
        con.execute(MACROS.read_text(encoding="utf-8"))
        low, high = con.execute(
            "SELECT min(least(wilson_low(k / n, n), wilson_high(k / n, n))),"
            " max(greatest(wilson_low(k / n, n), wilson_high(k / n, n)))"
            " FROM range(1, 5000) t(n), LATERAL (SELECT unnest([0, n]) AS k)"
        ).fetchone()
    assert low == 0.0
    assert high == 1.0
