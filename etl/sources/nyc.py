"""`nyc_dcwp`: NYC Department of Consumer and Worker Protection complaints and charges (Socrata SODA).

Mediated complaints give real intake and result dates (resolution times); charges give the
agency's enforcement outcomes. Both are joined on DCWP's business id (the store). SODA returns
every value as a string and omits null keys. Incremental by intake date / violation date, with
an overlap window because a complaint's result arrives weeks after its intake.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from etl.http import Page, get_json, make_client, paginate
from etl.load import RecordRejectedError, RunContext, SourceMeta
from etl.settings import load_settings
from etl.text import normalise_name

META = SourceMeta(
    source_id="nyc_dcwp",
    name="NYC DCWP consumer complaints and charges",
    publisher="NYC Department of Consumer and Worker Protection, via NYC Open Data",
    homepage="https://data.cityofnewyork.us/",
    licence="NYC Open Data Terms of Use",
    is_synthetic=False,
    description=(
        "Complaints DCWP mediated (intake and result dates, result) and the charges it brought "
        "against businesses (outcome, counts; no fine amounts are published)."
    ),
)
PLATFORM = "NYC DCWP"
COMPLAINTS = ("nre2-6m2s", "intake_date")
CHARGES = ("5fn4-dr26", "violation_date")
PAGE_SIZE = 1000
OVERLAP_DAYS = 120  # mediation takes weeks to months: re-read recent intakes to pick up results

# result codes where the consumer got something back; CWC is a withdrawal; anything else closed
RESOLVED_CODES = {"SPF", "AMT", "BLR", "CRC", "GRS", "GEX", "SCR", "GDR", "ACJ"}
WITHDRAWN_CODES = {"CWC"}
CATEGORY_RULES = [
    ("Quality of Work", "quality"),
    ("Damaged Goods", "quality"),
    ("Defective Goods", "quality"),
    ("Breach of Warranty", "quality"),
    ("Misrepresentation", "not_as_described"),
    ("Wrong Goods", "not_as_described"),
    ("Advertising", "false_promotion"),
    ("Bait & Switch", "false_promotion"),
    ("Non-Delivery", "delivery"),
    ("Refund Policy", "refund_refused"),
    ("Exchange Goods/Contract Cancelled", "return_refused"),
    ("Harassment", "service_attitude"),
]
VIOLATION_RULES = [
    ("ADVERTIS", "false_advertising"),
    ("PRICE", "price_fraud"),
    ("OVERCHARG", "price_fraud"),
    ("REFUND", "refusing_returns"),
]


def _parse(text: str | None, column: str) -> datetime | None:
    """SODA floating timestamps ('2026-01-13T00:00:00.000'): New York local, kept as given."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise RecordRejectedError(f"unreadable date {text!r}", column) from exc


def complaint_status(result: str | None, result_date: datetime | None) -> str:
    if not result and result_date is None:
        return "open"
    code = (result or "").rsplit(" - ", 1)[-1].strip()
    if code in RESOLVED_CODES:
        return "resolved"
    if code in WITHDRAWN_CODES:
        return "withdrawn"
    return "closed_unresolved"


def _first_match(text: str | None, rules: list[tuple[str, str]], default: str) -> str:
    for needle, mapped in rules:
        if text and needle.lower() in text.lower():
            return mapped
    return default


