"""Server-side render times of every dashboard page: `python -m dashboard.bench` (uses STOREWATCH_DATA_DIR).

For each page: the first render in a new session with empty query caches (the DuckDB connection is
opened by the first page and then reused, as in a running server), a second render of the same view
(cached), and typical interactions that change a filter to values not seen before (cache misses).
Times are the script's own wall-clock seconds (frame and page, measured in app.py), so AppTest's
start-up overhead is left out; browser rendering and network time are not included.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).with_name("app.py"))


def timed(action: Callable[[], AppTest]) -> tuple[float, AppTest]:
    """Server time of the whole script run (frame and page), as the app itself measured it."""
    at = action()
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return at.session_state["_script_seconds"], at


def first_render(page: str, **params: str) -> tuple[float, AppTest]:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    at.switch_page(f"app_pages/{page}.py")
    return timed(at.run)


INTERACTIONS: dict[str, list[tuple[str, Callable[[AppTest], AppTest]]]] = {
    "overview": [
        ("funnel platform=JD", lambda at: at.selectbox(key="funnel").select("JD").run()),
        ("platform=Tmall", lambda at: at.multiselect(key="platform").select("Tmall").run()),
    ],
    "store": [
        ("search 'lumoi' (misspelt)", lambda at: at.text_input(key="q").input("lumoi").run()),
        ("search '福润数玛'", lambda at: at.text_input(key="q").input("福润数玛").run()),
    ],
    "consistency": [
        ("violation=counterfeit", lambda at: at.multiselect(key="violation").select("counterfeit").run()),
        ("drill-down tier=top", lambda at: at.selectbox(key="drill_tier").select("top").run()),
    ],
    "resolution": [
        ("by=category", lambda at: at.radio(key="by").set_value("category").run()),
        ("by=platform", lambda at: at.radio(key="by").set_value("platform").run()),
    ],
    "downloads": [
        ("platform=JD", lambda at: at.multiselect(key="platform").select("JD").run()),
        ("category=delivery", lambda at: at.multiselect(key="category").select("delivery").run()),
        ("table=penalties", lambda at: at.radio(key="table").set_value("penalties").run()),
    ],
    "methodology": [("lang=zh", lambda at: at.button_group(key="lang").set_value("zh").run())],
}
START_PARAMS = {"store": {"store": "demo:m3"}}


def main() -> int:
    # open the connection once, as a running server would have
    cold, _ = timed(AppTest.from_file(APP, default_timeout=120).run)
    print(f"cold start (opens the warehouse, overview): {cold:.3f} s")
    print(f"{'page':<12} {'first (s)':>10} {'again (s)':>10}  interactions (s)")
    worst_first, worst_interaction = 0.0, 0.0
    for page, steps in INTERACTIONS.items():
        st.cache_data.clear()
        first, at = first_render(page, **START_PARAMS.get(page, {}))
        again, _ = first_render(page, **START_PARAMS.get(page, {}))
        results = []
        for label, step in steps:
            elapsed, at = timed(lambda step=step, at=at: step(at))
            results.append(f"{label} {elapsed:.3f}")
            worst_interaction = max(worst_interaction, elapsed)
        worst_first = max(worst_first, first)
        print(f"{page:<12} {first:>10.3f} {again:>10.3f}  " + "; ".join(results))
    print(f"worst first render {worst_first:.3f} s; worst interaction {worst_interaction:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
