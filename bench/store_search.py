"""Store search benchmark: the slowest search of a set of queries on a copy of a warehouse, optionally
with one long store name written straight into it (as a warehouse loaded before names were bounded
may hold one; the load now quarantines names past NAME_MAX_CHARS).

    python -m bench.store_search DATA_DIR [--long-name CHARS] [--repeat N]

DATA_DIR is a data directory whose `demo` warehouse is copied to a temp dir; the original is not
touched. Each query runs `repeat` times with the query cache emptied (what a new query costs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

# a misspelling (远添 for 远天), a Latin brand, nonsense, one letter, a long query, a pasted megabyte
QUERIES = ["远添服饰", "lumio", "qqqxxqqq", "a", "服饰专营店旗舰", "x" * 200, "长" * 2_000_000]


def plant_long_name(path: Path, length: int) -> None:
    """One store whose name is `length` characters of 远天服饰 repeated: every stretch of it is close
    to the misspelt query, the worst case for the close-spelling step."""
    name = ("远天服饰" * (length // 4 + 1))[:length]
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "INSERT INTO merchants (merchant_id, name, name_normalised, platform, source_id,"
            " source_record_id, fetched_at, raw_hash, run_id)"
            " SELECT 'bench:long', ?, ?, platform, source_id, 'long', fetched_at, raw_hash, run_id"
            " FROM merchants LIMIT 1",
            [name, name],
        )
    finally:
        con.close()


def time_queries(repeat: int) -> list[tuple[str, float, float, bool]]:
    """(query, median ms, slowest ms, complete) per query, through dashboard/store_search.py."""
    from dashboard import db, store_search

    db.query("SELECT 1")  # open the connection first: a running server has it open
    rows = []
    for query in QUERIES:
        times, complete = [], True
        for _ in range(repeat):
            db.clear_query_cache()
            started = time.perf_counter()
            found = store_search.search(query)
            times.append(1000 * (time.perf_counter() - started))
            complete = complete and found.complete
        rows.append((query, statistics.median(times), max(times), complete))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--long-name", type=int, default=0, help="plant a store name this long")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        copy = Path(temp) / "data"
        shutil.copytree(args.data_dir / "warehouses" / "demo", copy / "warehouses" / "demo")
        os.environ["STOREWATCH_DATA_DIR"] = str(copy)
        from dashboard import db

        path = db.warehouse().require_current()
        if args.long_name:
            plant_long_name(path, args.long_name)
        stores = int(db.query("SELECT count(*) AS n FROM merchants")["n"].iloc[0])
        print(f"{stores:,} stores, longest planted name {args.long_name:,} characters")
        print(f"{'median ms':>10} {'max ms':>8}  complete  query")
        rows = time_queries(args.repeat)
        for query, median, slowest, complete in rows:
            print(f"{median:>10.1f} {slowest:>8.1f}  {complete!s:8}  {query[:20]!r}")
        print(f"slowest search: {max(r[2] for r in rows):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
