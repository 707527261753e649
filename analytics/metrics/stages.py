"""Training stages (SPEC §1, issue 19): where each student stands on the basic → skill →
internship path of their training model, who leads that stage, and who is overdue for the
next one.

**Schedules.** A cohort enrols on 1 September of its cohort year C and graduates on
1 June of its graduation year (C + 3 when unknown, the methods of employment use the same
day):

* 2+1 (two years at school, one in the enterprise): basic from 1 Sep C, skill from
  1 Sep C+1, internship from 1 Sep C+2;
* 1.5+1.5: basic from 1 Sep C, skill from 1 Sep C+1, internship from 1 Feb C+2 (the second
  semester of the second year).

Other or unknown models have no schedule: their students are counted as "no schedule"
and never judged overdue.

**Lead mentor** (SPEC §1): the basic stage is led by the school mentor, the skill stage by
both mentors, the internship by the enterprise mentor. A dual-mentor student "has their
lead" when the mentor(s) of their stage are assigned on the roster.

**Recorded stage and overdue.** Each assessment (``student_assessments``) names the stage
the student was in during its term. A student's *recorded stage* is the stage of their
latest assessment (latest term; terms that cannot be read as a school year are ordered
after the stage). The student is *overdue for the next stage* when that recorded stage is
earlier than the stage their schedule gives for the same term: a 2+1 student of cohort
2022 still assessed in the skill stage in 2024-2025 (their internship year). Judging each
record at its own term, not at today, keeps a student who moved on since their last
assessment from looking behind. Terms are read from "2024-2025学年第二学期", "2024-2025-2",
"2025春" / "2024年秋季学期", "Spring 2025"; the first semester is dated 15 November of its
first year, the second 15 April of the next, a whole school year like its second semester.

Everything is about the students at school on the reference day (enrolled, not graduated),
under the student filters.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import duckdb
import pandas as pd

from analytics import schema
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query

SCHEDULED_MODELS = ("2+1", "1.5+1.5")
# stage -> who leads it (SPEC §1)
LEAD = {"basic": "school", "skill": "both", "internship": "enterprise"}
ORDER = {stage: i for i, stage in enumerate(schema.STAGES)}

_CN_DIGIT = {"一": 1, "二": 2, "1": 1, "2": 2}
_SCHOOL_YEAR = re.compile(r"(\d{4})\s*[-—–~至/]\s*(\d{4})")
_SEMESTER = re.compile(r"第\s*([一二12])\s*学期|[-_\s]([12])\s*$")
_SEASON = re.compile(r"(\d{4})\s*年?\s*(春|秋|spring|autumn|fall)|(spring|autumn|fall)\s*(\d{4})", re.I)


@lru_cache(maxsize=4096)
def term_date(term: str | None) -> dt.date | None:
    """The middle of a term, or ``None`` when the text is no school term.

    >>> term_date("2024-2025学年第二学期"), term_date("2024秋")
    (datetime.date(2025, 4, 15), datetime.date(2024, 11, 15))
    """
    if not term:
        return None
    text = str(term).strip()
    season = _SEASON.search(text)
    if season:
        year = int(season.group(1) or season.group(4))
        word = (season.group(2) or season.group(3)).lower()
        return dt.date(year, 4, 15) if word in ("春", "spring") else dt.date(year, 11, 15)
    years = _SCHOOL_YEAR.search(text)
    if not years or int(years.group(2)) != int(years.group(1)) + 1:
        return None
    first = int(years.group(1))
    semester = _SEMESTER.search(text[years.end():])
    number = _CN_DIGIT[semester.group(1) or semester.group(2)] if semester else 2
    return dt.date(first, 11, 15) if number == 1 else dt.date(first + 1, 4, 15)


def stage_on(cohort: str, graduation: str, model: str, day: str) -> str:
    """SQL for the stage a student is in on ``day`` by their model's schedule (the module
    doc): 'basic', 'skill', 'internship'; 'graduated' from 1 June of the graduation year;
    NULL before enrolment or for a model without a schedule. Arguments are SQL expressions."""
    grad = f"coalesce({graduation}, {cohort} + 3)"
    return (
        f"CASE WHEN {cohort} IS NULL OR {day} IS NULL OR {model} IS NULL "
        f"OR {model} NOT IN ('2+1', '1.5+1.5') OR {day} < make_date({cohort}, 9, 1) THEN NULL "
        f"WHEN {day} >= make_date({grad}, 6, 1) THEN 'graduated' "
        f"WHEN {day} < make_date({cohort} + 1, 9, 1) THEN 'basic' "
        f"WHEN {day} < CASE WHEN {model} = '1.5+1.5' THEN make_date({cohort} + 2, 2, 1) "
        f"ELSE make_date({cohort} + 2, 9, 1) END THEN 'skill' "
        f"ELSE 'internship' END"
    )


def at_school(cohort: str, graduation: str, day: str) -> str:
    """SQL: enrolled on or before ``day`` and not yet graduated."""
    return (f"({cohort} IS NOT NULL AND {day} >= make_date({cohort}, 9, 1) "
            f"AND {day} < make_date(coalesce({graduation}, {cohort} + 3), 6, 1))")


def _stage_index(expr: str) -> str:
    return "CASE " + " ".join(f"WHEN {expr} = '{s}' THEN {i}" for s, i in ORDER.items()) + " END"


def _terms(con: duckdb.DuckDBPyConnection) -> tuple[str, dict]:
    """A VALUES list of (term, term_date) for every distinct term (read in Python: few values)."""
    terms = query(con, f"SELECT DISTINCT {q('term')} AS term FROM {q('student_assessments')} "
                       f"WHERE {q('term')} IS NOT NULL")["term"].tolist()
    dated = [(str(x), term_date(str(x))) for x in terms]
    if not dated:
        return "SELECT CAST(NULL AS VARCHAR) AS term, CAST(NULL AS DATE) AS term_date WHERE FALSE", {}
    values = ", ".join(f"($term_{i}, CAST($term_date_{i} AS DATE))" for i in range(len(dated)))
    params = {f"term_{i}": term for i, (term, _) in enumerate(dated)}
    return (f"SELECT * FROM (VALUES {values}) AS v(term, term_date)",
            params | {f"term_date_{i}": day for i, (_, day) in enumerate(dated)})


def students_now(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """One row per filtered student at school on ``day``: student_id, student_name, class_name,
    cohort_year, training_model, dual_mentor, school_mentor_id, enterprise_mentor_id, stage
    (by schedule on ``day``; NULL without a schedule), last_stage and last_term (latest
    assessment), expected_then (schedule at that term), behind (overdue for the next stage)."""
    where, params = f.where("students", "st")
    terms_sql, term_params = _terms(con)
    c, g, m = (f"st.{q(x)}" for x in ("cohort_year", "graduation_year", "training_model"))
    sql = f"""
        WITH d AS (SELECT CAST($day AS DATE) AS day),
        terms AS ({terms_sql}),
        roster AS (
          SELECT st.{q('student_id')} AS student_id, st.{q('student_name')} AS student_name,
                 st.{q('class_name')} AS class_name, {c} AS cohort_year, {g} AS graduation_year,
                 {m} AS training_model, st.{q('dual_mentor')} AS dual_mentor,
                 st.{q('school_mentor_id')} AS school_mentor_id,
                 st.{q('enterprise_mentor_id')} AS enterprise_mentor_id,
                 {stage_on(c, g, m, 'd.day')} AS stage
          FROM {q('students')} st, d
          WHERE {at_school(c, g, 'd.day')} AND {where}
        ),
        ranked AS (
          SELECT a.{q('student_id')} AS student_id, a.{q('stage')} AS last_stage, a.{q('term')} AS last_term,
                 tm.term_date,
                 row_number() OVER (PARTITION BY a.{q('student_id')}
                                    ORDER BY tm.term_date DESC NULLS LAST,
                                             {_stage_index(f"a.{q('stage')}")} DESC NULLS LAST) AS rn
          FROM {q('student_assessments')} a
          LEFT JOIN terms tm ON tm.term = a.{q('term')}
          WHERE a.{q('stage')} IS NOT NULL AND a.{q('student_id')} IN (SELECT student_id FROM roster)
        ),
        latest AS (SELECT * FROM ranked WHERE rn = 1)
        SELECT r.*, l.last_stage, l.last_term,
               {stage_on('r.cohort_year', 'r.graduation_year', 'r.training_model', 'l.term_date')} AS expected_then
        FROM roster r LEFT JOIN latest l USING (student_id)
    """
    df = query(con, sql, {"day": day, **term_params, **params})
    last = df["last_stage"].map(ORDER)
    then = df["expected_then"].map(ORDER)
    df["behind"] = (last.notna() & then.notna() & (last < then)).astype(bool)
    return df.sort_values(["cohort_year", "training_model", "student_id"], na_position="last").reset_index(drop=True)


def by_cohort(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Students at school on ``day`` per cohort × training model: cohort_year, training_model,
    stage (by schedule; NULL = no schedule), students, recorded (with an assessment), behind."""
    now = students_now(con, f, s, day)
    if now.empty:
        return pd.DataFrame(columns=["cohort_year", "training_model", "stage", "students", "recorded", "behind"])
    out = (now.assign(recorded=now["last_stage"].notna())
           .groupby(["cohort_year", "training_model", "stage"], dropna=False, sort=False)
           .agg(students=("student_id", "size"), recorded=("recorded", "sum"), behind=("behind", "sum"))
           .reset_index())
    out[["students", "recorded", "behind"]] = out[["students", "recorded", "behind"]].astype(int)
    return out.sort_values(["cohort_year", "training_model"], ascending=[False, True]).reset_index(drop=True)


