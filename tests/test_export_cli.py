"""`storewatch export`: the same bytes as the downloads page's CSV, bound filters, clear errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from etl.cli import app
from etl.warehouse import Warehouse
from tests.support.dashboard_fixtures import APP, page
from tests.support.hostile_web import HOSTILE_PLATFORM, SQL, STORE_NAMES, store_id
from tests.support.warehouses import named

runner = CliRunner()


def page_csv(params: dict, offered: dict) -> bytes:
    """The CSV the downloads page offers for these URL filters, as its button would produce it."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"lang": "en", **params})
    at.switch_page(page("downloads")).run()
    assert not at.exception, [e.value for e in at.exception]
    name = next(n for n in offered if n.endswith(".csv"))
    return offered[name]().read()


@pytest.mark.parametrize(
    ("params", "args"),
    [
        ({"table": "complaints", "store": store_id("h-formula")}, ["--store", store_id("h-formula")]),
        (
            {"table": "complaints", "platform": ["tmall", "jd"], "period_from": "2026-01-01"},
            ["--platform", "tmall", "--platform", "jd", "--from", "2026-01-01"],
        ),
        ({"table": "penalties", "violation": "counterfeit"}, ["--violation", "counterfeit"]),
        ({"table": "scorecards", "tier": "small"}, ["--tier", "small"]),
    ],
)
@pytest.mark.usefixtures("hostile_env")
def test_csv_equals_the_one_the_page_offers(params, args, offered, tmp_path):
    expected = page_csv(params, offered)
    out = tmp_path / "extract.csv"
    result = runner.invoke(app, ["export", params["table"], "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == expected
    rows = len(list(csv.reader(io.StringIO(expected.decode("utf-8-sig"), newline="")))) - 1
    assert rows > 0
    assert f"{rows:,} rows written" in result.stdout
    assert "Storewatch, “" in result.stdout and "Retrieved" in result.stdout  # the citation line


@pytest.mark.usefixtures("hostile_env")
def test_formula_cells_are_neutralised_and_parquet_keeps_values(hostile_data, tmp_path):
    store = ["--store", store_id("h-formula")]
    assert (
        runner.invoke(app, ["export", "complaints", "--out", str(tmp_path / "c.csv"), *store]).exit_code == 0
    )
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 30
    assert {row["store_name"] for row in table} == {"'" + STORE_NAMES["h-formula"]}
    assert all(row["issue"].startswith("'") for row in table)  # every hostile issue starts with a formula
    result = runner.invoke(
        app, ["export", "complaints", "--format", "parquet", "--out", str(tmp_path / "c.parquet"), *store]
    )
    assert result.exit_code == 0, result.output
    parquet = pq.read_table(tmp_path / "c.parquet")
    assert set(parquet["store_name"].to_pylist()) == {STORE_NAMES["h-formula"]}
    assert b"citation" in parquet.schema.metadata


@pytest.mark.usefixtures("hostile_env")
def test_hostile_filter_values_are_refused_or_bound(hostile_data, tmp_path):
    out = tmp_path / "x.csv"
    for args in (["--store", SQL], ["--platform", "Tmall') OR 1=1 --"]):
        result = runner.invoke(app, ["export", "complaints", "--out", str(out), *args])
        assert result.exit_code == 2, result.output  # matches nothing stored: refused, never run
        assert "Traceback" not in result.output and not out.exists()
    # a stored platform whose name is markup is a valid choice, matched as a bound value
    result = runner.invoke(app, ["export", "complaints", "--out", str(out), "--platform", HOSTILE_PLATFORM])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as handle:
        platforms = {row["platform"] for row in csv.DictReader(handle)}
    assert platforms == {HOSTILE_PLATFORM}
    con = Warehouse(named(hostile_data, "demo")).connect_read_only()
    try:  # nothing ran: the table is still there
        assert con.execute("SELECT count(*) FROM merchants").fetchall()[0][0] > 0
    finally:
        con.close()


@pytest.mark.usefixtures("hostile_env")
@pytest.mark.parametrize(
    "args",
    [
        ["export", "nonsense"],
        ["export", "complaints'; DROP TABLE x; --"],
        ["export", "complaints", "--format", "xlsx"],
        ["export", "complaints", "--from", "2026-02-30"],
    ],
)
def test_bad_arguments_exit_2_with_a_clear_error(args, tmp_path):
    out = tmp_path / "never.csv"
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert any(word in result.output for word in ("unknown dataset", "unknown format", "not a date"))
    assert not out.exists() and not list(Path(tmp_path).iterdir())
