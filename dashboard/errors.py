"""An unexpected error in a page: the reader sees a short message with an id, the server log the traceback.

Streamlit's own error box is off (`client.showErrorDetails = "none"` in .streamlit/config.toml); tracebacks
name server paths and code, which anonymous readers must not see."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboard.i18n import t

log = logging.getLogger("storewatch.dashboard")
if not log.handlers:  # the server's console is its log; Streamlit's handlers are on its own loggers
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)


def new_error_id() -> str:
    return uuid.uuid4().hex[:12]


@contextmanager
def shown_with_an_id() -> Iterator[None]:
    """Show an exception from the block as a short message with an id; log its traceback under that id.

    st.stop() and reruns are BaseExceptions, not Exceptions: they pass through untouched."""
    try:
        yield
    except Exception:
        error_id = new_error_id()
        log.exception("page failed, error id %s", error_id)
        st.error(t("page_failed", error_id=error_id))
