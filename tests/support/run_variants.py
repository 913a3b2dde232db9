"""Loads whose content differs by size, with the figures a reader should see worked out in Python.

The concurrency and kill tests run many loads one after another and must tell which completed run
a reader (or the served file) is answering from: each size gives a different signature.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from tests.support.records_source import RecordsSource

STORES = [
    {"id": "s1", "name": "优品旗舰店", "platform": "Tmall"},
    {"id": "s2", "name": "Brightline Home Store", "platform": "Amazon"},
]
_START = datetime(2025, 1, 1, 8, 0, 0)

# The reader's two queries, as the dashboard asks them: a raw fact table, then a metric table.
RAW_SQL = "SELECT count(*), CAST(sum(epoch(filed_at)) AS BIGINT) FROM complaints"
METRIC_SQL = "SELECT CAST(sum(complaints) AS BIGINT), count(*) FROM overview_monthly"


def numbered_complaints(n: int) -> list[dict]:
    """n valid complaints, 37 hours apart, alternating stores, every third one still open."""
    rows = []
    for i in range(n):
        filed = _START + timedelta(hours=37 * i)
        store = STORES[i % 2]
        row = {"id": f"c{i}", "store": store["id"], "platform": store["platform"], "filed": filed.isoformat()}
        if i % 3:
            row["closed"] = (filed + timedelta(days=2)).isoformat()
        rows.append(row)
    return rows


def variant(n: int) -> RecordsSource:
    return RecordsSource(STORES, numbered_complaints(n))


def expected_signature(n: int) -> tuple[int, int, int, int]:
    """(complaints, sum of filing epochs, overview_monthly complaints, its platform-month rows)."""
    filed = [datetime.fromisoformat(r["filed"]) for r in numbered_complaints(n)]
    epochs = sum(int(f.replace(tzinfo=UTC).timestamp()) for f in filed)
    cells = {(r["platform"], r["filed"][:7]) for r in numbered_complaints(n)}
    return (n, epochs, n, len(cells))


def signature(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, int]:
    """What a reader sees, in two separate queries as a dashboard page would run them."""
    cur = con.cursor()
    try:
        raw = cur.execute(RAW_SQL).fetchone()
        metric = cur.execute(METRIC_SQL).fetchone()
    finally:
        cur.close()
    return (int(raw[0]), int(raw[1] or 0), int(metric[0] or 0), int(metric[1]))
