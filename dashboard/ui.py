"""Page helpers: filters that live in the URL, empty states, charts with their data as CSV."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.csv as pacsv
import streamlit as st

from dashboard import db
from dashboard.i18n import lang, t
from etl.exports.writers import UTF8_BOM, neutralise_formulas

_OWNED = "_url_keys"  # query parameters the current run set; the frame drops the others
GLOBAL_PARAMS = ("lang",)
MAX_SHOWN = 60  # characters of a rejected URL value repeated back to the reader


def begin_run() -> None:
    st.session_state[_OWNED] = set(GLOBAL_PARAMS)


def own(key: str) -> None:
    st.session_state.setdefault(_OWNED, set(GLOBAL_PARAMS)).add(key)


def drop_unowned_params() -> None:
    """Forget filters of pages we left, so a copied link carries only this page's view."""
    owned = st.session_state.get(_OWNED, set(GLOBAL_PARAMS))
    for key in list(st.query_params.keys()):
        if key not in owned:
            del st.query_params[key]


def publish(key: str, value: str | Sequence[str] | None) -> None:
    """Mirror a filter into the URL (or remove it when it is empty)."""
    own(key)
    if value is None or value == "" or (not isinstance(value, str) and len(value) == 0):
        if key in st.query_params:
            del st.query_params[key]
        return
    if isinstance(value, str):
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    elif st.query_params.get_all(key) != list(value):
        st.query_params[key] = list(value)


def url_multiselect(
    label: str, options: Sequence[str], key: str, format_func: Callable[[str], str] = str
) -> list[str]:
    if key not in st.session_state:
        wanted = st.query_params.get_all(key)
        st.session_state[key] = [v for v in wanted if v in options]
        ignored([v for v in wanted if v not in options])
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    value = st.multiselect(label, list(options), key=key, format_func=format_func, placeholder=t("all"))
    publish(key, value)
    return value


def url_selectbox(
    label: str,
    options: Sequence[str],
    key: str,
    format_func: Callable[[str], str] = str,
    horizontal: bool = False,
) -> str:
    if key not in st.session_state or st.session_state[key] not in options:
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in options else options[0]
        ignored([wanted] if wanted and wanted not in options else [])
    if horizontal:
        value = st.radio(label, list(options), key=key, format_func=format_func, horizontal=True)
    else:
        value = st.selectbox(label, list(options), key=key, format_func=format_func)
    publish(key, value if value != options[0] else None)
    return value


def url_text(label: str, key: str, placeholder: str = "") -> str:
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(key, "")
    value = st.text_input(label, key=key, placeholder=placeholder).strip()
    publish(key, value)
    return value


def url_period(label: str, key: str, lowest: date, highest: date) -> tuple[date | None, date | None]:
    """A date range kept in the URL as key_from / key_to (ISO dates)."""
    if key not in st.session_state:
        given = [st.query_params.get(f"{key}_from"), st.query_params.get(f"{key}_to")]
        start, end = (_parse_date(text) for text in given)
        ignored([text for text, day in zip(given, (start, end), strict=True) if text and day is None])
        start, end = start or lowest, end or highest
        start, end = (start, end) if start <= end else (end, start)
    else:  # carried over from a page or table with other bounds: keep it inside these
        start, end = (*tuple(st.session_state[key] or ()), lowest, highest)[:2]
        end = end or highest
    st.session_state[key] = (max(lowest, min(start, highest)), max(lowest, min(end, highest)))
    chosen = st.date_input(label, key=key, min_value=lowest, max_value=highest, format="YYYY-MM-DD")
    start, end = (*tuple(chosen), None, None)[:2] if isinstance(chosen, tuple | list) else (chosen, None)
    publish(f"{key}_from", start.isoformat() if start and start != lowest else None)
    publish(f"{key}_to", end.isoformat() if end and end != highest else None)
    return (start if start != lowest else None, end if end and end != highest else None)


def ignored(values: Sequence[str]) -> None:
    """Say which values from a link were not understood (and so not applied), shown as plain text."""
    if values:
        shown = ", ".join(
            escape_markdown(v[:MAX_SHOWN] + ("…" if len(v) > MAX_SHOWN else "")) for v in values
        )
        st.caption(t("ignored_values", values=shown))


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def provenance_notice(sources: pd.DataFrame | None) -> None:
    """Say on every page what the records are: the synthetic banner only when every source is
    synthetic, a mixing notice when synthetic and real sources share the warehouse, and in the
    sidebar each source with its publisher, so no real record is shown without its source."""
    if sources is None or sources.empty:
        return
    synthetic = sources[sources["is_synthetic"]]
    real = sources[~sources["is_synthetic"]]
    if real.empty:
        st.error(t("synthetic_banner"), icon="⚠️")
    elif not synthetic.empty:
        st.error(t("mixed_banner", synthetic=_source_names(synthetic), real=_source_names(real)), icon="⚠️")
    listed = "; ".join(
        f"{escape_markdown(row.name)} ({escape_markdown(row.publisher)}"
        + (f", {t('synthetic_tag')}" if row.is_synthetic else "")
        + ")"
        for row in sources.itertuples()
    )
    st.sidebar.caption(f"{t('sources')}: {listed}")


def _source_names(sources: pd.DataFrame) -> str:
    return ", ".join(escape_markdown(name) for name in sources["name"])


def metrics_ready(*tables: str) -> bool:
    """Say so plainly when the metric tables a view reads are not built yet."""
    absent = db.missing(*tables)
    if absent:
        st.info(t("metrics_missing", tables=", ".join(absent)), icon="ℹ️")
        return False
    return True


