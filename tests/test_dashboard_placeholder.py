"""The dashboard frame: renders on a real warehouse, labels synthetic data, explains a missing one."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from etl.sources.demo import DemoConfig
from tests.conftest import build_demo

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def test_missing_warehouse_says_how_to_build_one(data_dir):
    at = AppTest.from_file(APP).run(timeout=30)
    assert not at.exception
    assert any("storewatch etl demo" in w.value for w in at.warning)


def test_demo_warehouse_is_labelled_synthetic(data_dir):
    build_demo(data_dir, DemoConfig(complaints=400, seed=5))
    at = AppTest.from_file(APP).run(timeout=30)
    assert not at.exception
    assert any("SYNTHETIC" in e.value for e in at.error)
    assert [m.value for m in at.metric][1] == "400"
