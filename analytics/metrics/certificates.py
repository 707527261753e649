"""Skill-certificate pass rates (SPEC §3): per attempt, first attempt, per person; breakdowns.

Measures (``measure`` argument):

* ``"attempt"``: passed exams / exams sat (the *certificate pass rate*).
* ``"first_attempt"``: the same over each student's earliest attempt at each
  certificate. "Earliest" looks at the student's whole history, so a 2024 resit is
  not a first attempt even when the year filter starts in 2024.
* ``"person"``: students with at least one pass / students who sat (the
  *certification rate*); within a breakdown, per group (a student counts once per group).

Exams whose result is unknown are left out of numerator and denominator alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from analytics import stats
from analytics.config import PASS_RATE_UNITS, Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query
from analytics.stats import Comparison, Rate

MEASURES = PASS_RATE_UNITS

# Breakdown dimension -> (SQL expression over exams ``e`` / students ``s``, needs the students join).
BY = {
    "year": (f"year(e.{q('exam_date')})", False),
    "certificate": (f"e.{q('certificate_name')}", False),
    "level": (f"e.{q('certificate_level')}", False),
    "major": (f"s.{q('major')}", True),
    "cohort": (f"s.{q('cohort_year')}", True),
    "school": (f"s.{q('school_id')}", True),
    "model": (f"s.{q('training_model')}", True),
    "dual": (f"s.{q('dual_mentor')}", True),
    "gender": (f"s.{q('gender')}", True),
    "enterprise": (f"s.{q('enterprise_id')}", True),
    "school_mentor": (f"s.{q('school_mentor_id')}", True),
    "enterprise_mentor": (f"s.{q('enterprise_mentor_id')}", True),
}


def _source(measure: str) -> str:
    """The exam rows a measure counts: all attempts, or each student's first per certificate."""
    exams = q("certificate_exams")
    if measure == "first_attempt":
        sid, cert, date, passed, level = (
            q(c) for c in ("student_id", "certificate_name", "exam_date", "passed", "certificate_level")
        )
        return (
            f"(SELECT {sid}, {cert}, min({date}) AS {date}, arg_min({passed}, {date}) AS {passed}, "
            f"arg_min_null({level}, {date}) AS {level} FROM {exams} WHERE {passed} IS NOT NULL "
            f"GROUP BY 1, 2)"
        )
    return exams


def _counts(
    con: duckdb.DuckDBPyConnection, f: Filters, measure: str, by: str | None
) -> pd.DataFrame:
    """Numerator and denominator, one row per group (one row in all when ``by`` is None)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {tuple(BY)}, not {by!r}")
    group, needs_students = BY[by] if by else ("NULL", False)
    join = (
        f"LEFT JOIN {q('students')} s ON s.{q('student_id')} = e.{q('student_id')}"
        if needs_students
        else ""
    )
    where, params = f.where("certificate_exams", "e")
    passed = f"e.{q('passed')}"
    rows = (
        f"FROM {_source(measure)} e {join} WHERE {where} AND {passed} IS NOT NULL"
    )
    if measure == "person":
        sql = (
            f"SELECT {'g' if by else 'NULL'} AS \"group\", count(*) FILTER (WHERE any_pass) AS numerator, "
            f"count(*) AS denominator FROM (SELECT {group} AS g, e.{q('student_id')}, "
            f"bool_or({passed}) AS any_pass {rows} GROUP BY 1, 2)"
        )
    else:
        sql = (
            f"SELECT {group} AS \"group\", count(*) FILTER (WHERE {passed}) AS numerator, "
            f"count(*) AS denominator {rows}"
        )
    if by is not None:
        sql += " GROUP BY 1 ORDER BY 1 NULLS LAST"
    return query(con, sql, params)


def _rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str) -> Rate:
    row = _counts(con, f, measure, None).iloc[0]
    return stats.rate(int(row["numerator"]), int(row["denominator"]), s.small_n)


def pass_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Certificate pass rate: passed exams / exams sat."""
    return _rate(con, f, s, "attempt")


def first_attempt_pass_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Pass rate of each student's first attempt at each certificate."""
    return _rate(con, f, s, "first_attempt")


def certification_rate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Rate:
    """Students with at least one pass / students who sat."""
    return _rate(con, f, s, "person")


def pass_rates_by(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str, measure: str = "attempt"
) -> pd.DataFrame:
    """``measure`` per value of ``by``: frame [group, numerator, denominator, rate, ci_low, ci_high, small_n].

    Student attributes come from the roster; exams of students missing from it form the
    group ``None``.
    """
    return stats.add_rate_columns(_counts(con, f, measure, by), s.small_n)


