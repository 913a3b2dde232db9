"""Overview, penalty consistency and resolution times: filters change the view and live in the URL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from etl.warehouse import Warehouse
from tests.support.dashboard_fixtures import APP, page
from tests.support.warehouses import named

pytestmark = pytest.mark.usefixtures("dashboard_env")


def open_page(name: str, **params) -> AppTest:
    at = AppTest.from_file(APP)
    at.query_params.update(params)
    at.switch_page(page(name)).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics_missing(at: AppTest) -> bool:
    return any("not built in this warehouse yet" in i.value for i in at.info)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_platform_filter_changes_headline_and_round_trips():
    everything = metric_values(open_page("overview"))
    at = open_page("overview", platform="jd")
    assert at.multiselect(key="platform").value == ["jd"]
    assert metric_values(at)["Complaints"] != everything["Complaints"]
    at.multiselect(key="platform").select("tmall").run(timeout=60)
    assert at.query_params["platform"] == ["jd", "tmall"]
    at.multiselect(key="platform").set_value([]).run(timeout=60)
    assert "platform" not in at.query_params
    assert metric_values(at)["Complaints"] == everything["Complaints"]


def test_overview_period_round_trips():
    at = open_page("overview", period_from="2025-06-01", period_to="2025-12-31")
    start, end = at.date_input(key="period").value
    assert (start.isoformat(), end.isoformat()) == ("2025-06-01", "2025-12-31")
    assert at.query_params["period_from"] == "2025-06-01"
    if not metrics_missing(at):
        trend = figures(at)[0]
        months = {x[:7] for trace in trend["data"] for x in trace["x"]}
        assert min(months) == "2025-06" and max(months) == "2025-12"


def test_overview_funnel_plot_shows_stores_with_limits():
    at = open_page("overview")
    if metrics_missing(at):
        pytest.skip("metric tables not built yet")
    funnel = figures(at)[1]
    names = [trace.get("name") for trace in funnel["data"]]
    assert "95 % limits" in names and "99.8 % limits" in names
    assert any(trace.get("customdata") for trace in funnel["data"])
    assert len(at.download_button) >= 2  # a CSV of each chart's data


def test_consistency_violation_filter_changes_the_charts():
    at = open_page("consistency")
    if metrics_missing(at):
        pytest.skip("metric tables not built yet")
    all_bars = {x for trace in figures(at)[0]["data"] for x in trace["x"]}
    at = open_page("consistency", violation="counterfeit")
    assert at.multiselect(key="violation").value == ["counterfeit"]
    bars = {x for trace in figures(at)[0]["data"] for x in trace["x"]}
    assert bars == {"Counterfeit<br>goods"} and len(all_bars) > 1
    assert at.query_params["violation"] == "counterfeit"
    assert any("counterfeit" in m.value for m in at.markdown)


def test_resolution_grouping_round_trips_and_changes_curves():
    at = open_page("resolution")
    if metrics_missing(at):
        pytest.skip("metric tables not built yet")
    tiers = {trace["name"] for trace in figures(at)[0]["data"] if trace.get("name")}
    at.radio(key="by").set_value("category").run(timeout=60)
    assert at.query_params["by"] == "category"
    categories = {trace["name"] for trace in figures(at)[0]["data"] if trace.get("name")}
    assert tiers != categories and "Counterfeit" in categories
    at = open_page("resolution", by="category", groups=["counterfeit", "delivery"])
    assert at.multiselect(key="groups").value == ["counterfeit", "delivery"]
    assert {t["name"] for t in figures(at)[0]["data"] if t.get("showlegend") is not False} == {
        "Counterfeit",
        "Delivery",
    }
    assert any("right-censored" in c.value for c in at.caption)


@pytest.fixture
def curve_stores(dashboard_data: Path) -> pd.DataFrame:
    """Demo stores that have a per-store resolution curve, most complaints first."""
    con = Warehouse(named(dashboard_data, "demo")).connect_read_only()
    try:
        return con.execute(
            "SELECT m.merchant_id, m.name FROM merchants m JOIN resolution_curves r"
            " ON r.grouping = 'merchant' AND r.group_value = m.merchant_id WHERE m.source_id = 'demo'"
            " GROUP BY ALL ORDER BY max(r.at_risk) DESC, m.merchant_id"
        ).df()
    finally:
        con.close()


def legend(at: AppTest) -> set[str]:
    return {trace["name"] for trace in figures(at)[0]["data"] if trace.get("showlegend") is not False}


def test_resolution_stores_are_found_by_name_and_linked_by_id(curve_stores):
    store = curve_stores[curve_stores["name"].str.match(r"^[A-Za-z]{4,}")].iloc[0]
    brand = re.match(r"[A-Za-z]+", store["name"]).group()
    at = open_page("resolution", by="merchant")
    assert any("search for stores by name" in i.value for i in at.info)  # nothing chosen yet
    at.text_input(key="store_search").set_value(brand.lower()).run(timeout=60)
    picker = at.multiselect(key="stores")
    assert any(option.startswith(store["name"]) for option in picker.options), picker.options
    picker.select(store["merchant_id"]).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["stores"] in (store["merchant_id"], [store["merchant_id"]])
    assert legend(at) == {store["name"]}
    assert list(at.dataframe[0].value["label"]) == [store["name"]]  # the summary table


def test_resolution_store_search_takes_a_misspelt_chinese_name(curve_stores):
    at = open_page("resolution", lang="zh", by="merchant")
    assert at.multiselect(key="stores").label == "要比较的店铺（最多 8 家）"
    assert any("按名称搜索" in i.value for i in at.info)
    store = curve_stores[curve_stores["name"].str.match(r"^[\u4e00-\u9fff]{6,}$")].iloc[0]
    typo = store["name"][:2] + "错" + store["name"][3:]  # one character wrong
    # AppTest formats a re-run's widgets outside the script, where the language is English
    at = open_page("resolution", by="merchant")
    at.text_input(key="store_search").set_value(typo).run(timeout=60)
    picker = at.multiselect(key="stores")
    assert any(option.startswith(store["name"]) for option in picker.options), picker.options
    assert any("matching stores" in c.value for c in at.caption)
    at.text_input(key="store_search").set_value("qqqxxqqq").run(timeout=60)
    assert any("No store found" in w.value for w in at.warning)


def test_resolution_link_with_store_ids_shows_names_and_drops_unknown_ids(curve_stores):
    first, second = curve_stores.iloc[0], curve_stores.iloc[1]
    ids = [first["merchant_id"], second["merchant_id"]]
    for stores in (
        f"{ids[0]}, nowhere:9,{ids[1]}",
        [ids[0], "nowhere:9", ids[1]],
    ):  # as written before, and now
        at = open_page("resolution", by="merchant", stores=stores)
        picker = at.multiselect(key="stores")
        assert picker.value == ids
        assert [value.split(" · ")[0] for value in picker.values] == [first["name"], second["name"]]
        notes = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption if c.value.startswith("Not applied")]
        assert len(notes) == 1 and notes[0].endswith(": nowhere:9"), notes
        assert at.query_params["stores"] == ids  # the link the reader copies carries known ids only
        assert legend(at) == {first["name"], second["name"]}


def test_resolution_link_with_too_many_stores_keeps_the_first_eight(curve_stores):
    ids = list(curve_stores["merchant_id"][:10])
    at = open_page("resolution", by="merchant", stores=ids)
    assert at.multiselect(key="stores").value == ids[:8]
    assert any(ids[8] in c.value and ids[9] in c.value for c in at.caption)
    assert at.query_params["stores"] == ids[:8]


def test_resolution_names_the_chosen_stores_without_a_curve(tmp_path, monkeypatch):
    import duckdb

    from tests.support.dashboard_fixtures import build_dashboard_warehouse

    data = build_dashboard_warehouse(tmp_path)
    current = (named(data, "demo") / "CURRENT").read_text().strip()
    with duckdb.connect(str(named(data, "demo") / current)) as con:
        with_curve, without_curve = "fixture:formula-store", "fixture:plain-store"
        (name,) = con.execute("SELECT name FROM merchants WHERE merchant_id = ?", [without_curve]).fetchone()
        # as if the store had no complaints: the metrics layer gives it no curve
        con.execute("DELETE FROM resolution_curves WHERE group_value = ?", [without_curve])
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(data))
    at = open_page("resolution", by="merchant", stores=[with_curve, without_curve])
    assert at.multiselect(key="stores").value == [with_curve, without_curve]
    assert any(c.value.endswith(f"curve in the warehouse for: {name}") for c in at.caption)
    assert len(legend(at)) == 1


def test_pages_say_when_metrics_are_missing(tmp_path, monkeypatch):
    """A warehouse without metric tables: every page explains instead of failing."""
    import duckdb

    from tests.support.dashboard_fixtures import build_dashboard_warehouse

    data = build_dashboard_warehouse(tmp_path)
    current = (named(data, "demo") / "CURRENT").read_text().strip()
    with duckdb.connect(str(named(data, "demo") / current)) as con:
        metric_tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_name IN ('merchant_tiers',"
                " 'merchant_scorecard', 'funnel_limits', 'resolution_curves', 'resolution_summary',"
                " 'penalty_consistency', 'penalty_consistency_test', 'overview_monthly', 'headline_findings',"
                " 'entity_scorecard')"
            ).fetchall()
        ]
        for name in metric_tables:
            con.execute(f'DROP TABLE "{name}" CASCADE')
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(data))
    for name in ("overview", "consistency", "resolution"):
        at = open_page(name)
        assert metrics_missing(at), name
    at = open_page("downloads", table="scorecards")
    assert any("metrics layer" in i.value for i in at.info)
    at = open_page("store", store="demo:m3")
    assert metrics_missing(at)


def test_cached_overview_figures_follow_language_and_platform():
    """The figures are cached across sessions: a Chinese reader must not get the English one."""
    english = figures(open_page("overview", lang="en"))
    chinese = figures(open_page("overview", lang="zh"))
    assert len(english) == len(chinese) == 2  # the trend and the funnel
    assert english[1]["layout"]["xaxis"]["title"]["text"] == "Orders, last 12 months"
    assert chinese[1]["layout"]["xaxis"]["title"]["text"] == "近12个月订单数"
    assert english[0]["layout"]["annotations"][0]["text"] != chinese[0]["layout"]["annotations"][0]["text"]

    def stores(figure: dict) -> set[str]:
        return {store for trace in figure["data"] for store in trace.get("customdata") or []}

    default = open_page("overview", lang="en")
    other = next(p for p in ("jd", "amazon", "tmall") if p != default.selectbox(key="funnel").value)
    other_stores = stores(figures(open_page("overview", lang="en", funnel=other))[1])
    assert other_stores and other_stores.isdisjoint(stores(english[1]))


def test_query_results_are_copies_a_page_cannot_change_for_others():
    from dashboard import db

    first = db.query("SELECT DISTINCT platform FROM merchants ORDER BY platform")
    first["platform"] = "changed"
    again = db.query("SELECT DISTINCT platform FROM merchants ORDER BY platform")
    assert "changed" not in set(again["platform"]) and len(again) == len(first)


PLATFORM_CODES = ("taobao", "tmall", "jd", "pinduoduo", "amazon")
PLATFORM_LABELS = {
    "en": {"Taobao", "Tmall", "JD", "Pinduoduo", "Amazon"},
    "zh": {"淘宝", "天猫", "京东", "拼多多", "亚马逊"},
}


def raw_codes(texts: list[str]) -> set[str]:
    """Platform codes shown as words (case-sensitive: `taobao`, not the label Taobao)."""
    return {code for text in texts for code in PLATFORM_CODES if re.search(rf"\b{code}\b", text)}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_overview_names_platforms_in_the_readers_language(lang):
    at = open_page("overview", lang=lang)
    labels = PLATFORM_LABELS[lang]
    choices = at.multiselect(key="platform").options
    assert set(choices) == labels
    trend = figures(at)[0]
    legend = [trace["name"] for trace in trend["data"] if trace.get("showlegend", True)]
    assert set(legend) == labels
    funnel_choices = at.selectbox(key="funnel").options
    assert set(funnel_choices) <= labels and funnel_choices
    assert not raw_codes([*choices, *legend, *funnel_choices, *(m.value for m in at.markdown)])
    # the value behind the label is still the code, so a link means the same in either language
    assert open_page("overview", lang=lang, platform="taobao").multiselect(key="platform").value == ["taobao"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_consistency_drilldown_names_platforms_in_the_readers_language(lang):
    at = open_page("consistency", lang=lang)
    if metrics_missing(at):
        pytest.skip("metric tables not built yet")
    for tier in at.selectbox(key="drill_tier").options:  # the first tier with penalties
        at.selectbox(key="drill_tier").select(tier).run(timeout=60)
        if at.dataframe and "platform" in at.dataframe[-1].value:
            break
    shown = set(at.dataframe[-1].value["platform"])
    assert shown and shown <= PLATFORM_LABELS[lang]
    assert not raw_codes(list(shown))
