"""Certificate pass rates on a hand-checked fixture."""

from __future__ import annotations

import math

import pytest
from metric_fixtures import by_group, insert, make_db

from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import certificates as c

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

S = Settings()

STUDENTS = [
    # student, major, dual, school, cohort, model, enterprise, school mentor, enterprise mentor
    ("a", "CNC", True, "S1", 2022, "2+1", "E1", "M1", "N1"),
    ("b", "CNC", False, "S1", 2022, "1.5+1.5", "E1", "M1", "N2"),
    ("c", "Auto", True, "S2", 2023, "2+1", "E2", "M2", "N1"),
    ("d", "Auto", False, "S2", 2023, "2+1", None, "M2", None),
]
EXAMS = [
    # student, certificate, date, level, passed
    ("a", "X", "2023-05-10", "L1", False),
    ("a", "X", "2024-05-10", "L1", True),
    ("a", "Y", "2024-06-10", "L2", True),
    ("b", "X", "2024-05-10", "L1", False),
    ("b", "X", "2024-11-10", "L1", False),
    ("c", "X", "2024-05-10", "L1", True),
    ("d", "Y", "2023-06-10", "L2", True),
    ("d", "X", "2024-05-10", "L1", False),
    ("z", "X", "2024-05-10", "L1", True),  # not on the roster
]


@pytest.fixture
def con():
    con = make_db()
    insert(
        con, "students",
        ("student_id", "major", "dual_mentor", "school_id", "cohort_year", "training_model",
         "enterprise_id", "school_mentor_id", "enterprise_mentor_id"),
        STUDENTS,
    )
    insert(con, "certificate_exams",
           ("student_id", "certificate_name", "exam_date", "certificate_level", "passed"), EXAMS)
    return con


@pytest.mark.parametrize(
    ("f", "measure", "expected"),
    [
        # passes: a X'24, a Y, c X, d Y, z X = 5 of 9 exams
        (Filters(), "attempt", (5, 9)),
        # first attempts: aX'23 F, aY T, bX F, cX T, dY T, dX F, zX T = 4 of 7
        (Filters(), "first_attempt", (4, 7)),
        # students with a pass: a, c, d, z of a, b, c, d, z = 4 of 5
        (Filters(), "person", (4, 5)),
        # 2024: aX T, aY T, bX F, bX F, cX T, dX F, zX T = 4 of 7
        (Filters(2024, 2024), "attempt", (4, 7)),
        # 2024 first attempts (aX first sat in 2023, so not counted): aY T, bX F, cX T, dX F, zX T
        (Filters(2024, 2024), "first_attempt", (3, 5)),
        # 2024 people: a yes, b no, c yes, d no (only the failed X in 2024), z yes
        (Filters(2024, 2024), "person", (3, 5)),
        # CNC = a, b: a F T T, b F F = 2 of 5 (z is off the roster, so out once a filter is set)
        (Filters(major="CNC"), "attempt", (2, 5)),
        # dual in = a, c: 3 of 4; out = b, d: 1 of 4
        (Filters(dual="in"), "attempt", (3, 4)),
        (Filters(dual="out"), "attempt", (1, 4)),
        (Filters(year_from=2030), "attempt", (0, 0)),
    ],
)
def test_rates(con, f: Filters, measure: str, expected: tuple[int, int]) -> None:
    fn = {"attempt": c.pass_rate, "first_attempt": c.first_attempt_pass_rate,
          "person": c.certification_rate}[measure]
    r = fn(con, f, S)
    assert (r.numerator, r.denominator) == expected
    assert r.value == (expected[0] / expected[1] if expected[1] else None)
    assert r.small_n  # every denominator here is below 10


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        # CNC: a 2/3 + b 0/2; Auto: c 1/1 + d 1/2; off-roster z 1/1
        ("major", {"Auto": (2, 3), "CNC": (2, 5), None: (1, 1)}),
        # 2023: aX F, dY T; 2024: the other 7 with 4 passes
        ("year", {2023: (1, 2), 2024: (4, 7)}),
        ("level", {"L1": (3, 7), "L2": (2, 2)}),
        ("dual", {True: (3, 4), False: (1, 4), None: (1, 1)}),
        # enterprise: E1 = a, b (2/5); E2 = c (1/1); d has none and z is off the roster
        ("enterprise", {"E1": (2, 5), "E2": (1, 1), None: (2, 3)}),
        ("enterprise_mentor", {"N1": (3, 4), "N2": (0, 2), None: (2, 3)}),
    ],
)
def test_pass_rates_by(con, by: str, expected: dict) -> None:
    df = c.pass_rates_by(con, Filters(), S, by)
    assert by_group(df) == expected
    assert list(df.columns) == ["group", "numerator", "denominator", "rate", "ci_low", "ci_high", "small_n"]


def test_dual_vs_other(con) -> None:
    # dual (a, c) 3/4 = 0.75; others (b, d) 1/4 = 0.25: diff 0.5, relative 0.75/0.25 - 1 = 2.0;
    # pooled 4/8 = 0.5, se = sqrt(0.25 * (1/4 + 1/4)) = 0.353553, z = 1.414214, p = erfc(1) = 0.157299
    for f in (Filters(), Filters(dual="in"), Filters(dual="out")):  # the filter's own dual is ignored
        cmp = c.dual_vs_other(con, f, S)
        assert (cmp.group.numerator, cmp.group.denominator) == (3, 4)
        assert (cmp.baseline.numerator, cmp.baseline.denominator) == (1, 4)
        assert cmp.diff == pytest.approx(0.5)
        assert cmp.relative == pytest.approx(2.0)
        assert cmp.p_value == pytest.approx(math.erfc(1.0))


def test_dual_vs_other_by_year(con) -> None:
    # 2023: dual aX F 0/1, other dY T 1/1 -> relative 0/1 - 1 = -1
    # 2024: dual aX T, aY T, cX T 3/3; other bX F F, dX F 0/3 -> baseline 0: relative undefined
    df = c.dual_vs_other_by_year(con, Filters(), S)
    assert df["year"].tolist() == [2023, 2024]
    assert df["group_numerator"].tolist() == [0, 3] and df["group_denominator"].tolist() == [1, 3]
    assert df["baseline_numerator"].tolist() == [1, 0] and df["baseline_denominator"].tolist() == [1, 3]
    assert df["relative"].iloc[0] == pytest.approx(-1.0)
    assert math.isnan(df["relative"].iloc[1])


@pytest.mark.parametrize("bad", [{"by": "colour"}, {"by": "year", "measure": "per-day"}])
def test_bad_arguments(con, bad: dict) -> None:
    with pytest.raises(ValueError):
        c.pass_rates_by(con, Filters(), S, **bad)


@pytest.mark.parametrize("f", [Filters(), Filters(2024, 2024), Filters(major="CNC", dual="in")])
def test_pooled_comparison_equals_dual_vs_other(con, f: Filters) -> None:
    # Summing the per-year frame gives the same comparison as the pooled query.
    assert c.pooled_comparison(c.dual_vs_other_by_year(con, f, S), S) == c.dual_vs_other(con, f, S)
