"""Builds the metric tables after each load: etl/sql/metrics/<table>.sql, one table per file.

Shared macros (_macros.sql) run first, then each file after the tables it declares it reads
(etl/metric_plan.py checks the declarations and orders the files). The dashboard and the extracts
only read the tables. Files run inside the run's new warehouse before it is published.

The definitions live in the SQL. Python only lends it a few numerical functions DuckDB lacks
(distribution tails and quantiles from scipy, a quadratic form with a pseudo-inverse), registered
on the build connection as SQL functions.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats

from etl.metric_plan import metric_plan, shared_files
from etl.progress import Progress, SilentProgress


def metric_files() -> list[Path]:
    """Every file the build runs, in order: the shared macros, then the metric tables."""
    return shared_files() + [metric.path for metric in metric_plan()]


def _array(values: pa.Array) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=float)


def _out(values: np.ndarray) -> pa.Array:
    """NaN (undefined input) becomes SQL NULL."""
    return pa.array(np.asarray(values, dtype=float), from_pandas=True)


def _normal_sf(z: pa.Array) -> pa.Array:
    """Upper tail of the standard normal."""
    return _out(stats.norm.sf(_array(z)))


def _normal_ppf(q: pa.Array) -> pa.Array:
    """Quantile of the standard normal."""
    return _out(stats.norm.ppf(_array(q)))


def _chi2_sf(x: pa.Array, df: pa.Array) -> pa.Array:
    """Upper tail of the chi-squared distribution."""
    x_, df_ = _array(x), _array(df)
    out = np.full(len(x_), np.nan)
    ok = np.isfinite(x_) & (df_ > 0)
    out[ok] = stats.chi2.sf(x_[ok], df_[ok])
    return _out(out)


def _binom_quantile(q: pa.Array, n: pa.Array, p: pa.Array) -> pa.Array:
    """Smallest count k with P(X <= k) >= q for X ~ Binomial(n, p)."""
    return _out(stats.binom.ppf(_array(q), _array(n), _array(p)))


def _quad_form(u: list[float] | None, v: list[float] | None) -> float | None:
    """u' V^- u with V given row-major; the pseudo-inverse handles the singular log-rank matrix."""
    if not u or not v or len(v) != len(u) ** 2 or None in u or None in v:
        return None
    vec = np.asarray(u, dtype=float)
    matrix = np.asarray(v, dtype=float).reshape(len(vec), len(vec))
    return float(vec @ np.linalg.pinv(matrix) @ vec)


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Lend the metric SQL the numerical functions DuckDB does not have."""
    arrow = {"type": "arrow", "side_effects": False, "null_handling": "special"}
    for name, fn, params in (
        ("normal_sf", _normal_sf, ["DOUBLE"]),
        ("normal_ppf", _normal_ppf, ["DOUBLE"]),
        ("chi2_sf", _chi2_sf, ["DOUBLE", "DOUBLE"]),
        ("binom_quantile", _binom_quantile, ["DOUBLE", "DOUBLE", "DOUBLE"]),
    ):
        with contextlib.suppress(duckdb.InvalidInputException):
            con.remove_function(name)
        con.create_function(name, fn, params, "DOUBLE", **arrow)
    with contextlib.suppress(duckdb.InvalidInputException):
        con.remove_function("quad_form")
    con.create_function(
        "quad_form",
        _quad_form,
        ["DOUBLE[]", "DOUBLE[]"],
        "DOUBLE",
        side_effects=False,
        null_handling="special",
    )


def build_metrics(con: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> None:
    progress = progress or SilentProgress()
    files = metric_files()  # checks the declarations before anything runs
    register_functions(con)
    task = progress.task("building metric tables", total=len(files))
    for path in files:
        con.execute(path.read_text(encoding="utf-8"))
        task.advance()
