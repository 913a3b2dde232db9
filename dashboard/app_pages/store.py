"""Check a store (consumers): find it by name, misspelt or partial, or by its company; read its record."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard import charts, db, i18n, store_search, ui
from dashboard.i18n import t

THIS_PAGE = Path(__file__)
STORE_SQL = """
SELECT m.merchant_id, m.name, m.platform, m.category, m.opened_on, m.closed_on, m.store_url,
       m.entity_id, e.name AS entity_name, e.registration_number
FROM merchants m LEFT JOIN entities e ON e.entity_id = m.entity_id
WHERE m.merchant_id = ?
"""

PENALTIES_SQL = """
SELECT p.decided_at::DATE AS decided_on, p.authority_name, p.violation_type, p.sanction_type,
       p.points, p.fine_amount, p.fine_currency, p.document_url
FROM penalties p
JOIN merchants m ON m.merchant_id = p.merchant_id
-- the window ends at the store's source as_of, as in merchant_scorecard
JOIN sources s ON s.source_id = m.source_id
WHERE p.merchant_id = ?
  AND p.decided_at > s.as_of - INTERVAL 24 MONTH
ORDER BY p.decided_at DESC, p.penalty_id
"""

SIBLINGS_SQL = """
SELECT merchant_id, name, platform, opened_on, closed_on
FROM merchants WHERE entity_id = ? AND merchant_id <> ?
ORDER BY closed_on NULLS FIRST, name
"""


PREDECESSORS_SQL = """
WITH pairs AS (
    SELECT unnest(reopened_pairs) AS pair FROM entity_scorecard WHERE entity_id = ?
)
SELECT m.name, m.platform, pair.closed_on
FROM pairs JOIN merchants m ON m.merchant_id = pair.closed_merchant_id
WHERE pair.reopened_merchant_id = ?
ORDER BY pair.closed_on
"""


def store_url(merchant_id: str) -> str:
    return "store?" + urlencode({"store": merchant_id, "lang": i18n.lang()})


def show_results(text: str) -> None:
    found = store_search.search(text)
    store_search.show_notes(found)
    if found.stores.empty:
        if found.complete:
            st.warning(t("store_not_found", q=ui.escape_markdown(text)))
        return
    st.subheader(t("search_results"))
    for row in found.stores.itertuples():
        closed = f" · {t('closed')} {row.closed_on:%Y-%m-%d}" if pd.notna(row.closed_on) else ""
        st.page_link(
            THIS_PAGE,
            label=f"{ui.escape_markdown(row.name)} — {ui.escape_markdown(ui.platform_label(row.platform))} · "
            f"{ui.escape_markdown(row.entity_name)}{closed}",
            query_params={"store": row.merchant_id, "lang": i18n.lang()},
            icon=":material/storefront:",
        )


def store_basis(merchant_id: str) -> pd.Series | None:
    """What this store's figures can rest on (store_basis), None in a warehouse built before it."""
    if db.missing("store_basis"):
        return None
    found = db.query("SELECT * FROM store_basis WHERE merchant_id = ?", [merchant_id])
    return None if found.empty else found.iloc[0]


def reasons(basis: pd.Series | None, *facts: str) -> list[str]:
    """The metric layer's not-available sentences for these facts of the store, as plain text."""
    if basis is None:
        return []
    found = (ui.in_language(basis, f"{fact}_not_available") for fact in facts)
    return [ui.escape_markdown(text) for text in dict.fromkeys(f for f in found if f)]


def known_true(value: object) -> bool:
    """True only for a recorded true; NULL (not known) is not."""
    return bool(pd.notna(value) and value)


def count_or_unknown(value: object) -> str:
    return t("not_available_value") if pd.isna(value) else ui.format_number(int(value), 0)