class NycDcwpSource:
    meta = META

    def __init__(
        self,
        base_url: str | None = None,
        page_size: int = PAGE_SIZE,
        overlap_days: int = OVERLAP_DAYS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.page_size = page_size
        self.overlap_days = overlap_days
        self.transport = transport
        self.skipped_charges = 0

    def extract(self, ctx: RunContext) -> None:
        settings = load_settings()
        previous = json.loads(ctx.previous_watermark) if ctx.previous_watermark else {}
        watermark = dict(previous)
        headers = {"X-App-Token": settings.socrata_app_token} if settings.socrata_app_token else {}
        self.stores: set[str] = set()
        with make_client(self.base_url or settings.nyc_base_url, headers, self.transport) as client:
            for name, (dataset, date_field), handle in (
                ("complaints", COMPLAINTS, self._complaint),
                ("charges", CHARGES, self._charge),
            ):
                latest = self._pull(ctx, client, name, dataset, date_field, previous.get(name), handle)
                if latest:
                    watermark[name] = max(latest, previous.get(name, latest))
        if watermark:
            ctx.watermark = json.dumps(watermark, sort_keys=True)
        if self.skipped_charges:
            ctx.progress.note(
                f"nyc_dcwp: {self.skipped_charges} charges pending or not guilty, not penalties"
            )

    def _pull(self, ctx, client, name, dataset, date_field, since, handle) -> str | None:
        query: dict[str, Any] = {"$limit": self.page_size, "$order": ":id"}
        if since:
            start = date.fromisoformat(since) - timedelta(days=self.overlap_days)
            # the value is a date we formatted ourselves, never text from a user or a server
            query["$where"] = f"{date_field} >= '{start.isoformat()}T00:00:00.000'"
        task = ctx.progress.task(f"nyc_dcwp: {name}")

        def fetch(offset: int | None) -> Page[int]:
            rows = get_json(client, f"/resource/{dataset}.json", params={**query, "$offset": offset or 0})
            if not isinstance(rows, list):
                raise RecordRejectedError(f"{dataset}: expected a JSON list of records")
            more = len(rows) == self.page_size
            return Page(rows, (offset or 0) + len(rows) if more else None)

        latest: str | None = None
        for rows in paginate(fetch, load_settings().http_max_pages):
            for raw in rows:
                table = "complaints" if name == "complaints" else "penalties"
                record_id = raw.get("record_id") if isinstance(raw, dict) else None
                try:
                    handle(ctx, raw)
                except RecordRejectedError as exc:
                    ctx.reject(table, record_id, exc.reason, raw, exc.column)
                    continue
                day = str(raw.get(date_field, ""))[:10]
                latest = max(latest or day, day)
            task.advance(len(rows))
        return latest

    def _store(self, ctx: RunContext, raw: dict) -> str:
        business_id = raw.get("business_unique_id")
        name = raw.get("business_name") or raw.get("dba_trade_name")
        if not business_id or not name:
            raise RecordRejectedError("business id or name missing", "merchant_id")
        if business_id not in self.stores:
            self.stores.add(business_id)
            store_raw = {k: raw.get(k) for k in ("business_unique_id", "business_name", "business_category")}
            ctx.emit(
                "merchants",
                {
                    "source_record_id": business_id,
                    "name": name,
                    "name_normalised": normalise_name(name),
                    "platform": PLATFORM,
                    "category": raw.get("business_category"),
                    "entity_id": None,
                },
                store_raw,
            )
        return ctx.stable_id(business_id)

    def _complaint(self, ctx: RunContext, raw: Any) -> None:
        if not isinstance(raw, dict) or not raw.get("record_id"):
            raise RecordRejectedError("record_id missing", "source_record_id")
        filed = _parse(raw.get("intake_date"), "filed_at")
        closed = _parse(raw.get("result_date"), "closed_at")
        merchant_id = self._store(ctx, raw)
        code = raw.get("complaint_code")
        ctx.emit(
            "complaints",
            {
                "source_record_id": raw["record_id"],
                "merchant_id": merchant_id,
                "platform": PLATFORM,
                "filed_at": filed,
                "closed_at": closed,
                "category": _first_match(code, CATEGORY_RULES, "other"),
                "issue": code,
                "status": complaint_status(raw.get("result"), closed),
                "source_status": raw.get("result"),
                "outcome": raw.get("referred_to") or raw.get("result"),
                "currency": "USD",
            },
            raw,
        )

    def _charge(self, ctx: RunContext, raw: Any) -> None:
        if not isinstance(raw, dict) or not raw.get("record_id") or not raw.get("charge"):
            raise RecordRejectedError("record_id or charge missing", "source_record_id")
        outcome, guilty = raw.get("outcome"), raw.get("guilty")
        if not outcome or guilty == "0":  # pending, or found not guilty: no sanction to record
            self.skipped_charges += 1
            return
        # Charges carry no decision date; the violation date is the closest published date
        decided = _parse(raw.get("violation_date"), "decided_at")
        merchant_id = self._store(ctx, raw)
        ctx.emit(
            "penalties",
            {
                # one case (record_id) can carry several charges
                "source_record_id": f"{raw['record_id']}|{raw['charge']}",
                "merchant_id": merchant_id,
                "authority_type": "regulator",
                "authority_name": "NYC DCWP",
                "decided_at": decided.date() if decided else None,
                "violation_type": _first_match(raw["charge"], VIOLATION_RULES, "other"),
                "violation_raw": raw["charge"],
                # DCWP settles or decides with civil penalties, but publishes no amount
                "sanction_type": "fine",
                "fine_currency": "USD",
                "description": f"{outcome}; charges: {raw.get('charge_count', '?')}; guilty: {guilty or '?'}",
            },
            raw,
        )
