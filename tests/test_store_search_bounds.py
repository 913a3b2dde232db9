"""Store search is bounded per request: a 2 M-character name in an old warehouse (one that predates the
load's bound on names) or thousands of names at the bound cannot make a search run on; a search stops
at its time budget and returns what it found, saying so; and it finds what the old search found."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, store_search
from etl.sources.demo import DemoConfig
from etl.text import NAME_MAX_CHARS, normalise_name
from etl.warehouse import Warehouse
from tests.support.dashboard_fixtures import APP, page
from tests.support.warehouses import build_demo, named

TWO_MILLION = ("远天服饰" * 500_000)[:2_000_000]
GENEROUS = 30.0  # seconds: far above what a search takes, far below the minutes the old one took

# The search as it was: every stretch of every name cut with substr(), whose cost grows with the
# square of a name's length. Kept as the reference its results are compared with.
ALL_WINDOWS_SQL = """
WITH q AS (SELECT ?::VARCHAR AS q, length(?::VARCHAR) AS lq),
scored AS (
    SELECT m.merchant_id, m.name, CASE
            WHEN contains(m.name_normalised, q.q) OR contains(coalesce(e.name_normalised, ''), q.q)
                OR e.registration_number = upper(q.q) THEN 1.0
            WHEN q.lq < 3 THEN 0.0
            ELSE list_max(list_transform(
                range(1, greatest(length(m.name_normalised) - q.lq + 2, 2)),
                lambda i: jaro_winkler_similarity(substr(m.name_normalised, i, q.lq), q.q)))
        END AS score
    FROM merchants m LEFT JOIN entities e ON e.entity_id = m.entity_id, q
)
SELECT merchant_id FROM scored WHERE score >= ? ORDER BY score DESC, name, merchant_id LIMIT ?
"""


@pytest.fixture(scope="module")
def base_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("search")
    build_demo(directory, DemoConfig(complaints=3_000, seed=11))
    return directory


def copy_with_names(base: Path, target: Path, names: dict[str, str]) -> Path:
    """A copy of the warehouse with these stores (id: name) written straight into merchants, as a
    warehouse loaded before names were bounded holds them."""
    shutil.copytree(base, target)
    path = Warehouse(named(target, "demo")).require_current()
    con = duckdb.connect(str(path))
    try:
        rows = [(merchant_id, name, normalise_name(name)) for merchant_id, name in names.items()]
        con.execute("CREATE TEMP TABLE planted (merchant_id VARCHAR, name VARCHAR, name_normalised VARCHAR)")
        con.executemany("INSERT INTO planted VALUES (?, ?, ?)", rows)
        con.execute(
            "INSERT INTO merchants (merchant_id, name, name_normalised, platform, source_id,"
            " source_record_id, fetched_at, raw_hash, run_id)"
            " SELECT p.merchant_id, p.name, p.name_normalised, m.platform, m.source_id, p.merchant_id,"
            " m.fetched_at, m.raw_hash, m.run_id FROM planted p, (SELECT * FROM merchants LIMIT 1) m"
        )
    finally:
        con.close()
    return target


@pytest.fixture
def use_warehouse(monkeypatch: pytest.MonkeyPatch):
    def use(data_dir: Path) -> None:
        monkeypatch.setenv("STOREWATCH_DATA_DIR", str(data_dir))
        db.clear_caches()

    return use


@pytest.fixture(scope="module")
def old_warehouse(base_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_with_names(base_data, tmp_path_factory.mktemp("old") / "data", {"old:long": TWO_MILLION})


@pytest.fixture(scope="module")
def crowded_warehouse(base_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Thousands of names at the bound, each one close-matching work for a long query, and one that
    contains the query."""
    names = {f"old:full{i}": f"{i:05d}" + "字" * (NAME_MAX_CHARS - 5) for i in range(4_000)}
    names["old:exact"] = "需要找到的店铺" * 20
    return copy_with_names(base_data, tmp_path_factory.mktemp("crowded") / "data", names)


