"""Running a long-lived child (the Streamlit server) so that it never outlives the command that
started it: signals to the parent are passed on, and on Linux the child is told to stop when its
parent dies however it died (SIGKILL included, which no handler sees)."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_STOP_GRACE_SECONDS = 10


def _stop_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent thread exits (Linux only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def run_forwarding_signals(command: Sequence[str], env: dict[str, str] | None = None) -> int:
    """Run `command` to its end and return its exit code; SIGINT, SIGTERM, SIGHUP and SIGQUIT sent
    to this process are sent on to it (subprocess.call left the child running when the parent was
    killed: issue 18)."""
    preexec = _stop_with_parent if sys.platform.startswith("linux") else None
    child = subprocess.Popen(list(command), env=env, preexec_fn=preexec)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _stop(child)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=_STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
