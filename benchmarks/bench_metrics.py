"""Times the metric build and the dashboard's queries on a copy of the current warehouse.

Usage: STOREWATCH_DATA_DIR=/tmp/sw10m uv run --frozen python benchmarks/bench_metrics.py
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from etl.metrics import metric_files, register_functions
from etl.settings import load_settings

QUERIES = {
    "scorecard of one store": ("SELECT * FROM merchant_scorecard WHERE merchant_id = ?", ["demo:m123"]),
    "funnel plot: limits": ("SELECT * FROM funnel_limits WHERE platform = ? ORDER BY orders", ["Tmall"]),
    "funnel plot: stores": (
        "SELECT merchant_id, name, orders_12m, dispute_rate, funnel_position FROM merchant_scorecard "
        "WHERE platform = ? AND rate_available AND NOT too_few_records",
        ["Tmall"],
    ),
    "curves by size tier": (
        "SELECT * FROM resolution_curves WHERE grouping = ? ORDER BY group_value, day",
        ["size_tier"],
    ),
    "curve of one store": (
        "SELECT * FROM resolution_curves WHERE grouping = 'merchant' AND group_value = ? ORDER BY day",
        ["demo:m123"],
    ),
    "consistency table": (
        "SELECT * FROM penalty_consistency JOIN penalty_consistency_test USING (size_tier) "
        "WHERE penalty_consistency.violation_type = ?",
        ["counterfeit"],
    ),
}


def main() -> None:
    root = load_settings().warehouse_dir
    current = root / (root / "CURRENT").read_text().strip()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.duckdb"
        shutil.copy(current, copy)
        con = duckdb.connect(str(copy))
        register_functions(con)
        start = time.perf_counter()
        for path in metric_files():
            t = time.perf_counter()
            con.execute(path.read_text(encoding="utf-8"))
            print(f"{path.name:40s} {time.perf_counter() - t:7.2f} s")
        print(f"{'all metric tables':40s} {time.perf_counter() - start:7.2f} s")
        con.close()
        con = duckdb.connect(str(copy), read_only=True)
        for name, (sql, params) in QUERIES.items():
            times = []
            for _ in range(15):
                t = time.perf_counter()
                con.execute(sql, params).to_arrow_table()
                times.append(1000 * (time.perf_counter() - t))
            print(f"{name:40s} median {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()
