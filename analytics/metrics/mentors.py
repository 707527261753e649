"""Mentors (SPEC §3): communication compliance, team qualification rules, 360 evaluations.

**Communication compliance.** School mentors: share of mentor-months with at least
``Settings.visits_per_month`` ``enterprise_visit`` activities; enterprise mentors: share
of mentor-semesters with at least ``Settings.teaching_per_semester`` ``school_teaching``
activities. Decisions, in the order a reader meets them:

* Activities are summed by their ``count`` (a missing count is one activity).
* Semesters: spring = February–July, autumn = August–January, labelled by the year
  they start in (January 2025 belongs to autumn 2024).
* The *period* is every month (semester) from the first to the last one holding an
  activity of the relevant type anywhere in the log, kept when its start year is in the
  filter's year range. The span is taken from the whole log of that type (school, major
  and enterprise filters select mentors, not the log), so filtered views partition the
  unfiltered one. A semester counts whole: autumn 2024 includes January 2025.
* Every mentor of the type on the filtered roster is counted in every month (semester)
  of the period whose last day is on or after the appointment (or always, with no
  appointment date). A month without an activity is a non-compliant month, never left out.
* When the log has no activity of the relevant type in the period, the rate is ``None``
  ("no data"), not 0.

**Mentor team.** Shares of school mentors with ≥ ``school_mentor_min_years`` years and
a non-blank qualification, of enterprise mentors with ≥ ``enterprise_mentor_min_years``
years, and of dual-qualified school mentors. A mentor whose years (or dual flag) are
unknown is left out of that share's denominator and counted as ``unknown`` beside it; a
blank qualification means no certificate. Students per mentor counts, for each rostered
mentor, the filtered students naming them; mentors without students count with 0, and
students naming a mentor who is not on the roster are not counted.

**Evaluations.** Mean score per evaluator type with its count, and an overall score =
weighted mean of the type means present (``Settings.evaluator_weights``, renormalised over
the types present; a type without a weight counts 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import duckdb
import pandas as pd

from analytics import schema
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.metrics import query, rows
from analytics.stats import Rate, rate


@dataclass(frozen=True)
class _Rule:
    activity: str
    step: str  # SQL interval between period starts
    unit_start: str  # SQL expression of the period start of date ``{d}``
    label: str  # SQL label of the period starting at ``{u}``
    threshold: str  # Settings attribute


_MONTH = _Rule(
    activity="enterprise_visit",
    step="INTERVAL 1 MONTH",
    unit_start="date_trunc('month', {d})::DATE",
    label="strftime({u}, '%Y-%m')",
    threshold="visits_per_month",
)
_SEMESTER = _Rule(
    activity="school_teaching",
    step="INTERVAL 6 MONTH",
    unit_start=(
        "CASE WHEN month({d}) = 1 THEN make_date(year({d}) - 1, 8, 1) "
        "WHEN month({d}) < 8 THEN make_date(year({d}), 2, 1) ELSE make_date(year({d}), 8, 1) END"
    ),
    label="year({u})::VARCHAR || CASE WHEN month({u}) = 2 THEN '-spring' ELSE '-autumn' END",
    threshold="teaching_per_semester",
)
RULES = {"school": _MONTH, "enterprise": _SEMESTER}
MENTOR_TYPES = tuple(RULES)


@dataclass(frozen=True)
class ComplianceResult:
    """Compliance of one mentor type.

    ``rate``: compliant mentor-periods / mentor-periods (``None`` = no data);
    ``per_mentor``: mentor_id, mentor_name, periods, compliant_periods,
    non_compliant_periods, activities, share; ``non_compliant``: the rows of
    ``per_mentor`` with at least one non-compliant period, worst first;
    ``calendar``: mentor_id, period ("2024-03" or "2024-autumn"),
    period_start, activities, compliant; ``period_from``/``period_to``: first day of the
    first period and last day of the last one (``None`` without periods).
    """

    mentor_type: str
    threshold: int
    rate: Rate | None
    per_mentor: pd.DataFrame
    non_compliant: pd.DataFrame
    calendar: pd.DataFrame
    period_from: dt.date | None
    period_to: dt.date | None


def _rule(mentor_type: str) -> _Rule:
    if mentor_type not in RULES:
        raise AnalyticsError("program-unknown-mentor-type", value=mentor_type, allowed=", ".join(MENTOR_TYPES))
    return RULES[mentor_type]


def _calendar_cte(f: Filters, s: Settings, mentor_type: str) -> tuple[str, dict]:
    """CTEs ``log``, ``grid`` (the period) and ``calendar`` (roster × period with activities)."""
    r = _rule(mentor_type)
    unit = r.unit_start.format(d=q("activity_date"))
    years, year_params = f.year_range("year(unit)")
    mentor_where, mentor_params = f.where("mentors", "m")
    # Only the user's scope limits the log (and so the period grid): another school's
    # activity dates must neither show nor change this school's figures.
    scope_where, scope_params = Filters(scope=f.scope).where("mentor_activities", "a")
    sql = f"""
        log AS (
          SELECT a.{q('mentor_id')} AS mentor_id, coalesce(a.{q('count')}, 1) AS n, {unit} AS unit
          FROM {q('mentor_activities')} a
          WHERE a.{q('activity_type')} = $activity AND {scope_where}
        ),
        grid AS (
          SELECT unit, (unit + {r.step} - INTERVAL 1 DAY)::DATE AS unit_end, {r.label.format(u="unit")} AS period
          FROM (
            SELECT unnest(generate_series(min(unit), max(unit), {r.step}))::DATE AS unit FROM log
          )
          WHERE {" AND ".join(years) or "TRUE"}
        ),
        roster AS (
          SELECT m.{q('mentor_id')} AS mentor_id, m.{q('mentor_name')} AS mentor_name,
                 m.{q('appointed_on')} AS appointed_on
          FROM {q('mentors')} m
          WHERE m.{q('mentor_type')} = $mentor_type AND {mentor_where}
        ),
        done AS (SELECT mentor_id, unit, sum(n) AS activities FROM log GROUP BY ALL),
        calendar AS (
          SELECT r.mentor_id, r.mentor_name, g.period,
                 g.unit AS period_start, coalesce(d.activities, 0) AS activities,
                 coalesce(d.activities, 0) >= $threshold AS compliant
          FROM roster r
          JOIN grid g ON r.appointed_on IS NULL OR r.appointed_on <= g.unit_end
          LEFT JOIN done d ON d.mentor_id = r.mentor_id AND d.unit = g.unit
        )
    """
    threshold = int(getattr(s, r.threshold))
    return sql, {"activity": r.activity, "mentor_type": mentor_type, "threshold": threshold,
                 **scope_params, **year_params, **mentor_params}


def compliance_parts(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str = "school", *,
    per_mentor: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One pass over the mentor × period calendar: every period of **every** year (the filter's
    years left out, for a headline's series and its change on the years before) and, unless
    ``per_mentor`` is False, each mentor's counts over the periods of the filter's years.

    Periods: [period, period_start, period_end, compliant, cells, share, logged] in calendar
    order (``cells`` mentor-periods on the roster, ``logged`` mentor-periods of the log holding
    such an activity, whoever's). Per mentor: [mentor_id, mentor_name, periods,
    compliant_periods, non_compliant_periods, activities, share], least compliant first. A
    period's cells do not depend on which other years are selected, so :func:`compliance_periods`
    of a year range is these periods within it."""
    cte, params = _calendar_cte(replace(f, year_from=None, year_to=None), s, mentor_type)
    window, window_params = f.year_range("year(period_start)")
    nulls = ", NULL AS mentor_id, NULL AS mentor_name" + "".join(f", NULL AS {c}" for c in _MENTOR_COLUMNS[2:])
    periods_of = f"""
        SELECT 'period' AS part, g.period, g.unit AS period_start, g.unit_end AS period_end,
               coalesce(c.compliant, 0) AS compliant, coalesce(c.cells, 0) AS cells,
               coalesce(l.n, 0) AS logged{nulls if per_mentor else ""}
        FROM grid g LEFT JOIN cells c ON c.unit = g.unit LEFT JOIN logged l ON l.unit = g.unit
    """
    logged = "logged AS (SELECT unit, count(*) AS n FROM done GROUP BY unit)"
    if not per_mentor:
        sql = f"""
            WITH {cte}, {logged},
            cells AS (
              SELECT period_start AS unit, count(*) FILTER (WHERE compliant) AS compliant, count(*) AS cells
              FROM calendar GROUP BY period_start
            )
            {periods_of} ORDER BY g.unit
        """
    else:
        sql = f"""
            WITH {cte}, {logged},
            marked AS (SELECT *, {" AND ".join(window) or "TRUE"} AS in_window FROM calendar),
            groups AS (
              SELECT grouping(mentor_id) = 1 AS by_period, period_start AS unit, mentor_id,
                     any_value(mentor_name) AS mentor_name,
                     count(*) FILTER (WHERE compliant) AS compliant, count(*) AS cells,
                     count(*) FILTER (WHERE in_window) AS periods,
                     count(*) FILTER (WHERE in_window AND compliant) AS compliant_periods,
                     count(*) FILTER (WHERE in_window AND NOT compliant) AS non_compliant_periods,
                     sum(activities) FILTER (WHERE in_window) AS activities
              FROM marked GROUP BY GROUPING SETS ((period_start), (mentor_id))
            ),
            cells AS (SELECT unit, compliant, cells FROM groups WHERE by_period)
            {periods_of}
            UNION ALL  -- positional: the same columns in the same order as the periods
            SELECT 'mentor' AS part, NULL, NULL, NULL, NULL, NULL, NULL,
                   mentor_id, mentor_name, periods, compliant_periods, non_compliant_periods,
                   activities, compliant_periods / periods AS share
            FROM groups WHERE NOT by_period AND periods > 0
            ORDER BY part, period_start, share, activities, mentor_id
        """
        params = {**params, **window_params}
    df = query(con, sql, params)
    periods = df[df["part"] == "period"][list(_PERIOD_COLUMNS)].reset_index(drop=True)
    for col in ("compliant", "cells", "logged"):
        periods[col] = periods[col].astype("int64")
    periods["share"] = periods["compliant"] / periods["cells"].where(periods["cells"] > 0)
    if not per_mentor:
        return periods, None
    mentors_ = df[df["part"] == "mentor"][list(_MENTOR_COLUMNS)].reset_index(drop=True)
    for col in ("periods", "compliant_periods", "non_compliant_periods"):
        mentors_[col] = mentors_[col].astype("int64")
    mentors_["share"] = mentors_["share"].astype("float64")
    return periods, mentors_


