"""Targets: status rules, consecutive years missed, and every headline target on a fixture."""

from __future__ import annotations

import pytest
from metric_fixtures import insert, make_db

from analytics.config import Settings, Targets
from analytics.filters import Filters
from analytics.metrics import targets as t


@pytest.mark.parametrize(
    ("value", "target", "enough", "expected"),
    [
        (0.20, 0.18, True, "met"),
        (0.18, 0.18, True, "met"),
        (0.6 / 0.5 - 1 - 0.02, 0.18, True, "met"),  # 0.18 up to floating-point rounding
        (0.162, 0.18, True, "near"),  # 0.9 * 0.18 = 0.162
        (0.1619, 0.18, True, "not_met"),
        (-0.05, 0.18, True, "not_met"),
        (0.95, 1.0, True, "near"),
        (0.89, 1.0, True, "not_met"),
        (None, 0.9, True, "no_data"),
        (0.95, 0.9, False, "no_data"),  # too few cases to judge
    ],
)
def test_status(value: float | None, target: float, enough: bool, expected: str) -> None:
    assert t.status(value, target, enough) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.95, 0.85, 0.80], 2),  # the last two years missed 0.9
        ([0.80, 0.95], 0),
        ([0.80, 0.85, None], 2),  # the year without enough data is skipped
        ([0.80, None, 0.85], 2),
        ([], 0),
        ([None], 0),
    ],
)
def test_years_missed(values: list[float | None], expected: int) -> None:
    assert t.years_missed(values, 0.9) == expected


@pytest.fixture
def con():
    con = make_db()
    insert(con, "students", ("student_id", "dual_mentor"),
           [("a", True), ("b", True), ("c", False), ("d", False)])
    insert(con, "certificate_exams", ("student_id", "certificate_name", "exam_date", "passed"), [
        # 2023: dual a T, b F = 1/2; other c T, d F = 1/2 -> relative 0: missed
        ("a", "X", "2023-05-01", True), ("b", "X", "2023-05-01", False),
        ("c", "X", "2023-05-01", True), ("d", "X", "2023-05-01", False),
        # 2024: dual 2/2; other 1/2 -> 1.0/0.5 - 1 = 1.0: met
        ("a", "Y", "2024-05-01", True), ("b", "Y", "2024-05-01", True),
        ("c", "Y", "2024-05-01", True), ("d", "Y", "2024-05-01", False),
        # 2025: 1/2 vs 1/2 -> 0: missed
        ("a", "Z", "2025-05-01", True), ("b", "Z", "2025-05-01", False),
        ("c", "Z", "2025-05-01", True), ("d", "Z", "2025-05-01", False),
    ])
    insert(con, "employment", ("student_id", "survey_date", "graduation_year", "status"), [
        ("p1", "2023-07-01", 2023, "employed"), ("p2", "2023-07-01", 2023, "employed"),  # 2/2
        ("q1", "2024-07-01", 2024, "employed"), ("q2", "2024-07-01", 2024, "unemployed"),  # 1/2
    ])
    insert(con, "satisfaction_surveys",
           ("enterprise_id", "survey_date", "respondent", "dimension", "seq", "score", "scale_max"), [
               ("E1", "2022-06-01", "r", "overall", 1, 50, 100),
               ("E1", "2023-06-01", "r", "overall", 1, 75, 100),  # 75/50 - 1 = 0.5: met
               ("E1", "2024-06-01", "r", "overall", 1, 55.5, 100),  # 55.5/50 - 1 = 0.11: near
           ])
    insert(con, "mentors", ("mentor_id", "mentor_name", "mentor_type", "appointed_on"),
           [("M1", "Wang", "school", "2023-01-01")])
    insert(con, "mentor_activities", ("mentor_id", "activity_date", "activity_type", "seq", "count"), [
        # January and February 2024, two visits each: 2 of 2 mentor-months compliant
        ("M1", "2024-01-10", "enterprise_visit", 1, 2), ("M1", "2024-02-10", "enterprise_visit", 1, 2),
    ])
    return con


def test_targets(con) -> None:
    got = {x.metric: x for x in t.targets(con, Filters(), Settings(small_n=1))}
    assert list(got) == [
        "pass_rate_improvement", "initial_employment", "satisfaction_improvement",
        "school_mentor_compliance", "enterprise_mentor_compliance",
    ]
    # pooled: dual 4/6, other 3/6 -> (4/6)/(3/6) - 1 = 1/3 >= 0.18: met; 2025 missed, 2024 met -> 1
    p = got["pass_rate_improvement"]
    assert (p.value, p.status, p.years_missed) == (pytest.approx(1 / 3), "met", 1)
    # latest graduation year 2024: 1/2 = 0.5 < 0.81: not met; 2024 missed, 2023 met -> 1
    e = got["initial_employment"]
    assert (e.value, e.status, e.years_missed) == (0.5, "not_met", 1)
    # first 50 -> latest 55.5: 0.11 >= 0.108: near; waves vs first: 2023 0.5 met, 2024 0.11 missed -> 1
    sat = got["satisfaction_improvement"]
    assert (sat.value, sat.status, sat.years_missed) == (pytest.approx(0.11), "near", 1)
    sc = got["school_mentor_compliance"]
    assert (sc.value, sc.status, sc.years_missed) == (1.0, "met", 0)
    en = got["enterprise_mentor_compliance"]  # no school_teaching in the log: no data
    assert (en.value, en.status, en.years_missed) == (None, "no_data", 0)
    assert set(p.as_dict()) == {"metric", "target", "value", "status", "years_missed"}


def test_small_groups_are_not_enough_data(con) -> None:
    # With the default threshold of 10 every group here is small: values shown, status no_data.
    got = {x.metric: x for x in t.targets(con, Filters(), Settings())}
    assert got["pass_rate_improvement"].value == pytest.approx(1 / 3)
    assert {x.status for x in got.values()} == {"no_data"}
    assert {x.years_missed for x in got.values()} == {0}


def test_custom_target(con) -> None:
    s = Settings(small_n=1, targets=Targets(initial_employment=0.5))
    e = {x.metric: x for x in t.targets(con, Filters(), s)}["initial_employment"]
    assert (e.status, e.years_missed) == ("met", 0)  # 0.5 >= 0.5
