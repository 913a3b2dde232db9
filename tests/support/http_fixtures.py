"""Fakes that answer like the real APIs (served by bench/local_server.py local_server), and the
recorded responses they serve."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from bench.local_server import local_server  # noqa: F401 (the tests take it from here)
from tests.support.realdata import REALDATA

CCDB_RESPONSES = REALDATA / "cfpb_ccdb_api_responses"  # CFPB complaint search API, as recorded
NYC_DCWP = REALDATA / "nyc_dcwp"  # excerpts of the two NYC DCWP Socrata datasets
NYC_COMPLAINTS = NYC_DCWP / "dcwp_consumer_complaints_nre2-6m2s_excerpt.json"
NYC_CHARGES = NYC_DCWP / "dcwp_charges_5fn4-dr26_excerpt.json"


@pytest.fixture
def fast_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real waiting between retries, and a short timeout, so fault tests stay fast."""
    monkeypatch.setenv("STOREWATCH_HTTP_BACKOFF_BASE", "0")
    monkeypatch.setenv("STOREWATCH_HTTP_BACKOFF_CAP", "0")
    monkeypatch.setenv("STOREWATCH_HTTP_ATTEMPTS", "3")
    monkeypatch.setenv("STOREWATCH_HTTP_TIMEOUT", "5")


class FakeCcdb:
    """Pages like the CCDB search API (cfpb/ccdb5-api complaint_search/es_interface.py, serializer.py).

    Hits are sorted by [date_received epoch ms, _id] in the order asked; `search_after` is parsed
    like parse_search_after (two parts split on "_", digits first for created_date sorts, else
    silently ignored so the first page comes back); `frm` must be a multiple of size and at most
    10,000. With `legacy=True` the hits carry no `sort` and `frm` is applied as an offset, as the
    API did before search_after (2021).
    """

    def __init__(
        self, hits: list[dict], meta: dict, legacy: bool = False, max_size: int | None = None
    ) -> None:
        self.hits = hits
        self.meta = meta
        self.legacy = legacy
        self.max_size = max_size  # a server that quietly serves fewer hits per page than asked

    def __call__(self, path, query, headers):
        size, frm = int(query.get("size", 25)), int(query.get("frm", 0))
        if frm > 10_000 or (size and frm % size):
            return 400, {"non_field_errors": ["frm is not zero or a multiple of size"]}
        if query.get("format", "default") != "default":
            return 200, [h["_source"] for h in self.hits]  # an export: one unpaginated scan
        descending = query.get("sort", "relevance_desc").endswith("_desc")
        hits = sorted(self.hits, key=lambda h: (h["sort"][0], h["sort"][1]), reverse=descending)
        if "date_received_min" in query:
            hits = [h for h in hits if h["_source"]["date_received"][:10] >= query["date_received_min"]]
        total = len(hits)  # what the query matches, as Elasticsearch counts it
        after = self.parse_search_after(query)
        if after is not None:
            hits = [
                h
                for h in hits
                if (
                    (h["sort"][0], h["sort"][1]) < after
                    if descending
                    else (h["sort"][0], h["sort"][1]) > after
                )
            ]
        elif self.legacy:
            hits = hits[frm:]
        page = [dict(h) for h in hits[: min(size, self.max_size or size)]]
        if self.legacy:
            for hit in page:
                hit.pop("sort", None)
        return 200, {
            "took": 1,
            "timed_out": False,
            "hits": {"total": {"value": total, "relation": "eq"}, "hits": page},
            "_meta": self.meta,
        }

    @staticmethod
    def parse_search_after(query):
        pair, sort = query.get("search_after"), query.get("sort")
        if not pair or not sort or len(pair.split("_")) != 2:
            return None
        score, hit_id = pair.split("_")
        if not sort.startswith("created") or not score.isdigit():
            return None
        return (int(score), hit_id)


def cfpb_hit(n: int, day: int) -> dict:
    """A CCDB search hit for complaint n, received on 2021-12-<day>, with its search_after sort."""
    source = {
        "complaint_id": str(5000000 + n),
        "company": f"Bank {n % 3}",
        "date_received": f"2021-12-{day:02d}T12:00:00-05:00",
        "date_sent_to_company": f"2021-12-{day:02d}T12:00:00-05:00",
        "company_response": "In progress" if n % 2 else "Closed with explanation",
        "issue": "Managing an account",
        "product": "Checking or savings account",
        "timely": "Yes",
    }
    epoch = int(datetime.fromisoformat(source["date_received"]).timestamp() * 1000)
    return {"_id": source["complaint_id"], "_source": source, "sort": [epoch, source["complaint_id"]]}


def recorded_hits() -> tuple[list[dict], dict]:
    """Every distinct complaint hit in the recorded responses, oldest first, and a real _meta."""
    hits: dict[str, dict] = {}
    meta: dict = {}
    for path in sorted(CCDB_RESPONSES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = meta or data.get("_meta", {})
        for hit in data.get("hits", {}).get("hits", []):
            hits.setdefault(hit["_id"], hit)
    for hit in hits.values():
        # hits from relevance-sorted responses carry [score, id]: sorted by created date, the API
        # gives [date_received as epoch ms, id] (as the created_date responses show)
        received = datetime.fromisoformat(hit["_source"]["date_received"])
        hit["sort"] = [int(received.timestamp() * 1000), hit["_id"]]
    return sorted(hits.values(), key=lambda h: (h["sort"][0], h["sort"][1])), meta


_WHERE = re.compile(r"^:updated_at > '(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)'$")
FIRST_LOAD = "2026-01-20T00:00:00.000Z"  # :updated_at of every row unless touched


class FakeSoda:
    """Answers like Socrata 2.1: $limit, $offset, $order, `$select=:*, *` adds the system fields
    (:id, :created_at, :updated_at, fixed timestamps in UTC), `$where=:updated_at > '...'`."""

    def __init__(self, datasets: dict[str, list[dict]]) -> None:
        self.datasets = datasets
        self.updated_at: dict[str, str] = {}  # record key -> :updated_at (default FIRST_LOAD)

    def touch(self, dataset: str, index: int, when: str, **changes: str) -> None:
        row = self.datasets[dataset][index]
        row.update(changes)
        self.updated_at[self.key(row)] = when

    @staticmethod
    def key(row: dict) -> str:
        return f"{row.get('record_id')}|{row.get('charge', '')}"

    def __call__(self, path, query, headers):
        rows = [
            {
                ":id": f"row-{n}",
                ":created_at": FIRST_LOAD,
                ":updated_at": self.updated_at.get(self.key(r), FIRST_LOAD),
                **r,
            }
            for n, r in enumerate(self.datasets[path.removeprefix("/resource/").removesuffix(".json")])
        ]
        if "$where" in query:
            (since,) = _WHERE.match(query["$where"]).groups()  # anything else is a test failure
            rows = [r for r in rows if r[":updated_at"] > since]  # same format: text order is time order
        if ":*" not in query.get("$select", ""):
            rows = [{k: v for k, v in r.items() if not k.startswith(":")} for r in rows]
        start, limit = int(query["$offset"]), int(query["$limit"])
        return 200, rows[start : start + limit]


def recorded_nyc() -> tuple[list[dict], list[dict]]:
    """The recorded NYC DCWP complaints and charges, as FakeSoda serves them."""
    return (
        json.loads(NYC_COMPLAINTS.read_text(encoding="utf-8")),
        json.loads(NYC_CHARGES.read_text(encoding="utf-8")),
    )
