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
  ``employment`` (any survey date) or in a destination row rejected at import (a
  graduate with unknown status until the row is fixed or its batch undone).
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

from dataclasses import dataclass, replace

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
SALARY_BAND = 500  # 元: the width of a band of the salary spread (:func:`salary_distribution`)
_SURVEY_COLUMNS = (
    "student_id", "survey_date", "status", "employer_name", "enterprise_id", "related_to_major",
    "monthly_salary",
)
# Fields kept from each graduate's first and latest survey after graduation.
_FIRST_COLUMNS = ("status", "employer_name", "enterprise_id", "related_to_major", "monthly_salary")
_LAST_COLUMNS = ("status", "employer_name", "enterprise_id")
# The counts of _table's cells (per group and graduation-year window), added up per grouping set.
_CELL_COUNTS = ("placed", "known", "covered", "employed", "related_known", "related", "partner",
                "retention_base", "retained", "salary_n")

# Breakdown -> student column (over the roster), or None for the graduation year itself.
BY = {
    "graduation_year": None,
    "major": "major",
    "school": "school_id",
    "dual": "dual_mentor",
    "gender": "gender",
    "enterprise": "enterprise_id",
    "school_mentor": "school_mentor_id",
    "enterprise_mentor": "enterprise_mentor_id",
}


@dataclass(frozen=True)
class EmploymentRate:
    """Initial employment rate with its coverage beside it."""

    rate: Rate
    coverage: Rate

    def as_dict(self) -> dict:
        return self.rate.as_dict() | {"coverage": self.coverage.as_dict()}


