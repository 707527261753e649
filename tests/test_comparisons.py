"""Comparisons a researcher can defend (issue 12): dual-mentor students against the others,
crude and stratified by major × year (Mantel–Haenszel), the tested unit, the within-major
table, and before/after a major joined with the difference-in-differences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

from analytics import narrative, stats
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import certificates as c
from analytics.metrics import headlines as hl

S = Settings()


@pytest.fixture
def easier_major():
    """The program sits in the easier major: in E (90% pass) 40 of 50 students are dual-mentor,
    in H (40% pass) 10 of 50; inside each major both groups pass equally often."""
    con = make_db()
    students, exams = [], []
    for major, dual_n, dual_pass, other_n, other_pass in (("E", 40, 36, 10, 9), ("H", 10, 4, 40, 16)):
        for dual, n, passed in ((True, dual_n, dual_pass), (False, other_n, other_pass)):
            for i in range(n):
                sid = f"{major}{'d' if dual else 'o'}{i:02d}"
                students.append((sid, major, dual, 2022))
                exams.append((sid, "X", "2024-05-10", i < passed))
    insert(con, "students", ["student_id", "major", "dual_mentor", "cohort_year"], students)
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], exams)
    return con


def test_crude_says_met_adjusted_says_no_difference(easier_major) -> None:
    # crude: dual (36 + 4)/50 = 0.8, others (9 + 16)/50 = 0.5 -> 0.8/0.5 - 1 = +60%: met, higher
    # within E: 36/40 = 0.9 vs 9/10 = 0.9; within H: 4/10 = 0.4 vs 16/40 = 0.4 -> MH RD 0, RR 1
    adj = c.dual_vs_other_adjusted(easier_major, Filters(), S)
    assert adj.crude.relative == pytest.approx(0.6)
    assert (adj.status, adj.direction) == ("met", "up")
    assert (adj.mh.rd, adj.mh.rr, adj.mh.relative) == (pytest.approx(0.0), pytest.approx(1.0), pytest.approx(0.0))
    assert (adj.adjusted_status, adj.adjusted_direction) == ("not_met", "similar")
    assert adj.changes_verdict
    # statsmodels' StratifiedTable over the same two tables agrees
    from statsmodels.stats.contingency_tables import StratifiedTable

    ref = StratifiedTable([np.array([[36, 4], [9, 1]]), np.array([[4, 6], [16, 24]])])
    assert adj.mh.rr == pytest.approx(ref.riskratio_pooled)
    assert adj.mh.or_ == pytest.approx(ref.oddsratio_pooled)
    assert adj.mh.p_value == pytest.approx(ref.test_null_odds().pvalue)


def test_the_headline_carries_the_flag(easier_major) -> None:
    h = hl.pass_rate_improvement(easier_major, Filters(), S)
    # the headline stays the crude pooled comparison (SPEC §5), with the adjusted one beside it
    assert (h.value, h.status) == (pytest.approx(0.6), "met")
    x = h.figure("adjusted")
    assert (x.value, x.direction, x.extra["status"], x.extra["changes_verdict"]) == (
        pytest.approx(0.0), "similar", "not_met", True)
    assert narrative.adjustment_flag(h, "en") == (
        "⚠ Compared within the same major and year, the verdict changes: Not met, similar to the others "
        "(the interval of the difference includes 0).")
    assert narrative.adjustment_flag(h, "en") in narrative.sentence(h, "en", 10)


def test_within_major_table(easier_major) -> None:
    within = c.within_major(easier_major, Filters(), S)
    assert within["group"].tolist() == ["E", "H"]
    assert within[["dual_numerator", "dual_denominator", "other_numerator", "other_denominator"]].values.tolist() == [
        [36, 40, 9, 10], [4, 10, 16, 40]]
    assert within["diff"].tolist() == pytest.approx([0.0, 0.0])
    assert within["direction"].tolist() == ["similar", "similar"]
    assert within["small_n"].tolist() == [False, False]  # 10 is not below 10
    rows = narrative.within_rows(within, "en")
    assert rows["diff_pp"].tolist() == pytest.approx([0.0, 0.0])


def test_strata_by_cohort_and_the_rows_of_the_page(easier_major) -> None:
    adj = c.dual_vs_other_adjusted(easier_major, Filters(), S, "first_attempt", ("major", "cohort"))
    assert adj.strata_by == ("major", "cohort") and adj.mh.strata == 2  # one cohort: same strata
    rows = narrative.adjusted_rows(adj, "en")
    assert rows["method"].tolist() == ["Crude (all majors and years pooled)",
                                       "Within exam year × major × cohort (Mantel–Haenszel)"]
    assert rows["relative"].tolist() == [pytest.approx(0.6), pytest.approx(0.0)]
    assert rows["status"].tolist() == ["met", "not_met"]


@pytest.fixture
def retakes():
    """Two students: a dual-mentor student passing at the first attempt, another student failing
    three times before passing; plus filler students so the groups are large enough."""
    con = make_db()
    insert(con, "students", ["student_id", "major", "dual_mentor"],
           [("d", "M", True), ("o", "M", False)])
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], [
        ("d", "X", "2024-03-01", True),
        ("o", "X", "2024-03-01", False), ("o", "X", "2024-06-01", False), ("o", "X", "2024-09-01", False),
        ("o", "X", "2024-12-01", True),
    ])
    return con


@pytest.mark.parametrize(
    ("unit", "dual", "other"),
    [
        ("attempt", (1, 1), (1, 4)),  # every sitting: the other student's retakes count 4 times
        ("first_attempt", (1, 1), (0, 1)),  # first sittings only
        ("person", (1, 1), (1, 1)),  # each student once: both passed eventually
    ],
)
def test_the_tested_unit(retakes, unit, dual, other) -> None:
    adj = c.dual_vs_other_adjusted(retakes, Filters(), S, unit)
    assert (adj.crude.group.numerator, adj.crude.group.denominator) == dual
    assert (adj.crude.baseline.numerator, adj.crude.baseline.denominator) == other
    assert adj.measure == unit


def test_the_headline_uses_the_settings_unit(retakes) -> None:
    assert hl.pass_rate_improvement(retakes, Filters(), S).basis[1].denominator == 1  # first attempt
    h = hl.pass_rate_improvement(retakes, Filters(), Settings(comparison_unit="attempt"))
    assert [(b.numerator, b.denominator, b.unit) for b in h.basis] == [(1, 1, "attempt"), (1, 4, "attempt")]


# -- Before and after a major joined --------------------------------------------------------------


@pytest.fixture
def joining():
    """Major J joined the program with its 2022 cohort (no dual-mentor student in 2020–2021);
    major N never joined; major A had dual-mentor students from its first cohort."""
    con = make_db()
    students, exams = [], []

    def add(major: str, cohort: int, n: int, passed: int, dual: int) -> None:
        for i in range(n):
            sid = f"{major}{cohort}{i:02d}"
            students.append((sid, major, cohort, i < dual))
            exams.append((sid, "X", f"{cohort + 2}-05-10", i < passed))

    add("J", 2020, 20, 8, 0)
    add("J", 2021, 20, 8, 0)  # J before: 16 of 40 = 40%
    add("J", 2022, 20, 14, 10)
    add("J", 2023, 20, 14, 10)  # J after: 28 of 40 = 70%
    add("N", 2020, 50, 25, 0)
    add("N", 2021, 50, 25, 0)  # N before: 50 of 100 = 50%
    add("N", 2022, 50, 27, 0)
    add("N", 2023, 50, 28, 0)  # N after: 55 of 100 = 55%
    add("A", 2020, 10, 5, 5)
    insert(con, "students", ["student_id", "major", "cohort_year", "dual_mentor"], students)
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], exams)
    return con


def test_who_joined(joining) -> None:
    units = c.joined(joining, Filters(), S, "major")
    got = {g: (int(f), None if pd.isna(j) else int(j), st)
           for g, f, j, st in units[["group", "first_cohort", "join_cohort", "status"]].itertuples(index=False)}
    assert got == {"A": (2020, 2020, "always"), "J": (2020, 2022, "joined"), "N": (2020, None, "never")}


def test_before_after_and_difference_in_differences(joining) -> None:
    ba = c.before_after(joining, Filters(), S, "J", "major")
    assert ba.join_cohort == 2022 and ba.control_groups == ("N",)
    assert (ba.before.numerator, ba.before.denominator, ba.after.numerator, ba.after.denominator) == (16, 40, 28, 40)
    # J: 0.70 - 0.40 = +0.30 (Newcombe interval of 28/40 vs 16/40); N: 0.55 - 0.50 = +0.05
    assert ba.change.diff == pytest.approx(0.30)
    assert (ba.change.ci_low, ba.change.ci_high) == stats.newcombe_interval(28, 40, 16, 40)
    assert (ba.control_before.value, ba.control_after.value) == (0.5, 0.55)
    # DiD = 0.30 - 0.05 = 0.25; SE = sqrt(0.4·0.6/40 + 0.7·0.3/40 + 0.5·0.5/100 + 0.55·0.45/100)
    #     = sqrt(0.006 + 0.00525 + 0.0025 + 0.002475) = sqrt(0.016225) = 0.127377
    se = math.sqrt(0.016225)
    assert ba.did["value"] == pytest.approx(0.25)
    assert (ba.did["ci_low"], ba.did["ci_high"]) == (pytest.approx(0.25 - stats.Z95 * se),
                                                      pytest.approx(0.25 + stats.Z95 * se))
    table = c.before_after_table(joining, Filters(), S, "major")
    assert table["group"].tolist() == ["J"]
    assert table[["change_pp", "control_pp", "did_pp"]].values.tolist()[0] == pytest.approx([30.0, 5.0, 25.0])
    # a major that did not join has no before/after; the major filter does not hide the controls
    assert c.before_after(joining, Filters(), S, "A", "major") is None
    assert c.before_after(joining, Filters(major="J"), S, "J", "major").did == ba.did


def test_gender_breakdown_follows_the_small_group_rule() -> None:
    con = make_db()
    insert(con, "students", ["student_id", "gender"], [(f"f{i}", "female") for i in range(12)]
           + [(f"m{i}", "male") for i in range(3)])
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"],
           [(f"f{i}", "X", "2024-05-01", i < 9) for i in range(12)] + [(f"m{i}", "X", "2024-05-01", True)
                                                                          for i in range(3)])
    df = c.pass_rates_by(con, Filters(), S, "gender")
    # female 9/12 = 75%; male 3/3 = 100% but a small group
    got = {g: (k, n, sm) for g, k, n, sm in df[["group", "numerator", "denominator", "small_n"]].itertuples(index=False)}
    assert got == {"female": (9, 12, False), "male": (3, 3, True)}
    assert c.pass_rate(con, Filters(gender="male"), S).denominator == 3
