"""Copy a whole store between engines: a school's DuckDB file to the bureau's PostgreSQL, or a
PostgreSQL database to an offline DuckDB snapshot (``python -m analytics copy``).

Every table goes across — canonical tables, their undo shadows, import batches and rejects,
saved mappings, the audit log, sign-offs — so that undo, the audit trail and re-imports work
on the copy as on the original. Both stores must be at this code's schema version (the
source is opened read-only, the target migrated), the target must be empty, and the copy is
one transaction on the target. Afterwards each table's row count and an order-independent
checksum of its rows are computed on both sides and must agree; otherwise nothing is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from analytics import db, engines
from analytics.engines.scope import scoped
from analytics.errors import StoreError

_SKIP = {"schema_version"}
_MASK = (1 << 128) - 1


@dataclass(frozen=True)
class TableCopy:
    """What one table's copy moved and the checksum both sides agree on."""

    table: str
    rows: int
    checksum: str


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The store's own tables (not its temporary ones), by name."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in _SKIP]


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of ``table`` in their stored order."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _canonical(value: Any) -> str:
    """One value as both engines' drivers return it, in one spelling."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(round(value, 9))
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, (dt.date, int)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    return str(value)


def checksum(con: duckdb.DuckDBPyConnection, table: str, cols: list[str]) -> tuple[int, str]:
    """Rows and an order-independent checksum (sum of the rows' SHA-256, mod 2¹²⁸) of ``table``."""
    idents = ", ".join(db.quote_ident(c) for c in cols)
    rows = con.execute(f"SELECT {idents} FROM {db.quote_ident(table)}").fetchall()
    total = 0
    for row in rows:
        digest = hashlib.sha256("\x1f".join(_canonical(v) for v in row).encode()).digest()
        total = (total + int.from_bytes(digest[:16], "big")) & _MASK
    return len(rows), f"{total:032x}"


def _is_empty(con: duckdb.DuckDBPyConnection, names: list[str]) -> bool:
    return all(
        con.execute(f"SELECT count(*) FROM {db.quote_ident(n)}").fetchone()[0] == 0 for n in names
    )


def _write(target: duckdb.DuckDBPyConnection, cur: Any, table: str, cols: list[str], rows: list[tuple]) -> None:
    data = pa.Table.from_pylist([dict(zip(cols, r)) for r in rows]) if rows else None
    if data is None:
        return
    if engines.engine_of(target) == "postgres":
        from analytics.engines.postgres import copy_into

        # COPY into a temporary twin (row-level security refuses COPY into the table itself),
        # then one INSERT … SELECT: all inside the open transaction
        raw = target.raw()
        idents = ", ".join(db.quote_ident(c) for c in cols)
        cur.native("DROP TABLE IF EXISTS _copy_in")
        cur.native(f"CREATE TEMP TABLE _copy_in (LIKE {db.quote_ident(table)})")
        copy_into(raw, "_copy_in", data)
        cur.native(f"INSERT INTO {db.quote_ident(table)} ({idents}) SELECT {idents} FROM _copy_in")
        cur.native("DROP TABLE _copy_in")
        return
    idents = ", ".join(db.quote_ident(c) for c in cols)
    cur.register("_copy_in", data)
    cur.execute(f"INSERT INTO {db.quote_ident(table)} ({idents}) SELECT {idents} FROM _copy_in")
    cur.unregister("_copy_in")


def _advance_sequences(target: duckdb.DuckDBPyConnection, cur: Any) -> None:
    """The audit log's event ids continue after the copied ones."""
    last = cur.execute("SELECT coalesce(max(event_id), 0) FROM audit_log").fetchone()[0]
    if not last:
        return
    if engines.engine_of(target) == "postgres":
        cur.native(f"SELECT setval('audit_log_seq', {int(last)})")
    else:
        cur.execute("SELECT max(nextval('audit_log_seq')) FROM range(?)", [int(last)])


def copy_store(source: str, target: str) -> list[TableCopy]:
    """Copy every table of ``source`` into the empty store ``target`` (either a DuckDB file or
    a ``postgresql://`` URL) and verify counts and checksums. Raises ``StoreError``
    (``copy-target-not-empty``, ``copy-mismatch``) and leaves the target as it was."""
    src = db.connect(source, read_only=True)
    db.check_version(src)
    dst = db.connect(target)
    try:
        with scoped(None):  # the whole store, every school
            names = tables(src)
            missing = [n for n in names if n not in set(tables(dst))]
            if missing:
                raise StoreError("copy-mismatch", table=missing[0], detail="missing in the target")
            if not _is_empty(dst, names):
                raise StoreError("copy-target-not-empty", path=db.describe(target))
            plan = {n: [c for c in columns(src, n) if c in set(columns(dst, n))] for n in names}
            try:
                with db.transaction(dst) as cur:
                    for name, cols in plan.items():
                        idents = ", ".join(db.quote_ident(c) for c in cols)
                        rows = src.execute(f"SELECT {idents} FROM {db.quote_ident(name)}").fetchall()
                        _write(dst, cur, name, cols, rows)
                    _advance_sequences(dst, cur)
                    out = []
                    for name, cols in plan.items():
                        here, there = checksum(src, name, cols), checksum(cur, name, cols)
                        if here != there:
                            raise StoreError(
                                "copy-mismatch", table=name,
                                detail=f"{here[0]} rows {here[1]} → {there[0]} rows {there[1]}")
                        out.append(TableCopy(name, *here))
            except duckdb.Error as e:
                raise StoreError("db-write-failed", detail=str(e)) from e
        return out
    finally:
        src.close()
        dst.close()
