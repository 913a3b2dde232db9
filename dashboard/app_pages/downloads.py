"""Data and downloads (regulators): filter a table, preview it, download exactly those rows."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import streamlit as st

from dashboard import db, i18n, ui
from dashboard.charts import TIER_ORDER
from dashboard.i18n import t
from etl.exports.catalogue import DATASETS, Dataset, Filters, data_dictionary
from etl.exports.citation import citation, file_stem, provenance
from etl.exports.queries import build_count, build_preview
from etl.exports.writers import write_csv, write_parquet

PREVIEW_ROWS = 100
# A browser download passes through Streamlit's in-memory media store, so cap it; larger extracts
# go through etl/exports/ directly (`storewatch export`), which streams to disk.
BROWSER_ROW_CAP = 1_000_000

DATE_RANGE_SQL = {
    "complaints": "SELECT min(filed_at)::DATE AS lo, max(filed_at)::DATE AS hi FROM complaints",
    "penalties": "SELECT min(decided_at)::DATE AS lo, max(decided_at)::DATE AS hi FROM penalties",
}


def filters_for(dataset: Dataset, lang: str) -> Filters:
    """Render the filters this dataset supports (all kept in the URL) and return the choice."""
    chosen: dict = {}
    left, right = st.columns(2)
    with left:
        if "platforms" in dataset.filters:
            chosen["platforms"] = ui.url_multiselect(
                t("platform"), db.platforms(), "platform", format_func=ui.platform_option()
            )
        if "categories" in dataset.filters:
            if dataset.name == "complaints":
                labels = db.labels("complaint_categories", lang)
                chosen["categories"] = ui.url_multiselect(
                    t("category"), list(labels), "category", format_func=lambda c: labels.get(c, c)
                )
            else:
                stores = db.query(
                    "SELECT DISTINCT category FROM merchants WHERE category IS NOT NULL ORDER BY 1"
                )
                chosen["categories"] = ui.url_multiselect(
                    t("store_category"),
                    list(stores["category"]),
                    "category",
                    format_func=i18n.store_category_label,
                )
        if "violations" in dataset.filters:
            labels = db.labels("violation_types", lang)
            chosen["violations"] = ui.url_multiselect(
                t("violation"), list(labels), "violation", format_func=lambda v: labels.get(v, v)
            )
    with right:
        if "date" in dataset.filters:
            bounds = db.query(DATE_RANGE_SQL[dataset.name]).iloc[0]
            if pd.notna(bounds["lo"]):
                start, end = ui.url_period(
                    t("period"),
                    "period",
                    pd.Timestamp(bounds["lo"]).date(),
                    pd.Timestamp(bounds["hi"]).date(),
                )
                chosen["date_from"], chosen["date_to"] = start, end
        tiers_apply = "size_tiers" in dataset.filters and (
            dataset.catalogue_table is not None or not db.missing("merchant_tiers")
        )
        if tiers_apply:
            chosen["size_tiers"] = ui.url_multiselect(
                t("size_tier"), TIER_ORDER, "tier", format_func=i18n.tier_label
            )
        if "merchant_id" in dataset.filters:
            chosen["merchant_id"] = ui.url_text(t("store_id"), "store", placeholder="demo:m123") or None
    return Filters(**{k: tuple(v) if isinstance(v, list) else v for k, v in chosen.items()})


def deferred(
    dataset: Dataset, filters: Filters, fmt: str, metadata: dict[str, str]
) -> Callable[[], BinaryIO]:
    """The extract is written only when the button is clicked, streamed to a temp file."""

    def make() -> BinaryIO:
        handle, name = tempfile.mkstemp(prefix="storewatch-", suffix=f".{fmt}")
        os.close(handle)
        path = Path(name)
        try:
            with db.cursor() as cur:
                if fmt == "csv":
                    write_csv(dataset, filters, cur, path)
                else:
                    write_parquet(dataset, filters, cur, path, metadata)
            return open(path, "rb")  # Streamlit reads and closes it
        finally:
            path.unlink(missing_ok=True)  # the open handle keeps the data until it is read

    return make


def main() -> None:
    lang = i18n.lang()
    st.title(t("downloads_title"))
    name = ui.url_selectbox(
        t("dataset"), list(DATASETS), "table", format_func=lambda n: t(f"ds_{n}"), horizontal=True
    )
    dataset = DATASETS[name]
    if dataset.requires and db.missing(*dataset.requires):
        st.info(t("dataset_needs_metrics"))
        ui.metrics_ready(*dataset.requires)
        return
    filters = filters_for(dataset, lang)

    with db.cursor() as cur:
        count_sql, count_params = build_count(dataset, filters, cur)
        preview_sql, preview_params = build_preview(dataset, filters, cur, PREVIEW_ROWS)
        dictionary = pd.DataFrame(data_dictionary(dataset, cur, lang))
        cite = citation(dataset, filters, cur, date.today())
        prov = provenance(cur)
    rows = int(db.query(count_sql, count_params)["n"].iloc[0])
    st.markdown(t("rows_match", n=f"{rows:,}"))
    if rows == 0:
        st.warning(t("no_data_filter"))
    else:
        sample = db.query(preview_sql, preview_params)
        st.caption(t("preview", n=min(rows, PREVIEW_ROWS)))
        st.dataframe(sample, hide_index=True, key="preview")

    stem = file_stem(dataset, prov["as_of"])
    metadata = {"citation": cite, "as_of": prov["as_of"], "filters": filters.describe()}
    too_many = rows > BROWSER_ROW_CAP
    if too_many:
        st.warning(t("too_many_rows", n=f"{rows:,}", cap=f"{BROWSER_ROW_CAP:,}"))
    left, middle, right = st.columns(3)
    extract_formats = (("csv", "text/csv"), ("parquet", "application/vnd.apache.parquet"))
    for column, (fmt, mime) in zip((left, middle), extract_formats, strict=True):
        column.download_button(
            t(f"download_{fmt}"),
            data=deferred(dataset, filters, fmt, metadata),
            file_name=f"{stem}.{fmt}",
            mime=mime,
            key=f"download_{fmt}",
            disabled=too_many or rows == 0,
            on_click="ignore",
            icon=":material/download:",
        )
    right.download_button(
        t("download_dictionary"),
        data=ui.frame_to_csv(dictionary),
        file_name=f"{stem}_dictionary.csv",
        mime="text/csv",
        key="download_dictionary",
        on_click="ignore",
        icon=":material/menu_book:",
    )
    st.caption(t("csv_note"))
    st.subheader(t("citation"))
    st.code(cite, language=None, wrap_lines=True)
    with st.expander(t("dictionary")):
        st.dataframe(dictionary, hide_index=True, key="dictionary")


main()
