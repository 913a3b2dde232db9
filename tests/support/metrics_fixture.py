"""A hand-made marketplace for metric tests: stores, monthly orders, complaints and penalties,
normalised like a real source and loaded through the production load path."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from etl.basis import ALL_FACTS
from etl.context import RunContext, SourceMeta

META = SourceMeta(
    source_id="handmade",
    name="Hand-made metric fixture",
    publisher="tests",
    homepage=None,
    licence=None,
    is_synthetic=True,
    description="a tiny marketplace whose figures are worked out by hand in the tests",
    publishes=ALL_FACTS,
)
AS_OF = datetime(2026, 6, 30, 12, 0, 0)


class HandmadeSource:
    meta = META

    def __init__(self, stores: list[dict], complaints: list[dict], penalties: list[dict]) -> None:
        self.stores, self.complaints, self.penalties = stores, complaints, penalties

    def extract(self, ctx: RunContext) -> None:
        ctx.as_of = AS_OF
        for store in self.stores:
            merchant_id = ctx.stable_id(store["id"])
            ctx.emit(
                "merchants",
                {
                    "source_record_id": store["id"],
                    "name": store["id"],
                    "name_normalised": store["id"],
                    "platform": store.get("platform", "P1"),
                    "entity_id": store.get("entity"),
                    "category": "apparel",
                    "closed_on": store.get("closed_on"),
                    "opened_on": store.get("opened_on"),
                },
                store,
            )
            # the same monthly orders in each of the 12 months before as_of
            for month in range(12):
                period = date(2025, 7, 1) + timedelta(days=31 * month)
                ctx.emit(
                    "merchant_volume",
                    {
                        "source_record_id": f"{store['id']}-{month}",
                        "merchant_id": merchant_id,
                        "period": period.replace(day=1),
                        "orders": store["monthly_orders"],
                    },
                    {"store": store["id"], "month": month},
                )
        for c in self.complaints:
            closed = (
                AS_OF - timedelta(days=c["filed_days_ago"]) + timedelta(days=c["days"])
                if "days" in c
                else None
            )
            ctx.emit(
                "complaints",
                {
                    "source_record_id": c["id"],
                    "merchant_id": ctx.stable_id(c["store"]),
                    "platform": c.get("platform", "P1"),
                    "filed_at": AS_OF - timedelta(days=c["filed_days_ago"]),
                    "closed_at": closed,
                    "category": c.get("category", "quality"),
                    "status": c["status"],
                    "platform_intervened": c.get("dispute", False),
                },
                c,
            )
        for p in self.penalties:
            ctx.emit(
                "penalties",
                {
                    "source_record_id": p["id"],
                    "merchant_id": ctx.stable_id(p["store"]),
                    "authority_type": "platform",
                    "decided_at": (AS_OF - timedelta(days=30)).date(),
                    "violation_type": p["violation"],
                    "sanction_type": p["sanction"],
                },
                p,
            )
