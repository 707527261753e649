"""Two-way training (双向培训, issue 19): enterprise mentors trained in teaching methods,
school mentors trained in production technology, and school teachers' enterprise practice
against the national rule for vocational teachers (at least six months in enterprises over
every five years; ``Settings.practice_months`` / ``practice_years``).

Decisions:

* **Which training counts** for each mentor type (``COUNTS``): teaching-methods training
  for enterprise mentors, production-technology training for school mentors. Enterprise
  practice is measured against its own rule, below; "other" training is listed, not counted.
* **Trained in year Y** = mentors of the type on the filtered roster in Y with at least one
  counted record starting in Y / mentors of the type on the roster in Y (appointed on or
  before 31 December of Y, or without a date), with the Wilson interval. The years are
  the calendar years in which the log holds training of that kind by a mentor of the type
  (anyone's within the user's scope, whatever the other filters), within the filter's
  years: a year without any such training is "no data", not 0%. School,
  major and enterprise filters choose mentors, as for compliance. The figure an action
  targets is the latest such year.
* **Hours**: the sum of the counted records' hours in the year, and per trained mentor
  (over the trained mentors whose records state hours).
* **Enterprise practice** of a school mentor on day d: the practice days of their
  ``enterprise_practice`` records starting in the ``practice_years`` years up to d
  (``days`` when stated, else end − start + 1; a record with neither counts 0 and is
  counted as undated). A month of practice is 30 days, so the rule is 180 days by default.
  Required by d = the rule × the share of the window the mentor was on the roster
  (appointed later than the window's start: pro rata), so a teacher appointed a year ago is
  not behind for lacking six months. **On track** = practice days ≥ required; the rate
  is on-track school mentors / school mentors on the roster on d.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.metrics import query
from analytics.stats import Rate, add_rate_columns, rate

COUNTS = {"enterprise": "teaching_methods", "school": "production_technology"}
DAYS_PER_MONTH = 30


def _check(mentor_type: str) -> str:
    if mentor_type not in COUNTS:
        raise AnalyticsError("program-unknown-mentor-type", value=mentor_type, allowed=", ".join(COUNTS))
    return COUNTS[mentor_type]


def trained_by_year(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str) -> pd.DataFrame:
    """Per year of the training log: year, mentors (on the roster), trained (numerator),
    numerator, denominator, rate, ci_low, ci_high, small_n, hours, hours_per_trained."""
    kind = _check(mentor_type)
    scope_where, scope_params = Filters(scope=f.scope).where("mentor_training", "t")
    year_conds, year_params = f.year_range("y")
    year_cond = " AND ".join(year_conds) or "TRUE"
    m_where, m_params = f.where("mentors", "m")
    start = q("start_date")
    df = query(con, f"""
        WITH yrs AS (
          SELECT y FROM (
            SELECT DISTINCT year(t.{start}) AS y FROM {q('mentor_training')} t
            JOIN {q('mentors')} tm ON tm.{q('mentor_id')} = t.{q('mentor_id')} AND tm.{q('mentor_type')} = $mentor_type
            WHERE t.{q('training_type')} = $kind AND {scope_where}
          ) x
          WHERE {year_cond}
        ),
        roster AS (
          SELECT m.{q('mentor_id')} AS mentor_id, m.{q('appointed_on')} AS appointed_on
          FROM {q('mentors')} m WHERE m.{q('mentor_type')} = $mentor_type AND {m_where}
        ),
        done AS (
          SELECT t.{q('mentor_id')} AS mentor_id, year(t.{start}) AS y, sum(t.{q('hours')}) AS hours,
                 count(t.{q('hours')}) AS with_hours
          FROM {q('mentor_training')} t WHERE t.{q('training_type')} = $kind
          GROUP BY t.{q('mentor_id')}, year(t.{start})
        ),
        grid AS (
          SELECT r.mentor_id, yrs.y FROM roster r, yrs
          WHERE r.appointed_on IS NULL OR r.appointed_on <= make_date(yrs.y, 12, 31)
        )
        SELECT g.y AS year, count(*) AS denominator, count(d.mentor_id) AS numerator,
               coalesce(sum(d.hours), 0) AS hours, count(*) FILTER (WHERE d.with_hours > 0) AS with_hours
        FROM grid g LEFT JOIN done d ON d.mentor_id = g.mentor_id AND d.y = g.y
        GROUP BY g.y ORDER BY g.y
    """, {"mentor_type": mentor_type, "kind": kind, **scope_params, **year_params, **m_params})
    df = add_rate_columns(df, s.small_n)
    df["mentors"] = df["denominator"]
    df["trained"] = df["numerator"]
    df["hours_per_trained"] = df["hours"] / df["with_hours"].where(df["with_hours"] > 0)
    return df.drop(columns=["with_hours"])


def trained_rate(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str
) -> tuple[int | None, Rate]:
    """The latest year of ``trained_by_year`` and its rate (``(None, 0/0)`` without data)."""
    by_year = trained_by_year(con, f, s, mentor_type)
    by_year = by_year[by_year["denominator"] > 0]
    if by_year.empty:
        return None, rate(0, 0, s.small_n)
    last = by_year.iloc[-1]
    return int(last["year"]), rate(int(last["numerator"]), int(last["denominator"]), s.small_n)


def untrained(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str, year: int
) -> pd.DataFrame:
    """Mentors of ``mentor_type`` on the roster in ``year`` without a counted training that
    year: mentor_id, mentor_name, major, enterprise_name, last_trained (latest counted start)."""
    kind = _check(mentor_type)
    m_where, m_params = f.where("mentors", "m")
    start = q("start_date")
    return query(con, f"""
        WITH last AS (
          SELECT t.{q('mentor_id')} AS mentor_id, max(t.{start}) AS last_trained,
                 count(*) FILTER (WHERE year(t.{start}) = $year) AS this_year
          FROM {q('mentor_training')} t WHERE t.{q('training_type')} = $kind GROUP BY t.{q('mentor_id')}
        )
        SELECT m.{q('mentor_id')} AS mentor_id, m.{q('mentor_name')} AS mentor_name, m.{q('major')} AS major,
               e.{q('enterprise_name')} AS enterprise_name, l.last_trained
        FROM {q('mentors')} m
        LEFT JOIN last l ON l.mentor_id = m.{q('mentor_id')}
        LEFT JOIN {q('enterprises')} e ON e.{q('enterprise_id')} = m.{q('enterprise_id')}
        WHERE m.{q('mentor_type')} = $mentor_type AND {m_where}
          AND (m.{q('appointed_on')} IS NULL OR m.{q('appointed_on')} <= make_date($year, 12, 31))
          AND coalesce(l.this_year, 0) = 0
        ORDER BY l.last_trained NULLS FIRST, m.{q('mentor_id')}
    """, {"year": year, "kind": kind, "mentor_type": mentor_type, **m_params})


def hours_by_year(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Training of the filtered mentors per year and type: year, training_type, mentors
    (distinct), records, hours (sum of stated hours), days (practice days as counted above)."""
    where, params = f.where("mentor_training", "t")
    start = q("start_date")
    return query(con, f"""
        SELECT year(t.{start}) AS year, t.{q('training_type')} AS training_type,
               count(DISTINCT t.{q('mentor_id')}) AS mentors, count(*) AS records,
               coalesce(sum(t.{q('hours')}), 0) AS hours,
               coalesce(sum(coalesce(t.{q('days')}, t.{q('end_date')} - t.{start} + 1)), 0) AS days
        FROM {q('mentor_training')} t WHERE {where}
        GROUP BY year(t.{start}), t.{q('training_type')}
        ORDER BY 1, 2
    """, params)


