"""`cfpb_enforcement`: the CFPB's public enforcement actions, from a CSV of its actions pages.

One row per action: the institution, forum, docket number, initial filing date ("OCT 31, 2024"),
status, products, civil money penalty and redress ("45,000,000"), and the action's page. The
institution becomes a legal entity and its store (platform "CFPB", as for CFPB complaints); an
action that ended in an order or judgment becomes a regulator's penalty. An action still in
litigation has no sanction yet and is left out, as NYC's pending charges are. The sanction scale
has no level for a consent order, so every order is a fine: its amount is the civil money penalty,
NULL where the page publishes none (never 0). Actions carry no decision date; the initial filing
date is the closest published one (for an administrative order it is the order's date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from etl.context import RecordRejectedError, RunContext, SourceCommand, SourceMeta
from etl.readers import read_lines, read_records
from etl.reference import canonical_platform

META = SourceMeta(
    source_id="cfpb_enforcement",
    name="CFPB enforcement actions",
    publisher="US Consumer Financial Protection Bureau",
    homepage="https://www.consumerfinance.gov/enforcement/actions/",
    licence="US public domain",
    is_synthetic=False,
    description=(
        "Enforcement actions the CFPB brought against institutions: forum, status, civil money "
        "penalty and redress, as its actions pages publish them."
    ),
    expect={"penalties": 1},  # a file that gives no penalty at all is not a list of actions
    publishes=frozenset({"penalties", "entities"}),  # the institution is the legal entity
)
PLATFORM = canonical_platform("CFPB")  # the code cfpb, as for CFPB complaints
PENDING = "Pending Litigation"


def parse_filing_date(text: str) -> date:
    """'OCT 31, 2024' (the actions pages' format) as a date."""
    try:
        return datetime.strptime(text.strip().title(), "%b %d, %Y").date()
    except ValueError as exc:
        raise RecordRejectedError(f"unreadable filing date {text!r}", "decided_at") from exc


def parse_amount(text: str, column: str) -> Decimal | None:
    """'45,000,000' as a Decimal; an empty cell is an amount not published: None, never 0."""
    if not text.strip():
        return None
    try:
        amount = Decimal(text.replace(",", "").replace("$", "").strip())
    except InvalidOperation as exc:
        raise RecordRejectedError(f"not an amount: {text!r}", column) from exc
    if not amount.is_finite():
        raise RecordRejectedError(f"not an amount: {text!r}", column)
    return amount


def penalty(ctx: RunContext, action: dict[str, str]) -> dict[str, Any] | None:
    """The penalty row of one action (staging its institution), None for one still in litigation."""
    docket = action.get("Docket_number", "").strip()
    if not docket:
        raise RecordRejectedError("docket number missing", "source_record_id")
    institution = action.get("Institution", "").strip()
    if not institution:
        raise RecordRejectedError("institution missing", "merchant_id")
    if action.get("Status", "").strip() == PENDING:
        return None
    decided = parse_filing_date(action.get("Initial_filing_date", ""))
    fine = parse_amount(action.get("Civil_money_penalty", ""), "fine_amount")
    redress = parse_amount(action.get("Redress_amount", ""), "description")
    key = "institution|" + institution
    entity_id = ctx.emit_entity_once(key, institution, key)
    merchant_id = ctx.emit_store_once(key, institution, PLATFORM, key, entity_id=entity_id)
    redress_text = f"${redress:,}" if redress is not None else "not published"
    forum, status = action.get("Forum", ""), action.get("Status", "")
    return {
        "source_record_id": docket,
        "merchant_id": merchant_id,
        "entity_id": entity_id,
        "authority_type": "regulator",
        "authority_name": "CFPB",
        "decided_at": decided,
        "violation_type": "other",  # the pages name products, not a violation on the platform scale
        "violation_raw": action.get("Products") or None,
        "sanction_type": "fine",
        "fine_amount": fine,
        "fine_currency": "USD",
        "document_url": action.get("Link") or None,
        "description": f"{forum} {docket}; {status}; redress: {redress_text}",
    }


class CfpbEnforcementSource:
    meta = META

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def extract(self, ctx: RunContext) -> None:
        task = ctx.progress.task(f"cfpb_enforcement: {self.path.name}")
        latest: date | None = None
        pending = 0
        for action in read_records(read_lines(self.path), "csv"):
            task.advance()
            try:
                row = penalty(ctx, action)
            except RecordRejectedError as exc:
                ctx.reject("penalties", action.get("Docket_number") or None, exc.reason, action, exc.column)
                continue
            if row is None:
                pending += 1
                continue
            ctx.emit("penalties", row, action)
            latest = max(latest or row["decided_at"], row["decided_at"])
        if pending:
            ctx.progress.note(f"cfpb_enforcement: {pending} actions still in litigation, not penalties")
        if latest is not None:
            # the file is complete up to the last action it holds, not up to when it is loaded
            ctx.as_of = min(datetime.combine(latest, time(23, 59, 59)), ctx.started_at)


@dataclass(frozen=True)
class EnforcementParams:
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV of CFPB enforcement actions (columns Institution, Forum, Docket_number, "
            "Initial_filing_date, Status, Products, Civil_money_penalty, Redress_amount, Link).",
            exists=True,
            dir_okay=False,
        ),
    ]


def build(params: EnforcementParams) -> CfpbEnforcementSource:
    """Load CFPB enforcement actions (orders and judgments, with their civil money penalties) from a CSV.

    Each institution becomes a legal entity and its store on the platform "CFPB"; actions still in
    litigation are counted, not loaded. Re-running a file (or a newer one) updates, never duplicates.
    """
    return CfpbEnforcementSource(params.file)


COMMAND = SourceCommand(name="cfpb-enforcement", params=EnforcementParams, build=build)