def plotly_config(name: str) -> dict:
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": file_safe(name), "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def chart(
    figure: go.Figure,
    data: pd.DataFrame,
    name: str,
    key: str,
    on_select: str = "ignore",
):
    """A Plotly chart (PNG from its toolbar) followed by a CSV of the data it plots."""
    kwargs = {"on_select": on_select, "selection_mode": ("points",)} if on_select != "ignore" else {}
    event = st.plotly_chart(figure, key=key, config=plotly_config(name), width="stretch", **kwargs)
    table_csv_button(data, f"{name}.csv", f"{key}_csv")
    return event


def file_safe(name: str) -> str:
    """A download file name without the slashes, quotes or markup a store or platform name may carry."""
    return re.sub(r"[^\w.-]", "_", name)[:150]


def safe_links(urls: pd.Series) -> pd.Series:
    """Only http(s) links become clickable; a source's javascript: or data: URL is dropped."""
    return urls.where(urls.astype("string").str.match(r"(?i)^https?://", na=False), None)


def table_csv_button(frame: pd.DataFrame, file_name: str, key: str) -> None:
    """The CSV of a small table shown on a page (not an extract: those go through etl/exports/)."""
    st.download_button(
        t("download_chart_csv"),
        data=lambda: frame_to_csv(frame),  # written only when asked for
        file_name=file_safe(file_name),
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def frame_to_csv(frame: pd.DataFrame) -> bytes:
    """A small aggregated table as CSV, with the same formula neutralising as the extracts."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    table = pa.table(
        {name: neutralise_formulas(table[name]) for name in table.column_names},
    )
    sink = io.BytesIO()
    sink.write(UTF8_BOM)
    pacsv.write_csv(_stringify_nested(table), sink)
    return sink.getvalue()


def _stringify_nested(table: pa.Table) -> pa.Table:
    columns = {}
    for name in table.column_names:
        column = table[name]
        if pa.types.is_nested(column.type):
            column = pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())
        columns[name] = column
    return pa.table(columns)


# Every ASCII character CommonMark lets a backslash escape that Streamlit's Markdown gives a meaning
# to: emphasis, links, headings, lists, tables, HTML, entities (&) and LaTeX ($).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$=&^\"'])")
# A colon only matters where it opens a :colour[...] directive, a :material/icon: or an :emoji:
# shortcode; ids such as demo:m3 keep theirs unescaped. Icons and shortcodes are replaced in the text
# after escapes are read, so a backslash does not stop them: an invisible word joiner does.
_DIRECTIVE_COLON = re.compile(r":(?=[\w+\-/\\]*[:\[])")
_WORD_JOINER = "\u2060"
# GitHub-flavoured Markdown links bare addresses (www., http://, e-mail) and Streamlit turns a lone --,
# ->, >= ... into typographic symbols, both in the text after escapes are read, so a backslash does not
# stop them (and inside an autolink it stays visible): a word joiner where each would start does.
_LINK_OR_SYMBOL_START = re.compile(
    r"(?i)(?<=www)(?=\.)|(?<=[a-z])(?=://)|(?<=[-.\w+])(?=@)"
    r"|(?:(?<=\s)|^)(?=(?:<->|->|<-|--|>=|<=|~=)(?:\s|$))"
)
# Line breaks would start new blocks (a heading, a list item); other control characters render as
# nothing useful. Both become a space.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# An unbalanced right-to-left override in a name would reverse the text after it on the page.
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_ISOLATE, _POP_ISOLATE = "\u2068", "\u2069"


def escape_markdown(text: object) -> str:
    """Source or user text as inert Markdown: shown exactly as recorded, never as markup or links."""
    value = "" if text is None else str(text)
    value = _LINK_OR_SYMBOL_START.sub(_WORD_JOINER, _CONTROL.sub(" ", value))
    value = _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    value = _DIRECTIVE_COLON.sub(r"\\:" + _WORD_JOINER, value)
    if _BIDI_CONTROL.search(value):
        value = f"{_ISOLATE}{value}{_POP_ISOLATE}"
    return value


def in_language(row: pd.Series | dict, column: str) -> str | None:
    """A metric table's sentence in the reader's language: `<column>_en` or `<column>_zh`, None if empty."""
    value = row[f"{column}_{'zh' if lang() == 'zh' else 'en'}"]
    return None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else value


def basis_notes(frame: pd.DataFrame, column: str = "not_available") -> list[str]:
    """The distinct not-available sentences of a metric table's rows, in the reader's language, as text."""
    notes = (in_language(row, column) for _, row in frame.iterrows())
    return [escape_markdown(note) for note in dict.fromkeys(n for n in notes if n)]


def platform_label(code: object) -> str:
    """A platform in the reader's language (its code when the platforms table has no row for it), as
    plain text: callers escape it for Markdown or Plotly like any other value."""
    if code is None or code is pd.NA or (isinstance(code, float) and pd.isna(code)):
        return "–"
    return db.platform_labels(lang()).get(str(code), str(code))


def platform_option() -> Callable[[str], str]:
    """A filter's format_func showing platform codes as labels in this run's language, fixed now:
    Streamlit may format a widget's options after the run, when the language is no longer known."""
    labels = db.platform_labels(lang())
    return lambda code: labels.get(code, code)


def format_number(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "–"
    if isinstance(value, int) or (isinstance(value, float) and float(value).is_integer() and digits == 0):
        return f"{int(value):,}"
    return f"{float(value):,.{digits}f}"
