"""Named warehouses: the demo in its own, imports and real sources elsewhere, never mixed by a load,
labelled truthfully when they are mixed anyway, and the old single warehouse adopted."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from dashboard import db
from etl.cli import app
from etl.run import run_source
from etl.settings import load_settings
from etl.sources.demo import DemoConfig
from etl.warehouse import Warehouse
from tests.support.dashboard_fixtures import APP, page
from tests.support.records_source import META, RecordsSource
from tests.support.warehouses import build_demo, named

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "examples" / "blackcat_complaints_example.csv"
EXAMPLE_MAPPING = ROOT / "data" / "mappings" / "blackcat_complaints.yaml"
TINY_DEMO = ["etl", "demo", "--complaints", "300", "--seed", "3"]
STORES = [{"id": "s1", "name": "Real Store One", "platform": "Tmall"}]
COMPLAINTS = [{"id": f"c{i}", "store": "s1", "filed": f"2026-03-0{i + 1}T10:00:00"} for i in range(3)]


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def real_mapping(tmp_path: Path) -> Path:
    """The example mapping as someone's own real source would declare it (is_synthetic: false)."""
    mapping = yaml.safe_load(EXAMPLE_MAPPING.read_text(encoding="utf-8"))
    mapping["source"] = {**mapping["source"], "id": "my_export", "name": "My export", "is_synthetic": False}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path


class RealRecords(RecordsSource):
    meta = dataclasses.replace(
        META, source_id="realfix", name="Real fixture", publisher="A regulator", is_synthetic=False
    )


def test_the_demo_loads_into_demo_and_an_import_into_main(data_dir):
    invoke(*TINY_DEMO)
    invoke("etl", "import", str(EXAMPLE), "--mapping", str(EXAMPLE_MAPPING))
    assert Warehouse(named(data_dir, "demo")).current_path() is not None
    with Warehouse(named(data_dir, "main")).connect_read_only() as con:
        assert con.execute("SELECT list(source_id) FROM sources").fetchone()[0] == ["example_blackcat"]
    listing = invoke("warehouses")
    lines = {line.split("│")[1].strip(): line for line in listing.splitlines() if line.count("│") > 3}
    assert "synthetic" in lines["demo"] and "300" in lines["demo"]
    assert "example_blackcat" in lines["main"] and " 5 " in lines["main"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--warehouse", "mine", *TINY_DEMO], "the synthetic demo always loads into warehouse 'demo'"),
        (
            ["--warehouse", "demo", "etl", "import", str(EXAMPLE), "--mapping", str(EXAMPLE_MAPPING)],
            "warehouse 'demo' holds only the synthetic demo",
        ),
        (["--warehouse", "Mine!", "etl", "status"], "warehouse name 'Mine!' is not allowed"),
        (["--warehouse", "x" * 41, "warehouses"], "is not allowed"),
    ],
)
def test_a_load_into_the_wrong_warehouse_is_refused_in_one_line(data_dir, args, message):
    output = invoke(*args, code=2)
    assert output.strip().splitlines() == [output.strip()] and message in output
    assert not (data_dir / "warehouses").exists() or not list((data_dir / "warehouses").rglob("*.duckdb"))


def test_the_environment_names_the_warehouse_too(data_dir, monkeypatch):
    monkeypatch.setenv("STOREWATCH_WAREHOUSE", "mine")
    invoke("etl", "import", str(EXAMPLE), "--mapping", str(EXAMPLE_MAPPING))
    assert Warehouse(named(data_dir, "mine")).current_path() is not None
    assert "mine" in invoke("etl", "status")
    monkeypatch.setenv("STOREWATCH_WAREHOUSE", "Bad Name")
    assert "is not allowed" in invoke("etl", "status", code=2)


def test_a_chosen_warehouse_lasts_one_command(data_dir):
    invoke("--warehouse", "mine", "warehouses")
    assert load_settings().warehouse_name is None


