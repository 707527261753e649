"""Cooperation agreements (校企合作协议, issue 19): which are in force on a day, which end
soon, which partners host students or mentors without one, and what each promised against
what the data shows.

Decisions, in the order a reader meets them (``day`` is the store's today,
``analytics.snapshot.today``):

* **In force on day d**: signed on or before d, and d on or before the expiry date; a blank
  expiry is an open-ended agreement. Signed after d: *pending*.
* **Expiring**: in force and ending within ``Settings.agreement_expiry_days`` days of d
  (d + window included). An agreement is in exactly one state: pending, expiring, in
  force, expired.
* An enterprise's **current agreement** is, among those signed by d, the one in force that
  runs longest (open-ended first), else the one that ended last.
* **Hosting on d**: roster students whose partner enterprise it is and who are at school on
  d (enrolled on 1 September of the cohort year, graduating on 1 June of the graduation
  year), and enterprise mentors of it on the roster on d (appointed on or before d, or
  without a date). **Interns** are the hosted students in their internship stage on d by
  their training model's schedule (``metrics.stages``).
* **Obligations** of the current agreement, when in force, against the data:
  mentors promised ↔ enterprise mentors on the roster on d; internship places promised ↔
  interns on d; funding promised per year ↔ enterprise money of that enterprise spent in
  the last full calendar year before d during which the agreement was in force (funding
  lines with source "enterprise" naming it as the contributing enterprise). Each is *met*
  (at least the promise), *short*, *not due* (funding: no full year in force yet), *no
  data* (no funding line at all for that year, or funding hidden from a school-scoped
  user) or *not agreed* (blank or 0). The training base is shown as promised: no table
  records bases. An agreement's obligations are met when none is short or without data
  and at least one was agreed.
* **Coverage** (the figure an action can target): hosting enterprises with an agreement in
  force / hosting enterprises, a rate with its Wilson interval.

Scope and filters: agreements and enterprises follow ``Filters.where`` (the enterprise
filter; a school-scoped user sees the enterprises linked to their schools); students and
mentors follow their own filters.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query
from analytics.metrics.stages import at_school, stage_on
from analytics.stats import Rate, rate

STATES = ("pending", "expiring", "in_force", "expired")
OBLIGATIONS = ("mentors", "places", "funding")
_AGREEMENT_COLUMNS = ("enterprise_id", "signed_on", "expires_on", "school_id", "agreement_no", "cooperation_form",
                      "mentors_promised", "places_promised", "training_base", "funding_promised")


def agreements(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Every agreement in the filter with the enterprise's name, its ``state`` on ``day``,
    ``days_left`` (to expiry; NULL when open-ended) and ``current`` (the enterprise's current
    agreement); newest first within each enterprise, enterprises by name."""
    where, params = f.where("agreements", "a")
    cols = ", ".join(f"a.{q(c)} AS {q(c)}" for c in _AGREEMENT_COLUMNS)
    df = query(con, f"""
        SELECT {cols}, e.{q('enterprise_name')} AS enterprise_name
        FROM {q('agreements')} a
        LEFT JOIN {q('enterprises')} e ON e.{q('enterprise_id')} = a.{q('enterprise_id')}
        WHERE {where}
    """, params)
    if df.empty:
        return df.assign(state=pd.Series(dtype=object), days_left=pd.Series(dtype="Int64"),
                         current=pd.Series(dtype=bool))
    signed = pd.to_datetime(df["signed_on"]).dt.date
    expires = pd.to_datetime(df["expires_on"]).dt.date
    window = day + dt.timedelta(days=s.agreement_expiry_days)
    state = []
    for a, b in zip(signed, expires, strict=True):
        if a > day:
            state.append("pending")
        elif pd.notna(b) and b < day:
            state.append("expired")
        elif pd.notna(b) and b <= window:
            state.append("expiring")
        else:
            state.append("in_force")
    df["state"] = state
    df["days_left"] = pd.array([(b - day).days if pd.notna(b) else None for b in expires], dtype="Int64")
    in_force = df["state"].isin(["in_force", "expiring"])
    # the current agreement: in force and longest running (open-ended first), else the last to end
    order = pd.DataFrame({
        "live": in_force.astype(int),
        "open": expires.isna().astype(int),
        "end": df["days_left"].astype("float64").fillna(float("inf")),
        "signed_by_day": (df["state"] != "pending").astype(int),
    })
    ranked = df.assign(**order).sort_values(["signed_by_day", "live", "open", "end", "signed_on"],
                                            ascending=False)
    first = ranked[ranked["signed_by_day"] == 1].drop_duplicates("enterprise_id").index
    df["current"] = df.index.isin(first)
    return df.sort_values(["enterprise_name", "enterprise_id", "signed_on"], ascending=[True, True, False],
                          na_position="last").reset_index(drop=True)


