"""Text helpers shared by sources and search."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """Search key for a store or company name: NFKC, case-folded, spaces and punctuation removed."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", name).casefold())
