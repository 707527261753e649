"""Partner enterprises (SPEC §2 ``enterprises``): each partner with its cooperation form,
the students placed with it in the program, and the graduates it hired.

* ``students`` / ``dual_students``: roster students whose partner enterprise it is, under
  the student filters and the years (time at school overlapping them).
* ``hired``: distinct graduates employed or self-employed at it (``employment.enterprise_id``)
  at any survey of the filtered graduation years.
* The partner table (:func:`partner_table`) puts beside each partner the initial
  employment and certification rates of its students and its latest satisfaction wave,
  each with numerator, denominator, interval and the small-group flag (a 100% on one
  student is marked, never shown as if it were a finding).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import certificates, employment, query, satisfaction


def partners(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """One row per partner enterprise: enterprise_id, enterprise_name, cooperation_form, industry,
    partner_since, demonstration_unit, students, dual_students, hired; by form, then name."""
    st_where, st_params = f.where("students", "s")
    em_where, em_params = f.where("employment", "e")
    en_where, en_params = f.where("enterprises", "en")
    eid = q("enterprise_id")
    sql = f"""
        WITH st AS (
          SELECT s.{eid} AS enterprise_id, count(*) AS students,
                 count(*) FILTER (WHERE s.{q('dual_mentor')}) AS dual_students
          FROM {q('students')} s WHERE s.{eid} IS NOT NULL AND {st_where} GROUP BY 1
        ),
        em AS (
          SELECT e.{eid} AS enterprise_id, count(DISTINCT e.{q('student_id')}) AS hired
          FROM {q('employment')} e
          WHERE e.{eid} IS NOT NULL AND e.{q('status')} IN ('employed', 'self_employed') AND {em_where}
          GROUP BY 1
        )
        SELECT en.{eid} AS enterprise_id, en.{q('enterprise_name')} AS enterprise_name,
               en.{q('cooperation_form')} AS cooperation_form, en.{q('industry')} AS industry,
               en.{q('partner_since')} AS partner_since, en.{q('demonstration_unit')} AS demonstration_unit,
               coalesce(st.students, 0) AS students, coalesce(st.dual_students, 0) AS dual_students,
               coalesce(em.hired, 0) AS hired
        FROM {q('enterprises')} en
        LEFT JOIN st ON st.enterprise_id = en.{eid}
        LEFT JOIN em ON em.enterprise_id = en.{eid}
        WHERE {en_where}
        ORDER BY cooperation_form NULLS LAST, enterprise_name, enterprise_id
    """
    return query(con, sql, st_params | em_params | en_params)


def by_form(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Partners, their students and the graduates they hired per cooperation form (a form
    not given counts as ``other``): [cooperation_form, partners, students, hired]."""
    roster = partners(con, f, s)
    return (roster.assign(cooperation_form=roster["cooperation_form"].fillna("other"))
            .groupby("cooperation_form", as_index=False, sort=True)
            .agg(partners=("enterprise_id", "count"), students=("students", "sum"), hired=("hired", "sum")))


def partner_table(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """One row per partner: its roster columns (without industry and start date), then
    ``placed`` (initial employment of its students, pooled over the filter's graduation
    years) with ``placed_k``/``placed_n``, ``certified`` (certification rate per student)
    with ``certified_k``/``certified_n``, ``mean_0_100`` and ``respondents`` of its latest
    satisfaction wave (``wave``), and ``placed_small``, ``certified_small`` and
    ``satisfaction_small``: that figure's denominator (students, respondents) is below the
    small-group threshold, so it is indicative only."""
    roster = partners(con, f, s).drop(columns=["industry", "partner_since"])
    jobs = employment.initial_employment_by(con, f, s, "enterprise")
    exams = certificates.pass_rates_by(con, f, s, "enterprise", "person")
    scores = satisfaction.latest_by_enterprise(con, f, s)

    def rates(df: pd.DataFrame, name: str) -> pd.DataFrame:
        return df[["group", "numerator", "denominator", "rate", "ci_low", "ci_high"]].rename(columns={
            "group": "enterprise_id", "numerator": f"{name}_k", "denominator": f"{name}_n", "rate": name,
            "ci_low": f"{name}_low", "ci_high": f"{name}_high"})

    table = (
        roster.merge(rates(jobs, "placed"), on="enterprise_id", how="left")
        .merge(rates(exams, "certified"), on="enterprise_id", how="left")
        .merge(scores[["enterprise", "wave", "mean_0_100", "respondents"]].rename(
            columns={"enterprise": "enterprise_id"}), on="enterprise_id", how="left")
    )
    for col in ("placed_k", "placed_n", "certified_k", "certified_n", "respondents", "wave"):
        table[col] = table[col].astype("Int64")
    for flag, n in (("placed_small", "placed_n"), ("certified_small", "certified_n"),
                    ("satisfaction_small", "respondents")):
        table[flag] = (table[n].notna() & (table[n] < s.small_n)).astype(bool)
    return table
