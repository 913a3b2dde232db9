"""Dashboard benchmark: each page's server-side render through AppTest, and every query it ran.

`storewatch bench` runs it on fresh demo warehouses; `python -m bench.dashboard` measures the
warehouse served now (STOREWATCH_DATA_DIR).

The queries are recorded (dashboard/db.py `recorded_queries`) while the pages render, then each is
replayed through the dashboard's own path (db.query with its cache emptied before every run) and,
beside it, as the bare DuckDB query on the same tables; both answers must agree.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dashboard.pages import APP_SCRIPT, PAGE_SLUGS, script


class AnswerMismatchError(AssertionError):
    """The dashboard's query path and the bare DuckDB query gave different answers."""


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: with few repeats, p95 is the slowest run, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, int(np.ceil(share * len(ordered))) - 1)]


def _canonical_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order, for SQL that leaves the order open (floats rounded only for sorting)."""
    keys = pd.DataFrame(
        {
            str(i): frame[c].map(lambda v: f"{v:.6g}" if isinstance(v, float) else repr(v))
            for i, c in enumerate(frame.columns)
        }
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index if len(keys.columns) else keys.index
    return frame.loc[order].reset_index(drop=True)


def answer_difference(dashboard: pd.DataFrame, bare: pd.DataFrame) -> str | None:
    """None when both frames hold the same rows (in any order); otherwise what differs."""
    if list(dashboard.columns) != list(bare.columns):
        return f"columns {list(dashboard.columns)} != {list(bare.columns)}"
    if len(dashboard) != len(bare):
        return f"{len(dashboard)} rows != {len(bare)} rows"
    if dashboard.equals(bare):
        return None
    a, b = _canonical_order(dashboard), _canonical_order(bare)
    for column in a.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
            # parallel float sums may differ in the last bits between two runs of the same SQL
            same = np.allclose(x.to_numpy(), y.to_numpy(), rtol=1e-9, atol=0, equal_nan=True)
        else:
            same = bool((x.map(repr) == y.map(repr)).all())
        if not same:
            return f"column {column!r} differs"
    return None


def is_unordered_sample(sql: str) -> bool:
    """A query ending in LIMIT with no top-level ORDER BY before it."""
    return bool(re.search(r"LIMIT\s+\d+\s*$", sql)) and not re.search(r"ORDER BY[^()]*LIMIT\s+\d+\s*$", sql)


def _shape(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"column": list(frame.columns), "rows": len(frame)})


def _ms_since(started: float) -> float:
    return 1000 * (time.perf_counter() - started)


def replay(sql: str, params: list, repeat: int, bare_sql: str | None = None) -> dict[str, Any]:
    """Time `sql` through db.query (uncached) and bare DuckDB; raise when the answers differ.

    `bare_sql` exists for the test that proves the comparison can fail.
    """
    import duckdb

    from dashboard import db

    bare_con = duckdb.connect(str(db.current_path()), read_only=True).cursor()
    via_db: list[float] = []
    via_bare: list[float] = []
    for _ in range(repeat):
        db.clear_query_cache()  # an uncached run: what a new filter value costs
        started = time.perf_counter()
        answer = db.query(sql, params)
        via_db.append(_ms_since(started))
        started = time.perf_counter()
        bare = bare_con.execute(bare_sql or sql, params).fetch_df()
        via_bare.append(_ms_since(started))
    bare_con.close()
    rows = len(answer)
    if is_unordered_sample(sql):
        # LIMIT without ORDER BY (no page runs one now; the downloads preview once did): DuckDB's
        # parallel scan may return any matching rows, so two runs agree on the shape, not on which
        answer, bare = _shape(answer), _shape(bare)
    difference = answer_difference(answer, bare)
    if difference is not None:
        raise AnswerMismatchError(f"{difference} for {sql!r} with {params!r}")
    return {
        "rows": rows,
        "db_median_ms": statistics.median(via_db),
        "db_p95_ms": percentile(via_db, 0.95),
        "bare_median_ms": statistics.median(via_bare),
        "bare_p95_ms": percentile(via_bare, 0.95),
    }


def label(sql: str) -> str:
    """A short one-line name for a query in the tables."""
    return re.sub(r"\s+", " ", sql).strip()[:70]


def _render(page: str, params: dict[str, str]) -> float:
    """Server time of one new session's script run (frame and page), as app.py measures it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=300)
    at.query_params.update(params)
    at.switch_page(script(page))
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return at.session_state["_script_seconds"]


def bench_dashboard(repeat: int, replay_fn: Callable[..., dict[str, Any]] = replay) -> dict[str, Any]:
    """Render every page (first with empty query caches, then `repeat` times warm) and replay its queries."""
    from dashboard import db

    # a store with complaints, so the store page shows a full scorecard
    store = db.query("SELECT merchant_id FROM merchant_scorecard ORDER BY complaints_12m DESC LIMIT 1")
    page_params = {"store": {"store": str(store["merchant_id"].iloc[0])}}
    cold = _render("methodology", {})  # opens the connection once, as a running server has
    renders: dict[str, dict[str, float]] = {}
    ran: dict[tuple[str, str], dict[str, Any]] = {}
    for page in PAGE_SLUGS:
        db.clear_caches()
        db.recorded_queries = []
        first = _render(page, page_params.get(page, {}))
        recorded, db.recorded_queries = db.recorded_queries, None
        again = [_render(page, page_params.get(page, {})) for _ in range(repeat)]
        renders[page] = {
            "first_s": first,
            "again_median_s": statistics.median(again),
            "again_p95_s": percentile(again, 0.95),
        }
        for sql, params in recorded:
            entry = ran.setdefault((sql, repr(params)), {"sql": sql, "params": params, "pages": []})
            if page not in entry["pages"]:
                entry["pages"].append(page)
    queries = []
    for entry in ran.values():
        timing = replay_fn(entry["sql"], entry["params"], repeat)
        queries.append({"pages": entry["pages"], "query": label(entry["sql"]), **timing})
    return {"cold_start_s": cold, "renders": renders, "queries": queries}


SERVED_REPEAT = 15


def main() -> int:
    """Print page renders and query timings on the served warehouse."""
    result = bench_dashboard(SERVED_REPEAT)
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
