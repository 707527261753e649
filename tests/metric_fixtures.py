"""Small in-memory databases for metric tests: rows written with plain INSERT ... VALUES.

``make_db()`` opens a migrated in-memory DuckDB; ``insert(con, table, columns, rows)``
writes ``rows`` (tuples in the order of ``columns``) in one statement with bound values.
Columns left out keep their NULL (or SQL default).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import duckdb
import pandas as pd

from analytics import db, schema


def make_db() -> duckdb.DuckDBPyConnection:
    """A fresh migrated store with every canonical table: in memory on DuckDB, a schema of
    its own on PostgreSQL when the test runs on that engine (``conftest.engine``)."""
    from engine_fixtures import store_address

    return db.connect(store_address())


def insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> None:
    """Insert ``rows`` into canonical ``table`` (names checked against the schema)."""
    spec = schema.table(table)
    for c in columns:
        spec.column(c)
    if not rows:
        return
    placeholders = "(" + ", ".join("?" for _ in columns) + ")"
    sql = (
        f"INSERT INTO {db.quote_ident(table)} ({', '.join(db.quote_ident(c) for c in columns)}) "
        f"VALUES {', '.join(placeholders for _ in rows)}"
    )
    con.execute(sql, [v for row in rows for v in row])


def by_group(df: pd.DataFrame, *columns: str) -> dict:
    """``{group: (column values...)}`` of a breakdown frame, missing groups keyed ``None``."""
    cols = columns or ("numerator", "denominator")
    out = {}
    for row in df[["group", *cols]].itertuples(index=False):
        g = None if pd.isna(row[0]) else row[0]
        out[g] = tuple(row[1:])
    return out


def count_calls(monkeypatch, calls: dict[str, int], key: str, owner: object, name: str,
                delay: float = 0.0) -> None:
    """Replace ``owner.name`` for the test by a wrapper that adds each call to ``calls[key]``
    (and first sleeps ``delay`` seconds, so that two callers really overlap)."""
    real = getattr(owner, name)

    def counting(*a, **k):
        calls[key] += 1
        if delay:
            time.sleep(delay)
        return real(*a, **k)

    monkeypatch.setattr(owner, name, counting)
