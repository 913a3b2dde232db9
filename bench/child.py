"""Runs one benchmark step in a child process and reads that child's own peak RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class StepFailedError(RuntimeError):
    """A benchmark step's child process exited non-zero."""


@dataclass(frozen=True)
class StepResult:
    values: dict[str, Any]
    wall_seconds: float  # the child's whole life, imports included
    peak_rss_mb: float  # the child's own peak resident set (ru_maxrss), not its parent's


def run_step(name: str, args: dict[str, Any]) -> StepResult:
    """Run bench.steps `name` with `args` in a fresh interpreter; its JSON answer comes back."""
    with tempfile.TemporaryDirectory(prefix="storewatch-bench-step-") as tmp:
        answer = Path(tmp) / "answer.json"
        log = Path(tmp) / "log.txt"
        command = [sys.executable, "-m", "bench.steps", name, json.dumps(args), str(answer)]
        started = time.perf_counter()
        with open(log, "wb") as sink:
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
            # wait4 returns this child's rusage alone; RUSAGE_CHILDREN would be a running maximum
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if process.returncode != 0 or not answer.exists():
            tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise StepFailedError(f"bench step {name!r} exited {process.returncode}:\n{tail}")
        # Linux reports ru_maxrss in KiB
        return StepResult(json.loads(answer.read_text(encoding="utf-8")), wall, usage.ru_maxrss / 1024)
