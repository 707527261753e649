"""Composite student score, bands, distributions and the growth file against hand arithmetic."""

from __future__ import annotations

import pytest

from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.metrics import students
from tests.metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

# Default weights 0.3 / 0.5 / 0.2:
#  st1 2023-2024-1 basic      80, 90, 100 -> 24 + 45 + 20     = 89   good
#  st1 2023-2024-2 skill      90, 90,  90 -> 27 + 45 + 18     = 90   excellent
#  st2 2023-2024-1 basic      60, --,  70 -> missing (never 0)
#  st2 2023-2024-2 skill      57, 55,  77 -> 17.1 + 27.5 + 15.4 = 60 pass (59.99999999999999 in
#                                            binary floating point: the rounding keeps it a pass)
#  st3 2023-2024-1 basic      70, 60,  50 -> 21 + 30 + 10     = 61   pass
#  st3 2023-2024-2 internship 100, 80, 60 -> 30 + 40 + 12     = 82   good
#  st4 2023-2024-1 basic      50, 50,  50 -> 15 + 25 + 10     = 50   fail
ASSESSMENTS = [
    ("st1", "2023-2024-1", "basic", 80, 90, 100),
    ("st1", "2023-2024-2", "skill", 90, 90, 90),
    ("st2", "2023-2024-1", "basic", 60, None, 70),
    ("st2", "2023-2024-2", "skill", 57, 55, 77),
    ("st3", "2023-2024-1", "basic", 70, 60, 50),
    ("st3", "2023-2024-2", "internship", 100, 80, 60),
    ("st4", "2023-2024-1", "basic", 50, 50, 50),
]


@pytest.fixture
def con():
    con = make_db()
    insert(
        con, "mentors", ["mentor_id", "mentor_name", "mentor_type"],
        [("S1", "Li Wei", "school"), ("S2", "Wang Fang", "school"), ("E1", "Zhao Gang", "enterprise")],
    )
    insert(
        con, "students",
        ["student_id", "student_name", "school_id", "major", "class_name", "dual_mentor",
         "school_mentor_id", "enterprise_mentor_id"],
        [
            ("st1", "Chen", "X", "CNC", "A", True, "S1", "E1"),
            ("st2", "Liu", "X", "CNC", "A", False, "S1", "E2"),
            ("st3", "Yang", "Y", "Welding", "B", False, "S2", "E1"),
            ("st4", "Huang", "Y", "Welding", "B", False, "S2", None),
        ],
    )
    insert(
        con, "student_assessments",
        ["student_id", "term", "stage", "theory_score", "skill_score", "professionalism_score"],
        ASSESSMENTS,
    )
    insert(
        con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"],
        [("st1", "CNC L4", "2024-12-01", True), ("st1", "CNC L4", "2024-06-01", False),
         ("st2", "CNC L4", "2024-06-01", True)],
    )
    insert(
        con, "employment", ["student_id", "survey_date", "graduation_year", "status"],
        [("st1", "2025-08-31", 2025, "employed")],
    )
    yield con
    con.close()


@pytest.mark.parametrize(
    ("filters", "settings", "expected"),
    [
        # all: 89, 90, 60, 61, 82, 50 -> sum 432 / 6 = 72.0; sorted 50 60 61 82 89 90 -> median (61+82)/2
        (Filters(), Settings(), (72.0, 71.5, 6, 1, {"excellent": 1, "good": 2, "pass": 2, "fail": 1})),
        # dual-mentor students: st1 only -> 89, 90 -> mean 89.5
        (Filters(dual="in"), Settings(), (89.5, 89.5, 2, 0, {"excellent": 1, "good": 1, "pass": 0, "fail": 0})),
        # school Y: st3, st4 -> 61, 82, 50 -> 193 / 3; median 61
        (Filters(school="Y"), Settings(), (193 / 3, 61.0, 3, 0, {"excellent": 0, "good": 1, "pass": 1, "fail": 1})),
        # weights 0.2/0.6/0.2: 16+54+20=90, 18+54+18=90, 11.4+33+15.4=59.8, 14+36+10=60,
        # 20+48+12=80, 10+30+10=50 -> sum 429.8 / 6; sorted 50 59.8 60 80 90 90 -> median 70
        (Filters(), Settings(weights=(0.2, 0.6, 0.2)),
         (429.8 / 6, 70.0, 6, 1, {"excellent": 2, "good": 1, "pass": 1, "fail": 2})),
    ],
)
def test_composite_summary(con, filters, settings, expected) -> None:
    mean, median, n, missing, bands = expected
    out = students.composite_summary(con, filters, settings)
    assert out["mean"] == pytest.approx(mean)
    assert out["median"] == pytest.approx(median)
    assert (out["n"], out["missing"]) == (n, missing)
    assert {b: r.numerator for b, r in out["bands"].items()} == bands
    assert all(r.denominator == n for r in out["bands"].values())


