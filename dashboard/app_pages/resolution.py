"""Resolution times: Kaplan-Meier curves with bands, medians and shares resolved, censoring explained."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard import charts, db, i18n, store_search, ui
from dashboard.i18n import t

GROUPINGS = ("size_tier", "category", "platform", "all", "merchant")
MAX_STORES = 8  # more curves than this stop being readable


def link_store_ids(values: Sequence[str]) -> list[str]:
    """Known store ids from ?stores=: one per value, or comma-separated as links from before names."""
    whole = [v.strip() for v in values if v.strip()]
    parts = [p.strip() for v in whole for p in v.split(",") if p.strip()]
    known = set(store_search.by_ids([*whole, *parts])["merchant_id"])
    wanted: list[str] = []
    for value in whole:  # an id that itself holds a comma is kept whole
        wanted += [value] if value in known else [p.strip() for p in value.split(",") if p.strip()]
    wanted = list(dict.fromkeys(wanted))
    ui.ignored([v for v in wanted if v not in known])
    found = [v for v in wanted if v in known]
    if len(found) > MAX_STORES:
        left_out = ", ".join(ui.escape_markdown(v) for v in found[MAX_STORES:])
        st.caption(t("stores_left_out", n=MAX_STORES, ids=left_out))
    return found[:MAX_STORES]


def store_option(store: dict) -> str:
    """A store as one plain line in a list: name, platform, company, closure."""
    parts = [store["name"], ui.platform_label(store["platform"])]
    if pd.notna(store["entity_name"]):
        parts.append(store["entity_name"])
    text = " · ".join(" ".join(str(p).split()) for p in parts)  # a source's line breaks become spaces
    if pd.notna(store["closed_on"]):
        text += f" · {t('closed')} {store['closed_on']:%Y-%m-%d}"
    return text


def store_names(stores: Sequence[dict]) -> dict[str, str]:
    """Legend names: the store's name, with its platform when two chosen stores share a name."""
    names = [s["name"] for s in stores]
    return {
        s["merchant_id"]: f"{s['name']} ({ui.platform_label(s['platform'])})"
        if names.count(s["name"]) > 1
        else s["name"]
        for s in stores
    }


def choose_stores() -> tuple[list[str], dict[str, str]]:
    """Stores picked by name from a search; the URL keeps their ids (?stores=) so a link shows them."""
    if "stores" not in st.session_state:
        st.session_state["stores"] = link_store_ids(st.query_params.get_all("stores"))
    text = st.text_input(t("search_label"), key="store_search", placeholder="Lumio / 福润数码 / 91…").strip()
    found = store_search.search(text)
    store_search.show_notes(found)
    if text and found.stores.empty and found.complete:
        st.warning(t("store_not_found", q=ui.escape_markdown(text)))
    elif not found.stores.empty:
        st.caption(t("stores_found", n=len(found.stores)))
    stores: dict[str, dict] = {}  # the chosen stores first, then the matches
    for frame in (store_search.by_ids(st.session_state["stores"]), found.stores):
        for store in frame.to_dict("records"):
            stores.setdefault(store["merchant_id"], store)
    options = {merchant_id: store_option(store) for merchant_id, store in stores.items()}
    chosen = st.multiselect(
        t("stores_to_compare", n=MAX_STORES),
        list(dict.fromkeys([*st.session_state["stores"], *options])),
        key="stores",
        format_func=lambda merchant_id: options.get(merchant_id, merchant_id),
        max_selections=MAX_STORES,
        placeholder=t("stores_placeholder"),
    )
    ui.publish("stores", chosen)
    return chosen, store_names([stores[c] for c in chosen if c in stores])


def group_labels(grouping: str, values: list[str], lang: str) -> dict[str, str]:
    if grouping == "size_tier":
        return {v: i18n.tier_label(v) for v in values}
    if grouping == "category":
        return db.labels("complaint_categories", lang)
    if grouping == "all":
        return {v: t("grouping_all") for v in values}
    if grouping == "platform":
        return {v: ui.platform_label(v) for v in values}
    return {v: v for v in values}


def close_date_notes() -> list[str]:
    """Which platforms' complaints have no close dates to time, as the metric layer words it."""
    if db.missing("platform_basis"):
        return []
    return ui.basis_notes(
        db.query(
            "SELECT DISTINCT not_available_en, not_available_zh FROM platform_basis"
            " WHERE fact = 'complaint_close_dates' AND NOT available ORDER BY not_available_en"
        )
    )


def main() -> None:
    lang = i18n.lang()
    st.title(t("resolution_title"))
    if not ui.metrics_ready("resolution_curves", "resolution_summary"):
        return
    left_out = close_date_notes()
    if left_out:  # complaints without a close-date basis are not timed at all, not counted as open
        st.info(t("resolution_left_out", reasons="; ".join(left_out)))
    grouping = ui.url_selectbox(
        t("group_by"), GROUPINGS, "by", format_func=lambda g: t(f"grouping_{g}"), horizontal=True
    )
    if grouping == "merchant":
        chosen, labels = choose_stores()
        if not chosen:
            st.info(t("stores_hint", n=MAX_STORES))
            return
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
        if not left_out:
            st.info(t("no_data_filter"))
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
    without = [labels.get(v, v) for v in chosen if v not in set(curves["group_value"])]
    if without:  # a store with no complaints has no curve
        st.caption(t("stores_without_curves", names=", ".join(ui.escape_markdown(n) for n in without)))
    figure = charts.survival_curves(
        curves, labels, {"days": t("days"), "share_unresolved": t("share_unresolved")}
    )
    ui.chart(figure, curves, f"storewatch_resolution_{grouping}", "resolution_chart")
    st.caption(t("censoring_note"))

    logrank = db.query("SELECT * FROM resolution_logrank WHERE grouping = ?", [grouping])
    if not logrank.empty and grouping not in ("all", "merchant"):
        row = logrank.iloc[0]
        if pd.notna(row["p_value"]):
            chi2, p_value = f"{row['chi2']:,.1f}", f"{row['p_value']:.2g}"
            st.markdown(t("logrank", chi2=chi2, df=int(row["df"]), p=p_value))
        elif "not_computable_en" in row:
            st.markdown(ui.escape_markdown(ui.in_language(row, "not_computable")))

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
