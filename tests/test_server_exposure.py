"""Server exposure: `serve` listens on this machine only unless --host says otherwise, a bad --host is one
line, and a failing page shows readers a short message with an error id, never a traceback."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db
from etl.sources.demo import DemoConfig
from tests.support.dashboard_fixtures import APP, page
from tests.support.streamlit_server import free_port
from tests.support.warehouses import build_demo
from tests.test_cli_errors import refused

ROOT = Path(__file__).resolve().parents[1]
SECRET_PATH = "/srv/storewatch/secret/module.py"


def listening_addresses(port: int) -> set[str]:
    """The local addresses (hex, as the kernel writes them) with a socket listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, _remote, state = line.split()[1:4]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def wait_for_listener(port: int, server: subprocess.Popen, seconds: float = 90) -> set[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(0.5)  # Streamlit may bind IPv6 a moment after IPv4
                return listening_addresses(port)
        except OSError:
            assert server.poll() is None, "serve stopped before listening"
            time.sleep(0.3)
    raise AssertionError(f"nothing listened on port {port}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net")
def test_serve_listens_on_localhost_only_by_default(tmp_path: Path) -> None:
    build_demo(tmp_path / "warehouses" / "demo", DemoConfig(complaints=600, seed=3))
    port = free_port()
    env = {**os.environ, "STOREWATCH_DATA_DIR": str(tmp_path), "STOREWATCH_VERSION_GRACE_SECONDS": "0"}
    command = [sys.executable, "-m", "etl.cli", "serve", "--port", str(port)]
    with open(tmp_path / "serve.log", "w+") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            addresses = wait_for_listener(port, server)
        finally:
            server.terminate()
            server.wait(timeout=30)
        log.seek(0)
        output = log.read()
    assert addresses == {"0100007F"}, (addresses, output)  # 127.0.0.1 only: no 0.0.0.0, no ::
    assert f"http://127.0.0.1:{port}" in output
    assert "Network URL" not in output


@pytest.mark.parametrize("host", ["0.0.0.0; rm -rf /", "-bad-", "exa mple.org", "::1::2", ""])
def test_a_bad_host_is_one_line(data_dir: Path, host: str) -> None:
    # a warehouse that does not exist: were the host not checked first, serve would stop on that instead
    refused(["--warehouse", "nosuch", "serve", "--host", host], "--host")


def test_a_failing_page_shows_an_error_id_not_a_traceback(
    dashboard_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_names: str) -> list[str]:
        raise RuntimeError(f"corrupt block in {SECRET_PATH}")

    monkeypatch.setattr(db, "missing", broken)  # the overview page asks it which metric tables exist
    caplog.set_level(logging.ERROR, logger="storewatch.dashboard")
    at = AppTest.from_file(APP)
    at.switch_page(page("overview")).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    [message] = [e.value for e in at.error if "Error id" in e.value]
    error_id = re.search(r"Error id: ([0-9a-f]{12})", message).group(1)
    shown = " ".join(str(element.value) for element in at.main if hasattr(element, "value"))
    assert SECRET_PATH not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    [record] = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info and SECRET_PATH in str(record.exc_info[1])


def test_streamlit_shows_no_error_details() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert re.search(r'^showErrorDetails = "none"$', config, re.MULTILINE)
