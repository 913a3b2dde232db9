"""`etl import --check` and load_mapping's early refusals: a wrong name is named with the closest
valid one, before any row is loaded, and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from etl.cli import app
from etl.settings import PROJECT_ROOT
from etl.sources.file_import import MappingError, load_mapping, read_mapping
from tests.support import hostile

EXAMPLES = PROJECT_ROOT / "data" / "examples"
MAPPINGS = PROJECT_ROOT / "data" / "mappings"
BLACKCAT = EXAMPLES / "blackcat_complaints_example.csv"
BLACKCAT_MAPPING = MAPPINGS / "blackcat_complaints.yaml"
PENALTIES = EXAMPLES / "platform_penalty_notices_example.csv"
PENALTY_MAPPING = MAPPINGS / "platform_penalty_notices.yaml"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def edited_mapping(tmp_path, path, edit) -> str:
    mapping = read_mapping(path)
    edit(mapping)
    out = tmp_path / path.name
    out.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return out


def blackcat_rows(tmp_path, status: str, filed: str, n: int, bad: int) -> str:
    """n rows of the Black-Cat export; the first `bad` with the given status and filing time."""
    header = (
        "投诉编号,投诉对象,所属平台,商家主体,投诉时间,完成时间,回复时间,投诉进度,投诉问题,投诉要求,涉诉金额\n"
    )
    rows = [
        f"T{i},店{i % 7},淘宝,,{filed if i < bad else '2025-03-02 10:15'},,,"
        f"{status if i < bad else '处理中'},质量问题,退款,10\n"
        for i in range(n)
    ]
    path = tmp_path / "blackcat.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def test_load_mapping_refuses_an_unknown_target_column_naming_the_closest(tmp_path):
    wrong = edited_mapping(tmp_path, BLACKCAT_MAPPING, lambda m: m["columns"].update(filed_on="投诉时间"))
    with pytest.raises(MappingError) as raised:
        load_mapping(wrong)
    message = str(raised.value)
    assert "columns.filed_on: complaints has no column 'filed_on' (closest: 'filed_at'" in message
    assert "\n" not in message
    result = cli("etl", "import", BLACKCAT, "--mapping", wrong)
    assert result.exit_code == 2 and "bad mapping" in result.output and "Traceback" not in result.output


def test_load_mapping_refuses_a_code_outside_the_vocabulary(tmp_path):
    wrong = edited_mapping(
        tmp_path,
        PENALTY_MAPPING,
        lambda m: m["values"]["violation_type"].update({"延迟发货": "late_delivry"}),
    )
    with pytest.raises(
        MappingError, match=r"'late_delivry' is not a code of penalties.violation_type.*late_delivery"
    ):
        load_mapping(wrong)


def test_check_names_a_source_column_the_header_lacks_with_the_closest_header_names(warehouse, tmp_path):
    renamed = tmp_path / "renamed.csv"
    text = BLACKCAT.read_text(encoding="utf-8-sig")
    renamed.write_text(text.replace("投诉时间", "投诉时刻", 1), encoding="utf-8")
    result = cli("etl", "import", renamed, "--mapping", BLACKCAT_MAPPING, "--check")
    assert result.exit_code == 1, result.output
    assert "columns.filed_at: the file has no column '投诉时间' (closest: '投诉时刻'" in result.output
    assert "NOT OK" in result.output
    assert warehouse.current_path() is None and not warehouse.directory.exists()


def test_check_fails_on_an_unmapped_value_or_unreadable_dates_in_many_rows(warehouse, tmp_path):
    path = blackcat_rows(tmp_path, status="已受理", filed="2025/03/02 10:15:00", n=40, bad=20)
    result = cli("etl", "import", path, "--mapping", BLACKCAT_MAPPING, "--check")
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "status: 20 of 40 rows: unmapped value … in column '投诉进度'" in output
    assert "open, resolved, closed_unresolved, withdrawn" in output and "'已受理'" in output
    assert "filed_at: 20 of 40 rows: unreadable date … in column '投诉时间'" in output
    assert "['%Y-%m-%d %H:%M', '%Y/%m/%d %H:%M', '%Y-%m-%d']" in output  # the formats tried
    assert not warehouse.directory.exists()


def test_check_passes_a_fitting_mapping_and_only_warns_about_a_rare_bad_row(warehouse, tmp_path):
    result = cli("etl", "import", PENALTIES, "--mapping", PENALTY_MAPPING, "--check")
    # 封号 is not on the sanction scale: one row of seven is not a rare row
    assert result.exit_code == 1 and "'封号'" in result.output
    path = blackcat_rows(tmp_path, status="已受理", filed="2025-03-02 10:15", n=200, bad=1)
    result = cli("etl", "import", path, "--mapping", BLACKCAT_MAPPING, "--check", "--sample", "150")
    assert result.exit_code == 0, result.output
    assert "warning: status: 1 of 150 rows" in result.output
    assert "OK: the mapping fits the file (150 rows sampled, 1 warnings)" in result.output
    assert not warehouse.directory.exists()


def test_check_lists_every_problem_of_the_mapping_itself(tmp_path):
    def break_it(mapping):
        mapping["columns"]["filed_on"] = mapping["columns"].pop("filed_at")
        mapping["values"]["status"]["已完成"] = "finished"

    wrong = edited_mapping(tmp_path, BLACKCAT_MAPPING, break_it)
    result = cli("etl", "import", BLACKCAT, "--mapping", wrong, "--check")
    output = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "complaints has no column 'filed_on' (closest: 'filed_at'" in output
    assert "'finished' is not a code of complaints.status" in output
    assert "complaints.filed_at is required and nothing sets it" in output


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    # 10 levels of 9 aliases: 9**10 (3.5 billion) leaves if expanded; 4.2 GB were used before (issue 18)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(hostile.YAML_ALIAS_BOMB, encoding="utf-8")
    assert len(hostile.YAML_ALIAS_BOMB.encode()) < 600
    with pytest.raises(MappingError, match=r"alias \*a found: a mapping may not use YAML aliases"):
        read_mapping(bomb)


def test_an_oversized_mapping_is_refused_unread(tmp_path):
    from etl.sources.file_import import MAX_MAPPING_BYTES

    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_MAPPING_BYTES + "\n", encoding="utf-8")
    with pytest.raises(MappingError, match="larger than"):
        read_mapping(big)


MALFORMED = [
    ("bad.yaml", "target: complaints\ncolumns: {a: [1, 2\n", "not valid YAML"),
    ("tab.yaml", "target: complaints\n\tcolumns: x\n", "not valid YAML"),
    ("bad.toml", "target = complaints\n", "not valid TOML"),
    ("table.toml", "[columns\n", "not valid TOML"),
    ("undecodable.yaml", "\udcff", "cannot be read"),
]


@pytest.mark.parametrize(("name", "text", "problem"), MALFORMED)
def test_a_malformed_mapping_is_one_line_not_a_traceback(tmp_path, name, text, problem):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    for args in (["--mapping", path], ["--mapping", path, "--check"]):
        result = cli("etl", "import", BLACKCAT, *args)
        assert isinstance(result.exception, SystemExit), result.exception  # not an uncaught error
        assert result.exit_code in (1, 2)
        assert f"{path.name}: {problem}" in " ".join(result.output.split())  # rich wraps at 80 here


def test_a_malformed_mapping_prints_no_traceback_from_the_real_command(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MALFORMED[0][1], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "etl.cli", "etl", "import", str(BLACKCAT), "--mapping", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "STOREWATCH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "1000"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert "Traceback" not in output
    assert output.strip().splitlines() == [
        f"bad mapping: {path}: not valid YAML: {output.split('YAML: ')[1].strip()}"
    ]