def _table(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str | None, and_by: str | None = None,
    *, every_year: bool = False, spread: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Every employment count per group of ``by`` (and of ``and_by`` within it: column
    ``group2``), plus a pooled row (``total`` True).

    With ``every_year`` the groups cover every graduation year (the filter's years left
    out) while the pooled row still pools only the filter's years: a graduate's counts do
    not depend on which other years are selected, so one pass serves a series over every
    year, breakdowns of the filter's years (add the cells up) and the filter's pooled figures.

    One pass: surveys are reduced to one row per graduate (the dates of the first and the
    latest survey after graduation, by hash aggregation; those surveys' fields, NULLs kept, by
    the employment key (student_id, survey_date)), the roster is joined
    to those rows once, and they are counted per group and in total with grouping sets, so the
    pooled figures cost no second query. The roster is joined to survey rows only where a row
    lacks its graduation year. Graduates whose surveys all predate graduation still count as
    seen (for the coverage of a year without a roster).

    With ``spread`` the same pass also counts, per graduation year, the graduates by their
    first known status after graduation (``part`` ``destination``: status, graduates) and the
    employed by band of ``SALARY_BAND`` 元 of their first salary (``part`` ``band``: lower,
    graduates), returned as a second frame: the destinations chart and the salary spread
    then need no scan of their own.
    """
    for name in (by, and_by):
        if name is not None and name not in BY:
            raise ValueError(f"by must be one of {tuple(BY)}, not {name!r}")
    g_grad, g_roster = _group_columns(by)
    g2_grad, g2_roster = _group_columns(and_by)
    sx_join = f"LEFT JOIN {q('students')} sx ON sx.{q('student_id')} = gr.student_id"
    no_years = replace(f, year_from=None, year_to=None)
    # named parameters: every year range below is f's ($f_year_from, $f_year_to), one value each
    st_where, st_params = no_years.where("students", "st")
    e_where, e_params = (no_years if every_year else f).where("employment", "e")
    gy = f"st.{q('graduation_year')}"
    year_conds, year_params = f.year_range(gy)
    # in_window: the row's graduation year is in the filter's (the pooled row's years)
    roster_window = " AND ".join(year_conds) or "TRUE"
    grad_window = " AND ".join(f.year_range("gr.graduation_year")[0]) or "TRUE"
    if every_year:
        year_conds = []
    else:
        roster_window, grad_window = "TRUE", "TRUE"
    # the pooled row: over the filter's years (every_year) or over every row (one row even without any)
    # with every_year also each graduation year whole (per_g: the (g) set, every figure of the year)
    pooled_set, window_col = (
        ("(g), (in_window)", "in_window, grouping(g2) = 1 AND grouping(g) = 0 AS per_g") if every_year
        else ("()", "TRUE AS in_window, FALSE AS per_g"))
    roster_cond = " AND ".join([f"{gy} IS NOT NULL", st_where, *year_conds])
    same_employer = (
        "coalesce(CASE WHEN first_enterprise_id IS NOT NULL AND last_enterprise_id IS NOT NULL "
        "THEN first_enterprise_id = last_enterprise_id "
        "ELSE lower(trim(first_employer_name)) = lower(trim(last_employer_name)) END, FALSE)"
    )
    followed = (
        "employed AND surveys > 1 AND (first_enterprise_id IS NOT NULL OR first_employer_name IS NOT NULL)"
    )
    cols = ", ".join(f"em.{q(c)} AS {c}" for c in _SURVEY_COLUMNS)
    after = "FILTER (WHERE e.survey_date >= make_date(e.graduation_year, $graduation_month, 1))"
    # The first and the latest survey's dates per graduate, then their fields fetched by the
    # employment key (student_id, survey_date): a date is one survey of a student. Cheaper than
    # carrying the fields through the aggregate (struct-valued arg_min/arg_max: 0.29 s of a
    # 1M-survey store's 0.37 s for this step), and plain SQL on both engines.
    dates = (f"min(e.survey_date) {after} AS first_date, max(e.survey_date) {after} AS last_date"
             + (", arg_min(e.status, e.survey_date) FILTER (WHERE e.survey_date >= "
                "make_date(e.graduation_year, $graduation_month, 1) AND e.status IS NOT NULL) AS known_status"
                if spread else ""))  # the first known status (destinations), only when asked for
    fields = ", ".join(
        [f"fs.{q(c)} AS first_{c}" for c in _FIRST_COLUMNS] + [f"ls.{q(c)} AS last_{c}" for c in _LAST_COLUMNS]
        + ["d.known_status"] * spread)
    def key(path: str) -> str:  # a field of a rejected row's key
        return f"json_extract_string(r.row_key, ${path})"

    order = 'total, "group" NULLS LAST, group2 NULLS LAST'
    spread_sql = f"SELECT * FROM counted ORDER BY {order}"
    if spread:
        # explicit columns, not UNION BY NAME: the branches share only "group"
        main = ", ".join(f'"{c}"' for c in _COUNTED)
        per_year = ", ".join('graduation_year AS "group"' if c == "group" else f'NULL AS "{c}"' for c in _COUNTED)
        spread_sql = f"""SELECT * FROM (
          SELECT {main}, CAST(NULL AS VARCHAR) AS part, CAST(NULL AS VARCHAR) AS status,
                 CAST(NULL AS DOUBLE) AS lower, CAST(NULL AS BIGINT) AS graduates
          FROM counted
          UNION ALL
          SELECT {per_year},
                 'destination' AS part, known_status AS status, NULL AS lower, count(*) AS graduates
          FROM flagged WHERE known_status IS NOT NULL GROUP BY graduation_year, known_status
          -- (from flagged, one row per graduate as in graduates: graduates then feeds flagged
          -- alone and is streamed, not stored for a second reader: 0.07 s of 1M surveys)
          UNION ALL
          SELECT {per_year},
                 'band' AS part, NULL AS status, lower, count(*) AS graduates
          FROM (SELECT graduation_year, CAST(floor(first_monthly_salary / $band) * $band AS DOUBLE) AS lower
                FROM flagged WHERE surveys > 0 AND employed AND first_monthly_salary IS NOT NULL) b
          GROUP BY graduation_year, lower
        ) u ORDER BY part NULLS FIRST, {order}, status, lower"""
    nulls = ", ".join(f"NULL AS {c}" for c in _SURVEY_COLUMNS if c not in ("student_id", "survey_date"))
    cell_sums = ", ".join(f"sum({c}) AS {c}" for c in _CELL_COUNTS)
    flags = [c for c in _CELL_COUNTS if c != "salary_n"]  # each a boolean column of flagged
    cell_counts = ", ".join([*(f"count(*) FILTER (WHERE {c}) AS {c}" for c in flags),
                             "count(first_monthly_salary) FILTER (WHERE employed) AS salary_n"])
    known_status = " known_status," if spread else ""
    sql = f"""
        WITH pending AS (
          -- A destination row rejected at import is a graduate with unknown status until it
          -- is fixed (re-imported) or its batch undone: coverage must not look complete.
          SELECT DISTINCT {key('key_student')} AS student_id,
                 TRY_CAST({key('key_year')} AS INTEGER) AS graduation_year,
                 TRY_CAST({key('key_date')} AS DATE) AS survey_date
          FROM import_rejects r JOIN import_batches b ON b.batch_id = r.batch_id
          WHERE b.target_table = 'employment' AND b.status = 'loaded' AND r.row_key IS NOT NULL
        ),
        pending_surveyed AS (
          -- the pending students who have a survey all the same, looked up from the few pending
          -- rows: an anti-join of pending against employment hashes every survey (0.15 CPU
          -- seconds at a million surveys, for no pending row at all)
          SELECT DISTINCT x.{q('student_id')} AS student_id FROM {q('employment')} x
          WHERE x.{q('student_id')} IN (SELECT student_id FROM pending)
        ),
        emp AS (
          SELECT {cols}, em.{q('graduation_year')} AS graduation_year
          FROM {q('employment')} em WHERE em.{q('graduation_year')} IS NOT NULL
          UNION ALL
          SELECT {cols}, st.{q('graduation_year')} AS graduation_year
          FROM {q('employment')} em
          JOIN {q('students')} st ON st.{q('student_id')} = em.{q('student_id')}
          WHERE em.{q('graduation_year')} IS NULL
          UNION ALL
          SELECT p.student_id, coalesce(p.survey_date, make_date(gy, 8, 31)) AS survey_date, {nulls},
                 gy AS graduation_year
          FROM (SELECT p.*, coalesce(p.graduation_year, st.{q('graduation_year')}) AS gy
                FROM pending p LEFT JOIN {q('students')} st ON st.{q('student_id')} = p.student_id) p
          WHERE p.student_id IS NOT NULL AND gy IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM pending_surveyed x WHERE x.student_id = p.student_id)
        ),
        roster AS (
          -- Students who have not graduated by the latest surveyed year are no graduates yet.
          SELECT {gy} AS graduation_year, {g_roster} AS g, {g2_roster} AS g2, {roster_window} AS in_window,
                 count(*) AS n
          FROM {q('students')} st
          WHERE {roster_cond} AND {gy} <= (SELECT max(graduation_year) FROM emp)
          GROUP BY 1, 2, 3, 4
        ),
        graduates AS (
          SELECT d.student_id, d.graduation_year, d.surveys, {fields}
          FROM (
            SELECT e.student_id, e.graduation_year,
                   count(*) FILTER (WHERE e.survey_date >= make_date(e.graduation_year, $graduation_month, 1)) AS surveys,
                   {dates}
            FROM emp e WHERE {e_where}
            GROUP BY 1, 2
          ) d
          LEFT JOIN {q('employment')} fs ON fs.{q('student_id')} = d.student_id AND fs.{q('survey_date')} = d.first_date
          LEFT JOIN {q('employment')} ls ON ls.{q('student_id')} = d.student_id AND ls.{q('survey_date')} = d.last_date
        ),
        flagged AS (
          -- one row per graduate with the flags each count needs, worked out once: flagged has
          -- three readers, so DuckDB stores it, and a few booleans store cheaper than the survey
          -- text they come from (storing it: 0.23 -> 0.07 CPU seconds at a million surveys)
          SELECT g, g2, in_window, graduation_year, surveys, roster_loaded,{known_status} placed, employed,
            first_status IS NOT NULL AS known,
            first_status IS NOT NULL AND (NOT roster_loaded OR roster_year = graduation_year) AS covered,
            employed AND first_related_to_major IS NOT NULL AS related_known,
            employed AND first_related_to_major AS related,
            employed AND first_enterprise_id IS NOT NULL AS partner,
            {followed} AS retention_base,
            {followed} AND last_employed AND {same_employer} AS retained,
            first_monthly_salary
          FROM (
            SELECT gr.*, {g_grad} AS g, {g2_grad} AS g2, sx.{q('graduation_year')} AS roster_year,
                   list_contains($placed::VARCHAR[], gr.first_status) AS placed,
                   list_contains($employed::VARCHAR[], gr.first_status) AS employed,
                   list_contains($employed::VARCHAR[], gr.last_status) AS last_employed,
                   {grad_window} AS in_window,
                   gr.graduation_year IN (SELECT graduation_year FROM roster) AS roster_loaded
            FROM graduates gr {sx_join}
          ) gr
        ),
        cells AS (
          -- the counts per (g, g2, in_window) in one pass over the graduates; each grouping set
          -- below adds these cells up instead of counting the graduates again
          SELECT g, g2, in_window,
            {cell_counts}
          FROM flagged WHERE surveys > 0 GROUP BY g, g2, in_window
        ),
        firsts AS (
          SELECT grouping(g) = 1 AS total, g, g2, {window_col},
            {cell_sums}, CAST(NULL AS DOUBLE) AS median_salary  -- typed: see the union below
          FROM cells GROUP BY GROUPING SETS ((g, g2), {pooled_set})
        ),
        medians AS (
          -- a median does not add up: over the salaries themselves, only the employed's
          SELECT grouping(g) = 1 AS total, g, g2, {window_col},
            median(first_monthly_salary) AS median_salary
          FROM flagged WHERE surveys > 0 AND employed GROUP BY GROUPING SETS ((g, g2), {pooled_set})
        ),
        grads AS (
          SELECT grouping(g) = 1 AS total, g, g2, {window_col}, count(*) AS coverage_denominator
          FROM flagged WHERE NOT roster_loaded
          GROUP BY GROUPING SETS ((g, g2), {pooled_set})
        ),
        roster_counts AS (
          SELECT grouping(g) = 1 AS total, g, g2, {window_col}, sum(n) AS coverage_denominator
          FROM roster GROUP BY GROUPING SETS ((g, g2), {pooled_set})
        ),
        counted AS (
        SELECT total, g AS "group", g2 AS group2, in_window, per_g, sum(placed) AS placed, sum(known) AS known,
               sum(covered) AS covered, sum(coverage_denominator) AS coverage_denominator,
               sum(employed) AS employed, sum(related) AS related,
               sum(related_known) AS related_known, sum(partner) AS partner,
               sum(retained) AS retained, sum(retention_base) AS retention_base,
               max(median_salary) AS median_salary, sum(salary_n) AS salary_n
        FROM (
          -- (PostgreSQL types a column that two leading branches both leave NULL as text:
          -- medians, NULL but for its median, comes last)
          SELECT * FROM firsts
          UNION ALL BY NAME SELECT * FROM roster_counts
          UNION ALL BY NAME SELECT * FROM grads
          UNION ALL BY NAME SELECT * FROM medians
        )
        GROUP BY 1, 2, 3, 4, 5
        )
        {spread_sql}
    """
    params = {
        "key_student": "$.student_id", "key_year": "$.graduation_year", "key_date": "$.survey_date",
        **st_params, **year_params, **e_params,
        "graduation_month": GRADUATION_MONTH,
        "placed": list(s.placed_statuses()), "employed": list(EMPLOYED),
    }
    if spread:
        params["band"] = SALARY_BAND
    df = query(con, sql, params)
    extra = None
    if spread:
        part = df["part"].notna()
        extra = df.loc[part, ["part", "group", "status", "lower", "graduates"]].reset_index(drop=True)
        extra["graduates"] = extra["graduates"].astype("int64")
        df = df[~part].drop(columns=["part", "status", "lower", "graduates"]).reset_index(drop=True)
    df["total"] = df["total"].astype(bool)  # also for an empty result (PostgreSQL: object columns)
    # the pooled row of the filter's years only (none when no graduate is in them)
    df = df[~df["total"] | df["in_window"].fillna(False).astype(bool)].drop(columns="in_window")
    df["per_g"] = df["per_g"].fillna(False).astype(bool)
    df = df.reset_index(drop=True)
    if not every_year:
        df = df.drop(columns="per_g")
    if and_by is None:
        df = df.drop(columns="group2")
    counts = [c for c in df.columns if c not in ("total", "group", "group2", "per_g", "median_salary")]
    df[counts] = df[counts].fillna(0).astype("int64")
    return df if extra is None else (df, extra)


def _group_columns(by: str | None) -> tuple[str, str]:
    """SQL of ``by``'s group for a graduate (their roster row ``sx``; the graduation year of
    the survey rows) and for a roster row ``st``; ``NULL`` for no grouping."""
    if by == "graduation_year":
        return "gr.graduation_year", f"st.{q('graduation_year')}"
    if by is not None:
        return f"sx.{q(BY[by])}", f"st.{q(BY[by])}"
    return "NULL", "NULL"


def _groups(df: pd.DataFrame) -> pd.DataFrame:
    return df[~df["total"]].drop(columns="total").reset_index(drop=True)


def _total(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["total"]].drop(columns="total").reset_index(drop=True)


def _one(df: pd.DataFrame, num: str, den: str, s: Settings) -> Rate:
    if df.empty:
        return stats.rate(0, 0, s.small_n)
    return stats.rate(int(df[num].iloc[0]), int(df[den].iloc[0]), s.small_n)


def initial_employment_rate(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings
) -> EmploymentRate:
    """Placed / known status at the first survey after graduation, with coverage."""
    df = _total(_table(con, f, s, None))
    return EmploymentRate(_one(df, "placed", "known", s), _one(df, "covered", "coverage_denominator", s))


def related_to_major_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Employed in a job related to the major / employed with the flag known (first survey)."""
    return _one(_total(_table(con, f, s, None)), "related", "related_known", s)


