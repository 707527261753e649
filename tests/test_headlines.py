"""The headlines of SPEC §5 (analytics.metrics.headlines) on hand-built fixtures: value,
basis, period, interval, arrow, status and years missed, with the arithmetic in comments."""

from __future__ import annotations

import math

import pytest
from metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

from analytics import narrative, stats
from analytics.config import Settings, Targets
from analytics.filters import Filters
from analytics.metrics import headlines as hl

ONE = Settings(small_n=1)


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
               ("E1", "2024-06-01", "r", "overall", 1, 55.5, 100),  # 55.5/50 - 1 = 0.11: not met, near
           ])
    insert(con, "mentors", ("mentor_id", "mentor_name", "mentor_type", "appointed_on"),
           [("M1", "Wang", "school", "2023-01-01")])
    insert(con, "mentor_activities", ("mentor_id", "activity_date", "activity_type", "seq", "count"), [
        # January and February 2024, two visits each: 2 of 2 mentor-months compliant
        ("M1", "2024-01-10", "enterprise_visit", 1, 2), ("M1", "2024-02-10", "enterprise_visit", 1, 2),
    ])
    return con


def test_every_headline_on_the_fixture(con) -> None:
    got = {h.key: h for h in hl.headlines(con, Filters(), ONE)}
    assert list(got) == list(hl.KEYS)
    # pooled (first attempts = every attempt: each certificate is sat once): dual 4/6, other 3/6
    # -> (4/6)/(3/6) - 1 = 1/3 >= 0.18: met; per year 0, 1.0, 0 -> 2025 missed, 2024 met -> 1 missed
    p = got["pass_rate_improvement"]
    assert (p.value, p.status, p.near, p.years_missed, p.period) == (pytest.approx(1 / 3), "met", False, 1, "2023–2025")
    assert [(b.role, b.numerator, b.denominator, b.unit) for b in p.basis] == [
        ("dual", 4, 6, "first_attempt"), ("other", 3, 6, "first_attempt")]
    low, high = stats.newcombe_interval(4, 6, 3, 6)
    assert (p.diff, p.ci_low, p.ci_high, p.interval_of) == (pytest.approx(1 / 6), low, high, "diff")
    assert p.change is None  # an improvement is itself a comparison: no arrow
    latest = p.figure("latest_year")  # 2025 alone: 1/2 vs 1/2 -> 0, with its own interval
    assert (latest.period, latest.value) == ("2025", 0.0)
    assert (latest.ci_low, latest.ci_high) == stats.newcombe_interval(1, 2, 1, 2)
    assert [(x.period, x.value) for x in p.series] == [("2023", 0.0), ("2024", 1.0), ("2025", 0.0)]
    # latest graduation year 2024: 1/2 = 0.5 < 0.9: not met; 2024 missed, 2023 met -> 1;
    # the arrow: 2024 against 2023 = 0.5 - 1.0 = -0.5, Newcombe interval of 1/2 vs 2/2
    e = got["initial_employment"]
    assert (e.value, e.status, e.years_missed, e.period) == (0.5, "not_met", 1, "2024")
    assert (e.basis[0].numerator, e.basis[0].denominator) == (1, 2)
    low, high = stats.newcombe_interval(1, 2, 2, 2)
    assert (e.change.against, e.change.diff, e.change.ci_low, e.change.ci_high) == ("2023", -0.5, low, high)
    assert e.change.direction == stats.direction(low, high) == "similar"  # the interval includes 0
    assert e.figure("pooled").value == 0.75  # 2023–2024 pooled: 3/4, labelled as pooled
    # first 50 -> latest 55.5: relative 0.11 < 0.12, >= 0.9 * 0.12 = 0.108: not met, near;
    # points 55.5 - 50 = 5.5; one enterprise: no cluster-robust interval
    sat = got["satisfaction_improvement"]
    assert (sat.value, sat.status, sat.near, sat.years_missed) == (pytest.approx(0.11), "not_met", True, 1)
    assert sat.diff == pytest.approx(5.5) and (sat.ci_low, sat.ci_high) == (None, None)
    assert [(b.role, b.denominator, b.period) for b in sat.basis] == [("first", 1, "2022"), ("latest", 1, "2024")]
    sc = got["school_compliance"]  # 2 of 2 mentor-months, labelled with its months
    assert (sc.value, sc.status, sc.period, sc.change) == (1.0, "met", "2024-01–2024-02", None)
    en = got["enterprise_compliance"]  # no school_teaching in the log: no data
    assert (en.value, en.status, en.years_missed) == (None, "no_data", 0)


