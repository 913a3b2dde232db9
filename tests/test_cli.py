"""The storewatch command: every command documents itself; runs print their counts."""

import json

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.sources import source_commands
from etl.warehouse import Warehouse
from tests.support.warehouses import named

runner = CliRunner()


@pytest.mark.parametrize("args", [[], ["etl"], ["etl", "demo"], ["etl", "status"], ["serve"]])
def test_every_command_has_help(args):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert len(result.output.strip().splitlines()) > 3


def test_etl_demo_loads_and_status_lists_the_run(data_dir):
    result = runner.invoke(app, ["etl", "demo", "--complaints", "500", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "complaints" in result.output and "500" in result.output
    status = runner.invoke(app, ["etl", "status"])
    assert status.exit_code == 0, status.output
    assert "succeeded" in status.output and "demo" in status.output
    # the recorded params are the command's parameters dataclass, every field of it
    with Warehouse(named(data_dir, "demo")).connect_read_only() as con:
        [(params,)] = con.execute("SELECT params FROM etl_runs").fetchall()
    assert json.loads(params) == {
        "complaints": 500,
        "merchants": None,
        "penalties": None,
        "seed": 3,
        "as_of": "2026-10-31",
        "planted": True,
    }


def test_every_source_module_with_a_command_is_an_etl_subcommand():
    names = [command.name for command in source_commands()]
    assert {"demo", "import", "cfpb", "nyc"} <= set(names)
    for name in names:
        result = runner.invoke(app, ["etl", name, "--help"])
        assert result.exit_code == 0, result.output
        assert "--dry-run" in result.output and len(result.output.strip().splitlines()) > 3


def test_etl_demo_dry_run_writes_nothing(data_dir):
    result = runner.invoke(app, ["etl", "demo", "--complaints", "300", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert not list(named(data_dir, "demo").glob("warehouse-*.duckdb"))
