"""Benchmark steps, each run in its own child process: `python -m bench.steps NAME ARGS OUT`.

Every step reads its arguments as JSON, times only the work it measures (set-up such as opening
the warehouse is left out), and writes its figures as JSON to OUT.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from etl.progress import SilentProgress
from etl.settings import DEMO_WAREHOUSE, MAIN_WAREHOUSE, PROJECT_ROOT, warehouse_path
from etl.warehouse import Warehouse

if TYPE_CHECKING:
    from etl.run import RunResult

# The shipped Black-Cat-style mapping: the benchmark's CSV is written in exactly its format.
IMPORT_MAPPING = PROJECT_ROOT / "data" / "mappings" / "blackcat_complaints.yaml"
CFPB_PAGE_SIZE = 100  # the search API's largest page, so the page count is what a real run sees


class PhaseTimer(SilentProgress):
    """A silent progress sink that notes when the run reaches its metric build."""

    def __init__(self) -> None:
        self.metrics_started: float | None = None

    def task(self, description: str, total: float | None = None):
        if description.startswith("building metric tables"):
            self.metrics_started = time.perf_counter()
        return super().task(description, total)


def _warehouse(data_dir: str, name: str = DEMO_WAREHOUSE) -> Warehouse:
    """The demo's warehouse in `data_dir`; the import steps load into `main`, as the CLI would."""
    return Warehouse(warehouse_path(Path(data_dir), name))


def _timed_run(source: Any, warehouse: Warehouse) -> tuple[RunResult, float, float]:
    """(result, seconds before the metric build, seconds of metric build and publish)."""
    from etl.run import run_source  # imported here: the extract steps need neither it nor scipy

    timer = PhaseTimer()
    started = time.perf_counter()
    result = run_source(source, warehouse=warehouse, progress=timer)
    finished = time.perf_counter()
    split = timer.metrics_started or finished
    return result, split - started, finished - split


def demo(args: dict[str, Any]) -> dict[str, Any]:
    """Generate the demo marketplace and load it through run_source (metric build included)."""
    from etl.sources.demo import DEMO_SEED, DemoConfig, DemoSource

    source = DemoSource(DemoConfig(complaints=args["complaints"], seed=DEMO_SEED))
    result, load_seconds, metric_seconds = _timed_run(source, _warehouse(args["data_dir"]))
    return {
        "records": result.total("seen"),
        "complaints": result.counts["complaints"].seen,
        "seconds": load_seconds + metric_seconds,
        "load_seconds": load_seconds,
        "metric_seconds": metric_seconds,
    }


def metrics(args: dict[str, Any]) -> dict[str, Any]:
    """Rebuild every metric table on a copy of the warehouse, timing each SQL file."""
    from etl.metrics import metric_files, register_functions

    current = _warehouse(args["data_dir"]).require_current()
    copy = Path(args["scratch_dir"]) / "metric-build.duckdb"
    shutil.copyfile(current, copy)
    con = duckdb.connect(str(copy))
    register_functions(con)
    per_file: dict[str, float] = {}
    for path in metric_files():
        started = time.perf_counter()
        con.execute(path.read_text(encoding="utf-8"))
        per_file[path.stem] = time.perf_counter() - started
    con.close()
    copy.unlink()
    return {"seconds": sum(per_file.values()), "per_file": per_file}


# The first demo complaints by id, with their store and legal entity (LIMIT bound as a parameter).
COMPLAINT_ROWS_SQL = (
    "SELECT c.source_record_id, m.name AS store, c.platform, e.name AS entity, c.category, "
    "c.status, c.outcome, c.amount_claimed, c.filed_at, c.closed_at, c.forwarded_at "
    "FROM complaints c JOIN merchants m ON m.merchant_id = c.merchant_id "
    "LEFT JOIN entities e ON e.entity_id = m.entity_id "
    "ORDER BY c.complaint_id LIMIT ?"
)