def test_small_groups_are_not_enough_data(con) -> None:
    # With the default threshold of 10 every group here is small: values shown, status no_data,
    # and the sentence says so instead of "above" or "below" the target.
    got = hl.headlines(con, Filters(), Settings())
    assert hl.pick(got, "pass_rate_improvement").value == pytest.approx(1 / 3)
    assert {h.status for h in got} == {"no_data"}
    assert not any(h.near for h in got)
    sentences = narrative.sentences(got, "en", 10)
    assert not any("meeting" in s or "short of" in s for s in sentences)
    assert sentences[2] == ("Too few survey respondents in the first or latest wave of 2022–2024 (fewer than 10): "
                            "not enough data to judge the target.")


def test_custom_target(con) -> None:
    s = Settings(small_n=1, targets=Targets(initial_employment=0.5))
    e = hl.pick(hl.headlines(con, Filters(), s), "initial_employment")
    assert (e.status, e.years_missed) == ("met", 0)  # 0.5 >= 0.5


def test_to_an_earlier_year_pools_the_years_up_to_it(con) -> None:
    # to=2024: exams of 2023–2024 pooled: dual 1+2 = 3/4, other 1+1 = 2/4 -> 0.75/0.5 - 1 = 0.5;
    # the latest year alone is 2024: 2/2 vs 1/2 -> 1.0
    p = hl.headline(con, Filters(year_to=2024), ONE, "pass_rate_improvement")
    assert (p.value, p.period, p.status) == (pytest.approx(0.5), "2023–2024", "met")
    assert (p.figure("latest_year").period, p.figure("latest_year").value) == ("2024", pytest.approx(1.0))
    # employment to=2023: the class of 2023, 2/2; no earlier year, so no arrow
    e = hl.headline(con, Filters(year_to=2023), ONE, "initial_employment")
    assert (e.value, e.period, e.change) == (1.0, "2023", None)


def test_one_headline_equals_its_item_in_all(con) -> None:
    every = hl.headlines(con, Filters(), ONE)
    for key in hl.KEYS:
        assert hl.headline(con, Filters(), ONE, key) == hl.pick(every, key)
    with pytest.raises(ValueError):
        hl.headline(con, Filters(), ONE, "nope")


@pytest.mark.parametrize("f", [Filters(), Filters(year_from=2024), Filters(year_to=2023)],
                         ids=["all", "from-2024", "to-2023"])
def test_the_headlines_without_the_attention_list_are_the_same(con, f: Filters, monkeypatch) -> None:
    # metrics --json asks for no attention list and no charts: no per-mentor counts, no spread of
    # destinations and salaries, the same headlines
    full = hl.overview(con, f, ONE)
    asked = []
    parts = hl.mentors.compliance_parts

    def record(*a, per_mentor: bool = True, **k):
        asked.append(per_mentor)
        return parts(*a, per_mentor=per_mentor, **k)

    monkeypatch.setattr(hl.mentors, "compliance_parts", record)
    bare = hl.overview(con, f, ONE, attention=False, charts=False)
    assert bare.headlines == full.headlines and bare.compliance == {} and set(full.compliance) == {"school", "enterprise"}
    assert asked == [False, False]  # one calendar pass per mentor type, without each mentor's counts
    # and no destinations or salary bands, which only the dashboard's charts draw
    assert bare.employment.spread is None and full.employment.spread is not None


# -- Compliance: value, label and arrow describe the same period ------------------------------


@pytest.fixture
def visits():
    con = make_db()
    insert(con, "mentors", ("mentor_id", "mentor_name", "mentor_type"), [("M1", "Wang", "school"), ("M2", "Li", "school")])
    rows = []
    # 2023: M1 visits twice in every month from July to December (6 of 6), M2 never (0 of 6)
    rows += [("M1", f"2023-{m:02d}-05", "enterprise_visit", 1, 2) for m in range(7, 13)]
    # 2024: both visit twice in January–March (6 of 6), nobody in April (0 of 2)
    rows += [(who, f"2024-{m:02d}-05", "enterprise_visit", 1, 2) for who in ("M1", "M2") for m in range(1, 4)]
    rows += [("M2", "2024-04-20", "student_meeting", 1, 1)]  # another activity type: no visit in April
    rows += [("M1", "2024-04-05", "enterprise_visit", 1, 1)]  # one visit: below the rule of 2
    insert(con, "mentor_activities", ("mentor_id", "activity_date", "activity_type", "seq", "count"), rows)
    return con


