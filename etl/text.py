"""Text helpers shared by sources and search, and the load path's policy for stored text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Lone UTF-16 surrogates (JSON "\ud800" decodes to one) cannot be stored as UTF-8 at all.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Removed from stored text: C0 controls but tab, newline and carriage return (NUL included), DEL,
# C1 controls, and the bidi embeddings, overrides and isolates, which are invisible and only
# reorder what is displayed ("Trojan Source"); right-to-left letters themselves are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same classes in RE2 syntax, for pyarrow.compute on vectorised batches.
CONTROL_RE2 = r"[\x{00}-\x{08}\x{0b}\x{0c}\x{0e}-\x{1f}\x{7f}-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}]"

# The longest store or company name the load path accepts (name and name_normalised alike); longer
# ones are quarantined (etl/validation.py). The longest real names in the sample data are lists of
# affiliates: 301 characters (a CFPB enforcement institution), 453 (a Federal Reserve banking
# organisation); Chinese store names run to about 30. A bound keeps every name-based step (search,
# matching, pages) cheap whatever a source sends: one 2 M-character name made each search take minutes.
NAME_MAX_CHARS = 500


def normalise_name(name: str) -> str:
    """Search key for a store or company name: NFKC, case-folded, spaces and punctuation removed."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", fix_surrogates(name)).casefold())


def normalise_store_name(name: str) -> str:
    """Identity key of a store or company name: `normalise_name`, then traditional Chinese
    characters written as simplified (OpenCC t2s): 示例甲數碼旗艦店 and 示例甲数码旗舰店 are one key,
    ＡＢＣ 旗舰店 and abc旗舰店 another. Exact: a different suffix or a typo is a different key."""
    return _to_simplified().convert(normalise_name(name))


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fix_surrogates(text: str) -> str:
    """Lone surrogates replaced by U+FFFD, so the text can be encoded (ids, hashes, Arrow)."""
    return _SURROGATE.sub("\ufffd", text)


def clean_text(text: str) -> str:
    """Stored text: lone surrogates replaced, control and bidi-override characters removed."""
    return _CONTROL.sub("", fix_surrogates(text))
