"""The audit log: who signed in (or failed to), imported, undid, exported or changed users, and when.

One row per event in ``audit_log`` (migration 3): time, user name, action, success,
the client address when known and a JSON object of details. Rows are only ever
added; the admin page reads them through ``query_audit`` with filters.

Actions (``ACTIONS``): ``login``, ``logout``, ``session_expired``, ``import``, ``undo``, ``redo``,
``export`` (report, research, aggregate or a page table), ``user_change`` (add, remove,
password, from the command line or an admin page), ``decision`` (an action of the leadership
group recorded, closed, dropped or reopened; its undo is an ``undo``) and ``denied`` (an
action refused by the role check). Details never hold a password or a row of data: only file names,
counts, batch numbers, export kinds and the filters in force.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import pandas as pd

from analytics import db
from analytics.errors import AnalyticsError, StoreError
from analytics.filters import Filters

ACTIONS = ("login", "logout", "session_expired", "import", "undo", "redo", "export", "user_change", "decision",
           "denied", "signoff")
DECISION_CHANGES = ("record", "done", "open", "dropped")
EXPORT_KINDS = ("report", "research", "aggregate", "table")
USER_CHANGES = ("add", "remove", "password")
QUERY_LIMIT = 5000  # rows the admin page shows at most


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def record(
    con: duckdb.DuckDBPyConnection,
    user: str,
    action: str,
    *,
    success: bool = True,
    address: str | None = None,
    details: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Append one event and return its ``event_id``. ``details`` must be JSON-serialisable."""
    if action not in ACTIONS:
        raise AnalyticsError("audit-unknown-action", action=action, known=", ".join(ACTIONS))
    text = json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True, default=str)
    try:
        with db.transaction(con) as cur:
            row = cur.execute(
                "INSERT INTO audit_log (occurred_at, user_name, action, success, address, details) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING event_id",
                [now or _now(), user, action, success, address, text],
            ).fetchone()
    except duckdb.Error as e:
        raise StoreError("db-write-failed", detail=str(e)) from e
    return int(row[0])


def record_login(
    con: duckdb.DuckDBPyConnection,
    user: str,
    success: bool,
    *,
    address: str | None = None,
    reason: str | None = None,
    method: str = "password",
    now: dt.datetime | None = None,
) -> int:
    """A sign-in attempt; ``reason`` of a failure: ``bad-credentials``, ``throttled``, ``oidc-not-allowed``."""
    details: dict[str, Any] = {"method": method}
    if reason is not None:
        details["reason"] = reason
    return record(con, user, "login", success=success, address=address, details=details, now=now)


def record_logout(
    con: duckdb.DuckDBPyConnection, user: str, *, expired: bool = False, address: str | None = None,
    now: dt.datetime | None = None, reason: str | None = None,
) -> int:
    """A sign-out, or a session that ended by inactivity (``expired``) or for ``reason`` (such
    as ``other-browser``: its id was presented by a browser that did not sign in)."""
    return record(con, user, "session_expired" if expired else "logout", address=address, now=now,
                  details={"reason": reason} if reason else None)