def test_compliance_value_label_and_arrow_describe_one_period(visits) -> None:
    # All years: months 2023-07..2024-04 = 10 months x 2 mentors = 20 mentor-months;
    # compliant: M1 6 (2023) + 3 (2024) = 9, M2 0 + 3 = 3 -> 12/20 = 0.6; no earlier period: no arrow
    h = hl.compliance(visits, Filters(), ONE, "school")
    assert (h.value, h.period, h.basis[0].numerator, h.basis[0].denominator) == (0.6, "2023-07–2024-04", 12, 20)
    assert h.change is None and len(h.series) == 10
    # 2024 alone: months 2024-01..2024-04 = 8 mentor-months, 6 compliant -> 0.75, labelled with
    # those months; the arrow: against the same length before it, 2023 (2023-07..2023-12):
    # 6/12 = 0.5 -> +0.25, Newcombe interval of 6/8 vs 6/12
    h = hl.compliance(visits, Filters(year_from=2024, year_to=2024), ONE, "school")
    assert (h.value, h.period, h.basis[0].denominator) == (0.75, "2024-01–2024-04", 8)
    low, high = stats.newcombe_interval(6, 8, 6, 12)
    assert (h.change.against, h.change.previous, h.change.diff) == ("2023-07–2023-12", 0.5, 0.25)
    assert (h.change.ci_low, h.change.ci_high, h.change.direction) == (low, high, "similar")
    assert [p.period for p in h.series] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert [p.value for p in h.series] == [1.0, 1.0, 1.0, 0.0]
    # the words say the same period as the value
    assert narrative.period_text(h.period, "zh") == "2024年1月—2024年4月"
    assert narrative.change_parts(h, "en") == ("+25.0 pp", "similar to 2023-07–2023-12", "off")


# -- Employment: the latest graduation year leads, the series beside it ----------------------------


@pytest.fixture
def classes():
    con = make_db()
    rows, students = [], []
    # class of 2023: 45 of 50 placed; class of 2024: 60 of 80 placed, 2 more on the roster with no survey
    for year, placed, known, roster in ((2023, 45, 50, 50), (2024, 60, 80, 82)):
        for i in range(roster):
            sid = f"{year}-{i:03d}"
            students.append((sid, year))
            if i < known:
                rows.append((sid, f"{year}-08-31", year, "employed" if i < placed else "unemployed"))
    insert(con, "students", ("student_id", "graduation_year"), students)
    insert(con, "employment", ("student_id", "survey_date", "graduation_year", "status"), rows)
    return con


def test_employment_leads_with_the_latest_year(classes) -> None:
    h = hl.initial_employment(classes, Filters(), Settings())
    # 2024: 60/80 = 0.75 < 0.9: not met (0.75 < 0.81, not near); coverage 80/82
    assert (h.value, h.period, h.status, h.near) == (0.75, "2024", "not_met", False)
    assert (h.ci_low, h.ci_high) == stats.wilson_interval(60, 80)
    cov = h.figure("coverage")
    assert (cov.numerator, cov.denominator) == (80, 82)
    # pooled figure labelled as such: (45 + 60) / (50 + 80) = 105/130
    pooled = h.figure("pooled")
    assert (pooled.period, pooled.numerator, pooled.denominator) == ("2023–2024", 105, 130)
    # the arrow: 0.75 - 0.9 = -0.15, Newcombe interval of 60/80 vs 45/50 lies below 0: "down"
    low, high = stats.newcombe_interval(60, 80, 45, 50)
    assert high < 0
    assert (h.change.diff, h.change.direction) == (pytest.approx(-0.15), "down")
    assert narrative.change_text(h, "en") == f"down 15.0 pp on 2023 (95% CI {100 * low:+.1f} to {100 * high:+.1f})"
    assert [(p.period, p.value, p.n) for p in h.series] == [("2023", 0.9, 50), ("2024", 0.75, 80)]
    # the filter's own years: from=2024 still compares with 2023 (the previous period)
    later = hl.initial_employment(classes, Filters(year_from=2024), Settings())
    assert later.change == h.change and [p.period for p in later.series] == ["2024"]


# -- Satisfaction: n is respondents, the change has a cluster-robust interval ------------------------


