"""`nyc_dcwp`: NYC Department of Consumer and Worker Protection complaints and charges (Socrata SODA).

Mediated complaints give real intake and result dates (resolution times); charges give the
agency's enforcement outcomes. Both are joined on DCWP's business id (the store). SODA returns
every value as a string and omits null keys.

Incremental on Socrata's system field `:updated_at` (https://dev.socrata.com/docs/system-fields:
`$select=:*, *` returns it, `$where=:updated_at > '...'` filters on it): a complaint whose result
arrives weeks after its intake is re-sent because its row was updated, however old its intake.
The watermark is the latest `:updated_at` seen per dataset; the next run asks from an overlap
before it (rows committed late or with a skewed clock), and the unchanged ones it re-reads are
recognised by their raw hash. System fields are dropped before hashing, so `raw_hash` is the hash
of the record's own fields, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Self

import httpx
import typer

from etl.context import Page, PaginationError, RecordRejectedError, RunContext, SourceCommand, SourceMeta
from etl.reference import canonical_platform


@dataclass(frozen=True)
class NycWatermark:
    """The latest `:updated_at` seen per dataset, stored as a JSON object of SODA timestamps:
    {"charges_updated_at": "2026-01-20T00:00:00.000Z", "complaints_updated_at": "..."} (keys only
    for datasets a run has seen)."""

    complaints_updated_at: datetime | None = None
    charges_updated_at: datetime | None = None

    @classmethod
    def parse(cls, stored: str) -> Self:
        data = json.loads(stored)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return cls(
            **{key: _stored_time(data.get(key)) for key in ("complaints_updated_at", "charges_updated_at")}
        )

    def dump(self) -> str:
        times = {
            "complaints_updated_at": self.complaints_updated_at,
            "charges_updated_at": self.charges_updated_at,
        }
        return json.dumps({k: soql_timestamp(v) for k, v in times.items() if v is not None}, sort_keys=True)


def _stored_time(text: Any) -> datetime | None:
    return parse_updated_at(text) if text else None


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
    watermark=NycWatermark,
    expect={"complaints": 1},
    # mediated complaints have intake and result dates; charges are the penalties. No entities,
    # store dates, escalation or volumes.
    publishes=frozenset({"complaints", "complaint_close_dates", "penalties"}),
)
BASE_URL_ENV = "STOREWATCH_NYC_BASE_URL"
DEFAULT_BASE_URL = "https://data.cityofnewyork.us"
PLATFORM = canonical_platform("NYC DCWP")  # the code nyc_dcwp (data/reference/platforms.yml)
COMPLAINTS = "nre2-6m2s"
CHARGES = "5fn4-dr26"
PAGE_SIZE = 1000
# re-ask this long before the watermark: rows whose update became visible after a later one did
OVERLAP_HOURS = 48
UPDATED_AT = ":updated_at"

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
    ("Exchange Goods/Contract Cancelled", "cancellation_exchange"),  # not a refused seven-day return
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


def parse_updated_at(text: Any) -> datetime | None:
    """A SODA fixed timestamp ('2026-01-13T17:30:50.123Z') as naive UTC, or None if unreadable."""
    try:
        parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def soql_timestamp(moment: datetime) -> str:
    """A fixed-timestamp literal in the form SODA returns them (UTC, milliseconds, 'Z')."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class NycDcwpSource:
    meta = META

    def __init__(
        self,
        base_url: str | None = None,
        page_size: int = PAGE_SIZE,
        overlap_hours: float = OVERLAP_HOURS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.page_size = page_size
        self.overlap = timedelta(hours=overlap_hours)
        self.transport = transport
        self.skipped_charges = 0

    def extract(self, ctx: RunContext) -> None:
        previous: NycWatermark = ctx.previous_watermark or NycWatermark()
        watermark = previous
        token = ctx.settings.socrata_app_token
        headers = {"X-App-Token": token} if token else {}
        base_url = self.base_url or ctx.setting(BASE_URL_ENV, DEFAULT_BASE_URL)
        with ctx.http_client(base_url, headers, self.transport) as client:
            for name, dataset, handle in (
                ("complaints", COMPLAINTS, self._complaint),
                ("charges", CHARGES, self._charge),
            ):
                key = f"{name}_updated_at"
                since: datetime | None = getattr(previous, key)
                latest = self._pull(ctx, client, name, dataset, since, handle)
                best = max(filter(None, [latest, since]), default=None)
                watermark = replace(watermark, **{key: best})
        if watermark != NycWatermark():
            ctx.watermark = watermark
        if self.skipped_charges:
            ctx.progress.note(
                f"nyc_dcwp: {self.skipped_charges} charges pending or not guilty, not penalties"
            )

    def _pull(
        self,
        ctx: RunContext,
        client: httpx.Client,
        name: str,
        dataset: str,
        since: datetime | None,
        handle: Callable[[RunContext, Any], None],
    ) -> datetime | None:
        """Page through one dataset (changed since `since` minus the overlap); the latest update seen."""
        query: dict[str, Any] = {"$select": ":*, *", "$limit": self.page_size, "$order": ":id"}
        if since is not None:
            # the literal is a timestamp we formatted ourselves, never text from a user or a server
            query["$where"] = f"{UPDATED_AT} > '{soql_timestamp(since - self.overlap)}'"
        task = ctx.progress.task(f"nyc_dcwp: {name}")

        def fetch(offset: int | None) -> Page[int]:
            rows = ctx.fetch_json(
                client, f"/resource/{dataset}.json", params={**query, "$offset": offset or 0}
            )
            if not isinstance(rows, list):
                raise PaginationError(
                    f"{dataset}: expected a JSON list of records, got {type(rows).__name__}"
                )
            more = len(rows) == self.page_size
            return Page(rows, (offset or 0) + len(rows) if more else None)

        table = "complaints" if name == "complaints" else "penalties"
        latest: datetime | None = None
        what = f"SODA dataset {dataset} at {client.base_url}"
        for rows in ctx.paginate(fetch, what):
            for row in rows:
                updated = parse_updated_at(row.get(UPDATED_AT)) if isinstance(row, dict) else None
                if updated is not None:
                    latest = max(latest or updated, updated)
                # system fields change when nothing else does; the record is its own fields
                raw = (
                    {k: v for k, v in row.items() if not k.startswith(":")} if isinstance(row, dict) else row
                )
                record_id = raw.get("record_id") if isinstance(raw, dict) else None
                try:
                    handle(ctx, raw)
                except RecordRejectedError as exc:
                    ctx.reject(table, record_id, exc.reason, raw, exc.column)
            task.advance(len(rows))
        return latest

    def _store(self, ctx: RunContext, raw: dict) -> str:
        business_id = raw.get("business_unique_id")
        name = raw.get("business_name") or raw.get("dba_trade_name")
        if not business_id or not name:
            raise RecordRejectedError("business id or name missing", "merchant_id")
        store_raw = {k: raw.get(k) for k in ("business_unique_id", "business_name", "business_category")}
        category = raw.get("business_category")
        return ctx.emit_store_once(business_id, name, PLATFORM, store_raw, category=category, entity_id=None)

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


@dataclass(frozen=True)
class NycParams:
    page_size: Annotated[int, typer.Option(min=1, help="Records per SODA page ($limit).")] = PAGE_SIZE
    overlap_hours: Annotated[
        float,
        typer.Option(
            min=0.0, help="Re-read rows updated this many hours before the last run's latest update."
        ),
    ] = OVERLAP_HOURS
    base_url: Annotated[str | None, typer.Option(help=f"Socrata base URL (default: {BASE_URL_ENV}).")] = None


def build(params: NycParams) -> NycDcwpSource:
    """Load NYC DCWP mediated complaints and charges from NYC Open Data (Socrata), incrementally.

    Incremental on Socrata's :updated_at. STOREWATCH_SOCRATA_APP_TOKEN, if set, is sent as
    X-App-Token. Fetched pages are archived under <data dir>/raw/nyc_dcwp/<run id>/.
    """
    return NycDcwpSource(
        base_url=params.base_url, page_size=params.page_size, overlap_hours=params.overlap_hours
    )


COMMAND = SourceCommand(name="nyc", params=NycParams, build=build)
