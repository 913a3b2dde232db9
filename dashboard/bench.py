"""Page renders and query timings on the served warehouse: `python -m dashboard.bench`.

A thin wrapper: the measuring lives in etl/bench/dashboard.py, which `storewatch bench` runs on
fresh demo warehouses; this entry point measures the one served now (STOREWATCH_DATA_DIR).
"""

from __future__ import annotations

import sys

from etl.bench.dashboard import bench_dashboard

REPEAT = 15


def main() -> int:
    result = bench_dashboard(REPEAT)
    print(f"cold start (opens the warehouse): {result['cold_start_s']:.3f} s")
    print(f"{'page':<12} {'first (s)':>10} {'again (s)':>10}")
    for page, render in result["renders"].items():
        print(f"{page:<12} {render['first_s']:>10.3f} {render['again_median_s']:>10.3f}")
    print(f"{'db ms':>8} {'bare ms':>8} {'ratio':>6}  query")
    for q in result["queries"]:
        ratio = q["db_median_ms"] / q["bare_median_ms"]
        print(f"{q['db_median_ms']:>8.1f} {q['bare_median_ms']:>8.1f} {ratio:>6.2f}  {q['query']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
