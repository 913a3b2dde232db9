"""Serves CFPB search-API pages written to disk, on 127.0.0.1, for the CFPB import benchmark.

Page i holds hits i*size .. i*size+size-1, each with `sort: [epoch ms, "<its index>"]` like the
real API's hits; the client asks for the next page with `search_after=<epoch>_<last index>` (or an
`frm` offset), so CfpbApiSource pages exactly as it does against consumerfinance.gov.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.local_server import local_server

EMPTY_PAGE = b'{"hits": {"hits": []}}'


@contextmanager
def serve_pages(pages_dir: Path, page_size: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yields the base URL and the log of requests served."""

    def page(path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        after = query.get("search_after")
        if after is not None:
            number = (int(after.split("_")[1]) + 1) // page_size
        else:
            number = int(query.get("frm", "0")) // page_size
        file = pages_dir / f"{number}.json"
        return 200, file.read_bytes() if file.exists() else EMPTY_PAGE

    with local_server(page) as (base_url, requests):
        yield f"{base_url}/", requests
