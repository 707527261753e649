"""The day a store's deadlines are judged on: its "today".

Agreements expiring, actions overdue and the pace of teachers' enterprise practice depend
on the date. A live store is judged on the calendar date. A *snapshot* store — the demo
data, or an archived copy of a past school year — records the day it describes
(``store_info`` row ``snapshot_date``, migration 4) and is judged on that day, so its
story does not change with the clock and a decision recorded in it is dated that day.

``today(con)`` is the one place that answers "what day is it for this store".
"""

from __future__ import annotations

import datetime as dt

import duckdb

from analytics import db
from analytics.errors import StoreError

SNAPSHOT_KEY = "snapshot_date"


def snapshot_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The day a snapshot store describes, or ``None`` for a live store."""
    found = db.rows(con, "SELECT value FROM store_info WHERE name = ?", [SNAPSHOT_KEY])
    return dt.date.fromisoformat(found[0][0]) if found else None


def set_snapshot_date(con: duckdb.DuckDBPyConnection, day: dt.date | None) -> None:
    """Make the store a snapshot of ``day`` (``None``: a live store, judged on the calendar date)."""
    try:
        with db.transaction(con) as cur:
            cur.execute("DELETE FROM store_info WHERE name = ?", [SNAPSHOT_KEY])
            if day is not None:
                cur.execute("INSERT INTO store_info (name, value) VALUES (?, ?)", [SNAPSHOT_KEY, day.isoformat()])
    except duckdb.Error as e:
        raise StoreError("db-write-failed", detail=str(e)) from e


def today(con: duckdb.DuckDBPyConnection, given: dt.date | None = None) -> dt.date:
    """The store's today: ``given`` (tests, a meeting date chosen on screen), else the
    snapshot date, else the calendar date."""
    if given is not None:
        return given
    return snapshot_date(con) or dt.date.today()
