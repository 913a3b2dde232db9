"""Check a store: fuzzy search in Chinese and English, by company, and the store page at its own URL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from etl.warehouse import Warehouse
from tests.support.dashboard_fixtures import APP, page
from tests.support.warehouses import named


@pytest.fixture
def stores(dashboard_data: Path):
    con = Warehouse(named(dashboard_data, "demo")).connect_read_only()
    try:
        yield con.execute(
            "SELECT m.merchant_id, m.name, e.name AS entity_name, e.registration_number"
            " FROM merchants m JOIN entities e USING (entity_id) WHERE m.source_id = 'demo'"
            " ORDER BY m.merchant_id"
        ).df()
    finally:
        con.close()


def search(text: str) -> AppTest:
    at = AppTest.from_file(APP)
    at.query_params["q"] = text
    at.switch_page(page("store")).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def found_ids(at: AppTest) -> list[str]:
    links = [parse_qs(link.proto.query_string) for link in at.get("page_link")]
    return [q["store"][0] for q in links if "store" in q]


def misspell(word: str) -> str:
    """Swap two neighbouring characters in the middle: the commonest typing slip."""
    i = next(i for i in range(len(word) // 2, len(word) - 1) if word[i] != word[i + 1])
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@pytest.mark.usefixtures("dashboard_env")
def test_misspelt_latin_name_is_found(stores):
    latin = stores[stores["name"].str.match(r"^[A-Za-z]{5,} ")].iloc[0]
    brand = latin["name"].split()[0]
    assert misspell(brand) != brand
    assert latin["merchant_id"] in found_ids(search(misspell(brand).lower()))


@pytest.mark.usefixtures("dashboard_env")
def test_misspelt_chinese_name_is_found(stores):
    chinese = stores[stores["name"].str.match(r"^[\u4e00-\u9fff]{6,}$")].iloc[0]
    name = chinese["name"]
    typo = name[:2] + "错" + name[3:]  # one character wrong
    assert chinese["merchant_id"] in found_ids(search(typo))


@pytest.mark.usefixtures("dashboard_env")
def test_store_found_by_company_registration_number(stores):
    row = stores.iloc[3]
    assert row["merchant_id"] in found_ids(search(row["registration_number"].lower()))


@pytest.mark.usefixtures("dashboard_env")
def test_nonsense_says_not_found():
    at = search("qqqxxqqq")
    assert any("No store found" in w.value for w in at.warning)


@pytest.mark.usefixtures("dashboard_env")
def test_store_page_has_its_own_url(stores):
    row = stores.iloc[5]
    at = AppTest.from_file(APP)
    at.query_params["store"] = row["merchant_id"]
    at.switch_page(page("store")).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value == row["name"]
    assert at.query_params["store"] == row["merchant_id"]
    texts = " ".join(m.value for m in at.markdown)
    assert row["entity_name"] in texts
    subheaders = [s.value for s in at.subheader]
    assert "Scorecard" in subheaders and "Penalties in the last 24 months" in subheaders


@pytest.mark.usefixtures("dashboard_env")
def test_store_with_few_records_says_so():
    at = AppTest.from_file(APP)
    at.query_params["store"] = "fixture:plain-store"
    at.switch_page(page("store")).run(timeout=60)
    assert not at.exception
    shown = " ".join(x.value for x in [*at.info, *at.markdown])
    # the fixture's source declares no facts, so the page says what its rate would need (the metric
    # layer's reason) rather than "too few records", which would suggest more records could help
    assert "does not publish order volumes" in shown or "not built in this warehouse yet" in shown
    assert "Too few records to judge" not in shown


@pytest.mark.usefixtures("dashboard_env")
def test_unknown_store_id_is_explained():
    at = AppTest.from_file(APP)
    at.query_params["store"] = "demo:nope"
    at.switch_page(page("store")).run(timeout=60)
    assert not at.exception
    assert any("No store with id demo:nope" in w.value for w in at.warning)


@pytest.mark.usefixtures("dashboard_env")
def test_names_are_shown_as_recorded_not_as_markdown():
    from dashboard.ui import escape_markdown
    from tests.support.dashboard_fixtures import FORMULA_STORE

    at = AppTest.from_file(APP)
    at.query_params["store"] = "fixture:formula-store"
    at.switch_page(page("store")).run(timeout=60)
    assert not at.exception
    assert at.header[0].value == escape_markdown(FORMULA_STORE)
    assert "\\(" in escape_markdown("[x](http://evil.invalid)") and "\\[" in escape_markdown(
        "[x](http://evil.invalid)"
    )


@pytest.mark.usefixtures("dashboard_env")
def test_reopened_store_lists_the_closed_store_it_follows(dashboard_data):
    con = Warehouse(named(dashboard_data, "demo")).connect_read_only()
    try:
        pairs = con.execute(
            "SELECT p.reopened_merchant_id, m.name FROM planted_reopenings p"
            " JOIN merchants m ON m.merchant_id = p.closed_merchant_id ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert pairs, "the demo plants reopened stores"
    reopened, closed_name = pairs[0]
    at = AppTest.from_file(APP)
    at.query_params["store"] = reopened
    at.switch_page(page("store")).run(timeout=60)
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    if "not built in this warehouse yet" in " ".join(i.value for i in at.info):
        pytest.skip("metric tables not built yet")
    assert "Closed stores of the same entity that this store follows" in shown
    assert closed_name in shown


def open_store(merchant_id: str, lang: str, q: str | None = None) -> AppTest:
    at = AppTest.from_file(APP)
    at.query_params.update({"store": merchant_id, "lang": lang, **({"q": q} if q else {})})
    at.switch_page(page("store")).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def link_labels(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


@pytest.fixture
def taobao_stores(dashboard_data: Path):
    con = Warehouse(named(dashboard_data, "demo")).connect_read_only()
    try:
        return con.execute(
            "SELECT merchant_id, name FROM merchants WHERE platform = 'taobao' ORDER BY merchant_id"
        ).df()
    finally:
        con.close()


@pytest.mark.usefixtures("dashboard_env")
@pytest.mark.parametrize(("lang", "label"), [("en", "Taobao"), ("zh", "淘宝")])
def test_store_page_names_its_platform_in_the_readers_language(taobao_stores, lang, label):
    store = taobao_stores.iloc[0]
    brand = store["name"][:2]
    at = open_store(store["merchant_id"], lang, q=brand)
    facts = next(m.value for m in at.markdown if m.value.startswith(("Platform", "平台")))
    assert f": {label} ·" in facts
    results = [text for text in link_labels(at) if text.startswith(brand)]
    assert any(f" — {label}" in text for text in results)
    shown = [facts, *link_labels(at), *(m.value for m in at.markdown)]
    assert not [text for text in shown if re.search(r"\b(taobao|tmall|jd|pinduoduo|amazon)\b", text)]


@pytest.mark.usefixtures("dashboard_env")
@pytest.mark.parametrize("platform", ["淘宝", "Taobao", "taobao.com"])
def test_a_platform_name_in_the_search_narrows_to_its_stores(taobao_stores, platform):
    only_platform = found_ids(search(platform))
    assert only_platform and set(only_platform) <= set(taobao_stores["merchant_id"])
    store = taobao_stores.iloc[7]
    assert found_ids(search(f"{platform} {store['name']}"))[0] == store["merchant_id"]


@pytest.mark.usefixtures("dashboard_env")
def test_store_curve_bands_are_areas_without_markers(dashboard_data: Path):
    """A band of under 20 points gets Plotly's default lines+markers: dots at every corner."""
    con = Warehouse(named(dashboard_data, "demo")).connect_read_only()
    try:
        merchant_id = con.execute(
            "SELECT group_value FROM resolution_curves WHERE grouping = 'merchant'"
            " GROUP BY group_value HAVING count(*) < 20 ORDER BY group_value LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()
    at = open_store(merchant_id, "en")
    curve = json.loads(at.get("plotly_chart")[0].proto.spec)
    bands = [trace for trace in curve["data"] if trace.get("fill") == "toself"]
    assert bands and all(trace.get("mode") == "lines" for trace in bands)
