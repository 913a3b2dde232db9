"""Mistakes on the command line are loud and short: a bad number, date, path or filter value gets a
one-line error and exit code 2, never a traceback, and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.sources.demo import DemoConfig
from tests.support.warehouses import build_demo

ROOT = Path(__file__).resolve().parent.parent
MAPPING = str(ROOT / "data" / "mappings" / "blackcat_complaints.yaml")
EXAMPLE = str(ROOT / "data" / "examples" / "blackcat_complaints_example.csv")


def error_lines(output: str) -> list[str]:
    """What the output says is wrong, without typer's usage lines and its panel's borders."""
    lines = []
    for line in output.splitlines():
        text = line.strip().strip("│").strip()
        if text and not text.startswith(("Usage:", "Try '", "╭", "╰")):
            lines.append(text)
    return lines


def refused(args: list[str], *expected: str) -> str:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    [line] = error_lines(result.output)  # exactly one line says what is wrong
    for text in expected:
        assert text in line, line
    return line


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("errors")
    build_demo(directory, DemoConfig(complaints=600, seed=2))
    return directory


@pytest.fixture
def demo_env(small_demo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STOREWATCH_DATA_DIR", str(small_demo))
    return small_demo


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["etl", "demo", "--complaints", "-5"], "--complaints"),
        (["etl", "demo", "--complaints", "0"], "--complaints"),  # zero would empty the demo
        (["etl", "demo", "--seed", "-1"], "--seed"),
        (["etl", "demo", "--merchants", "0"], "--merchants"),
        (["etl", "demo", "--complaints", "lots"], "Input should be a valid integer"),
        (["serve", "--port", "0"], "--port"),
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--demo-complaints", "0"], "--demo-complaints"),
        (["etl", "status", "--limit", "0"], "--limit"),
        (["etl", "prune-raw", "--keep", "0"], "--keep"),
        (["bench", "--complaints", "0"], "--complaints"),
        (["bench", "--complaints", "1000", "--repeat", "0"], "--repeat"),
        (["etl", "cfpb", "--page-size", "0"], "--page-size"),
        (["etl", "cfpb", "--overlap-days", "-1"], "--overlap-days"),
        (["etl", "nyc", "--page-size", "-3"], "--page-size"),
        (["etl", "nyc", "--overlap-hours", "-1"], "--overlap-hours"),
    ],
)
def test_a_bad_number_is_one_line(data_dir, args, expected):
    refused(args, expected)
    assert not list(data_dir.rglob("*.duckdb"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["etl", "demo", "--as-of", "2026-02-30"], "not a date"),
        (["etl", "cfpb", "--since", "yesterday"], "not a date"),
        (["etl", "import", EXAMPLE, "--mapping", MAPPING, "--as-of", "2025-13-01"], "not a date"),
        (["export", "complaints", "--out", "x.csv", "--from", "2026-02-30"], "not a date"),
        (["export", "complaints", "--out", "x.csv", "--to", "31/12/2026"], "not a date"),
    ],
)
def test_a_bad_date_is_one_line(data_dir, args, expected):
    refused(args, expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["export", "complaints", "--out", "/missing/dir/x.csv"], "directory /missing/dir does not exist"),
        (["etl", "import", "/missing/file.csv", "--mapping", MAPPING], "does not exist"),
        (["etl", "import", EXAMPLE, "--mapping", "/missing/map.yaml"], "does not exist"),
        (["etl", "cfpb", "--csv", "/missing/ccdb.csv"], "does not exist"),
        (["etl", "cfpb-enforcement", "/missing/actions.csv"], "does not exist"),
        (
            ["bench", "--complaints", "1000", "--markdown", "/missing/dir/b.md"],
            "/missing/dir, which does not exist",
        ),
        (
            ["bench", "--complaints", "1000", "--json", "/missing/dir/b.json"],
            "/missing/dir, which does not exist",
        ),
    ],
)
def test_a_missing_path_is_one_line(demo_env, args, expected):
    refused(args, expected)


def test_a_directory_where_a_file_belongs_is_one_line(demo_env, tmp_path):
    refused(["export", "complaints", "--out", str(tmp_path)], f"--out {tmp_path} is a directory")
    refused(["etl", "cfpb", "--csv", str(tmp_path)], "is a directory")
    refused(["etl", "import", str(tmp_path), "--mapping", MAPPING], "is a directory")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["complaints", "--platform", "taobaoo"],
            ("unknown --platform 'taobaoo'; choose from:", "taobao", "tmall"),
        ),
        (["complaints", "--tier", "huge"], ("unknown --tier 'huge'; choose from:", "small", "top")),
        (["complaints", "--category", "qualty"], ("unknown --category 'qualty'", "quality")),
        (["penalties", "--violation", "late_delivery_x"], ("unknown --violation", "counterfeit")),
        (["penalties", "--store", "demo:nope"], ("no store has id 'demo:nope'",)),
        (["complaints", "--violation", "counterfeit"], ("--violation does not apply to complaints",)),
        (["consistency", "--platform", "Tmall"], ("--platform does not apply to consistency",)),
        (["penalties", "--from", "2026-05-01", "--to", "2026-01-01"], ("--from 2026-05-01 is after --to",)),
    ],
)
def test_a_filter_value_that_matches_nothing_known_is_refused_with_the_choices(
    demo_env, tmp_path, args, expected
):
    out = tmp_path / "x.csv"
    refused(["export", *args[:1], "--out", str(out), *args[1:]], *expected)
    assert not list(tmp_path.iterdir())


def test_known_values_are_matched_ignoring_case_and_by_label(demo_env, tmp_path):
    runner = CliRunner()
    outputs = {}
    for value in ("Taobao", "taobao", "TAOBAO"):
        result = runner.invoke(
            app, ["export", "complaints", "--out", str(tmp_path / f"{value}.csv"), "--platform", value]
        )
        assert result.exit_code == 0, result.output
        outputs[value] = (tmp_path / f"{value}.csv").read_bytes()
    assert len(set(outputs.values())) == 1 and outputs["taobao"].count(b"\n") > 1
    by_label = runner.invoke(
        app, ["export", "complaints", "--out", str(tmp_path / "l.csv"), "--category", "假冒伪劣"]
    )
    by_code = runner.invoke(
        app, ["export", "complaints", "--out", str(tmp_path / "c.csv"), "--category", "counterfeit"]
    )
    assert by_label.exit_code == by_code.exit_code == 0
    assert (tmp_path / "l.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()


def test_the_real_command_says_a_missing_directory_in_one_line_on_stderr(tmp_path):
    """The issue's case, through the installed entry point: no traceback naming a hidden .partial file."""
    env = {**os.environ, "STOREWATCH_DATA_DIR": str(tmp_path), "COLUMNS": "250"}
    result = subprocess.run(
        [sys.executable, "-m", "etl.cli", "export", "complaints", "--out", "/missing/dir/x.csv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "directory /missing/dir does not exist; create it or choose another --out"
    assert ".partial" not in result.stderr + result.stdout and result.stdout == ""
