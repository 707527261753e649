"""The headline dict behind ``metrics --json``: issue 3's keys, JSON-ready, consistent numbers."""

from __future__ import annotations

import json

import pytest
from metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

from analytics.config import Settings
from analytics.filters import Filters
from analytics import narrative
from analytics.metrics import headlines, summary

S = Settings()
RATE_KEYS = {"value", "numerator", "denominator", "ci_low", "ci_high", "small_n"}
KEYS = {
    "certificate_pass_rate", "first_attempt_pass_rate", "certification_rate",
    "pass_rate_improvement_dual_vs_other", "initial_employment_rate", "related_to_major_rate",
    "partner_placement_rate", "retention_rate", "median_monthly_salary", "satisfaction",
    "school_mentor_compliance", "enterprise_mentor_compliance", "mentor_team", "composite_score",
    "funding", "targets", "headlines",
}


@pytest.fixture
def con():
    con = make_db()
    insert(con, "students", ("student_id", "major", "dual_mentor", "graduation_year"),
           [("a", "CNC", True, 2024), ("b", "CNC", False, 2024), ("c", "Auto", False, 2023)])
    insert(con, "certificate_exams", ("student_id", "certificate_name", "exam_date", "passed"), [
        ("a", "X", "2024-05-01", True), ("b", "X", "2024-05-01", False), ("b", "X", "2024-11-01", True),
        ("c", "X", "2023-05-01", True),
    ])
    insert(con, "employment",
           ("student_id", "survey_date", "graduation_year", "status", "employer_name", "monthly_salary"), [
               ("a", "2024-07-01", 2024, "employed", "ACME", 4000),
               ("b", "2024-07-01", 2024, "unemployed", None, None),
               ("c", "2023-07-01", 2023, "employed", "Foo", 3000),
               ("c", "2024-07-01", 2023, "employed", "Foo", 3300),
           ])
    insert(con, "satisfaction_surveys",
           ("enterprise_id", "survey_date", "respondent", "dimension", "seq", "score", "scale_max"), [
               ("E1", "2023-06-01", "r", "overall", 1, 3, 5), ("E1", "2024-06-01", "r", "overall", 1, 4, 5),
           ])
    insert(con, "funding", ("year", "source", "category", "budget", "spent"),
           [(2024, "school", "training", 100.0, 80.0)])
    return con


def test_keys_and_json(con) -> None:
    out = summary.headline(con, Filters(), S)
    assert KEYS <= set(out)
    json.dumps(out, allow_nan=False)  # plain JSON: no NaN, no numpy types
    for key in ("certificate_pass_rate", "first_attempt_pass_rate", "certification_rate",
                "related_to_major_rate", "partner_placement_rate", "retention_rate",
                "school_mentor_compliance", "enterprise_mentor_compliance"):
        assert RATE_KEYS <= set(out[key]), key
    assert RATE_KEYS | {"coverage"} <= set(out["initial_employment_rate"])
    assert {"value", "diff_pp", "ci_low", "ci_high", "p_value", "group", "baseline"} <= set(
        out["pass_rate_improvement_dual_vs_other"])
    assert set(out["median_monthly_salary"]) == {"value", "n"}
    assert {"waves", "relative_change_first_to_latest"} <= set(out["satisfaction"])
    assert {"school_rule_share", "enterprise_rule_share", "dual_qualified_share",
            "students_per_school_mentor", "students_per_enterprise_mentor"} <= set(out["mentor_team"])
    assert {"mean", "n", "bands"} <= set(out["composite_score"])
    assert {"excellent", "good", "pass", "fail"} <= set(out["composite_score"]["bands"])
    assert {"budget", "spent", "execution_rate"} <= set(out["funding"])
    for target in out["targets"]:
        assert set(target) == {"metric", "target", "value", "status", "near", "years_missed"}
    assert [h["key"] for h in out["headlines"]] == list(headlines.KEYS)


def test_values(con) -> None:
    out = summary.headline(con, Filters(), S)
    # exams: a T, b F, b T, c T = 3/4; first attempts a T, b F, c T = 2/3; people a, b, c all pass = 3/3
    assert (out["certificate_pass_rate"]["numerator"], out["certificate_pass_rate"]["denominator"]) == (3, 4)
    assert (out["first_attempt_pass_rate"]["numerator"], out["first_attempt_pass_rate"]["denominator"]) == (2, 3)
    assert out["certification_rate"]["value"] == 1.0
    # first attempts (the comparison's unit): dual a 1/1 vs others b (first sitting failed), c
    # 1/2: 1 / (1/2) - 1 = 1.0; diff 1/2 = 50 pp
    imp = out["pass_rate_improvement_dual_vs_other"]
    assert imp["unit"] == "first_attempt"
    assert imp["value"] == pytest.approx(1.0) and imp["diff_pp"] == pytest.approx(50.0)
    # latest graduation year 2024: a employed, b unemployed = 1/2, coverage 2 of roster 2
    ie = out["initial_employment_rate"]
    assert (ie["graduation_year"], ie["numerator"], ie["denominator"]) == (2024, 1, 2)
    assert (ie["coverage"]["numerator"], ie["coverage"]["denominator"]) == (2, 2)
    # retention: c employed at Foo, still at Foo a year later = 1/1 (a has no later survey)
    assert (out["retention_rate"]["numerator"], out["retention_rate"]["denominator"]) == (1, 1)
    # median of 4000 (a) and 3000 (c) = 3500
    assert out["median_monthly_salary"] == {"value": 3500.0, "n": 2}
    # satisfaction 3/5 -> 50, 4/5 -> 75: relative 75/50 - 1 = 0.5
    assert [w["mean_0_100"] for w in out["satisfaction"]["waves"]] == [50.0, 75.0]
    assert [w["respondents"] for w in out["satisfaction"]["waves"]] == [1, 1]
    assert out["satisfaction"]["relative_change_first_to_latest"] == pytest.approx(0.5)
    assert out["funding"]["execution_rate"] == pytest.approx(0.8)  # 80 / 100
    assert [x["status"] for x in out["targets"]] == ["no_data"] * 5  # every group below 10
    # the same figures as the headlines every screen shows
    assert [x["value"] for x in out["targets"]] == [h["value"] for h in out["headlines"]]


def test_empty_database_is_all_null() -> None:
    out = summary.headline(make_db(), Filters(), S)
    json.dumps(out, allow_nan=False)
    assert out["certificate_pass_rate"]["value"] is None
    assert out["initial_employment_rate"]["graduation_year"] is None
    assert out["satisfaction"]["waves"] == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminal_text(con, lang: str) -> None:
    f = Filters(major="CNC")
    data, items = summary.collect(con, f, S)
    text = narrative.terminal_text(data, f, lang, items)
    assert "summary." not in text and "headline." not in text  # every label found in the catalog
    assert f.caption(lang) in text.splitlines()[0]
    # CNC exams: a T, b F, b T = 2/3 -> "66.7% (2/3, ..."
    assert "66.7% (2/3" in text
    for h in items:  # each headline written as every screen writes it
        assert narrative.value_text(h, lang) in text and narrative.basis_text(h, lang) in text


def test_targets_are_read_from_the_headlines(con) -> None:
    for s in (S, Settings(small_n=1)):
        out = summary.headline(con, Filters(), s)
        items = headlines.headlines(con, Filters(), s)
        assert out["targets"] == [
            {"metric": h.key, "target": h.target, "value": h.value, "status": h.status, "near": h.near,
             "years_missed": h.years_missed} for h in items]
        assert out["headlines"] == [h.as_dict() for h in items]
