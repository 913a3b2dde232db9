"""The storewatch command: every command documents itself; runs print their counts."""

import pytest
from typer.testing import CliRunner

from etl.cli import app

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


def test_etl_demo_dry_run_writes_nothing(data_dir):
    result = runner.invoke(app, ["etl", "demo", "--complaints", "300", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert not list((data_dir / "warehouse").glob("warehouse-*.duckdb"))
