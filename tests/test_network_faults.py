"""Network sources facing a hostile server end within their bounds, clearly, with the warehouse intact.

Each fault is driven through `run_source` (the real run path) for the CFPB API and NYC sources:
real sockets on 127.0.0.1 for a server that hangs, resets connections or dribbles a body forever;
httpx.MockTransport for 429 with Retry-After, 5xx, a truncated body, an HTML page and a page that
repeats forever. Timeouts, retries and backoff are made small through settings (the environment),
and the wall-clock bound each run must meet is derived from those same settings.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from etl.http import HttpFetchError, PaginationError
from etl.run import run_source
from etl.settings import Settings, load_settings
from etl.sources.cfpb import CfpbApiSource
from etl.sources.nyc import NycDcwpSource
from etl.warehouse import Warehouse

FAST = {
    "STOREWATCH_HTTP_TIMEOUT": "0.5",
    "STOREWATCH_HTTP_ATTEMPTS": "3",
    "STOREWATCH_HTTP_BACKOFF_BASE": "0.05",
    "STOREWATCH_HTTP_BACKOFF_CAP": "0.2",
    "STOREWATCH_HTTP_DEADLINE": "3",
    "STOREWATCH_HTTP_MAX_PAGES": "50",
}
CFPB_RECORD = {
    "complaint_id": "100",
    "company": "Example Bank NA",
    "date_received": "2021-12-10T12:00:00-05:00",
    "company_response": "Closed with explanation",
    "issue": "Managing an account",
}
NYC_RECORD = {
    "record_id": "000001-2026-CMPL",
    "business_unique_id": "B1",
    "business_name": "Example Store",
    "intake_date": "2026-01-05T00:00:00.000",
    "complaint_code": "Non-Delivery of Goods",
}


def network_bound(settings: Settings) -> float:
    """Worst case of one failing request: every attempt waits out connect and read timeouts, every
    retry waits the backoff cap; the deadline cuts that short, overshooting by one read at most."""
    per_attempt = 2 * settings.http_timeout_seconds
    retries = (
        settings.http_attempts * per_attempt
        + (settings.http_attempts - 1) * settings.http_backoff_cap_seconds
    )
    return min(retries, settings.http_deadline_seconds + per_attempt)


# -- servers that misbehave on real sockets -----------------------------------------------------
@contextmanager
def socket_server(serve: Callable[[socket.socket], None]) -> Iterator[str]:
    """Accept connections on 127.0.0.1 and hand each to `serve` in its own thread."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for conn in held:
            conn.close()


def hang(conn: socket.socket) -> None:
    """Accept, read the request, never answer."""
    conn.recv(65536)


def reset(conn: socket.socket) -> None:
    """Read the request, then close with RST (SO_LINGER 0) instead of answering."""
    conn.recv(65536)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def drip(conn: socket.socket) -> None:
    """Answer 200 with a huge JSON body, one byte every 0.2 s: each read is inside the timeout."""
    conn.recv(65536)
    try:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n["
        )
        while True:
            time.sleep(0.2)
            conn.sendall(b" ")
    except OSError:
        return


# -- answers through MockTransport ----------------------------------------------------------------
def good_page(source: str, request: httpx.Request) -> httpx.Response:
    """One record, then an empty page (NYC pages by $offset, CFPB by search_after)."""
    if source == "cfpb":
        first = "search_after" not in request.url.params
        hits = [{"_source": CFPB_RECORD, "sort": [1639155600000, "100"]}] if first else []
        return httpx.Response(200, json={"hits": {"hits": hits}, "_meta": {}})
    # the complaints dataset only: a complaint record served as a charge would be quarantined, and a
    # run whose every charge is quarantined fails (etl/quarantine_report.py)
    first = request.url.params.get("$offset") == "0" and URL_PART["nyc"].strip("?") in request.url.path
    return httpx.Response(200, json=[NYC_RECORD] if first else [])


def repeating_page(source: str, request: httpx.Request) -> httpx.Response:
    """A full page that ignores the cursor: the same records forever."""
    if source == "cfpb":
        return httpx.Response(200, json={"hits": {"hits": [{"_source": CFPB_RECORD, "sort": [1, "100"]}]}})
    return httpx.Response(200, json=[NYC_RECORD])


MOCK_FAULTS: dict[str, tuple[Callable[[str, httpx.Request], httpx.Response], type[Exception], str]] = {
    # Retry-After far beyond the cap: the cap wins, the run does not sleep for an hour
    "429": (
        lambda s, r: httpx.Response(429, headers={"Retry-After": "3600"}),
        HttpFetchError,
        "after 3 attempts: HTTP 429",
    ),
    "5xx": (lambda s, r: httpx.Response(503, text="Service Unavailable"), HttpFetchError, "HTTP 503"),
    "truncated": (
        lambda s, r: httpx.Response(
            200, content=b'{"hits": {"hits": [{"_sour', headers={"Content-Type": "application/json"}
        ),
        HttpFetchError,
        "invalid JSON",
    ),
    "html": (
        lambda s, r: httpx.Response(200, html="<html><body>Maintenance</body></html>"),
        HttpFetchError,
        "unexpected content type 'text/html; charset=utf-8' (expected JSON)",
    ),
    "repeat": (repeating_page, PaginationError, "returned the same page twice"),
}
SOCKET_FAULTS: dict[str, tuple[Callable[[socket.socket], None], type[Exception], str]] = {
    "hang": (hang, HttpFetchError, "after 3 attempts: ReadTimeout"),
    "reset": (reset, HttpFetchError, "after 3 attempts:"),
    "drip": (drip, HttpFetchError, "still reading the body when the deadline passed"),
}
URL_PART = {"cfpb": "?size=", "nyc": "/resource/nre2-6m2s.json?"}