# Demo category -> words the shipped mapping's keyword rules recognise (投诉问题).
ISSUE_WORDS = {
    "counterfeit": "收到的商品疑似假货",
    "not_as_described": "商品与描述不符",
    "false_promotion": "虚假宣传",
    "quality": "质量问题",
    "return_refused": "拒绝退货",
    "refund_refused": "拒绝退款",
    "delivery": "迟迟不发货",
    "service_attitude": "客服态度恶劣",
}
STATUS_WORDS = {
    "resolved": "已完成",
    "open": "处理中",
    "withdrawn": "已撤诉",
    "closed_unresolved": "已关闭",
}
# Demo status -> the CFPB company response that normalise() maps back to it.
CFPB_RESPONSES = {
    "resolved": "Closed with monetary relief",
    "open": "In progress",
    "withdrawn": "Closed without relief",
    "closed_unresolved": "Closed with explanation",
}


def _minutes(value: Any) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def prepare_imports(args: dict[str, Any]) -> dict[str, Any]:
    """Write the import inputs from demo complaints: a CSV in the shipped mapping's format, CFPB pages."""
    import csv

    con = duckdb.connect(str(_warehouse(args["data_dir"]).require_current()), read_only=True)
    out = Path(args["out_dir"])
    with open(out / "complaints.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "投诉编号",
                "投诉对象",
                "所属平台",
                "商家主体",
                "投诉问题",
                "投诉要求",
                "涉诉金额",
                "投诉进度",
                "投诉时间",
                "完成时间",
            ]
        )
        cursor = con.execute(COMPLAINT_ROWS_SQL, [int(args["csv_rows"])])
        while batch := cursor.fetchmany(50_000):
            writer.writerows(
                [
                    r[0],
                    r[1],
                    r[2],
                    r[3] or "",
                    ISSUE_WORDS.get(r[4], "其他问题"),
                    r[6] or "",
                    r[7] or "",
                    STATUS_WORDS[r[5]],
                    _minutes(r[8]),
                    _minutes(r[9]),
                ]
                for r in batch
            )
    pages = out / "cfpb"
    pages.mkdir()
    cursor = con.execute(COMPLAINT_ROWS_SQL, [int(args["cfpb_rows"])])
    index, page = 0, 0
    while batch := cursor.fetchmany(CFPB_PAGE_SIZE):
        hits = []
        for r in batch:
            epoch_ms = int(datetime.combine(r[8].date(), datetime.min.time(), UTC).timestamp() * 1000)
            hits.append({"_source": _cfpb_record(r), "sort": [epoch_ms, str(index)]})
            index += 1
        body = {"hits": {"hits": hits}, "_meta": {"last_indexed": "2026-10-31T12:00:00-05:00"}}
        (pages / f"{page}.json").write_text(json.dumps(body), encoding="utf-8")
        page += 1
    con.close()
    return {"csv_rows": int(args["csv_rows"]), "cfpb_rows": index, "cfpb_pages": page}


def _cfpb_record(r: tuple) -> dict[str, Any]:
    """A CCDB search-API `_source` as the API sends it (dates as noon US Eastern)."""
    return {
        "complaint_id": r[0],
        "company": r[3] or r[1],
        "date_received": f"{r[8]:%Y-%m-%d}T12:00:00-05:00",
        "date_sent_to_company": f"{(r[10] or r[8]):%Y-%m-%d}T12:00:00-05:00",
        "product": "Online marketplace purchase",
        "issue": "Problem with a purchase shown on your statement" if r[4] != "refund_refused" else "Refund",
        "sub_issue": None,
        "company_response": CFPB_RESPONSES[r[5]],
        "timely": "Yes",
        "consumer_disputed": "N/A",
        "consumer_consent_provided": "Consent not provided",
        "complaint_what_happened": "",
        "state": "NY",
        "zip_code": "100XX",
        "submitted_via": "Web",
        "tags": None,
    }


