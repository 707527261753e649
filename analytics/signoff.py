"""The bureau's sign-off of a school's returns for a year: ``submitted`` (the school says its
returns are complete) → ``approved`` (the bureau accepts them). One row per school and year
in ``reporting_signoffs`` (migration 6); the reporting page shows it beside each school."""

from __future__ import annotations

import datetime as dt

import duckdb

from analytics import audit, db
from analytics.errors import AnalyticsError, StoreError

STATES = ("submitted", "approved")


def set_signoff(
    con: duckdb.DuckDBPyConnection, school_id: str, year: int, status: str, user: str, *,
    now: dt.datetime | None = None,
) -> None:
    """Record ``status`` for ``school_id``'s returns of ``year`` by ``user`` (audited). A year
    is approved only after it was submitted; a school not on the roster is refused."""
    if status not in STATES:
        raise AnalyticsError("signoff-unknown-state", status=status, known=", ".join(STATES))
    now = (now or dt.datetime.now()).replace(microsecond=0)
    try:
        cur = con.cursor()
        if cur.execute("SELECT count(*) FROM schools WHERE school_id = ?", [school_id]).fetchone()[0] == 0:
            raise AnalyticsError("signoff-unknown-school", school=school_id)
        row = cur.execute("SELECT status FROM reporting_signoffs WHERE school_id = ? AND year = ?",
                          [school_id, year]).fetchone()
        if status == "approved" and row is None:
            raise AnalyticsError("signoff-not-submitted", school=school_id, year=year)
        with db.transaction(con) as tx:
            tx.execute("DELETE FROM reporting_signoffs WHERE school_id = ? AND year = ?", [school_id, year])
            tx.execute("INSERT INTO reporting_signoffs (school_id, year, status, changed_by, changed_at) "
                       "VALUES (?, ?, ?, ?, ?)", [school_id, year, status, user, now])
    except duckdb.Error as e:
        raise StoreError("db-write-failed", detail=str(e)) from e
    audit.record(con, user, "signoff", details={"school": school_id, "year": year, "status": status}, now=now)
