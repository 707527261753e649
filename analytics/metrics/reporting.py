"""Reporting status of a bureau's schools: who has sent which table for a year, and when.

A school has *reported* a table for year Y when the store holds rows of that table for
the school in Y. The school of a row is the one the scope uses (``Filters.where``:
students and mentors by ``school_id``, exams, destinations and assessments through the
roster, activities through the mentors, surveys through the enterprises linked to the
school). The year of a row is its table's own year, except the roster, whose return for
Y is the intake of Y (``cohort_year``), and assessments, whose term counts for every year
its text names (``2025-1``; ``2024-2025学年第二学期`` for 2024 and 2025); the mentor roster
has no year (the roster as held).
``funding`` carries no school and is not a school's return.

*When*: the import batches that wrote those rows: the first one is when the school
reported (on time when on or before the deadline, ``Settings.reporting_deadline`` of Y),
the latest the last correction; *by whom*: the user the audit log names for the latest
batch; *rejected*: the rows those batches refused (a file holding several schools' rows
counts its rejects for each of them). A table not reported is *overdue* once the store's
day (``snapshot.today``) is past the deadline, else *due*.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pandas as pd

from analytics import hierarchy, snapshot
from analytics.config import Settings
from analytics.db import BATCH_COLUMN
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query, rows

# The returns a school sends, in the order a bureau asks for them.
REPORTED_TABLES = ("students", "mentors", "certificate_exams", "employment", "student_assessments",
                   "mentor_activities", "satisfaction_surveys")
STATUSES = ("on_time", "late", "overdue", "due")  # reported: on_time, late; not reported: overdue, due
_STUDENT_KEYED = ("certificate_exams", "employment", "student_assessments")
# Year of a row for the reporting year (None: every row counts, whatever its year).
_YEAR = {
    "students": f"x.{q('cohort_year')}",
    "mentors": None,
    "certificate_exams": f"year(x.{q('exam_date')})",
    "employment": f"x.{q('graduation_year')}",
    "student_assessments": None,  # matched on the term's first four characters instead
    "mentor_activities": f"year(x.{q('activity_date')})",
    "satisfaction_surveys": f"year(x.{q('survey_date')})",
}


def deadline(s: Settings, year: int) -> dt.date:
    """The day returns for ``year`` are due (``Settings.reporting_deadline``, ``MM-DD`` of that year)."""
    month, day = (int(p) for p in s.reporting_deadline.split("-"))
    return dt.date(year, month, day)


def _school_of(table: str) -> str:
    """SQL for the school of a row ``x`` of ``table`` (students ``s`` and mentors ``m`` joined)."""
    if table in ("students", "mentors"):
        return f"x.{q('school_id')}"
    if table in _STUDENT_KEYED:
        return f"s.{q('school_id')}"
    return f"m.{q('school_id')}"


def _join(table: str) -> str:
    if table in _STUDENT_KEYED:
        return f"LEFT JOIN {q('students')} s ON s.{q('student_id')} = x.{q('student_id')}"
    if table == "mentor_activities":
        return f"LEFT JOIN {q('mentors')} m ON m.{q('mentor_id')} = x.{q('mentor_id')}"
    return ""


def _year_condition(table: str, year: int) -> tuple[list[str], dict]:
    if table == "student_assessments":
        return [f"x.{q('term')} LIKE $term_like"], {"term_like": f"%{year}%"}
    expr = _YEAR[table]
    return ([], {}) if expr is None else ([f"{expr} = $year"], {"year": year})


def _rows_by_batch(con: duckdb.DuckDBPyConnection, f: Filters, table: str, year: int,
                   schools: list[str]) -> pd.DataFrame:
    """[school_id, batch_id, rows] of ``table`` in ``year`` for the schools of ``f``'s scope."""
    conds, params = _year_condition(table, year)
    if table == "satisfaction_surveys":  # an enterprise's survey counts for each school it is linked to
        parts = []
        for school in schools:
            where, p = Filters(scope=(school,)).where(table, "x")
            parts.append(query(con, f"SELECT $school AS school_id, x.{q(BATCH_COLUMN)} AS batch_id, count(*) AS rows "
                                    f"FROM {q(table)} x WHERE {' AND '.join([where, *conds])} GROUP BY 1, 2",
                               {"school": school, **p, **params}))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["school_id", "batch_id", "rows"])
    where, p = Filters(scope=f.scope, school=f.school).where(table, "x")
    school = _school_of(table)
    return query(con, f"SELECT {school} AS school_id, x.{q(BATCH_COLUMN)} AS batch_id, count(*) AS rows "
                      f"FROM {q(table)} x {_join(table)} WHERE {' AND '.join([where, *conds])} "
                      f"AND {school} IS NOT NULL GROUP BY 1, 2", p | params)


