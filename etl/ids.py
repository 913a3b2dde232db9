"""Stable ids: `<source>:<record id>` when the source's id is short and plain, else a hash of it.

Ids are public (they appear in extracts that people cite), so changing this rule is a breaking
change. The SQL macro below must give the same answer; a test checks that they agree.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

STABLE_ID_MACRO = """
CREATE OR REPLACE TEMP MACRO storewatch_id(src, rid) AS
    CASE WHEN regexp_full_match(rid, '[A-Za-z0-9._-]{1,64}') THEN src || ':' || rid
         ELSE src || ':h' || left(sha256(rid), 16) END
"""


def stable_id(source_id: str, record_id: str) -> str:
    if _PLAIN_ID.fullmatch(record_id):
        return f"{source_id}:{record_id}"
    return f"{source_id}:h{hashlib.sha256(record_id.encode('utf-8')).hexdigest()[:16]}"


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