def record_import(
    con: duckdb.DuckDBPyConnection, user: str, results: Iterable[Any], *, address: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """An import: per sheet the file, sheet, table, batch, status and row counts
    (``results``: the ``SheetResult`` list of ``ingest.pipeline.import_file``)."""
    sheets = [
        {
            "file": r.file_name, "sheet": r.sheet, "table": r.table, "status": r.status, "batch": r.batch_id,
            "read": r.rows_read, "inserted": r.inserted, "updated": r.updated, "rejected": r.rejected,
        }
        for r in results
    ]
    success = all(s["status"] != "refused" for s in sheets)
    return record(con, user, "import", success=success, address=address, details={"sheets": sheets}, now=now)


def record_undo(
    con: duckdb.DuckDBPyConnection, user: str, batch_id: int, done: Mapping[str, int] | None = None, *,
    success: bool = True, address: str | None = None, now: dt.datetime | None = None, redo: bool = False,
) -> int:
    """An undo of ``batch_id`` (``done``: what ``undo_batch`` returned; ``success`` False when refused),
    or with ``redo`` a redo of it (``done``: what ``redo_batch`` returned)."""
    return record(con, user, "redo" if redo else "undo", success=success, address=address,
                  details={"batch": batch_id, **dict(done or {})}, now=now)


def filters_details(filters: Filters) -> dict[str, Any]:
    """The filters of an export as audit details: the URL fields and the user's scope."""
    return {"filters": filters.to_query(), "scope": None if filters.scope is None else list(filters.scope)}


def record_export(
    con: duckdb.DuckDBPyConnection, user: str, kind: str, fmt: str, filters: Filters, *,
    name: str | None = None, address: str | None = None, now: dt.datetime | None = None,
) -> int:
    """An export (``kind`` in ``EXPORT_KINDS``, ``fmt`` its format) made with ``filters``;
    ``name`` is the page table's name for ``table`` downloads."""
    if kind not in EXPORT_KINDS:
        raise AnalyticsError("audit-unknown-export", kind=kind, known=", ".join(EXPORT_KINDS))
    details = {"kind": kind, "format": fmt, **filters_details(filters)}
    if name is not None:
        details["name"] = name
    return record(con, user, "export", address=address, details=details, now=now)


def record_user_change(
    con: duckdb.DuckDBPyConnection, actor: str, change: str, target: str, *, role: str | None = None,
    schools: Iterable[str] | None = None, address: str | None = None, now: dt.datetime | None = None,
    counties: Iterable[str] = (), regions: Iterable[str] = (),
) -> int:
    """``actor`` added, removed or re-passworded user ``target`` (never the password itself);
    the counties and regions of an area user are recorded beside the schools."""
    if change not in USER_CHANGES:
        raise AnalyticsError("audit-unknown-change", change=change, known=", ".join(USER_CHANGES))
    details: dict[str, Any] = {"change": change, "target": target}
    if role is not None:
        details["role"] = role
    if schools is not None:
        details["schools"] = list(schools)
    for level, areas in (("counties", list(counties)), ("regions", list(regions))):
        if areas:
            details[level] = areas
    return record(con, actor, "user_change", address=address, details=details, now=now)


def record_decision(
    con: duckdb.DuckDBPyConnection, user: str, change: str, batch_id: int | None, title: str, *,
    metric: str | None = None, success: bool = True, address: str | None = None, now: dt.datetime | None = None,
) -> int:
    """An action of the leadership group recorded (``change`` "record") or set done, open or
    dropped, written as import batch ``batch_id`` (``None`` when refused)."""
    if change not in DECISION_CHANGES:
        raise AnalyticsError("audit-unknown-change", change=change, known=", ".join(DECISION_CHANGES))
    details: dict[str, Any] = {"change": change, "batch": batch_id, "title": title}
    if metric is not None:
        details["metric"] = metric
    return record(con, user, "decision", success=success, address=address, details=details, now=now)


def record_denied(
    con: duckdb.DuckDBPyConnection, user: str, action: str, *, address: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """An action the user's role does not allow (``auth.require`` refused it)."""
    return record(con, user, "denied", success=False, address=address, details={"action": action}, now=now)


def query_audit(
    con: duckdb.DuckDBPyConnection,
    *,
    user: str | None = None,
    action: str | None = None,
    success: bool | None = None,
    since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None,
    text: str | None = None,
    limit: int = QUERY_LIMIT,
) -> pd.DataFrame:
    """Audit events, newest first, filtered for the admin page.

    ``since``/``until`` are inclusive (a date ``until`` covers that whole day); ``text``
    finds a substring of the details (a file name, a batch, a target user), case-insensitively.
    """
    conds: list[str] = []
    params: list[Any] = []
    if user:
        conds.append("user_name = ?")
        params.append(user)
    if action:
        conds.append("action = ?")
        params.append(action)
    if success is not None:
        conds.append("success = ?")
        params.append(success)
    if since is not None:
        conds.append("occurred_at >= ?")
        params.append(since if isinstance(since, dt.datetime) else dt.datetime.combine(since, dt.time()))
    if until is not None:
        if isinstance(until, dt.datetime):
            conds.append("occurred_at <= ?")
            params.append(until)
        else:
            conds.append("occurred_at < ?")
            params.append(dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    if text:
        conds.append("contains(lower(details), lower(?))")
        params.append(text)
    where = " AND ".join(conds) or "TRUE"
    sql = (
        "SELECT event_id, occurred_at, user_name, action, success, address, details FROM audit_log "
        f"WHERE {where} ORDER BY event_id DESC LIMIT ?"
    )
    return db.query(con, sql, [*params, int(limit)])


def audit_users(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every user name in the log, sorted (choices of the admin page's user filter)."""
    return [r[0] for r in db.rows(con, "SELECT DISTINCT user_name FROM audit_log ORDER BY 1")]
