"""`storewatch etl import` of store registers, monthly volumes and entities, linked to complaints and
penalties loaded through other mappings with other source ids; the mapping guard on loader columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from etl.cli import app
from etl.settings import PROJECT_ROOT
from etl.sources.file_import import PROTECTED_COLUMNS, MappingError, load_mapping

EXAMPLES = PROJECT_ROOT / "data" / "examples"
MAPPINGS = PROJECT_ROOT / "data" / "mappings"
REGISTER = (EXAMPLES / "store_register_example.csv", MAPPINGS / "store_register.yaml")
VOLUMES = (EXAMPLES / "monthly_volumes_example.csv", MAPPINGS / "monthly_volumes.yaml")
COMPLAINTS = (EXAMPLES / "blackcat_complaints_example.csv", MAPPINGS / "blackcat_complaints.yaml")
PENALTIES = (EXAMPLES / "platform_penalty_notices_example.csv", MAPPINGS / "platform_penalty_notices.yaml")


def etl_import(file: Path, mapping: Path, *extra: str) -> str:
    result = CliRunner().invoke(app, ["etl", "import", str(file), "--mapping", str(mapping), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def query(warehouse, sql, params=None):
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


def last_run_counts(warehouse) -> dict:
    import json

    row = query(
        warehouse, "SELECT table_counts FROM etl_runs WHERE status = 'succeeded' ORDER BY started_at DESC"
    )
    return json.loads(row[0][0])


def test_the_example_mappings_use_three_different_source_ids():
    ids = {load_mapping(m)["source"]["id"] for _, m in (REGISTER, COMPLAINTS, PENALTIES)}
    assert len(ids) == 3


def test_register_complaints_and_penalties_from_three_sources_link_to_one_store(warehouse, data_dir):
    etl_import(*COMPLAINTS)
    etl_import(*PENALTIES)
    # a register exported years after the complaint and penalty files: its as_of must not move the
    # windows of their complaints and penalties past them
    output = etl_import(*REGISTER, "--as-of", "2027-12-31")
    assert "stores in this file: 7" in output and "matched to stores already in the warehouse: 3" in output
    # 示例甲数码旗舰店 (complaints, penalties) is 示例甲數碼旗艦店 on 淘寶 in the register
    linked = query(
        warehouse,
        "SELECT m.name, m.platform, m.listed_in_register, m.size_measure, m.closed_on::VARCHAR,"
        " (SELECT count(*) FROM complaints c WHERE c.merchant_id = m.merchant_id),"
        " (SELECT count(*) FROM penalties p WHERE p.merchant_id = m.merchant_id)"
        " FROM merchants m WHERE m.source_id = 'example_store_register' AND m.name LIKE '示例甲數%'",
    )
    assert linked == [("示例甲數碼旗艦店", "taobao", True, 12000.0, "2025-04-02", 2, 2)]
    shared = query(
        warehouse,
        "SELECT count(DISTINCT c.merchant_id) FROM complaints c JOIN penalties p USING (merchant_id)",
    )[0][0]
    assert shared == 3  # 甲, 乙 and 丙: every store named in both files
    # 丙 is in the complaint and penalty files only: kept, and counted as seen only there
    only = query(warehouse, "SELECT name FROM merchants WHERE listed_in_register = false")
    assert only == [("示例丙生鲜店",)]
    assert query(warehouse, "SELECT count(*) FROM merchants")[0][0] == 8
    scorecard = query(
        warehouse,
        "SELECT complaints_12m, penalties_24m, as_of::DATE::VARCHAR FROM merchant_scorecard WHERE name = ?",
        ["示例甲數碼旗艦店"],
    )
    assert scorecard == [(2, 2, "2025-04-02")]  # the penalty list's as_of, the latest of its facts'


def test_a_register_with_sizes_gives_every_tier_and_volumes_give_orders(warehouse, data_dir, tmp_path):
    rows = [["店铺名称", "平台", "主体公司", "统一社会信用代码", "月均订单量", "开店日期", "关店日期"]]
    rows += [[f"测试店{n:03d}", "淘宝", "", "", str(100 + n * 10), "2020-01-01", ""] for n in range(200)]
    register = tmp_path / "register.csv"
    with open(register, "w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows(rows)
    etl_import(register, REGISTER[1])
    tiers = dict(query(warehouse, "SELECT size_tier, count(*) FROM merchant_tiers GROUP BY 1"))
    assert tiers == {"small": 100, "mid": 80, "large": 18, "top": 2}
    etl_import(*VOLUMES)
    orders = dict(
        query(
            warehouse,
            "SELECT m.name, t.orders_12m FROM merchant_tiers t JOIN merchants m USING (merchant_id)",
        )
    )
    assert orders["示例甲数码旗舰店"] == 11800 + 12400 + 12100  # three spellings of month and name
    assert orders["示例丙生鲜店"] == 650  # 2025年13月 is quarantined
    assert orders["测试店000"] is None  # no volumes: unknown, not zero
    periods = query(warehouse, "SELECT DISTINCT period::VARCHAR FROM merchant_volume ORDER BY 1")
    assert periods == [("2025-01-01",), ("2025-02-01",), ("2025-03-01",)]


def test_re_importing_every_file_changes_nothing(warehouse, data_dir):
    files = (REGISTER, VOLUMES, COMPLAINTS, PENALTIES)
    for pair in files:
        etl_import(*pair)
    for pair in files:
        etl_import(*pair)
        for table, counts in last_run_counts(warehouse).items():
            assert counts["inserted"] == counts["updated"] == counts["deleted"] == 0, (pair[0].name, table)


def test_entities_target_loads_names_numbers_countries_and_parents(warehouse, data_dir, tmp_path):
    file = tmp_path / "entities.csv"
    file.write_text(
        "名称,统一社会信用代码,国家,母公司\n示例甲科技有限公司,91330100EXAMPLEA1X,CN,示例控股集团\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "entities.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "source": {
                    "id": "example_entities",
                    "name": "entities",
                    "publisher": "tests",
                    "is_synthetic": True,
                },
                "target": "entities",
                "record_id": "统一社会信用代码",
                "columns": {
                    "name": "名称",
                    "registration_number": "统一社会信用代码",
                    "country": "国家",
                    "parent": "母公司",
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    etl_import(*COMPLAINTS)  # names 示例甲科技有限公司 without a number
    etl_import(file, mapping)
    etl_import(*REGISTER)  # the same entity by number, from a store register
    entities = query(
        warehouse,
        "SELECT name, registration_number, country, parent_name, listed_in_register, source_id"
        " FROM entities WHERE name = '示例甲科技有限公司'",
    )
    # one entity: the register's mention does not overwrite the entities file's row
    assert entities == [
        ("示例甲科技有限公司", "91330100EXAMPLEA1X", "CN", "示例控股集团", True, "example_entities")
    ]


@pytest.mark.parametrize("column", PROTECTED_COLUMNS)
def test_a_mapping_may_not_set_an_id_provenance_or_run_column(tmp_path, column):
    mapping = yaml.safe_load(COMPLAINTS[1].read_text(encoding="utf-8"))
    mapping["columns"][column] = "投诉编号"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MappingError, match=f"columns.{column}") as error:
        load_mapping(path)
    assert "\n" not in str(error.value)


def test_the_cli_refuses_a_mapping_that_sets_complaint_id_and_loads_nothing(warehouse, data_dir, tmp_path):
    mapping = yaml.safe_load(COMPLAINTS[1].read_text(encoding="utf-8"))
    mapping["constants"]["complaint_id"] = "demo:c0"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["etl", "import", str(COMPLAINTS[0]), "--mapping", str(path)])
    assert result.exit_code == 2 and "constants.complaint_id" in result.output
    assert warehouse.current_path() is None
