"""Storewatch dashboard entry point (placeholder until the dashboard issue lands)."""

from __future__ import annotations

import streamlit as st

from dashboard import db

st.set_page_config(page_title="Storewatch", page_icon="🔎", layout="wide")
st.title("Storewatch")
st.caption("Merchant accountability: complaints, penalties and how fast stores resolve them.")

if db.current_path() is None:
    st.warning("No warehouse has been built yet. Build the demo with `./storewatch etl demo`.")
    st.stop()

sources = db.query("SELECT source_id, name, publisher, is_synthetic, as_of FROM sources ORDER BY source_id")
if sources["is_synthetic"].any():
    st.error(
        "SYNTHETIC DATA: this warehouse holds the generated demo marketplace. "
        "No store, company, complaint or penalty shown here is real."
    )

counts = db.query(
    "SELECT (SELECT count(*) FROM merchants) AS stores, (SELECT count(*) FROM complaints) AS complaints, "
    "(SELECT count(*) FROM penalties) AS penalties"
).iloc[0]
left, middle, right = st.columns(3)
left.metric("Stores", f"{counts['stores']:,}")
middle.metric("Complaints", f"{counts['complaints']:,}")
right.metric("Penalties", f"{counts['penalties']:,}")

st.subheader("Sources")
st.dataframe(sources, hide_index=True)
as_of = sources["as_of"].max()
st.caption(f"As of {as_of:%Y-%m-%d}. Sources: {', '.join(sources['name'])}.")