def make_source(source: str, base_url: str, transport: httpx.BaseTransport | None = None):
    if source == "cfpb":
        return CfpbApiSource(base_url=base_url, page_size=1, transport=transport)
    return NycDcwpSource(base_url=base_url, page_size=1, transport=transport)


def good_transport(source: str) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: good_page(source, request))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, float]]:
    """Per source: a data dir holding one good run, and how long that run took (run overhead)."""
    seeds = {}
    with pytest.MonkeyPatch.context() as env:
        for name, value in FAST.items():
            env.setenv(name, value)
        for source in ("cfpb", "nyc"):
            directory = tmp_path_factory.mktemp(f"seed-{source}")
            env.setenv("STOREWATCH_DATA_DIR", str(directory))
            started = time.monotonic()
            run_source(make_source(source, "http://api.test", good_transport(source)))
            seeds[source] = (directory, time.monotonic() - started)
    return seeds


@pytest.fixture
def fast_settings(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_fault(
    source: str,
    seeded: dict[str, tuple[Path, float]],
    data_dir: Path,
    settings: Settings,
    run: Callable[[], object],
    error: type[Exception],
    message: str,
) -> float:
    """Run a failing source on a copy of the seeded warehouse and check everything the rule asks."""
    seed_dir, overhead = seeded[source]
    # the runs go to the warehouse the settings name (the served one: no name set here)
    relative = settings.warehouse_dir.relative_to(settings.data_dir)
    shutil.copytree(seed_dir / relative, settings.warehouse_dir)
    warehouse = Warehouse(settings.warehouse_dir)
    served = warehouse.current_path()
    before = digest(served)
    # the run's own overhead (new warehouse copy, schema) is measured, with room for a busy machine
    bound = network_bound(settings) + max(5.0, 3 * overhead)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            run()
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)
        else:
            outcome.append(None)

    # in a thread, so a run that never ends fails this test instead of hanging the suite
    worker = threading.Thread(target=attempt, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(2 * bound)
    elapsed = time.monotonic() - started
    assert outcome, f"the run was still going after {elapsed:.1f}s (bound {bound:.1f}s)"
    assert elapsed < bound, f"took {elapsed:.1f}s, bound {bound:.1f}s"
    assert isinstance(outcome[0], error), f"expected {error.__name__}, got {outcome[0]!r}"
    text = str(outcome[0])
    assert message in text, text
    if error is HttpFetchError:  # names the request that failed
        assert URL_PART[source] in text and text.startswith("GET http://")
    else:
        assert ("CFPB API" if source == "cfpb" else "SODA dataset nre2-6m2s") in text
    # the served warehouse is untouched and still served
    assert warehouse.current_path() == served and digest(served) == before
    failed = warehouse.journal()[-1]
    assert failed.status == "failed" and message in failed.error
    # the next good run succeeds and records the failed one in etl_runs
    run_source(make_source(source, "http://api.test", good_transport(source)), warehouse=warehouse)
    with warehouse.connect_read_only() as con:
        recorded = con.execute(
            "SELECT status, error FROM etl_runs WHERE run_id = ?", [failed.run_id]
        ).fetchall()
        counts = con.execute("SELECT count(*), count(DISTINCT source_record_id) FROM complaints").fetchall()
    assert recorded == [("failed", failed.error)]
    assert counts == [(1, 1)]  # nothing lost, nothing duplicated
    return elapsed


@pytest.mark.parametrize("fault", sorted(MOCK_FAULTS))
@pytest.mark.parametrize("source", ["cfpb", "nyc"])
def test_http_faults_end_clearly_within_bounds(source, fault, seeded, data_dir, fast_settings):
    answer, error, message = MOCK_FAULTS[fault]
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return answer(source, request)

    transport = httpx.MockTransport(handle)
    check_fault(
        source,
        seeded,
        data_dir,
        fast_settings,
        lambda: run_source(make_source(source, "http://api.test", transport)),
        error,
        message,
    )
    if error is HttpFetchError:
        assert len(calls) == fast_settings.http_attempts  # retried, then gave up
    else:
        assert len(calls) == 2  # the repeat is caught on the second page


@pytest.mark.parametrize("fault", sorted(SOCKET_FAULTS))
@pytest.mark.parametrize("source", ["cfpb", "nyc"])
def test_socket_faults_end_clearly_within_bounds(source, fault, seeded, data_dir, fast_settings):
    serve, error, message = SOCKET_FAULTS[fault]
    with socket_server(serve) as base:
        elapsed = check_fault(
            source,
            seeded,
            data_dir,
            fast_settings,
            lambda: run_source(make_source(source, base)),
            error,
            message,
        )
    if fault == "drip":  # only the overall deadline can stop a body that keeps coming
        assert elapsed >= fast_settings.http_deadline_seconds
    if fault == "hang":  # every attempt waited out its read timeout
        assert elapsed >= fast_settings.http_attempts * fast_settings.http_timeout_seconds


def test_the_bound_follows_the_settings():
    settings = load_settings()
    base = dict(vars(settings))
    quick = Settings(
        **{**base, "http_timeout_seconds": 1.0, "http_attempts": 4, "http_backoff_cap_seconds": 2.0}
    )
    quick = Settings(**{**vars(quick), "http_deadline_seconds": 100.0})
    assert network_bound(quick) == 4 * 2.0 + 3 * 2.0
    short = Settings(**{**vars(quick), "http_deadline_seconds": 3.0})
    assert network_bound(short) == 3.0 + 2.0
    assert json.dumps(FAST)  # the test settings are plain environment strings
