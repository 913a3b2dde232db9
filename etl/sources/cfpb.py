"""`cfpb`: the US CFPB Consumer Complaint Database, from its search API (JSON) or a bulk/API CSV.

Company -> store (platform "CFPB") and legal entity; date received -> filed_at; date sent to
company -> forwarded_at; company response -> status and outcome; product/issue -> category;
narratives kept only where the consumer consented. CFPB publishes no closing dates and no order
volumes, so closed_at and merchant_volume stay empty (the dashboard says why).
Incremental: the watermark is the latest date received loaded; the next run asks from a few days
before it (late edits are picked up; unchanged records are recognised by their raw hash).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Self

import httpx
import typer

from etl.context import Page, PaginationError, RecordRejectedError, RunContext, SourceCommand, SourceMeta
from etl.readers import read_lines, read_records
from etl.reference import canonical_platform


@dataclass(frozen=True)
class CfpbWatermark:
    """The latest date received loaded, stored as its ISO date ('2021-12-07')."""

    latest_received: date

    @classmethod
    def parse(cls, stored: str) -> Self:
        return cls(date.fromisoformat(stored))

    def dump(self) -> str:
        return self.latest_received.isoformat()


META = SourceMeta(
    source_id="cfpb",
    name="CFPB Consumer Complaint Database",
    publisher="US Consumer Financial Protection Bureau",
    homepage="https://www.consumerfinance.gov/data-research/consumer-complaints/",
    licence="CC0 / US public domain",
    is_synthetic=False,
    description=(
        "Complaints about consumer financial products that the CFPB forwarded to companies, with "
        "the company's response and whether it was timely. No closing dates or order volumes."
    ),
    watermark=CfpbWatermark,
    expect={"complaints": 1},
    # The company is the legal entity. No close dates (a response is not a closing date), no
    # first-response time, no escalation (consumer_disputed ended in 2017), no order volumes.
    publishes=frozenset({"complaints", "entities"}),
)
BASE_URL_ENV = "STOREWATCH_CFPB_BASE_URL"
DEFAULT_BASE_URL = "https://www.consumerfinance.gov/data-research/consumer-complaints/search/api/v1/"
PLATFORM = canonical_platform("CFPB")  # the code cfpb (data/reference/platforms.yml)
PAGE_SIZE = 100  # the search API's largest page for hits
# The API's deepest offset (ccdb5-api serializer: frm max_value=10000, a multiple of size); past it
# only search_after pages on.
MAX_FRM = 10_000
OVERLAP_DAYS = 7  # re-ask this many days before the watermark: late-indexed complaints and edits

# company response -> (status, outcome). Relief means the consumer got something: resolved.
RESPONSES = {
    "in progress": ("open", "in_progress"),
    "closed with monetary relief": ("resolved", "monetary_relief"),
    "closed with non-monetary relief": ("resolved", "non_monetary_relief"),
    "closed with relief": ("resolved", "relief"),
    "closed with explanation": ("closed_unresolved", "explanation"),
    "closed without relief": ("closed_unresolved", "no_relief"),
    "closed": ("closed_unresolved", "closed"),
    "untimely response": ("closed_unresolved", "untimely_response"),
}
# product/issue wording -> complaint category; first match wins, issue before sub-issue/product.
CATEGORY_RULES = [
    ("advertis", "false_promotion"),
    ("marketing", "false_promotion"),
    ("didn't expect", "false_promotion"),
    ("refund", "refund_refused"),
    ("didn't receive", "delivery"),
    ("not received", "delivery"),
    ("money was not available", "delivery"),
    ("incorrect information", "not_as_described"),
    ("debt not owed", "not_as_described"),
    ("wrong amount", "not_as_described"),
    ("communication tactics", "service_attitude"),
    ("customer service", "service_attitude"),
    ("threaten", "service_attitude"),
    ("trouble using", "quality"),
    ("problem with", "quality"),
    ("managing", "quality"),
]
# bulk/API CSV column -> API field name
CSV_COLUMNS = {
    "Date received": "date_received",
    "Product": "product",
    "Sub-product": "sub_product",
    "Issue": "issue",
    "Sub-issue": "sub_issue",
    "Consumer complaint narrative": "complaint_what_happened",
    "Company public response": "company_public_response",
    "Company": "company",
    "State": "state",
    "ZIP code": "zip_code",
    "Tags": "tags",
    "Consumer consent provided?": "consumer_consent_provided",
    "Submitted via": "submitted_via",
    "Date sent to company": "date_sent_to_company",
    "Company response to consumer": "company_response",
    "Timely response?": "timely",
    "Consumer disputed?": "consumer_disputed",
    "Complaint ID": "complaint_id",
}
_MASK = re.compile(r"X{2,}(?:/X{2,})*")  # CFPB's own redaction: XXXX, XX/XX/XXXX


def _text(source: dict, key: str) -> str | None:
    value = source.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "None") else text


def parse_date(text: str | None, column: str) -> datetime | None:
    """CFPB dates in every shape seen: 12/11/21, 2020-03-18, 2021-12-11T12:00:00-05:00, with time."""
    if text is None:
        return None
    for pattern in ("%m/%d/%y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordRejectedError(f"unreadable date {text!r}", column) from exc
    if parsed.tzinfo is None:
        return parsed
    if (parsed.hour, parsed.minute, parsed.second) == (12, 0, 0):
        # before 2026 the API encoded a calendar date as noon US Eastern: keep the date
        return datetime.combine(parsed.date(), datetime.min.time())
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _yes_no(text: str | None) -> bool | None:
    return {"yes": True, "no": False}.get((text or "").lower())


def category_of(source: dict) -> str:
    for key in ("issue", "sub_issue", "product"):
        wording = (_text(source, key) or "").lower()
        for needle, category in CATEGORY_RULES:
            if needle in wording:
                return category
    return "other"


def normalise(ctx: RunContext, source: Any) -> tuple[str, dict[str, Any]]:
    """(company, complaint row) for one `_source` record; raises RecordRejectedError."""
    if not isinstance(source, dict):
        raise RecordRejectedError("record is not an object", None)
    complaint_id = _text(source, "complaint_id")
    if complaint_id is None:
        raise RecordRejectedError("complaint_id missing", "source_record_id")
    company = _text(source, "company")
    if company is None:
        raise RecordRejectedError("company missing", "merchant_id")
    filed = parse_date(_text(source, "date_received"), "filed_at")
    if filed is None:
        raise RecordRejectedError("date_received missing", "filed_at")
    response = _text(source, "company_response")
    if response is None or response.lower() not in RESPONSES:
        raise RecordRejectedError(f"unknown company response {response!r}", "status")
    status, outcome = RESPONSES[response.lower()]
    narrative = None
    if _text(source, "consumer_consent_provided") == "Consent provided":
        narrative = _text(source, "complaint_what_happened")
    return company, {
        "source_record_id": complaint_id,
        "merchant_id": ctx.stable_id("company|" + company),
        "platform": PLATFORM,
        "filed_at": filed,
        "forwarded_at": parse_date(_text(source, "date_sent_to_company"), "forwarded_at"),
        "first_response_at": None,
        "closed_at": None,
        "category": category_of(source),
        "issue": _text(source, "issue"),
        "status": status,
        "source_status": response,
        "outcome": outcome,
        "timely_response": _yes_no(_text(source, "timely")),
        "consumer_disputed": _yes_no(_text(source, "consumer_disputed")),
        "narrative": narrative,
        "narrative_masked_items": len(_MASK.findall(narrative)) if narrative else None,
    }


class _Loader:
    """Emits complaints and, once per run, their company as store and legal entity."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.latest: date | None = None

    def load(self, records: Iterable[Any]) -> None:
        for source in records:
            try:
                company, row = normalise(self.ctx, source)
            except RecordRejectedError as exc:
                record_id = source.get("complaint_id") if isinstance(source, dict) else None
                self.ctx.reject("complaints", record_id, exc.reason, source, exc.column)
                continue
            self._company(company)
            self.ctx.emit("complaints", row, source)
            day = row["filed_at"].date()
            self.latest = day if self.latest is None else max(self.latest, day)

    def _company(self, company: str) -> None:
        key = "company|" + company
        entity_id = self.ctx.emit_entity_once(key, company, key)
        self.ctx.emit_store_once(key, company, PLATFORM, key, entity_id=entity_id)