def file_import(args: dict[str, Any]) -> dict[str, Any]:
    """Load the benchmark's CSV through the file import and the shipped mapping into `data_dir`."""
    from etl.sources.file_import import FileImportSource

    source = FileImportSource(Path(args["csv"]), IMPORT_MAPPING)
    result, load_seconds, metric_seconds = _timed_run(source, _warehouse(args["data_dir"], MAIN_WAREHOUSE))
    return {
        "records": result.counts["complaints"].seen,
        "quarantined": result.total("quarantined"),
        "seconds": load_seconds + metric_seconds,
        "load_seconds": load_seconds,
    }


def cfpb_json(args: dict[str, Any]) -> dict[str, Any]:
    """Load the CFPB pages through CfpbApiSource (etl/http.py) from a server on 127.0.0.1."""
    from bench.pages_server import serve_pages
    from etl.sources.cfpb import CfpbApiSource

    with serve_pages(Path(args["pages_dir"]), CFPB_PAGE_SIZE) as (base_url, requests):
        source = CfpbApiSource(base_url=base_url, date_min=date(2000, 1, 1), page_size=CFPB_PAGE_SIZE)
        result, load_seconds, metric_seconds = _timed_run(
            source, _warehouse(args["data_dir"], MAIN_WAREHOUSE)
        )
    return {
        "records": result.counts["complaints"].seen,
        "quarantined": result.total("quarantined"),
        "requests": len(requests),
        "seconds": load_seconds + metric_seconds,
        "load_seconds": load_seconds,
    }


def extract_since(args: dict[str, Any]) -> dict[str, Any]:
    """The filing day from which on about `rows` complaints were filed: the extract's filter.

    Its own step, so the extract's peak memory is the extract's, not this look-up's.
    """
    con = duckdb.connect(str(_warehouse(args["data_dir"]).require_current()), read_only=True)
    (since,) = con.execute(
        "SELECT CAST(filed_at AS DATE) FROM complaints ORDER BY filed_at DESC LIMIT 1 OFFSET ?",
        [max(int(args["rows"]) - 1, 0)],
    ).fetchone() or (None,)
    con.close()
    return {"since": since.isoformat() if since else None}


def extract(args: dict[str, Any]) -> dict[str, Any]:
    """Stream the complaints filed since `since` to CSV or Parquet (etl/exports/writers.py)."""
    from etl.duckdb_settings import connect_read_only
    from etl.exports.catalogue import DATASETS, Filters
    from etl.exports.writers import write_csv, write_parquet

    con = connect_read_only(_warehouse(args["data_dir"]).require_current())
    since = args["since"]
    filters = Filters(date_from=date.fromisoformat(since) if since else None)
    writer = write_csv if args["format"] == "csv" else write_parquet
    path = Path(args["out"])
    started = time.perf_counter()
    rows = writer(DATASETS["complaints"], filters, con, path)
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    path.unlink()
    return {"rows": rows, "seconds": seconds, "bytes": size, "since": since}


def dashboard(args: dict[str, Any]) -> dict[str, Any]:
    from bench.dashboard import bench_dashboard

    return bench_dashboard(int(args["repeat"]))


STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "demo": demo,
    "metrics": metrics,
    "prepare_imports": prepare_imports,
    "file_import": file_import,
    "cfpb_json": cfpb_json,
    "extract_since": extract_since,
    "extract": extract,
    "dashboard": dashboard,
}


def main(argv: list[str]) -> int:
    name, raw, out = argv
    args = json.loads(raw)
    if "data_dir" in args:
        # settings (the dashboard, run_source's grace period) read the data dir from here
        os.environ["STOREWATCH_DATA_DIR"] = args["data_dir"]
        os.environ["STOREWATCH_VERSION_GRACE_SECONDS"] = "0"
    Path(out).write_text(json.dumps(STEPS[name](args), default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