def expiring(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Agreements in force on ``day`` that end within the expiry window, soonest first."""
    df = agreements(con, f, s, day)
    return df[df["state"] == "expiring"].sort_values("expires_on").reset_index(drop=True)


def hosting(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Per enterprise in the filter: enterprise_id, enterprise_name, students (hosted at school
    on ``day``), interns (of them in the internship stage), mentors (enterprise mentors on the
    roster on ``day``)."""
    en_where, en_params = f.where("enterprises", "en")
    st_where, st_params = f.where("students", "st")
    m_where, m_params = f.where("mentors", "m")
    c, g, model = (f"st.{q(x)}" for x in ("cohort_year", "graduation_year", "training_model"))
    eid = q("enterprise_id")
    return query(con, f"""
        WITH d AS (SELECT CAST($day AS DATE) AS day),
        st AS (
          SELECT st.{eid} AS enterprise_id, count(*) AS students,
                 count(*) FILTER (WHERE {stage_on(c, g, model, 'd.day')} = 'internship') AS interns
          FROM {q('students')} st, d
          WHERE st.{eid} IS NOT NULL AND {at_school(c, g, 'd.day')} AND {st_where}
          GROUP BY st.{eid}
        ),
        me AS (
          SELECT m.{eid} AS enterprise_id, count(*) AS mentors
          FROM {q('mentors')} m, d
          WHERE m.{eid} IS NOT NULL AND m.{q('mentor_type')} = 'enterprise'
            AND (m.{q('appointed_on')} IS NULL OR m.{q('appointed_on')} <= d.day) AND {m_where}
          GROUP BY m.{eid}
        )
        SELECT en.{eid} AS enterprise_id, en.{q('enterprise_name')} AS enterprise_name,
               coalesce(st.students, 0) AS students, coalesce(st.interns, 0) AS interns,
               coalesce(me.mentors, 0) AS mentors
        FROM {q('enterprises')} en
        LEFT JOIN st ON st.enterprise_id = en.{eid}
        LEFT JOIN me ON me.enterprise_id = en.{eid}
        WHERE {en_where}
        ORDER BY en.{q('enterprise_name')}, en.{eid}
    """, {"day": day, **st_params, **m_params, **en_params})


def _current(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Hosting figures of every enterprise beside its current agreement (columns of both)."""
    now = agreements(con, f, s, day)
    current = now[now["current"]].drop(columns=["enterprise_name", "current"])
    return hosting(con, f, s, day).merge(current, on="enterprise_id", how="left")


def unsecured(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Enterprises hosting students or mentors on ``day`` with no agreement in force: hosting
    figures, the expiry of their last agreement (NULL: never had one) and its state."""
    df = _current(con, f, s, day)
    hosting_any = (df["students"] > 0) | (df["mentors"] > 0)
    live = df["state"].isin(["in_force", "expiring"])
    out = df[hosting_any & ~live]
    return out[["enterprise_id", "enterprise_name", "students", "interns", "mentors", "expires_on", "state"]] \
        .sort_values(["students", "mentors"], ascending=False).reset_index(drop=True)


def coverage(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Rate:
    """Hosting enterprises with an agreement in force on ``day`` / hosting enterprises."""
    df = _current(con, f, s, day)
    hosting_any = (df["students"] > 0) | (df["mentors"] > 0)
    live = df["state"].isin(["in_force", "expiring"])
    return rate(int((hosting_any & live).sum()), int(hosting_any.sum()), s.small_n)


def _contributed(con: duckdb.DuckDBPyConnection, f: Filters, year: int) -> tuple[dict[str, float], bool]:
    """Enterprise money spent in ``year`` per contributing enterprise, and whether the funding
    table (as the user may see it) has any line of that year."""
    where, params = f.where("funding", "fu")
    rows = query(con, f"""
        SELECT fu.{q('enterprise_id')} AS enterprise_id,
               sum(fu.{q('spent')}) FILTER (WHERE fu.{q('source')} = 'enterprise') AS spent,
               count(*) AS lines
        FROM {q('funding')} fu
        WHERE fu.{q('year')} = $year AND {where}
        GROUP BY fu.{q('enterprise_id')}
    """, {"year": year, **params})
    known = bool(rows["lines"].sum()) if len(rows) else False
    by = {str(e): float(v) for e, v in zip(rows["enterprise_id"], rows["spent"], strict=True)
          if isinstance(e, str) and pd.notna(v)}
    return by, known


def _state(promised: object, actual: float | None) -> str:
    if promised is None or pd.isna(promised) or float(promised) <= 0:
        return "none"
    if actual is None:
        return "unknown"
    return "met" if actual >= float(promised) else "short"


def obligations(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Each enterprise with an agreement in force on ``day``: the promises beside the data.

    Columns: enterprise_id, enterprise_name, signed_on, expires_on, state, cooperation_form,
    training_base, mentors_promised, mentors, mentors_state, places_promised, interns,
    places_state, funding_promised, funding_year, funding_spent, funding_state, overall
    (met | short | unknown | none); short ones first."""
    df = _current(con, f, s, day)
    df = df[df["state"].isin(["in_force", "expiring"])].copy()
    year = day.year - 1
    spent, known = _contributed(con, f, year)
    started = pd.to_datetime(df["signed_on"]).dt.date <= dt.date(year, 12, 31)
    lasted = pd.to_datetime(df["expires_on"]).dt.date.map(lambda x: pd.isna(x) or x >= dt.date(year, 1, 1))
    in_year = started & lasted.astype(bool)
    df["funding_year"] = year
    df["funding_spent"] = [spent.get(e, 0.0) if known and ok else None
                           for e, ok in zip(df["enterprise_id"], in_year, strict=True)]
    df["mentors_state"] = [_state(p, float(a)) for p, a in zip(df["mentors_promised"], df["mentors"], strict=True)]
    df["places_state"] = [_state(p, float(a)) for p, a in zip(df["places_promised"], df["interns"], strict=True)]
    df["funding_state"] = [
        "not_due" if not ok and _state(p, 0.0) != "none" else _state(p, x)
        for p, x, ok in zip(df["funding_promised"], df["funding_spent"], in_year, strict=True)
    ]

    def overall(row: pd.Series) -> str:
        states = [row[f"{o}_state"] for o in OBLIGATIONS]
        if "short" in states:
            return "short"
        if "unknown" in states:
            return "unknown"
        return "none" if all(x == "none" for x in states) else "met"

    df["overall"] = df.apply(overall, axis=1) if len(df) else pd.Series(dtype=object)
    order = {"short": 0, "unknown": 1, "met": 2, "none": 3}
    cols = ["enterprise_id", "enterprise_name", "signed_on", "expires_on", "state", "cooperation_form",
            "training_base", "mentors_promised", "mentors", "mentors_state", "places_promised", "interns",
            "places_state", "funding_promised", "funding_year", "funding_spent", "funding_state", "overall"]
    return df.assign(_o=df["overall"].map(order)).sort_values(["_o", "enterprise_name"])[cols].reset_index(drop=True)
