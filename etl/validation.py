"""Per-table rules that send a staged row to quarantine. Each rule: (column, reason, SQL that is
TRUE for a bad row). The SQL is ours, evaluated over the staging table; no user text is in it.
A row is quarantined with the first rule it breaks."""

from __future__ import annotations

_PROVENANCE_RULES = [
    ("source_record_id", "missing source record id", "source_record_id IS NULL OR source_record_id = ''"),
]

_DATES_SANE = "TIMESTAMP '1980-01-01'"
_FUTURE = "(now()::TIMESTAMP + INTERVAL 2 DAY)"
_MAX_AMOUNT = "1e12"

RULES: dict[str, list[tuple[str, str, str]]] = {
    "entities": [
        *_PROVENANCE_RULES,
        ("name", "entity name missing", "name IS NULL OR trim(name) = ''"),
    ],
    "merchants": [
        *_PROVENANCE_RULES,
        ("name", "store name missing", "name IS NULL OR trim(name) = ''"),
        ("platform", "platform missing", "platform IS NULL OR trim(platform) = ''"),
        ("size_measure", "negative size measure", "size_measure < 0"),
        ("closed_on", "closed before it opened", "closed_on < opened_on"),
        (
            "entity_id",
            "unknown legal entity",
            "entity_id IS NOT NULL AND entity_id NOT IN (SELECT entity_id FROM entities)",
        ),
    ],
    "merchant_volume": [
        *_PROVENANCE_RULES,
        ("period", "period missing", "period IS NULL"),
        ("orders", "negative order count", "orders < 0"),
        ("gmv", "negative GMV", "gmv < 0"),
        (
            "merchant_id",
            "unknown store",
            "merchant_id IS NULL OR merchant_id NOT IN (SELECT merchant_id FROM merchants)",
        ),
    ],
    "complaints": [
        *_PROVENANCE_RULES,
        ("filed_at", "filing date missing", "filed_at IS NULL"),
        ("filed_at", "filing date before 1980", f"filed_at < {_DATES_SANE}"),
        ("filed_at", "filing date in the future", f"filed_at > {_FUTURE}"),
        ("closed_at", "closed before it was filed", "closed_at < filed_at"),
        ("closed_at", "closing date in the future", f"closed_at > {_FUTURE}"),
        ("first_response_at", "first response before filing", "first_response_at < filed_at"),
        ("forwarded_at", "forwarded before filing", "forwarded_at < filed_at::DATE"),
        (
            "category",
            "unknown complaint category",
            "category IS NULL OR category NOT IN (SELECT category FROM complaint_categories)",
        ),
        (
            "status",
            "unknown status",
            "status IS NULL OR status NOT IN ('open', 'resolved', 'closed_unresolved', 'withdrawn')",
        ),
        ("closed_at", "open complaint with a closing date", "status = 'open' AND closed_at IS NOT NULL"),
        ("amount_claimed", "negative amount claimed", "amount_claimed < 0"),
        ("amount_claimed", "implausibly large amount", f"amount_claimed > {_MAX_AMOUNT}"),
        ("platform", "platform missing", "platform IS NULL OR trim(platform) = ''"),
        (
            "merchant_id",
            "unknown store",
            "merchant_id IS NULL OR merchant_id NOT IN (SELECT merchant_id FROM merchants)",
        ),
    ],
    "penalties": [
        *_PROVENANCE_RULES,
        ("decided_at", "decision date missing", "decided_at IS NULL"),
        ("decided_at", "decision date before 1980", f"decided_at < {_DATES_SANE}"),
        ("decided_at", "decision date in the future", f"decided_at > {_FUTURE}"),
        (
            "violation_type",
            "unknown violation type",
            "violation_type IS NULL OR violation_type NOT IN (SELECT violation_type FROM violation_types)",
        ),
        (
            "sanction_type",
            "unknown sanction type",
            "sanction_type IS NULL OR sanction_type NOT IN (SELECT sanction_type FROM sanction_scale)",
        ),
        (
            "authority_type",
            "unknown authority type",
            "authority_type IS NULL OR authority_type NOT IN ('platform', 'regulator', 'court')",
        ),
        ("fine_amount", "negative fine", "fine_amount < 0"),
        ("fine_amount", "implausibly large fine", f"fine_amount > {_MAX_AMOUNT}"),
        ("points", "negative points", "points < 0"),
        ("duration_days", "negative duration", "duration_days < 0"),
        (
            "merchant_id",
            "unknown store",
            "merchant_id IS NULL OR merchant_id NOT IN (SELECT merchant_id FROM merchants)",
        ),
    ],
}
