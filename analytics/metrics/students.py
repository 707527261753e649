"""Student assessments (SPEC §3 "Composite student score"): composite, bands, distributions, growth.

* composite = w_theory × theory + w_skill × skill + w_prof × professionalism with the
  weights of ``Settings.weights``; a missing component makes the composite missing
  (SQL arithmetic with NULL), never zero. It is rounded to 6 decimals so that binary
  floating point cannot move a score of exactly 90 into the band below.
* bands: excellent ≥ 90, good ≥ 80, pass ≥ 60, fail < 60; no band without a composite.
* The unit is one assessment row (a student in a term). Counts ``n`` are assessments
  with a composite, ``missing`` those without one.

Student filters reach assessments through the student roster
(``Filters.where("student_assessments", ...)``); terms carry no year, so years are
ignored here.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics import schema
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.metrics import query, rows
from analytics.stats import rate

BANDS = ("excellent", "good", "pass", "fail")
BAND_FLOORS = (("excellent", 90), ("good", 80), ("pass", 60))

# Grouping of distribution_by: name -> (table alias, column); "a" assessments, "st" students.
GROUPS = {
    "stage": ("a", "stage"),
    "term": ("a", "term"),
    "class": ("st", "class_name"),
    "major": ("st", "major"),
    "school_mentor": ("st", "school_mentor_id"),
    "enterprise_mentor": ("st", "enterprise_mentor_id"),
}

_A = schema.table("student_assessments")
_S = schema.table("students")
_M = schema.table("mentors")


_BAND_CASE = (
    "CASE "
    + " ".join(f"WHEN composite >= {floor} THEN '{band}'" for band, floor in BAND_FLOORS)
    + " WHEN composite IS NOT NULL THEN 'fail' END"
)


def _scored(f: Filters, s: Settings, student_column: str | None = None) -> tuple[str, dict]:
    """CTE ``scored``: the filtered assessments with composite and band, plus the
    student's ``student_column`` (joined only when asked for: the join costs at scale)."""
    where, params = f.where(_A.name, "a")
    if student_column is None:
        extra, join = "", ""
    else:
        col = q(_S.column(student_column).name)
        extra = f"st.{col} AS {col},"
        join = f"LEFT JOIN {q(_S.name)} st ON st.{q('student_id')} = a.{q('student_id')}"
    sql = f"""
        scored0 AS (
          SELECT a.*, {extra}
                 round($w_theory * a.{q('theory_score')} + $w_skill * a.{q('skill_score')}
                       + $w_professionalism * a.{q('professionalism_score')}, 6) AS composite
          FROM {q(_A.name)} a
          {join}
          WHERE {where}
        ),
        scored AS (SELECT *, {_BAND_CASE} AS band FROM scored0)
    """
    weights = dict(zip(("w_theory", "w_skill", "w_professionalism"), map(float, s.weights), strict=True))
    return sql, weights | params