def scorecard(merchant_id: str, lang: str, basis: pd.Series | None) -> None:
    st.subheader(t("scorecard"))
    if not ui.metrics_ready("merchant_scorecard", "metric_parameters"):
        return
    card = db.query("SELECT * FROM merchant_scorecard WHERE merchant_id = ?", [merchant_id])
    if card.empty:
        st.info(t("too_few"))
        return
    s = card.iloc[0]
    cols = st.columns(3)
    cols[0].metric(t("dispute_rate"), "–" if pd.isna(s["dispute_rate"]) else f"{s['dispute_rate']:.2f}")
    cols[1].metric(t("complaints"), ui.format_number(int(s["complaints_12m"]), 0))
    cols[2].metric(t("penalties_24m"), count_or_unknown(s["penalties_24m"]))
    missing_rate = reasons(basis, "orders", "escalation") if not bool(s["rate_available"]) else []
    if missing_rate:
        # the metric layer says which source does not publish what the rate needs: "too few
        # records" would suggest that more complaints could give a rate, and they cannot
        st.markdown("\n".join(f"- {reason}" for reason in missing_rate))
    elif bool(s["too_few_records"]):
        st.info(t("too_few"))
    elif not bool(s["rate_available"]):
        st.info(t("rate_unavailable"))
    else:
        st.markdown(
            t(
                "rate_sentence",
                rate=f"{s['dispute_rate']:.2f}",
                low=f"{s['dispute_rate_low']:.2f}",
                high=f"{s['dispute_rate_high']:.2f}",
                disputes=f"{int(s['disputes_12m']):,}",
                orders=f"{int(s['orders_12m']):,}",
            )
        )
        if pd.notna(s["peer_percentile"]):
            st.markdown(
                t(
                    "peer_sentence",
                    tier=i18n.tier_label(s["size_tier"]),
                    category=ui.escape_markdown(i18n.store_category_label(s["category"])),
                    pct=f"{s['peer_percentile']:.0f}",
                )
            )
        st.markdown(t(f"funnel_{s['funnel_position']}"))
    if s["complaints_12m"] and pd.notna(s["share_resolved"]):
        shares = {
            "complaints": f"{int(s['complaints_12m']):,}",
            "resolved": f"{100 * s['share_resolved']:.0f}",
            "open": f"{100 * (0 if pd.isna(s['share_open']) else s['share_open']):.0f}",
        }
        if pd.isna(s["share_escalated"]):  # escalation not recorded: no share is stated
            st.markdown(t("resolution_sentence_shares", **shares))
        else:
            st.markdown(t("resolution_sentence", escalated=f"{100 * s['share_escalated']:.0f}", **shares))
    close_dates = reasons(basis, "close_dates")
    if pd.notna(s["km_median_days"]):
        p90 = "–" if pd.isna(s["km_p90_days"]) else f"{s['km_p90_days']:.0f}"
        st.markdown(t("median_sentence", median=f"{s['km_median_days']:.1f}", p90=p90))
    elif close_dates and s["complaints_12m"]:
        st.markdown("\n".join(f"- {reason}" for reason in close_dates))
    elif s["complaints_12m"] and s["complaints_12m"] >= min_records():
        st.markdown(t("median_unknown"))
    resolution_curve(merchant_id, s["size_tier"])
    red_flags(s, reasons(basis, "escalation", "penalties", "entity"))


def min_records() -> float:
    """The metric tables' "too few records" minimum, as the warehouse that built them says."""
    return db.query("SELECT value FROM metric_parameters WHERE name = 'min_records'").iloc[0, 0]


def resolution_curve(merchant_id: str, tier: str) -> None:
    """This store's Kaplan-Meier curve beside the curve of all stores of its size tier."""
    if db.missing("resolution_curves"):
        return
    curves = db.query(
        "SELECT CASE WHEN grouping = 'merchant' THEN 'store' ELSE group_value END AS group_value,"
        " day, at_risk, resolved, censored, survival, ci_low, ci_high FROM resolution_curves"
        " WHERE (grouping = 'merchant' AND group_value = ?) OR (grouping = 'size_tier' AND group_value = ?)"
        " ORDER BY grouping, day",
        [merchant_id, tier],
    )
    if not (curves["group_value"] == "store").any():
        return
    st.markdown(f"**{t('store_curve_title')}**")
    labels = {"store": t("this_store"), tier: f"{t('tier_all')} · {i18n.tier_label(tier)}"}
    figure = charts.survival_curves(
        curves, labels, {"days": t("days"), "share_unresolved": t("share_unresolved")}, height=320
    )
    ui.chart(figure, curves, f"storewatch_store_resolution_{merchant_id}", "store_curve")


def red_flags(s: pd.Series, unchecked: list[str]) -> None:
    flags = []
    if s["funnel_position"] in ("above_95", "above_998"):
        flags.append(t("flag_funnel"))
    if pd.notna(s["penalties_24m"]) and s["penalties_24m"] > 0:
        flags.append(t("flag_penalties", n=int(s["penalties_24m"])))
    if pd.notna(s.get("entity_id")) and not db.missing("entity_scorecard"):
        entity = db.query(
            "SELECT repeat_offender, reopened_after_closure FROM entity_scorecard WHERE entity_id = ?",
            [s["entity_id"]],
        )
        # NULL: not known (no penalties or store dates published), never a flag
        if not entity.empty and known_true(entity["repeat_offender"].iloc[0]):
            flags.append(t("flag_repeat"))
        if not entity.empty and known_true(entity["reopened_after_closure"].iloc[0]):
            flags.append(t("flag_reopened"))
    st.subheader(t("red_flags"))
    if flags:
        st.markdown("\n".join(f"- 🚩 {flag}" for flag in flags))
    else:
        st.markdown(t("no_red_flags"))
    if unchecked:
        st.caption(t("not_checked", reasons="; ".join(unchecked)))


