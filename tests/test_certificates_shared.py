"""The pass-rate headline's strata and its unit's pass rate from one query (issue 17): the same
numbers as the standalone rate queries, on DuckDB and PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest
from metric_fixtures import insert, make_db

from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import certificates as c
from analytics.metrics import summary

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

S = Settings()

STUDENTS = [
    # student, major, dual, cohort
    ("a", "CNC", True, 2022),
    ("b", "CNC", False, 2022),
    ("c", "Auto", True, 2023),
    ("d", "Auto", False, 2023),
    ("e", "Art", None, 2023),  # on the roster, dual flag unknown: a stratum in neither group
]
EXAMS = [
    # student, certificate, date, passed
    ("a", "X", "2023-05-10", False),
    ("a", "X", "2024-05-10", True),
    ("a", "Y", "2024-06-10", True),
    ("b", "X", "2024-05-10", False),
    ("b", "X", "2024-11-10", False),
    ("c", "X", "2024-05-10", True),
    ("d", "Y", "2023-06-10", True),
    ("d", "X", "2024-05-10", False),
    ("e", "X", "2024-05-10", True),
    ("z", "X", "2024-05-10", True),  # not on the roster: in the rates, in no stratum
]

STANDALONE = {"attempt": c.pass_rate, "first_attempt": c.first_attempt_pass_rate,
              "person": c.certification_rate}


@pytest.fixture
def con():
    con = make_db()
    insert(con, "students", ("student_id", "major", "dual_mentor", "cohort_year"), STUDENTS)
    insert(con, "certificate_exams", ("student_id", "certificate_name", "exam_date", "passed"), EXAMS)
    return con


def test_strata_and_first_attempt_rate_by_hand(con) -> None:
    strata, rate = c.strata_and_rate(con, Filters(), S, "first_attempt", ("major",))
    # first attempts: aX'23 F, aY T, bX F, cX T, dY T, dX F, eX T, zX T = 5 of 8
    assert (rate.numerator, rate.denominator) == (5, 8)
    # per (year, major), dual k/n then other k/n; z is off the roster, e's stratum holds no group
    rows = [tuple(r) for r in strata.itertuples(index=False)]
    assert rows == [
        (2023, "Auto", 0, 0, 1, 1),  # dY T
        (2023, "CNC", 0, 1, 0, 0),  # aX F
        (2024, "Art", 0, 0, 0, 0),  # eX (dual unknown)
        (2024, "Auto", 1, 1, 0, 1),  # cX T | dX F
        (2024, "CNC", 1, 1, 0, 1),  # aY T | bX F
    ]
    assert list(strata.columns) == ["year", "major", "group_numerator", "group_denominator",
                                    "baseline_numerator", "baseline_denominator"]


@pytest.mark.parametrize(("f", "expected"), [
    # dual in = a, c: aX'23 F, aY T, cX T = 2 of 3
    (Filters(dual="in"), (2, 3)),
    # dual out = b, d: bX F, dY T, dX F = 1 of 3
    (Filters(dual="out"), (1, 3)),
    # 2024 first sittings (aX first sat in 2023): aY T, bX F, cX T, dX F, eX T, zX T = 4 of 6
    (Filters(2024, 2024), (4, 6)),
])
def test_first_attempt_rate_keeps_the_filters_dual_choice(con, f: Filters, expected: tuple[int, int]) -> None:
    strata, rate = c.strata_and_rate(con, f, S, "first_attempt", ())
    assert (rate.numerator, rate.denominator) == expected
    # the strata ignore the filter's dual choice: per year, dual 0/1 + 2/2 ('23, '24) vs other 1/1 + 0/2
    if f.year_from is None:
        assert strata["group_denominator"].tolist() == [1, 2]
        assert strata["baseline_numerator"].tolist() == [1, 0]


@pytest.mark.parametrize("measure", c.MEASURES)
@pytest.mark.parametrize("f", [Filters(), Filters(dual="in"), Filters(dual="out"), Filters(2024, 2024),
                               Filters(major="CNC", dual="in"), Filters(year_from=2030)])
def test_rate_equals_the_standalone_query(con, f: Filters, measure: str) -> None:
    strata, rate = c.strata_and_rate(con, f, S, measure, ("major",))
    assert rate == STANDALONE[measure](con, f, S)
    assert strata.equals(c.dual_vs_other_strata(con, f, S, measure, ("major",)))


@pytest.mark.parametrize("unit", c.MEASURES)
def test_metrics_json_rates_whatever_the_comparison_unit(con, unit: str) -> None:
    s = dataclasses.replace(S, comparison_unit=unit)
    for f in (Filters(), Filters(dual="in")):
        data = summary.headline(con, f, s)
        assert data["certificate_pass_rate"] == c.pass_rate(con, f, s).as_dict()
        assert data["first_attempt_pass_rate"] == c.first_attempt_pass_rate(con, f, s).as_dict()
        assert data["certification_rate"] == c.certification_rate(con, f, s).as_dict()
