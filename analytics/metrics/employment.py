"""Graduate employment (SPEC §3): initial employment with coverage, related-to-major,
partner placement, retention, median salary, destinations.

Decisions, so that every figure can be defended:

* **Graduation date.** A graduate of year Y is taken to graduate on 1 June of Y
  (secondary vocational students leave in June/July; the graduation survey is often
  dated late June). A graduate's *first survey* is their earliest survey dated on or
  after that day; surveys before it (internship-time status) are never used.
* **Graduation year** is the survey row's ``graduation_year``, or the roster's when the
  row has none. The year filter selects graduation years.
* **Initial employment rate** for the graduates in the filter = placed at the first
  survey / known status at the first survey. Placed = employed and self_employed, plus
  further_study and enlisted unless the settings exclude them.
* **Coverage** = graduates with a known status at their first survey / graduates of
  the year in ``students``. For a graduation year with no graduate in the roster (no
  roster loaded), the denominator is the graduates of that year seen in
  ``employment`` (any survey date).
* **Employed** (denominator of related-to-major, partner placement, salary, retention)
  = employed or self_employed at the first survey. Related-to-major counts only
  graduates whose flag is known. Partner placement = ``enterprise_id`` set.
* **Retention** = graduates employed at the same employer at their latest survey /
  graduates employed at their first survey *who were surveyed again later* (an
  employer identified by ``enterprise_id``, else by ``employer_name``, compared
  case- and space-insensitively). Graduates not yet followed up are left out rather
  than counted as lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import stats
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query
from analytics.stats import Rate

GRADUATION_MONTH = 6  # graduation date = 1 June of the graduation year
EMPLOYED = ("employed", "self_employed")

# Breakdown -> (expression over the surveys ``e``, expression over the roster ``st``).
BY = {
    "graduation_year": ("e.graduation_year", f"st.{q('graduation_year')}"),
    "major": ("e.s_major", f"st.{q('major')}"),
    "school": ("e.s_school", f"st.{q('school_id')}"),
    "dual": ("e.s_dual", f"st.{q('dual_mentor')}"),
    "enterprise": ("e.s_enterprise", f"st.{q('enterprise_id')}"),
}


@dataclass(frozen=True)
class EmploymentRate:
    """Initial employment rate with its coverage beside it."""

    rate: Rate
    coverage: Rate

    def as_dict(self) -> dict:
        return self.rate.as_dict() | {"coverage": self.coverage.as_dict()}


def _table(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str | None) -> pd.DataFrame:
    """Every employment count per group of ``by`` (one row, group NULL, when ``by`` is None)."""
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {tuple(BY)}, not {by!r}")
    g_e, g_st = BY[by] if by else ("NULL", "NULL")
    st_where, st_params = Filters(
        school=f.school, major=f.major, cohort=f.cohort, model=f.model, dual=f.dual,
        enterprise=f.enterprise,
    ).where("students", "st")
    e_where, e_params = f.where("employment", "e")
    gy = f"st.{q('graduation_year')}"
    year_conds, year_params = [], []
    if f.year_from is not None:
        year_conds.append(f"{gy} >= ?")
        year_params.append(f.year_from)
    if f.year_to is not None:
        year_conds.append(f"{gy} <= ?")
        year_params.append(f.year_to)
    roster_years = " AND ".join([f"{gy} IS NOT NULL", st_where, *year_conds])
    same_employer = (
        "coalesce(CASE WHEN e.enterprise_id IS NOT NULL AND e.last_enterprise IS NOT NULL "
        "THEN e.enterprise_id = e.last_enterprise "
        "ELSE lower(trim(e.employer_name)) = lower(trim(e.last_employer)) END, FALSE)"
    )
    followed = (
        "e.status IN (SELECT status FROM employed_set) AND e.surveys > 1 "
        "AND (e.enterprise_id IS NOT NULL OR e.employer_name IS NOT NULL)"
    )
    sql = f"""
        WITH placed_set AS (SELECT unnest(?::VARCHAR[]) AS status),
        employed_set AS (SELECT unnest(?::VARCHAR[]) AS status),
        emp AS (
          SELECT em.{q('student_id')} AS student_id, em.{q('survey_date')} AS survey_date,
                 coalesce(em.{q('graduation_year')}, st.{q('graduation_year')}) AS graduation_year,
                 em.{q('status')} AS status, em.{q('employer_name')} AS employer_name,
                 em.{q('enterprise_id')} AS enterprise_id,
                 em.{q('related_to_major')} AS related_to_major,
                 em.{q('monthly_salary')} AS monthly_salary,
                 st.{q('graduation_year')} AS roster_year, st.{q('major')} AS s_major,
                 st.{q('school_id')} AS s_school, st.{q('dual_mentor')} AS s_dual,
                 st.{q('enterprise_id')} AS s_enterprise
          FROM {q('employment')} em
          LEFT JOIN {q('students')} st ON st.{q('student_id')} = em.{q('student_id')}
        ),
        roster AS (
          SELECT {gy} AS graduation_year, {g_st} AS g, count(*) AS n
          FROM {q('students')} st WHERE {roster_years} GROUP BY 1, 2
        ),
        surveys AS (
          SELECT e.*,
                 e.graduation_year IN (SELECT graduation_year FROM roster) AS roster_loaded,
                 row_number() OVER (PARTITION BY e.student_id, e.graduation_year
                                    ORDER BY e.survey_date) AS survey_no,
                 count(*) OVER w AS surveys,
                 last_value(e.status) OVER w AS last_status,
                 last_value(e.enterprise_id) OVER w AS last_enterprise,
                 last_value(e.employer_name) OVER w AS last_employer
          FROM emp e
          WHERE e.graduation_year IS NOT NULL AND e.survey_date >= make_date(e.graduation_year, ?, 1)
            AND {e_where}
          WINDOW w AS (PARTITION BY e.student_id, e.graduation_year ORDER BY e.survey_date
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
        ),
        firsts AS (
          SELECT {g_e} AS g,
            count(*) FILTER (WHERE e.status IN (SELECT status FROM placed_set)) AS placed,
            count(e.status) AS known,
            count(e.status) FILTER (WHERE NOT e.roster_loaded
                                    OR e.roster_year = e.graduation_year) AS covered,
            count(*) FILTER (WHERE e.status IN (SELECT status FROM employed_set)) AS employed,
            count(e.related_to_major) FILTER (WHERE e.status IN (SELECT status FROM employed_set))
              AS related_known,
            count(*) FILTER (WHERE e.status IN (SELECT status FROM employed_set)
                             AND e.related_to_major) AS related,
            count(*) FILTER (WHERE e.status IN (SELECT status FROM employed_set)
                             AND e.enterprise_id IS NOT NULL) AS partner,
            count(*) FILTER (WHERE {followed}) AS retention_base,
            count(*) FILTER (WHERE {followed}
                             AND e.last_status IN (SELECT status FROM employed_set)
                             AND {same_employer}) AS retained,
            median(e.monthly_salary) FILTER (WHERE e.status IN (SELECT status FROM employed_set))
              AS median_salary,
            count(e.monthly_salary) FILTER (WHERE e.status IN (SELECT status FROM employed_set))
              AS salary_n
          FROM surveys e WHERE e.survey_no = 1 GROUP BY 1
        ),
        grads AS (
          SELECT {g_e} AS g, count(DISTINCT e.student_id) AS coverage_denominator
          FROM emp e
          WHERE e.graduation_year IS NOT NULL
            AND e.graduation_year NOT IN (SELECT graduation_year FROM roster) AND {e_where}
          GROUP BY 1
        )
        SELECT g AS "group", sum(placed) AS placed, sum(known) AS known, sum(covered) AS covered,
               sum(coverage_denominator) AS coverage_denominator, sum(employed) AS employed,
               sum(related) AS related, sum(related_known) AS related_known,
               sum(partner) AS partner, sum(retained) AS retained,
               sum(retention_base) AS retention_base, max(median_salary) AS median_salary,
               sum(salary_n) AS salary_n
        FROM (
          SELECT * FROM firsts
          UNION ALL BY NAME SELECT g, n AS coverage_denominator FROM roster
          UNION ALL BY NAME SELECT * FROM grads
        )
        GROUP BY 1 ORDER BY 1 NULLS LAST
    """
    params = [
        list(s.placed_statuses()),
        list(EMPLOYED),
        *st_params,
        *year_params,
        GRADUATION_MONTH,
        *e_params,
        *e_params,
    ]
    df = query(con, sql, params)
    counts = [c for c in df.columns if c not in ("group", "median_salary")]
    df[counts] = df[counts].fillna(0).astype("int64")
    return df


def _one(df: pd.DataFrame, num: str, den: str, s: Settings) -> Rate:
    if df.empty:
        return stats.rate(0, 0, s.small_n)
    return stats.rate(int(df[num].iloc[0]), int(df[den].iloc[0]), s.small_n)


def initial_employment_rate(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings
) -> EmploymentRate:
    """Placed / known status at the first survey after graduation, with coverage."""
    df = _table(con, f, s, None)
    return EmploymentRate(_one(df, "placed", "known", s), _one(df, "covered", "coverage_denominator", s))


def related_to_major_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Employed in a job related to the major / employed with the flag known (first survey)."""
    return _one(_table(con, f, s, None), "related", "related_known", s)


def partner_placement_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Employed at a partner enterprise / employed (first survey)."""
    return _one(_table(con, f, s, None), "partner", "employed", s)


def retention_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Same employer at the latest survey / employed at the first survey and surveyed again."""
    return _one(_table(con, f, s, None), "retained", "retention_base", s)


def median_monthly_salary(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """``{"value", "n"}``: median monthly salary of the employed at the first survey."""
    return _salary(_table(con, f, s, None))


def _salary(df: pd.DataFrame) -> dict:
    if df.empty or df["salary_n"].iloc[0] == 0:
        return {"value": None, "n": 0}
    return {"value": float(df["median_salary"].iloc[0]), "n": int(df["salary_n"].iloc[0])}


def _by(df: pd.DataFrame, num: str, den: str, s: Settings) -> pd.DataFrame:
    out = df[["group", num, den]].rename(columns={num: "numerator", den: "denominator"})
    return stats.add_rate_columns(out, s.small_n)


def initial_employment_by(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str
) -> pd.DataFrame:
    """Initial employment per group: [group, numerator, denominator, rate, ci_low, ci_high,
    small_n, coverage_numerator, coverage_denominator, coverage]."""
    df = _table(con, f, s, by)
    out = _by(df, "placed", "known", s)
    out["coverage_numerator"] = df["covered"]
    out["coverage_denominator"] = df["coverage_denominator"]
    den = df["coverage_denominator"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = np.where(den > 0, df["covered"].to_numpy(dtype="float64") / den, np.nan)
    return out


def related_to_major_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str) -> pd.DataFrame:
    """Related-to-major rate per group (rate frame)."""
    return _by(_table(con, f, s, by), "related", "related_known", s)


def partner_placement_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str) -> pd.DataFrame:
    """Partner placement rate per group (rate frame)."""
    return _by(_table(con, f, s, by), "partner", "employed", s)


def retention_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str) -> pd.DataFrame:
    """Retention rate per group (rate frame)."""
    return _by(_table(con, f, s, by), "retained", "retention_base", s)