def composite_scores(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """One row per filtered assessment: student_id, student_name, term, stage, the three
    component scores, composite (NULL when a component is missing) and band."""
    cte, params = _scored(f, s)
    sql = f"""
        WITH {cte}
        SELECT sc.{q('student_id')} AS student_id, st.{q('student_name')} AS student_name,
               sc.{q('term')} AS term, sc.{q('stage')} AS stage,
               sc.{q('theory_score')} AS theory_score, sc.{q('skill_score')} AS skill_score,
               sc.{q('professionalism_score')} AS professionalism_score,
               sc.composite, sc.band
        FROM scored sc
        LEFT JOIN {q(_S.name)} st ON st.{q('student_id')} = sc.{q('student_id')}
        ORDER BY student_id, term
    """
    return query(con, sql, params)


def _band_counts_sql() -> str:
    return ", ".join(f"count(*) FILTER (WHERE band = '{b}') AS {q(b)}" for b in BANDS)


def composite_summary(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """Mean and median composite, ``n`` (assessments with a composite), ``missing`` and each
    band as a :class:`~analytics.stats.Rate` of ``n``. Mean and median are ``None`` when n = 0."""
    cte, params = _scored(f, s)
    sql = f"""
        WITH {cte}
        SELECT avg(composite), median(composite), count(composite),
               count(*) - count(composite), {_band_counts_sql()}
        FROM scored
    """
    mean, med, n, missing, *bands = rows(con, sql, params)[0]
    return {
        "mean": mean,
        "median": med,
        "n": n,
        "missing": missing,
        "bands": {b: rate(k, n, s.small_n) for b, k in zip(BANDS, bands, strict=True)},
    }


def distribution_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str) -> pd.DataFrame:
    """Composite distribution per ``by`` (stage, term, class, major, school_mentor, enterprise_mentor).

    Columns: group, label (the mentor's name for mentor groupings, else the group),
    n, missing, mean, median, excellent, good, pass, fail (band counts of ``n``).
    Assessments whose group is unknown form one group with ``group`` NULL. Stages come
    in programme order, other groups in their natural order.
    """
    if by not in GROUPS:
        raise AnalyticsError("program-unknown-grouping", by=by, allowed=", ".join(GROUPS))
    alias, column = GROUPS[by]
    table = _A if alias == "a" else _S
    group_col = q(table.column(column).name)
    cte, params = _scored(f, s, column if table is _S else None)
    if by in ("school_mentor", "enterprise_mentor"):
        label = f"coalesce(m.{q('mentor_name')}, d.\"group\")"
        join = f"LEFT JOIN {q(_M.name)} m ON m.{q('mentor_id')} = d.\"group\""
    else:
        label, join = 'd."group"', ""
    order = 'list_position($stages, d."group")' if by == "stage" else 'd."group"'
    order_params = {"stages": list(schema.STAGES)} if by == "stage" else {}
    sql = f"""
        WITH {cte},
        d AS (
          SELECT {group_col} AS "group", count(composite) AS n, count(*) - count(composite) AS missing,
                 avg(composite) AS mean, median(composite) AS median, {_band_counts_sql()}
          FROM scored
          GROUP BY 1
        )
        SELECT d."group", {label} AS label, d.n, d.missing, d.mean, d.median,
               {", ".join(f"d.{q(b)}" for b in BANDS)}
        FROM d {join}
        ORDER BY {order} NULLS LAST
    """
    return query(con, sql, params | order_params)


def growth_file(
    con: duckdb.DuckDBPyConnection,
    student_id: str,
    s: Settings | None = None,
    *,
    scope: tuple[str, ...] | None = None,
) -> dict[str, pd.DataFrame]:
    """One student's record: ``student`` (the roster row; empty when unknown),
    ``assessments`` by term with composite and band, ``certificates`` (every exam, by
    date) and ``employment`` (every survey, by date). No filter applies: it is one student,
    but the user's ``scope`` does (a student of another school is "unknown": every frame empty)."""
    s = s or Settings()
    cte, params = _scored(Filters(), s)
    one, one_params = f"{q('student_id')} = $student_id", {"student_id": student_id}
    if scope is not None:  # a scoped user sees the student only on a roster of their schools
        in_scope, scope_params = Filters(scope=scope).where("students", "_g")
        one += f" AND {q('student_id')} IN (SELECT _g.{q('student_id')} FROM {q(_S.name)} _g WHERE {in_scope})"
        one_params |= scope_params
    roster_cols = ", ".join(q(c) for c in _S.column_names)
    exam_cols = ", ".join(q(c) for c in schema.table("certificate_exams").column_names)
    job_cols = ", ".join(q(c) for c in schema.table("employment").column_names)
    queries = {
        "student": (f"SELECT {roster_cols} FROM {q(_S.name)} WHERE {one}", one_params),
        "assessments": (
            f"""WITH {cte}
                SELECT {q('term')} AS term, {q('stage')} AS stage,
                       {q('theory_score')} AS theory_score, {q('skill_score')} AS skill_score,
                       {q('professionalism_score')} AS professionalism_score, composite, band
                FROM scored WHERE {one} ORDER BY term""",
            params | one_params,
        ),
        "certificates": (
            f"SELECT {exam_cols} FROM {q('certificate_exams')} WHERE {one} "
            f"ORDER BY {q('exam_date')}, {q('certificate_name')}",
            one_params,
        ),
        "employment": (
            f"SELECT {job_cols} FROM {q('employment')} WHERE {one} ORDER BY {q('survey_date')}",
            one_params,
        ),
    }
    return {key: query(con, sql, p) for key, (sql, p) in queries.items()}


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """``{"composite_score": {"mean", "median", "n", "missing", "bands": {band: rate dict}}}``."""
    summary = composite_summary(con, f, s)
    summary["bands"] = {b: r.as_dict() for b, r in summary["bands"].items()}
    return {"composite_score": summary}
