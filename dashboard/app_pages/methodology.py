"""Methodology: the methodology note in the interface language (falls back to the other language)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import i18n
from dashboard.i18n import t

DOCS = Path(__file__).resolve().parents[2] / "docs"


def note_path(lang: str) -> Path | None:
    preferred = (
        ["methodology.zh.md", "methodology.md"] if lang == "zh" else ["methodology.md", "methodology.zh.md"]
    )
    for name in preferred:
        if (DOCS / name).exists():
            return DOCS / name
    return None


def main() -> None:
    path = note_path(i18n.lang())
    if path is None:
        st.title(t("methodology_title"))
        st.info(t("methodology_missing"))
        return
    st.markdown(path.read_text(encoding="utf-8"))


main()
