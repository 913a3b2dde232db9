"""The shipped mappings for the real NYC DCWP and CFPB CSV files: `etl import --check` passes, and
the import quarantines only what the data justify, with its reasons; NYC's result and type wording
are all mapped (a contract cancelled is not a refused seven-day return)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.settings import PROJECT_ROOT
from tests.support.realdata import REALDATA

MAPPINGS = PROJECT_ROOT / "data" / "mappings"
NYC_MAPPING = MAPPINGS / "nyc_dcwp_mediated_complaints_csv.toml"
CFPB_MAPPING = MAPPINGS / "cfpb_complaints_csv.toml"
NYC_CSV = REALDATA / "nyc_dcwp" / "Consumer_Services_Mediated_Complaints_2018-2020_manjunath5496.csv"
CFPB_BULK = REALDATA / "cfpb_complaints_csv" / "bdm_hw3_complaints_sample_2020.csv"
CFPB_EXPORT = REALDATA / "cfpb_complaints_csv" / "seunnna_api_export_payday_small_2025-04.csv"
NYC_HEADER = (
    "Business Name,Industry,Complaint Type,Mediation Start Date,Mediation Close Date,Complaint Result,"
    "Satisfaction,Restitution\n"
)


def cli(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def query(warehouse, sql, params=None):
    with warehouse.connect_read_only() as con:
        return con.execute(sql, params or []).fetchall()


def needs(path):
    return pytest.mark.skipif(not path.exists(), reason=f"real data not present at {path}")


def check_then_import(path, mapping):
    checked = cli("etl", "import", path, "--mapping", mapping, "--check")
    assert checked.exit_code == 0, checked.output
    assert "OK: the mapping fits the file" in checked.output
    loaded = cli("etl", "import", path, "--mapping", mapping)
    assert loaded.exit_code == 0, loaded.output
    return loaded


@pytest.mark.realdata
@needs(NYC_CSV)
def test_the_nyc_csv_checks_and_loads_quarantining_only_what_the_data_justify(warehouse):
    check_then_import(NYC_CSV, NYC_MAPPING)
    reasons = query(warehouse, "SELECT column_name, reason, count(*) FROM quarantine GROUP BY ALL ORDER BY 3")
    # 38 rows name no business, 6 close before their mediation started, 1 is column-shifted (a date
    # where the result belongs): every Complaint Result DCWP wrote is mapped
    assert reasons == [
        (
            "status",
            "unmapped value '02/25/2019' in column 'Complaint Result': map it under values.status to one of "
            "open, resolved, closed_unresolved, withdrawn",
            1,
        ),
        ("closed_at", "closed before it was filed", 6),
        ("merchant_id", "store name missing", 38),
    ]
    categories = dict(
        query(
            warehouse,
            "SELECT category, count(*) FROM complaints WHERE issue LIKE 'Exchange Goods%' GROUP BY 1",
        )
    )
    assert categories == {"cancellation_exchange": 253}  # 256 in the file, 3 quarantined above
    assert query(warehouse, "SELECT count(*) FROM complaints WHERE category = 'return_refused'") == [(0,)]


@pytest.mark.realdata
@pytest.mark.parametrize("path", [CFPB_BULK, CFPB_EXPORT], ids=["bulk", "export"])
def test_the_cfpb_csvs_check_and_load_without_quarantine_and_without_close_dates(warehouse, path):
    if not path.exists():
        pytest.skip(f"real data not present at {path}")
    loaded = check_then_import(path, CFPB_MAPPING)
    assert "quarantined records, by reason" not in loaded.output
    assert query(warehouse, "SELECT count(*) FROM quarantine") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM complaints WHERE closed_at IS NOT NULL") == [(0,)]
    if path == CFPB_BULK:  # the counts PROVENANCE.md gives for this file
        statuses = dict(query(warehouse, "SELECT source_status, count(*) FROM complaints GROUP BY 1"))
        assert statuses == {
            "Closed with explanation": 5557,
            "Closed with non-monetary relief": 779,
            "Closed with monetary relief": 211,
            "Untimely response": 37,
            "In progress": 35,
            "Closed": 4,
        }
        mapped = dict(query(warehouse, "SELECT status, count(*) FROM complaints GROUP BY 1"))
        assert mapped == {"resolved": 990, "closed_unresolved": 5598, "open": 35}
        timely = dict(query(warehouse, "SELECT timely_response, count(*) FROM complaints GROUP BY 1"))
        assert timely == {True: 6529, False: 94}
        disputed = dict(query(warehouse, "SELECT consumer_disputed, count(*) FROM complaints GROUP BY 1"))
        assert disputed == {None: 6591, False: 23, True: 9}


def test_the_nyc_mapping_maps_result_wording_beyond_the_2018_export(warehouse, tmp_path):
    """Results seen in DCWP's current export, and code names with wording added after them."""
    results = {
        "Cash Amount - Consumer Restitution from Escrow": "resolved",
        "Requested Information Not Provided": "closed_unresolved",
        "Insufficient Info Received": "closed_unresolved",
        "Referred": "closed_unresolved",
        "Store Credit - SCR": "resolved",
    }
    lines = [
        f"Shop {i},Retail,Exchange Goods/Contract Cancelled - E01,01/0{i + 1}/2024,01/2{i}/2024,"
        f'"{result}",Yes,\n'
        for i, result in enumerate(results)
    ]
    path = tmp_path / "nyc.csv"
    path.write_text(NYC_HEADER + "".join(lines), encoding="utf-8")
    assert cli("etl", "import", path, "--mapping", NYC_MAPPING, "--check").exit_code == 0
    assert cli("etl", "import", path, "--mapping", NYC_MAPPING).exit_code == 0
    rows = dict(query(warehouse, "SELECT source_status, status FROM complaints"))
    assert rows == results
    assert {r[0] for r in query(warehouse, "SELECT category FROM complaints")} == {"cancellation_exchange"}
