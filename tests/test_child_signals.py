"""`storewatch serve` runs Streamlit through etl.child: the server never outlives the command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# the grandchild: writes its pid, then waits to be stopped
SLEEPER = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)"
# the parent, as `serve` is: runs the sleeper through run_forwarding_signals
PARENT = (
    "import sys; from etl.child import run_forwarding_signals; "
    "sys.exit(run_forwarding_signals([sys.executable, '-c', sys.argv[1], sys.argv[2]]))"
)
ROOT = Path(__file__).resolve().parents[1]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has stopped; only its exit status is left


def wait_until(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start_parent(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, SLEEPER, str(pid_file)], cwd=ROOT)
    assert wait_until(lambda: pid_file.exists() and pid_file.read_text() != "")
    return parent, int(pid_file.read_text())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_to_the_parent_stops_the_child(tmp_path: Path, signum: int) -> None:
    parent, child = start_parent(tmp_path)
    os.kill(parent.pid, signum)
    parent.wait(timeout=15)
    assert wait_until(lambda: not alive(child)), "the child outlived its parent"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_a_killed_parent_takes_the_child_with_it(tmp_path: Path) -> None:
    parent, child = start_parent(tmp_path)
    parent.kill()  # SIGKILL: no handler runs in the parent
    parent.wait(timeout=15)
    assert wait_until(lambda: not alive(child)), "the child outlived its parent"


def test_serve_runs_streamlit_through_the_forwarding_runner() -> None:
    source = (ROOT / "etl" / "cli.py").read_text(encoding="utf-8")
    assert "run_forwarding_signals(command" in source
    assert "subprocess.call" not in source
