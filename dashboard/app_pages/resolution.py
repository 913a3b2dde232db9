"""Resolution times: Kaplan-Meier curves with bands, medians and shares resolved, censoring explained."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, db, i18n, ui
from dashboard.i18n import t

GROUPINGS = ("size_tier", "category", "platform", "all", "merchant")
MAX_STORES = 8  # more curves than this stop being readable


def group_labels(grouping: str, values: list[str], lang: str) -> dict[str, str]:
    if grouping == "size_tier":
        return {v: i18n.tier_label(v) for v in values}
    if grouping == "category":
        return db.labels("complaint_categories", lang)
    if grouping == "all":
        return {v: t("grouping_all") for v in values}
    if grouping == "merchant" and values:
        names = db.query(
            "SELECT merchant_id, name FROM merchants WHERE list_contains(?, merchant_id)", [values]
        )
        return dict(zip(names["merchant_id"], names["name"], strict=True))
    return {v: v for v in values}


def main() -> None:
    lang = i18n.lang()
    st.title(t("resolution_title"))
    if not ui.metrics_ready("resolution_curves", "resolution_summary"):
        return
    grouping = ui.url_selectbox(
        t("group_by"), GROUPINGS, "by", format_func=lambda g: t(f"grouping_{g}"), horizontal=True
    )
    if grouping == "merchant":
        typed = ui.url_text(t("choose_stores"), "stores", placeholder="demo:m1, demo:m2")
        chosen = [s.strip() for s in typed.split(",") if s.strip()][:MAX_STORES]
    else:
        available = list(
            db.query(
                "SELECT DISTINCT group_value FROM resolution_summary WHERE grouping = ? ORDER BY 1",
                [grouping],
            )["group_value"]
        )
        labels = group_labels(grouping, available, lang)
        chosen = (
            ui.url_multiselect(
                t(f"grouping_{grouping}"), available, "groups", format_func=lambda v: labels.get(v, v)
            )
            or available
        )
    if not chosen:
        st.info(t("no_store_curves"))
        return
    curves = db.query(
        "SELECT group_value, day, at_risk, resolved, censored, survival, ci_low, ci_high"
        " FROM resolution_curves WHERE grouping = ? AND list_contains(?, group_value)"
        " ORDER BY group_value, day",
        [grouping, chosen],
    )
    if curves.empty:
        st.warning(t("no_store_curves") if grouping == "merchant" else t("no_data_filter"))
        return
    labels = group_labels(grouping, chosen, lang)
    figure = charts.survival_curves(
        curves, labels, {"days": t("days"), "share_unresolved": t("share_unresolved")}
    )
    ui.chart(figure, curves, f"storewatch_resolution_{grouping}", "resolution_chart")
    st.caption(t("censoring_note"))

    logrank = db.query("SELECT chi2, df, p_value FROM resolution_logrank WHERE grouping = ?", [grouping])
    if not logrank.empty and grouping not in ("all", "merchant"):
        row = logrank.iloc[0]
        st.markdown(t("logrank", chi2=f"{row['chi2']:,.1f}", df=int(row["df"]), p=f"{row['p_value']:.2g}"))

    st.subheader(t("summary_table"))
    summary = db.query(
        "SELECT * FROM resolution_summary WHERE grouping = ? AND list_contains(?, group_value)"
        " ORDER BY group_value",
        [grouping, chosen],
    )
    summary.insert(1, "label", summary["group_value"].map(lambda v: labels.get(v, v)))
    st.dataframe(
        summary,
        hide_index=True,
        key="resolution_summary",
        column_config={
            "share_resolved_7d": st.column_config.NumberColumn(format="percent"),
            "share_resolved_30d": st.column_config.NumberColumn(format="percent"),
            "median_days": st.column_config.NumberColumn(format="%.1f"),
            "p90_days": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    ui.table_csv_button(summary, f"storewatch_resolution_summary_{grouping}.csv", "summary_csv")


main()
