"""Per-table rules that send a staged row to quarantine. Each rule: (column, reason, SQL that is
TRUE for a bad row). The SQL is ours, evaluated over the staging table; no user text is in it.
A row is quarantined with the first rule it breaks."""

from __future__ import annotations

from etl.text import NAME_MAX_CHARS

_PROVENANCE_RULES = [
    ("source_record_id", "missing source record id", "source_record_id IS NULL OR source_record_id = ''"),
]

# Enumerated columns: the values they accept, listed here (a closed list: the metrics depend on each
# value, so adding one is a code change) or kept as the keys of a reference table, loaded from
# data/reference/vocabularies.yml (etl/vocabularies.py; key column named as the column).
# docs/mapping_reference.md is generated from this, so the documented values are the ones the
# loader accepts.
COMPLAINT_STATUSES = ("open", "resolved", "closed_unresolved", "withdrawn")
AUTHORITY_TYPES = ("platform", "regulator", "court")
SIZE_BASES = ("orders", "gmv", "followers")  # as the CHECK constraint of merchants.size_basis
ACCEPTED_VALUES: dict[str, dict[str, tuple[str, ...] | str]] = {
    "merchants": {"size_basis": SIZE_BASES},
    "complaints": {"category": "complaint_categories", "status": COMPLAINT_STATUSES},
    "penalties": {
        "violation_type": "violation_types",
        "sanction_type": "sanction_scale",
        "authority_type": AUTHORITY_TYPES,
    },
}


def _not_accepted(table: str, column: str) -> str:
    """SQL that is TRUE when `column` holds no value or one it does not accept."""
    accepted = ACCEPTED_VALUES[table][column]
    if isinstance(accepted, str):  # names and values from this module only, as the docstring says
        return f"{column} IS NULL OR {column} NOT IN (SELECT {column} FROM {accepted})"  # noqa: S608
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in accepted)
    return f"{column} IS NULL OR {column} NOT IN ({quoted})"


def _name_rules(what: str) -> list[tuple[str, str, str]]:
    """A name must be there, and no longer than NAME_MAX_CHARS (etl/text.py says why), normalised or not."""
    too_long = f"{what} name longer than {NAME_MAX_CHARS} characters"
    return [
        ("name", f"{what} name missing", "name IS NULL OR trim(name) = ''"),
        ("name", too_long, f"length(name) > {NAME_MAX_CHARS}"),
        ("name_normalised", too_long, f"length(name_normalised) > {NAME_MAX_CHARS}"),
    ]


_DATES_SANE = "TIMESTAMP '1980-01-01'"
_FUTURE = "(now()::TIMESTAMP + INTERVAL 2 DAY)"
_MAX_AMOUNT = "1e12"

RULES: dict[str, list[tuple[str, str, str]]] = {
    "entities": [
        *_PROVENANCE_RULES,
        *_name_rules("entity"),
    ],
    "merchants": [
        *_PROVENANCE_RULES,
        *_name_rules("store"),
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
        ("category", "unknown complaint category", _not_accepted("complaints", "category")),
        ("status", "unknown status", _not_accepted("complaints", "status")),
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
        ("violation_type", "unknown violation type", _not_accepted("penalties", "violation_type")),
        ("sanction_type", "unknown sanction type", _not_accepted("penalties", "sanction_type")),
        ("authority_type", "unknown authority type", _not_accepted("penalties", "authority_type")),
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
