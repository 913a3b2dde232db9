"""Penalty consistency: like-for-like sanctions by size tier, the stratified test, the penalties behind it."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, db, i18n, ui
from dashboard.i18n import t

DRILLDOWN_ROWS = 200

DRILLDOWN_SQL = """
SELECT p.penalty_id, p.decided_at::DATE AS decided_on, m.name AS store_name, m.platform,
       t.size_tier, p.violation_type, p.sanction_type, p.points, p.fine_amount, p.fine_currency,
       p.document_url, p.merchant_id
FROM penalties p
JOIN merchants m ON m.merchant_id = p.merchant_id
JOIN merchant_tiers t ON t.merchant_id = p.merchant_id
WHERE p.violation_type = ? AND t.size_tier = ?
ORDER BY p.decided_at DESC, p.penalty_id
"""


def severity(violation: str, lang: str) -> None:
    """The distribution over the sanction scale, by tier, for one violation type."""
    counts = db.query(
        "SELECT size_tier, unnest(map_keys(severity_counts)) AS sanction_type,"
        " unnest(map_values(severity_counts)) AS penalties"
        " FROM penalty_consistency WHERE violation_type = ? ORDER BY size_tier",
        [violation],
    )
    if counts.empty:
        return
    scale = db.query("SELECT sanction_type FROM sanction_scale ORDER BY severity")["sanction_type"].tolist()
    sanctions = db.labels("sanction_scale", lang)
    tiers = {tier: i18n.tier_label(tier) for tier in charts.TIER_ORDER}
    figure = charts.severity_mix(counts, scale, sanctions, tiers, title=t("severity_mix"))
    ui.chart(figure, counts, f"storewatch_severity_{violation}", "severity_chart")


def not_computable(lang: str) -> bool:
    """Say why nothing can be compared (the test's not-computable row), if that is the case."""
    if "computable" not in db.columns("penalty_consistency_test"):
        return False
    rows = db.query("SELECT sentence_en, sentence_zh FROM penalty_consistency_test WHERE NOT computable")
    column = "sentence_zh" if lang == "zh" else "sentence_en"
    for sentence in rows[column]:
        st.info(ui.escape_markdown(sentence))
    return not rows.empty


def main() -> None:
    lang = i18n.lang()
    st.title(t("consistency_title"))
    st.caption(t("consistency_intro"))
    if not ui.metrics_ready("penalty_consistency", "penalty_consistency_test", "merchant_tiers"):
        return
    violations = db.labels("violation_types", lang)
    chosen = ui.url_multiselect(
        t("violation"), list(violations), "violation", format_func=lambda v: violations.get(v, v)
    )
    table = db.query(
        "SELECT * EXCLUDE (severity_counts), CAST(severity_counts AS VARCHAR) AS severity_counts"
        " FROM penalty_consistency WHERE len(?) = 0 OR list_contains(?, violation_type)"
        " ORDER BY violation_type, size_tier",
        [chosen, chosen],
    )
    if table.empty:
        if not not_computable(lang):
            st.warning(t("no_data_filter"))
        return
    tiers = {tier: i18n.tier_label(tier) for tier in charts.TIER_ORDER}
    for value, axis, percent, key in (
        ("sanction_rate", t("sanction_rate"), False, "rate"),
        ("share_warning_only", t("share_warning_only"), True, "warning"),
        ("mean_severity", t("mean_severity"), False, "severity"),
    ):
        figure = charts.tier_bars(table, value, violations, tiers, axis, title=axis, percent=percent)
        ui.chart(figure, table, f"storewatch_consistency_{key}", f"consistency_{key}")

    st.subheader(t("stratified_test"))
    if not_computable(lang):
        return
    tests = db.query(
        "SELECT * FROM penalty_consistency_test"
        " WHERE violation_type = 'all' OR len(?) = 0 OR list_contains(?, violation_type)"
        " ORDER BY violation_type = 'all' DESC, violation_type, size_tier DESC",
        [chosen, chosen],
    )
    if not tests.empty:
        row_labels = [
            f"{t('all') if v == 'all' else violations.get(v, v)} · {i18n.tier_label(s)}"
            for v, s in zip(tests["violation_type"], tests["size_tier"], strict=True)
        ]
        plotted = tests[tests["odds_ratio"].notna()]
        plotted_labels = [
            label for label, ok in zip(row_labels, tests["odds_ratio"].notna(), strict=True) if ok
        ]
        ui.chart(
            charts.odds_ratios(plotted, plotted_labels, title=t("odds_ratio")),
            tests.drop(columns=[c for c in tests.columns if c.startswith("sentence_")]),
            "storewatch_consistency_test",
            "consistency_test",
        )
        column = "sentence_zh" if lang == "zh" else "sentence_en"
        st.markdown("\n".join(f"- {sentence}" for sentence in tests[column]))

    st.subheader(t("drilldown"))
    left, right = st.columns(2)
    violation = left.selectbox(
        t("violation"), list(violations), format_func=lambda v: violations.get(v, v), key="drill_violation"
    )
    tier = right.selectbox(t("size_tier"), charts.TIER_ORDER, format_func=i18n.tier_label, key="drill_tier")
    severity(violation, lang)
    rows = db.query(f"{DRILLDOWN_SQL} LIMIT {DRILLDOWN_ROWS + 1}", [violation, tier])
    total = db.query(f"SELECT count(*) AS n FROM ({DRILLDOWN_SQL})", [violation, tier])["n"].iloc[0]  # noqa: S608
    if rows.empty:
        st.info(t("no_data_filter"))
        return
    st.caption(t("drilldown_count", n=f"{int(total):,}", shown=min(int(total), DRILLDOWN_ROWS)))
    sanctions = db.labels("sanction_scale", lang)
    rows["sanction_type"] = rows["sanction_type"].map(lambda v: sanctions.get(v, v))
    rows["violation_type"] = rows["violation_type"].map(lambda v: violations.get(v, v))
    rows["size_tier"] = rows["size_tier"].map(i18n.tier_label)
    rows["platform"] = rows["platform"].map(ui.platform_label)
    rows["document_url"] = ui.safe_links(rows["document_url"])
    st.dataframe(
        rows.head(DRILLDOWN_ROWS),
        hide_index=True,
        key="drilldown",
        column_config={
            "penalty_id": t("penalty_id"),
            "decided_on": st.column_config.DateColumn(t("decided"), format="YYYY-MM-DD"),
            "store_name": t("store_name"),
            "platform": t("platform"),
            "size_tier": t("size_tier"),
            "violation_type": t("violation"),
            "sanction_type": t("sanction"),
            "points": t("points"),
            "fine_amount": t("fine"),
            "fine_currency": t("currency"),
            "document_url": st.column_config.LinkColumn(t("document"), display_text="🔗"),
            "merchant_id": t("store_id"),
        },
    )


main()
