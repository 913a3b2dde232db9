"""Pages never state a figure their sources cannot support: on real CFPB and NYC records, and on a file
import of complaints and penalties without a store register, every page says "not available: <source>
does not publish <what>" (in both languages) instead of 0, "still trading", "no other stores", 0 %,
an empty heading or nan."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db
from dashboard.i18n import STRINGS
from etl.exports.catalogue import DATASETS, Filters
from etl.exports.citation import citation
from etl.exports.writers import write_csv
from etl.run import run_source
from etl.sources.cfpb import CfpbCsvSource
from etl.sources.file_import import FileImportSource
from etl.warehouse import Warehouse
from tests.support.dashboard_fixtures import APP, page
from tests.support.realdata import REALDATA
from tests.support.warehouses import named

ROOT = Path(__file__).resolve().parents[1]
CFPB_CSV = REALDATA / "cfpb_complaints_csv" / "bdm_hw3_complaints_sample_2020.csv"
NYC_CSV = REALDATA / "nyc_dcwp" / "Consumer_Services_Mediated_Complaints_2018-2020_manjunath5496.csv"
# Said of a fact no source publishes, never: a zero, a "nan", a test on no data, a store still trading.
NEVER = {
    "en": [r"\bnan\b", r"\bNaN\b", r"on 0 df", r"still trading", r"\b0 legal entities", r"\b0 % escalated"],
    "zh": [r"\bnan\b", r"自由度 0", r"仍在营业", r"\b0 家企业", r"升级至平台介入 0%"],
}
UNAVAILABLE = {"en": "not available", "zh": "不可用"}
NOT_PUBLISHED = {"en": "not publish", "zh": "未公布"}
# "no other stores" is true of a recorded entity with one store, never of a store whose entity is unknown
NO_OTHER_STORES = {"en": "No other stores recorded", "zh": "该主体没有其他店铺记录"}


def shown(at: AppTest) -> str:
    """Every text the page shows, metric values and labels included."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "subheader", "title", "header"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts).replace("\\", "")  # Markdown escapes of source names


def render(slug: str, lang: str, **params: str) -> str:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page(slug)).run()
    assert not at.exception, [e.value for e in at.exception]
    text = shown(at)
    for pattern in NEVER[lang]:
        assert not re.search(pattern, text), (slug, params, pattern, text)
    return text


def one_store(data_dir: Path, platform: str) -> str:
    con = Warehouse(named(data_dir, "main")).connect_read_only()
    try:
        return con.execute(
            "SELECT merchant_id FROM merchant_scorecard WHERE platform = ?"
            " ORDER BY complaints_12m DESC, merchant_id",
            [platform],
        ).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def realdata_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CFPB_CSV.exists() or not NYC_CSV.exists():
        pytest.skip(f"real CFPB and NYC files not found under {REALDATA}")
    directory = tmp_path_factory.mktemp("realdata_basis")
    warehouse = Warehouse(named(directory, "main"))
    run_source(CfpbCsvSource(CFPB_CSV), warehouse=warehouse)
    nyc_mapping = ROOT / "data" / "mappings" / "nyc_dcwp_mediated_complaints_csv.toml"
    run_source(FileImportSource(NYC_CSV, nyc_mapping), warehouse=warehouse)
    return directory


