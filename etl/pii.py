"""Masks personal data in free text before it is stored: phones, e-mails, ID numbers, cards, orders.

Every item becomes a placeholder without digits or '@' (`[phone]`, `[email]`, `[id-number]`,
`[bank-card]`, `[order-no]`), so masking twice changes nothing and text without a digit or '@'
is never touched. Patterns that could hit ordinary numbers are confirmed before masking: resident
ID numbers by their ISO 7064 MOD 11-2 check digit and birth date, card numbers by the Luhn check
and an issuer prefix, order numbers only after words that announce one. Dates, amounts, years,
short numbers and CFPB's own XXXX redactions do not match any pattern.

Forms that slipped through before (issue 18) and are matched now: a mobile or 18-digit ID number
right after Latin letters (`Tel13812345678`, `ID4403...`; cards and other kinds keep the stricter
guard, as waybill and SKU codes are letters and digits), `.` and `/` as separators (`138.1234.5678`,
`4111.1111.1111.1111`), ID numbers grouped 6-4-4-4, e-mails with spaces around `@` or `(at)`, and
internationalised domains, and digits written in Chinese (一三八一二三四五六七八), which are read
as digits wherever three of them stand together.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PHONE = "[phone]"
EMAIL = "[email]"
ID_NUMBER = "[id-number]"
BANK_CARD = "[bank-card]"
ORDER_NO = "[order-no]"

# Full-width digits and signs (常见于中文输入法) are matched like ASCII ones; a 1:1 mapping
# keeps match positions valid in the original text.
# Digits written in Chinese, as a phone number is read out: 幺 is 1 said on the phone. Folded 1:1
# like the full-width ones, so every pattern sees them as digits.
CHINESE_DIGITS = "〇零一二三四五六七八九幺"
_FOLD = str.maketrans(
    "０１２３４５６７８９＋－＠（）．" + CHINESE_DIGITS, "0123456789+-@()." + "001234567891", ""
)
# What must be in a text for any pattern to match: a digit, an @, "(at)", or three Chinese digits in
# a row ("一个" alone is ordinary prose). sanitise.py has the same test in RE2 syntax.
_MAY_HOLD_PII = re.compile(rf"[0-9@０-９＠]|\(at\)|\[at\]|[{CHINESE_DIGITS}]{{3}}", re.IGNORECASE)
MAY_HOLD_PII_RE2 = (
    r"(?i)[0-9@\x{ff10}-\x{ff19}\x{ff20}]|\(at\)|\[at\]"
    + "|["
    + "".join(f"\\x{{{ord(c):x}}}" for c in CHINESE_DIGITS)
    + "]{3}"
)

# Not inside a longer run of letters or digits (a Chinese character next to a number is fine:
# "手机13812345678" must match, so \b cannot be used).
_START = r"(?<![0-9A-Za-z])"
_END = r"(?![0-9A-Za-z])"
# Mobile and 18-digit ID numbers are specific enough (a prefix range; a check digit and a birth
# date) to be matched right after Latin letters: Tel13812345678, ID440306198512120042, wx1381...
_AFTER_LETTERS_START = r"(?<![0-9])"
_SEP = r"[ ./-]?"  # between digit groups: space, hyphen, dot or slash

# The domain may be internationalised (例子.中国, bücher.de, or its xn-- form); the local part is ASCII,
# or, for an all-Unicode address (用户@例子.公司), letters without ASCII ones (so "联系zhang@qq.com"
# masks the address, not 联系). Spaces may stand around '@' (also written (at) or [at]), and around a
# dot when on both sides of it ("example . com"). Each local part starts only where a run of its
# characters starts, so a long run before an '@' is read once, not once per position.
_ASCII_LOCAL = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*"
_UNICODE_LOCAL = r"(?<![\w.+-])[^\W\d_A-Za-z][^\W_A-Za-z]*"
_AT = r"\s{0,3}(?:@|\(at\)|\[at\])\s{0,3}"
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_DOT = r"(?:\.|\s\.\s)"
_TLD = r"(?:xn--[A-Za-z0-9-]+|[A-Za-z]{2,}|[^\W\d_A-Za-z]{2,})"
_EMAIL = re.compile(
    rf"(?:{_ASCII_LOCAL}|{_UNICODE_LOCAL}){_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLD}", re.IGNORECASE
)
_ORDER = re.compile(
    r"(?:订单(?:编号|号码|号)|order\s*(?:number|no\.?|num\.?|id|#))"
    r"(?:\s*(?:[:：#]|is|was|是|为))*\s*"
    r"(?P<number>[A-Za-z0-9][A-Za-z0-9_-]{3,39})",
    re.IGNORECASE,
)
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# grouped 6-8-4 or 6-4-4-4 (the separator may stand at any of the three places)
_ID18 = re.compile(
    _AFTER_LETTERS_START
    + rf"[1-9]\d{{5}}{_SEP}(?:18|19|20)\d{{2}}{_SEP}{_DATE}{_SEP}\d{{3}}[0-9Xx]"
    + r"(?![0-9])"
)
_ID15 = re.compile(_START + r"[1-9]\d{5}\d{2}" + _DATE + r"\d{3}" + _END)
_DIGIT_RUN = re.compile(_START + r"\d+(?:[ ./-]\d+)*" + _END)
_CN_MOBILE = re.compile(r"(?<![0-9+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:" + _SEP + r"\d{4}){2}(?!\d)")
_CN_LANDLINE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)86[ -]?\(?[1-9]\d{1,2}\)?|\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})"
    r"[ -]?[2-9]\d{2,3}[ -]?\d{4}(?!\d)"
)
_US = re.compile(r"(?<![0-9A-Za-z+])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?![0-9A-Za-z-])")
_INTERNATIONAL = re.compile(r"(?<![0-9A-Za-z])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,5}\)?){1,5}(?!\d)")

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-character resident ID number (GB 11643)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    # Issuer prefixes of the card networks (UnionPay 62, Visa 4, Mastercard 51-55 and 2221-2720,
    # Amex/JCB/Diners 3, Discover/Maestro 5-6): compact timestamps like 20240315... stay readable.
    issuer = digits[0] in "3456" or 2221 <= int(digits[:4]) <= 2720
    return 13 <= len(digits) <= 19 and issuer and luhn_valid(digits)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


_CARD_DIGITS = (13, 19)


def _card_span(run: str) -> tuple[int, int] | None:
    """The part of a run of digit groups that is a card number: the whole run or whole groups.

    Only windows of 13 to 19 digits are tried, longest first: linear in the run's length (trying
    every window of every size took 14 s for "1 " * 1000, and grew with the cube of the length).
    """
    if _is_card(_digits(run)):
        return 0, len(run)
    groups = [(m.start(), m.end(), m.end() - m.start()) for m in re.finditer(r"\d+", run)]
    best: tuple[int, int, int] | None = None  # (groups in the window, start, end)
    for first in range(len(groups)):
        count = 0
        for last in range(first, len(groups)):
            count += groups[last][2]
            if count > _CARD_DIGITS[1]:
                break
            size = last - first + 1
            if count >= _CARD_DIGITS[0] and size < len(groups) and (best is None or size > best[0]):
                start, end = groups[first][0], groups[last][1]
                if _is_card(_digits(run[start:end])):
                    best = (size, start, end)
    return None if best is None else (best[1], best[2])


def _id_valid(match: re.Match[str]) -> bool:
    number = _digits(match.group().upper().replace("X", "0"))
    if len(number) == 15:
        return True  # old IDs have no check digit; the pattern already checked the birth date
    text = re.sub(r"[ ./-]", "", match.group()).upper()
    return id_check_digit(text[:17]) == text[17]


class _Masker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.count = 0

    def sub(self, pattern: re.Pattern[str], placeholder: str, keep: Callable[[re.Match[str]], bool]) -> None:
        # matched on the full-width-folded copy; the folding is 1:1, so spans fit the original
        folded = self.text.translate(_FOLD)
        pieces: list[str] = []
        last = 0
        for match in pattern.finditer(folded):
            span = self._span(match, pattern)
            if span is None or not keep(match):
                continue
            start, end = span
            pieces += [self.text[last:start], placeholder]
            last = end
            self.count += 1
        if pieces:
            self.text = "".join(pieces) + self.text[last:]

    @staticmethod
    def _span(match: re.Match[str], pattern: re.Pattern[str]) -> tuple[int, int] | None:
        if pattern is _ORDER:
            if len(_digits(match.group("number"))) < 4:  # "order number is missing" is no number
                return None
            return match.span("number")
        if pattern is _DIGIT_RUN:
            found = _card_span(match.group())
            return None if found is None else (match.start() + found[0], match.start() + found[1])
        return match.span()


def _always(_: re.Match[str]) -> bool:
    return True


def _phone_length(match: re.Match[str]) -> bool:
    return 8 <= len(_digits(match.group())) <= 15  # E.164 allows at most 15 digits


def mask_pii(text: str) -> tuple[str, int]:
    """`text` with personal data replaced by placeholders, and the number of items replaced.

    Passes repeat until nothing more is found: a placeholder can free the item beside it from a
    pattern's "no digit before" guard ('+86110105+8613812345678'), and masking must be idempotent.
    """
    total = 0
    while True:
        text, count = _mask_once(text)
        if not count:
            return text, total
        total += count


def _mask_once(text: str) -> tuple[str, int]:
    if not _MAY_HOLD_PII.search(text):
        return text, 0
    masker = _Masker(text)
    masker.sub(_EMAIL, EMAIL, _always)
    masker.sub(_ORDER, ORDER_NO, _always)
    masker.sub(_ID18, ID_NUMBER, _id_valid)
    masker.sub(_ID15, ID_NUMBER, _id_valid)
    masker.sub(_DIGIT_RUN, BANK_CARD, _always)
    masker.sub(_CN_MOBILE, PHONE, _always)
    masker.sub(_CN_LANDLINE, PHONE, _always)
    masker.sub(_US, PHONE, _always)
    masker.sub(_INTERNATIONAL, PHONE, _phone_length)
    return masker.text, masker.count
