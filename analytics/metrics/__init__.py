"""Metrics of SPEC §3, one module per area.

Every function takes ``(con, filters, settings, ...)``: a DuckDB connection, the global
:class:`analytics.filters.Filters` and the :class:`analytics.config.Settings`. All
aggregation happens in DuckDB; rates come back as :class:`analytics.stats.Rate` or as
frames with numerator, denominator, Wilson interval and ``small_n`` columns.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.errors import StoreError


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one read query on its own cursor; a DuckDB failure becomes ``StoreError("query-failed")``."""
    try:
        return con.cursor().execute(sql, params or []).df()
    except duckdb.Error as e:
        raise StoreError("query-failed", detail=str(e)) from e


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Like :func:`query`, as plain Python tuples (for single figures that go into JSON)."""
    try:
        return con.cursor().execute(sql, params or []).fetchall()
    except duckdb.Error as e:
        raise StoreError("query-failed", detail=str(e)) from e