@pytest.fixture
def survey():
    con = make_db()
    rows = []
    # three enterprises, two respondents each, two dimensions each, in 2023 and 2025 (1–5 scale)
    scores = {
        ("E1", 2023): ((3, 4), (2, 3)), ("E2", 2023): ((4, 4), (3, 3)), ("E3", 2023): ((2, 2), (3, 2)),
        ("E1", 2025): ((4, 5), (4, 4)), ("E2", 2025): ((4, 4), (5, 4)), ("E3", 2025): ((3, 3), (3, 4)),
    }
    for (ent, year), people in scores.items():
        for who, (overall, skills) in zip(("hr", "lead"), people, strict=True):
            rows.append((ent, f"{year}-06-01", who, "overall", 1, overall, 5))
            rows.append((ent, f"{year}-06-01", who, "professional_skills", 1, skills, 5))
    insert(con, "satisfaction_surveys",
           ("enterprise_id", "survey_date", "respondent", "dimension", "seq", "score", "scale_max"), rows)
    return con, scores


def test_satisfaction_counts_respondents_and_clusters_by_enterprise(survey) -> None:
    con, scores = survey
    h = hl.satisfaction_improvement(con, Filters(), Settings(small_n=5))
    # 6 respondents per wave (3 enterprises x 2), not 12 ratings
    assert [(b.role, b.denominator) for b in h.basis] == [("first", 6), ("latest", 6)]
    # 2023 ratings: 3,4,2,3, 4,4,3,3, 2,2,3,2 = 35 over 12; rescaled (s-1)/4*100: (35 - 12)/12/4*100 = 47.9167
    # 2025 ratings: 4,5,4,4, 4,4,5,4, 3,3,3,4 = 47 over 12: (47 - 12)/12/4*100 = 72.9167
    # relative 72.9167 / 47.9167 - 1 = 0.52174; points +25
    assert h.value == pytest.approx(72.9167 / 47.9167 - 1, abs=1e-4)
    assert h.diff == pytest.approx(25.0)
    # share satisfied (score >= 4 of 5): 2023 4 of 12, 2025 10 of 12 -> +50 pp
    share = h.figure("share_pp")
    assert share.value == pytest.approx(0.5)
    # intervals: statsmodels OLS of the rescaled rating on a 2025 indicator, clustered by enterprise
    sm = pytest.importorskip("statsmodels.api")
    import numpy as np

    y, x, g, sat_y = [], [], [], []
    for (ent, year), people in scores.items():
        for person in people:
            for score in person:
                y.append((score - 1) / 4 * 100)
                sat_y.append(1.0 if score >= 4 else 0.0)
                x.append(1.0 if year == 2025 else 0.0)
                g.append(ent)
    design = sm.add_constant(np.array(x))
    fit = sm.OLS(np.array(y), design).fit(cov_type="cluster", cov_kwds={"groups": np.array(g)})
    low, high = fit.conf_int()[1]
    assert (h.ci_low, h.ci_high) == (pytest.approx(low), pytest.approx(high))
    fit = sm.OLS(np.array(sat_y), design).fit(cov_type="cluster", cov_kwds={"groups": np.array(g)})
    low, high = fit.conf_int()[1]
    assert (share.ci_low, share.ci_high) == (pytest.approx(low), pytest.approx(high))
    # each wave's mean: the same regression on a constant within the wave
    for i, year in enumerate((2023, 2025)):
        keep = np.array(x) == i
        fit = sm.OLS(np.array(y)[keep], np.ones(keep.sum())).fit(
            cov_type="cluster", cov_kwds={"groups": np.array(g)[keep]})
        w = hl.satisfaction.trend(con, Filters(), Settings()).waves.iloc[i]
        assert (w["ci_low"], w["ci_high"]) == (pytest.approx(fit.conf_int()[0][0]), pytest.approx(fit.conf_int()[0][1]))
        assert (w["respondents"], w["ratings"], w["enterprises"]) == (6, 12, 3)
    assert h.direction == stats.direction(h.ci_low, h.ci_high)


def test_satisfaction_small_group_is_judged_on_respondents(survey) -> None:
    con, _ = survey
    # 6 respondents per wave (12 ratings): with small_n = 10 the respondents are too few, whatever
    # the ratings count; the page badge, the report and the sentences all read this status
    h = hl.satisfaction_improvement(con, Filters(), Settings(small_n=10))
    assert (h.status, h.small, h.n) == ("no_data", True, 6)
    assert h.value is not None and not math.isnan(h.value)