def partner_placement_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Employed at a partner enterprise / employed (first survey)."""
    return _one(_total(_table(con, f, s, None)), "partner", "employed", s)


def retention_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Same employer at the latest survey / employed at the first survey and surveyed again."""
    return _one(_total(_table(con, f, s, None)), "retained", "retention_base", s)


def median_monthly_salary(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """``{"value", "n"}``: median monthly salary of the employed at the first survey."""
    return _salary(_total(_table(con, f, s, None)))


def _salary(df: pd.DataFrame) -> dict:
    if df.empty or df["salary_n"].iloc[0] == 0:
        return {"value": None, "n": 0}
    return {"value": float(df["median_salary"].iloc[0]), "n": int(df["salary_n"].iloc[0])}


def _by(df: pd.DataFrame, num: str, den: str, s: Settings) -> pd.DataFrame:
    out = df[["group", num, den]].rename(columns={num: "numerator", den: "denominator"})
    return stats.add_rate_columns(out, s.small_n)


def initial_employment_by(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str, and_by: str | None = None
) -> pd.DataFrame:
    """Initial employment per group: [group, numerator, denominator, rate, ci_low, ci_high,
    small_n, coverage_numerator, coverage_denominator, coverage]. With ``and_by``, per pair of
    groups in one query (``group2`` the second: the school × major cells of a standardisation);
    a cell's numerator and denominator are those of ``by`` filtered to that ``and_by`` value."""
    groups = _groups(_table(con, f, s, by, and_by))
    out = _initial_by(groups, s)
    if and_by is not None:
        out.insert(1, "group2", groups["group2"].to_numpy())
    return out


def _initial_by(df: pd.DataFrame, s: Settings) -> pd.DataFrame:
    out = _by(df, "placed", "known", s)
    out["coverage_numerator"] = df["covered"]
    out["coverage_denominator"] = df["coverage_denominator"]
    den = df["coverage_denominator"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = np.where(den > 0, df["covered"].to_numpy(dtype="float64") / den, np.nan)
    return out


def related_to_major_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str) -> pd.DataFrame:
    """Related-to-major rate per group (rate frame)."""
    return _by(_groups(_table(con, f, s, by)), "related", "related_known", s)


def partner_placement_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str) -> pd.DataFrame:
    """Partner placement rate per group (rate frame)."""
    return _by(_groups(_table(con, f, s, by)), "partner", "employed", s)


