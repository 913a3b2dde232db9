"""The one HTTP client factory: timeouts, a polite User-Agent, retries with backoff, bounded paging.

No other module talks to the network. Sources build a client with `make_client`, fetch JSON with
`get_json` (which retries connect errors, timeouts, truncated bodies, 429 and 5xx with capped
exponential backoff, honouring Retry-After) and walk pages with `paginate`, which stops a server
that repeats itself or never ends.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx

from etl.settings import Settings, load_settings

Cursor = TypeVar("Cursor")


class HttpFetchError(RuntimeError):
    """A request that still failed after every retry, or failed in a way retrying cannot fix."""


class PaginationError(RuntimeError):
    """A server that repeats a page or never stops paging."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            attempts=max(1, settings.http_attempts),
            backoff_base=settings.http_backoff_base_seconds,
            backoff_cap=settings.http_backoff_cap_seconds,
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


def get_json(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """GET and decode JSON, retrying what a retry can fix; raises HttpFetchError otherwise."""
    policy = policy or RetryPolicy.from_settings(load_settings())
    last_error = "no attempt made"
    for attempt in range(policy.attempts):
        retry_after = None
        try:
            response = client.get(url, params=params)
        except httpx.TransportError as exc:  # connect errors, timeouts, truncated bodies
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            if _retryable_status(response.status_code):
                last_error = f"HTTP {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            elif response.is_error:
                raise HttpFetchError(f"GET {response.url} failed: HTTP {response.status_code}")
            else:
                try:
                    return response.json()
                except ValueError as exc:  # a body cut short still parses as nothing useful
                    last_error = f"invalid JSON ({exc})"
        if attempt + 1 < policy.attempts:
            sleep(policy.delay(attempt, retry_after))
    raise HttpFetchError(f"GET {url} failed after {policy.attempts} attempts: {last_error}")


@dataclass
class Page(Generic[Cursor]):
    items: list[Any]
    next_cursor: Cursor | None


def paginate(
    fetch: Callable[[Cursor | None], Page[Cursor]], max_pages: int | None = None
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
            raise PaginationError("the server returned the same page twice; stopping")
        seen_pages.add(fingerprint)
        yield page.items
        if page.next_cursor is None:
            return
        key = json.dumps(page.next_cursor, default=str)
        if key in seen_cursors:
            raise PaginationError(f"the server repeated the cursor {key}; stopping")
        seen_cursors.add(key)
        cursor = page.next_cursor
    raise PaginationError(f"more than {max_pages} pages; stopping (raise STOREWATCH_HTTP_MAX_PAGES)")
