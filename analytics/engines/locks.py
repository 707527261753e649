"""The advisory locks a PostgreSQL write takes: keyed on what it touches, so that imports of
different schools run at once and each waits only for writers of the same things.

An import of a sheet (``ingest.load``) takes, in one ascending order of keys (so that two
writers can never wait for each other: no deadlock):

* the **file** key of its content (SHA-256 and sheet), exclusive: two imports of the same
  file at once run one after the other, and the second finds nothing new (one batch);
* for a table with a ``school_id`` column, when the file carries that column: the **school**
  key ``(table, school)`` of every school its rows name and of every school the rows it
  would overwrite have now, exclusive, and the **table** key in shared mode;
* otherwise (a table without school, a file without the school column, a file of more than
  ``MAX_SCHOOL_KEYS`` schools) the **table** key, exclusive: such writes of one table run one
  at a time.

Two imports whose school keys differ can still carry the same student (a key of the table
is not a school): both would count it as new. The upsert reports what it really did
(``RETURNING (xmax = 0)``); when that differs from what was counted, :class:`Overlap` is
raised, the transaction rolls back and the import runs again holding the table key
exclusively, so counts and undo shadows are always those of the committed order. Undo and
redo hold the table key exclusively.

Batch ids are ``max + 1`` as on DuckDB, but a transaction first claims its id with a
try-lock on the **batch** key of that number (never waiting): two imports committing at once
get consecutive ids, and an import that rolls back leaves no gap.

Advisory locks belong to the database, and one database may hold several stores (schemas):
every key names its store (``current_schema()``), so stores never wait for each other.

Migrations keep their own lock, and every other write (sign-offs, settings, the audit log,
a store copy) the one general write key (``db._PG_WRITE_LOCK``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from analytics import schema

SCHOOL_COLUMN = "school_id"
# A file naming more schools than this (a whole region's roster) holds the table instead: one
# lock rather than hundreds, within the server's shared lock table (max_locks_per_transaction).
MAX_SCHOOL_KEYS = 32


class Overlap(Exception):
    """An import's upsert met rows another import of other schools wrote meanwhile: run it
    again holding the whole table (not an error the user sees)."""


def key(*parts: object) -> int:
    """The 64-bit advisory lock key of a name (a stable hash: the same in every process)."""
    text = "\x1f".join("\x00" if p is None else str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def file_key(store: str, sha256: str, sheet: str | None) -> int:
    """The key of one file's content and sheet in ``store`` (a schema)."""
    return key("file", store, sha256, sheet)


def table_key(store: str, table: str) -> int:
    """The key of a whole table."""
    return key("table", store, table)


def school_key(store: str, table: str, school: str | None) -> int:
    """The key of one school's rows of ``table`` (``None``: rows without a school)."""
    return key("school", store, table, school)


def store_of(cur: Any) -> str:
    """The store (schema) a cursor writes to."""
    return cur.execute("SELECT current_schema()").fetchone()[0]


def lock_tag(k: int) -> tuple[int, int]:
    """``(classid, objid)`` under which ``pg_locks`` shows the lock of key ``k``."""
    unsigned = k & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF


def take(cur: Any, exclusive: Iterable[int], shared: Iterable[int] = ()) -> None:
    """Wait for and hold, until the transaction ends, ``exclusive`` and ``shared`` keys, in
    ascending key order (a key in both is taken exclusively)."""
    ex = set(exclusive)
    for k in sorted(ex | set(shared)):
        mode = "" if k in ex else "_shared"
        cur.execute(f"SELECT pg_advisory_xact_lock{mode}(?::BIGINT)", [k])


def lock_table(cur: Any, table: str) -> None:
    """Hold ``table`` exclusively (undo, redo, an import that overlapped another)."""
    take(cur, [table_key(store_of(cur), table)])


def _schools(cur: Any, table: schema.Table) -> set[str | None]:
    """The schools of the staged rows (``_stage``) and of the stored rows they would replace."""
    t = '"' + table.name.replace('"', '""') + '"'
    on = " AND ".join(f't."{k}" = s."{k}"' for k in table.key)
    rows = cur.execute(
        f'SELECT "{SCHOOL_COLUMN}" FROM _stage UNION SELECT t."{SCHOOL_COLUMN}" FROM {t} t JOIN _stage s ON {on}'
    ).fetchall()
    return {r[0] for r in rows}


def lock_import(
    cur: Any, table: schema.Table, sha256: str, sheet: str | None, columns: Iterable[str], *, whole: bool = False
) -> None:
    """Take an import's keys (module doc) once its rows are staged as ``_stage``; ``whole``
    holds the table exclusively. Raises :class:`Overlap` when, by the time the keys are held,
    a row to replace has moved to a school not among them."""
    store = store_of(cur)
    content, whole_table = file_key(store, sha256, sheet), table_key(store, table.name)
    if whole or SCHOOL_COLUMN not in table.column_names or SCHOOL_COLUMN not in set(columns):
        take(cur, [content, whole_table])
        return
    schools = _schools(cur, table)
    if len(schools) > MAX_SCHOOL_KEYS:
        take(cur, [content, whole_table])
        return
    take(cur, [content, *(school_key(store, table.name, s) for s in schools)], shared=[whole_table])
    if not _schools(cur, table) <= schools:
        raise Overlap(table.name)


def next_batch_id(cur: Any) -> int:
    """The id of a new batch: the lowest above every committed one that no open transaction
    has claimed (claimed here with a try-lock held to the end of this transaction)."""
    store = store_of(cur)
    n = cur.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM import_batches").fetchone()[0]
    while True:
        if cur.execute("SELECT pg_try_advisory_xact_lock(?::BIGINT)", [key("batch", store, n)]).fetchone()[0]:
            # a batch that committed after the max above released its claim only then: look again
            if not cur.execute("SELECT count(*) > 0 FROM import_batches WHERE batch_id = ?", [n]).fetchone()[0]:
                return n
        n += 1


def check_upsert(returned: list[tuple], inserted: int, updated: int) -> None:
    """Raise :class:`Overlap` unless the upsert's ``RETURNING (xmax = 0)`` rows say it
    inserted ``inserted`` rows and updated ``updated``, as counted before it."""
    fresh = sum(1 for (new,) in returned if new)
    if (fresh, len(returned) - fresh) != (inserted, updated):
        raise Overlap(f"counted {inserted} new and {updated} changed, wrote {fresh} and {len(returned) - fresh}")
