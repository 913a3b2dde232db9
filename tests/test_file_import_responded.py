"""已回复 ("merchant replied"): stays open (censored), but the reply is kept as source_status and time."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from etl.run import run_source
from etl.sources.file_import import FileImportSource

DATA = Path(__file__).resolve().parents[1] / "data"
BLACKCAT = DATA / "examples" / "blackcat_complaints_example.csv"
MAPPING = DATA / "mappings" / "blackcat_complaints.yaml"
BEIJING = timedelta(hours=8)  # the mapping's zone; stored times are UTC


def test_a_replied_complaint_stays_open_with_its_reply_time(warehouse):
    run_source(FileImportSource(BLACKCAT, MAPPING), warehouse=warehouse)
    with warehouse.connect_read_only() as con:
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT source_record_id, status, source_status, first_response_at, closed_at FROM complaints"
            ).fetchall()
        }
    # EX-17000003: 已回复, filed 08:30 and replied 10:00 Beijing time, not closed
    assert rows["EX-17000003"] == ("open", "已回复", datetime(2025, 3, 6, 10, 0) - BEIJING, None)
    # a finished complaint keeps its reply time too; rows without one have none
    assert rows["EX-17000001"][:3] == ("resolved", "已完成", datetime(2025, 3, 2, 16, 45) - BEIJING)
    assert rows["EX-17000002"][2] is None and rows["EX-17000002"][0] == "open"
    replied = [k for k, v in rows.items() if v[1] == "已回复"]
    assert replied == ["EX-17000003"] and all(rows[k][0] == "open" for k in replied)


def test_a_replied_complaint_without_a_reply_column_still_loads_open(warehouse, tmp_path):
    export = tmp_path / "no_reply_column.csv"
    export.write_text(
        "投诉编号,投诉对象,所属平台,投诉问题,投诉进度,投诉时间\n"
        "T-1,示例店,淘宝,质量问题,已回复,2025-04-01 09:00\n",
        encoding="utf-8",
    )
    run_source(FileImportSource(export, MAPPING), warehouse=warehouse)
    with warehouse.connect_read_only() as con:
        rows = con.execute("SELECT status, source_status, first_response_at FROM complaints").fetchall()
    assert rows == [("open", "已回复", None)]
