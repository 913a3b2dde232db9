"""The hostile corpus written into a temp dir in every file shape the file import reads: CSV in
UTF-8, UTF-8 with BOM, GB18030 and mixed encodings, JSON and NDJSON."""

from __future__ import annotations

from pathlib import Path

from tests.support import hostile


def file_ways(tmp_path: Path) -> list[tuple[str, Path, list[hostile.Hostile]]]:
    records = hostile.corpus()
    with_bytes = records + hostile.bytes_records()
    with_gb = records + hostile.bytes_records()[1:]  # decodable line by line, but not as a whole
    ways = []
    for name, file_format, data, used in [
        ("csv-utf8", "csv", hostile.csv_bytes(records), records),
        ("csv-utf8-bom", "csv", hostile.csv_bytes(records, bom=True), records),
        ("csv-gb18030", "csv", hostile.csv_bytes(records, encoding="gb18030"), records),
        ("csv-mixed-encodings", "csv", hostile.csv_bytes(with_bytes), with_bytes),
        ("csv-utf8-with-a-gb18030-line", "csv", hostile.csv_bytes(with_gb), with_gb),
        ("json", "json", hostile.json_text(records).encode(), records),
        ("ndjson", "ndjson", hostile.ndjson_text(records).encode(), records),
    ]:
        path = tmp_path / f"{name}.{file_format}"
        path.write_bytes(data)
        ways.append((name, path, used))
    return ways