def _importers(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Batch → the user the audit log names for its import (its first record: a demo loaded
    through ``actions`` is summarised again under the operator afterwards)."""
    out: dict[int, str] = {}
    for user, details in rows(con, "SELECT user_name, details FROM audit_log WHERE action = ? ORDER BY event_id",
                              ["import"]):
        try:
            sheets = json.loads(details).get("sheets", [])
        except (ValueError, AttributeError):
            continue
        for sheet in sheets:
            if isinstance(sheet, dict) and sheet.get("batch") is not None:
                out.setdefault(int(sheet["batch"]), user)  # the import itself, not a later summary
    return out


def _visible_schools(con: duckdb.DuckDBPyConnection, f: Filters) -> list[hierarchy.School]:
    return [s for s in hierarchy.schools(con)
            if (f.scope is None or s.school_id in f.scope) and (f.school is None or s.school_id == f.school)]


def reporting_status(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, year: int, day: dt.date | None = None
) -> pd.DataFrame:
    """One row per school of the scope (``f.scope``; ``f.school`` narrows it) × reported table
    for ``year``: [school_id, school_name, county, region, table, rows, rejected, first_at,
    last_at, submitted_by, status, approval] in school and table order; ``day`` is the store's
    day the deadline is judged on (``snapshot.today``)."""
    schools = _visible_schools(con, f)
    ids = [x.school_id for x in schools]
    batches = query(con, "SELECT batch_id, imported_at, rows_rejected FROM import_batches WHERE status = ?",
                    ["loaded"]).set_index("batch_id")
    who = _importers(con)
    due, today = deadline(s, year), snapshot.today(con, day)
    signoffs = signoff_states(con, year)
    out = []
    for table in REPORTED_TABLES:
        found = _rows_by_batch(con, f, table, year, ids)
        found = found[found["school_id"].isin(ids)]
        for school in schools:
            mine = found[found["school_id"] == school.school_id]
            n = int(mine["rows"].sum())
            known = [int(b) for b in mine["batch_id"].dropna() if int(b) in batches.index]
            times = batches.loc[known, "imported_at"] if known else pd.Series(dtype="datetime64[us]")
            first = times.min() if known else pd.NaT
            last = times.max() if known else pd.NaT
            latest = int(batches.loc[known, "imported_at"].idxmax()) if known else None
            if n == 0:
                status = "overdue" if today > due else "due"
            else:
                status = "late" if not pd.isna(first) and first.date() > due else "on_time"
            out.append({
                "school_id": school.school_id, "school_name": school.school_name, "county": school.county,
                "region": school.region, "table": table, "rows": n,
                "rejected": int(batches.loc[known, "rows_rejected"].sum()) if known else 0,
                "first_at": first, "last_at": last, "submitted_by": who.get(latest) if latest is not None else None,
                "status": status, "approval": signoffs.get(school.school_id),
            })
    columns = ["school_id", "school_name", "county", "region", "table", "rows", "rejected", "first_at", "last_at",
               "submitted_by", "status", "approval"]
    frame = pd.DataFrame(out, columns=columns)
    frame["first_at"] = pd.to_datetime(frame["first_at"])
    frame["last_at"] = pd.to_datetime(frame["last_at"])
    return frame


def reporting_rates(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, year: int, day: dt.date | None = None
) -> pd.DataFrame:
    """Per reported table: [table, schools, reported, on_time, reported_share, on_time_share]
    (the share of the scope's schools that reported, and that reported by the deadline)."""
    return summarise(reporting_status(con, f, s, year, day))


def summarise(status: pd.DataFrame) -> pd.DataFrame:
    """``reporting_rates`` from a ``reporting_status`` frame (so a page reads the status once)."""
    g = status.assign(reported=status["status"].isin(["on_time", "late"]),
                      on_time=status["status"].eq("on_time"))
    out = g.groupby("table", sort=False).agg(schools=("school_id", "nunique"), reported=("reported", "sum"),
                                             on_time=("on_time", "sum")).reset_index()
    out = out.set_index("table").reindex(list(REPORTED_TABLES)).reset_index()
    out[["schools", "reported", "on_time"]] = out[["schools", "reported", "on_time"]].fillna(0).astype("int64")
    n = out["schools"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["reported_share"] = np.where(n > 0, out["reported"] / n, np.nan)
        out["on_time_share"] = np.where(n > 0, out["on_time"] / n, np.nan)
    return out


def late_schools(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, year: int, day: dt.date | None = None
) -> pd.DataFrame:
    """The schools to remind: [school_id, school_name, county, late, missing], where ``late``
    and ``missing`` list the tables sent after the deadline and not sent once it passed."""
    return late_from(reporting_status(con, f, s, year, day))


def late_from(status: pd.DataFrame) -> pd.DataFrame:
    """``late_schools`` from a ``reporting_status`` frame."""
    out = []
    for (sid, name, county), g in status.groupby(["school_id", "school_name", "county"], sort=True, dropna=False):
        late = g.loc[g["status"] == "late", "table"].tolist()
        missing = g.loc[g["status"] == "overdue", "table"].tolist()
        if late or missing:
            out.append({"school_id": sid, "school_name": name, "county": county, "late": late, "missing": missing})
    return pd.DataFrame(out, columns=["school_id", "school_name", "county", "late", "missing"])


def signoff_states(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, str]:
    """School → its sign-off state for ``year`` (``analytics.signoff``; schools never signed
    off are absent)."""
    return dict(rows(con, "SELECT school_id, status FROM reporting_signoffs WHERE year = ?", [year]))


def return_notes(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, str]:
    """School → the bureau's note on the latest return of its ``year`` returns (kept in the
    audit log by ``signoff.set_signoff``); schools whose latest return had no note, or that were
    never returned, are absent."""
    found = rows(con, """
        SELECT json_extract_string(details, '$.school') AS school,
               arg_max_null(json_extract_string(details, '$.note'), event_id) AS note
        FROM audit_log
        WHERE action = 'signoff' AND json_extract_string(details, '$.status') = 'returned'
          AND json_extract_string(details, '$.year') = ?
        GROUP BY 1""", [str(year)])
    return {school: note for school, note in found if note}