def test_composite_scores_missing_component_is_null_not_zero(con) -> None:
    df = students.composite_scores(con, Filters(), Settings())
    row = df[(df["student_id"] == "st2") & (df["term"] == "2023-2024-1")].iloc[0]
    assert row["composite"] is None or row["composite"] != row["composite"]  # NULL -> None/NaN
    assert row["band"] is None or row["band"] != row["band"]
    st2 = df[(df["student_id"] == "st2") & (df["term"] == "2023-2024-2")].iloc[0]
    assert (st2["composite"], st2["band"]) == (60.0, "pass")
    assert len(df) == len(ASSESSMENTS)


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        # basic: 89, 61, 50 (+ st2 missing) -> 200/3, median 61; skill: 90, 60; internship: 82
        ("stage", [("basic", 3, 1, 200 / 3, 61.0, (0, 1, 1, 1)),
                   ("skill", 2, 0, 75.0, 75.0, (1, 0, 1, 0)),
                   ("internship", 1, 0, 82.0, 82.0, (0, 1, 0, 0))]),
        # term 1: 89, 61, 50 (+ missing); term 2: 90, 60, 82 -> 232/3, median 82
        ("term", [("2023-2024-1", 3, 1, 200 / 3, 61.0, (0, 1, 1, 1)),
                  ("2023-2024-2", 3, 0, 232 / 3, 82.0, (1, 1, 1, 0))]),
        # class A (st1, st2): 89, 90, 60 (+ missing) -> 239/3, median 89; B (st3, st4): 61, 82, 50
        ("class", [("A", 3, 1, 239 / 3, 89.0, (1, 1, 1, 0)),
                   ("B", 3, 0, 193 / 3, 61.0, (0, 1, 1, 1))]),
        ("major", [("CNC", 3, 1, 239 / 3, 89.0, (1, 1, 1, 0)),
                   ("Welding", 3, 0, 193 / 3, 61.0, (0, 1, 1, 1))]),
        ("school_mentor", [("S1", 3, 1, 239 / 3, 89.0, (1, 1, 1, 0)),
                           ("S2", 3, 0, 193 / 3, 61.0, (0, 1, 1, 1))]),
        # E1 (st1, st3): 89, 90, 61, 82 -> 322/4, median (82+89)/2; E2 (st2): 60 (+ missing);
        # st4 has no enterprise mentor: its own group, last
        ("enterprise_mentor", [("E1", 4, 0, 80.5, 85.5, (1, 2, 1, 0)),
                               ("E2", 1, 1, 60.0, 60.0, (0, 0, 1, 0)),
                               (None, 1, 0, 50.0, 50.0, (0, 0, 0, 1))]),
    ],
)
def test_distribution_by(con, by, expected) -> None:
    df = students.distribution_by(con, Filters(), Settings(), by)
    got = [
        (r["group"] if isinstance(r["group"], str) else None, r["n"], r["missing"], r["mean"], r["median"],
         (r["excellent"], r["good"], r["pass"], r["fail"]))
        for r in df.to_dict("records")
    ]
    assert [g[0] for g in got] == [e[0] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g[1:3] == e[1:3]
        assert g[3] == pytest.approx(e[3])
        assert g[4] == pytest.approx(e[4])
        assert g[5] == e[5]


def test_distribution_by_mentor_labels_with_names(con) -> None:
    df = students.distribution_by(con, Filters(), Settings(), "school_mentor")
    assert list(df["label"]) == ["Li Wei", "Wang Fang"]
    # E2 is not on the roster: its label falls back to the ID
    df = students.distribution_by(con, Filters(), Settings(), "enterprise_mentor")
    assert list(df["label"])[:2] == ["Zhao Gang", "E2"]


def test_distribution_by_sums_to_summary(con) -> None:
    summary = students.composite_summary(con, Filters(), Settings())
    for by in students.GROUPS:
        df = students.distribution_by(con, Filters(), Settings(), by)
        assert df["n"].sum() == summary["n"]
        assert df["missing"].sum() == summary["missing"]


def test_distribution_by_rejects_unknown_grouping(con) -> None:
    with pytest.raises(AnalyticsError) as err:
        students.distribution_by(con, Filters(), Settings(), "gender")
    assert err.value.code == "program-unknown-grouping"


def test_growth_file(con) -> None:
    g = students.growth_file(con, "st1")
    assert list(g["student"]["student_name"]) == ["Chen"]
    assert list(g["assessments"]["term"]) == ["2023-2024-1", "2023-2024-2"]
    assert list(g["assessments"]["composite"]) == [89.0, 90.0]
    assert list(g["assessments"]["band"]) == ["good", "excellent"]
    # exams in date order: the June failure before the December pass
    assert list(g["certificates"]["passed"]) == [False, True]
    assert list(g["employment"]["status"]) == ["employed"]


def test_growth_file_unknown_student_is_empty(con) -> None:
    g = students.growth_file(con, "nobody")
    assert set(g) == {"student", "assessments", "certificates", "employment"}
    assert all(frame.empty for frame in g.values())


def test_headline_is_json_ready(con) -> None:
    out = students.headline(con, Filters(), Settings())["composite_score"]
    assert out["n"] == 6 and out["mean"] == pytest.approx(72.0)
    # excellent: 1 of 6
    assert out["bands"]["excellent"]["numerator"] == 1
    assert out["bands"]["excellent"]["value"] == pytest.approx(1 / 6)
    assert out["bands"]["excellent"]["small_n"] is True
