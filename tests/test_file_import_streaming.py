"""File import streaming: lines decoded as they are read give the text whole-file decoding gave, and
peak memory does not grow with the file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import readers
from etl.readers import read_lines, read_records
from etl.settings import PROJECT_ROOT
from etl.sources.file_import import FileImportSource
from tests.support import hostile
from tests.support.hostile_files import file_ways


def whole_file_text(path: Path) -> str:
    """The 'auto' decoding as it was before streaming, kept here as the reference."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    return "".join(readers._decode_line(line) for line in data.removeprefix(b"\xef\xbb\xbf").splitlines(True))


# Pieces that meet at chunk edges: multi-byte characters in both encodings, bytes neither reads,
# every line end, BOMs at the start and inside, and text that is valid in both encodings.
FRAGMENTS = [
    "投诉内容".encode(),
    "投诉内容".encode("gb18030"),
    "𠜎 €".encode("gb18030"),
    "é😀".encode(),
    b"\xff\xfe",
    b"\xe4\xb8",  # a UTF-8 character cut short
    b"\x81",  # a GB18030 lead byte alone
    b"\r",
    b"\n",
    b"\r\n",
    b"\xef\xbb\xbf",
    "\u2028".encode(),
    b"plain, ascii",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40), st.integers(1, 9))
def test_auto_decoding_line_by_line_is_whole_file_decoding(pieces, chunk_bytes):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "mixed.csv"
        path.write_bytes(b"".join(pieces))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(readers, "_CHUNK_BYTES", chunk_bytes)
            assert "".join(read_lines(path)) == whole_file_text(path)


@pytest.mark.parametrize("chunk_bytes", [13, 1024 * 1024])
def test_hostile_files_decode_and_read_as_they_did_whole(tmp_path, monkeypatch, chunk_bytes):
    """CSV in every encoding (a GB18030 line in UTF-8, bad bytes, fields over 128 KiB), JSON, NDJSON."""
    monkeypatch.setattr(readers, "_CHUNK_BYTES", chunk_bytes)
    for name, path, _records in file_ways(tmp_path):
        file_format = path.suffix.lstrip(".")
        text = whole_file_text(path)
        assert "".join(read_lines(path)) == text, name
        streamed = list(FileImportSource(path, hostile.mapping(file_format)).records())
        assert streamed == list(read_records(text, file_format)), name


def test_ndjson_records_end_only_at_a_line_feed(tmp_path, monkeypatch):
    """U+2028 and U+0085 inside strings and a bare CR between tokens do not cut a record."""
    monkeypatch.setattr(readers, "_CHUNK_BYTES", 3)
    lines = [
        json.dumps({"id": "a", "narrative": "one\u2028two\x85three"}, ensure_ascii=False),
        '{"id": "b",\r "narrative": "CR between tokens"}',
        "{not json",
        '{"id": "c", "narrative": "CRLF"}\r',
        "   ",
        '{"id": "d", "narrative": "no newline at the end"}',
    ]
    path = tmp_path / "rows.ndjson"
    path.write_text("\n".join(lines), encoding="utf-8", newline="")
    records = list(FileImportSource(path, hostile.mapping("ndjson")).records())
    assert [r["id"] for r in records if isinstance(r, dict)] == ["a", "b", "c", "d"]
    assert records[0]["narrative"] == "one\u2028two\x85three"
    assert [r.raw for r in records if isinstance(r, readers.UnreadableRecord)] == ["{not json"]


