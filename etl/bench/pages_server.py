"""Serves CFPB search-API pages written to disk, on 127.0.0.1, for the CFPB import benchmark.

Page i holds hits i*size .. i*size+size-1, each with `sort: [epoch ms, "<its index>"]` like the
real API's hits; the client asks for the next page with `search_after=<epoch>_<last index>` (or an
`frm` offset), so CfpbApiSource pages exactly as it does against consumerfinance.gov.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

EMPTY_PAGE = b'{"hits": {"hits": []}}'


@contextmanager
def serve_pages(pages_dir: Path, page_size: int) -> Iterator[tuple[str, list[str]]]:
    """Yields the base URL and the list of request paths served."""
    requests: list[str] = []

    class _Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            query = parse_qs(urlsplit(self.path).query)
            after = query.get("search_after", [None])[0]
            if after is not None:
                number = (int(after.split("_")[1]) + 1) // page_size
            else:
                number = int(query.get("frm", ["0"])[0]) // page_size
            page = pages_dir / f"{number}.json"
            body = page.read_bytes() if page.exists() else EMPTY_PAGE
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()
        server.server_close()
