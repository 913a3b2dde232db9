"""The one HTTP client factory: timeouts, a polite User-Agent, retries with backoff, bounded paging.

No other module talks to the network. Sources reach it through their run context (etl/context.py),
which builds a client with `make_client`, fetches JSON with `get_json` (retrying connect errors,
timeouts, truncated bodies, 429 and 5xx with capped exponential backoff, honouring Retry-After,
within an overall deadline; non-JSON content types are refused) or text with `get_text`, and walks
pages with `paginate`, which stops a server that repeats itself or never ends.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx

from etl.settings import Settings, load_settings

Cursor = TypeVar("Cursor")


class HttpFetchError(RuntimeError):
    """A request that still failed after every retry, or failed in a way retrying cannot fix."""


class PaginationError(RuntimeError):
    """A server that repeats a page or never stops paging."""


class DeadlineExceededError(RuntimeError):
    """One request, retries included, ran past its overall deadline."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    # Wall-clock bound on one get_json call, retries and waits included: per-operation timeouts
    # alone cannot stop a server that answers one byte just inside every read timeout.
    deadline: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            attempts=max(1, settings.http_attempts),
            backoff_base=settings.http_backoff_base_seconds,
            backoff_cap=settings.http_backoff_cap_seconds,
            deadline=settings.http_deadline_seconds,
        )

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0-based); Retry-After wins, capped."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_cap)
        return min(self.backoff_base * 2**attempt, self.backoff_cap)


def make_client(
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    settings: Settings | None = None,
) -> httpx.Client:
    """An httpx client with the project's timeout and User-Agent; `transport` is for tests."""
    settings = settings or load_settings()
    all_headers = {"User-Agent": settings.user_agent, "Accept": "application/json"}
    all_headers.update(headers or {})
    return httpx.Client(
        base_url=base_url,
        headers=all_headers,
        timeout=httpx.Timeout(settings.http_timeout_seconds),
        transport=transport,
        follow_redirects=True,
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def _is_json_type(content_type: str | None) -> bool:
    """A missing Content-Type is let through (the body must still parse); an explicit other one is not."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _read_body(response: httpx.Response, deadline: float, url: str) -> bytes:
    """The body, read in chunks so a server dribbling bytes cannot outlast the deadline."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if time.monotonic() > deadline:
            raise DeadlineExceededError(f"GET {url}: still reading the body when the deadline passed")
    return bytes(body)


def get_json(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_body: Callable[[str, bytes, str | None], None] | None = None,
) -> Any:
    """GET and decode JSON, retrying what a retry can fix; raises HttpFetchError otherwise.

    Every body received with a 2xx status goes to `on_body(url, body, content_type)` before it is
    decoded (the raw archive), so a page that then fails to parse is kept for debugging. The whole
    call, retries and waits included, ends by the policy's deadline.
    """
    return _get(client, url, params, policy, sleep, on_body, _decode_json)


def get_text(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_body: Callable[[str, bytes, str | None], None] | None = None,
) -> str:
    """GET a text page (HTML, CSV) as get_json does, decoded with its declared charset, else UTF-8."""
    return _get(client, url, params, policy, sleep, on_body, _decode_text)


class _UnusableBody(Exception):
    """A 2xx body that cannot be used but a retry may fix (an HTML error page, a body cut short)."""


def _decode_json(body: bytes, content_type: str | None) -> Any:
    if not _is_json_type(content_type):
        # an HTML error or maintenance page served with 200: maybe transient
        raise _UnusableBody(f"unexpected content type {content_type!r} (expected JSON)")
    try:
        return json.loads(body)
    except ValueError as exc:  # a body cut short parses as nothing useful
        raise _UnusableBody(f"invalid JSON ({exc})") from exc


def _decode_text(body: bytes, content_type: str | None) -> str:
    header = Message()
    header["Content-Type"] = content_type or "text/plain"
    charset = header.get_content_charset() or "utf-8"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")


def _get(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any] | None,
    policy: RetryPolicy | None,
    sleep: Callable[[float], None],
    on_body: Callable[[str, bytes, str | None], None] | None,
    decode: Callable[[bytes, str | None], Any],
) -> Any:
    policy = policy or RetryPolicy.from_settings(load_settings())
    full_url = str(client.build_request("GET", url, params=params).url)
    deadline = time.monotonic() + policy.deadline
    last_error = "no attempt made"
    attempts = 0
    for attempt in range(policy.attempts):
        attempts += 1
        retry_after = None
        try:
            with client.stream("GET", url, params=params) as response:
                if _retryable_status(response.status_code):
                    last_error = f"HTTP {response.status_code}"
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                elif response.is_error:
                    raise HttpFetchError(f"GET {full_url} failed: HTTP {response.status_code}")
                else:
                    content_type = response.headers.get("Content-Type")
                    body = _read_body(response, deadline, full_url)
                    if on_body is not None:
                        on_body(full_url, body, content_type)
                    try:
                        return decode(body, content_type)
                    except _UnusableBody as exc:
                        last_error = str(exc)
        except httpx.TransportError as exc:  # connect errors, timeouts, resets, truncated bodies
            last_error = f"{type(exc).__name__}: {exc}"
        except DeadlineExceededError as exc:
            last_error = str(exc)
            break
        if attempt + 1 < policy.attempts:
            wait = policy.delay(attempt, retry_after)
            if time.monotonic() + wait > deadline:
                last_error += f"; the next retry would pass the {policy.deadline:g}s deadline"
                break
            sleep(wait)
    raise HttpFetchError(f"GET {full_url} failed after {attempts} attempts: {last_error}")


@dataclass
class Page(Generic[Cursor]):
    items: list[Any]
    next_cursor: Cursor | None


def paginate(
    fetch: Callable[[Cursor | None], Page[Cursor]],
    max_pages: int | None = None,
    what: str = "the server",
) -> Iterator[list[Any]]:
    """Yield the items of each page until a page is empty or has no next cursor.

    Raises PaginationError when a cursor or a page's content comes back a second time (a server
    looping on itself) or after `max_pages` pages.
    """
    max_pages = max_pages if max_pages is not None else load_settings().http_max_pages
    cursor: Cursor | None = None
    seen_cursors: set[str] = set()
    seen_pages: set[str] = set()
    for _ in range(max_pages):
        page = fetch(cursor)
        if not page.items:
            return
        fingerprint = hashlib.sha256(
            json.dumps(page.items, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()
        if fingerprint in seen_pages:
            raise PaginationError(f"{what} returned the same page twice (cursor {cursor!r}); stopping")
        seen_pages.add(fingerprint)
        yield page.items
        if page.next_cursor is None:
            return
        key = json.dumps(page.next_cursor, default=str)
        if key in seen_cursors:
            raise PaginationError(f"{what} repeated the cursor {key}; stopping")
        seen_cursors.add(key)
        cursor = page.next_cursor
    raise PaginationError(f"{what}: more than {max_pages} pages; stopping (raise STOREWATCH_HTTP_MAX_PAGES)")
