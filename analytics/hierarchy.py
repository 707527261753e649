"""The bureau's hierarchy of schools: school → county (区县) → region (市/省).

``schools.county`` and ``schools.region`` are imported like any column of the schools
table. A user may be scoped to schools, counties or regions; ``area_schools`` turns a
county or region scope into its schools, so that ``Filters.scope`` stays a tuple of school
IDs and every existing scope check keeps working. It is resolved on every page run (and
for every CLI command), so a school imported into a county later joins its users' scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from analytics.db import quote_ident as q

LEVELS = ("school", "county", "region")


@dataclass(frozen=True)
class School:
    """One school with its place in the hierarchy (``None`` where the roster leaves it blank)."""

    school_id: str
    school_name: str | None
    county: str | None
    region: str | None


def schools(con: duckdb.DuckDBPyConnection) -> list[School]:
    """Every school of the roster with its county and region, by ID (a small table: read whole,
    so the same plain SQL runs on every engine)."""
    rows = con.execute(
        f"SELECT {q('school_id')}, {q('school_name')}, {q('county')}, {q('region')} "
        f"FROM {q('schools')} ORDER BY {q('school_id')}"
    ).fetchall()
    return [School(*(None if v is None else str(v).strip() or None for v in row)) for row in rows]


def area_schools(
    con: duckdb.DuckDBPyConnection, counties: Iterable[str] = (), regions: Iterable[str] = (),
    schools_: Iterable[str] = (),
) -> tuple[str, ...]:
    """The school IDs of ``schools_`` plus every school whose county is one of ``counties``
    or whose region is one of ``regions``, sorted; a county or region absent from the
    roster adds nothing (the scope fails closed: no school, not every school).

    >>> area_schools(con, counties=["滨江区"])  # doctest: +SKIP
    ('3301012', '3301031')
    """
    counties, regions = set(counties), set(regions)
    out = set(schools_)
    for s in schools(con):
        if (s.county is not None and s.county in counties) or (s.region is not None and s.region in regions):
            out.add(s.school_id)
    return tuple(sorted(out))


def counties(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None = None) -> list[tuple[str, str | None]]:
    """The (county, region) pairs of the schools in ``scope`` (``None`` = all), sorted."""
    seen = {(s.county, s.region) for s in schools(con)
            if s.county is not None and (scope is None or s.school_id in scope)}
    return sorted(seen, key=lambda p: (p[1] or "", p[0]))
