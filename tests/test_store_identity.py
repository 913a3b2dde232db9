"""Store and entity identity across files (docs/linking.md): names written differently link, a mention
never erases a register's fields, name-only entities resolve whichever file comes first."""

from __future__ import annotations

from pathlib import Path

import yaml

from etl.ids import merchant_id_for
from etl.reference import canonical_platform
from etl.run import run_source
from etl.settings import PROJECT_ROOT
from etl.sources.demo_names import PLATFORMS
from etl.sources.file_import import FileImportSource
from etl.text import normalise_store_name

MAPPINGS = PROJECT_ROOT / "data" / "mappings"
HEADER = "店铺名称,平台,主体公司,统一社会信用代码,月均订单量,开店日期,关店日期\n"


def query(warehouse, sql, params=None):
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


def write(path: Path, text: str, encoding: str = "gb18030") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def register(tmp_path: Path, rows: str, name: str = "register.csv") -> FileImportSource:
    return FileImportSource(write(tmp_path / name, HEADER + rows), MAPPINGS / "store_register.yaml")


def penalties(
    tmp_path: Path, rows: str, source_id: str = "notices", name: str = "notices.csv"
) -> FileImportSource:
    mapping = yaml.safe_load((MAPPINGS / "platform_penalty_notices.yaml").read_text(encoding="utf-8"))
    mapping["source"]["id"] = source_id
    header = "公告编号,店铺名称,平台,经营主体,违规类型,处罚措施,扣分,罚款金额,处罚日期,公告链接\n"
    return FileImportSource(write(tmp_path / name, header + rows, "utf-8"), mapping)


def test_names_normalise_across_width_case_spaces_and_script():
    key = normalise_store_name("示例ABC数码旗舰店")
    for variant in (
        "示例ＡＢＣ数码旗舰店",
        "示例abc 数码旗舰店",
        "示例ABC數碼旗艦店",
        " 示例 A.B.C 数码旗舰店 ",
    ):
        assert normalise_store_name(variant) == key, variant
    assert normalise_store_name("示例ABC数码专营店") != key  # nothing fuzzy


def test_platform_spellings_share_one_code_and_the_demo_uses_the_codes():
    assert {canonical_platform(p) for p in ("淘宝", "淘寶", "Taobao", "TAOBAO", "ｔａｏｂａｏ")} == {"taobao"}
    assert [canonical_platform(p) for p in PLATFORMS] == ["tmall", "taobao", "jd", "pinduoduo", "amazon"]
    assert canonical_platform("NYC DCWP") == "nyc_dcwp" and canonical_platform("CFPB") == "cfpb"
    assert canonical_platform("Shopee") == "shopee"  # unlisted: its normalised spelling


def test_merchant_id_depends_on_platform_and_name_or_store_id_only():
    assert merchant_id_for("taobao", "示例甲數碼旗艦店") == merchant_id_for("taobao", "示例甲数码旗舰店")
    assert merchant_id_for("tmall", "示例甲数码旗舰店") != merchant_id_for("taobao", "示例甲数码旗舰店")
    assert merchant_id_for("taobao", "A", "123") == merchant_id_for("taobao", "B", "123")
    assert merchant_id_for("taobao", "A").startswith("store:") and len(merchant_id_for("taobao", "A")) == 22


def test_width_script_and_space_variants_in_two_penalty_files_link(warehouse, tmp_path):
    run_source(
        penalties(tmp_path, "P1,示例ＡＢＣ 數碼旗艦店,淘寶,,售假,警告,,,2025年3月1日,\n", "a", "a.csv"),
        warehouse=warehouse,
    )
    run_source(
        penalties(tmp_path, "P1,示例abc数码旗舰店,Taobao,,售假,警告,,,2025年3月2日,\n", "b", "b.csv"),
        warehouse=warehouse,
    )
    assert query(warehouse, "SELECT count(DISTINCT merchant_id), count(*) FROM penalties") == [(1, 2)]
    assert query(warehouse, "SELECT platform FROM merchants") == [("taobao",)]


