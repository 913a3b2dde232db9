import duckdb

from etl.schema import current_version, latest_version, migrate, migrations, prepare

FACT_TABLES = ["entities", "merchants", "merchant_volume", "complaints", "penalties"]
PROVENANCE = {"source_id", "source_record_id", "fetched_at", "raw_hash", "run_id"}


def test_migrate_creates_every_table_and_records_the_version(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    applied = migrate(con)
    assert applied == [version for version, _, _ in migrations()]
    assert current_version(con) == latest_version()
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    expected = {
        "sources",
        "etl_runs",
        "quarantine",
        "planted_effects",
        "schema_migrations",
        "complaint_categories",
        "violation_types",
        "sanction_scale",
        *FACT_TABLES,
    }
    assert expected <= tables


def test_migrate_twice_applies_nothing_the_second_time(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    prepare(con)
    assert prepare(con) == []
    assert con.execute("SELECT count(*) FROM sanction_scale").fetchone()[0] == 7


def test_every_fact_table_carries_provenance(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    for table in FACT_TABLES:
        columns = {
            row[0]
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        }
        assert columns >= PROVENANCE, table


def test_sanction_scale_is_ordinal_from_warning_to_closure(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    prepare(con)
    order = [
        row[0] for row in con.execute("SELECT sanction_type FROM sanction_scale ORDER BY severity").fetchall()
    ]
    assert order == [
        "warning",
        "point_deduction",
        "demotion",
        "listing_removal",
        "fine",
        "suspension",
        "closure",
    ]


def test_a_migration_numbered_below_one_already_applied_is_still_applied(tmp_path):
    """Branches number migrations in parallel: one merged later with a lower number must still run."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    last = migrations()[-1][0]
    con.execute("DELETE FROM schema_migrations WHERE version = 2")
    assert migrate(con) == [2]
    assert current_version(con) == last