def dual_vs_other(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "attempt"
) -> Comparison:
    """Dual-mentor students (group) against the other students (baseline) in the same filter.

    The filter's own ``dual`` setting is ignored; students whose flag is unknown are in
    neither group.
    """
    counts = _counts(con, replace(f, dual="all"), measure, "dual")
    known = counts[counts["group"].notna()]
    found = {bool(g): (int(k), int(n)) for g, k, n in known.itertuples(index=False)}
    group = stats.rate(*found.get(True, (0, 0)), s.small_n)
    baseline = stats.rate(*found.get(False, (0, 0)), s.small_n)
    return stats.compare(group, baseline)


def _units(measure: str, where: str) -> str:
    """The tested units of ``measure`` in the filter: one row per exam sat (``attempt``), per
    first sitting of a certificate (``first_attempt``) or per student (``person``: passed
    when any filtered exam was passed, dated by the student's first filtered exam)."""
    passed, date, sid = q("passed"), q("exam_date"), q("student_id")
    rows = (
        f"SELECT e.{sid} AS student_id, e.{date} AS exam_date, e.{passed} AS passed "
        f"FROM {_source(measure)} e WHERE {where} AND e.{passed} IS NOT NULL AND e.{date} IS NOT NULL"
    )
    if measure != "person":
        return rows
    return (f"SELECT student_id, min(exam_date) AS exam_date, bool_or(passed) AS passed "
            f"FROM ({rows}) x GROUP BY student_id")


STRATA = {"major": f"s.{q('major')}", "cohort": f"s.{q('cohort_year')}",
          "school": f"s.{q('school_id')}", "gender": f"s.{q('gender')}"}


def dual_vs_other_strata(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "first_attempt",
    by: tuple[str, ...] = ("major",),
) -> pd.DataFrame:
    """Dual vs other counts per exam year and the student attributes ``by`` (keys of
    ``STRATA``): frame [year, *by, group_numerator, group_denominator, baseline_numerator,
    baseline_denominator]. The filter's own ``dual`` choice is ignored; students whose flag
    is unknown, or who are not on the roster, are in neither group. One query serves the
    per-year series, the pooled comparison and the Mantel–Haenszel strata."""
    return strata_and_rate(con, f, s, measure, by)[0]


