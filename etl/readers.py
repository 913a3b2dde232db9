"""Readers: the records of a CSV, JSON or NDJSON file, decoded line by line as it is read.

Shared by every file-based source (the mapped file import, the CFPB CSV, the enforcement CSV), so a
file that is read once is read the same way everywhere. CSV and NDJSON never hold the whole file;
a record that cannot be parsed is yielded as an UnreadableRecord for the source to quarantine.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

# Python's csv refuses fields over 128 KiB and then cannot go on; a long narrative is no reason to
# give up a file (the limit is in characters).
_CSV_FIELD_LIMIT = 64 * 1024 * 1024
# Files are read this many bytes at a time; a line longer than that is gathered until it ends.
_CHUNK_BYTES = 1024 * 1024


class UnreadableFileError(ValueError):
    """A file no record can be read from: not valid JSON, no header line, an unknown format."""


class UnreadableRecord(ValueError):
    """A record the reader could not parse (yielded, not raised, so the import can quarantine it)."""

    def __init__(self, reason: str, raw: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


def read_lines(path: Path, encoding: str = "auto") -> Iterator[str]:
    """The decoded lines of a file, line ends kept, read a chunk at a time; 'auto' decodes per line.

    'auto' decides per line (split where bytes.splitlines splits: CR, LF, CRLF): UTF-8 first, then
    GB18030, else UTF-8 with U+FFFD for what neither reads (the mapper quarantines it). Exports glued
    together from both encodings exist, and GB18030 would read a UTF-8 line as plausible mojibake.
    A line of a file that is UTF-8 throughout is UTF-8 on its own, so this is the text decoding the
    whole file as UTF-8 gives; and a CR or LF byte is never part of a UTF-8 or GB18030 character,
    so splitting before decoding is safe. A leading UTF-8 BOM is dropped, one inside is kept.
    """
    if encoding != "auto":
        # an incremental decoder gives the same text as decoding the whole file at once
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            yield from handle
        return
    with open(path, "rb") as handle:
        lines = _byte_lines(handle)
        first = next(lines, None)
        if first is None:
            return
        yield _decode_line(first.removeprefix(b"\xef\xbb\xbf"))
        for line in lines:
            yield _decode_line(line)


def _byte_lines(handle: BinaryIO) -> Iterator[bytes]:
    """The lines bytes.splitlines(keepends=True) would give, without holding the whole file."""
    pending: list[bytes] = []  # the last line seen so far, which the next chunk may continue
    while chunk := handle.read(_CHUNK_BYTES):
        if b"\n" not in chunk and b"\r" not in chunk:
            pending.append(chunk)  # a line longer than a chunk: joined once it ends, not per chunk
            continue
        lines = b"".join([*pending, chunk]).splitlines(True)
        # held back even when it ends in CR: the next chunk may start with the LF of its CRLF
        pending = [lines.pop()]
        yield from lines
    yield from b"".join(pending).splitlines(True)  # that CR may have been followed by more chunks


def _decode_line(line: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    return line.decode("utf-8", errors="replace")


def _newline_separated(lines: Iterable[str]) -> Iterator[str]:
    """The pieces text.split("\\n") would give, from lines cut at CR, LF or CRLF."""
    pending: list[str] = []
    for line in lines:
        if line.endswith("\n"):
            pending.append(line[:-1])
            yield "".join(pending)
            pending = []
        else:  # a bare CR ends a line for the decoder, not a record
            pending.append(line)
    yield "".join(pending)


def read_records(
    source: str | Iterable[str], file_format: str, options: dict[str, Any] | None = None
) -> Iterator[dict]:
    """Records of a CSV, JSON (a list, or a list under `records_key`) or NDJSON text.

    `source` is the whole text, or its lines with their line ends (read_lines), which CSV and NDJSON
    read one at a time.
    """
    options = options or {}
    lines: Iterator[str] = iter(io.StringIO(source, newline="") if isinstance(source, str) else source)
    if file_format == "csv":
        header_prefix = options.get("header_starts_with")
        skip = int(options.get("skip_lines", 0))
        for _ in range(skip):
            next(lines, None)
        # console noise before the header (e.g. `unzip` output): skip to the header line
        if header_prefix:
            for line in lines:
                if line.lstrip("\ufeff").startswith(header_prefix):
                    lines = itertools.chain([line], lines)
                    break
            else:
                raise UnreadableFileError(f"no header line starting with {header_prefix!r}")
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        reader = csv.DictReader(lines, delimiter=options.get("delimiter", ","))
        if reader.fieldnames:
            reader.fieldnames = [name.strip() for name in reader.fieldnames]
        for row in reader:
            row.pop(None, None)  # cells beyond the header: the row is kept, its extras dropped
            yield row
    elif file_format == "ndjson":
        # split on newlines only: str.splitlines also breaks at U+2028, U+0085 and other
        # characters that JSON strings may carry unescaped
        for line in _newline_separated(lines):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as exc:  # one bad line is one bad record, not a bad file
                    yield UnreadableRecord(f"not valid JSON: {exc}", line)
    elif file_format == "json":
        # parsed whole: the standard library has no incremental JSON parser, and a JSON array
        # cannot be cut into records without one (NDJSON is the streaming format)
        text = source if isinstance(source, str) else "".join(lines)
        try:
            data = json.loads(text)
        except ValueError as exc:  # no record can be told from the next: the file is refused
            raise UnreadableFileError(f"not valid JSON: {exc}") from exc
        del text  # the parsed records are all that is needed from here on
        key = options.get("records_key")
        records = data.get(key) if key and isinstance(data, dict) else data
        if not isinstance(records, list):
            raise UnreadableFileError(f"expected a list of records{f' under {key!r}' if key else ''}")
        yield from records
    else:
        raise UnreadableFileError(f"unknown file format {file_format!r}")


def guess_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    return {".csv": "csv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson"}.get(suffix, "csv")
