"""Benchmark series and the school's rate beside them, on hand-checked fixtures."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from metric_fixtures import insert, make_db

from analytics import narrative, stats
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import benchmarks as b

S = Settings()

BENCHMARKS = [
    # source, indicator, period, year, group, value, numerator, denominator, unit, marker
    ("national", "initial_employment_rate", "2022", 2022, "level=secondary", 0.93, None, None, "ratio", None),
    ("national", "initial_employment_rate", "2023", 2023, "level=secondary", 0.95, None, None, "ratio", None),
    ("national", "initial_employment_rate", "2024", 2024, "level=secondary", 0.97, None, None, "ratio", None),
    ("national", "initial_employment_rate", "2024", 2024, "level=higher", None, None, None, "ratio", "ns"),
    ("province", "initial_employment_rate", "2024", 2024, "", 0.91, 910, 1000, "ratio", None),
    ("national", "certificate_pass_rate", "2024", 2024, "stage=written", 0.4595, 1012917, 2204230, "ratio", None),
]

# 2023 graduates: 9 of 10 employed at their first survey; 2024: 45 of 50.
GRADUATES = [(f"g23-{i}", 2023, "employed" if i < 9 else "unemployed") for i in range(10)] + [
    (f"g24-{i}", 2024, "employed" if i < 45 else "unemployed") for i in range(50)
]


@pytest.fixture
def con():
    con = make_db()
    insert(con, "benchmarks",
           ("source", "indicator", "period", "year", "group_label", "value", "numerator", "denominator",
            "unit", "marker"), BENCHMARKS)
    insert(con, "students", ("student_id", "graduation_year"), [(g, y) for g, y, _ in GRADUATES])
    insert(con, "employment", ("student_id", "survey_date", "graduation_year", "status"),
           [(g, f"{y}-08-31", y, status) for g, y, status in GRADUATES])
    return con


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, [("national", "2024", "level=higher", None, "ns"), ("national", "2022", "level=secondary", 0.93, None),
          ("national", "2023", "level=secondary", 0.95, None), ("national", "2024", "level=secondary", 0.97, None),
          ("province", "2024", "", 0.91, None)]),
    ({"source": "province"}, [("province", "2024", "", 0.91, None)]),
    ({"group": "level=higher"}, [("national", "2024", "level=higher", None, "ns")]),
    ({"group": ["level=secondary", ""], "source": ["province"]}, [("province", "2024", "", 0.91, None)]),
    ({"group": "no such group"}, []),
])
def test_benchmark_series_picks_series(con, kwargs, expected):
    df = b.benchmark_series(con, "initial_employment_rate", **kwargs)
    assert tuple(df.columns) == b.SERIES_COLUMNS
    got = [
        (r.source, r.period, r.group_label, None if pd.isna(r.value) else r.value,
         None if pd.isna(r.marker) else r.marker)
        for r in df.itertuples()
    ]
    assert got == expected


def test_benchmark_series_keeps_counts_and_unknown_indicator_is_refused(con):
    df = b.benchmark_series(con, "certificate_pass_rate")
    assert df[["value", "numerator", "denominator", "year"]].iloc[0].tolist() == [0.4595, 1012917, 2204230, 2024]
    with pytest.raises(ValueError):
        b.benchmark_series(con, "pass_rate")


def test_available_lists_each_series_once(con):
    df = b.available(con, "initial_employment_rate")
    # national/level=secondary: 2022–2024, three figures; level=higher: one suppressed, no figure.
    assert [tuple(r) for r in df[["source", "group_label", "first_year", "last_year", "figures"]].itertuples(
        index=False)] == [("national", "level=higher", 2024, 2024, 0), ("national", "level=secondary", 2022, 2024, 3),
                          ("province", "", 2024, 2024, 1)]


# Wilson 95% of 45/50: z² = 3.8415, centre (0.9 + 3.8415/100) / (1 + 3.8415/50) = 0.87147,
# half-width 1.96 · √(0.09/50 + 3.8415/10000) / 1.07683 = 0.08507 → [0.7864, 0.9565].
@pytest.mark.parametrize(("bench", "direction", "diff_pp", "outside"), [
    (0.95, "within", -5.0, False),  # 0.95 < 0.9565
    (0.97, "below", -7.0, True),  # school 0.90 is below a benchmark above its interval
    (0.78, "above", 12.0, True),  # 0.78 < 0.7864
    (None, "no-data", None, None),
    (math.nan, "no-data", None, None),
])
def test_compare_against_the_school_interval(bench, direction, diff_pp, outside):
    result = b.compare(stats.rate(45, 50), bench)
    assert result["direction"] == direction
    assert result["outside"] is outside
    assert result["diff_pp"] == (None if diff_pp is None else pytest.approx(diff_pp))
    assert (result["ci_low"], result["ci_high"]) == (pytest.approx(0.7864, abs=1e-4), pytest.approx(0.9565, abs=1e-4))


def test_compare_without_school_data():
    assert b.compare(stats.rate(0, 0), 0.9)["direction"] == "no-data"


def test_school_series_reuses_the_employment_metric(con):
    df = b.school_series(con, Filters(), S, "initial_employment_rate")
    assert df[["year", "numerator", "denominator"]].values.tolist() == [[2023, 9, 10], [2024, 45, 50]]
    assert df["value"].tolist() == [0.9, 0.9]
    with pytest.raises(ValueError):
        b.school_series(con, Filters(), S, "achievement_rate")


def test_beside_matches_years(con):
    school = b.school_series(con, Filters(), S, "initial_employment_rate")
    bench = b.benchmark_series(con, "initial_employment_rate", source="national", group="level=secondary")
    out = b.beside(school, bench)
    # 2022: benchmark only. 2023: 9/10 = 0.90, interval [0.5958, 0.9821] holds 0.95 → −5.0 pp, within.
    # 2024: 45/50 = 0.90, interval [0.7864, 0.9565] excludes 0.97 → −7.0 pp, outside.
    assert out["year"].tolist() == [2022, 2023, 2024]
    assert out["benchmark"].tolist() == [0.93, 0.95, 0.97]
    assert out["diff_pp"].round(6).tolist()[1:] == [-5.0, -7.0]
    assert pd.isna(out["diff_pp"].iloc[0]) and pd.isna(out["outside"].iloc[0])
    assert out["outside"].tolist()[1:] == [False, True]


@pytest.mark.parametrize(("lang", "direction", "expected"), [
    ("en", "below", "School is 7.0 pp below National; the benchmark lies outside the school's 95% interval."),
    ("zh", "within", "本校与全国相差 5.0 个百分点，在本校 95% 置信区间之内。"),
])
def test_compare_text(lang, direction, expected):
    bench = 0.97 if direction == "below" else 0.95
    school, name = ("School", "National") if lang == "en" else ("本校", "全国")
    assert narrative.benchmark_text(b.compare(stats.rate(45, 50), bench), school, name, lang) == expected


def test_school_series_reuses_the_certificate_metric(con):
    # 2024 exams: 3 sat, 2 passed → 2/3 beside the national written-exam 0.4595.
    insert(con, "certificate_exams", ("student_id", "certificate_name", "exam_date", "passed"),
           [("g24-1", "X", "2024-05-10", True), ("g24-2", "X", "2024-05-10", True),
            ("g24-3", "X", "2024-05-10", False)])
    school = b.school_series(con, Filters(), S, "certificate_pass_rate")
    out = b.beside(school, b.benchmark_series(con, "certificate_pass_rate"))
    assert out[["year", "numerator", "denominator", "benchmark"]].values.tolist() == [[2024, 2, 3, 0.4595]]
    assert out["diff_pp"].iloc[0] == pytest.approx(100 * (2 / 3 - 0.4595))
