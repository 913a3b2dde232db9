"""File import: Chinese example exports, encodings, CSV quirks and the NYC old CSV, through mappings."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from etl.readers import read_lines, read_records
from etl.run import run_source
from etl.settings import PROJECT_ROOT
from etl.sources.file_import import FileImportSource, load_mapping
from tests.support.realdata import REALDATA

EXAMPLES = PROJECT_ROOT / "data" / "examples"
MAPPINGS = PROJECT_ROOT / "data" / "mappings"
BLACKCAT = EXAMPLES / "blackcat_complaints_example.csv"
PENALTIES = EXAMPLES / "platform_penalty_notices_example.csv"
NYC_CSV = REALDATA / "nyc_dcwp" / "Consumer_Services_Mediated_Complaints_2018-2020_manjunath5496.csv"


def query(warehouse, sql, params=None):
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


def test_blackcat_example_loads_with_mapped_statuses_and_categories(warehouse):
    result = run_source(
        FileImportSource(BLACKCAT, MAPPINGS / "blackcat_complaints.yaml"), warehouse=warehouse
    )
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "SELECT source_record_id, status, source_status, category, platform, filed_at, closed_at, "
            "amount_claimed FROM complaints",
        )
    }
    assert set(rows) == {"EX-17000001", "EX-17000002", "EX-17000003", "EX-17000004", "EX-17000005"}
    assert rows["EX-17000001"][:4] == ("resolved", "已完成", "counterfeit", "taobao")  # 淘宝's code
    assert rows["EX-17000002"][:3] == ("open", "处理中", "quality")
    assert rows["EX-17000003"][:3] == ("open", "已回复", "not_as_described")
    assert rows["EX-17000004"][2] == "return_refused"
    assert rows["EX-17000005"][2] == "delivery"
    # Beijing time stored as UTC
    assert str(rows["EX-17000001"][4]) == "2025-03-02 02:15:00"
    assert str(rows["EX-17000005"][5]) == "2025-03-10 02:05:00"
    assert rows["EX-17000001"][6] == Decimal("299.00")
    quarantined = dict(
        (r[0], (r[1], r[2]))
        for r in query(warehouse, "SELECT source_record_id, column_name, reason FROM quarantine")
    )
    assert quarantined["EX-17000006"][0] == "status" and "待审核" in quarantined["EX-17000006"][1]
    assert quarantined["EX-17000007"][0] == "filed_at" and "2025-13-40" in quarantined["EX-17000007"][1]
    assert result.counts["complaints"].inserted == 5 and result.counts["complaints"].quarantined == 2
    # stores are keyed by platform and name, with their legal entities
    stores = query(
        warehouse, "SELECT m.name, m.platform, e.name FROM merchants m LEFT JOIN entities e USING (entity_id)"
    )
    assert ("示例甲数码旗舰店", "taobao", "示例甲科技有限公司") in stores
    assert ("示例丙生鲜店", "pinduoduo", None) in stores


def test_embedded_newlines_survive(warehouse):
    run_source(FileImportSource(BLACKCAT, MAPPINGS / "blackcat_complaints.yaml"), warehouse=warehouse)
    issue = query(warehouse, "SELECT issue FROM complaints WHERE source_record_id = 'EX-17000002'")[0][0]
    assert issue == "充电器质量问题，使用两天后损坏\n（附照片）"


def test_penalty_notices_load_with_mapped_sanctions(warehouse):
    run_source(FileImportSource(PENALTIES, MAPPINGS / "platform_penalty_notices.yaml"), warehouse=warehouse)
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "SELECT source_record_id, violation_type, sanction_type, points, fine_amount, "
            "decided_at::VARCHAR, authority_type, violation_raw, entity_id IS NOT NULL FROM penalties",
        )
    }
    assert {k: v[1] for k, v in rows.items()} == {
        "GG-2025-0001": "point_deduction",
        "GG-2025-0002": "closure",
        "GG-2025-0003": "warning",
        "GG-2025-0004": "demotion",
        "GG-2025-0005": "fine",
        "GG-2025-0006": "listing_removal",
    }
    assert rows["GG-2025-0001"] == (
        "counterfeit",
        "point_deduction",
        12,
        None,
        "2025-03-15",
        "platform",
        "售假",
        True,
    )
    assert rows["GG-2025-0005"][3] == Decimal("2000.00")
    reason = query(
        warehouse, "SELECT column_name, reason FROM quarantine WHERE source_record_id = 'GG-2025-0007'"
    )
    assert reason[0][0] == "sanction_type" and "封号" in reason[0][1]


def test_a_gb18030_file_reads_correctly(warehouse, tmp_path):
    gb_file = tmp_path / "penalties_gb18030.csv"
    gb_file.write_bytes(PENALTIES.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(UnicodeDecodeError):
        gb_file.read_bytes().decode("utf-8")
    assert "".join(read_lines(gb_file)) == PENALTIES.read_text(encoding="utf-8")
    run_source(FileImportSource(gb_file, MAPPINGS / "platform_penalty_notices.yaml"), warehouse=warehouse)
    names = {r[0] for r in query(warehouse, "SELECT name FROM merchants")}
    assert names == {"示例甲数码旗舰店", "示例乙服饰专营店", "示例丙生鲜店", "示例丁家居店"}


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path):
    assert BLACKCAT.read_bytes().startswith(b"\xef\xbb\xbf")
    first = next(read_records(read_lines(BLACKCAT), "csv"))
    assert first["投诉编号"] == "EX-17000001"


def test_csv_quirks_console_lines_crlf_and_none(tmp_path):
    text = (
        "Archive:  complaints.csv.zip\r\n  inflating: complaints.csv\r\n"
        'id,when,note\r\n1,04/04/25,"two\r\nlines"\r\n2,None,x\r\n'
    )
    records = list(read_records(text, "csv", {"header_starts_with": "id,"}))
    assert records == [
        {"id": "1", "when": "04/04/25", "note": "two\r\nlines"},
        {"id": "2", "when": "None", "note": "x"},
    ]


def test_json_and_ndjson_load_the_same_rows(warehouse, tmp_path):
    mapping = load_mapping(MAPPINGS / "platform_penalty_notices.yaml")
    records = list(read_records(PENALTIES.read_text(encoding="utf-8"), "csv"))
    (tmp_path / "p.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "p.ndjson").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8"
    )
    for name in ("p.json", "p.ndjson"):
        result = run_source(FileImportSource(tmp_path / name, mapping), warehouse=warehouse, dry_run=True)
        assert result.counts["penalties"].inserted == 6
        assert result.counts["penalties"].quarantined == 1


def test_toml_mapping_with_a_bad_target_is_refused(tmp_path):
    from etl.sources.file_import import MappingError

    bad = tmp_path / "bad.toml"
    bad.write_text('target = "orders"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="target must be one of"):
        load_mapping(bad)


@pytest.mark.realdata
@pytest.mark.skipif(not NYC_CSV.exists(), reason=f"real NYC DCWP CSV not present at {NYC_CSV}")
def test_nyc_old_csv_export_loads_through_the_shipped_mapping(warehouse):
    result = run_source(
        FileImportSource(NYC_CSV, MAPPINGS / "nyc_dcwp_mediated_complaints_csv.toml"), warehouse=warehouse
    )
    complaints = result.counts["complaints"]
    # 3,045 rows: 38 have no business name, 1 is column-shifted (a date in Complaint Result),
    # 6 close before their mediation started
    assert complaints.seen == 3045
    assert complaints.inserted == 3000
    assert complaints.quarantined == 45
    reasons = dict(query(warehouse, "SELECT reason, count(*) FROM quarantine GROUP BY ALL"))
    assert reasons == {
        "store name missing": 38,
        "unmapped value '02/25/2019' in column 'Complaint Result': map it under values.status to one of "
        "open, resolved, closed_unresolved, withdrawn": 1,
        "closed before it was filed": 6,
    }
    statuses = dict(query(warehouse, "SELECT status, count(*) FROM complaints GROUP BY ALL"))
    assert statuses["withdrawn"] == 13
    row = query(
        warehouse,
        "SELECT status, c.category, filed_at::VARCHAR, closed_at::VARCHAR, m.name FROM complaints c "
        "JOIN merchants m USING (merchant_id) WHERE m.name = 'DYNAMIC RECOVERY SOLUTIONS LLC' "
        "AND outcome = 'Bill Reduced - BLR' AND filed_at::DATE = DATE '2019-02-07'",
    )
    assert row == [
        (
            "resolved",
            "billing_dispute",  # Billing Dispute - B02
            "2019-02-07 05:00:00",
            "2019-02-14 05:00:00",
            "DYNAMIC RECOVERY SOLUTIONS LLC",
        )
    ]


def test_cli_import_dry_run_prints_the_summary_and_writes_nothing(warehouse):
    from typer.testing import CliRunner

    from etl.cli import app

    result = CliRunner().invoke(
        app,
        [
            "etl",
            "import",
            str(BLACKCAT),
            "--mapping",
            str(MAPPINGS / "blackcat_complaints.yaml"),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.output and "quarantined" in result.output
    assert warehouse.current_path() is None


def test_as_of_is_the_latest_time_in_the_file_or_the_one_given(warehouse):
    """Open complaints are censored at as_of: the run time would age an old export's open ones."""
    run_source(FileImportSource(BLACKCAT, MAPPINGS / "blackcat_complaints.yaml"), warehouse=warehouse)
    # EX-17000004 closed 2025-03-12 09:00 Beijing time, the latest time of a record that loads
    # (EX-17000007's 2025-03-20 belongs to a record quarantined for its filing date)
    assert [str(r[0]) for r in query(warehouse, "SELECT as_of FROM sources")] == ["2025-03-12 01:00:00"]
    given = datetime(2025, 4, 1, 0, 0)
    run_source(
        FileImportSource(BLACKCAT, MAPPINGS / "blackcat_complaints.yaml", as_of=given), warehouse=warehouse
    )
    assert query(warehouse, "SELECT as_of FROM sources") == [(given,)]


def test_cli_import_takes_the_export_day_as_as_of(warehouse):
    from typer.testing import CliRunner

    from etl.cli import app

    command = ["etl", "import", str(BLACKCAT), "--mapping", str(MAPPINGS / "blackcat_complaints.yaml")]
    result = CliRunner().invoke(app, [*command, "--as-of", "2025-04-02"])
    assert result.exit_code == 0, result.output
    assert query(warehouse, "SELECT as_of FROM sources") == [(datetime(2025, 4, 2, 23, 59, 59),)]
    result = CliRunner().invoke(app, [*command, "--as-of", "2025-13-01"])
    assert result.exit_code == 2 and "not a date" in result.output
