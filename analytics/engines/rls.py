"""Row-level security on PostgreSQL: the school scope enforced by the database itself.

The app sets ``app.schools`` for every transaction (``set_config(…, true)``, see
:mod:`analytics.engines.postgres`): ``*`` for every school, else the comma-joined school ids
of the signed-in user. The policies below mirror :class:`analytics.filters.Filters`' scope
rules table by table (the same classification constants), so the database returns to a
scoped user exactly the rows the filters would, even to a query that forgot its filter:

* school-keyed tables (``schools``, ``students``, ``mentors``, ``actions``): ``school_id`` in
  the scope;
* tables reached through a student or a mentor: the student (mentor) row is visible — the
  policy's subquery is itself under the ``students`` (``mentors``) policy;
* enterprise-keyed tables: the enterprise is linked to a visible student, graduate or mentor;
* ``funding`` (no school): every school only.

An unset ``app.schools`` (a session that did not go through the app) sees nothing.
Superusers bypass row-level security in PostgreSQL, so the app connects as an ordinary role
(docs/DEPLOY.md); policies are ``FORCE``d so that the owner of the tables is bound too.
"""

from __future__ import annotations

from analytics.db import quote_ident as q

FUNCTIONS = (
    """
    CREATE OR REPLACE FUNCTION app_all_schools() RETURNS boolean LANGUAGE sql STABLE AS $$
      SELECT coalesce(current_setting('app.schools', true), '') = '*'
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION app_in_scope(school text) RETURNS boolean LANGUAGE sql STABLE AS $$
      SELECT app_all_schools()
          OR school = ANY (string_to_array(coalesce(current_setting('app.schools', true), ''), ','))
    $$
    """,
)


def condition(table: str) -> str | None:
    """The policy's USING expression for canonical ``table`` (None: no policy)."""
    from analytics.filters import _ENTERPRISE_KEYED, _MENTOR_KEYED, _SCHOOL_KEYED, _STUDENT_KEYED

    if table in ("students", "mentors", *_SCHOOL_KEYED):
        return f"app_in_scope({q('school_id')})"
    if table in _STUDENT_KEYED:
        return f"app_all_schools() OR {q('student_id')} IN (SELECT {q('student_id')} FROM {q('students')})"
    if table in _MENTOR_KEYED:
        return f"app_all_schools() OR {q('mentor_id')} IN (SELECT {q('mentor_id')} FROM {q('mentors')})"
    if table in _ENTERPRISE_KEYED:
        eid = q("enterprise_id")
        return (
            f"app_all_schools() OR {eid} IN (SELECT {eid} FROM {q('students')} "
            f"UNION SELECT {eid} FROM {q('employment')} UNION SELECT {eid} FROM {q('mentors')})"
        )
    if table == "funding":
        return "app_all_schools()"
    return None


def statements(tables: list[str]) -> list[str]:
    """Everything migration 9 runs on PostgreSQL: the scope functions, then per table
    ``ENABLE``/``FORCE ROW LEVEL SECURITY`` and one policy for reads and writes."""
    out = [f.strip() for f in FUNCTIONS]
    for name in tables:
        using = condition(name)
        if using is None:
            continue
        t = q(name)
        out += [
            f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS school_scope ON {t}",
            f"CREATE POLICY school_scope ON {t} USING ({using}) WITH CHECK ({using})",
        ]
    return out
