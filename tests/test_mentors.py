"""Communication compliance, mentor team rules and 360 evaluations against hand-worked fixtures."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.i18n import catalog
from analytics import narrative
from analytics.metrics import mentors
from tests.metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

ACTIVITY_COLUMNS = ["mentor_id", "activity_date", "activity_type", "seq", "count"]


@pytest.fixture
def con():
    """School mentors (monthly enterprise visits, threshold 2) and enterprise mentors
    (school teaching per semester, threshold 4).

    Visits span January–April 2024 (the joint_research row in June is another type and
    does not stretch the period), so the school period is 2024-01 … 2024-04:
      S1 appointed 2023: Jan 2 (one row, count 2) ✓, Feb 1+1 (two rows) ✓, Mar 0 ✗, Apr 3 ✓ -> 3 of 4
      S2 appointed 2024-02-15 (mid-period): Jan left out (ends before the appointment),
         Feb 1 ✗, Mar 2 ✓, Apr 0 ✗                                                     -> 1 of 3
      S3 no appointment date, no visit at all: Jan–Apr 0 ✗                               -> 0 of 4
      total 4 of 11; school X (S1, S2) 4 of 7, school Y (S3) 0 of 4.
    Teaching spans spring 2024 (Feb–Jul) … spring 2025:
      E1 no date: spring 2024 4 ✓; autumn 2024 = Sep 2 + Jan 2025 2 = 4 ✓;
         spring 2025 = 3 (3 February 2025 is spring, not autumn) ✗                       -> 2 of 3
      E2 appointed 2025-01-20: spring 2024 left out; autumn 2024 (ends 2025-01-31) 5 ✓;
         spring 2025 0 ✗                                                                  -> 1 of 2
      E3 appointed 2024-03-01, never taught: 0 of 3
      total 3 of 8.
    """
    con = make_db()
    insert(
        con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "school_id", "enterprise_id", "appointed_on"],
        [
            ("S1", "Li Wei", "school", "X", None, "2023-09-01"),
            ("S2", "Wang Fang", "school", "X", None, "2024-02-15"),
            ("S3", "Sun Li", "school", "Y", None, None),
            ("E1", "Zhao Gang", "enterprise", None, "ENT1", None),
            ("E2", "Qian Hu", "enterprise", None, "ENT1", "2025-01-20"),
            ("E3", "Zhou Ming", "enterprise", None, "ENT2", "2024-03-01"),
        ],
    )
    insert(
        con, "mentor_activities", ACTIVITY_COLUMNS,
        [
            ("S1", "2024-01-10", "enterprise_visit", 1, 2),
            ("S1", "2024-02-05", "enterprise_visit", 1, 1),
            ("S1", "2024-02-20", "enterprise_visit", 1, 1),
            ("S1", "2024-04-03", "enterprise_visit", 1, 3),
            ("S2", "2024-02-28", "enterprise_visit", 1, 1),
            ("S2", "2024-03-01", "enterprise_visit", 1, 2),
            ("S3", "2024-06-12", "joint_research", 1, 1),
            ("E1", "2024-03-10", "school_teaching", 1, 4),
            ("E1", "2024-09-01", "school_teaching", 1, 2),
            ("E1", "2025-01-15", "school_teaching", 1, 2),
            ("E1", "2025-02-03", "school_teaching", 1, 3),
            ("E2", "2025-01-25", "school_teaching", 1, 5),
        ],
    )
    yield con
    con.close()


@pytest.mark.parametrize(
    ("mentor_type", "filters", "settings", "expected"),
    [
        ("school", Filters(), Settings(), (4, 11)),
        ("school", Filters(school="X"), Settings(), (4, 7)),
        ("school", Filters(school="Y"), Settings(), (0, 4)),  # 0%, not "no data": the log has visits
        # threshold 1: S1 Jan, Feb, Apr; S2 Feb, Mar -> 5 of 11
        ("school", Filters(), Settings(visits_per_month=1), (5, 11)),
        ("school", Filters(year_from=2024, year_to=2024), Settings(), (4, 11)),
        ("enterprise", Filters(), Settings(), (3, 8)),
        # 2024 only: spring and autumn 2024 (autumn counts its January 2025):
        # E1 2 of 2, E2 1 of 1, E3 0 of 2 -> 3 of 5
        ("enterprise", Filters(year_from=2024, year_to=2024), Settings(), (3, 5)),
        # 2025 only: spring 2025, nobody reaches 4 -> 0 of 3 (E1 3, E2 0, E3 0)
        ("enterprise", Filters(year_from=2025), Settings(), (0, 3)),
        ("enterprise", Filters(enterprise="ENT1"), Settings(), (3, 5)),
        # threshold 3: E1 spring 2025 (3) also counts -> 4 of 8
        ("enterprise", Filters(), Settings(teaching_per_semester=3), (4, 8)),
    ],
)
def test_compliance_rate(con, mentor_type, filters, settings, expected) -> None:
    r = mentors.compliance_rate(con, filters, settings, mentor_type)
    assert (r.numerator, r.denominator) == expected
    assert r.value == pytest.approx(expected[0] / expected[1])
    full = mentors.compliance(con, filters, settings, mentor_type)
    assert full.rate == r
    assert (int(full.calendar["compliant"].sum()), len(full.calendar)) == expected


@pytest.mark.parametrize(
    ("mentor_type", "filters"),
    [
        ("school", Filters(year_from=2025)),  # visits only in 2024
        ("school", Filters(year_to=2023)),
        ("enterprise", Filters(year_to=2023)),  # teaching starts in spring 2024
    ],
)
def test_no_activity_in_period_is_no_data(con, mentor_type, filters) -> None:
    assert mentors.compliance_rate(con, filters, Settings(), mentor_type) is None
    full = mentors.compliance(con, filters, Settings(), mentor_type)
    assert full.rate is None and full.calendar.empty and full.period_from is None


def test_empty_log_is_no_data() -> None:
    con = make_db()
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type"], [("S1", "Li Wei", "school")])
    insert(con, "mentor_activities", ACTIVITY_COLUMNS, [("S1", "2024-03-01", "training", 1, 5)])
    assert mentors.compliance_rate(con, Filters(), Settings(), "school") is None
    assert mentors.headline(con, Filters(), Settings())["school_mentor_compliance"]["value"] is None


def test_school_calendar_and_non_compliant(con) -> None:
    res = mentors.compliance(con, Filters(), Settings(), "school")
    assert (res.period_from, res.period_to) == (dt.date(2024, 1, 1), dt.date(2024, 4, 30))
    s2 = res.calendar[res.calendar["mentor_id"] == "S2"]
    assert list(s2["period"]) == ["2024-02", "2024-03", "2024-04"]  # appointed 15 Feb: no January
    assert list(s2["activities"]) == [1, 2, 0]
    assert list(s2["compliant"]) == [False, True, False]
    s1 = res.calendar[res.calendar["mentor_id"] == "S1"]
    assert list(s1["activities"]) == [2, 2, 0, 3]  # count 2 in one row; two rows in February
    # worst first: S3 0/4, S2 1/3, S1 3/4
    nc = res.non_compliant
    assert list(nc["mentor_id"]) == ["S3", "S2", "S1"]
    assert list(nc["non_compliant_periods"]) == [4, 2, 1]
    assert list(nc["activities"]) == [0, 3, 7]
    assert list(nc["mentor_name"]) == ["Sun Li", "Wang Fang", "Li Wei"]


def test_semester_calendar(con) -> None:
    res = mentors.compliance(con, Filters(), Settings(), "enterprise")
    assert (res.period_from, res.period_to) == (dt.date(2024, 2, 1), dt.date(2025, 7, 31))
    e1 = res.calendar[res.calendar["mentor_id"] == "E1"]
    assert list(e1["period"]) == ["2024-spring", "2024-autumn", "2025-spring"]
    assert list(e1["activities"]) == [4, 4, 3]  # January 2025 in autumn 2024, 3 February in spring
    e2 = res.calendar[res.calendar["mentor_id"] == "E2"]
    assert list(e2["period"]) == ["2024-autumn", "2025-spring"]
    assert list(res.per_mentor["mentor_id"]) == ["E3", "E2", "E1"]  # 0/3, 1/2, 2/3
    assert list(res.non_compliant["mentor_id"]) == ["E3", "E2", "E1"]


def test_compliance_filters_partition_the_whole(con) -> None:
    whole = mentors.compliance_rate(con, Filters(), Settings(), "school")
    parts = [mentors.compliance_rate(con, Filters(school=x), Settings(), "school") for x in ("X", "Y")]
    assert sum(p.numerator for p in parts) == whole.numerator
    assert sum(p.denominator for p in parts) == whole.denominator


def test_unknown_mentor_type(con) -> None:
    with pytest.raises(AnalyticsError) as err:
        mentors.compliance(con, Filters(), Settings(), "teacher")
    assert err.value.code == "program-unknown-mentor-type"


@pytest.fixture
def team_con():
    """School mentors (rule: >= 3 years and a qualification):
      S1 5 y, 技师, dual        -> meets
      S2 2 y, 技师, not dual    -> too few years
      S3 ? y, 技师, dual ?      -> unknown years and dual flag: left out, counted unknown
      S4 3 y, blank, dual       -> 3 years meets, blank qualification does not
      S5 10 y, none, not dual   -> no qualification
      rule 1 of 4 (1 unknown); dual-qualified S1, S4 -> 2 of 4 (1 unknown)
    Enterprise mentors (>= 5 years): E1 5 ✓, E2 4.5 ✗, E3 ? -> 1 of 2 (1 unknown).
    Students: st1 S1/E1, st2 S1/E1, st3 S2/E2, st4 S1/-, st5 ZZ (not on the roster)/E1.
      per school mentor S1 3, S2 1, S3 0, S4 0, S5 0 -> mean 4/5, max 3 (st5 not counted)
      per enterprise mentor E1 3, E2 1, E3 0 -> mean 4/3, max 3
    """
    con = make_db()
    insert(
        con, "mentors",
        ["mentor_id", "mentor_name", "mentor_type", "school_id", "years_experience", "qualification",
         "dual_qualified"],
        [
            ("S1", "a", "school", "X", 5, "技师", True),
            ("S2", "b", "school", "X", 2, "技师", False),
            ("S3", "c", "school", "Y", None, "技师", None),
            ("S4", "d", "school", "Y", 3, "  ", True),
            ("S5", "e", "school", "Y", 10, None, False),
            ("E1", "f", "enterprise", None, 5, None, None),
            ("E2", "g", "enterprise", None, 4.5, None, None),
            ("E3", "h", "enterprise", None, None, None, None),
        ],
    )
    insert(
        con, "students", ["student_id", "school_id", "school_mentor_id", "enterprise_mentor_id"],
        [("st1", "X", "S1", "E1"), ("st2", "X", "S1", "E1"), ("st3", "X", "S2", "E2"),
         ("st4", "X", "S1", None), ("st5", "Y", "ZZ", "E1")],
    )
    yield con
    con.close()


def test_team(team_con) -> None:
    t = mentors.team(team_con, Filters(), Settings())
    assert (t["school_rule_share"].numerator, t["school_rule_share"].denominator) == (1, 4)
    assert t["school_rule_unknown"] == 1
    assert (t["enterprise_rule_share"].numerator, t["enterprise_rule_share"].denominator) == (1, 2)
    assert t["enterprise_rule_unknown"] == 1
    assert (t["dual_qualified_share"].numerator, t["dual_qualified_share"].denominator) == (2, 4)
    assert t["dual_qualified_unknown"] == 1
    assert t["students_per_school_mentor"] == {"mean": pytest.approx(0.8), "max": 3, "mentors": 5, "students": 4}
    assert t["students_per_enterprise_mentor"] == {"mean": pytest.approx(4 / 3), "max": 3, "mentors": 3, "students": 4}


@pytest.mark.parametrize(
    ("settings", "school_rule", "enterprise_rule"),
    [
        # 2 years: S1 and S2 have qualifications -> 2 of 4; 4 years: E1, E2 -> 2 of 2
        (Settings(school_mentor_min_years=2, enterprise_mentor_min_years=4), (2, 4), (2, 2)),
        # 6 years: S1 (5) fails, S5 (10) has no qualification -> 0 of 4; E1 (5) fails -> 0 of 2
        (Settings(school_mentor_min_years=6, enterprise_mentor_min_years=6), (0, 4), (0, 2)),
    ],
)
def test_team_thresholds(team_con, settings, school_rule, enterprise_rule) -> None:
    t = mentors.team(team_con, Filters(), settings)
    assert (t["school_rule_share"].numerator, t["school_rule_share"].denominator) == school_rule
    assert (t["enterprise_rule_share"].numerator, t["enterprise_rule_share"].denominator) == enterprise_rule


def test_team_school_filter(team_con) -> None:
    # school X: mentors S1 (meets), S2; students st1..st4 -> S1 3, S2 1 -> mean 2; no enterprise mentors
    t = mentors.team(team_con, Filters(school="X"), Settings())
    assert (t["school_rule_share"].numerator, t["school_rule_share"].denominator) == (1, 2)
    assert t["students_per_school_mentor"] == {"mean": 2.0, "max": 3, "mentors": 2, "students": 4}
    assert t["students_per_enterprise_mentor"] == {"mean": None, "max": None, "mentors": 0, "students": 0}
    assert t["enterprise_rule_share"].value is None


@pytest.fixture
def eval_con():
    """M1 (school): school 80 and 90 (two periods) -> 85 (n 2), student 70 (n 1).
    M2 (school): school 90, enterprise 60, student 90, third party 80 (n 1 each).
    M3 (enterprise): student 75."""
    con = make_db()
    insert(
        con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "school_id"],
        [("M1", "a", "school", "X"), ("M2", "b", "school", "Y"), ("M3", "c", "enterprise", None)],
    )
    insert(
        con, "mentor_evaluations", ["mentor_id", "period", "evaluator_type", "score"],
        [
            ("M1", "2024-1", "school", 80), ("M1", "2024-2", "school", 90), ("M1", "2024-1", "student", 70),
            ("M2", "2024-1", "school", 90), ("M2", "2024-1", "enterprise", 60),
            ("M2", "2024-1", "student", 90), ("M2", "2024-1", "third_party", 80),
            ("M3", "2024-1", "student", 75),
        ],
    )
    yield con
    con.close()


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        # equal: M1 (85 + 70) / 2 = 77.5; M2 (90 + 60 + 90 + 80) / 4 = 80; M3 75
        (None, {"M1": (77.5, 2), "M2": (80.0, 1), "M3": (75.0, 1)}),
        # school 2, enterprise 1, student 1, third party 0:
        # M1 (2*85 + 70) / 3 = 80; M2 (2*90 + 60 + 90) / 4 = 82.5; M3 75
        ({"school": 2.0, "enterprise": 1.0, "student": 1.0, "third_party": 0.0},
         {"M1": (80.0, 2), "M2": (82.5, 1), "M3": (75.0, 1)}),
        # only third-party evaluations count: M1 and M3 have none -> no overall, no rank
        ({"school": 0.0, "enterprise": 0.0, "student": 0.0, "third_party": 1.0},
         {"M1": (None, None), "M2": (80.0, 1), "M3": (None, None)}),
    ],
)
def test_evaluations_overall_and_rank(eval_con, weights, expected) -> None:
    settings = Settings() if weights is None else Settings(evaluator_weights=weights)
    df = mentors.evaluations(eval_con, Filters(), settings)
    got = {
        r["mentor_id"]: (
            None if r["overall"] != r["overall"] or r["overall"] is None else r["overall"],
            None if r["rank"] != r["rank"] or r["rank"] is None else int(r["rank"]),
        )
        for r in df.to_dict("records")
    }
    assert got.keys() == expected.keys()
    for mentor_id, (overall, rank) in expected.items():
        assert got[mentor_id][0] == (None if overall is None else pytest.approx(overall))
        assert got[mentor_id][1] == rank


def test_evaluations_per_type_counts(eval_con) -> None:
    df = mentors.evaluations(eval_con, Filters(), Settings()).set_index("mentor_id")
    assert df.loc["M1", "score_school"] == 85.0 and df.loc["M1", "n_school"] == 2
    assert df.loc["M1", "n_enterprise"] == 0 and df.loc["M1", "n"] == 3
    assert df.loc["M2", "score_third_party"] == 80.0 and df.loc["M2", "n"] == 4
    assert df.loc["M3", "mentor_type"] == "enterprise"


@pytest.mark.parametrize(
    ("filters", "mentor_type", "ids"),
    [
        (Filters(school="X"), None, ["M1"]),
        (Filters(), "enterprise", ["M3"]),
        (Filters(), "school", ["M2", "M1"]),  # ranked: M2 80 before M1 77.5
    ],
)
def test_evaluations_filters(eval_con, filters, mentor_type, ids) -> None:
    df = mentors.evaluations(eval_con, filters, Settings(), mentor_type)
    assert list(df["mentor_id"]) == ids


def test_headline_keys_and_json(con) -> None:
    out = mentors.headline(con, Filters(), Settings())
    assert set(out) == {"school_mentor_compliance", "enterprise_mentor_compliance", "mentor_team"}
    assert out["school_mentor_compliance"]["numerator"] == 4
    assert out["school_mentor_compliance"]["denominator"] == 11
    assert set(out["mentor_team"]) == {
        "school_rule_share", "enterprise_rule_share", "dual_qualified_share",
        "students_per_school_mentor", "students_per_enterprise_mentor",
    }
    json.dumps(out)


def _keys(table: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in table.items():
        out |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return out


@pytest.mark.one_engine
def test_program_catalogs_have_both_languages() -> None:
    locales = Path(mentors.__file__).resolve().parents[1] / "locales"
    keys = {}
    for lang in ("zh", "en"):
        with (locales / lang / "metrics_program.toml").open("rb") as fh:
            keys[lang] = _keys(tomllib.load(fh))
    assert keys["zh"] == keys["en"]
    assert len(keys["en"]) > 40  # code labels live in schema's vocabularies
    for code in ("program-unknown-grouping", "program-unknown-mentor-type", "query-failed"):
        assert f"error.{code}" in catalog("zh") and f"error.{code}" in catalog("en")


def test_compliance_by_period_matches_the_calendar(con) -> None:
    m = mentors
    f, s = Filters(), Settings()
    for kind in ("school", "enterprise"):
        full = m.compliance(con, f, s, kind)
        by_period = m.compliance_by_period(con, f, s, kind)
        expected = (full.calendar.groupby("period")
                    .agg(period_start=("period_start", "min"), share=("compliant", "mean"), cells=("compliant", "size"))
                    .sort_values("period_start").reset_index())
        assert by_period["period"].tolist() == expected["period"].tolist()
        assert by_period["share"].tolist() == pytest.approx(expected["share"].tolist())
        assert by_period["cells"].tolist() == expected["cells"].tolist()
        light = m.compliance(con, f, s, kind, with_calendar=False)
        assert light.rate == full.rate and light.calendar.empty
        pd.testing.assert_frame_equal(light.non_compliant, full.non_compliant)


def test_the_headline_window_equals_the_rate_of_those_years_alone(con) -> None:
    # The compliance headline selects its years from the whole grid; the result must equal the
    # rate computed with the years in the filter (so value and label describe one period).
    from analytics.metrics import headlines

    s = Settings(small_n=1)
    for f in (Filters(), Filters(year_from=2024, year_to=2025), Filters(year_from=2024, year_to=2024)):
        for kind in ("school", "enterprise"):
            h = headlines.compliance(con, f, s, kind)
            alone = mentors.compliance_rate(con, f, s, kind)
            if alone is None:
                assert h.value is None, (kind, f)
                continue
            assert (h.value, h.basis[0].numerator, h.basis[0].denominator) == (
                alone.value, alone.numerator, alone.denominator), (kind, f)


def test_least_compliant_calendar_is_the_calendar_of_the_worst_mentors(con) -> None:
    f, s = Filters(), Settings()
    for kind in ("school", "enterprise"):
        full = mentors.compliance(con, f, s, kind)
        worst = full.per_mentor.sort_values(["share", "mentor_id"]).head(2)["mentor_id"].tolist()
        expected = full.calendar[full.calendar["mentor_id"].isin(worst)].reset_index(drop=True)
        got = mentors.least_compliant_calendar(con, f, s, kind, 2)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
