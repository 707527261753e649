"""Closing the loop (issue 19): agreements, two-way training, stages and recognition on small
databases whose every figure is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics import stats
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import agreements, recognition, stages, training
from tests.metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

DAY = dt.date(2025, 9, 10)  # the review day of every fixture; expiry window 90 days: up to 2025-12-09
S = Settings()
D = dt.date


# -- Stages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("term", "expected"), [
    ("2024-2025学年第二学期", D(2025, 4, 15)),
    ("2024-2025学年第一学期", D(2024, 11, 15)),
    ("2023-2024学年第1学期", D(2023, 11, 15)),
    ("2024-2025-1", D(2024, 11, 15)),
    ("2024-2025-2", D(2025, 4, 15)),
    ("2024—2025学年 第二学期", D(2025, 4, 15)),
    ("2024-2025学年", D(2025, 4, 15)),  # a whole school year: like its second semester
    ("2025春", D(2025, 4, 15)),
    ("2024年秋季学期", D(2024, 11, 15)),
    ("Spring 2025", D(2025, 4, 15)),
    ("Autumn 2024", D(2024, 11, 15)),
    ("2024-2026学年", None),  # not one school year
    ("实习期", None),
    ("", None),
    (None, None),
])
def test_term_date(term, expected) -> None:
    assert stages.term_date(term) == expected


@pytest.mark.parametrize(("cohort", "model", "day", "stage"), [
    (2023, "2+1", D(2023, 8, 31), None),  # before enrolment on 1 Sep 2023
    (2023, "2+1", D(2023, 9, 1), "basic"),
    (2023, "2+1", D(2024, 8, 31), "basic"),
    (2023, "2+1", D(2024, 9, 1), "skill"),
    (2023, "2+1", D(2025, 8, 31), "skill"),
    (2023, "2+1", D(2025, 9, 1), "internship"),
    (2023, "1.5+1.5", D(2025, 1, 31), "skill"),
    (2023, "1.5+1.5", D(2025, 2, 1), "internship"),  # the second semester of year two
    (2023, "2+1", D(2026, 5, 31), "internship"),
    (2023, "2+1", D(2026, 6, 1), "graduated"),  # graduation year unknown: 2023 + 3
    (2023, "other", D(2024, 10, 1), None),  # no schedule
    (2023, None, D(2024, 10, 1), None),
])
def test_stage_on_schedule(cohort, model, day, stage) -> None:
    sql = stages.stage_on("c", "g", "m", "d")  # SQL over the columns of one row
    got = make_db().execute(f"SELECT {sql} FROM (SELECT CAST(? AS INTEGER) AS c, CAST(NULL AS INTEGER) AS g, "
                            "CAST(? AS VARCHAR) AS m, CAST(? AS DATE) AS d) x", [cohort, model, day]).fetchone()[0]
    assert got == stage


@pytest.fixture(scope="module")
def stage_db(engine: str):
    con = make_db()
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type"],
           [("T1", "王老师", "school"), ("T2", "李老师", "school"), ("Q1", "张师傅", "enterprise"),
            ("Q2", "赵师傅", "enterprise")])
    # id, cohort, model, dual, school mentor, enterprise mentor
    people = [
        ("P1", 2023, "2+1", True, "T1", "Q1"),  # skill at 2024-25 t2 as scheduled; internship now
        ("P2", 2023, "2+1", True, "T2", None),  # still basic at 2024-25 t2: overdue for skill
        ("P3", 2023, "1.5+1.5", False, None, None),  # skill at 2024-25 t2, internship since 1 Feb 2025
        ("P4", 2024, "1.5+1.5", True, "T1", "Q2"),  # basic at 2024-25 t2, skill now
        ("P5", 2025, "2+1", True, "T2", None),  # enrolled 1 Sep 2025, no assessment yet
        ("P6", 2022, "2+1", True, "T1", "Q1"),  # graduated 1 Jun 2025: not at school
        ("P7", 2023, "other", False, None, None),  # no schedule
    ]
    insert(con, "students", ["student_id", "student_name", "class_name", "cohort_year", "graduation_year",
                             "training_model", "dual_mentor", "school_mentor_id", "enterprise_mentor_id"],
           [(p[0], f"学生{p[0]}", "23数控1班", p[1], p[1] + 3, *p[2:]) for p in people])
    insert(con, "student_assessments", ["student_id", "term", "stage"], [
        ("P1", "2023-2024学年第二学期", "basic"), ("P1", "2024-2025学年第二学期", "skill"),
        ("P2", "2023-2024学年第二学期", "basic"), ("P2", "2024-2025学年第二学期", "basic"),
        ("P3", "2024-2025学年第一学期", "skill"), ("P3", "2024-2025学年第二学期", "skill"),
        ("P4", "2024-2025学年第二学期", "basic"),
        ("P6", "2024-2025学年第二学期", "skill"),  # behind, but graduated: not listed
        ("P7", "2025春", "skill"),
    ])
    return con


def _none(values: pd.Series) -> pd.Series:
    """Missing values as None (text columns come back with NaN for NULL)."""
    return values.astype(object).where(values.notna(), None)


def test_students_now_and_who_is_behind(stage_db) -> None:
    now = stages.students_now(stage_db, Filters(), S, DAY).set_index("student_id")
    now["stage"], now["expected_then"] = _none(now["stage"]), _none(now["expected_then"])
    # P6 graduated on 1 June 2025; the other six are at school on 10 September 2025.
    assert sorted(now.index) == ["P1", "P2", "P3", "P4", "P5", "P7"]
    assert now["stage"].to_dict() == {"P1": "internship", "P2": "internship", "P3": "internship",
                                      "P4": "skill", "P5": "basic", "P7": None}
    # P2: basic at 15 Apr 2025 where 2+1 of 2023 is in skill; P3: skill where 1.5+1.5 is in internship.
    assert sorted(now.loc[now["behind"]].index) == ["P2", "P3"]
    assert now.loc["P1", "expected_then"] == "skill" and now.loc["P7", "expected_then"] is None


def test_by_cohort(stage_db) -> None:
    table = stages.by_cohort(stage_db, Filters(), S, DAY)
    table["stage"] = _none(table["stage"])
    rows = {(r.cohort_year, r.training_model): (r.stage, r.students, r.recorded, r.behind)
            for r in table.itertuples()}
    assert rows == {
        (2025, "2+1"): ("basic", 1, 0, 0),  # P5, no record yet
        (2024, "1.5+1.5"): ("skill", 1, 1, 0),  # P4
        (2023, "1.5+1.5"): ("internship", 1, 1, 1),  # P3
        (2023, "2+1"): ("internship", 2, 2, 1),  # P1, P2 (behind)
        (2023, "other"): (None, 1, 1, 0),  # P7: no schedule
    }


def test_lead_mentors(stage_db) -> None:
    table = stages.leads(stage_db, Filters(), S, DAY).set_index("stage")
    # dual students by stage now: basic P5 (school mentor T2: has the lead); skill P4 (T1 and Q2:
    # both, as the skill stage needs); internship P1 (Q1) and P2 (no enterprise mentor).
    assert table.loc["basic", ["lead", "students", "with_lead", "without_lead", "lead_mentors"]].tolist() == [
        "school", 1, 1, 0, 1]
    assert table.loc["skill", ["lead", "students", "with_lead", "lead_mentors"]].tolist() == ["both", 1, 1, 2]
    assert table.loc["internship", ["lead", "students", "with_lead", "without_lead", "lead_mentors"]].tolist() == [
        "enterprise", 2, 1, 1, 1]
    assert table.loc["internship", "per_lead"] == 2.0  # 2 students / 1 enterprise mentor


def test_overdue_names_the_lead_of_the_stage_held_in(stage_db) -> None:
    late = stages.overdue(stage_db, Filters(), S, DAY)
    late["lead_names"] = _none(late["lead_names"])
    # P2 held in basic: led by the school mentor 李老师; P3 has no mentor at all.
    assert late[["student_id", "last_stage", "expected_then", "lead_names"]].values.tolist() == [
        ["P2", "basic", "skill", "李老师"], ["P3", "skill", "internship", None]]


# -- Agreements -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deal_db(engine: str):
    con = make_db()
    insert(con, "enterprises", ["enterprise_id", "enterprise_name"],
           [(f"E{i}", f"企业{i}") for i in range(1, 9)])
    # enterprise, signed, expires, mentors, places, funding
    insert(con, "agreements", ["enterprise_id", "signed_on", "expires_on", "mentors_promised", "places_promised",
                               "funding_promised"], [
        ("E1", D(2022, 9, 1), D(2025, 8, 31), 2, 3, 10000.0),  # expired ten days ago, renewed:
        ("E1", D(2025, 9, 1), D(2028, 8, 31), 2, 3, 10000.0),  # in force, signed after 2024: funding not due
        ("E2", D(2023, 1, 1), D(2025, 11, 30), None, 0, 20000.0),  # expiring: 81 days left
        ("E3", D(2022, 7, 1), D(2025, 6, 30), 1, 1, None),  # lapsed
        ("E5", D(2025, 10, 1), D(2028, 9, 30), 1, 1, None),  # pending
        ("E6", D(2024, 1, 1), None, None, None, 5000.0),  # open-ended
        ("E7", D(2023, 1, 1), D(2025, 12, 9), None, None, None),  # day + 90: expiring
        ("E8", D(2023, 1, 1), D(2025, 12, 10), None, None, None),  # day + 91: in force
    ])
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "enterprise_id", "appointed_on"], [
        ("M1", "甲", "enterprise", "E1", D(2020, 1, 1)),
        ("M2", "乙", "enterprise", "E1", D(2025, 10, 1)),  # appointed after the day: not yet provided
        ("M3", "丙", "school", "E1", None),  # a school mentor is no mentor the enterprise provides
        ("M4", "丁", "enterprise", "E2", None),
        ("M5", "戊", "enterprise", "E4", None),  # E4 has never signed an agreement
    ])
    # id, cohort, model, enterprise: E1 hosts S1, S2 (interns), S3 (skill), S5 (no schedule); S4 graduated
    insert(con, "students", ["student_id", "cohort_year", "graduation_year", "training_model", "enterprise_id"], [
        ("S1", 2023, 2026, "2+1", "E1"), ("S2", 2023, 2026, "1.5+1.5", "E1"), ("S3", 2024, 2027, "2+1", "E1"),
        ("S4", 2022, 2025, "2+1", "E1"), ("S5", 2023, 2026, "other", "E1"),
        ("S6", 2024, 2027, "2+1", "E6"), ("S7", 2023, 2026, "2+1", "E3"), ("S8", 2024, 2027, "2+1", "E3"),
    ])
    insert(con, "funding", ["year", "source", "category", "budget", "spent", "enterprise_id"], [
        (2024, "enterprise", "设备捐赠·企业2", 16000.0, 15000.0, "E2"),
        (2024, "enterprise", "奖学金·企业2", 6000.0, 6000.0, "E2"),
        (2024, "government", "基地建设·企业2", 50000.0, 50000.0, "E2"),  # public money: not the enterprise's
        (2023, "enterprise", "设备捐赠·企业6", 9000.0, 9000.0, "E6"),  # another year
    ])
    return con


def test_agreement_states_and_days_left(deal_db) -> None:
    df = agreements.agreements(deal_db, Filters(), S, DAY)
    got = {(r.enterprise_id, r.signed_on.date()): (r.state, None if pd.isna(r.days_left) else int(r.days_left),
                                                    bool(r.current)) for r in df.itertuples()}
    assert got == {
        ("E1", D(2022, 9, 1)): ("expired", -10, False),
        ("E1", D(2025, 9, 1)): ("in_force", 1086, True),  # 2025-09-10 → 2028-08-31
        ("E2", D(2023, 1, 1)): ("expiring", 81, True),
        ("E3", D(2022, 7, 1)): ("expired", -72, True),  # the last one to end
        ("E5", D(2025, 10, 1)): ("pending", 1116, False),
        ("E6", D(2024, 1, 1)): ("in_force", None, True),
        ("E7", D(2023, 1, 1)): ("expiring", 90, True),
        ("E8", D(2023, 1, 1)): ("in_force", 91, True),
    }
    assert agreements.expiring(deal_db, Filters(), S, DAY)["enterprise_id"].tolist() == ["E2", "E7"]


def test_hosting_and_unsecured(deal_db) -> None:
    host = agreements.hosting(deal_db, Filters(), S, DAY).set_index("enterprise_id")
    # E1: S1, S2, S3, S5 at school (S4 graduated on 1 June 2025); interns S1 (2+1 of 2023, since
    # 1 Sep 2025) and S2 (1.5+1.5, since 1 Feb 2025); mentor M1 only.
    assert host.loc["E1", ["students", "interns", "mentors"]].tolist() == [4, 2, 1]
    assert host.loc["E3", ["students", "interns", "mentors"]].tolist() == [2, 1, 0]
    unsecured = agreements.unsecured(deal_db, Filters(), S, DAY)
    # E3 hosts two students on a lapsed agreement; E4 hosts a mentor and never signed one.
    assert unsecured[["enterprise_id", "students", "mentors"]].values.tolist() == [["E3", 2, 0], ["E4", 0, 1]]
    assert unsecured["state"].tolist()[0] == "expired" and pd.isna(unsecured["state"].tolist()[1])


def test_coverage(deal_db) -> None:
    # hosting: E1 (4 students), E2 (mentor M4), E3 (2), E4 (M5), E6 (S6) = 5; in force: E1, E2, E6 = 3.
    r = agreements.coverage(deal_db, Filters(), S, DAY)
    assert (r.numerator, r.denominator) == (3, 5)
    assert (r.ci_low, r.ci_high) == stats.wilson_interval(3, 5)


def test_obligations_against_the_data(deal_db) -> None:
    ob = agreements.obligations(deal_db, Filters(), S, DAY).set_index("enterprise_id")
    # E1: 1 mentor of 2 promised (M2 comes later): short; 2 interns of 3 places: short; funding of
    # the current agreement (signed 2025-09-01) has no full year in force before 2025: not due.
    assert ob.loc["E1", ["mentors", "mentors_state", "interns", "places_state", "funding_state", "overall"]].tolist() \
        == [1, "short", 2, "short", "not_due", "short"]
    # E2: enterprise money of 2024 15,000 + 6,000 = 21,000 ≥ 20,000 (the government line does not
    # count); nothing else agreed (blank mentors, 0 places).
    assert ob.loc["E2", ["funding_spent", "funding_state", "mentors_state", "places_state", "overall"]].tolist() \
        == [21000.0, "met", "none", "none", "met"]
    # E6: open-ended since 2024, promised 5,000 a year; 2024 has funding lines but none of E6: 0, short.
    assert ob.loc["E6", ["funding_year", "funding_spent", "funding_state", "overall"]].tolist() == [2024, 0.0, "short",
                                                                                                     "short"]
    assert ob.loc["E8", "overall"] == "none"  # nothing agreed
    assert set(ob.index) == {"E1", "E2", "E6", "E7", "E8"}  # only agreements in force
    assert ob.index[:2].tolist() == ["E1", "E6"]  # short ones first


def test_funding_is_no_data_without_any_line_of_the_year(deal_db) -> None:
    ob = agreements.obligations(deal_db, Filters(), S, D(2024, 9, 10)).set_index("enterprise_id")
    # reviewed in 2024: year 2023 has a line (E6's), so E2's 2023 contribution is 0 of 20,000: short.
    assert ob.loc["E2", ["funding_year", "funding_spent", "funding_state"]].tolist() == [2023, 0.0, "short"]
    ob = agreements.obligations(deal_db, Filters(), S, D(2023, 9, 10)).set_index("enterprise_id")
    assert ob.loc["E2", ["funding_year", "funding_state"]].tolist() == [2022, "not_due"]  # signed 2023
    scoped = agreements.obligations(deal_db, Filters(scope=()), S, DAY)
    assert scoped.empty  # a scope without schools sees no enterprise


# -- Two-way training -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course_db(engine: str):
    con = make_db()
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "appointed_on"], [
        ("T1", "王老师", "school", D(2019, 9, 1)), ("T2", "李老师", "school", D(2023, 9, 1)),
        ("T3", "陈老师", "school", None), ("T4", "新老师", "school", D(2026, 1, 1)),
        ("Q1", "张师傅", "enterprise", D(2020, 1, 1)), ("Q2", "赵师傅", "enterprise", D(2024, 9, 1)),
        ("Q3", "孙师傅", "enterprise", D(2025, 3, 1)),
    ])
    insert(con, "mentor_training", ["mentor_id", "training_type", "start_date", "end_date", "days", "hours"], [
        ("Q1", "teaching_methods", D(2024, 7, 8), None, None, 16.0),
        ("Q1", "teaching_methods", D(2024, 12, 7), None, None, 16.0),
        ("Q2", "teaching_methods", D(2024, 7, 8), None, None, None),
        ("Q1", "teaching_methods", D(2025, 7, 7), None, None, 8.0),
        ("Q2", "production_technology", D(2025, 8, 1), None, None, 24.0),  # not what counts for enterprise mentors
        ("T1", "enterprise_practice", D(2020, 7, 1), D(2020, 7, 30), None, None),  # before the window
        ("T1", "enterprise_practice", D(2021, 7, 6), D(2021, 9, 3), None, None),  # 60 days
        ("T1", "enterprise_practice", D(2023, 7, 6), None, 45.0, None),  # 45 days as stated
        ("T1", "enterprise_practice", D(2025, 9, 11), D(2025, 10, 10), None, None),  # after the day
        ("T2", "enterprise_practice", D(2024, 7, 8), D(2024, 9, 5), None, None),  # 60 days
        ("T3", "enterprise_practice", D(2022, 7, 1), None, 200.0, None),
        ("T3", "enterprise_practice", D(2024, 7, 1), None, None, None),  # no duration: 0, undated
        ("T1", "production_technology", D(2024, 8, 19), None, None, 24.0),
    ])
    return con


def test_trained_by_year(course_db) -> None:
    got = training.trained_by_year(course_db, Filters(), S, "enterprise")
    # 2024: on the roster Q1 and Q2 (Q3 appointed 2025), both trained; hours 16 + 16 (Q2 states
    # none): 32, per trained mentor stating hours 32 / 1. 2025: Q1, Q2, Q3 on the roster, Q1
    # trained (8 hours): 1/3.
    assert got[["year", "trained", "mentors", "hours", "hours_per_trained"]].values.tolist() == [
        [2024, 2, 2, 32.0, 32.0], [2025, 1, 3, 8.0, 8.0]]
    assert (got["ci_low"].iloc[1], got["ci_high"].iloc[1]) == pytest.approx(stats.wilson_interval(1, 3))
    year, r = training.trained_rate(course_db, Filters(), S, "enterprise")
    assert (year, r.numerator, r.denominator) == (2025, 1, 3)
    # school mentors: production technology only in 2024 (T1); on the roster then T1, T2, T3: 1/3.
    school = training.trained_by_year(course_db, Filters(), S, "school")
    assert school[["year", "trained", "mentors"]].values.tolist() == [[2024, 1, 3]]
    assert training.untrained(course_db, Filters(), S, "enterprise", 2025)["mentor_id"].tolist() == ["Q3", "Q2"]


def test_year_filter_and_no_data(course_db) -> None:
    got = training.trained_by_year(course_db, Filters(year_to=2024), S, "enterprise")
    assert got["year"].tolist() == [2024]
    year, r = training.trained_rate(course_db, Filters(year_from=2030), S, "enterprise")
    assert year is None and r.value is None


def test_enterprise_practice_against_the_rule(course_db) -> None:
    got = training.practice(course_db, Filters(), S, DAY).set_index("mentor_id")
    # Window: 2020-09-11 … 2025-09-10, 1,826 days (2024 is a leap year); rule 6 × 30 = 180 days.
    # T1 (appointed 2019): 60 + 45 = 105 of 180 (2020 before, 2025-09-11 after the window): 75 short.
    assert got.loc["T1", ["days", "required", "shortfall", "on_track"]].tolist() == [105.0, 180.0, 75.0, False]
    # T2 (appointed 2023-09-01): 741 days on the roster, 180 × 741 / 1,826 = 73.05 → 73.0 required;
    # 60 done: 13.0 short.
    assert got.loc["T2", ["days", "required", "shortfall", "on_track"]].tolist() == [60.0, 73.0, 13.0, False]
    # T3 (no date): 200 + 0 (one record without a duration, counted as undated) ≥ 180: on track.
    assert got.loc["T3", ["days", "required", "on_track", "undated"]].tolist() == [200.0, 180.0, True, 1]
    assert "T4" not in got.index  # appointed after the day
    assert got.index.tolist() == ["T1", "T2", "T3"]  # behind first, largest shortfall first
    r = training.practice_rate(course_db, Filters(), S, DAY)
    assert (r.numerator, r.denominator) == (1, 3)


def test_practice_rule_is_a_setting(course_db) -> None:
    # 2 months every 2 years: window 2023-09-11 … 2025-09-10 (731 days), rule 60 days.
    # T1: 2023-07-06 is before the window, 0 days; T2 (741 days ≥ window): 60 of 60, on track.
    got = training.practice(course_db, Filters(), Settings(practice_months=2, practice_years=2), DAY)
    got = got.set_index("mentor_id")
    assert got.loc["T1", ["days", "required"]].tolist() == [0.0, 60.0]
    assert got.loc["T2", ["days", "required", "on_track"]].tolist() == [60.0, 60.0, True]


# -- Recognition ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def honour_db(engine: str):
    con = make_db()
    insert(con, "enterprises", ["enterprise_id", "enterprise_name", "demonstration_unit"],
           [("E1", "甲企业", False), ("E2", "乙企业", True), ("E3", "丙企业", False)])
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "enterprise_id"], [
        ("T1", "王老师", "school", None), ("T2", "李老师", "school", None), ("T3", "陈老师", "school", None),
        ("Q1", "张师傅", "enterprise", "E1"),
    ])
    # two months of visits: T1 2 + 2 (both months meet the rule of 2), T2 2 + 0, T3 2 + 2
    visits = [("T1", D(2024, 3, 5), 2), ("T1", D(2024, 4, 5), 2), ("T2", D(2024, 3, 5), 2),
              ("T3", D(2024, 3, 5), 2), ("T3", D(2024, 4, 5), 2)]
    insert(con, "mentor_activities", ["mentor_id", "activity_date", "activity_type", "seq", "count"],
           [(m, d, "enterprise_visit", 1, n) for m, d, n in visits])
    insert(con, "mentor_evaluations", ["mentor_id", "period", "evaluator_type", "score"], [
        ("T1", "2024", "student", 90.0), ("T1", "2024", "enterprise", 88.0),  # overall 89
        ("T2", "2024", "student", 95.0), ("T2", "2024", "enterprise", 93.0),  # overall 94
        ("T3", "2024", "student", 92.0),  # overall 92
    ])
    students = [("A1", "T1"), ("A2", "T1"), ("A3", "T1"), ("B1", "T2"), ("C1", "T3"), ("C2", "T3"), ("C3", "T3"),
                ("C4", "T3")]
    insert(con, "students", ["student_id", "school_mentor_id", "enterprise_mentor_id", "enterprise_id",
                             "cohort_year", "graduation_year", "training_model", "dual_mentor"],
           [(sid, m, "Q1", "E1", 2021, 2024, "2+1", True) for sid, m in students])
    passed = {"A1": True, "A2": True, "A3": True, "B1": True, "C1": False, "C2": False, "C3": False, "C4": False}
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"],
           [(sid, "电工", D(2023, 6, 20), p) for sid, p in passed.items()])
    insert(con, "employment", ["student_id", "survey_date", "graduation_year", "status", "enterprise_id"], [
        ("A1", D(2024, 8, 31), 2024, "employed", "E1"), ("A2", D(2024, 8, 31), 2024, "unemployed", None),
        ("A3", D(2024, 8, 31), 2024, "employed", "E1"), ("B1", D(2024, 8, 31), 2024, "employed", None),
    ])
    insert(con, "agreements", ["enterprise_id", "signed_on", "expires_on", "mentors_promised"],
           [("E1", D(2024, 1, 1), D(2026, 12, 31), 1), ("E2", D(2024, 1, 1), D(2026, 12, 31), None)])
    # E1: two respondents, 5 and 4 of 5: (100 + 75) / 2 = 87.5; E2: one respondent (5 of 5).
    insert(con, "satisfaction_surveys", ["enterprise_id", "survey_date", "respondent", "dimension", "seq", "score",
                                         "scale_max"],
           [("E1", D(2024, 12, 1), "人事部", "overall", 1, 5.0, 5.0), ("E1", D(2024, 12, 1), "生产部", "overall", 1, 4.0, 5.0),
            ("E2", D(2024, 12, 1), "人事部", "overall", 1, 5.0, 5.0)])
    return con


HONOUR = Settings(small_n=2, recognition_min_score=85.0, recognition_min_compliance=0.75,
                  recognition_min_satisfaction=75.0)


def test_mentor_candidates_with_evidence(honour_db) -> None:
    got = recognition.mentor_candidates(honour_db, Filters(), HONOUR, "school").set_index("mentor_id")
    # T1: overall (90 + 88) / 2 = 89, both months compliant (1.0); certification 3 of 3,
    # initial employment 2 of 3 (A2 unemployed); of all students 4 of 8 have a pass (0.5).
    t1 = got.loc["T1"]
    assert (t1["overall"], t1["evaluations"], t1["compliance"], t1["cert_k"], t1["cert_n"], t1["jobs_k"],
            t1["jobs_n"]) == (89.0, 2, 1.0, 3, 3, 2, 3)
    assert bool(t1["recommended"]) and t1["reasons"] == ()
    # T2: overall 94 but one month of two meets the rule (0.5 < 0.75); one student: small, not judged.
    assert got.loc["T2", "reasons"] == ("compliance",) and bool(got.loc["T2", "cert_small"])
    # T3: 92, compliant, but 0 of 4 certified: Wilson upper limit 3.84 / 7.84 = 0.49 < 0.5: below.
    assert got.loc["T3", "cert_high"] == pytest.approx(stats.wilson_interval(0, 4)[1])
    assert bool(got.loc["T3", "cert_below"]) and got.loc["T3", "reasons"] == ("below",)
    assert bool(got.loc["T3", "jobs_small"])  # no graduate of T3 yet: n = 0
    assert got.index.tolist() == ["T1", "T2", "T3"]  # recommended first, then by rank (T2 94, T3 92)


def test_demonstration_unit_candidates(honour_db) -> None:
    got = recognition.unit_candidates(honour_db, Filters(), HONOUR, D(2024, 12, 15)).set_index("enterprise_id")
    # E1: agreement in force, 1 mentor of 1 promised (met), its 8 students graduated on 1 June
    # 2024 (none hosted on 15 Dec 2024) but 2 were hired, satisfaction 87.5 from 2 respondents
    # ≥ 75: a candidate.
    e1 = got.loc["E1"]
    assert (e1["students"], e1["hired"], e1["mentors"], e1["satisfaction"], e1["respondents"], e1["obligations"]) \
        == (0, 2, 1, 87.5, 2, "met")
    assert bool(e1["candidate"])
    # E2: nothing agreed (obligations "none"), no students, one respondent only.
    assert got.loc["E2", "reasons"] == ("obligations", "no_students", "few_responses")
    # E3: no agreement, no students, no survey.
    assert got.loc["E3", "reasons"] == ("no_agreement", "no_students", "few_responses")
    assert got.index[0] == "E1"
