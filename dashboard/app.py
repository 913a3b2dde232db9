"""Storewatch dashboard entry frame: page config, language, navigation, synthetic banner, provenance."""

from __future__ import annotations

import time

import streamlit as st

from dashboard import db, ui
from dashboard.errors import shown_with_an_id
from dashboard.i18n import LANGUAGE_NAMES, LANGUAGES, default_language, lang, t
from dashboard.pages import DASHBOARD_DIR, PAGES

frame_started = time.perf_counter()
st.set_page_config(page_title="Storewatch", page_icon="🔎", layout="wide")
# Row-level tables must not offer Streamlit's own CSV export, which bypasses etl/exports/.
st.set_option("client.disableDataExport", True)
ui.begin_run()

# Language: the URL's ?lang= first, then the browser's language, else English.
if "lang" not in st.session_state:
    wanted = st.query_params.get("lang")
    st.session_state["lang"] = wanted if wanted in LANGUAGES else default_language(st.context.locale)
st.sidebar.segmented_control(
    t("language"),
    LANGUAGES,
    key="lang",
    format_func=LANGUAGE_NAMES.get,
    selection_mode="single",
    required=True,  # clicking the chosen language again must not leave the app without one
)
st.query_params["lang"] = lang()  # falls back to English should the widget ever be empty

pages = [
    st.Page(
        DASHBOARD_DIR / entry.script,
        title=t(entry.title_key),
        icon=entry.icon,
        url_path=entry.slug,
        default=entry == PAGES[0],
    )
    for entry in PAGES
]
page = st.navigation(pages)
st.sidebar.caption(t("tagline"))
st.sidebar.caption(t("warehouse_name", name=db.warehouse_name()))

if db.current_path() is None and page.url_path != "methodology":
    st.title(t("app_title"))
    st.warning(t("warehouse_missing"))
    st.stop()

sources = db.sources() if db.current_path() is not None else None
ui.provenance_notice(sources)

started = time.perf_counter()
try:
    with shown_with_an_id():
        page.run()
finally:
    ui.drop_unowned_params()
    # server time of the page script, read by the benchmark (bench/dashboard.py)
    st.session_state["_page_seconds"] = time.perf_counter() - started
    st.session_state["_script_seconds"] = time.perf_counter() - frame_started

if sources is not None and not sources.empty:
    as_of = sources["as_of"].max()
    listed = "; ".join(
        # source names come from whoever ran an import: shown as text, never as Markdown
        f"{ui.escape_markdown(row.name)} ({ui.escape_markdown(row.publisher)}"
        + (
            f", {t('licence')}: {ui.escape_markdown(row.licence)}"
            if isinstance(row.licence, str) and row.licence
            else ""
        )
        + (f", {t('synthetic_tag')}" if row.is_synthetic else "")
        + ")"
        for row in sources.itertuples()
    )
    st.divider()
    st.caption(f"{t('as_of', date=f'{as_of:%Y-%m-%d}')} · {t('sources')}: {listed}")