_PERIOD_COLUMNS = ("period", "period_start", "period_end", "compliant", "cells", "logged")
_MENTOR_COLUMNS = ("mentor_id", "mentor_name", "periods", "compliant_periods", "non_compliant_periods",
                   "activities", "share")


def in_years(periods: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The rows of :func:`compliance_parts`' periods whose start year is in the filter's years."""
    years = pd.to_datetime(periods["period_start"]).dt.year
    keep = pd.Series(True, index=periods.index)
    if f.year_from is not None:
        keep &= years >= f.year_from
    if f.year_to is not None:
        keep &= years <= f.year_to
    return periods[keep].reset_index(drop=True)


def compliance_periods(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str = "school"
) -> pd.DataFrame:
    """Every period (month or semester) of the filter's years in calendar order, with its counts
    (columns as :func:`compliance_parts`' periods). Rates, years and the series of the headline
    all add these rows up."""
    return in_years(compliance_parts(con, f, s, mentor_type, per_mentor=False)[0], f)


def pooled(periods: pd.DataFrame, s: Settings) -> Rate | None:
    """Compliant mentor-periods / mentor-periods over the rows of :func:`compliance_periods`;
    ``None`` ("no data") when none of them holds an activity of the type."""
    if int(periods["logged"].sum()) == 0:
        return None
    return rate(int(periods["compliant"].sum()), int(periods["cells"].sum()), s.small_n)


def compliance_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str) -> Rate | None:
    """Compliant mentor-periods / mentor-periods of ``mentor_type`` ("school" monthly visits,
    "enterprise" teaching per semester); ``None`` when the period has no such activity."""
    return pooled(compliance_periods(con, f, s, mentor_type), s)


def least_compliant_calendar(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str = "school", limit: int = 40
) -> pd.DataFrame:
    """The mentor × period calendar of the ``limit`` least compliant mentors (lowest share of
    compliant periods, then mentor ID, as ``per_mentor`` orders them): what a heatmap can
    show, without building the whole calendar (1.3 million cells at a million students).
    Columns as ``ComplianceResult.calendar``."""
    cte, params = _calendar_cte(f, s, mentor_type)
    return query(
        con,
        f"""
        WITH {cte},
        worst AS (
          SELECT mentor_id FROM calendar GROUP BY mentor_id
          ORDER BY count(*) FILTER (WHERE compliant) / count(*), mentor_id LIMIT $limit
        )
        SELECT mentor_id, period, period_start, activities, compliant
        FROM calendar SEMI JOIN worst USING (mentor_id)
        ORDER BY mentor_id, period_start
        """,
        {**params, "limit": limit},
    )


def compliance_by_period(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str = "school"
) -> pd.DataFrame:
    """Share of compliant mentors in each period, in calendar order:
    [period, period_start, share, cells] (a trend without shipping the whole calendar)."""
    return compliance_periods(con, f, s, mentor_type)[["period", "period_start", "share", "cells"]]


def compliance(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    s: Settings,
    mentor_type: str = "school",
    *,
    with_calendar: bool = True,
) -> ComplianceResult:
    """Compliance of every rostered mentor of ``mentor_type`` in every period, with the
    per-mentor counts, the non-compliant mentors and (unless ``with_calendar`` is False,
    for callers that only need the list) the full mentor × period calendar."""
    every, per_mentor = compliance_parts(con, f, s, mentor_type)
    return compliance_of(con, f, s, mentor_type, every, per_mentor, with_calendar=with_calendar)


def compliance_of(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str, every: pd.DataFrame,
    per_mentor: pd.DataFrame, *, with_calendar: bool = False,
) -> ComplianceResult:
    """:func:`compliance` from the two parts of :func:`compliance_parts` already computed."""
    periods = in_years(every, f)
    threshold = int(getattr(s, _rule(mentor_type).threshold))
    if with_calendar:
        cte, params = _calendar_cte(f, s, mentor_type)
        calendar = query(con, f"WITH {cte} SELECT mentor_id, period, period_start, activities, compliant "
                              "FROM calendar ORDER BY mentor_id, period_start", params)
    else:
        calendar = pd.DataFrame({"mentor_id": pd.Series(dtype=object), "period": pd.Series(dtype=object),
                                 "period_start": pd.Series(dtype="datetime64[us]"),
                                 "activities": pd.Series(dtype="float64"), "compliant": pd.Series(dtype=bool)})
    non_compliant = per_mentor[per_mentor["non_compliant_periods"] > 0].reset_index(drop=True)
    return ComplianceResult(
        mentor_type=mentor_type,
        threshold=threshold,
        rate=pooled(periods, s),
        per_mentor=per_mentor,
        non_compliant=non_compliant,
        calendar=calendar,
        period_from=pd.Timestamp(periods["period_start"].min()).date() if len(periods) else None,
        period_to=pd.Timestamp(periods["period_end"].max()).date() if len(periods) else None,
    )


def team(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """Qualification rules and load of the filtered roster.

    Returns ``school_rule_share``, ``enterprise_rule_share``, ``dual_qualified_share``
    (:class:`Rate`), ``school_rule_unknown``, ``enterprise_rule_unknown``,
    ``dual_qualified_unknown`` (mentors left out for unknown years or dual flag), and
    ``students_per_school_mentor`` / ``students_per_enterprise_mentor`` as
    ``{"mean", "max", "mentors", "students"}`` (mean and max ``None`` without mentors).
    """
    where, params = f.where("mentors", "m")
    years, qual, dual, mtype = q("years_experience"), q("qualification"), q("dual_qualified"), q("mentor_type")
    rules_sql = f"""
        SELECT
          count(*) FILTER (WHERE m.{mtype} = 'school' AND m.{years} >= $school_min_years AND nullif(trim(m.{qual}), '') IS NOT NULL),
          count(*) FILTER (WHERE m.{mtype} = 'school' AND m.{years} IS NOT NULL),
          count(*) FILTER (WHERE m.{mtype} = 'school' AND m.{years} IS NULL),
          count(*) FILTER (WHERE m.{mtype} = 'enterprise' AND m.{years} >= $enterprise_min_years),
          count(*) FILTER (WHERE m.{mtype} = 'enterprise' AND m.{years} IS NOT NULL),
          count(*) FILTER (WHERE m.{mtype} = 'enterprise' AND m.{years} IS NULL),
          count(*) FILTER (WHERE m.{mtype} = 'school' AND m.{dual}),
          count(*) FILTER (WHERE m.{mtype} = 'school' AND m.{dual} IS NOT NULL),
          count(*) FILTER (WHERE m.{mtype} = 'school' AND m.{dual} IS NULL)
        FROM {q('mentors')} m
        WHERE {where}
    """
    rules = rows(con, rules_sql, {"school_min_years": s.school_mentor_min_years,
                                  "enterprise_min_years": s.enterprise_mentor_min_years, **params})[0]
    student_where, student_params = f.where("students", "st")
    load_sql = f"""
        WITH roster AS (
          SELECT m.{q('mentor_id')} AS mentor_id, m.{mtype} AS mentor_type
          FROM {q('mentors')} m WHERE {where}
        ),
        assigned AS (
          SELECT 'school' AS mentor_type, st.{q('school_mentor_id')} AS mentor_id
          FROM {q('students')} st WHERE {student_where}
          UNION ALL
          SELECT 'enterprise', st.{q('enterprise_mentor_id')}
          FROM {q('students')} st WHERE {student_where}
        ),
        load AS (SELECT mentor_type, mentor_id, count(*) AS n FROM assigned GROUP BY ALL)
        SELECT r.mentor_type, avg(coalesce(l.n, 0)), max(coalesce(l.n, 0)), count(*), sum(coalesce(l.n, 0))
        FROM roster r LEFT JOIN load l USING (mentor_type, mentor_id)
        GROUP BY r.mentor_type
    """
    loads = rows(con, load_sql, params | student_params)
    by_type = {row[0]: row[1:] for row in loads}
    out: dict = {
        "school_rule_share": rate(rules[0], rules[1], s.small_n),
        "school_rule_unknown": rules[2],
        "enterprise_rule_share": rate(rules[3], rules[4], s.small_n),
        "enterprise_rule_unknown": rules[5],
        "dual_qualified_share": rate(rules[6], rules[7], s.small_n),
        "dual_qualified_unknown": rules[8],
    }
    for mentor_type in MENTOR_TYPES:
        mean, top, mentors, students = by_type.get(mentor_type, (None, None, 0, 0))
        out[f"students_per_{mentor_type}_mentor"] = {
            "mean": mean,
            "max": top,
            "mentors": mentors,
            "students": int(students),
        }
    return out


def evaluations(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str | None = None
) -> pd.DataFrame:
    """360 evaluation per mentor, ranked within each mentor type for recognition lists.

    Columns: mentor_id, mentor_name, mentor_type, ``score_<evaluator>`` and ``n_<evaluator>``
    for each evaluator type (school, enterprise, student, third_party), overall, n (all
    evaluations), rank (1 = best overall within the mentor type; NULL without an overall).
    """
    if mentor_type is not None:
        _rule(mentor_type)
    where, params = f.where("mentor_evaluations", "e")
    etype, score = q("evaluator_type"), q("score")
    per_type, weighted, weights = [], [], []
    values: dict = {}
    for ev in schema.EVALUATOR_TYPES:  # $ev_<type>: the evaluator type, $w_<type>: its weight
        per_type.append(
            f"avg(e.{score}) FILTER (WHERE e.{etype} = $ev_{ev}) AS {q('score_' + ev)}, "
            f"count(*) FILTER (WHERE e.{etype} = $ev_{ev}) AS {q('n_' + ev)}"
        )
        weighted.append(f"coalesce($w_{ev} * {q('score_' + ev)}, 0)")
        weights.append(f"CASE WHEN {q('score_' + ev)} IS NULL THEN 0 ELSE $w_{ev} END")
        values |= {f"ev_{ev}": ev, f"w_{ev}": float(s.evaluator_weights.get(ev, 0.0))}
    type_cond = "m.mentor_type = $mentor_type" if mentor_type is not None else "TRUE"
    sql = f"""
        WITH per AS (
          SELECT e.{q('mentor_id')} AS mentor_id, {", ".join(per_type)}, count(*) AS n
          FROM {q('mentor_evaluations')} e
          WHERE {where}
          GROUP BY 1
        ),
        scored AS (
          SELECT *, ({" + ".join(weighted)}) / nullif({" + ".join(weights)}, 0) AS overall
          FROM per
        )
        SELECT sc.mentor_id, m.mentor_name, m.mentor_type,
               {", ".join(f"{q('score_' + ev)}, {q('n_' + ev)}" for ev in schema.EVALUATOR_TYPES)},
               overall, n,
               CASE WHEN overall IS NOT NULL
                    THEN rank() OVER (PARTITION BY m.mentor_type ORDER BY overall DESC NULLS LAST) END AS rank
        FROM scored sc
        LEFT JOIN (SELECT {q('mentor_id')} AS mentor_id, {q('mentor_name')} AS mentor_name,
                          {q('mentor_type')} AS mentor_type FROM {q('mentors')}) m USING (mentor_id)
        WHERE {type_cond}
        ORDER BY m.mentor_type, rank NULLS LAST, sc.mentor_id
    """
    return query(con, sql, values | params | ({"mentor_type": mentor_type} if mentor_type else {}))


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """``school_mentor_compliance`` and ``enterprise_mentor_compliance`` (rate dicts; value
    ``None`` and 0/0 when there is no data) and ``mentor_team`` for ``metrics --json``."""
    out: dict = {}
    for mentor_type in MENTOR_TYPES:
        r = compliance_rate(con, f, s, mentor_type)
        out[f"{mentor_type}_mentor_compliance"] = (r or rate(0, 0, s.small_n)).as_dict()
    return out | team_headline(con, f, s)


def team_headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """``mentor_team`` of ``metrics --json`` (the compliance keys come from the headlines)."""
    t = team(con, f, s)
    return {"mentor_team": {
        **{
            key: {**t[key].as_dict(), "unknown": t[key.replace("_share", "_unknown")]}
            for key in ("school_rule_share", "enterprise_rule_share", "dual_qualified_share")
        },
        "students_per_school_mentor": t["students_per_school_mentor"],
        "students_per_enterprise_mentor": t["students_per_enterprise_mentor"],
    }}