def test_a_mention_never_erases_a_registers_fields(warehouse, tmp_path):
    run_source(
        register(tmp_path, "示例甲店,淘宝,示例甲有限公司,91330100EXAMPLEA1X,5000,2019-05-01,2025-04-02\n"),
        warehouse=warehouse,
    )
    result = run_source(
        penalties(tmp_path, "P1,示例甲店,淘宝,别的公司,售假,关店,,,2025年4月2日,\n"), warehouse=warehouse
    )
    assert result.counts["merchants"].unchanged == 1 and result.counts["merchants"].updated == 0
    store = query(
        warehouse,
        "SELECT m.size_measure, m.closed_on::VARCHAR, m.listed_in_register, m.source_id, e.name"
        " FROM merchants m JOIN entities e USING (entity_id)",
    )
    assert store == [(5000.0, "2025-04-02", True, "example_store_register", "示例甲有限公司")]


def test_a_register_replaces_a_mention(warehouse, tmp_path):
    run_source(penalties(tmp_path, "P1,示例甲店,淘宝,,售假,关店,,,2025年4月2日,\n"), warehouse=warehouse)
    result = run_source(register(tmp_path, "示例甲店,淘宝,,,5000,2019-05-01,\n"), warehouse=warehouse)
    assert result.counts["merchants"].updated == 1
    assert query(warehouse, "SELECT size_measure, listed_in_register FROM merchants") == [(5000.0, True)]


def entity_state(warehouse) -> tuple:
    entities = query(warehouse, "SELECT entity_id, name, registration_number FROM entities ORDER BY 1")
    links = query(
        warehouse,
        "SELECT m.name, m.entity_id FROM merchants m UNION ALL"
        " SELECT p.source_record_id, p.entity_id FROM penalties p ORDER BY 1",
    )
    return entities, links


def test_a_name_only_entity_resolves_to_the_registered_one_in_either_order(data_dir, tmp_path):
    from etl.warehouse import Warehouse

    states = []
    for order in ("notices first", "register first"):
        warehouse = Warehouse(data_dir / order)
        sources = [
            penalties(tmp_path, "P1,示例乙店,天猫,示例甲有限公司,售假,警告,,,2025年3月1日,\n"),
            register(tmp_path, "示例甲店,淘宝,示例甲有限公司,91330100EXAMPLEA1X,5000,2019-05-01,\n"),
        ]
        for source in sources if order == "notices first" else sources[::-1]:
            run_source(source, warehouse=warehouse)
        states.append(entity_state(warehouse))
        # and a re-run of the name-only file brings nothing back
        again = run_source(sources[0], warehouse=warehouse)
        assert all(c.inserted == c.updated == 0 for c in again.counts.values())
        assert entity_state(warehouse) == states[-1]
    assert states[0] == states[1]
    entities, links = states[0]
    assert [(name, number) for _, name, number in entities] == [("示例甲有限公司", "91330100EXAMPLEA1X")]
    assert {entity for _, entity in links} == {entities[0][0]}


def test_a_name_matching_two_registration_numbers_stays_unresolved(warehouse, tmp_path):
    rows = (
        "示例甲店,淘宝,示例甲有限公司,91330100EXAMPLEA1X,5000,,\n"
        "示例甲二店,淘宝,示例甲有限公司,91330100EXAMPLEB2X,5000,,\n"
    )
    run_source(register(tmp_path, rows), warehouse=warehouse)
    run_source(
        penalties(tmp_path, "P1,示例乙店,天猫,示例甲有限公司,售假,警告,,,2025年3月1日,\n"),
        warehouse=warehouse,
    )
    numbers = query(warehouse, "SELECT registration_number FROM entities ORDER BY 1 NULLS LAST")
    assert numbers == [("91330100EXAMPLEA1X",), ("91330100EXAMPLEB2X",), (None,)]


def test_a_store_named_only_by_name_resolves_to_the_register_row_with_its_store_id(warehouse, tmp_path):
    mapping = yaml.safe_load((MAPPINGS / "store_register.yaml").read_text(encoding="utf-8"))
    mapping["store"]["store_id"] = "店铺ID"
    file = write(tmp_path / "ids.csv", "店铺ID,店铺名称,平台\n88001,示例甲店,淘宝\n", "utf-8")
    run_source(penalties(tmp_path, "P1,示例甲店,淘宝,,售假,警告,,,2025年3月1日,\n"), warehouse=warehouse)
    run_source(FileImportSource(file, mapping), warehouse=warehouse)
    rows = query(
        warehouse,
        "SELECT m.platform_store_id, count(p.penalty_id)"
        " FROM merchants m LEFT JOIN penalties p USING (merchant_id) GROUP BY 1",
    )
    assert rows == [("88001", 1)]
