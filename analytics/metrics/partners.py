"""Partner enterprises (SPEC §2 ``enterprises``): each partner with its cooperation form,
the students placed with it in the program, and the graduates it hired.

* ``students`` / ``dual_students``: roster students whose partner enterprise it is, under
  the student filters and the years (time at school overlapping them).
* ``hired``: distinct graduates employed or self-employed at it (``employment.enterprise_id``)
  at any survey of the filtered graduation years.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query


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
    return query(con, sql, st_params + em_params + en_params)