@pytest.fixture(scope="module")
def import_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example complaint export and penalty list, loaded without any store register."""
    directory = tmp_path_factory.mktemp("import_basis")
    warehouse = Warehouse(named(directory, "main"))
    for example, mapping in (
        ("blackcat_complaints_example.csv", "blackcat_complaints.yaml"),
        ("platform_penalty_notices_example.csv", "platform_penalty_notices.yaml"),
    ):
        run_source(
            FileImportSource(ROOT / "data" / "examples" / example, ROOT / "data" / "mappings" / mapping),
            warehouse=warehouse,
        )
    return directory


def serve(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(directory))
    monkeypatch.setenv("STOREWATCH_WAREHOUSE", "main")
    db.clear_caches()
    return directory


@pytest.fixture
def realdata_env(realdata_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return serve(realdata_warehouse, monkeypatch)


@pytest.fixture
def import_env(import_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return serve(import_warehouse, monkeypatch)


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_real_overview_says_disputes_and_penalties_are_not_published(realdata_env: Path, lang: str) -> None:
    text = render("overview", lang)
    assert re.search(rf"(Disputes|纠纷): {UNAVAILABLE[lang]}", text)
    assert re.search(rf"(Penalties|处罚): {UNAVAILABLE[lang]}", text)
    for source in ("CFPB Consumer Complaint Database", "NYC DCWP mediated complaints"):
        assert re.search(rf"{source}[^\n]*{NOT_PUBLISHED[lang]}", text), source
    # the 30-day share is stated only over the complaints with close dates, and says so
    assert ("of 9,623" if lang == "en" else "共 9,623 件") in text


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_real_cfpb_store_page_states_nothing_cfpb_does_not_publish(realdata_env: Path, lang: str) -> None:
    text = render("store", lang, store=one_store(realdata_env, "cfpb"))
    words = {
        "en": [
            "trading status not available: CFPB Consumer Complaint Database does not publish store opening",
            "does not publish order volumes",
            "does not publish escalations",
            "does not publish complaint close dates",
            "does not publish penalties",
        ],
        "zh": ["营业状态不可用", "未公布订单量", "未公布平台介入", "未公布投诉结案日期", "未公布处罚记录"],
    }[lang]
    for phrase in words:
        assert phrase in text
    assert "escalated" not in text and "升级至平台" not in text  # no "0 % escalated"
    assert re.search(rf"(Penalties in the last 24 months|近24个月的处罚): {UNAVAILABLE[lang]}", text)


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_real_nyc_store_page_says_its_entity_is_not_published(realdata_env: Path, lang: str) -> None:
    text = render("store", lang, store=one_store(realdata_env, "nyc_dcwp"))
    phrase = {"en": "does not publish legal entities", "zh": "未公布经营主体"}[lang]
    assert text.count(phrase) >= 2  # the entity line and "other stores of the same entity"
    assert NO_OTHER_STORES[lang] not in text
    # no rate for want of orders and escalations, not for want of records: "too few" would mislead
    assert {"en": "does not publish order volumes", "zh": "未公布订单量"}[lang] in text
    assert STRINGS["too_few"][0 if lang == "en" else 1] not in text


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_real_consistency_page_says_why_nothing_is_compared(realdata_env: Path, lang: str) -> None:
    text = render("consistency", lang)
    assert {"en": "cannot be compared for penalties", "zh": "无法比较大型与小型店铺的处罚"}[lang] in text
    assert NOT_PUBLISHED[lang] in text


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("grouping", ["platform", "size_tier", "all"])
def test_real_resolution_page_leaves_out_cfpb_and_says_why(
    realdata_env: Path, lang: str, grouping: str
) -> None:
    text = render("resolution", lang, by=grouping)
    expected = {
        "en": "Left out of resolution times: not available: CFPB Consumer Complaint Database does not "
        "publish complaint close dates",
        "zh": "未计入解决时长：不可用：CFPB Consumer Complaint Database 未公布投诉结案日期",
    }
    assert expected[lang] in text
    if grouping == "platform":  # only NYC's complaints are timed: one group, no test
        assert {"en": "not computable", "zh": "无法计算"}[lang] in text


@pytest.mark.realdata
@pytest.mark.slow
def test_real_scorecard_extract_leaves_unpublished_counts_empty(realdata_env: Path, tmp_path: Path) -> None:
    out = tmp_path / "scorecards.csv"
    con = Warehouse(named(realdata_env, "main")).connect_read_only()
    try:
        write_csv(DATASETS["scorecards"], Filters(platforms=("cfpb",)), con, out)
    finally:
        con.close()
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows
    assert {(r["disputes_12m"], r["penalties_24m"], r["trading_status"]) for r in rows} == {
        ("", "", "unknown")
    }
    assert all("does not publish penalties" in r["not_available_en"] for r in rows)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_import_without_register_overview(import_env: Path, lang: str) -> None:
    text = render("overview", lang)
    assert re.search(rf"(Disputes|纠纷): {UNAVAILABLE[lang]}", text)
    assert re.search(r"(Penalties|处罚): [1-9]", text)  # the penalty list covers both platforms
    assert {"en": "do not publish store opening and closing dates", "zh": "未公布店铺开关店日期"}[
        lang
    ] in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_import_without_register_store_page(import_env: Path, lang: str) -> None:
    text = render("store", lang, store=one_store(import_env, "taobao"))
    phrase = {
        # the complaint export and the penalty list name the same store (docs/linking.md): both say
        "en": "trading status not available: Black-Cat-style complaint export (fictional example), Platform "
        "penalty notices (fictional example) do not publish store opening and closing dates",
        "zh": "营业状态不可用：Black-Cat-style complaint export (fictional example), Platform penalty "
        "notices (fictional example) 未公布店铺开关店日期",
    }[lang]
    assert phrase in text
    assert {"en": "do not publish order volumes", "zh": "未公布订单量"}[lang] in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_import_without_register_consistency_page(import_env: Path, lang: str) -> None:
    text = render("consistency", lang)
    assert {"en": "no store has a known size", "zh": "没有店铺的规模已知"}[lang] in text
    assert {"en": "do not publish store sizes", "zh": "未公布店铺规模"}[lang] in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_import_without_register_resolution_page(import_env: Path, lang: str) -> None:
    render("resolution", lang, by="platform")


def test_import_extract_citation_says_what_each_source_does_not_publish(import_env: Path) -> None:
    con = Warehouse(named(import_env, "main")).connect_read_only()
    try:
        line = citation(DATASETS["complaints"], Filters(), con, date(2026, 12, 1))
    finally:
        con.close()
    assert "an empty cell means not published, not zero" in line
    # the complaint export maps no escalation column and no store register was loaded
    note = line.split("Not available")[1]
    assert "Black-Cat-style complaint export (fictional example) does not publish" in note
    assert "escalations to the platform" in note and "order volumes" in note
    # it does map close dates: those are not listed for it
    complaints_part = note.split("Black-Cat-style complaint export (fictional example) does not publish")[1]
    assert "complaint close dates" not in complaints_part.split(";")[0]
