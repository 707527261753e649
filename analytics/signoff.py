"""The bureau's sign-off of a school's returns for a year: ``submitted`` (the school says its
returns are complete) → ``approved`` (the bureau accepts them) or ``returned`` (the bureau sends
them back, with a note; the school submits again). One row per school and year in
``reporting_signoffs`` (migration 6); the reporting page shows it beside each school.

Who may do which is decided in ``analytics.auth`` (``submit_returns``, ``approve_returns``),
checked by ``analytics.actions.sign_off`` before it calls ``set_signoff``."""

from __future__ import annotations

import datetime as dt

import duckdb

from analytics import audit, db
from analytics.errors import AnalyticsError, StoreError

STATES = ("submitted", "approved", "returned")
# The state a school's returns must be in before each change (None: never signed off).
ALLOWED_FROM: dict[str, tuple[str | None, ...]] = {
    "submitted": (None, "submitted", "returned"),
    "approved": ("submitted",),
    "returned": ("submitted",),
}


def action_for(status: str) -> str:
    """The ``auth`` action a change to ``status`` needs: the school's submit, else the bureau's."""
    return "submit_returns" if status == "submitted" else "approve_returns"


def set_signoff(
    con: duckdb.DuckDBPyConnection, school_id: str, year: int, status: str, user: str, *,
    note: str | None = None, now: dt.datetime | None = None,
) -> None:
    """Record ``status`` for ``school_id``'s returns of ``year`` by ``user`` (audited, with
    ``note``: why they are returned). Returns are approved or returned only while submitted,
    and submitted again only until approved; a school not on the roster is refused."""
    if status not in STATES:
        raise AnalyticsError("signoff-unknown-state", status=status, known=", ".join(STATES))
    # the full time, so that two changes within one second still change the data version
    now = now or dt.datetime.now()
    try:
        cur = con.cursor()
        if cur.execute("SELECT count(*) FROM schools WHERE school_id = ?", [school_id]).fetchone()[0] == 0:
            raise AnalyticsError("signoff-unknown-school", school=school_id)
        with db.transaction(con) as tx:
            row = tx.execute("SELECT status FROM reporting_signoffs WHERE school_id = ? AND year = ?",
                             [school_id, year]).fetchone()
            current = None if row is None else row[0]
            if current not in ALLOWED_FROM[status]:
                raise AnalyticsError("signoff-already-approved" if current == "approved" else "signoff-not-submitted",
                                     school=school_id, year=year)
            tx.execute("DELETE FROM reporting_signoffs WHERE school_id = ? AND year = ?", [school_id, year])
            tx.execute("INSERT INTO reporting_signoffs (school_id, year, status, changed_by, changed_at) "
                       "VALUES (?, ?, ?, ?, ?)", [school_id, year, status, user, now])
    except duckdb.Error as e:
        raise StoreError("db-write-failed", detail=str(e)) from e
    details = {"school": school_id, "year": year, "status": status}
    if note and note.strip():
        details["note"] = note.strip()
    audit.record(con, user, "signoff", details=details, now=now.replace(microsecond=0))
