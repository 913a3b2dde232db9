"""Overview (journalists): headline figures, trends, the funnel plot and what the data support."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, db, i18n, ui
from dashboard.i18n import t

STORE_PAGE = "app_pages/store.py"
MONTHLY_SQL = (
    "SELECT platform, month, complaints, disputes, penalties, orders FROM overview_monthly"
    " WHERE (len(?) = 0 OR list_contains(?, platform))"
    " AND (?::DATE IS NULL OR month >= date_trunc('month', ?::DATE))"
    " AND (?::DATE IS NULL OR month <= ?::DATE) ORDER BY platform, month"
)
FUNNEL_STORES_SQL = (
    "SELECT merchant_id, name, size_tier, orders_12m::DOUBLE AS orders_12m, disputes_12m,"
    " dispute_rate, dispute_rate_low, dispute_rate_high, funnel_position FROM merchant_scorecard"
    " WHERE platform = ? AND rate_available AND NOT too_few_records ORDER BY merchant_id"
)
PLATFORM_BASIS_SQL = (
    "SELECT DISTINCT not_available_en, not_available_zh FROM platform_basis"
    " WHERE NOT available AND list_contains(?, fact) AND (len(?) = 0 OR list_contains(?, platform))"
    " ORDER BY not_available_en"
)
# the facts the front page's figures and findings rest on
FINDING_FACTS = ["complaint_close_dates", "orders", "store_sizes", "penalties", "entities", "store_dates"]
FUNNEL_LIMITS_SQL = (
    "SELECT orders, expected_rate, lower_95, upper_95, lower_998, upper_998 FROM funnel_limits"
    " WHERE platform = ? ORDER BY orders"
)


def chart_labels() -> dict[str, str]:
    keys = ("month", "complaints", "penalties", "orders_12m", "dispute_rate", "expected_rate")
    labels = {key: t(key) for key in (*keys, "limit_95", "limit_998")}
    for position in ("inside", "above_95", "above_998", "below_95", "below_998", "not_applicable"):
        labels[f"funnel_{position}"] = t(f"funnel_{position}").rstrip(".。")
    return labels


def headline(platforms: list[str], start, end) -> None:
    st.subheader(t("headline"))
    if db.missing("overview_monthly"):
        counts = db.query(
            "SELECT (SELECT count(*) FROM merchants WHERE len(?) = 0 OR list_contains(?, platform))"
            " AS stores, (SELECT count(*) FROM complaints WHERE len(?) = 0 OR list_contains(?, platform))"
            " AS complaints,"
            " (SELECT count(*) FROM penalties p JOIN merchants m USING (merchant_id)"
            "   WHERE len(?) = 0 OR list_contains(?, m.platform)) AS penalties",
            [platforms] * 6,
        ).iloc[0]
        disputes, monthly = None, False
    else:
        counts = db.query(
            "SELECT (SELECT count(*) FROM merchants WHERE len(?) = 0 OR list_contains(?, platform))"
            " AS stores, coalesce(sum(complaints), 0) AS complaints, sum(disputes) AS disputes,"
            " sum(penalties) AS penalties FROM overview_monthly"
            " WHERE (len(?) = 0 OR list_contains(?, platform))"
            " AND (?::DATE IS NULL OR month >= date_trunc('month', ?::DATE))"
            " AND (?::DATE IS NULL OR month <= ?::DATE)",
            [platforms, platforms, platforms, platforms, start, start, end, end],
        ).iloc[0]
        disputes, monthly = counts["disputes"], True
    cols = st.columns(4 if monthly else 3)
    cols[0].metric(t("stores"), f"{int(counts['stores']):,}")
    cols[1].metric(t("complaints"), f"{int(counts['complaints']):,}")
    if monthly:
        cols[2].metric(t("disputes"), count_or_unknown(disputes))
    cols[-1].metric(t("penalties"), count_or_unknown(counts["penalties"]))
    if monthly and not db.missing("platform_basis"):  # the metric tables say where counts have no basis
        unknown = db.query(PLATFORM_BASIS_SQL, [["escalation", "penalties"], platforms, platforms])
        for note in ui.basis_notes(unknown):
            st.caption(note)


def count_or_unknown(value: object) -> str:
    """A count, or "not available" where no source publishes it (NULL in the metric table)."""
    return t("not_available_value") if pd.isna(value) else f"{int(value):,}"


def trend(platforms: list[str], start, end) -> None:
    st.subheader(t("trend"))
    if not ui.metrics_ready("overview_monthly"):
        return
    monthly = db.query(MONTHLY_SQL, [platforms, platforms, start, start, end, end])
    if monthly.empty:
        st.warning(t("no_data_filter"))
        return
    figure = trend_figure(str(db.current_path()), tuple(platforms), start, end, i18n.lang())
    ui.chart(figure, monthly, "storewatch_monthly", "trend_chart")


# The figures are built once per warehouse version, filter and language and shared by every
# session (st.plotly_chart only reads them): with tens of thousands of stores in the funnel,
# building a figure costs more than all the page's queries (docs/benchmarks.md).
@st.cache_resource(max_entries=64, show_spinner=False)
def trend_figure(version: str, platforms: tuple[str, ...], start, end, lang: str) -> go.Figure:
    monthly = db.query(MONTHLY_SQL, [list(platforms), list(platforms), start, start, end, end])
    names = {code: ui.platform_label(code) for code in monthly["platform"].unique()}
    return charts.monthly_trend(monthly, chart_labels(), names)


@st.cache_resource(max_entries=64, show_spinner=False)
def funnel_figure(version: str, platform: str, lang: str) -> go.Figure:
    stores = db.query(FUNNEL_STORES_SQL, [platform])
    limits = db.query(FUNNEL_LIMITS_SQL, [platform])
    return charts.funnel_plot(stores, limits, chart_labels())


def funnel(platforms: list[str]) -> None:
    st.subheader(t("funnel"))
    if not ui.metrics_ready("merchant_scorecard", "funnel_limits"):
        return
    by_size = db.query(
        "SELECT platform FROM merchant_scorecard WHERE rate_available AND NOT too_few_records"
        " GROUP BY platform ORDER BY count(*) DESC, platform"
    )["platform"]
    options = [p for p in by_size if not platforms or p in platforms] or platforms or db.platforms()
    platform = ui.url_selectbox(t("funnel_platform"), options, "funnel", format_func=ui.platform_option())
    stores = db.query(FUNNEL_STORES_SQL, [platform])
    limits = db.query(FUNNEL_LIMITS_SQL, [platform])
    if stores.empty or limits.empty:
        unknown = db.query(PLATFORM_BASIS_SQL, [["orders", "escalation"], [platform], [platform]])
        notes = ui.basis_notes(unknown) if not db.missing("platform_basis") else []
        st.info("\n".join(f"- {note}" for note in notes) if notes else t("no_rate_platform"))
        return
    st.caption(t("funnel_note"))
    figure = funnel_figure(str(db.current_path()), platform, i18n.lang())
    event = ui.chart(figure, stores, f"storewatch_funnel_{platform}", "funnel_chart", on_select="rerun")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    chosen = [p["customdata"] for p in points if p.get("customdata")]
    chosen = [c[0] if isinstance(c, list) else c for c in chosen]
    if chosen:
        st.switch_page(STORE_PAGE, query_params={"store": chosen[0], "lang": i18n.lang()})


def findings() -> None:
    st.subheader(t("findings"))
    if db.missing("headline_findings"):
        if ui.metrics_ready("penalty_consistency_test"):
            sentences = db.query(
                "SELECT sentence_en, sentence_zh FROM penalty_consistency_test"
                " WHERE violation_type = 'all' ORDER BY size_tier DESC"
            )
            column = "sentence_zh" if i18n.lang() == "zh" else "sentence_en"
            st.markdown("\n".join(f"- {s}" for s in sentences[column]))
        return
    rows = db.query("SELECT rank, finding_en, finding_zh FROM headline_findings ORDER BY rank LIMIT 3")
    column = "finding_zh" if i18n.lang() == "zh" else "finding_en"
    st.markdown("\n".join(f"{i}. {text}" for i, text in enumerate(rows[column], start=1)))
    if not db.missing("source_basis"):
        unknown = db.query(
            "SELECT not_available_en, not_available_zh FROM source_basis"
            " WHERE NOT available AND list_contains(?, fact) ORDER BY fact",
            [FINDING_FACTS],
        )
        notes = ui.basis_notes(unknown)
        if notes:
            st.caption(t("findings_not_stated") + "\n" + "\n".join(f"- {note}" for note in notes))


def main() -> None:
    st.title(t("overview_title"))
    left, right = st.columns(2)
    with left:
        platforms = ui.url_multiselect(
            t("platform"), db.platforms(), "platform", format_func=ui.platform_option()
        )
    with right:
        bounds = db.query("SELECT min(filed_at)::DATE AS lo, max(filed_at)::DATE AS hi FROM complaints").iloc[
            0
        ]
        start = end = None
        if pd.notna(bounds["lo"]):
            start, end = ui.url_period(
                t("period"), "period", pd.Timestamp(bounds["lo"]).date(), pd.Timestamp(bounds["hi"]).date()
            )
    headline(platforms, start, end)
    findings()
    trend(platforms, start, end)
    funnel(platforms)
    st.page_link(
        STORE_PAGE, label=t("nav_store"), icon=":material/search:", query_params={"lang": i18n.lang()}
    )


main()