def test_a_two_million_character_name_does_not_hold_up_a_search(old_warehouse, use_warehouse):
    use_warehouse(old_warehouse)
    for query in ("远添服饰", "qqqxxqqq", "服饰专营店旗舰"):
        found = store_search.search(query, seconds=GENEROUS)
        # within the budget: every store compared (the old search ran about 21 minutes here)
        assert found.complete, query
    assert "old:long" in set(store_search.search("远添服饰", seconds=GENEROUS).stores["merchant_id"])
    # the whole name is searched for the query itself; close spellings in its first NAME_MAX_CHARS
    assert "old:long" in set(store_search.search("服饰远天服饰远天", seconds=GENEROUS).stores["merchant_id"])


def test_a_search_stops_at_its_budget_with_what_it_found(crowded_warehouse, use_warehouse):
    use_warehouse(crowded_warehouse)
    query = "需要找到的店铺" * 14  # 98 characters: each name at the bound has 403 stretches to compare
    started = time.monotonic()
    found = store_search.search(query, seconds=1.0)
    assert time.monotonic() - started < 5
    assert not found.complete
    assert list(found.stores["merchant_id"]) == ["old:exact"]  # the containing name, found first
    # a stopped search is not kept as if it were the answer: asked again, it is tried again
    assert not store_search.search(query, seconds=1.0).complete
    # and the connection it ran on still answers
    assert list(store_search.search("需要", seconds=GENEROUS).stores["merchant_id"]) == ["old:exact"]


def test_the_query_is_cut_to_its_bound(old_warehouse, use_warehouse):
    use_warehouse(old_warehouse)
    key, cut = store_search.search_key("长" * 2_000_000)
    assert cut and len(key) == store_search.MAX_QUERY_CHARS
    found = store_search.search("长" * 2_000_000, seconds=GENEROUS)
    assert found.query_cut and found.complete and found.stores.empty
    assert store_search.search_key("Lumio  旗舰店") == ("lumio旗舰店", False)


def test_the_page_says_when_a_search_stopped(crowded_warehouse, use_warehouse, monkeypatch):
    use_warehouse(crowded_warehouse)
    monkeypatch.setattr(store_search, "SEARCH_SECONDS", 1.0)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = "需要找到的店铺" * 14
    at.query_params["lang"] = "en"
    at.switch_page(page("store")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("The search stopped after" in info.value for info in at.info)
    assert not at.warning  # not "no store found": it did not look everywhere
    assert [link.proto.query_string for link in at.get("page_link")] == ["store=old%3Aexact&lang=en"]


def queries_from_names(names: list[str]) -> list[str]:
    """What readers type: names whole, their start, a character wrong, two swapped, company names."""
    queries = []
    for name in names:
        key = normalise_name(name)
        queries += [key, key[:4], key[:2] + "错" + key[3:], key[1] + key[0] + key[2:], key[-3:]]
    return queries


def test_search_finds_what_the_all_windows_search_found(base_data, use_warehouse):
    use_warehouse(base_data)
    path = Warehouse(named(base_data, "demo")).require_current()
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.sql("SELECT name FROM merchants ORDER BY merchant_id LIMIT 25").fetchall()]
        entities = [r[0] for r in con.sql("SELECT name FROM entities ORDER BY entity_id LIMIT 5").fetchall()]
        queries = [*queries_from_names(names + entities), "qqqxxqqq", "a", "lumio"]
        for query in queries:
            key = normalise_name(query)
            params = [key, key, store_search.MIN_SIMILARITY, store_search.RESULTS]
            before = [row[0] for row in con.execute(ALL_WINDOWS_SQL, params).fetchall()]
            now = store_search.search(query, seconds=GENEROUS)
            assert now.complete and list(now.stores["merchant_id"]) == before, query
