"""A real HTTP server on 127.0.0.1 answering GETs with a handler: the benchmark serves CFPB pages
with it, and the tests serve fakes of the real APIs (tests/http_fixtures.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# (path, query as {name: first value}, headers) -> (status, JSON-able body or raw bytes)
Handler = Callable[[str, dict[str, str], dict[str, str]], tuple[int, Any]]


@contextmanager
def local_server(handler: Handler) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve `handler` on a free port; yields the base URL and the log of requests it received."""
    requests: list[dict[str, Any]] = []

    class _Request(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            requests.append({"path": parts.path, "query": query, "headers": headers})
            status, body = handler(parts.path, query, headers)
            data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Request)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