def leads(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Per stage (by schedule on ``day``), the dual-mentor students in it and their lead mentor:
    stage, lead (school | both | enterprise), students, with_lead, without_lead, lead_mentors
    (distinct mentors leading it), per_lead (students per lead mentor)."""
    now = students_now(con, f, s, day)
    now = now[now["dual_mentor"].fillna(False).astype(bool) & now["stage"].isin(list(LEAD))]
    rows = []
    for stage, lead in LEAD.items():
        part = now[now["stage"] == stage]
        school, ent = part["school_mentor_id"].notna(), part["enterprise_mentor_id"].notna()
        has = school if lead == "school" else ent if lead == "enterprise" else school & ent
        ids = pd.concat([part.loc[school, "school_mentor_id"] if lead != "enterprise" else pd.Series(dtype=object),
                         part.loc[ent, "enterprise_mentor_id"] if lead != "school" else pd.Series(dtype=object)])
        mentors = int(ids.nunique())
        rows.append({"stage": stage, "lead": lead, "students": len(part), "with_lead": int(has.sum()),
                     "without_lead": int((~has).sum()), "lead_mentors": mentors,
                     "per_lead": len(part) / mentors if mentors else None})
    return pd.DataFrame(rows)


def overdue(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """The students overdue for the next stage, with the mentor(s) leading the stage they are
    held in (SPEC §1; " / " between the two of the skill stage): student_id, student_name,
    class_name, cohort_year, training_model, last_stage, last_term, expected_then,
    lead_names (names, else IDs; NULL when none is assigned); by cohort and class."""
    now = students_now(con, f, s, day)
    late = now[now["behind"]].copy()
    names = query(con, f"SELECT {q('mentor_id')} AS mentor_id, {q('mentor_name')} AS mentor_name "
                       f"FROM {q('mentors')}")
    name_of = dict(zip(names["mentor_id"], names["mentor_name"], strict=True))

    def leads_of(row: pd.Series) -> str | None:
        lead = LEAD[row["last_stage"]]
        ids = [row[c] for c, side in (("school_mentor_id", "school"), ("enterprise_mentor_id", "enterprise"))
               if lead in (side, "both") and isinstance(row[c], str)]
        return " / ".join(name_of.get(x) or x for x in ids) or None

    late["lead_names"] = [leads_of(row) for _, row in late.iterrows()] if len(late) else []
    cols = ["student_id", "student_name", "class_name", "cohort_year", "training_model", "last_stage", "last_term",
            "expected_then", "lead_names"]
    return late[cols].sort_values(["cohort_year", "class_name", "student_id"]).reset_index(drop=True)
