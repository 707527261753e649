"""Write a validated sheet into its table in one transaction, and undo it later.

A load stages the normalised rows from a registered Arrow table, then upserts by the
table's natural key: rows whose key is new are inserted, rows whose values differ are
updated (their previous version kept in ``_prev_<table>`` for undo), identical rows are
left alone, so re-importing the same file changes nothing. Only the columns the file
provides are compared and written: a file without a salary column never erases salaries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from analytics import engines, schema
from analytics.engines import locks
from analytics.db import BATCH_COLUMN, REPLACED_BY, prev_table, quote_ident, transaction, undone_table
from analytics.errors import StoreError, UndoError

_ARROW_TYPES = {
    "id": pa.string(),
    "text": pa.string(),
    "enum": pa.string(),
    "int": pa.int32(),
    "number": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}


# The rejected cells of a sheet as ``load_rows`` stores them (``import_rejects`` less its batch).
REJECTS_SCHEMA = pa.schema([
    ("row_number", pa.int64()), ("column_name", pa.string()), ("original_value", pa.string()),
    ("code", pa.string()), ("message_zh", pa.string()), ("message_en", pa.string()),
    ("original_row", pa.string()), ("sheet", pa.string()), ("row_key", pa.string()),
])


@dataclass(frozen=True)
class Rejects:
    """The rejected cells of a sheet: how many, and their records (:data:`REJECTS_SCHEMA`) made a
    chunk at a time while the store reads them (``batches()`` starts again from the first), so a
    sheet rejected in every row is never held whole in memory as records (300,000 cells: the
    insert's peak 531 -> 346 MB, a probe)."""

    count: int
    batches: Callable[[], Iterator[pa.RecordBatch]]

    def reader(self, batch_id: int) -> pa.RecordBatchReader:
        """The records with their batch, as the store reads them."""
        schema = REJECTS_SCHEMA.append(pa.field("batch_id", pa.int64()))
        return pa.RecordBatchReader.from_batches(schema, (
            pa.RecordBatch.from_arrays([*b.columns, pa.repeat(pa.scalar(batch_id, pa.int64()), b.num_rows)],
                                       schema=schema)
            for b in self.batches()))


NO_REJECTS = Rejects(0, lambda: iter(()))


@dataclass(frozen=True)
class LoadCounts:
    batch_id: int | None
    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class BatchRecord:
    """What ``import_batches`` keeps about one loaded sheet."""

    file_name: str
    sha256: str
    sheet: str | None
    table: str
    rows_read: int
    rows_rejected: int
    mapping: dict[str, Any]
    constants: dict[str, Any]
    warnings: list[dict[str, Any]]


def to_arrow(frame: pd.DataFrame, table: schema.Table) -> pa.Table:
    """Typed Arrow table of the canonical columns present in ``frame``."""
    arrays, fields = [], []
    for col in table.columns:
        if col.name not in frame.columns:
            continue
        arrays.append(pa.array(frame[col.name], type=_ARROW_TYPES[col.kind], from_pandas=True))
        fields.append(pa.field(col.name, _ARROW_TYPES[col.kind]))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _next_batch_id(cur: duckdb.DuckDBPyConnection) -> int:
    if engines.engine_of(cur) == "postgres":  # several imports may be open at once
        return locks.next_batch_id(cur)
    return cur.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM import_batches").fetchone()[0]


def load_rows(
    con: duckdb.DuckDBPyConnection,
    table: schema.Table,
    rows: pd.DataFrame,
    record: BatchRecord,
    rejects: Rejects = NO_REJECTS,
    *,
    dry_run: bool = False,
) -> LoadCounts:
    """Upsert ``rows`` (canonical, typed, keys unique) and record the batch, all or nothing.

    ``rejects``: the sheet's rejected cells, stored with the batch. When nothing would change and
    nothing was rejected, no batch is recorded and the database is left untouched. ``dry_run``
    counts and writes nothing. On PostgreSQL an import that met another one's rows is run again
    holding the whole table (``engines.locks``).
    """
    try:
        return _load(con, table, rows, record, rejects, dry_run=dry_run, whole=False)
    except locks.Overlap:
        return _load(con, table, rows, record, rejects, dry_run=dry_run, whole=True)


def _load(
    con: duckdb.DuckDBPyConnection, table: schema.Table, rows: pd.DataFrame, record: BatchRecord,
    rejects: Rejects, *, dry_run: bool, whole: bool,
) -> LoadCounts:
    """``load_rows`` once; on PostgreSQL under the locks of ``engines.locks.lock_import``."""
    data = to_arrow(rows, table)
    present = [c for c in table.column_names if c in rows.columns]
    keys = list(table.key)
    values = [c for c in present if c not in keys]
    t = quote_ident(table.name)
    on = " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in keys)
    differs = " OR ".join(f"t.{quote_ident(c)} IS DISTINCT FROM s.{quote_ident(c)}" for c in values)
    differs = f"({differs})" if differs else "FALSE"
    pg = engines.engine_of(con) == "postgres"
    # what the load stages, dropped before it commits (DuckDB: the registered Arrow table, and
    # the temporary tables below)
    unstage = ["DROP TABLE _stage"] if pg else ["DROP VIEW _stage", "DROP TABLE _met"]
    stored = [*table.column_names, BATCH_COLUMN]
    try:
        with transaction(con, keyed=True) as cur:
            # PostgreSQL: COPY into a temporary table (psycopg 3, CSV written by Arrow). DuckDB
            # scans the Arrow table where it is, with no copy into a temporary table first.
            cur.register("_stage", data.select(present))
            if pg:
                locks.lock_import(cur, table, record.sha256, record.sheet, present, whole=whole)
            # One join counts both: a staged row meets at most one stored row (keys are unique on
            # both sides), so the rows it does not meet are the new ones.
            if pg:
                matched, updated = cur.execute(
                    f"SELECT count(*), coalesce(sum(CASE WHEN {differs} THEN 1 ELSE 0 END), 0) "
                    f"FROM _stage s JOIN {t} t ON {on}"
                ).fetchall()[0]
            else:
                # DuckDB: that join's result kept (the keys that met a stored row, and whether the
                # row changes it), so the writes below need not join the whole staged file to the
                # whole stored table again (a mostly new 1M-row file into a 1M-row table: load
                # 0.77 s -> 0.57 s; the same file again: 0.19 s -> 0.23 s)
                met = ", ".join(f"s.{quote_ident(k)}" for k in keys)
                cur.execute(f"CREATE TEMP TABLE _met AS SELECT {met}, {differs} AS changed "
                            f"FROM _stage s JOIN {t} t ON {on}")
                matched, updated = cur.execute(
                    "SELECT count(*), count(*) FILTER (WHERE changed) FROM _met").fetchall()[0]
            matched, updated = int(matched), int(updated)
            inserted = len(rows) - matched
            unchanged = matched - updated
            # Nothing new: no batch. Rejected rows alone make one, unless a live batch already
            # recorded this very content (the same file imported again changes nothing).
            nothing = inserted == 0 and updated == 0 and (
                rejects.count == 0 or _loaded_before(cur, record.sha256, record.sheet))
            if dry_run or nothing:
                for statement in unstage:
                    cur.execute(statement)
                return LoadCounts(None, inserted, updated, unchanged)
            batch = _next_batch_id(cur)
            met_on = " AND ".join(f"m.{quote_ident(k)} = s.{quote_ident(k)}" for k in keys)
            changing = "_stage s"  # the staged rows that change a stored row (and others, on PostgreSQL)
            if updated and not pg:
                cur.execute(f"CREATE TEMP TABLE _changed AS SELECT s.* FROM _stage s "
                            f"SEMI JOIN _met m ON {met_on} AND m.changed")
                changing = "_changed s"
                unstage.append("DROP TABLE _changed")
            if updated:
                keep = ", ".join(quote_ident(c) for c in stored)
                cur.execute(
                    f"INSERT INTO {quote_ident(prev_table(table.name))} ({keep}, {REPLACED_BY}) "
                    f"SELECT {', '.join(f't.{quote_ident(c)}' for c in stored)}, ? "
                    f"FROM {t} t JOIN {changing} ON {on} WHERE {differs}",
                    [batch],
                )
            defaults = [c for c in table.columns if c.default is not None and c.name not in present]
            new_cols = ", ".join(quote_ident(c) for c in (*present, *(d.name for d in defaults), BATCH_COLUMN))
            new_vals = ", ".join([*(f"s.{quote_ident(c)}" for c in present), *("?" for _ in defaults), "?"])
            new_params = [*(d.default for d in defaults), batch]
            sets = ", ".join(f"{quote_ident(c)} = s.{quote_ident(c)}" for c in values)
            if pg and (inserted or updated):
                # one upsert: new keys inserted, changed rows updated (the key is unique there)
                excluded = ", ".join(
                    [*(f"{quote_ident(c)} = excluded.{quote_ident(c)}" for c in values),
                     f"{BATCH_COLUMN} = excluded.{BATCH_COLUMN}"])
                changed = " OR ".join(
                    f"t.{quote_ident(c)} IS DISTINCT FROM excluded.{quote_ident(c)}" for c in values
                ) or "FALSE"
                returned = cur.execute(
                    f"INSERT INTO {t} AS t ({new_cols}) SELECT {new_vals} FROM _stage s "
                    f"ON CONFLICT ({', '.join(quote_ident(k) for k in keys)}) "
                    f"DO UPDATE SET {excluded} WHERE {changed} RETURNING (xmax = 0)",
                    new_params,
                ).fetchall()
                locks.check_upsert(returned, inserted, updated)  # what it did is what was counted
            else:
                if updated:
                    cur.execute(
                        f"UPDATE {t} AS t SET {sets}, {BATCH_COLUMN} = ? FROM {changing} "
                        f"WHERE {on} AND {differs}",
                        [batch],
                    )
                if inserted:
                    # Into a table that holds none of these keys, every staged row is new.
                    anti = f" ANTI JOIN _met m ON {met_on}" if matched else ""
                    cur.execute(f"INSERT INTO {t} ({new_cols}) SELECT {new_vals} FROM _stage s{anti}", new_params)
            for statement in unstage:
                cur.execute(statement)
            cur.execute(
                """
                INSERT INTO import_batches (batch_id, imported_at, file_name, sha256, sheet,
                  target_table, rows_read, rows_inserted, rows_updated, rows_unchanged,
                  rows_rejected, warnings, mapping, constants, issues)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    batch,
                    datetime.now().replace(microsecond=0),
                    record.file_name,
                    record.sha256,
                    record.sheet,
                    table.name,
                    record.rows_read,
                    inserted,
                    updated,
                    unchanged,
                    record.rows_rejected,
                    len(record.warnings),
                    json.dumps(record.mapping, ensure_ascii=False),
                    json.dumps(record.constants, ensure_ascii=False, default=str),
                    json.dumps(record.warnings, ensure_ascii=False, default=str),
                ],
            )
            if rejects.count:
                # Arrow made as it is read (PostgreSQL: copied whole), not a pandas frame: DuckDB's
                # scan of a frame's text columns held a copy of each (100,000 rejected cells: 270 MB)
                records = rejects.reader(batch)
                cur.register("_rejects", records.read_all() if pg else records)
                names = ", ".join(quote_ident(str(c)) for c in records.schema.names)
                cur.execute(f"INSERT INTO import_rejects ({names}) SELECT {names} FROM _rejects")
                cur.unregister("_rejects")
    except duckdb.Error as e:
        raise StoreError("db-write-failed", detail=str(e)) from e
    return LoadCounts(batch, inserted, updated, unchanged)


def undo_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict[str, int]:
    """Remove what ``batch_id`` inserted and restore what it overwrote, in one transaction.

    Refused (``UndoError``) for an unknown or already undone batch, and when a later
    batch overwrote rows of this one: undo that batch first, so history stays consistent.
    Returns ``{"removed": n, "restored": m}``.
    """
    try:
        with transaction(con, keyed=True) as cur:
            row = _locked_batch(cur, "target_table, status", batch_id)
            if row is None:
                raise UndoError("undo-unknown-batch", batch=batch_id)
            if row[1] == "undone":
                raise UndoError("undo-already-undone", batch=batch_id)
            name = row[0]
            t = quote_ident(name)
            prev = quote_ident(prev_table(name))
            later = cur.execute(
                f"SELECT min({REPLACED_BY}) FROM {prev} WHERE {BATCH_COLUMN} = ? "
                f"AND {REPLACED_BY} <> ?",
                [batch_id, batch_id],
            ).fetchone()[0]
            if later is not None:
                raise UndoError("undo-later-batch", batch=batch_id, later=later)
            removed = cur.execute(
                f"SELECT count(*) FROM {t} WHERE {BATCH_COLUMN} = ?", [batch_id]
            ).fetchone()[0]
            stored = ", ".join(quote_ident(c) for c in (*schema.table(name).column_names, BATCH_COLUMN))
            cur.execute(  # kept for redo
                f"INSERT INTO {quote_ident(undone_table(name))} ({stored}) SELECT {stored} FROM {t} "
                f"WHERE {BATCH_COLUMN} = ?",
                [batch_id],
            )
            cur.execute(f"DELETE FROM {t} WHERE {BATCH_COLUMN} = ?", [batch_id])
            restored = cur.execute(
                f"SELECT count(*) FROM {prev} WHERE {REPLACED_BY} = ?", [batch_id]
            ).fetchone()[0]
            cols = ", ".join(
                quote_ident(c) for c in (*schema.table(name).column_names, BATCH_COLUMN)
            )
            cur.execute(
                f"INSERT INTO {t} ({cols}) SELECT {cols} FROM {prev} WHERE {REPLACED_BY} = ?",
                [batch_id],
            )
            cur.execute(f"DELETE FROM {prev} WHERE {REPLACED_BY} = ?", [batch_id])
            cur.execute(
                "UPDATE import_batches SET status = 'undone', undone_at = ? WHERE batch_id = ?",
                [datetime.now().replace(microsecond=0), batch_id],
            )
    except duckdb.Error as e:
        raise StoreError("db-write-failed", detail=str(e)) from e
    return {"removed": removed - restored, "restored": restored}


def redo_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict[str, int]:
    """Apply an undone batch again, in one transaction: its rows (kept by ``undo_batch``) go back
    into the table, the rows they had replaced back into the undo shadow, so the batch can be
    undone again exactly as before.

    Refused (``UndoError``) for an unknown batch or one that is not undone, one undone before
    redo existed (its rows were not kept), and when a later batch wrote rows with the same keys
    since: undo that batch first. Returns ``{"inserted": n, "replaced": m}``.
    """
    try:
        with transaction(con, keyed=True) as cur:
            row = _locked_batch(cur, "target_table, status, rows_inserted + rows_updated", batch_id)
            if row is None:
                raise UndoError("undo-unknown-batch", batch=batch_id)
            if row[1] != "undone":
                raise UndoError("redo-not-undone", batch=batch_id)
            name = row[0]
            t, u = quote_ident(name), quote_ident(undone_table(name))
            prev = quote_ident(prev_table(name))
            kept = cur.execute(f"SELECT count(*) FROM {u} WHERE {BATCH_COLUMN} = ?", [batch_id]).fetchone()[0]
            if kept == 0 and row[2] > 0:
                raise UndoError("redo-not-kept", batch=batch_id)
            on = " AND ".join(f"t.{quote_ident(k)} = u.{quote_ident(k)}" for k in schema.table(name).key)
            mine = f"SELECT 1 FROM {u} u WHERE u.{BATCH_COLUMN} = ? AND {on}"
            later = cur.execute(
                f"SELECT min(t.{BATCH_COLUMN}) FROM {t} t WHERE t.{BATCH_COLUMN} > ? AND EXISTS ({mine})",
                [batch_id, batch_id],
            ).fetchone()[0]
            if later is not None:
                raise UndoError("redo-later-batch", batch=batch_id, later=later)
            names = (*schema.table(name).column_names, BATCH_COLUMN)
            stored = ", ".join(quote_ident(c) for c in names)
            replaced = cur.execute(
                f"INSERT INTO {prev} ({stored}, {REPLACED_BY}) "
                f"SELECT {', '.join(f't.{quote_ident(c)}' for c in names)}, ? FROM {t} t WHERE EXISTS ({mine})",
                [batch_id, batch_id],
            ).fetchone()[0]
            cur.execute(f"DELETE FROM {t} t WHERE EXISTS ({mine})", [batch_id])
            cur.execute(f"INSERT INTO {t} ({stored}) SELECT {stored} FROM {u} WHERE {BATCH_COLUMN} = ?", [batch_id])
            cur.execute(f"DELETE FROM {u} WHERE {BATCH_COLUMN} = ?", [batch_id])
            cur.execute("UPDATE import_batches SET status = 'loaded', undone_at = NULL WHERE batch_id = ?",
                        [batch_id])
    except duckdb.Error as e:
        raise StoreError("db-write-failed", detail=str(e)) from e
    return {"inserted": kept - replaced, "replaced": replaced}


def _locked_batch(cur: duckdb.DuckDBPyConnection, columns: str, batch_id: int) -> tuple | None:
    """``columns`` of ``import_batches`` for ``batch_id``, read (on PostgreSQL) once its table
    is held exclusively, so that no import or other undo of that table runs meanwhile."""
    sql = f"SELECT {columns} FROM import_batches WHERE batch_id = ?"
    if engines.engine_of(cur) == "postgres":
        row = cur.execute("SELECT target_table FROM import_batches WHERE batch_id = ?", [batch_id]).fetchone()
        if row is None:
            return None
        locks.lock_table(cur, row[0])
    return cur.execute(sql, [batch_id]).fetchone()


def list_batches(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> pd.DataFrame:
    """Import history, newest first."""
    sql = (
        "SELECT batch_id, imported_at, file_name, sheet, target_table, rows_read, rows_inserted, "
        "rows_updated, rows_unchanged, rows_rejected, warnings, status, undone_at, sha256, mapping, "
        "constants FROM import_batches ORDER BY batch_id DESC"
    )
    params: list[Any] = []
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return con.cursor().execute(sql, params).df()


def batch_rejects(con: duckdb.DuckDBPyConnection, batch_id: int) -> pd.DataFrame:
    """Rejected cells of one batch, in spreadsheet row order."""
    return (
        con.cursor()
        .execute(
            "SELECT row_number, column_name, original_value, code, message_zh, message_en, "
            "original_row FROM import_rejects WHERE batch_id = ? ORDER BY row_number, column_name",
            [batch_id],
        )
        .df()
    )


def rows_to_correct(rejects: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rejected rows of a batch as they were uploaded, one per spreadsheet row, under their
    original headers and in their original order, with a last column saying what to correct.

    A user corrects the cells and imports the file again: the extra column is one the importer
    does not map (it says so and goes on). Blank cells stay blank (never "nan" or "None").
    ``rejects`` is :func:`batch_rejects`' frame.
    """
    from analytics.i18n import t

    problem = t("rejects.correct-column", lang)
    if rejects.empty:
        return pd.DataFrame({problem: pd.Series(dtype=object)})
    message = "message_zh" if lang == "zh" else "message_en"
    records: dict[int, dict[str, object]] = {}
    problems: dict[int, list[str]] = {}
    headers: dict[str, None] = {}  # every header in first-seen order
    for row in rejects.itertuples(index=False):
        if pd.isna(row.row_number):
            continue  # a problem of the whole sheet, not of one row
        number = int(row.row_number)
        if number not in records:
            record = json.loads(row.original_row) if isinstance(row.original_row, str) else {}
            records[number] = record
            headers.update(dict.fromkeys(record))
        where = f"{row.column_name}: " if isinstance(row.column_name, str) and row.column_name else ""
        problems.setdefault(number, []).append(where + str(getattr(row, message)))

    def cell(value: object) -> object:
        return "" if value is None or (isinstance(value, float) and value != value) else value

    if not records:
        return pd.DataFrame({problem: pd.Series(dtype=object)})
    frame = pd.DataFrame([[cell(records[n].get(h)) for h in headers] for n in records],
                         columns=list(headers), dtype=object)
    frame[problem if problem not in headers else f"{problem} "] = ["；".join(problems[n]) if lang == "zh"
                                                                  else "; ".join(problems[n]) for n in records]
    return frame


def _loaded_before(cur: duckdb.DuckDBPyConnection, sha256: str, sheet: str | None) -> bool:
    return cur.execute(
        "SELECT count(*) > 0 FROM import_batches WHERE sha256 = ? AND sheet IS NOT DISTINCT FROM ? "
        "AND status = 'loaded'",
        [sha256, sheet],
    ).fetchone()[0]


def previous_load(con: duckdb.DuckDBPyConnection, sha256: str, sheet: str | None) -> int | None:
    """The latest live batch that loaded the same file content and sheet, if any."""
    row = con.cursor().execute(
        "SELECT max(batch_id) FROM import_batches WHERE sha256 = ? AND sheet IS NOT DISTINCT FROM ? "
        "AND status = 'loaded'",
        [sha256, sheet],
    ).fetchone()
    return row[0]
