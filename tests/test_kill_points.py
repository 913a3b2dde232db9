"""SIGKILL a load at every phase boundary, mid-step and at random moments: nothing served is lost.

A helper process imports the ETL once, then forks one load per kill point; each load kills itself
with SIGKILL where the test says (a phase boundary of etl/run.py, the n-th step of a progress
task, the n-th record of the extract, or a seeded random delay). After each kill the test checks
the warehouse the way an operator would: the served file's sha256, CURRENT, the next run, the
dead run in etl_runs, and the files left in the warehouse directory.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.run import PHASES, run_source
from etl.warehouse import Warehouse
from tests.support.run_variants import expected_signature, signature, variant

# Dozens of loads forked and SIGKILLed one after another: about a minute per test on 2 cores.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

# Reads one kill point per line; forks a load that SIGKILLs itself there; answers how it ended.
KILL_SERVER = r"""
import json, os, signal, sys, threading, time
import pandas, pyarrow.dataset  # what duckdb imports on its first Arrow scan: warm before forking
from etl.progress import SilentProgress
from etl.run import run_source
from etl.warehouse import Warehouse
from tests.support.run_variants import variant

def die(*_):
    os.kill(os.getpid(), signal.SIGKILL)

class KillingProgress(SilentProgress):
    def __init__(self, description, step):
        self.description, self.step = description, step
    def task(self, description, total=None):
        if description != self.description:
            return super().task(description, total)
        outer = self
        class Task:
            done = 0
            def advance(self, amount=1):
                self.done += amount
                if self.done >= outer.step:
                    die()
        return Task()

def load(point):
    source = variant(point["n"])
    progress, on_phase = None, None
    kind, arg = point["kind"], point["arg"]
    if kind == "phase":
        on_phase = lambda name: die() if name == arg else None
    elif kind == "progress":
        progress = KillingProgress(arg[0], arg[1])
    elif kind == "statement":
        # dies as the merge is about to run a statement starting with `arg`, e.g. the upsert
        # into complaints after stores were merged: the merge's connection is wrapped from inside extract
        class Dying:
            def __init__(self, con):
                self._con = con
            def execute(self, sql, *args, **kwargs):
                if sql.lstrip().startswith(arg):
                    die()
                return self._con.execute(sql, *args, **kwargs)
            def __getattr__(self, name):
                return getattr(self._con, name)
        plain = source.extract
        def wrap_then_extract(ctx):
            plain(ctx)
            ctx.staging.con = Dying(ctx.staging.con)
        source.extract = wrap_then_extract
    elif kind == "extract":
        records, source.complaints = source.complaints, []
        def emit_then_die(ctx, records=records, stop=arg):
            type(source).extract(source, ctx)  # the stores
            from tests.support.records_source import normalise_complaint
            for index, raw in enumerate(records):
                if index == stop:
                    die()
                ctx.emit("complaints", normalise_complaint(ctx, raw), raw)
        source.extract = emit_then_die
    elif kind == "time":
        threading.Timer(arg, die).start()
    run_source(source, warehouse=Warehouse(point["dir"]), progress=progress, on_phase=on_phase)

for line in sys.stdin:
    point = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            load(point)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    print(json.dumps({"killed": killed, "status": status}), flush=True)
