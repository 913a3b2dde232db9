"""The dashboard keeps serving while loads run and swap: a reader process never errs or sees half a run.

A separate reader process queries the warehouse the way dashboard/db.py does (resolve CURRENT,
a read-only connection cached per versioned file, a cursor per query, a raw table and a metric
table) in a tight loop, while this process runs several loads that each publish a new version.
Every answer must be the signature of exactly one completed run, worked out from that run's input.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl.run import run_source
from etl.warehouse import Warehouse
from tests.support.run_variants import expected_signature, signature, variant

ROOT = Path(__file__).resolve().parents[1]
SIZES = [5, 9, 14, 20, 27, 35, 44, 54, 65]  # growing: ids are nested, so each run adds rows

READER = r"""
import json, sys, time
from collections import Counter
from pathlib import Path
import duckdb
import pytest
from etl.warehouse import Warehouse
from tests.support.run_variants import signature

warehouse, control = Warehouse(sys.argv[1]), Path(sys.argv[2])
stop = control / "stop"
cache = {}  # like dashboard/db.py: one read-only connection per versioned file, at most 4
reads, errors, stale_opens = Counter(), [], []
held_path = warehouse.require_current()
held = duckdb.connect(str(held_path), read_only=True)  # a session that never lets go
held_reads = Counter()
print("ready", flush=True)
while not stop.exists():
    try:
        path = warehouse.require_current()
        hold = control / f"hold-{len(stale_opens)}"
        if hold.exists():
            # a session that resolved CURRENT and was descheduled while a run replaced it:
            # say so, wait until the swap is done, then open the version it resolved
            # (no connection to it may stay open here, or DuckDB would hand that one back
            # instead of opening the file)
            if path in cache:
                cache.pop(path).close()
            assert path != held_path
            (control / f"resolved-{len(stale_opens)}").write_text(path.name)
            while not (control / f"go-{len(stale_opens)}").exists():
                time.sleep(0.005)
            fresh = duckdb.connect(str(path), read_only=True)
            sig = signature(fresh)
            fresh.close()
            stale_opens.append([path.name, sig, warehouse.current_path() != path])
        else:
            if path not in cache:
                if len(cache) >= 4:
                    cache.pop(next(iter(cache))).close()
                cache[path] = duckdb.connect(str(path), read_only=True)
            sig = signature(cache[path])
        reads[json.dumps([path.name, sig])] += 1
        held_reads[json.dumps(signature(held))] += 1
    except Exception as exc:  # the test fails on any: recorded, not raised, to count them all
        errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"reads": reads, "held_path": held_path.name, "held_reads": held_reads,
                  "errors": errors, "stale_opens": stale_opens}), flush=True)
"""


def file_signature(path: Path) -> tuple[int, ...]:
    with duckdb.connect(str(path), read_only=True) as con:
        return signature(con)


@pytest.mark.slow  # loads swapped under a reader in another process for a while (about 20 s)
def test_a_reader_process_sees_only_completed_runs_while_loads_swap(data_dir, monkeypatch, tmp_path):
    # replaced versions stay 30 s for sessions that resolved CURRENT just before a swap
    monkeypatch.setenv("STOREWATCH_VERSION_GRACE_SECONDS", "30")
    warehouse = Warehouse(data_dir / "warehouse")
    first = run_source(variant(SIZES[0]), warehouse=warehouse)
    expected = {first.path.name: expected_signature(SIZES[0])}
    control = tmp_path / "control"
    control.mkdir()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse.directory), str(control)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout and reader.stdout.readline().strip() == "ready"
        for index, n in enumerate(SIZES[1:]):
            held_up = index % 3 == 1  # every third load replaces a version a reader is about to open
            if held_up:
                stale = len([p for p in control.iterdir() if p.name.startswith("go-")])
                (control / f"hold-{stale}").touch()
                while not (control / f"resolved-{stale}").exists():
                    time.sleep(0.005)
            result = run_source(variant(n), warehouse=warehouse)
            if held_up:
                (control / f"go-{stale}").touch()
            # the published file answers with the figures worked out from this run's input
            assert file_signature(result.path) == expected_signature(n)
            expected[result.path.name] = expected_signature(n)
    finally:
        (control / "stop").touch()
        out, _ = reader.communicate(timeout=60)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == []
    reads = {}
    for key, count in report["reads"].items():
        name, sig = json.loads(key)
        reads[name, tuple(sig)] = count
    served = sum(reads.values())
    # every answer is exactly the one its version's run produced: no mix of two runs, no half build
    for name, sig in reads:
        assert name in expected, f"read a version no completed run published: {name}"
        assert sig == expected[name], f"{name} answered {sig}, its run published {expected[name]}"
    versions_seen = {name for name, _ in reads}
    assert len(versions_seen) >= 4, f"the loads went by too fast to overlap reads: {versions_seen}"
    assert served >= 300
    # the session holding its first connection kept reading its own version, through every swap
    held = {tuple(json.loads(key)): count for key, count in report["held_reads"].items()}
    assert list(held) == [expected[report["held_path"]]]
    # sessions that opened a version just after it was replaced read it whole
    assert len(report["stale_opens"]) == 3
    for name, sig, replaced in report["stale_opens"]:
        assert replaced and tuple(sig) == expected[name]
    print(
        f"\nreads served without error: {served} (+{sum(held.values())} on a held connection), "
        f"versions seen {len(versions_seen)}/{len(expected)}, "
        f"opened just after a swap {len(report['stale_opens'])}"
    )
