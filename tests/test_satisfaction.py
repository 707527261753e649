"""Satisfaction means, share satisfied and trend on a hand-checked fixture."""

from __future__ import annotations

import math

import pytest
from metric_fixtures import insert, make_db

from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import satisfaction as m

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

S = Settings()

RESPONSES = [
    # enterprise, date, respondent, dimension, seq, score, scale max
    ("E1", "2022-06-01", "r1", "overall", 1, 3, 5),  # (3-1)/4*100 = 50, 3/5 < 80%: not satisfied
    ("E1", "2022-06-01", "r1", "teamwork", 1, 4, 5),  # 75, 4/5 = 80%: satisfied
    ("E2", "2022-09-01", "r2", "overall", 1, 70, 100),  # 0-based: 70, not satisfied
    ("E1", "2023-06-01", "r1", "overall", 1, 5, None),  # scale 5 by default: 100, satisfied
    ("E2", "2023-06-01", "r2", "overall", 1, 7, 10),  # (7-1)/9*100 = 66.667, 7/10 < 80%
    ("E1", "2024-06-01", "r1", "overall", 1, 5, 5),  # 100
    ("E1", "2024-06-01", "r1", "teamwork", 1, 4, 5),  # 75
    ("E2", "2024-06-01", "r2", "overall", 1, 90, 100),  # 90
]


@pytest.fixture
def con():
    con = make_db()
    insert(con, "satisfaction_surveys",
           ("enterprise_id", "survey_date", "respondent", "dimension", "seq", "score", "scale_max"),
           RESPONSES)
    return con


def test_waves(con) -> None:
    df = m.waves(con, Filters(), S)
    assert df["wave"].tolist() == [2022, 2023, 2024]
    # 2022: (50 + 75 + 70) / 3 = 65; 2023: (100 + 66.667) / 2 = 83.333; 2024: (100 + 75 + 90) / 3 = 88.333
    assert df["mean_0_100"].tolist() == pytest.approx([65.0, 250 / 3, 265 / 3])
    # satisfied: 2022 1 of 3; 2023 1 of 2; 2024 3 of 3
    assert df["share_satisfied"].tolist() == pytest.approx([1 / 3, 0.5, 1.0])
    # n is respondents (one questionnaire: enterprise, date, respondent, seq), not ratings:
    # 2022 r1 rated two dimensions and r2 one -> 2 respondents, 3 ratings; 2023 2 and 2; 2024 2 and 3
    assert df["respondents"].tolist() == [2, 2, 2]
    assert df["ratings"].tolist() == [3, 2, 3]


def test_waves_by_enterprise_and_dimension(con) -> None:
    df = m.waves(con, Filters(), S, by="enterprise")
    got = {(w, e): (mean, n, r) for w, e, mean, n, r in
           df[["wave", "enterprise", "mean_0_100", "respondents", "ratings"]].itertuples(index=False)}
    # E1 2022: (50 + 75)/2 = 62.5 from one respondent's two ratings; E1 2024: (100 + 75)/2 = 87.5
    assert got == {
        (2022, "E1"): (62.5, 1, 2), (2022, "E2"): (70.0, 1, 1),
        (2023, "E1"): (100.0, 1, 1), (2023, "E2"): (pytest.approx(200 / 3), 1, 1),
        (2024, "E1"): (87.5, 1, 2), (2024, "E2"): (90.0, 1, 1),
    }
    assert df["small_n"].all()  # one respondent each, below 10
    dims = m.waves(con, Filters(), S, by="dimension")
    assert dims[dims["dimension"] == "teamwork"]["mean_0_100"].tolist() == [75.0, 75.0]


def test_threshold_setting(con) -> None:
    # At 70%: 2022 3/5 = 60% no, 4/5 yes, 70/100 yes -> 2 of 3; 2023 5/5 yes, 7/10 yes -> 2 of 2
    df = m.waves(con, Filters(), Settings(satisfied_threshold=70))
    assert df["share_satisfied"].tolist() == pytest.approx([2 / 3, 1.0, 1.0])