def test_an_explicit_encoding_streams_the_same_text(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_CHUNK_BYTES", 5)
    path = tmp_path / "gb.csv"
    data = 'id,note\r\n1,"国标\r\n编码"\r\n2,\xff'.encode("gb18030") + b"\x81\r3,end"
    path.write_bytes(data)
    lines = list(read_lines(path, "gb18030"))
    assert "".join(lines) == data.decode("gb18030", errors="replace")
    assert lines[:2] == ["id,note\r\n", '1,"国标\r\n']


# -- peak memory ------------------------------------------------------------------------------

# Runs one file through FileImportSource.extract in a fresh interpreter, with a context that counts
# what it is given and keeps nothing (staging is the loader's memory, not the reader's), and
# prints the child's own peak resident set.
IMPORT_IN_CHILD = """
import json, resource, sys
from datetime import datetime
from pathlib import Path
from etl.progress import SilentProgress
from etl.sources.file_import import FileImportSource
from tests.support import hostile

class CountingContext:
    progress = SilentProgress()
    started_at = datetime(2100, 1, 1)
    emitted = rejected = 0
    mapped_to_other = {}
    def stable_id(self, record_id):
        return record_id
    def emit_store_once(self, record_id, name, platform, raw, **columns):
        return record_id
    def emit_entity_once(self, record_id, name, raw, **columns):
        return record_id
    def emit_once(self, table, row, raw):
        pass
    def emit(self, table, row, raw):
        self.emitted += table == "complaints"
    def reject(self, *args, **kwargs):
        self.rejected += 1

path, file_format = Path(sys.argv[1]), sys.argv[2]
ctx = CountingContext()
FileImportSource(path, hostile.mapping(file_format)).extract(ctx)
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"emitted": ctx.emitted, "rejected": ctx.rejected, "peak_kib": peak_kib}))
"""
SMALL_ROWS = 2_000
NARRATIVE = "投诉内容：商品与描述不符，" * 80  # about 3 KB of UTF-8 a row: the file grows fast


def complaint_line(fields: dict[str, str], file_format: str) -> str:
    if file_format == "ndjson":
        return json.dumps(fields, ensure_ascii=False) + "\n"
    line = io.StringIO()
    csv.DictWriter(line, hostile.COLUMNS).writerow(fields)
    return line.getvalue()


def write_complaints(path: Path, rows: int, file_format: str) -> None:
    """`rows` complaints in the hostile mapping's columns, the last one a GB18030 line in UTF-8."""
    with open(path, "wb") as handle:
        if file_format == "csv":
            handle.write(",".join(hostile.COLUMNS).encode() + b"\r\n")
        for index in range(rows - 1):
            fields = {
                **hostile.BASE,
                "id": f"S-{index}",
                "store": f"店铺{index % 50}",
                "narrative": NARRATIVE,
            }
            handle.write(complaint_line(fields, file_format).encode("utf-8"))
        last = {**hostile.BASE, "id": "S-gb", "narrative": "国标编码的投诉"}
        handle.write(complaint_line(last, file_format).encode("gb18030"))


def import_peak_kib(path: Path, file_format: str, rows: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_CHILD, str(path), file_format],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    figures = json.loads(done.stdout)
    assert figures == {"emitted": rows, "rejected": 0, "peak_kib": figures["peak_kib"]}
    return figures["peak_kib"]


@pytest.mark.slow  # writes and imports big files in child interpreters (10-15 s each)
@pytest.mark.parametrize("file_format", ["csv", "ndjson"])
def test_peak_memory_does_not_grow_with_the_file(tmp_path, file_format):
    """Ten times the rows (6 MB -> 60 MB of file): extract's peak stays within 20% of the small one's.

    Reading the whole file held its bytes and its text, about twice the file size, at once
    (180 MB -> about 300 MB here).
    """
    peaks = {}
    for rows in (SMALL_ROWS, 10 * SMALL_ROWS):
        path = tmp_path / f"complaints_{rows}.{file_format}"
        write_complaints(path, rows, file_format)
        peaks[rows] = import_peak_kib(path, file_format, rows)
        path.unlink()
    small, big = peaks[SMALL_ROWS], peaks[10 * SMALL_ROWS]
    assert big < 1.2 * small, (
        f"peak RSS {small // 1024} MB for {SMALL_ROWS} rows, {big // 1024} MB for ten times as many"
    )
