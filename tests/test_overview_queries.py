"""One query per question (issue 17): the overview's tiles, sentences and attention list, and
``metrics --json``, read one employment base query and one calendar pass per mentor type, and
the figures they read are those of the separate functions, with the arithmetic in comments."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from metric_fixtures import count_calls, insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

from analytics import narrative
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import benchmarks, employment, headlines, mentors, summary

ONE = Settings(small_n=1)


@pytest.fixture
def con():
    con = make_db()
    insert(con, "students", ("student_id", "major", "graduation_year"), [
        ("p1", "A", 2023), ("p2", "A", 2023), ("p3", "B", 2023),
        ("p4", "A", 2024), ("p5", "B", 2024), ("p6", "B", 2024),
    ])
    insert(con, "employment", ("student_id", "survey_date", "graduation_year", "status", "monthly_salary"), [
        ("p1", "2023-07-01", 2023, "employed", 3000), ("p2", "2023-07-01", 2023, "unemployed", None),
        ("p3", "2023-07-01", 2023, "employed", 5000),
        ("p4", "2024-07-01", 2024, "employed", 4000), ("p5", "2024-07-01", 2024, "unemployed", None),
        ("p6", "2024-07-01", 2024, "employed", 6000),
    ])
    insert(con, "mentors", ("mentor_id", "mentor_name", "mentor_type", "appointed_on"),
           [("M1", "Wang", "school", "2023-01-01"), ("M2", "Li", "school", "2024-02-01")])
    insert(con, "mentor_activities", ("mentor_id", "activity_date", "activity_type", "seq", "count"), [
        # the grid: 2023-12, 2024-01, 2024-02 (two visits a month are the rule)
        ("M1", "2023-12-05", "enterprise_visit", 1, 2),  # compliant
        ("M1", "2024-01-05", "enterprise_visit", 1, 1),  # not compliant
        ("M1", "2024-02-05", "enterprise_visit", 1, 2),  # compliant
        ("M2", "2024-02-06", "enterprise_visit", 1, 3),  # compliant (appointed in February)
    ])
    return con


@pytest.fixture
def counted(monkeypatch):
    """How often the employment base query and the mentor calendar are built."""
    calls = {"employment": 0, "calendar": 0}
    count_calls(monkeypatch, calls, "employment", employment, "_table")
    count_calls(monkeypatch, calls, "calendar", mentors, "_calendar_cte")
    return calls


@pytest.mark.parametrize("f", [Filters(), Filters(year_from=2024)], ids=["every-year", "2024"])
def test_overview_runs_each_base_query_once(con, counted, f) -> None:
    view = headlines.overview(con, f, ONE)
    # one employment query; one calendar per mentor type (school, enterprise)
    assert counted == {"employment": 1, "calendar": 2}
    facts = narrative.attention_facts(con, f, ONE)
    narrative.attention_of(view, facts, ONE, "en", limit=None)
    narrative.sentences(view.headlines, "en", ONE.small_n)
    assert counted == {"employment": 1, "calendar": 2}  # the list and the sentences reuse them


def test_metrics_json_runs_each_base_query_once(con, counted) -> None:
    summary.headline(con, Filters(), ONE)
    # before: the employment query twice (headline, metrics keys), the calendar six times
    assert counted == {"employment": 1, "calendar": 2}


def test_breakdowns_of_one_pass(con) -> None:
    view = headlines.overview(con, Filters(year_from=2024), ONE)
    every = employment.by_every_year(view.employment, ONE)
    # every year, the filter's 2024 notwithstanding: 2023 p1, p3 of 3 = 2/3; 2024 p4, p6 of 3 = 2/3
    assert every[["group", "numerator", "denominator", "coverage_denominator"]].astype("int64").values.tolist() == [
        [2023, 2, 3, 3], [2024, 2, 3, 3]]
    majors = employment.by_group(view.employment, ONE)
    # 2024 only: A p4 1/1, B p6 of p5, p6 = 1/2
    assert majors[["group", "numerator", "denominator"]].values.tolist() == [["A", 1, 1], ["B", 1, 2]]
    keys, by_year = employment.headline_keys(view.employment, ONE)
    assert keys["initial_employment_rate"]["graduation_year"] == 2024
    assert by_year["group"].astype("int64").tolist() == [2024]
    # the pooled salary of 2024's employed: median(4000, 6000) = 5000 (2023's 3000 and 5000 left out)
    assert keys["median_monthly_salary"] == {"value": 5000.0, "n": 2}
    school = view.compliance["school"]
    # 2024: M1 January (1 visit: no) and February (yes) = 1/2; M2 February (yes) = 1/1 -> 2/3 mentor-months
    assert (school.rate.numerator, school.rate.denominator) == (2, 3)
    assert school.per_mentor[["mentor_id", "periods", "compliant_periods", "activities"]].values.tolist() == [
        ["M1", 2, 1, 3], ["M2", 1, 1, 3]]
    assert school.non_compliant["mentor_id"].tolist() == ["M1"]
    tile = headlines.pick(view.headlines, "school_compliance")
    # the tile's change: 2023-12 alone, M1 compliant = 1/1
    assert tile.change is not None and tile.change.against == "2023-12" and tile.change.previous == 1.0


@pytest.mark.parametrize("f", [
    Filters(), Filters(year_from=2024), Filters(year_to=2023), Filters(year_from=2030), Filters(major="B"),
], ids=["every-year", "from-2024", "to-2023", "no-year", "major-B"])
def test_one_pass_equals_the_separate_functions(con, f) -> None:
    view = headlines.overview(con, f, ONE)
    every_year = replace(f, year_from=None, year_to=None)
    pd.testing.assert_frame_equal(employment.by_every_year(view.employment, ONE),
                                  employment.initial_employment_by(con, every_year, ONE, "graduation_year"))
    separate = employment.initial_employment_by(con, f, ONE, "major")
    pd.testing.assert_frame_equal(employment.by_group(view.employment, ONE), separate, check_dtype=len(separate) > 0)
    whole, alone = employment.summary_of(view.employment, ONE), employment.summary(con, f, ONE)
    for name in ("initial_by", "related_by", "partner_by", "retention_by", "salary_by"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(alone, name), check_dtype=len(alone.initial_by) > 0)
    assert (whole.initial, whole.related, whole.partner, whole.retention, whole.salary) == (
        alone.initial, alone.related, alone.partner, alone.retention, alone.salary)
    series = benchmarks.school_series(con, f, ONE, "initial_employment_rate")
    pd.testing.assert_frame_equal(benchmarks.school_series_of(employment.initial_by_year(view.employment, ONE),
                                                              "initial_employment_rate"), series)
    keys, _ = employment.headline_keys(view.employment, ONE)
    assert keys["related_to_major_rate"] == employment.related_to_major_rate(con, f, ONE).as_dict()
    assert keys["partner_placement_rate"] == employment.partner_placement_rate(con, f, ONE).as_dict()
    assert keys["retention_rate"] == employment.retention_rate(con, f, ONE).as_dict()
    assert keys["median_monthly_salary"] == employment.median_monthly_salary(con, f, ONE)
    for kind in mentors.MENTOR_TYPES:
        shared, alone = view.compliance[kind], mentors.compliance(con, f, ONE, kind)
        pd.testing.assert_frame_equal(shared.per_mentor, alone.per_mentor)
        assert (shared.rate, shared.period_from, shared.period_to) == (alone.rate, alone.period_from, alone.period_to)
        assert headlines.pick(view.headlines, f"{kind}_compliance") == headlines.compliance(con, f, ONE, kind)
    assert headlines.pick(view.headlines, "initial_employment") == headlines.initial_employment(con, f, ONE)
