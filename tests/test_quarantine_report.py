"""Mistakes are loud: every run reports its quarantine reasons with examples, a run that keeps none
of a table's records fails and publishes nothing, and `etl quarantine` lists the records."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.quarantine_report import NothingLoadedError, reason_kind
from etl.run import run_source
from etl.settings import PROJECT_ROOT
from etl.sources.file_import import FileImportSource, load_mapping

EXAMPLES = PROJECT_ROOT / "data" / "examples"
MAPPINGS = PROJECT_ROOT / "data" / "mappings"
BLACKCAT = EXAMPLES / "blackcat_complaints_example.csv"
BLACKCAT_MAPPING = MAPPINGS / "blackcat_complaints.yaml"


def import_command(path, mapping, *extra):
    return CliRunner().invoke(app, ["etl", "import", str(path), "--mapping", str(mapping), *extra])


def test_a_run_reports_its_quarantine_reasons_by_kind_with_examples(warehouse, tmp_path):
    rows = "".join(f"B{i},2025/03/0{i},店{i}\n" for i in range(1, 6))
    path = tmp_path / "complaints.csv"
    path.write_text("id,filed,store\nA1,2025-03-01,店1\n" + rows, encoding="utf-8")
    mapping = {
        "source": {"id": "t", "name": "t", "publisher": "t"},
        "target": "complaints",
        "record_id": "id",
        "store": {"key": "store", "platform": "淘宝"},
        "columns": {"filed_at": "filed"},
        "constants": {"category": "quality", "status": "open"},
    }
    result = run_source(FileImportSource(path, mapping), warehouse=warehouse)
    [reason] = result.quarantine_reasons
    # five different dates are one mistake: one reason, counted five times, three examples
    assert (reason.table, reason.column, reason.count) == ("complaints", "filed_at", 5)
    assert reason.reason == "unreadable date … in column 'filed' (formats ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d'])"
    assert reason.examples == ["B1 ('2025/03/01')", "B2 ('2025/03/02')", "B3 ('2025/03/03')"]


def test_the_import_command_prints_each_reason_with_examples(warehouse):
    result = import_command(BLACKCAT, BLACKCAT_MAPPING)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "quarantined records, by reason" in output
    assert "EX-17000006" in output and "待审核" in output  # an unmapped status, with its record
    assert "EX-17000007" in output and "2025-13-40" in output  # an unreadable date


def test_a_run_that_loads_none_of_its_records_fails_and_publishes_nothing(warehouse, tmp_path):
    assert import_command(BLACKCAT, BLACKCAT_MAPPING).exit_code == 0
    served = warehouse.current_path()
    mapping = load_mapping(BLACKCAT_MAPPING)
    mapping["columns"]["filed_at"] = "回复时间"  # a wrong column: most rows have no reply time
    mapping["date_formats"] = ["%d.%m.%Y"]  # and the wrong format for those that do
    wrong = tmp_path / "wrong.yaml"
    import yaml

    wrong.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    result = import_command(BLACKCAT, wrong)
    assert result.exit_code == 1, result.output
    [message] = [line for line in result.output.splitlines() if "nothing loaded" in line]
    assert message.startswith("run failed, the warehouse is unchanged: nothing loaded into complaints")
    assert "complaints.filed_at: filing date missing" in message
    assert "unreadable date … in column '回复时间'" in message
    assert warehouse.current_path() == served
    with pytest.raises(NothingLoadedError, match="nothing loaded into complaints"):
        run_source(FileImportSource(BLACKCAT, mapping), warehouse=warehouse)


def test_etl_quarantine_lists_the_served_warehouses_records(warehouse):
    run_source(FileImportSource(BLACKCAT, BLACKCAT_MAPPING), warehouse=warehouse)
    result = CliRunner().invoke(app, ["--warehouse", "main", "etl", "quarantine", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(r["source_record_id"], r["column_name"]) for r in rows} == {
        ("EX-17000006", "status"),
        ("EX-17000007", "filed_at"),
    }
    assert all(r["source_id"] == "example_blackcat" and "投诉编号" in r["raw_excerpt"] for r in rows)
    run_id = rows[0]["run_id"]
    only = CliRunner().invoke(
        app, ["--warehouse", "main", "etl", "quarantine", "--json", "--run", run_id, "--limit", "1"]
    )
    assert len(json.loads(only.output)) == 1
    none = CliRunner().invoke(
        app, ["--warehouse", "main", "etl", "quarantine", "--json", "--source", "nyc_dcwp_csv"]
    )
    assert json.loads(none.output) == []
    table = CliRunner().invoke(app, ["--warehouse", "main", "etl", "quarantine", "--limit", "1"])
    assert table.exit_code == 0 and "1 more" in table.output


def test_etl_quarantine_without_a_warehouse_says_so(warehouse):
    result = CliRunner().invoke(app, ["--warehouse", "main", "etl", "quarantine"])
    assert result.exit_code == 1 and "no warehouse" in result.output


def test_a_reason_kind_keeps_column_names_and_lifts_out_values():
    kind, values = reason_kind("unmapped value '待审核' in column '投诉进度': map it under values.status")
    assert (kind, values) == (
        "unmapped value … in column '投诉进度': map it under values.status",
        ["'待审核'"],
    )
