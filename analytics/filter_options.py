"""The values the global filters can take, read from the data (SPEC §4).

The dashboard offers only years, schools, majors, cohorts, models, genders and enterprises that are
actually present, so a filter never selects an empty world by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics import db, schema
from analytics.db import quote_ident as q
from analytics.filters import Filters

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
    genders: tuple[str, ...] = ()  # in schema order
    enterprises: tuple[tuple[str, str], ...] = ()  # (enterprise_id, name)

    @property
    def names(self) -> dict[str, str]:
        """School and enterprise IDs to names, for ``Filters.caption``."""
        return dict(self.schools) | dict(self.enterprises)


def _ids_with_names(
    con: duckdb.DuckDBPyConnection, table: str, name: str, used_in: str, scoped: Filters
) -> tuple[tuple[str, str], ...]:
    """IDs present in ``table`` or referenced from ``used_in``, with their ``name`` where known
    (both limited to ``scoped``: the user's scope only)."""
    key = schema.table(table).key[0]
    t_where, t_params = scoped.where(table, "a")
    u_where, u_params = scoped.where(used_in, "u")
    sql = f"""
        WITH ids AS (
          SELECT a.{q(key)} AS id FROM {q(table)} a WHERE {t_where}
          UNION SELECT u.{q(key)} FROM {q(used_in)} u WHERE u.{q(key)} IS NOT NULL AND {u_where}
        )
        SELECT ids.id, coalesce(t.{q(name)}, ids.id) AS name
        FROM ids LEFT JOIN {q(table)} t ON t.{q(key)} = ids.id
        ORDER BY name, ids.id
    """
    return tuple((r[0], r[1]) for r in db.rows(con, sql, t_params | u_params))


def filter_options(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None = None) -> FilterOptions:
    """Every filter's choices present in the database (empty tuples for an empty database).

    ``scope`` (the user's schools, ``None`` = all) limits every choice to what the user may
    see, so that no other school, its majors or its enterprises appear in the sidebar.
    """
    scoped = Filters(scope=scope)
    parts, params = [], {}
    for table, expr in _YEAR_SOURCES:
        where, p = scoped.where(table, "x")
        parts.append(f"SELECT DISTINCT CAST({expr} AS INTEGER) AS y FROM {q(table)} x WHERE {where}")
        params |= p
    years = tuple(r[0] for r in db.rows(
        con, f"SELECT y FROM ({' UNION '.join(parts)}) WHERE y IS NOT NULL ORDER BY y", params))
    s_where, s_params = scoped.where("students", "x")
    m_where, m_params = scoped.where("mentors", "x")
    majors = tuple(r[0] for r in db.rows(
        con, f"SELECT DISTINCT x.{q('major')} FROM {q('students')} x WHERE x.{q('major')} IS NOT NULL AND {s_where} "
        f"UNION SELECT DISTINCT x.{q('major')} FROM {q('mentors')} x "
        f"WHERE x.{q('major')} IS NOT NULL AND {m_where} ORDER BY 1", s_params | m_params))
    cohorts = tuple(r[0] for r in db.rows(
        con, f"SELECT DISTINCT x.{q('cohort_year')} FROM {q('students')} x "
        f"WHERE x.{q('cohort_year')} IS NOT NULL AND {s_where} ORDER BY 1", s_params))
    models = tuple(r[0] for r in db.rows(
        con, f"SELECT DISTINCT x.{q('training_model')} FROM {q('students')} x "
        f"WHERE x.{q('training_model')} IS NOT NULL AND {s_where} ORDER BY 1", s_params))
    present = {r[0] for r in db.rows(
        con, f"SELECT DISTINCT x.{q('gender')} FROM {q('students')} x "
        f"WHERE x.{q('gender')} IS NOT NULL AND {s_where}", s_params)}
    return FilterOptions(
        years=years,
        schools=_ids_with_names(con, "schools", "school_name", "students", scoped),
        majors=majors,
        cohorts=cohorts,
        models=models,
        genders=tuple(g for g in schema.GENDERS if g in present),
        enterprises=_ids_with_names(con, "enterprises", "enterprise_name", "students", scoped),
    )
