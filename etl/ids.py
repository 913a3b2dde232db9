"""Stable ids: `<source>:<record id>` when the source's id is short and plain and holds nothing
personal, else `<source>:h` and a hash of it; stores and legal entities from file imports: `store:` /
`entity:` and a hash of what identifies them.

Ids are public (they appear in extracts that people cite), so changing this rule is a breaking
change. The SQL macro below must give the same answer; a test checks that they agree.

A record id that holds personal data (a phone number, an e-mail address, an ID or card number: what
etl/pii.py masks) is never published: staging replaces it by `public_record_id` (`h` and its hash)
in source_record_id and in quarantine, so the SQL macro sees the hash and derives the same id as
`stable_id` (issue 18: a phone number used as a record id became a public complaint_id).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

from etl.pii import CHINESE_DIGITS, mask_pii
from etl.text import normalise_store_name

_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HASH_LENGTH = 16
# Every personal item etl.pii masks has an '@' (or "(at)") or at least 8 digits: ids without them
# (demo c123, CFPB's 7-8 digit numbers) skip the full check. RE2 twin for vectorised batches.
_DIGITS = frozenset("0123456789０１２３４５６７８９" + CHINESE_DIGITS)
_AT_SIGN = re.compile(r"[@＠]|\(at\)|\[at\]", re.IGNORECASE)
_RE2_DIGIT = "[0-9\\x{ff10}-\\x{ff19}" + "".join(f"\\x{{{ord(c):x}}}" for c in CHINESE_DIGITS) + "]"
MAY_BE_PERSONAL_RE2 = (
    r"(?i)[@\x{ff20}]|\(at\)|\[at\]|" + f"(?:{_RE2_DIGIT[0]}^{_RE2_DIGIT[1:]}*{_RE2_DIGIT}){{8}}"
)

STABLE_ID_MACRO = """
CREATE OR REPLACE TEMP MACRO storewatch_id(src, rid) AS
    CASE WHEN regexp_full_match(rid, '[A-Za-z0-9._-]{1,64}') THEN src || ':' || rid
         ELSE src || ':h' || left(sha256(rid), 16) END
"""


def looks_personal(record_id: str) -> bool:
    """True when the id holds something etl.pii would mask (a phone, e-mail, ID or card number)."""
    may_be = _AT_SIGN.search(record_id) or sum(char in _DIGITS for char in record_id) >= 8
    return bool(may_be) and mask_pii(record_id)[1] > 0


def _hashed(record_id: str) -> str:
    return "h" + hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def public_record_id(record_id: str) -> str:
    """The record id as stored and published: itself, or `h` and its hash when it looks personal."""
    return _hashed(record_id) if looks_personal(record_id) else record_id


def stable_id(source_id: str, record_id: str) -> str:
    if _PLAIN_ID.fullmatch(record_id) and not looks_personal(record_id):
        return f"{source_id}:{record_id}"
    return f"{source_id}:{_hashed(record_id)}"


def raw_hash(raw: Any) -> str:
    """Hash of a raw record: bytes as they are, anything else as canonical JSON."""
    if isinstance(raw, bytes):
        data = raw
    elif isinstance(raw, str):
        data = raw.encode("utf-8", "surrogatepass")
    else:
        data = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str).encode(
            "utf-8", "surrogatepass"
        )
    return hashlib.sha256(data).hexdigest()


# -- store and legal-entity identity (file imports; docs/linking.md) ----------------------------
# A file import names a store by what names it in the world, not by the mapping that loaded it, so
# a complaint file and a penalty notice list naming one store give one merchant_id.
_KEY_SEPARATOR = "\x1f"  # cannot occur in a normalised name (it is not a word character)
_KEY_HASH_LENGTH = 16


def store_key(platform_code: str, name: str, store_id: str | None = None) -> str:
    """The identity of a store: its platform's own store id when given, else its normalised name.

    `platform_code` must already be canonical (etl.reference.canonical_platform); `name` is the
    name as written (normalised here).
    """
    if store_id is not None and store_id.strip():
        return _KEY_SEPARATOR.join((platform_code, "id", store_id.strip()))
    return _KEY_SEPARATOR.join((platform_code, "name", normalise_store_name(name)))


def entity_key(name: str, registration_number: str | None = None) -> str:
    """The identity of a legal entity: its registration number (e.g. the unified social credit code)
    when given, else its normalised name."""
    number = normalise_registration_number(registration_number)
    if number:
        return _KEY_SEPARATOR.join(("reg", number))
    return _KEY_SEPARATOR.join(("name", normalise_store_name(name)))


def normalise_registration_number(number: str | None) -> str | None:
    """Full-width digits and letters made plain, upper case, spaces and hyphens removed."""
    if number is None:
        return None
    plain = unicodedata.normalize("NFKC", number).upper()
    return "".join(ch for ch in plain if ch.isalnum()) or None


def key_id(prefix: str, key: str) -> str:
    """`store:` or `entity:` and the first 16 hex digits of the key's SHA-256."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}:{digest[:_KEY_HASH_LENGTH]}"


def merchant_id_for(platform_code: str, name: str, store_id: str | None = None) -> str:
    return key_id("store", store_key(platform_code, name, store_id))


def entity_id_for(name: str, registration_number: str | None = None) -> str:
    return key_id("entity", entity_key(name, registration_number))