def _window_start(day: dt.date, years: int) -> dt.date:
    """The first day of the ``years`` years ending on ``day`` (29 February falls back to the 28th)."""
    try:
        back = day.replace(year=day.year - years)
    except ValueError:
        back = day.replace(year=day.year - years, day=28)
    return back + dt.timedelta(days=1)


def practice(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Every filtered school mentor on the roster on ``day`` with their enterprise practice:
    mentor_id, mentor_name, major, appointed_on, days (in the window), required (by ``day``),
    shortfall, on_track, last_practice, undated (records without a duration); behind first."""
    start_window = _window_start(day, s.practice_years)
    m_where, m_params = f.where("mentors", "m")
    start = q("start_date")
    df = query(con, f"""
        WITH done AS (
          SELECT t.{q('mentor_id')} AS mentor_id,
                 sum(coalesce(t.{q('days')}, t.{q('end_date')} - t.{start} + 1, 0)) AS days,
                 count(*) FILTER (WHERE t.{q('days')} IS NULL AND t.{q('end_date')} IS NULL) AS undated,
                 max(t.{start}) AS last_practice
          FROM {q('mentor_training')} t
          WHERE t.{q('training_type')} = 'enterprise_practice' AND t.{start} >= $window_start AND t.{start} <= $day
          GROUP BY t.{q('mentor_id')}
        )
        SELECT m.{q('mentor_id')} AS mentor_id, m.{q('mentor_name')} AS mentor_name, m.{q('major')} AS major,
               m.{q('appointed_on')} AS appointed_on, coalesce(d.days, 0) AS days,
               coalesce(d.undated, 0) AS undated, d.last_practice
        FROM {q('mentors')} m LEFT JOIN done d ON d.mentor_id = m.{q('mentor_id')}
        WHERE m.{q('mentor_type')} = 'school' AND {m_where}
          AND (m.{q('appointed_on')} IS NULL OR m.{q('appointed_on')} <= $day)
    """, {"window_start": start_window, "day": day, **m_params})
    rule = s.practice_months * DAYS_PER_MONTH
    window_days = (day - start_window).days + 1
    since = pd.to_datetime(df["appointed_on"]).dt.date.map(lambda a: start_window if pd.isna(a) else max(a, start_window))
    served = np.array([(day - x).days + 1 for x in since], dtype=float) if len(df) else np.array([], dtype=float)
    df["required"] = np.round(rule * np.minimum(1.0, served / window_days), 1)
    df["days"] = df["days"].astype(float)
    df["shortfall"] = np.maximum(df["required"] - df["days"], 0.0)
    df["on_track"] = df["days"] >= df["required"]
    return df.sort_values(["on_track", "shortfall", "mentor_id"], ascending=[True, False, True]) \
        .reset_index(drop=True)[["mentor_id", "mentor_name", "major", "appointed_on", "days", "required",
                                 "shortfall", "on_track", "last_practice", "undated"]]


def practice_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> Rate:
    """School mentors on track with enterprise practice on ``day`` / school mentors on the roster."""
    df = practice(con, f, s, day)
    return rate(int(df["on_track"].sum()), len(df), s.small_n)