def retention_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str) -> pd.DataFrame:
    """Retention rate per group (rate frame)."""
    return _by(_groups(_table(con, f, s, by)), "retained", "retention_base", s)


def salary_distribution(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Monthly salaries of the employed at the first survey after graduation, in bands of
    ``SALARY_BAND`` 元: [lower, upper, graduates]. The same graduates as the median salary
    (counted in the base query: :func:`salary_distribution_of`)."""
    return salary_distribution_of(years_and(con, f, s))


def median_monthly_salary_by(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str
) -> pd.DataFrame:
    """Median monthly salary of the employed per group: [group, value, n]."""
    return _salary_by(_groups(_table(con, f, s, by)))


def _salary_by(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"group": df["group"], "value": df["median_salary"], "n": df["salary_n"]})


@dataclass(frozen=True)
class Summary:
    """Every employment figure, pooled and per group, from one query (a page's worth)."""

    initial: EmploymentRate
    related: Rate
    partner: Rate
    retention: Rate
    salary: dict
    initial_by: pd.DataFrame
    related_by: pd.DataFrame
    partner_by: pd.DataFrame
    retention_by: pd.DataFrame
    salary_by: pd.DataFrame


def summary(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str = "graduation_year"
) -> Summary:
    """The figures of the functions above at once: the base query runs once instead of
    once per figure, which at a million students is most of the employment page's time."""
    df = _table(con, f, s, by)
    return _summary(_total(df), _groups(df), s)


def summary_of(v: Years, s: Settings) -> Summary:
    """:func:`summary` by graduation year from a :func:`years_and` already run (the same figures)."""
    return _summary(v.total, v.years_in(), s)


def _summary(total: pd.DataFrame, groups: pd.DataFrame, s: Settings) -> Summary:
    return Summary(
        initial=EmploymentRate(
            _one(total, "placed", "known", s), _one(total, "covered", "coverage_denominator", s)
        ),
        related=_one(total, "related", "related_known", s),
        partner=_one(total, "partner", "employed", s),
        retention=_one(total, "retained", "retention_base", s),
        salary=_salary(total),
        initial_by=_initial_by(groups, s),
        related_by=_by(groups, "related", "related_known", s),
        partner_by=_by(groups, "partner", "employed", s),
        retention_by=_by(groups, "retained", "retention_base", s),
        salary_by=_salary_by(groups),
    )


def pooled_period(summary: Summary) -> str:
    """The graduation years a :class:`Summary`'s pooled figures cover ("2021–2025", "2025", "")."""
    years = summary.initial_by.loc[summary.initial_by["denominator"] > 0, "group"].dropna().astype(int).tolist()
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def destinations(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Status at the first survey after graduation per graduation year:
    [graduation_year, status, graduates, share] (share of the year's graduates with a known status;
    counted in the base query: :func:`destinations_of`)."""
    return destinations_of(years_and(con, f, s))


def _latest(by_year: pd.DataFrame, s: Settings) -> tuple[int | None, EmploymentRate]:
    """The latest graduation year with a known status, and its rate with coverage."""
    df = by_year[by_year["denominator"] > 0]
    if df.empty:
        return None, EmploymentRate(stats.rate(0, 0, s.small_n), stats.rate(0, 0, s.small_n))
    row = df.iloc[-1]
    return int(row["group"]), EmploymentRate(
        stats.rate(int(row["numerator"]), int(row["denominator"]), s.small_n),
        stats.rate(int(row["coverage_numerator"]), int(row["coverage_denominator"]), s.small_n),
    )


def latest_initial_employment(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings
) -> tuple[int | None, EmploymentRate]:
    """The latest graduation year in the filter with a known status, and its rate with coverage
    (the figure a school reports: "initial employment of the 2024 graduates")."""
    return _latest(initial_employment_by(con, f, s, "graduation_year"), s)


_COUNTED = ("total", "group", "group2", "in_window", "per_g", "placed", "known", "covered",
            "coverage_denominator", "employed", "related", "related_known", "partner", "retained",
            "retention_base", "median_salary", "salary_n")  # the columns of _table's query
_COUNTS = ("placed", "known", "covered", "coverage_denominator", "employed", "related", "related_known",
           "partner", "retained", "retention_base", "salary_n")


@dataclass(frozen=True)
class Years:
    """One pass of the base query for a view (:func:`years_and`): counts per graduation year ×
    ``by`` group over **every** graduation year, and the pooled row of the filter's years."""

    by: str
    year_from: int | None
    year_to: int | None
    cells: pd.DataFrame  # group (graduation year), group2 (the ``by`` group), the counts
    years: pd.DataFrame  # each graduation year whole (every figure, the median salary too)
    total: pd.DataFrame  # the filter's years pooled (no row when no graduate is in them)
    # per graduation year (group): destinations (status) and salary bands (lower); None when
    # years_and was asked for no spread
    spread: pd.DataFrame | None

    def years_in(self) -> pd.DataFrame:
        """The whole graduation years of the filter's years."""
        return self._in(self.years)

    def in_years(self) -> pd.DataFrame:
        """The cells of the filter's graduation years."""
        return self._in(self.cells)

    def spread_part(self, part: str) -> pd.DataFrame:
        """The spread's rows of ``part`` (``destination`` or ``band``); a programming error on a
        view computed without them."""
        if self.spread is None:
            raise ValueError("this view was computed without its spread: years_and(..., spread=True)")
        return self.spread[self.spread["part"] == part]

    def _in(self, frame: pd.DataFrame) -> pd.DataFrame:
        year = frame["group"]
        keep = year.notna()
        if self.year_from is not None:
            keep &= year >= self.year_from
        if self.year_to is not None:
            keep &= year <= self.year_to
        return frame[keep].reset_index(drop=True)


def years_and(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str = "major", *, spread: bool = True
) -> Years:
    """The base query once for the headline's series (every graduation year, the filter's years
    left out), a breakdown by ``by`` of the filter's years and the pooled figures of the filter's
    years: each graduate's counts fall in one cell, so the breakdowns are sums of cells.

    Without ``spread`` (``metrics --json``, which draws no chart) the destinations and salary
    bands are not counted and ``Years.spread`` is ``None``: the same figures, at a million
    surveys about a fifth less of the query's CPU time (the first known status per graduate and
    two more groupings)."""
    if spread:
        table, bands = _table(con, f, s, "graduation_year", by, every_year=True, spread=True)
    else:
        table, bands = _table(con, f, s, "graduation_year", by, every_year=True), None
    groups = _groups(table)
    whole = groups["per_g"]
    cells = groups[~whole].drop(columns="per_g").reset_index(drop=True)
    years = groups[whole].drop(columns=["per_g", "group2"]).reset_index(drop=True)
    return Years(by, f.year_from, f.year_to, cells, years, _total(table).drop(columns="per_g"), bands)


def destinations_of(v: Years) -> pd.DataFrame:
    """:func:`destinations` from a :func:`years_and` already run (no scan of its own)."""
    d = v._in(v.spread_part("destination"))
    d = pd.DataFrame({"graduation_year": d["group"].astype("int64"), "status": d["status"],
                      "graduates": d["graduates"]})
    d["share"] = d["graduates"] / d.groupby("graduation_year")["graduates"].transform("sum")
    return d.reset_index(drop=True)


def salary_distribution_of(v: Years) -> pd.DataFrame:
    """:func:`salary_distribution` from a :func:`years_and` already run: the per-year bands of
    the filter's years added up."""
    b = v._in(v.spread_part("band"))
    out = b.groupby("lower", sort=True)["graduates"].sum().reset_index()
    out["lower"] = out["lower"].astype("float64")
    out.insert(1, "upper", out["lower"] + SALARY_BAND)
    out["graduates"] = out["graduates"].astype("int64")
    return out


def _add_up(cells: pd.DataFrame, key: str) -> pd.DataFrame:
    """Counts summed per ``key`` (group order as the query's: ascending, unknown last)."""
    out = cells.groupby(key, sort=True, dropna=False)[list(_COUNTS)].sum().reset_index()
    out = out.rename(columns={key: "group"}).astype({"group": cells[key].dtype})  # as the query's
    out[list(_COUNTS)] = out[list(_COUNTS)].astype("int64")
    return out


def by_every_year(v: Years, s: Settings) -> pd.DataFrame:
    """Initial employment per graduation year over every year (as :func:`initial_employment_by`
    by ``graduation_year`` with the filter's years left out)."""
    return _initial_by(v.years, s)


def by_group(v: Years, s: Settings) -> pd.DataFrame:
    """Initial employment per ``v.by`` group in the filter's years (as :func:`initial_employment_by`)."""
    return _initial_by(_add_up(v.in_years(), "group2"), s)


def initial_by_year(v: Years, s: Settings) -> pd.DataFrame:
    """Initial employment per graduation year of the filter's years (as :func:`initial_employment_by`
    by ``graduation_year``)."""
    return _initial_by(v.years_in(), s)


def headline_keys(v: Years, s: Settings) -> tuple[dict, pd.DataFrame]:
    """The employment keys of ``metrics --json`` and the initial employment per graduation year
    of the filter's years, from one :func:`years_and`: ``initial_employment_rate`` is the latest
    year's (with its ``graduation_year``); the other rates and the salary pool the filter's years."""
    by_year = initial_by_year(v, s)
    year, initial = _latest(by_year, s)
    df = v.total
    return {
        "initial_employment_rate": initial.as_dict() | {"graduation_year": year},
        "related_to_major_rate": _one(df, "related", "related_known", s).as_dict(),
        "partner_placement_rate": _one(df, "partner", "employed", s).as_dict(),
        "retention_rate": _one(df, "retained", "retention_base", s).as_dict(),
        "median_monthly_salary": _salary(df),
    }, by_year


def headline_with_years(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings
) -> tuple[dict, pd.DataFrame]:
    """:func:`headline_keys` of a fresh :func:`years_and`."""
    return headline_keys(years_and(con, f, s), s)


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """The employment keys of ``metrics --json`` (see :func:`headline_keys`)."""
    return headline_with_years(con, f, s)[0]
