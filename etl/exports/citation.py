"""Where an extract's rows came from: the warehouse's sources, a citation line and a file name."""

from __future__ import annotations

import re
from datetime import date

import duckdb

from etl.exports.catalogue import Dataset, Filters


def provenance(con: duckdb.DuckDBPyConnection) -> dict:
    rows = con.execute(
        "SELECT source_id, name, publisher, licence, is_synthetic, as_of FROM sources ORDER BY source_id"
    ).fetchall()
    as_of = max((r[5] for r in rows if r[5] is not None), default=None)
    return {
        "as_of": as_of.date().isoformat() if as_of else "unknown",
        "sources": [
            {
                "id": r[0],
                "name": r[1],
                "publisher": r[2],
                "licence": r[3],
                "synthetic": bool(r[4]),
                "as_of": r[5].date().isoformat() if r[5] else "unknown",
            }
            for r in rows
        ],
        "synthetic": any(r[4] for r in rows),
    }


def citation(dataset: Dataset, filters: Filters, con: duckdb.DuckDBPyConnection, retrieved: date) -> str:
    """A citation line naming the extract, its filters, sources and as-of date."""
    prov = provenance(con)
    sources = "; ".join(
        f"{s['name']} ({s['publisher']}{', synthetic' if s['synthetic'] else ''}, as of {s['as_of']})"
        for s in prov["sources"]
    )
    return (
        f"Storewatch, “{dataset.title_en}” extract ({filters.describe()}), data as of {prov['as_of']}. "
        f"Sources: {sources}. {synthetic_note(prov)}{basis_note(con)}Retrieved {retrieved.isoformat()}."
    )


def basis_note(con: duckdb.DuckDBPyConnection) -> str:
    """What each source does not publish, so an empty cell is read as "not published", never as 0."""
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {"source_facts", "basis_facts"} <= tables:
        return ""  # a warehouse built before sources declared what they publish
    rows = con.execute(
        """
        SELECT s.name, string_agg(b.label_en, ', ' ORDER BY b.fact)
        FROM sources s
        CROSS JOIN basis_facts b
        LEFT JOIN source_facts f ON f.source_id = s.source_id AND f.fact = b.fact
        WHERE NOT coalesce(f.published, false)
        GROUP BY s.name ORDER BY s.name
        """
    ).fetchall()
    if not rows:
        return ""
    silent = "; ".join(f"{name} does not publish {facts}" for name, facts in rows)
    return f"Not available (an empty cell means not published, not zero): {silent}. "


def synthetic_note(prov: dict) -> str:
    """What the extract says about synthetic records: all of them, or which sources mix with real ones."""
    synthetic = [s["id"] for s in prov["sources"] if s["synthetic"]]
    real = [s["id"] for s in prov["sources"] if not s["synthetic"]]
    if synthetic and real:
        return (
            f"This warehouse mixes synthetic example records (source {', '.join(synthetic)}) with real "
            f"records (source {', '.join(real)}); the source columns say which each row is. "
        )
    if synthetic:
        return "Every record is synthetic: no store, company, complaint or penalty in it is real. "
    return ""


def file_stem(dataset: Dataset, as_of: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"storewatch_{dataset.name}_asof_{as_of}")
