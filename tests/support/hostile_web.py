"""Hostile text for the dashboard side: a small warehouse whose names, categories, issues and ids carry
script tags, Markdown, formulas, bidi overrides and control characters, loaded through the real load
path, plus the hostile values fed into every URL parameter and filter box."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard import db
from etl.context import ALL_FACTS, SourceMeta
from etl.run import run_source
from etl.sources.demo import DemoConfig
from etl.text import normalise_name
from tests.support.warehouses import build_demo

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
MARKDOWN = "**bold** [link](javascript:alert(1))"
LATEX = "$x^2$ and $$\\frac{1}{0}$$"
COLOUR = ":red[alarm] :material/warning:"
BIDI = "\u202egnp.exe\u202c shop \u05e9\u05dc\u05d5\u05dd"
EMOJI = "🛒💥👩‍👩‍👧 shop"
CONTROL = "tab\there\x07bell\x1bESC\u200bzero"
FORMULAS = (
    '=HYPERLINK("http://evil.invalid","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1",
    "\r=1",
)
SQL = "x'); DROP TABLE merchants; --"
# Text GitHub-flavoured Markdown would turn into links, escapes or typography.
AUTOLINKS = (
    "www.evil.example",
    "http://evil.example/x",
    "evil\\.example",
    "a -- b",
    "*bold*",
    "[x](http://e)",
    "mail me@evil.example",
)
LONG = "长" * 480 + "<b>end</b>"  # as long as a stored name may be (NAME_MAX_CHARS, 500)

# What each hostile store is called; the first is the one the browser test opens.
STORE_NAMES = {
    "h-script": f"{SCRIPT} Shop",
    "h-img": f"{IMG} Store",
    "h-markdown": f"{MARKDOWN} {COLOUR} {LATEX}",
    "h-bidi": BIDI,
    "h-emoji": EMOJI,
    "h-control": CONTROL,
    "h-formula": FORMULAS[0],
    "h-plus": FORMULAS[1],
    "h-at": FORMULAS[2],
    "h-minus": FORMULAS[3],
    "h-tab": FORMULAS[4],
    "h-cr": FORMULAS[5],
    "h-sql": SQL,
    "h-long": LONG,
    "h-newline": "line one\n# heading\n- item\n---",
    "h-code": "`code` ```fence``` <!-- c -->",
    **{f"h-autolink-{n}": text for n, text in enumerate(AUTOLINKS)},
}
HOSTILE_PLATFORM = "<b>Evil</b>Mall**"
AS_OF = datetime(2026, 10, 31)
ORDERS_PER_MONTH = 400  # enough orders for a rate and a funnel position
COMPLAINTS_PER_STORE = 30  # above the 25 below which the page says "too few records"

META = SourceMeta(
    source_id="hostile",
    # the footer lists every source by name, publisher and licence: whoever ran an import chose them
    name=f"Hostile fixture {MARKDOWN}",
    publisher=f"tests {SCRIPT}",
    homepage=None,
    licence=COLOUR,
    is_synthetic=True,
    description="stores and complaints whose text tries to run or render",
    publishes=ALL_FACTS,  # its figures are all shown, so that every hostile text reaches the page
)


def store_id(key: str) -> str:
    return f"hostile:{key}"


class HostileSource:
    """Emits the hostile stores with orders, complaints and penalties through the production loader."""

    meta = META

    def extract(self, ctx) -> None:
        ctx.as_of = AS_OF
        ctx.emit(
            "entities",
            {
                "source_record_id": "ent",
                "name": f"{SCRIPT} {MARKDOWN} Holdings",
                "name_normalised": normalise_name("hostile holdings"),
                "registration_number": "`91**X**` <i>",
            },
            {"id": "ent"},
        )
        for index, (key, name) in enumerate(STORE_NAMES.items()):
            platform = HOSTILE_PLATFORM if key == "h-emoji" else "tmall"
            ctx.emit(
                "merchants",
                {
                    "source_record_id": key,
                    "name": name,
                    "name_normalised": normalise_name(name) or key,
                    "platform": platform,
                    "entity_id": ctx.stable_id("ent"),
                    # what the store sells is free text from the source
                    "category": f"{IMG} {COLOUR}" if index % 2 else "electronics",
                    "store_url": "javascript:window.__pwned=1",
                },
                {"id": key},
            )
            for month in range(12):
                period = date(2025 + (month + 11) // 12, (month + 10) % 12 + 1, 1)
                ctx.emit(
                    "merchant_volume",
                    {
                        "source_record_id": f"{key}-{month}",
                        "merchant_id": ctx.stable_id(key),
                        "period": period,
                        "orders": ORDERS_PER_MONTH,
                        "currency": "CNY",
                    },
                    {"id": f"{key}-{month}"},
                )
            for n in range(COMPLAINTS_PER_STORE):
                filed = AS_OF - timedelta(days=5 + 9 * n)
                closed = filed + timedelta(days=1 + n % 7) if n % 3 else None
                ctx.emit(
                    "complaints",
                    {
                        "source_record_id": f"{key}-c{n}",
                        "merchant_id": ctx.stable_id(key),
                        "platform": platform,
                        "filed_at": filed,
                        "closed_at": closed,
                        "category": "quality",
                        "issue": FORMULAS[n % len(FORMULAS)] + f" {SCRIPT} {MARKDOWN}",
                        "status": "resolved" if closed else "open",
                        "platform_intervened": n % 2 == 0,
                    },
                    {"id": f"{key}-c{n}"},
                )
            ctx.emit(
                "penalties",
                {
                    "source_record_id": f"{key}-p",
                    "merchant_id": ctx.stable_id(key),
                    "entity_id": ctx.stable_id("ent"),
                    "authority_type": "platform",
                    "authority_name": f"{IMG} {COLOUR}",
                    "decided_at": date(2026, 6, 1),
                    "violation_type": "counterfeit",
                    "violation_raw": FORMULAS[index % len(FORMULAS)],
                    "sanction_type": "warning",
                    "document_url": "javascript:window.__pwned=1",
                },
                {"id": f"{key}-p"},
            )


# Values for URL parameters, the search box and the extract filters.
PARAM_VALUES = [
    "",
    "unknown-value",
    SQL,
    "' OR '1'='1",
    "%",
    "_",
    "\\",
    SCRIPT,
    MARKDOWN,
    COLOUR,
    LATEX,
    BIDI,
    EMOJI,
    "nul\x00byte",
    "9" * 400,
    "-1",
    "1e308",
    "NaN",
    "2026-02-30",
    "0000-01-01",
    "99999-12-31",
    "2026-13-01",
    "1970-01-01",
    "x" * 10_000,
    FORMULAS[0],
    *AUTOLINKS,
]


def build_hostile_warehouse(directory: Path) -> Path:
    warehouse = build_demo(directory, DemoConfig(complaints=2_000, seed=5))
    run_source(HostileSource(), warehouse=warehouse)
    return directory


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per test module; treat as read-only."""
    return build_hostile_warehouse(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def hostile_env(hostile_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(hostile_data))
    db.clear_caches()
    return hostile_data


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable]:
    """file name -> the callable a deferred download button runs when clicked (the page's own)."""
    found: dict[str, Callable] = {}
    original = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return found
