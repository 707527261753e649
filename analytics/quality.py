"""Data quality per canonical table, for the Data page: rows, years covered, missing
values and orphan references (IDs that point to no row of the table they reference).

Everything comes from ``schema``: the year column of each table (``Table.year_column``),
the value columns, and the ``ref`` of each ID column.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics import db, schema
from analytics.db import quote_ident as q
from analytics.db import year_expression


def table_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per table: table, rows, year_min, year_max, missing_share (empty cells among the
    value columns), orphans (rows whose references point to no known row), orphan_columns."""
    records = []
    for table in schema.TABLES:
        t = q(table.name)
        values = [c for c in table.value_columns if not c.generated]
        year = year_expression(table)
        missing = " + ".join(f"count(*) - count({q(c.name)})" for c in values) or "0"
        (rows, year_min, year_max, empty), = db.rows(
            con, f"SELECT count(*), {f'min({year}), max({year})' if year else 'NULL, NULL'}, {missing} FROM {t}")
        refs = [c for c in table.columns if c.ref]
        orphans, orphan_columns = 0, []
        if refs and rows:
            conds = [
                f"(x.{q(c.name)} IS NOT NULL AND x.{q(c.name)} NOT IN "
                f"(SELECT {q(schema.table(c.ref).key[0])} FROM {q(c.ref)}))"
                for c in refs
            ]
            counts, = db.rows(
                con, f"SELECT count(*) FILTER (WHERE {' OR '.join(conds)}), "
                + ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in conds)
                + f" FROM {t} x")
            orphans = counts[0]
            orphan_columns = [c.name for c, n in zip(refs, counts[1:], strict=True) if n]
        cells = rows * len(values)
        records.append({
            "table": table.name,
            "rows": rows,
            "year_min": year_min,
            "year_max": year_max,
            "missing_share": empty / cells if cells else None,
            "orphans": orphans,
            "orphan_columns": orphan_columns,
        })
    return pd.DataFrame.from_records(records)
