"""CFPB enforcement actions: a small CSV through `storewatch etl cfpb-enforcement` and the real file."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.quarantine_report import NothingLoadedError
from etl.run import run_source
from etl.sources.cfpb_enforcement import CfpbEnforcementSource
from tests.support.realdata import REALDATA

REAL_CSV = REALDATA / "cfpb_enforcement" / "20241106_CFPB_enforcement_actions.csv"
COLUMNS = [
    "Institution",
    "Forum",
    "Court",
    "Docket_number",
    "Initial_filing_date",
    "Status",
    "Products",
    "Civil_money_penalty",
    "Redress_amount",
    "Description",
    "Link",
]
ORDER = "Post Order/Post Judgment"
ACTIONS = [
    # institution, forum, docket, filed, status, products, penalty, redress
    ("Alpha Bank, N.A.", "Administrative Proceeding", "2024-CFPB-0001", "OCT 31, 2024", ORDER, "Deposits",
     "1,500,000", ""),
    ("Beta Lending LLC", "Administrative Proceeding", "2023-CFPB-0002", "JAN 05, 2023", ORDER,
     "Credit Cards, Furnishing", "", "19,800,000"),
    ("Alpha Bank, N.A.", "Civil Action", "1:22-cv-00003", "MAR 15, 2022", ORDER, "Mortgage Servicing",
     "1", ""),
    ("Gamma Servicing Inc.", "Civil Action", "1:24-cv-00004", "SEP 01, 2024", "Pending Litigation",
     "Debt Collection", "", ""),
    ("Delta Credit Union", "Administrative Proceeding", "2024-CFPB-0099", "31/10/2024", ORDER,
     "Deposits", "100,000", ""),
]  # fmt: skip


def write_actions(path: Path, actions: list[tuple[str, ...]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for institution, forum, docket, filed, status, products, penalty, redress in actions:
            link = f"https://www.consumerfinance.gov/enforcement/actions/{docket.lower()}/"
            writer.writerow(
                [institution, forum, "", docket, filed, status, products, penalty, redress, "About it.", link]
            )
    return path


def query(warehouse, sql):
    with warehouse.connect_read_only() as con:
        return con.execute(sql).fetchall()


def test_actions_load_as_penalties_of_their_institutions_and_a_rerun_duplicates_nothing(warehouse, tmp_path):
    path = write_actions(tmp_path / "actions.csv", ACTIONS)
    result = CliRunner().invoke(app, ["etl", "cfpb-enforcement", str(path)])
    assert result.exit_code == 0, result.output
    assert "penalties" in result.output and "warehouse:" in result.output
    penalties = query(
        warehouse,
        "SELECT p.source_record_id, decided_at, fine_amount, fine_currency, sanction_type, authority_type, "
        "authority_name, m.name, m.platform, p.entity_id = m.entity_id, description "
        "FROM penalties p JOIN merchants m USING (merchant_id) ORDER BY decided_at",
    )
    assert penalties == [
        ("1:22-cv-00003", date(2022, 3, 15), Decimal("1.00"), "USD", "fine", "regulator", "CFPB",
         "Alpha Bank, N.A.", "cfpb", True, "Civil Action 1:22-cv-00003; Post Order/Post Judgment; "
         "redress: not published"),
        ("2023-CFPB-0002", date(2023, 1, 5), None, "USD", "fine", "regulator", "CFPB", "Beta Lending LLC",
         "cfpb", True, "Administrative Proceeding 2023-CFPB-0002; Post Order/Post Judgment; "
         "redress: $19,800,000"),
        ("2024-CFPB-0001", date(2024, 10, 31), Decimal("1500000.00"), "USD", "fine", "regulator", "CFPB",
         "Alpha Bank, N.A.", "cfpb", True, "Administrative Proceeding 2024-CFPB-0001; "
         "Post Order/Post Judgment; redress: not published"),
    ]  # fmt: skip
    # one store and one legal entity per institution; the pending action's institution has neither
    assert query(warehouse, "SELECT name FROM merchants ORDER BY name") == [
        ("Alpha Bank, N.A.",),
        ("Beta Lending LLC",),
    ]
    assert query(warehouse, "SELECT count(*) FROM entities") == [(2,)]
    assert query(warehouse, "SELECT source_record_id, column_name, reason FROM quarantine") == [
        ("2024-CFPB-0099", "decided_at", "unreadable filing date '31/10/2024'")
    ]
    # complete up to the end of the last action's day
    assert query(warehouse, "SELECT as_of FROM sources") == [(datetime(2024, 10, 31, 23, 59, 59),)]
    [(params,)] = query(warehouse, "SELECT params->>'file' FROM etl_runs")
    assert params == str(path)

    again = run_source(CfpbEnforcementSource(path), warehouse=warehouse)
    assert again.total("inserted") == 0 and again.total("updated") == 0
    assert again.total("unchanged") == 3 + 2 + 2  # penalties, stores, entities
    assert again.counts["penalties"].quarantined == 1
    assert query(warehouse, "SELECT count(*), count(DISTINCT source_record_id) FROM penalties") == [(3, 3)]
    assert query(warehouse, "SELECT count(*) FROM quarantine") == [(1,)]  # met again, kept once


def test_a_file_without_a_single_penalty_fails_and_publishes_nothing(warehouse, tmp_path):
    path = write_actions(tmp_path / "pending.csv", [ACTIONS[3], ACTIONS[4]])
    with pytest.raises(NothingLoadedError) as failure:
        run_source(CfpbEnforcementSource(path), warehouse=warehouse)
    assert str(failure.value).startswith("nothing loaded into penalties: every record was quarantined.")
    assert warehouse.current_path() is None
    assert warehouse.journal()[-1].status == "failed"
    result = CliRunner().invoke(app, ["etl", "cfpb-enforcement", str(path)])
    assert result.exit_code == 1
    assert "run failed, the warehouse is unchanged: nothing loaded into penalties" in " ".join(
        result.output.split()
    )


@pytest.mark.realdata
@pytest.mark.skipif(
    not REAL_CSV.exists(), reason=f"the real CFPB enforcement CSV is not present at {REAL_CSV}"
)
def test_the_real_file_loads_every_order_with_its_published_penalty(warehouse):
    result = run_source(CfpbEnforcementSource(REAL_CSV), warehouse=warehouse)
    # 70 actions: 19 still in litigation; 51 orders or judgments, 41 of them with a civil money
    # penalty, against 45 institutions (counted from the file with the csv module)
    assert result.counts["penalties"].inserted == 51
    assert result.counts["penalties"].quarantined == 0
    assert result.counts["merchants"].inserted == 45 == result.counts["entities"].inserted
    assert query(warehouse, "SELECT count(fine_amount), sum(fine_amount) FROM penalties") == [
        (41, Decimal("2277020001.00"))
    ]
    assert query(
        warehouse,
        "SELECT fine_amount, decided_at, m.name FROM penalties p JOIN merchants m USING (merchant_id) "
        "WHERE p.source_record_id = '2024-CFPB-0011'",
    ) == [(Decimal("45000000.00"), date(2024, 10, 23), "Goldman Sachs Bank USA")]
    assert query(warehouse, "SELECT min(decided_at), max(decided_at) FROM penalties") == [
        (date(2022, 3, 30), date(2024, 10, 31))
    ]
