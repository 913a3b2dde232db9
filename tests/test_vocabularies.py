"""Reference vocabularies from data/reference/vocabularies.yml: loaded at every run, open where real
data need it (an unmapped value lands as `other`, its word kept and counted), closed for the
ordinal sanction scale and the complaint status (an unmapped value is quarantined with the codes)."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from etl import vocabularies
from etl.cli import app
from etl.run import run_source
from etl.settings import PROJECT_ROOT
from etl.sources.file_import import FileImportSource

MAPPINGS = PROJECT_ROOT / "data" / "mappings"
PENALTY_MAPPING = MAPPINGS / "platform_penalty_notices.yaml"
HEADER = "公告编号,店铺名称,平台,经营主体,违规类型,处罚措施,扣分,罚款金额,处罚日期,公告链接\n"


def penalty_file(tmp_path, rows: list[tuple[str, str, str]]):
    """A penalty notice export with one row per (notice id, violation, sanction)."""
    path = tmp_path / "penalties.csv"
    lines = [
        f"{nid},示例店,淘宝,,{violation},{sanction},,,2025年3月15日,\n" for nid, violation, sanction in rows
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def query(warehouse, sql, params=None):
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


def late_and_misshipped(tmp_path):
    rows = [(f"N{i}", "延迟发货", "警告") for i in range(9)]
    rows += [(f"W{i}", "错发", "扣分") for i in range(3)]
    rows += [("X1", "错发漏发", "扣分")]
    return penalty_file(tmp_path, rows)


def test_every_run_loads_the_vocabularies_file_into_the_reference_tables(warehouse, tmp_path):
    run_source(FileImportSource(late_and_misshipped(tmp_path), PENALTY_MAPPING), warehouse=warehouse)
    late = query(warehouse, "SELECT * FROM violation_types WHERE violation_type = 'late_delivery'")
    assert late == [("late_delivery", "Late shipping", "延迟发货", "delivery")]
    listed = vocabularies.read_vocabularies()
    for table, vocabulary in listed.items():
        stored = {row[0] for row in query(warehouse, f"SELECT {vocabulary.key} FROM {table}")}  # noqa: S608
        assert stored == set(vocabulary.codes), table
    # the shipped mapping maps 延迟发货 to late shipping, no longer to another type
    assert query(warehouse, "SELECT count(*) FROM penalties WHERE violation_type = 'late_delivery'") == [(9,)]


def test_a_code_added_to_the_file_reaches_an_existing_warehouse_on_its_next_run(
    warehouse, tmp_path, monkeypatch
):
    source = FileImportSource(late_and_misshipped(tmp_path), PENALTY_MAPPING)
    run_source(source, warehouse=warehouse)
    misshipped = "SELECT * FROM violation_types WHERE violation_type = 'misshipped'"
    assert query(warehouse, misshipped) == []
    spec = yaml.safe_load(vocabularies.VOCABULARIES_FILE.read_text(encoding="utf-8"))
    added = {"code": "misshipped", "label_en": "Wrong goods sent", "label_zh": "错发"}
    spec["violation_types"]["codes"].insert(-1, {**added, "matching_category": "delivery"})
    spec["sanction_scale"]["codes"][0]["label_en"] = "Written warning"
    edited = tmp_path / "vocabularies.yml"
    edited.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(vocabularies, "VOCABULARIES_FILE", edited)
    run_source(source, warehouse=warehouse)
    assert query(warehouse, misshipped) == [("misshipped", "Wrong goods sent", "错发", "delivery")]
    warning = query(warehouse, "SELECT label_en FROM sanction_scale WHERE severity = 1")
    assert warning == [("Written warning",)]


def test_an_unmapped_violation_lands_as_other_with_its_word_kept_and_counted(warehouse, tmp_path):
    result = run_source(FileImportSource(late_and_misshipped(tmp_path), PENALTY_MAPPING), warehouse=warehouse)
    assert result.counts["penalties"].inserted == 13 and result.counts["penalties"].quarantined == 0
    assert result.mapped_to_other == {"penalties.violation_type": {"错发": 3, "错发漏发": 1}}
    kept = query(
        warehouse,
        "SELECT violation_raw, count(*) FROM penalties WHERE violation_type = 'other' "
        "GROUP BY ALL ORDER BY 1",
    )
    assert kept == [("错发", 3), ("错发漏发", 1)]
    notes = json.loads(query(warehouse, "SELECT notes FROM etl_runs WHERE run_id = ?", [result.run_id])[0][0])
    assert notes["mapped_to_other"] == {"penalties.violation_type": {"错发": 3, "错发漏发": 1}}


def test_the_import_prints_how_many_values_became_other(warehouse, tmp_path):
    path = late_and_misshipped(tmp_path)
    result = CliRunner().invoke(app, ["etl", "import", str(path), "--mapping", str(PENALTY_MAPPING)])
    assert result.exit_code == 0, result.output
    assert "penalties.violation_type: 4 values mapped to other (错发 ×3, 错发漏发 ×1)" in result.output


def test_an_unmapped_sanction_is_quarantined_naming_the_valid_codes(warehouse, tmp_path):
    path = penalty_file(tmp_path, [("N1", "售假", "封号"), ("N2", "售假", "警告")])
    result = run_source(FileImportSource(path, PENALTY_MAPPING), warehouse=warehouse)
    assert result.counts["penalties"].inserted == 1 and result.mapped_to_other == {}
    [(column, reason)] = query(warehouse, "SELECT column_name, reason FROM quarantine")
    assert column == "sanction_type"
    assert reason == (
        "unmapped value '封号' in column '处罚措施': map it under values.sanction_type to one of "
        "warning, point_deduction, demotion, listing_removal, fine, suspension, closure"
    )


def test_a_category_column_without_a_value_map_takes_codes_and_other(warehouse, tmp_path):
    path = tmp_path / "complaints.csv"
    path.write_text(
        "id,store,filed,kind,state\n"
        "1,A店,2025-03-01,delivery,open\n"
        "2,A店,2025-03-02,延迟发货,open\n"
        "3,A店,2025-03-03,延迟发货,open\n",
        encoding="utf-8",
    )
    mapping = {
        "source": {"id": "t", "name": "t", "publisher": "t"},
        "target": "complaints",
        "record_id": "id",
        "store": {"key": "store", "platform": "淘宝"},
        "columns": {"filed_at": "filed", "category": "kind", "status": "state"},
    }
    result = run_source(FileImportSource(path, mapping), warehouse=warehouse)
    assert result.mapped_to_other == {"complaints.category": {"延迟发货": 2}}
    rows = query(warehouse, "SELECT source_record_id, category, issue FROM complaints ORDER BY 1")
    assert rows == [("1", "delivery", "delivery"), ("2", "other", "延迟发货"), ("3", "other", "延迟发货")]


@pytest.mark.parametrize("broken", ["no labels", "open without other"])
def test_a_vocabularies_file_that_cannot_be_loaded_is_refused(tmp_path, broken):
    spec = yaml.safe_load(vocabularies.VOCABULARIES_FILE.read_text(encoding="utf-8"))
    if broken == "no labels":
        del spec["complaint_categories"]["codes"][0]["label_zh"]
    else:
        spec["violation_types"]["codes"] = spec["violation_types"]["codes"][:-1]
    path = tmp_path / "vocabularies.yml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(vocabularies.VocabularyError):
        vocabularies.read_vocabularies(path)
