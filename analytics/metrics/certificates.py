"""Skill-certificate pass rates (SPEC §3): per attempt, first attempt, per person; breakdowns.

Measures (``measure`` argument):

* ``"attempt"``: passed exams / exams sat (the *certificate pass rate*).
* ``"first_attempt"``: the same over each student's earliest attempt at each
  certificate. "Earliest" looks at the student's whole history, so a 2024 resit is
  not a first attempt even when the year filter starts in 2024.
* ``"person"``: students with at least one pass / students who sat (the
  *certification rate*); within a breakdown, per group (a student counts once per group).

Exams whose result is unknown are left out of numerator and denominator alike.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from analytics import stats
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query
from analytics.stats import Comparison, Rate

MEASURES = ("attempt", "first_attempt", "person")

# Breakdown dimension -> (SQL expression over exams ``e`` / students ``s``, needs the students join).
BY = {
    "year": (f"year(e.{q('exam_date')})", False),
    "certificate": (f"e.{q('certificate_name')}", False),
    "level": (f"e.{q('certificate_level')}", False),
    "major": (f"s.{q('major')}", True),
    "cohort": (f"s.{q('cohort_year')}", True),
    "school": (f"s.{q('school_id')}", True),
    "model": (f"s.{q('training_model')}", True),
    "dual": (f"s.{q('dual_mentor')}", True),
    "enterprise": (f"s.{q('enterprise_id')}", True),
    "school_mentor": (f"s.{q('school_mentor_id')}", True),
    "enterprise_mentor": (f"s.{q('enterprise_mentor_id')}", True),
}


def _source(measure: str) -> str:
    """The exam rows a measure counts: all attempts, or each student's first per certificate."""
    exams = q("certificate_exams")
    if measure == "first_attempt":
        sid, cert, date, passed, level = (
            q(c) for c in ("student_id", "certificate_name", "exam_date", "passed", "certificate_level")
        )
        return (
            f"(SELECT {sid}, {cert}, min({date}) AS {date}, arg_min({passed}, {date}) AS {passed}, "
            f"arg_min_null({level}, {date}) AS {level} FROM {exams} WHERE {passed} IS NOT NULL "
            f"GROUP BY 1, 2)"
        )
    return exams


def _counts(
    con: duckdb.DuckDBPyConnection, f: Filters, measure: str, by: str | None
) -> pd.DataFrame:
    """Numerator and denominator, one row per group (one row in all when ``by`` is None)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {tuple(BY)}, not {by!r}")
    group, needs_students = BY[by] if by else ("NULL", False)
    join = (
        f"LEFT JOIN {q('students')} s ON s.{q('student_id')} = e.{q('student_id')}"
        if needs_students
        else ""
    )
    where, params = f.where("certificate_exams", "e")
    passed = f"e.{q('passed')}"
    rows = (
        f"FROM {_source(measure)} e {join} WHERE {where} AND {passed} IS NOT NULL"
    )
    if measure == "person":
        sql = (
            f"SELECT {'g' if by else 'NULL'} AS \"group\", count(*) FILTER (WHERE any_pass) AS numerator, "
            f"count(*) AS denominator FROM (SELECT {group} AS g, e.{q('student_id')}, "
            f"bool_or({passed}) AS any_pass {rows} GROUP BY 1, 2)"
        )
    else:
        sql = (
            f"SELECT {group} AS \"group\", count(*) FILTER (WHERE {passed}) AS numerator, "
            f"count(*) AS denominator {rows}"
        )
    if by is not None:
        sql += " GROUP BY 1 ORDER BY 1 NULLS LAST"
    return query(con, sql, params)


def _rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str) -> Rate:
    row = _counts(con, f, measure, None).iloc[0]
    return stats.rate(int(row["numerator"]), int(row["denominator"]), s.small_n)


def pass_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Certificate pass rate: passed exams / exams sat."""
    return _rate(con, f, s, "attempt")


def first_attempt_pass_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Pass rate of each student's first attempt at each certificate."""
    return _rate(con, f, s, "first_attempt")


def certification_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Students with at least one pass / students who sat."""
    return _rate(con, f, s, "person")


def pass_rates_by(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str, measure: str = "attempt"
) -> pd.DataFrame:
    """``measure`` per value of ``by``: frame [group, numerator, denominator, rate, ci_low, ci_high, small_n].

    Student attributes come from the roster; exams of students missing from it form the
    group ``None``.
    """
    return stats.add_rate_columns(_counts(con, f, measure, by), s.small_n)


def dual_vs_other(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "attempt"
) -> Comparison:
    """Dual-mentor students (group) against the other students (baseline) in the same filter.

    The filter's own ``dual`` setting is ignored; students whose flag is unknown are in
    neither group.
    """
    counts = _counts(con, replace(f, dual="all"), measure, "dual")
    known = counts[counts["group"].notna()]
    found = {bool(g): (int(k), int(n)) for g, k, n in known.itertuples(index=False)}
    group = stats.rate(*found.get(True, (0, 0)), s.small_n)
    baseline = stats.rate(*found.get(False, (0, 0)), s.small_n)
    return stats.compare(group, baseline)


def dual_vs_other_by_year(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "attempt"
) -> pd.DataFrame:
    """Dual vs other per exam year: frame [year, group_numerator, group_denominator,
    baseline_numerator, baseline_denominator, relative, diff] (one query, for targets and trends)."""
    if measure not in ("attempt", "first_attempt"):
        raise ValueError("per-year comparison is defined for attempt measures")
    where, params = replace(f, dual="all").where("certificate_exams", "e")
    passed = f"e.{q('passed')}"
    dual = f"s.{q('dual_mentor')}"
    sql = f"""
        SELECT year(e.{q('exam_date')}) AS year,
               count(*) FILTER (WHERE {dual} AND {passed}) AS group_numerator,
               count(*) FILTER (WHERE {dual}) AS group_denominator,
               count(*) FILTER (WHERE NOT {dual} AND {passed}) AS baseline_numerator,
               count(*) FILTER (WHERE NOT {dual}) AS baseline_denominator
        FROM {_source(measure)} e
        JOIN {q('students')} s ON s.{q('student_id')} = e.{q('student_id')}
        WHERE {where} AND {passed} IS NOT NULL AND e.{q('exam_date')} IS NOT NULL
        GROUP BY 1 ORDER BY 1
    """
    df = query(con, sql, params)
    g = df["group_numerator"] / df["group_denominator"].where(df["group_denominator"] > 0)
    b = df["baseline_numerator"] / df["baseline_denominator"].where(df["baseline_denominator"] > 0)
    df["diff"] = g - b
    df["relative"] = g / b.where(b > 0) - 1
    return df


def pooled_comparison(by_year: pd.DataFrame, s: Settings) -> Comparison:
    """Dual vs other over all years of a :func:`dual_vs_other_by_year` frame (attempts add
    up across years, so this equals :func:`dual_vs_other` without a second query)."""
    group = stats.rate(int(by_year["group_numerator"].sum()), int(by_year["group_denominator"].sum()), s.small_n)
    baseline = stats.rate(
        int(by_year["baseline_numerator"].sum()), int(by_year["baseline_denominator"].sum()), s.small_n
    )
    return stats.compare(group, baseline)
