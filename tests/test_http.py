"""The one HTTP client: retries what a retry can fix, gives up after a cap, never pages forever."""

from __future__ import annotations

import httpx
import pytest

from etl.http import (
    HttpFetchError,
    Page,
    PaginationError,
    RetryPolicy,
    get_json,
    make_client,
    paginate,
    parse_retry_after,
)
from tests.support.http_fixtures import local_server

POLICY = RetryPolicy(attempts=4, backoff_base=0.5, backoff_cap=10)


def scripted(*responses):
    """A MockTransport answering with `responses` in turn (an exception is raised instead)."""
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        answer = responses[min(len(calls), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), calls


def fetch(transport, sleeps, policy=POLICY):
    with make_client("http://api.test", transport=transport) as client:
        return get_json(client, "/x", policy=policy, sleep=sleeps.append)


def test_429_waits_as_long_as_retry_after_says():
    transport, calls = scripted(
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"ok": 1})
    )
    sleeps: list[float] = []
    assert fetch(transport, sleeps) == {"ok": 1}
    assert sleeps == [7.0] and len(calls) == 2


def test_5xx_is_retried_with_exponential_backoff():
    transport, _ = scripted(
        httpx.Response(500), httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[1])
    )
    sleeps: list[float] = []
    assert fetch(transport, sleeps) == [1]
    assert sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped():
    policy = RetryPolicy(attempts=10, backoff_base=1, backoff_cap=5)
    assert [policy.delay(n) for n in range(5)] == [1, 2, 4, 5, 5]
    assert policy.delay(0, retry_after=3600) == 5


def test_timeouts_and_connect_errors_are_retried():
    transport, calls = scripted(
        httpx.ConnectTimeout("slow"), httpx.ConnectError("refused"), httpx.Response(200, json={"a": 2})
    )
    assert fetch(transport, []) == {"a": 2}
    assert len(calls) == 3


def test_a_truncated_body_is_retried_then_fails_with_the_reason():
    transport, calls = scripted(httpx.Response(200, content=b'{"hits": {"hits": [{"_id": "1"'))
    with pytest.raises(HttpFetchError, match="after 4 attempts: invalid JSON"):
        fetch(transport, [])
    assert len(calls) == 4


def test_persistent_5xx_gives_up_after_the_cap():
    transport, calls = scripted(httpx.Response(500))
    with pytest.raises(HttpFetchError, match="HTTP 500"):
        fetch(transport, [])
    assert len(calls) == POLICY.attempts


def test_client_errors_are_not_retried():
    transport, calls = scripted(httpx.Response(404))
    with pytest.raises(HttpFetchError, match="404"):
        fetch(transport, [])
    assert len(calls) == 1


def test_retry_after_as_an_http_date():
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30
    assert parse_retry_after("garbage") is None


def test_a_page_repeating_forever_is_stopped():
    def same_page(cursor):
        return Page(items=[{"id": 1}], next_cursor=(cursor or 0) + 1)

    pages = paginate(same_page, max_pages=1000)
    with pytest.raises(PaginationError, match="same page twice"):
        list(pages)


def test_a_repeated_cursor_is_stopped():
    def stuck(cursor):
        return Page(items=[{"id": cursor}], next_cursor="same")

    with pytest.raises(PaginationError, match="repeated the cursor"):
        list(paginate(stuck, max_pages=1000))


def test_pagination_is_bounded():
    def endless(cursor):
        n = (cursor or 0) + 1
        return Page(items=[{"id": n}], next_cursor=n)

    with pytest.raises(PaginationError, match="more than 5 pages"):
        list(paginate(endless, max_pages=5))


def test_paging_stops_at_an_empty_page():
    def two_pages(cursor):
        n = (cursor or 0) + 1
        return Page(items=[{"id": n}] if n <= 2 else [], next_cursor=n)

    assert list(paginate(two_pages, max_pages=10)) == [[{"id": 1}], [{"id": 2}]]


def test_the_real_client_sends_a_polite_user_agent_to_a_real_server(data_dir, monkeypatch):
    monkeypatch.setenv("STOREWATCH_USER_AGENT", "Storewatch-test/1 (contact@example.org)")
    answer = lambda path, query, headers: (200, {"path": path, "q": query})  # noqa: E731
    with local_server(answer) as (base, log), make_client(base) as client:
        assert get_json(client, "/api", params={"size": 2}) == {"path": "/api", "q": {"size": "2"}}
    assert log[0]["headers"]["user-agent"] == "Storewatch-test/1 (contact@example.org)"


def test_json_content_types_with_parameters_are_accepted_and_others_refused():
    soda = httpx.Response(200, content=b"[1]", headers={"Content-Type": "application/json;charset=utf-8"})
    vendor = httpx.Response(200, content=b"[2]", headers={"Content-Type": "application/vnd.api+json"})
    assert fetch(scripted(soda)[0], []) == [1] and fetch(scripted(vendor)[0], []) == [2]
    html = httpx.Response(200, content=b"[3]", headers={"Content-Type": "text/html"})
    transport, calls = scripted(html)
    with pytest.raises(
        HttpFetchError,
        match=r"GET http://api.test/x failed after 4 attempts: unexpected content type 'text/html'",
    ):
        fetch(transport, [])
    assert len(calls) == 4


def test_every_received_body_is_handed_over_before_decoding():
    transport, _ = scripted(
        httpx.Response(200, content=b'{"cut', headers={"Content-Type": "application/json"}),
        httpx.Response(200, json={"ok": True}),
    )
    bodies: list[tuple[str, bytes, str | None]] = []
    with make_client("http://api.test", transport=transport) as client:
        data = get_json(
            client,
            "/x",
            params={"a": 1},
            policy=POLICY,
            sleep=lambda s: None,
            on_body=lambda *b: bodies.append(b),
        )
    assert data == {"ok": True}
    assert [(url, body) for url, body, _ in bodies] == [
        ("http://api.test/x?a=1", b'{"cut'),
        ("http://api.test/x?a=1", b'{"ok":true}'),
    ]


def test_no_retry_is_started_that_would_end_past_the_deadline():
    import time

    policy = RetryPolicy(attempts=10, backoff_base=0.2, backoff_cap=0.2, deadline=0.5)
    transport, calls = scripted(httpx.Response(503))
    sleeps: list[float] = []

    def really_sleep(seconds: float) -> None:  # the deadline is wall-clock time
        sleeps.append(seconds)
        time.sleep(seconds)

    expected = r"after 3 attempts: HTTP 503; the next retry would pass"
    with (
        make_client("http://api.test", transport=transport) as client,
        pytest.raises(HttpFetchError, match=expected),
    ):
        get_json(client, "/x", policy=policy, sleep=really_sleep)
    assert len(calls) == 3 and sleeps == [0.2, 0.2]