def test_real_records_never_join_synthetic_ones_and_the_other_way_round(data_dir, tmp_path):
    invoke("etl", "import", str(EXAMPLE), "--mapping", str(EXAMPLE_MAPPING))  # fictional: synthetic
    mine = real_mapping(tmp_path)
    output = invoke("etl", "import", str(EXAMPLE), "--mapping", str(mine), code=2)
    assert len(output.strip().splitlines()) == 1
    assert "warehouse 'main' holds synthetic example records" in output and "--warehouse NAME" in output
    invoke("--warehouse", "mine", "etl", "import", str(EXAMPLE), "--mapping", str(mine))
    output = invoke(
        "--warehouse", "mine", "etl", "import", str(EXAMPLE), "--mapping", str(EXAMPLE_MAPPING), code=2
    )
    assert "is synthetic example data and warehouse 'mine' holds real records" in output
    with Warehouse(named(data_dir, "main")).connect_read_only() as con:
        assert con.execute("SELECT list(source_id ORDER BY source_id) FROM sources").fetchone()[0] == [
            "example_blackcat"
        ]


def test_serve_names_the_warehouses_that_exist_when_asked_for_a_missing_one(data_dir):
    invoke(*TINY_DEMO)
    output = invoke("--warehouse", "nope", "serve", code=2)
    assert output.strip() == "there is no warehouse named 'nope'; existing warehouses: demo"


def test_a_warehouse_of_the_old_layout_becomes_demo_once_with_a_message(data_dir):
    build_demo_old = Warehouse(data_dir / "warehouse")
    run_source(RecordsSource(STORES, COMPLAINTS), warehouse=build_demo_old)  # synthetic fixture records
    output = invoke("etl", "status")
    assert f"moved the warehouse in {data_dir / 'warehouse'}" in output and "warehouse 'demo'" in output
    assert not (data_dir / "warehouse").exists()
    assert Warehouse(named(data_dir, "demo")).current_path() is not None
    assert "moved" not in invoke("etl", "status")


def test_an_old_warehouse_with_real_records_becomes_main(data_dir):
    run_source(RealRecords(STORES, COMPLAINTS), warehouse=Warehouse(data_dir / "warehouse"))
    assert "it is now warehouse 'main'" in invoke("warehouses")
    assert Warehouse(named(data_dir, "main")).current_path() is not None


@pytest.fixture(scope="module")
def mixed_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse where synthetic demo records and real ones ended up together (an old warehouse
    the issue describes), and one holding real records only."""
    directory = tmp_path_factory.mktemp("mixed")
    warehouse = build_demo(directory, DemoConfig(complaints=1_000, seed=5))
    run_source(RealRecords(STORES, COMPLAINTS), warehouse=warehouse)
    run_source(RealRecords(STORES, COMPLAINTS), warehouse=Warehouse(named(directory, "real")))
    return directory


def frame(data: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> AppTest:
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(data))
    monkeypatch.setenv("STOREWATCH_WAREHOUSE", name)
    db.clear_caches()
    at = AppTest.from_file(APP)
    at.query_params["lang"] = "en"
    at.switch_page(page("downloads")).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_mixed_warehouse_says_so_instead_of_the_synthetic_banner(mixed_data, monkeypatch):
    at = frame(mixed_data, monkeypatch, "demo")
    errors = [e.value for e in at.error]
    assert not any("SYNTHETIC DATA" in e for e in errors)
    mixed = "mixes synthetic example records (source Synthetic demo marketplace) with real records"
    assert any(f"{mixed} (source Real fixture)" in e for e in errors)
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "Warehouse: demo" in sidebar and "Real fixture (A regulator)" in sidebar


def test_real_records_show_no_synthetic_banner_and_name_their_source(mixed_data, monkeypatch):
    at = frame(mixed_data, monkeypatch, "real")
    assert not at.error
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "Warehouse: real" in sidebar and "Real fixture (A regulator)" in sidebar


def test_an_extract_of_a_mixed_warehouse_says_so_and_marks_each_row(mixed_data, monkeypatch, tmp_path):
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(mixed_data))
    out = tmp_path / "c.csv"
    output = invoke("export", "complaints", "--out", str(out))
    assert "mixes synthetic example records (source demo) with real records (source realfix)" in output
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    marked = {(row["source_id"], row["source_is_synthetic"]) for row in rows}
    assert marked == {("demo", "true"), ("realfix", "false")}
    invoke("export", "consistency", "--out", str(out))
    with open(out, encoding="utf-8-sig", newline="") as handle:
        assert {row["synthetic_source_ids"] for row in csv.DictReader(handle)} == {"demo"}