def test_trend(con) -> None:
    t = m.trend(con, Filters(), S)
    # first 65 -> latest 88.333: +23.333 points, 88.333/65 - 1 = 0.358974
    assert t.change_first_to_latest == pytest.approx(265 / 3 - 65)
    assert t.relative_change_first_to_latest == pytest.approx((265 / 3) / 65 - 1)
    # previous wave: 2023 vs 2022 = 83.333/65 - 1 = 0.282051; 2024 vs 2023 = 88.333/83.333 - 1 = 0.06
    assert t.waves["relative_prev"].tolist()[1:] == pytest.approx([(250 / 3) / 65 - 1, 0.06])
    assert math.isnan(t.waves["relative_prev"].iloc[0])
    # slope: x̄ = 2023, ȳ = (65 + 83.333 + 88.333)/3; Sxy = (-1)(65) + (1)(88.333) - 0 = 23.333, Sxx = 2
    assert t.slope_per_year == pytest.approx((265 / 3 - 65) / 2)


def test_trend_by_dimension(con) -> None:
    t = m.trend(con, Filters(), S, by="dimension")
    team = t.waves[t.waves["dimension"] == "teamwork"]
    assert team["change_first"].tolist() == [0.0, 0.0]  # 75 in 2022 and 2024
    assert t.slope_per_year is None  # only for the pooled mean


@pytest.mark.parametrize(
    ("f", "waves"),
    [
        (Filters(2023, 2024), [2023, 2024]),
        (Filters(enterprise="E2"), [2022, 2023, 2024]),
        (Filters(major="CNC"), [2022, 2023, 2024]),  # a student filter cannot apply: ignored
    ],
)
def test_filters(con, f: Filters, waves: list[int]) -> None:
    assert m.waves(con, f, S)["wave"].tolist() == waves


def test_one_wave_and_no_data(con) -> None:
    t = m.trend(con, Filters(2024, 2024), S)
    assert t.relative_change_first_to_latest is None and t.slope_per_year is None
    t = m.trend(make_db(), Filters(), S)
    assert t.waves.empty and t.relative_change_first_to_latest is None


def test_enterprise_dimensions_pool_the_waves() -> None:

    con = make_db()
    insert(con, "satisfaction_surveys", ["enterprise_id", "survey_date", "respondent", "dimension", "seq", "score", "scale_max"], [
        ("E1", "2023-06-01", "", "teamwork", 1, 5, 5),
        ("E1", "2024-06-01", "", "teamwork", 1, 3, 5),
        ("E1", "2024-06-01", "", "overall", 1, 4, 5),
        ("E2", "2024-06-01", "", "overall", 1, 2, 5),
    ])
    df = m.enterprise_dimensions(con, Filters(), Settings())
    got = {(r.enterprise, r.dimension): (r.mean_0_100, r.share_satisfied, r.respondents) for r in df.itertuples()}
    # E1 teamwork: scores 5 and 3 over two waves (two questionnaires) -> (100 + 50) / 2 = 75; satisfied 1 of 2.
    # E1 overall: 4 -> 75, satisfied; E2 overall: 2 -> 25, not satisfied.
    assert got == {
        ("E1", "overall"): (75.0, 1.0, 1),
        ("E1", "teamwork"): (75.0, 0.5, 2),
        ("E2", "overall"): (25.0, 0.0, 1),
    }


def test_dimension_changes_and_latest_wave_per_enterprise(con) -> None:
    # overall: 2022 (50 + 70)/2 = 60 -> 2024 (100 + 90)/2 = 95: 95/60 - 1 = 0.583333;
    # teamwork: 75 -> 75: 0; smallest change first
    df = m.dimension_changes(con, Filters(), S)
    assert df["dimension"].tolist() == ["teamwork", "overall"]
    assert df["relative_first"].tolist() == pytest.approx([0.0, 95 / 60 - 1])
    assert df[["first", "latest"]].values.tolist() == [[2022, 2024], [2022, 2024]]
    latest = m.latest_by_enterprise(con, Filters(), S)
    assert dict(zip(latest["enterprise"], latest["wave"], strict=True)) == {"E1": 2024, "E2": 2024}
    assert m.dimension_changes(make_db(), Filters(), S).empty