def search_after_token(sort: Any) -> str | None:
    """The `search_after` value the API accepts for a hit's `sort`, or None when it has none.

    Checked against cfpb/ccdb5-api complaint_search/es_interface.py (parse_search_after, commit
    22707fb2): the parameter is "<sort value>_<id>", split on "_" into exactly two parts, and for
    the created_date sorts the first part must be all digits (epoch milliseconds, as in the
    recorded hits' `sort`: [1639242000000, "4998940"]). The API silently ignores a token it cannot
    parse and serves the first page again, so anything else is refused here instead.
    """
    if not isinstance(sort, list | tuple) or len(sort) != 2:
        return None
    epoch, hit_id = sort
    if isinstance(epoch, float) and epoch.is_integer():
        epoch = int(epoch)
    epoch_text, id_text = str(epoch), str(hit_id)
    if not epoch_text.isdigit() or not id_text or "_" in id_text:
        return None
    return f"{epoch_text}_{id_text}"


class CfpbApiSource:
    """Pages through the CCDB search API, from the watermark (minus an overlap) onwards."""

    meta = META

    def __init__(
        self,
        base_url: str | None = None,
        date_min: date | None = None,
        page_size: int = PAGE_SIZE,
        overlap_days: int = OVERLAP_DAYS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.date_min = date_min
        self.page_size = page_size
        self.overlap_days = overlap_days
        self.transport = transport

    def start_date(self, previous: CfpbWatermark | None) -> date | None:
        if previous is not None:
            return previous.latest_received - timedelta(days=self.overlap_days)
        return self.date_min

    def query(self, start: date | None) -> dict[str, Any]:
        # No `format`: json and csv are the API's export formats, answered by one unpaginated scan
        # (es_interface.search); only the default format pages with size / search_after.
        query: dict[str, Any] = {
            "size": self.page_size,
            "sort": "created_date_asc",  # search_after needs the sort it was made with
            "no_aggs": "true",
            "no_highlight": "true",
        }
        if start is not None:
            query["date_received_min"] = start.isoformat()
        return query

    def next_cursor(self, hits: list[Any], cursor: tuple[str, Any] | None) -> tuple[str, Any] | None:
        """search_after from the last hit's sort; failing that, an `frm` offset up to the API's cap."""
        if len(hits) < self.page_size:
            return None
        last = hits[-1] if isinstance(hits[-1], dict) else {}
        token = search_after_token(last.get("sort"))
        if token is not None:
            return ("search_after", token)
        offset = (cursor[1] if cursor and cursor[0] == "frm" else 0) + len(hits)
        if offset > MAX_FRM:
            raise PaginationError(
                f"the CFPB API gave no search_after material and cannot page past frm={MAX_FRM}; "
                "narrow the date range (--since) and run again"
            )
        return ("frm", offset)

    def extract(self, ctx: RunContext) -> None:
        previous: CfpbWatermark | None = ctx.previous_watermark
        query = self.query(self.start_date(previous))
        loader = _Loader(ctx)
        task = ctx.progress.task("cfpb: complaints")
        meta: dict[str, Any] = {}
        counts = {"received": 0}  # and "total", the first page's count of what the query matches
        base_url = self.base_url or ctx.setting(BASE_URL_ENV, DEFAULT_BASE_URL)
        with ctx.http_client(base_url, transport=self.transport) as client:

            def fetch(cursor: tuple[str, Any] | None) -> Page[tuple[str, Any]]:
                params = dict(query)
                if cursor is not None:
                    params[cursor[0]] = cursor[1]
                data = ctx.fetch_json(client, "", params=params)
                if not isinstance(data, dict) or not isinstance(data.get("hits"), dict):
                    raise PaginationError(f"the CFPB API answered without a hits object: {str(data)[:80]!r}")
                meta.update(data.get("_meta") or {})
                hits = data["hits"].get("hits") or []
                if "total" not in counts and (total := exact_total(data["hits"].get("total"))) is not None:
                    counts["total"] = total
                counts["received"] += len(hits)
                return Page(hits, self.next_cursor(hits, cursor))

            what = f"the CFPB API at {client.base_url}"
            for hits in ctx.paginate(fetch, what):
                loader.load(hit.get("_source") if isinstance(hit, dict) else hit for hit in hits)
                task.advance(len(hits))
            # paging ends on a short page; a server serving fewer per page than asked would end it
            # early and silently, so the count the API reported is checked
            if counts["received"] < counts.get("total", 0):
                raise PaginationError(
                    f"{what} reported {counts['total']:,} complaints but paging ended after "
                    f"{counts['received']:,}: does it serve fewer than {self.page_size} per page? "
                    "Try a smaller --page-size"
                )
        if loader.latest is not None:
            latest = max(loader.latest, previous.latest_received) if previous else loader.latest
            ctx.watermark = CfpbWatermark(latest)
        if meta.get("last_indexed"):
            ctx.as_of = parse_date(str(meta["last_indexed"]), "as_of")


def exact_total(total: object) -> int | None:
    """Elasticsearch's hit count when it is exact ({"value": n, "relation": "eq"} or a bare int)."""
    if isinstance(total, dict) and total.get("relation") == "eq" and isinstance(total.get("value"), int):
        return total["value"]
    return total if isinstance(total, int) and not isinstance(total, bool) else None


class CfpbCsvSource:
    """A CCDB CSV (bulk download or API export): console lines, `None`, short dates, CRLF."""

    meta = META

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def extract(self, ctx: RunContext) -> None:
        rows = read_records(read_lines(self.path), "csv", {"header_starts_with": "Date received"})
        loader = _Loader(ctx)
        task = ctx.progress.task(f"cfpb: {self.path.name}")
        for row in rows:
            loader.load([{CSV_COLUMNS.get(name, name): value for name, value in row.items()}])
            task.advance()
        if loader.latest is not None:
            # a download is complete up to the last day it holds, not up to when it is loaded
            # (open complaints are censored here; a future date is the loader's to quarantine)
            ctx.as_of = min(datetime.combine(loader.latest, time.max).replace(microsecond=0), ctx.started_at)


@dataclass(frozen=True)
class CfpbParams:
    since: Annotated[
        str | None,
        typer.Option(help="First run only: load complaints received on or after this date (YYYY-MM-DD)."),
    ] = None
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Load a CCDB CSV (bulk download or API export) instead of the API.",
            exists=True,
            dir_okay=False,
        ),
    ] = None
    page_size: Annotated[int, typer.Option(min=1, max=PAGE_SIZE, help="Complaints per API page.")] = PAGE_SIZE
    overlap_days: Annotated[
        int, typer.Option(min=0, help="Re-ask this many days before the last run's latest date received.")
    ] = OVERLAP_DAYS
    base_url: Annotated[str | None, typer.Option(help=f"Search API base URL (default: {BASE_URL_ENV}).")] = (
        None
    )


def build(params: CfpbParams) -> CfpbApiSource | CfpbCsvSource:
    """Load CFPB consumer complaints: incrementally from the search API, or from a CSV file.

    Later runs resume from the stored watermark. Every fetched page is archived gzipped under
    <data dir>/raw/cfpb/<run id>/ (kept for failed runs too; none for a dry run).
    """
    if params.csv is not None:
        return CfpbCsvSource(params.csv)
    try:
        since = date.fromisoformat(params.since) if params.since else None
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {params.since!r}", param_hint="--since") from exc
    return CfpbApiSource(
        base_url=params.base_url,
        date_min=since,
        page_size=params.page_size,
        overlap_days=params.overlap_days,
    )


COMMAND = SourceCommand(name="cfpb", params=CfpbParams, build=build)