def strata_and_rate(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "first_attempt",
    by: tuple[str, ...] = ("major",),
) -> tuple[pd.DataFrame, Rate]:
    """:func:`dual_vs_other_strata` and the pass rate of ``measure`` in ``f`` (its own ``dual``
    choice included, as :func:`first_attempt_pass_rate` and the like). When the unit is one
    exam (``attempt``, ``first_attempt``) both come from one pass over the units: the strata
    ignore the filter's ``dual`` choice and that choice only narrows the rows further, so the
    rate counts the rows inside it, and the units without a date or a roster row, which are
    in no stratum. ``person`` (dated per student over dated exams only) takes two queries."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    unknown = [b for b in by if b not in STRATA]
    if unknown:
        raise ValueError(f"strata must be among {tuple(STRATA)}, not {unknown}")
    where, params = replace(f, dual="all").where("certificate_exams", "e")
    dual = f"s.{q('dual_mentor')}"
    keys = [f"{STRATA[b]} AS {q(b)}" for b in by]
    group = ", ".join(["EXTRACT(YEAR FROM u.exam_date)", *(STRATA[b] for b in by)])
    counts = ["group_numerator", "group_denominator", "baseline_numerator", "baseline_denominator"]
    per_exam = measure != "person"
    if per_exam:
        inside, inside_params = f.where("certificate_exams", "e")  # the same names and values, plus dual
        passed, date, sid = q("passed"), q("exam_date"), q("student_id")
        units = (f"SELECT e.{sid} AS student_id, e.{date} AS exam_date, e.{passed} AS passed, "
                 f"({inside}) AS in_filter FROM {_source(measure)} e WHERE {where} AND e.{passed} IS NOT NULL")
        params = {**params, **inside_params}
        join = "LEFT JOIN"
        extra = f""",
               count(*) FILTER (WHERE s.{q('student_id')} IS NOT NULL AND u.exam_date IS NOT NULL) AS units,
               count(*) FILTER (WHERE u.in_filter AND u.passed) AS rate_numerator,
               count(*) FILTER (WHERE u.in_filter) AS rate_denominator"""
    else:
        units, join, extra = _units(measure, where), "JOIN", ""
    sql = f"""
        SELECT EXTRACT(YEAR FROM u.exam_date) AS year{"".join(", " + k for k in keys)},
               count(*) FILTER (WHERE {dual} AND u.passed) AS group_numerator,
               count(*) FILTER (WHERE {dual}) AS group_denominator,
               count(*) FILTER (WHERE NOT {dual} AND u.passed) AS baseline_numerator,
               count(*) FILTER (WHERE NOT {dual}) AS baseline_denominator{extra}
        FROM ({units}) u
        {join} {q('students')} s ON s.{q('student_id')} = u.student_id
        GROUP BY {group} ORDER BY {group}
    """
    df = query(con, sql, params)
    if per_exam:
        rate = stats.rate(int(df["rate_numerator"].sum()), int(df["rate_denominator"].sum()), s.small_n)
        df = df[df["units"] > 0].drop(columns=["units", "rate_numerator", "rate_denominator"]).reset_index(drop=True)
    else:
        rate = _rate(con, f, s, measure)
    df[["year", *counts]] = df[["year", *counts]].astype("int64")
    return df, rate


def by_year(strata: pd.DataFrame) -> pd.DataFrame:
    """A :func:`dual_vs_other_strata` frame summed to one row per year, with ``diff`` and
    ``relative`` (the pass rates' difference and ratio − 1; NaN where a group is empty)."""
    counts = ["group_numerator", "group_denominator", "baseline_numerator", "baseline_denominator"]
    df = strata.groupby("year", as_index=False, sort=True)[counts].sum()
    g = df["group_numerator"] / df["group_denominator"].where(df["group_denominator"] > 0)
    b = df["baseline_numerator"] / df["baseline_denominator"].where(df["baseline_denominator"] > 0)
    return df.assign(diff=g - b, relative=g / b.where(b > 0) - 1)


def dual_vs_other_by_year(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "attempt"
) -> pd.DataFrame:
    """Dual vs other per exam year: frame [year, group_numerator, group_denominator,
    baseline_numerator, baseline_denominator, diff, relative]."""
    return by_year(dual_vs_other_strata(con, f, s, measure, ()))


def pooled_comparison(frame: pd.DataFrame, s: Settings) -> Comparison:
    """Dual vs other over every row of a per-year or per-stratum frame (the crude
    comparison: counts add up, so this equals :func:`dual_vs_other` without a second query)."""
    group = stats.rate(int(frame["group_numerator"].sum()), int(frame["group_denominator"].sum()), s.small_n)
    baseline = stats.rate(int(frame["baseline_numerator"].sum()), int(frame["baseline_denominator"].sum()),
                          s.small_n)
    return stats.compare(group, baseline)


def _strata(frame: pd.DataFrame) -> list[stats.Stratum]:
    return [stats.Stratum(int(a), int(n1), int(c), int(n0)) for a, n1, c, n0 in frame[
        ["group_numerator", "group_denominator", "baseline_numerator", "baseline_denominator"]
    ].itertuples(index=False)]


@dataclass(frozen=True)
class Adjusted:
    """The crude dual-vs-other comparison beside the Mantel–Haenszel one.

    ``direction`` / ``adjusted_direction``: ``up`` (dual-mentor students higher), ``down`` or
    ``similar`` by the 95% interval of the difference; ``status`` / ``adjusted_status``
    against the pass-rate target (relative change, crude ratio − 1 or MH ratio − 1);
    ``changes_verdict`` when the two disagree on either. With no stratum holding both
    groups (``mh.informative`` 0) there is no adjusted comparison at all."""

    measure: str
    strata_by: tuple[str, ...]
    crude: Comparison
    mh: stats.MantelHaenszel
    direction: str | None
    adjusted_direction: str | None
    status: str
    adjusted_status: str

    @property
    def changes_verdict(self) -> bool:
        """The adjusted comparison exists and disagrees with the crude one."""
        return self.mh.informative > 0 and (self.direction, self.status) != (
            self.adjusted_direction, self.adjusted_status)

    def as_dict(self) -> dict:
        return {"measure": self.measure, "strata": ["year", *self.strata_by], "crude": self.crude.as_dict(),
                "mantel_haenszel": self.mh.as_dict(), "direction": self.direction,
                "adjusted_direction": self.adjusted_direction, "status": self.status,
                "adjusted_status": self.adjusted_status, "changes_verdict": self.changes_verdict}


def adjusted_comparison(strata: pd.DataFrame, s: Settings, measure: str, by: tuple[str, ...]) -> Adjusted:
    """Crude and Mantel–Haenszel comparison from a :func:`dual_vs_other_strata` frame, judged
    against the pass-rate target with the small-group rule on each side's total."""
    from analytics.metrics.targets import status  # the one status rule

    crude = pooled_comparison(strata, s)
    mh = stats.mantel_haenszel(_strata(strata))
    target = s.targets.pass_rate_improvement
    enough = not (crude.group.small_n or crude.baseline.small_n)
    return Adjusted(
        measure=measure, strata_by=by, crude=crude, mh=mh,
        direction=stats.direction(crude.ci_low, crude.ci_high),
        adjusted_direction=stats.direction(mh.rd_low, mh.rd_high),
        status=status(crude.relative, target, enough),
        adjusted_status=status(mh.relative, target, enough and mh.informative > 0),
    )


def dual_vs_other_adjusted(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "first_attempt",
    by: tuple[str, ...] = ("major",),
) -> Adjusted:
    """Dual-mentor students against the others, crude and stratified by exam year × ``by``
    (major by default; add ``cohort`` for major × year × cohort)."""
    return adjusted_comparison(dual_vs_other_strata(con, f, s, measure, by), s, measure, by)


def within(strata: pd.DataFrame, s: Settings, column: str = "major") -> pd.DataFrame:
    """Dual vs other inside each value of ``column`` of a strata frame (years pooled):
    [group, dual_numerator, dual_denominator, dual_rate, other_numerator, other_denominator,
    other_rate, diff, ci_low, ci_high, direction, small_n] — the within-major table."""
    rows = []
    for value, part in strata.groupby(column, dropna=False, sort=True):
        cmp = pooled_comparison(part, s)
        rows.append({
            "group": None if pd.isna(value) else value,
            "dual_numerator": cmp.group.numerator, "dual_denominator": cmp.group.denominator,
            "dual_rate": cmp.group.value, "other_numerator": cmp.baseline.numerator,
            "other_denominator": cmp.baseline.denominator, "other_rate": cmp.baseline.value,
            "diff": cmp.diff, "ci_low": cmp.ci_low, "ci_high": cmp.ci_high,
            "direction": stats.direction(cmp.ci_low, cmp.ci_high),
            "small_n": bool(cmp.group.small_n or cmp.baseline.small_n),
        })
    columns = ["group", "dual_numerator", "dual_denominator", "dual_rate", "other_numerator", "other_denominator",
               "other_rate", "diff", "ci_low", "ci_high", "direction", "small_n"]
    return pd.DataFrame(rows, columns=columns)


def within_major(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, measure: str = "first_attempt"
) -> pd.DataFrame:
    """:func:`within` each major of the filter (see there), in the unit ``measure``."""
    return within(dual_vs_other_strata(con, f, s, measure, ("major",)), s, "major")


# -- Before and after joining the program -----------------------------------------------------

JOIN_UNITS = {"major": "major", "school": "school_id"}


def joined(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, unit: str = "major") -> pd.DataFrame:
    """When each major (or school) joined the program: [group, first_cohort, join_cohort,
    last_cohort, status] with ``status`` ``joined`` (cohorts without any dual-mentor student
    before the first cohort with some), ``always`` (dual-mentor students from its first
    cohort) or ``never`` (no dual-mentor student: a comparison unit)."""
    if unit not in JOIN_UNITS:
        raise ValueError(f"unit must be one of {tuple(JOIN_UNITS)}, not {unit!r}")
    col, cohort = f"s.{q(JOIN_UNITS[unit])}", f"s.{q('cohort_year')}"
    where, params = replace(f, dual="all", cohort=None, **{unit: None}).where("students", "s")
    sql = f"""
        SELECT {col} AS "group", min({cohort}) AS first_cohort,
               min({cohort}) FILTER (WHERE s.{q('dual_mentor')}) AS join_cohort, max({cohort}) AS last_cohort
        FROM {q('students')} s
        WHERE {col} IS NOT NULL AND {cohort} IS NOT NULL AND {where}
        GROUP BY {col} ORDER BY {col}
    """
    df = query(con, sql, params)
    later = (df["join_cohort"] > df["first_cohort"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    df["status"] = np.where(df["join_cohort"].isna().to_numpy(), "never", np.where(later, "joined", "always"))
    return df


@dataclass(frozen=True)
class BeforeAfter:
    """Cohorts of a unit before and after it joined, and the same cohorts of the units that
    never joined: ``did`` = (after − before in the unit) − (after − before in the others)."""

    unit: str
    group: str
    join_cohort: int
    measure: str
    before: Rate
    after: Rate
    change: Comparison
    control_before: Rate
    control_after: Rate
    control_groups: tuple[str, ...]
    did: dict

    def as_dict(self) -> dict:
        return {"unit": self.unit, "group": self.group, "join_cohort": self.join_cohort, "measure": self.measure,
                "before": self.before.as_dict(), "after": self.after.as_dict(), "change": self.change.as_dict(),
                "control_before": self.control_before.as_dict(), "control_after": self.control_after.as_dict(),
                "control_groups": list(self.control_groups), "did": self.did}


def before_after(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, group: str, unit: str = "major",
    measure: str = "first_attempt",
) -> BeforeAfter | None:
    """Pass rates of the cohorts of ``group`` (a major or school that joined) before its join
    cohort against those from it on, with Newcombe's interval, and the difference-in-
    differences against the units that never joined over the same cohort split (Wald
    interval). Every student of a cohort counts (the unit joined, not each student), so
    the comparison does not depend on who was picked for the program. ``None`` when
    ``group`` did not join within the data."""
    units = joined(con, f, s, unit)
    row = units[(units["group"] == group) & (units["status"] == "joined")]
    if row.empty:
        return None
    join = int(row["join_cohort"].iloc[0])
    controls = tuple(str(g) for g in units.loc[units["status"] == "never", "group"])
    where, params = replace(f, dual="all", cohort=None, **{unit: None}).where("certificate_exams", "e")
    col = f"s.{q(JOIN_UNITS[unit])}"
    control_params = {f"control_{i}": c for i, c in enumerate(controls)}
    others = f"{col} IN ({', '.join('$' + name for name in control_params)})" if controls else "FALSE"
    sql = f"""
        SELECT {col} = $unit_group AS treated, s.{q('cohort_year')} >= $join_cohort AS after,
               count(*) FILTER (WHERE u.passed) AS k, count(*) AS n
        FROM ({_units(measure, where)}) u
        JOIN {q('students')} s ON s.{q('student_id')} = u.student_id
        WHERE s.{q('cohort_year')} IS NOT NULL
          AND ({col} = $unit_group OR {others})
        GROUP BY 1, 2
    """
    values = {"unit_group": group, "join_cohort": join, **params, **control_params}
    got = {(bool(t), bool(a)): (int(k), int(n))
           for t, a, k, n in query(con, sql, values).itertuples(index=False)}

    def r(treated: bool, after: bool) -> Rate:
        return stats.rate(*got.get((treated, after), (0, 0)), s.small_n)

    before, after, c_before, c_after = r(True, False), r(True, True), r(False, False), r(False, True)
    return BeforeAfter(unit, group, join, measure, before, after, stats.compare(after, before),
                       c_before, c_after, controls, stats.diff_in_diff(before, after, c_before, c_after))


def before_after_table(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, unit: str = "major", measure: str = "first_attempt"
) -> pd.DataFrame:
    """:func:`before_after` for every major (school) that joined within the data, one row each:
    [group, join_cohort, before, before_n, after, after_n, change_pp, control_pp, did_pp,
    did_low_pp, did_high_pp, p, small_n] (rates as fractions, changes in percentage points)."""
    units = joined(con, f, s, unit)
    rows = []
    for group in units.loc[units["status"] == "joined", "group"]:
        ba = before_after(con, f, s, str(group), unit, measure)
        if ba is None:
            continue
        control = (None if ba.control_after.value is None or ba.control_before.value is None
                   else ba.control_after.value - ba.control_before.value)
        rows.append({"group": ba.group, "join_cohort": ba.join_cohort, "before": ba.before.value,
                     "before_n": ba.before.denominator, "after": ba.after.value, "after_n": ba.after.denominator,
                     "change_pp": _pp(ba.change.diff), "control_pp": _pp(control), "did_pp": _pp(ba.did["value"]),
                     "did_low_pp": _pp(ba.did["ci_low"]), "did_high_pp": _pp(ba.did["ci_high"]),
                     "p": ba.did["p_value"], "small_n": bool(ba.before.small_n or ba.after.small_n)})
    columns = ["group", "join_cohort", "before", "before_n", "after", "after_n", "change_pp", "control_pp", "did_pp",
               "did_low_pp", "did_high_pp", "p", "small_n"]
    return pd.DataFrame(rows, columns=columns)


def _pp(value: float | None) -> float | None:
    return None if value is None else 100 * value