"""

BASE, KILLED, NEXT = 6, 9, 13  # complaints in the served, the killed and the next run (nested ids)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def served_signature(warehouse: Warehouse) -> tuple[int, int, int, int]:
    with warehouse.connect_read_only() as con:
        return signature(con)


def named_points() -> list[dict]:
    points = [{"kind": "phase", "arg": name} for name in PHASES]
    points += [
        {"kind": "extract", "arg": 4},  # mid-extract: stores and 4 complaints staged
        {"kind": "statement", "arg": "INSERT INTO complaints"},  # mid-merge: stores merged
        {"kind": "progress", "arg": ["building metric tables", 3]},  # mid-metric-build
    ]
    return points


class KillServer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SERVER],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, point: dict) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(point) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def kill_server():
    server = KillServer()
    yield server
    server.close()


def base_warehouse(tmp_path: Path) -> Path:
    """The served warehouse every kill starts from, built once and copied."""
    run_source(variant(BASE), warehouse=Warehouse(tmp_path / "base"))
    return tmp_path / "base"


def check_kill_point(base: Path, name: str, server: KillServer, point: dict) -> str:
    """Kill one load at `point`; check everything; say whether it died before or after publishing."""
    warehouse = Warehouse(base.with_name(name))
    shutil.copytree(base, warehouse.directory)
    served = warehouse.current_path()
    before = sha256(served)
    known = {entry.run_id for entry in warehouse.journal()}

    outcome = server.run(point | {"n": KILLED, "dir": str(warehouse.directory)})
    # a random delay may outlast a fast load: then it simply finished, and is checked as such
    finished = not outcome["killed"]
    assert not finished or (point["kind"] == "time" and outcome["status"] == 0), f"{point}: {outcome}"

    dead = [entry for entry in warehouse.journal() if entry.run_id not in known]
    now_served = warehouse.current_path()
    if now_served == served:
        published = False
        assert sha256(served) == before, f"{point}: the served file changed"
        assert served_signature(warehouse) == expected_signature(BASE)
    else:
        # killed after CURRENT moved: the new version is served and complete, metrics and all
        published = True
        assert now_served.name == f"warehouse-{dead[0].run_id}.duckdb"
        assert served_signature(warehouse) == expected_signature(KILLED)
        # the replaced file is untouched until pruned (a finished run prunes it: grace is 0 here)
        assert (finished and not served.exists()) or sha256(served) == before

    result = run_source(variant(NEXT), warehouse=warehouse)
    assert warehouse.current_path() == result.path
    assert served_signature(warehouse) == expected_signature(NEXT)
    with warehouse.connect_read_only() as con:
        runs = dict(con.execute("SELECT run_id, status FROM etl_runs").fetchall())
        errors = dict(con.execute("SELECT run_id, error FROM etl_runs WHERE status = 'failed'").fetchall())
    assert runs[result.run_id] == "succeeded"
    # a kill before the journal entry was written leaves no trace of the run to record
    for entry in dead:
        if published:
            assert runs[entry.run_id] == "succeeded", f"{point}: a published run recorded as {runs}"
        else:
            assert runs[entry.run_id] == "failed", f"{point}: the dead run is not recorded as failed"
            assert "died" in errors[entry.run_id]
    assert len(runs) == 2 + len(dead)
    if point["kind"] != "time":
        assert len(dead) == 1, f"{point}: the dead run has no journal entry"
    # no orphans: the served version only (grace is 0), the pointer, the lock and the journal
    left = sorted(p.name for p in warehouse.directory.iterdir())
    assert left == sorted(["CURRENT", "etl.lock", "runs", result.path.name]), f"{point}: {left}"
    assert all(p.suffix == ".json" for p in warehouse.journal_dir.iterdir())
    return "finished" if finished else "published" if published else "not published"


def test_a_load_killed_at_any_phase_boundary_or_mid_step_loses_nothing(tmp_path, data_dir, kill_server):
    base = base_warehouse(tmp_path)
    outcomes = {}
    for index, point in enumerate(named_points()):
        outcomes[json.dumps(point)] = check_kill_point(base, f"named{index}", kill_server, point)
    published = {p for p, o in outcomes.items() if o == "published"}
    # only the two kills after the pointer moved leave the new version served
    assert published == {json.dumps({"kind": "phase", "arg": n}) for n in ("published", "journaled")}
    print(f"\nkill points at named places: {len(outcomes)}")


def test_a_load_killed_at_random_moments_loses_nothing(tmp_path, data_dir, kill_server):
    base = base_warehouse(tmp_path)
    # how long a load takes in the helper (its timer starts just before run_source): the faster
    # of two, as the first load in a fresh process pays for lazy imports
    spans = []
    for attempt in range(2):
        shutil.copytree(base, tmp_path / f"timing{attempt}")
        start = time.perf_counter()
        kill_server.run({"kind": "time", "arg": 3600, "n": KILLED, "dir": str(tmp_path / f"timing{attempt}")})
        spans.append(time.perf_counter() - start)
    span = min(spans)
    rng = random.Random(20261124)
    offsets = sorted(rng.uniform(0, span) for _ in range(6))
    outcomes = [
        check_kill_point(base, f"random{i}", kill_server, {"kind": "time", "arg": offset})
        for i, offset in enumerate(offsets)
    ]
    print(f"\nrandom kill offsets (s, load takes {span:.2f}): {[round(o, 3) for o in offsets]} -> {outcomes}")
