"""What a source publishes: the closed list of facts a figure may rest on, and a file import's share of them.

A figure is stated only where its basis exists: a dispute count needs a source that records
escalation, a time to resolution needs complaint close dates, "still trading" needs store dates. Each
source declares the facts it publishes (SourceMeta.publishes); a run records them in the warehouse
table `source_facts` (the union over every run of the source id), and the metric layer reads that
table to say, per store and per finding, what is not available and which source does not publish it.
The descriptions below are the words those sentences use ("... does not publish order volumes").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# fact -> (English, 中文): what the source publishes, as the phrase "does not publish <it>" reads.
FACTS: dict[str, tuple[str, str]] = {
    "complaints": ("complaints", "投诉记录"),
    "complaint_close_dates": ("complaint close dates", "投诉结案日期"),
    "first_response": ("first response times", "首次回复时间"),
    "escalation": ("escalations to the platform (disputes)", "平台介入（纠纷）记录"),
    "penalties": ("penalties", "处罚记录"),
    "orders": ("order volumes", "订单量"),
    "store_sizes": ("store sizes", "店铺规模"),
    "entities": ("legal entities", "经营主体"),
    "store_dates": ("store opening and closing dates", "店铺开关店日期"),
    "store_register": ("a store register", "店铺名录"),
}
ALL_FACTS: frozenset[str] = frozenset(FACTS)

# A mapped target column that, when the file gives it, is the basis of a fact.
_COLUMN_FACTS: dict[str, dict[str, str]] = {
    "complaints": {
        "closed_at": "complaint_close_dates",
        "first_response_at": "first_response",
        "platform_intervened": "escalation",
    },
    "stores": {
        "size_measure": "store_sizes",
        "opened_on": "store_dates",
        "closed_on": "store_dates",
    },
    "volumes": {"orders": "orders"},
}
# What loading a target publishes by itself, whatever its columns.
_TARGET_FACTS: dict[str, frozenset[str]] = {
    "complaints": frozenset({"complaints"}),
    "penalties": frozenset({"penalties"}),
    "stores": frozenset({"store_register"}),
    "volumes": frozenset({"orders"}),
    "entities": frozenset({"entities"}),
}


def check_facts(facts: frozenset[str], where: str) -> frozenset[str]:
    """`facts` unchanged, or ValueError naming the ones outside FACTS."""
    unknown = sorted(facts - ALL_FACTS)
    if unknown:
        raise ValueError(f"{where}: unknown facts {unknown} (known: {sorted(ALL_FACTS)})")
    return facts


def facts_from_mapping(mapping: Mapping[str, Any]) -> frozenset[str]:
    """The facts a file import publishes: its target, the columns and constants it maps, its store block."""
    target = str(mapping.get("target", ""))
    facts = set(_TARGET_FACTS.get(target, frozenset()))
    given = set(mapping.get("columns") or {}) | set(mapping.get("constants") or {})
    facts |= {fact for column, fact in _COLUMN_FACTS.get(target, {}).items() if column in given}
    store = mapping.get("store") or {}
    if isinstance(store, Mapping) and (store.get("entity") or store.get("registration_number")):
        facts.add("entities")
    return frozenset(facts)
