"""The values the global filters can take, read from the data (SPEC §4).

The dashboard offers only years, schools, majors, cohorts, models and enterprises that are
actually present, so a filter never selects an empty world by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics import schema
from analytics.db import quote_ident as q
from analytics.errors import StoreError

# Tables and the year each row belongs to (the same years ``Filters.where`` filters on).
_YEAR_SOURCES = (
    ("certificate_exams", "year(exam_date)"),
    ("employment", "graduation_year"),
    ("satisfaction_surveys", "year(survey_date)"),
    ("mentor_activities", "year(activity_date)"),
    ("funding", "year"),
)


@dataclass(frozen=True)
class FilterOptions:
    """Choices for each filter, sorted; names map IDs to display names."""

    years: tuple[int, ...] = ()
    schools: tuple[tuple[str, str], ...] = ()  # (school_id, name)
    majors: tuple[str, ...] = ()
    cohorts: tuple[int, ...] = ()
    models: tuple[str, ...] = ()
    enterprises: tuple[tuple[str, str], ...] = ()  # (enterprise_id, name)

    @property
    def names(self) -> dict[str, str]:
        """School and enterprise IDs to names, for ``Filters.caption``."""
        return dict(self.schools) | dict(self.enterprises)


def _ids_with_names(
    cur: duckdb.DuckDBPyConnection, table: str, name: str, used_in: str
) -> tuple[tuple[str, str], ...]:
    """IDs present in ``table`` or referenced from ``used_in``, with their ``name`` where known."""
    key = schema.table(table).key[0]
    sql = f"""
        WITH ids AS (
          SELECT {q(key)} AS id FROM {q(table)}
          UNION SELECT {q(key)} FROM {q(used_in)} WHERE {q(key)} IS NOT NULL
        )
        SELECT ids.id, coalesce(t.{q(name)}, ids.id) AS name
        FROM ids LEFT JOIN {q(table)} t ON t.{q(key)} = ids.id
        ORDER BY name, ids.id
    """
    return tuple((r[0], r[1]) for r in cur.execute(sql).fetchall())


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """Every filter's choices present in the database (empty tuples for an empty database)."""
    cur = con.cursor()
    try:
        year_sql = " UNION ".join(
            f"SELECT DISTINCT CAST({expr} AS INTEGER) AS y FROM {q(table)}" for table, expr in _YEAR_SOURCES
        )
        years = tuple(r[0] for r in cur.execute(
            f"SELECT y FROM ({year_sql}) WHERE y IS NOT NULL ORDER BY y").fetchall())
        majors = tuple(r[0] for r in cur.execute(
            f"SELECT DISTINCT {q('major')} FROM {q('students')} WHERE {q('major')} IS NOT NULL "
            f"UNION SELECT DISTINCT {q('major')} FROM {q('mentors')} WHERE {q('major')} IS NOT NULL "
            "ORDER BY 1").fetchall())
        cohorts = tuple(r[0] for r in cur.execute(
            f"SELECT DISTINCT {q('cohort_year')} FROM {q('students')} WHERE {q('cohort_year')} IS NOT NULL "
            "ORDER BY 1").fetchall())
        models = tuple(r[0] for r in cur.execute(
            f"SELECT DISTINCT {q('training_model')} FROM {q('students')} "
            f"WHERE {q('training_model')} IS NOT NULL ORDER BY 1").fetchall())
        return FilterOptions(
            years=years,
            schools=_ids_with_names(cur, "schools", "school_name", "students"),
            majors=majors,
            cohorts=cohorts,
            models=models,
            enterprises=_ids_with_names(cur, "enterprises", "enterprise_name", "students"),
        )
    except duckdb.Error as e:
        raise StoreError("db-read-failed", detail=str(e)) from e
    finally:
        cur.close()
