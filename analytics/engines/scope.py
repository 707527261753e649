"""The signed-in user's school scope, for the database's own row-level security.

The pages and the CLI pass the scope to queries through :class:`analytics.filters.Filters`;
on PostgreSQL the same scope is also set for every transaction (``app.schools``) so that the
database refuses other schools' rows even to a query that forgot its filter. ``None`` means
all schools (an administrator, the importer of a whole region); a tuple names the schools.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

ALL = "*"

current: ContextVar[tuple[str, ...] | None] = ContextVar("dual_mentor_scope", default=None)


def setting(schools: tuple[str, ...] | None = ...) -> str:  # type: ignore[assignment]
    """The ``app.schools`` value: ``*`` for all schools, else the ids joined by commas
    (an empty scope is the empty string: no rows)."""
    value = current.get() if schools is ... else schools
    if value is None:
        return ALL
    return ",".join(str(s).replace(",", "") for s in value)


def set_scope(schools: tuple[str, ...] | None) -> None:
    """Scope the rest of this thread's (context's) queries to ``schools`` (``None`` = all)."""
    current.set(None if schools is None else tuple(schools))


@contextmanager
def scoped(schools: tuple[str, ...] | None) -> Iterator[None]:
    """Queries inside the block see only ``schools`` (``None`` = all)."""
    token = current.set(None if schools is None else tuple(schools))
    try:
        yield
    finally:
        current.reset(token)