def median_monthly_salary_by(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str
) -> pd.DataFrame:
    """Median monthly salary of the employed per group: [group, value, n]."""
    df = _table(con, f, s, by)
    return pd.DataFrame({"group": df["group"], "value": df["median_salary"], "n": df["salary_n"]})


def destinations(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Status at the first survey after graduation per graduation year:
    [graduation_year, status, graduates, share] (share of the year's graduates with a known status)."""
    where, params = f.where("employment", "e")
    sql = f"""
        WITH emp AS (
          SELECT em.{q('student_id')} AS student_id, em.{q('survey_date')} AS survey_date,
                 coalesce(em.{q('graduation_year')}, st.{q('graduation_year')}) AS graduation_year,
                 em.{q('status')} AS status
          FROM {q('employment')} em
          LEFT JOIN {q('students')} st ON st.{q('student_id')} = em.{q('student_id')}
        ),
        firsts AS (
          SELECT e.graduation_year, e.status FROM emp e
          WHERE e.graduation_year IS NOT NULL AND e.status IS NOT NULL
            AND e.survey_date >= make_date(e.graduation_year, ?, 1) AND {where}
          QUALIFY row_number() OVER (PARTITION BY e.student_id, e.graduation_year
                                     ORDER BY e.survey_date) = 1
        )
        SELECT graduation_year, status, count(*) AS graduates,
               count(*) / sum(count(*)) OVER (PARTITION BY graduation_year) AS share
        FROM firsts GROUP BY 1, 2 ORDER BY 1, 2
    """
    return query(con, sql, [GRADUATION_MONTH, *params])


def latest_initial_employment(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings
) -> tuple[int | None, EmploymentRate]:
    """The latest graduation year in the filter with a known status, and its rate with coverage
    (the figure a school reports: "initial employment of the 2024 graduates")."""
    df = initial_employment_by(con, f, s, "graduation_year")
    df = df[df["denominator"] > 0]
    if df.empty:
        return None, EmploymentRate(stats.rate(0, 0, s.small_n), stats.rate(0, 0, s.small_n))
    row = df.iloc[-1]
    return int(row["group"]), EmploymentRate(
        stats.rate(int(row["numerator"]), int(row["denominator"]), s.small_n),
        stats.rate(int(row["coverage_numerator"]), int(row["coverage_denominator"]), s.small_n),
    )


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """The employment keys of ``metrics --json`` from two queries: the latest graduation
    year's initial employment (with ``graduation_year``) and the pooled rates and salary."""
    year, initial = latest_initial_employment(con, f, s)
    df = _table(con, f, s, None)
    return {
        "initial_employment_rate": initial.as_dict() | {"graduation_year": year},
        "related_to_major_rate": _one(df, "related", "related_known", s).as_dict(),
        "partner_placement_rate": _one(df, "partner", "employed", s).as_dict(),
        "retention_rate": _one(df, "retained", "retention_base", s).as_dict(),
        "median_monthly_salary": _salary(df),
    }