def penalties(merchant_id: str, lang: str, basis: pd.Series | None) -> None:
    st.subheader(t("penalties_24m"))
    rows = db.query(PENALTIES_SQL, [merchant_id])
    unknown = reasons(basis, "penalties")
    if rows.empty and unknown:
        st.markdown("\n".join(f"- {reason}" for reason in unknown))
        return
    if rows.empty:
        st.markdown(t("no_penalties"))
        return
    violations = db.labels("violation_types", lang)
    sanctions = db.labels("sanction_scale", lang)
    rows["violation_type"] = rows["violation_type"].map(lambda v: violations.get(v, v))
    rows["sanction_type"] = rows["sanction_type"].map(lambda v: sanctions.get(v, v))
    rows["document_url"] = ui.safe_links(rows["document_url"])
    st.dataframe(
        rows,
        hide_index=True,
        key="store_penalties",
        column_config={
            "decided_on": st.column_config.DateColumn(t("decided"), format="YYYY-MM-DD"),
            "authority_name": t("authority"),
            "violation_type": t("violation"),
            "sanction_type": t("sanction"),
            "points": t("points"),
            "fine_amount": t("fine"),
            "fine_currency": t("currency"),
            "document_url": st.column_config.LinkColumn(t("document"), display_text="🔗"),
        },
    )


def entity_stores(store: pd.Series, basis: pd.Series | None) -> None:
    st.subheader(t("other_stores"))
    if pd.isna(store["entity_id"]):
        # no entity recorded is not the same as an entity with no other stores
        unknown = reasons(basis, "entity")
        st.markdown("\n".join(f"- {reason}" for reason in unknown) if unknown else t("no_other_stores"))
        return
    siblings = db.query(SIBLINGS_SQL, [store["entity_id"], store["merchant_id"]])
    if siblings.empty:
        st.markdown(t("no_other_stores"))
        return
    for row in siblings.head(30).itertuples():
        closed = f" · {t('closed')} {row.closed_on:%Y-%m-%d}" if pd.notna(row.closed_on) else ""
        st.page_link(
            THIS_PAGE,
            label=f"{ui.escape_markdown(row.name)} — {ui.escape_markdown(ui.platform_label(row.platform))}"
            f"{closed}",
            query_params={"store": row.merchant_id, "lang": i18n.lang()},
            icon=":material/storefront:",
        )
    if not db.missing("entity_scorecard") and "reopened_pairs" in db.columns("entity_scorecard"):
        # the metrics layer decides which closed store a reopening succeeds; we only list it
        predecessors = db.query(PREDECESSORS_SQL, [store["entity_id"], store["merchant_id"]])
        if not predecessors.empty:
            st.markdown(f"**{t('succeeds')}**")
            st.markdown(
                "\n".join(
                    f"- {ui.escape_markdown(r.name)} ({ui.escape_markdown(ui.platform_label(r.platform))}, "
                    f"{t('closed')} {r.closed_on:%Y-%m-%d})"
                    for r in predecessors.itertuples()
                )
            )


def store_page(merchant_id: str, lang: str) -> None:
    found = db.query(STORE_SQL, [merchant_id])
    if found.empty:
        st.warning(t("unknown_store", id=ui.escape_markdown(merchant_id)))
        return
    store = found.iloc[0]
    basis = store_basis(merchant_id)
    st.header(ui.escape_markdown(store["name"]), anchor=False)
    facts = [
        f"{t('platform')}: {ui.escape_markdown(ui.platform_label(store['platform']))}",
        f"{t('store_category')}: {ui.escape_markdown(i18n.store_category_label(store['category']))}",
    ]
    if pd.notna(store["opened_on"]):
        facts.append(f"{t('opened')}: {store['opened_on']:%Y-%m-%d}")
    if pd.notna(store["closed_on"]):
        facts.append(f"{t('closed')}: {store['closed_on']:%Y-%m-%d}")
    elif basis is None or basis["trading_status"] == "trading":
        facts.append(t("still_open"))
    else:  # no closing date, and no source publishing store dates: not known to be trading
        facts.append(t("trading_unknown", reason=" ".join(reasons(basis, "store_dates"))))
    st.markdown(" · ".join(facts))
    if pd.isna(store["entity_name"]) and reasons(basis, "entity"):
        st.markdown(f"{t('entity')}: {' '.join(reasons(basis, 'entity'))}")
    elif pd.notna(store["entity_name"]):
        st.markdown(
            # not a `code` span: a backtick in the number would close it, and escapes do not work inside
            f"{t('entity')}: **{ui.escape_markdown(store['entity_name'])}** · {t('registration')}: "
            f"{ui.escape_markdown(store['registration_number'] or '–')}"
        )
    st.caption(f"{t('store_link')}: `{store_url(merchant_id)}`")
    scorecard(merchant_id, lang, basis)
    penalties(merchant_id, lang, basis)
    entity_stores(store, basis)


def main() -> None:
    lang = i18n.lang()
    st.title(t("store_title"))
    text = ui.url_text(t("search_label"), "q", placeholder="Lumio / 福润数码 / 91…")
    merchant_id = st.query_params.get("store")
    if merchant_id:
        ui.publish("store", merchant_id)
        store_page(merchant_id, lang)
    if text:
        if merchant_id:
            st.divider()
        show_results(text)


main()
