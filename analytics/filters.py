"""The global filter of SPEC §4: one frozen value that every metric, page and export takes.

``Filters.where(table, alias)`` turns it into a SQL boolean expression plus named
parameters (``$f_school``, ``$f_year_from``, ...: one name per field, the same on every table,
so two tables of one filter merge theirs) for one canonical table, so that the same filter means the same thing on
every table:

* **Years** apply to the table's own year: ``certificate_exams`` year of ``exam_date``,
  ``employment`` ``graduation_year``, ``satisfaction_surveys`` year of ``survey_date``,
  ``mentor_activities`` year of ``activity_date``, ``funding`` ``year``. A *student* is
  in the years when their time at school overlaps them (``cohort_year <= to`` and
  ``graduation_year >= from``; an unknown year does not exclude). Tables without a
  date (``mentors``, ``student_assessments`` terms, ``mentor_evaluations`` periods) ignore years.
* **Student filters** (school, major, cohort, model, gender, dual, enterprise) apply to
  ``students`` directly and reach tables keyed by ``student_id`` through the roster
  (``student_id IN (SELECT student_id FROM students WHERE ...)``); a student absent from
  the roster therefore drops out once any of them is set. ``enterprise`` is the
  student's partner enterprise (``students.enterprise_id``). ``dual`` = "in"/"out"
  selects ``dual_mentor`` true/false; students whose flag is unknown are in neither.
* **Mentor tables**: ``mentors`` match school, major and enterprise on their own
  columns; activities and evaluations reach them through ``mentor_id``.
* ``satisfaction_surveys`` and ``enterprises`` match ``enterprise``; ``schools`` match
  ``school``; ``funding`` only years. A filter that cannot apply to a table is ignored
  for it (``ignored(table)`` lists them so a page can say so). Both read one description
  per table (``_REACH``: which fields reach it, its year, the key it is reached through).

**Scope** (``scope``: the signed-in user's schools, ``None`` = every school) is access
control, not a choice: it is set from the user by ``auth.scoped``, never read from the
URL, never written to it, and it applies to every table:

* ``students`` by ``school_id``; tables keyed by ``student_id`` through the roster;
  ``mentors`` by ``school_id``; mentor activities and evaluations through the mentors;
  ``schools`` by ``school_id``. Rows without a known school are outside every scope.
* ``enterprises`` and ``satisfaction_surveys``: the enterprises *linked* to the scope — a
  partner enterprise of an in-scope student, the employer (``employment.enterprise_id``)
  of an in-scope graduate, or the enterprise of an in-scope mentor. An enterprise working
  with two schools is visible to both (the survey is about the enterprise).
* ``funding`` carries no school, so it is hidden from a school-scoped user (the figures
  are the whole program's budget, not the school's).
* ``benchmarks`` are published aggregates and visible to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from analytics import schema
from analytics.db import quote_ident as q
from analytics.i18n import t

DUAL_VALUES = ("all", "in", "out")

@dataclass(frozen=True)
class _Reach:
    """How the filter reaches the rows of one canonical table: which fields (``by``: the
    "student" fields, the "mentor" fields, "enterprise", "school", or "funding": years only),
    its year (``year`` column, ``year_is_date``; :data:`_TIME_AT_SCHOOL` for students) and, for
    rows reached through the roster or the mentors, the key they are reached by (``through``)."""

    by: str
    year: str | None = None
    year_is_date: bool = False
    through: str | None = None


_TIME_AT_SCHOOL = "cohort_year..graduation_year"  # a student is in the years their time at school overlaps
# The one description of what the filter means per table: ``where`` and ``ignored`` both read it.
_REACH: dict[str, _Reach] = {
    "students": _Reach("student", _TIME_AT_SCHOOL),
    "certificate_exams": _Reach("student", "exam_date", True, through="student_id"),
    "employment": _Reach("student", "graduation_year", through="student_id"),
    "student_assessments": _Reach("student", through="student_id"),
    "mentors": _Reach("mentor"),
    "mentor_activities": _Reach("mentor", "activity_date", True, through="mentor_id"),
    "mentor_evaluations": _Reach("mentor", through="mentor_id"),
    "mentor_training": _Reach("mentor", "start_date", True, through="mentor_id"),
    "satisfaction_surveys": _Reach("enterprise", "survey_date", True),
    "enterprises": _Reach("enterprise"),
    "agreements": _Reach("enterprise"),
    "schools": _Reach("school"),
    "actions": _Reach("school"),
    "funding": _Reach("funding", "year"),
}
_STUDENT_FIELDS = ("school", "major", "cohort", "model", "gender", "dual", "enterprise")
_MENTOR_FIELDS = ("school", "major", "enterprise")
_FIELDS_BY = {"student": _STUDENT_FIELDS, "mentor": _MENTOR_FIELDS, "enterprise": ("enterprise",),
              "school": ("school",), "funding": ()}
# views of the description, for the row-level security of PostgreSQL (engines/rls.py)
_STUDENT_KEYED = tuple(t for t, r in _REACH.items() if r.by == "student" and r.through)
_MENTOR_KEYED = tuple(t for t, r in _REACH.items() if r.by == "mentor" and r.through)
_ENTERPRISE_KEYED = tuple(t for t, r in _REACH.items() if r.by == "enterprise")
_SCHOOL_KEYED = tuple(t for t, r in _REACH.items() if r.by == "school")
_ALIAS = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUERY_KEYS = {
    "year_from": "from",
    "year_to": "to",
    "school": "school",
    "major": "major",
    "cohort": "cohort",
    "model": "model",
    "gender": "gender",
    "dual": "dual",
    "enterprise": "enterprise",
}


_PREFIX = "f_"  # the filter's parameter names: $f_school, $f_year_from, ... (none of a caller's)


def _col(alias: str, name: str) -> str:
    return f"{alias}.{q(name)}"


def _through(alias: str, key: str, table: str, inner: str, conds: list[str]) -> list[str]:
    """``alias.key IN (rows of table meeting conds)``: a row reached through its student or
    mentor; nothing when no condition applies."""
    if not conds:
        return []
    return [
        f"{_col(alias, key)} IN (SELECT {inner}.{q(key)} FROM {q(table)} {inner} "
        f"WHERE {' AND '.join(conds)})"
    ]


@dataclass(frozen=True)
class Filters:
    """Years range, school, major, cohort year, training model, gender, dual-mentor, enterprise."""

    year_from: int | None = None
    year_to: int | None = None
    school: str | None = None
    major: str | None = None
    cohort: int | None = None
    model: str | None = None
    gender: str | None = None
    dual: str = "all"
    enterprise: str | None = None
    scope: tuple[str, ...] | None = None  # the user's schools (None = all); see the module doc

    def __post_init__(self) -> None:
        if self.dual not in DUAL_VALUES:
            raise ValueError(f"dual must be one of {DUAL_VALUES}, not {self.dual!r}")
        if self.scope is not None and (
            not isinstance(self.scope, tuple) or not all(isinstance(x, str) for x in self.scope)
        ):
            raise ValueError(f"scope must be a tuple of school IDs or None, not {self.scope!r}")

    # -- SQL ---------------------------------------------------------------------------

    @staticmethod
    def _equal(alias: str, pairs: tuple[tuple[object, str, str], ...]) -> tuple[list[str], dict]:
        """``alias.column = $f_field`` for each (value, column, field) whose value is set."""
        chosen = [(value, column, name) for value, column, name in pairs if value is not None]
        return ([f"{_col(alias, column)} = ${_PREFIX}{name}" for _, column, name in chosen],
                {f"{_PREFIX}{name}": value for value, _, name in chosen})

    def _student_conditions(self, alias: str) -> tuple[list[str], dict]:
        conds, params = self._equal(alias, (
            (self.school, "school_id", "school"),
            (self.major, "major", "major"),
            (self.cohort, "cohort_year", "cohort"),
            (self.model, "training_model", "model"),
            (self.gender, "gender", "gender"),
            (self.enterprise, "enterprise_id", "enterprise"),
        ))
        if self.dual != "all":
            conds.append(f"{_col(alias, 'dual_mentor')} IS {'TRUE' if self.dual == 'in' else 'FALSE'}")
        return self._with_scope(alias, conds, params)

    def _mentor_conditions(self, alias: str) -> tuple[list[str], dict]:
        conds, params = self._equal(alias, (
            (self.school, "school_id", "school"),
            (self.major, "major", "major"),
            (self.enterprise, "enterprise_id", "enterprise"),
        ))
        return self._with_scope(alias, conds, params)

    def _with_scope(self, alias: str, conds: list[str], params: dict) -> tuple[list[str], dict]:
        """``conds`` plus the scope condition on ``alias.school_id`` (students, mentors, schools)."""
        if self.scope is None:
            return conds, params
        cond = f"coalesce(list_contains(${_PREFIX}scope::VARCHAR[], {_col(alias, 'school_id')}), FALSE)"
        return [*conds, cond], {**params, f"{_PREFIX}scope": list(self.scope)}

    def _linked_enterprises(self, alias: str) -> tuple[str, dict]:
        """``alias.enterprise_id`` is linked to the scope: partner of an in-scope student,
        employer of an in-scope graduate or enterprise of an in-scope mentor."""
        only_scope = replace(Filters(), scope=self.scope)
        s_cond, params = only_scope._student_conditions("_ls")
        m_cond, _ = only_scope._mentor_conditions("_lm")
        e_cond, _ = only_scope._student_conditions("_lx")
        eid, sid = q("enterprise_id"), q("student_id")
        sql = (
            f"{_col(alias, 'enterprise_id')} IN ("
            f"SELECT _ls.{eid} FROM {q('students')} _ls WHERE {' AND '.join(s_cond)} "
            f"UNION SELECT _le.{eid} FROM {q('employment')} _le WHERE _le.{sid} IN "
            f"(SELECT _lx.{sid} FROM {q('students')} _lx WHERE {' AND '.join(e_cond)}) "
            f"UNION SELECT _lm.{eid} FROM {q('mentors')} _lm WHERE {' AND '.join(m_cond)})"
        )
        return sql, params  # one value, $f_scope, for the three

    def _year_conditions(self, reach: _Reach, alias: str) -> tuple[list[str], dict]:
        if reach.year == _TIME_AT_SCHOOL:
            conds: list[str] = []
            params: dict = {}
            if self.year_to is not None:
                conds.append(f"coalesce({_col(alias, 'cohort_year')} <= ${_PREFIX}year_to, TRUE)")
                params[f"{_PREFIX}year_to"] = self.year_to
            if self.year_from is not None:
                conds.append(f"coalesce({_col(alias, 'graduation_year')} >= ${_PREFIX}year_from, TRUE)")
                params[f"{_PREFIX}year_from"] = self.year_from
            return conds, params
        if reach.year is None:
            return [], {}
        column = _col(alias, reach.year)
        return self.year_range(f"year({column})" if reach.year_is_date else column)

    def year_range(self, expr: str) -> tuple[list[str], dict]:
        """``expr >= $f_year_from`` / ``expr <= $f_year_to`` for the ends of the year range that
        are set, with their named parameters (``expr``: SQL of a year, from schema names only)."""
        conds: list[str] = []
        params: dict = {}
        if self.year_from is not None:
            conds.append(f"{expr} >= ${_PREFIX}year_from")
            params[f"{_PREFIX}year_from"] = self.year_from
        if self.year_to is not None:
            conds.append(f"{expr} <= ${_PREFIX}year_to")
            params[f"{_PREFIX}year_to"] = self.year_to
        return conds, params

    def where(self, table: str, alias: str) -> tuple[str, dict[str, object]]:
        """SQL boolean expression (``"TRUE"`` when nothing applies) and its ``$name`` parameters
        selecting the rows of canonical ``table`` (aliased ``alias``) in this filter.

        Each field has one name (``$f_school``, ``$f_year_from``, ``$f_scope``...), the same on
        every table, so the parameters of two tables of one filter merge: ``{**a, **b}``.
        """
        schema.table(table)  # unknown table names fail loudly
        if not _ALIAS.match(alias):
            raise ValueError(f"bad SQL alias {alias!r}")
        reach = _REACH.get(table)
        if reach is None:  # benchmarks and the like: published aggregates, nothing applies
            return "TRUE", {}
        conds, params = self._year_conditions(reach, alias)
        if reach.by in ("student", "mentor"):
            inner = "_fs" if reach.by == "student" else "_fm"
            own = self._student_conditions if reach.by == "student" else self._mentor_conditions
            c, p = own(alias if reach.through is None else inner)
            if reach.through is None:
                conds += c
            else:
                conds += _through(alias, reach.through, f"{reach.by}s", inner, c)
            params |= p
        elif reach.by == "enterprise":
            if self.enterprise is not None:
                conds.append(f"{_col(alias, 'enterprise_id')} = ${_PREFIX}enterprise")
                params[f"{_PREFIX}enterprise"] = self.enterprise
            if self.scope is not None:
                c, p = self._linked_enterprises(alias)
                conds.append(c)
                params |= p
        elif reach.by == "school":
            if self.school is not None:
                conds.append(f"{_col(alias, 'school_id')} = ${_PREFIX}school")
                params[f"{_PREFIX}school"] = self.school
            conds, params = self._with_scope(alias, conds, params)
        elif reach.by == "funding" and self.scope is not None:
            conds.append("FALSE")  # no school column: hidden from school-scoped users
        return (" AND ".join(conds) if conds else "TRUE"), params

    def ignored(self, table: str) -> tuple[str, ...]:
        """Names of the fields set in this filter that do not apply to ``table``."""
        reach = _REACH.get(table)
        applicable = set() if reach is None else set(_FIELDS_BY[reach.by])
        if reach is not None and reach.year is not None:
            applicable |= {"year_from", "year_to"}
        return tuple(
            f.name
            for f in fields(self)
            if f.name != "scope" and f.name not in applicable and getattr(self, f.name) != f.default
        )

    # -- Human caption -----------------------------------------------------------------

    def caption(self, lang: str, names: Mapping[str, str] | None = None) -> str:
        """One line for chart titles and reports, e.g. "2023–2025 · 数控技术应用 · 双导师学生".

        ``names`` optionally maps school and enterprise IDs to their names.
        """
        names = names or {}
        parts: list[str] = []
        if self.year_from is not None and self.year_to is not None:
            if self.year_from == self.year_to:
                parts.append(str(self.year_from))
            else:
                parts.append(f"{self.year_from}–{self.year_to}")
        elif self.year_from is not None:
            parts.append(t("filters.from_year", lang, year=self.year_from))
        elif self.year_to is not None:
            parts.append(t("filters.to_year", lang, year=self.year_to))
        if self.school is not None:
            parts.append(names.get(self.school, self.school))
        if self.major is not None:
            parts.append(self.major)
        if self.cohort is not None:
            parts.append(t("filters.cohort", lang, year=self.cohort))
        if self.model is not None:
            parts.append(schema.label("training_model", self.model, lang))
        if self.gender is not None:
            parts.append(t("filters.gender", lang, gender=schema.label("gender", self.gender, lang)))
        if self.dual != "all":
            parts.append(schema.label("dual", self.dual, lang))
        if self.enterprise is not None:
            parts.append(names.get(self.enterprise, self.enterprise))
        return " · ".join(parts) if parts else t("filters.all_data", lang)

    # -- URL query string ----------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        """The non-default fields as URL query parameters (from, to, school, ...); never the scope."""
        return {
            _QUERY_KEYS[f.name]: str(getattr(self, f.name))
            for f in fields(self)
            if f.name in _QUERY_KEYS and getattr(self, f.name) != f.default
        }

    @classmethod
    def from_query(cls, params: Mapping[str, str | list[str]]) -> Filters:
        """Filters from URL query parameters; a missing or malformed value is ignored.

        The scope is never read from the URL: ``auth.scoped`` sets it from the signed-in user.
        """

        def get(key: str) -> str | None:
            value = params.get(key)
            if isinstance(value, list):
                value = value[-1] if value else None
            if value is None:
                return None
            value = str(value).strip()
            return value or None

        def year(key: str) -> int | None:
            value = get(key)
            if value is None or not re.fullmatch(r"\d{4}", value):
                return None
            return int(value)

        year_from, year_to = year("from"), year("to")
        if year_from is not None and year_to is not None and year_from > year_to:
            year_from, year_to = year_to, year_from
        model = get("model")
        gender = get("gender")
        dual = get("dual")
        return cls(
            year_from=year_from,
            year_to=year_to,
            school=get("school"),
            major=get("major"),
            cohort=year("cohort"),
            model=model if model in schema.TRAINING_MODELS else None,
            gender=gender if gender in schema.GENDERS else None,
            dual=dual if dual in DUAL_VALUES else "all",
            enterprise=get("enterprise"),
        )
