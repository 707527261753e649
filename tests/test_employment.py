"""Employment metrics on a hand-checked fixture (graduation date = 1 June of the year)."""

from __future__ import annotations

import pandas as pd
import pytest
from metric_fixtures import by_group, insert, make_db

from analytics.config import Settings
from analytics.db import query
from analytics.filters import Filters
from analytics.metrics import employment as m

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

S = Settings()

STUDENTS = [
    # id, major, dual, school, graduation year
    ("a", "CNC", True, "S1", 2024),
    ("b", "CNC", False, "S1", 2024),
    ("c", "Auto", True, "S2", 2024),
    ("d", "Auto", True, "S2", 2024),  # never surveyed
    ("e", "CNC", False, "S1", 2024),
]
SURVEYS = [
    # id, date, grad year, status, employer, partner, related, salary
    ("a", "2024-03-01", 2024, "unemployed", None, None, None, None),  # before graduation: ignored
    ("a", "2024-06-30", 2024, "employed", "ACME", "E1", True, 4000),
    ("a", "2025-06-30", 2024, "employed", "acme ", "E1", True, 4500),  # same employer: retained
    ("b", "2024-07-01", 2024, "further_study", None, None, None, None),
    ("c", "2024-07-01", 2024, "employed", "Foo", None, False, 3000),
    ("c", "2025-07-01", 2024, "employed", " FOO", None, False, 3200),  # same name: retained
    ("e", "2024-07-01", None, "enlisted", None, None, None, None),  # year from the roster
    ("e", "2024-12-01", 2024, "employed", "Bar", None, True, 3500),  # later survey, not first
    # 2023 graduates with no roster: coverage from employment
    ("x", "2023-07-01", 2023, "employed", "Baz", "E2", None, 5000),
    ("x", "2024-07-01", 2023, "self_employed", "own shop", None, None, 6000),  # moved: not retained
    ("y", "2023-07-01", 2023, "unemployed", None, None, None, None),
    ("w", "2023-03-01", 2023, "employed", "Qux", None, None, 2000),  # only before graduation
]


@pytest.fixture
def con():
    con = make_db()
    insert(con, "students", ("student_id", "major", "dual_mentor", "school_id", "graduation_year"), STUDENTS)
    insert(con, "employment",
           ("student_id", "survey_date", "graduation_year", "status", "employer_name", "enterprise_id",
            "related_to_major", "monthly_salary"), SURVEYS)
    return con


def test_initial_employment_by_year(con) -> None:
    # 2024 first surveys: a employed, b further study, c employed, e enlisted -> 4 placed of 4;
    #   coverage 4 surveyed / 5 roster graduates.
    # 2023 (no roster): x employed, y unemployed -> 1 of 2; w has no survey after graduation,
    #   so coverage = 2 / 3 graduates seen in employment.
    df = m.initial_employment_by(con, Filters(), S, "graduation_year")
    assert by_group(df, "numerator", "denominator", "coverage_numerator", "coverage_denominator") == {
        2023: (1, 2, 2, 3),
        2024: (4, 4, 4, 5),
    }


def test_initial_employment_total(con) -> None:
    # (1 + 4) / (2 + 4) = 5/6; coverage (2 + 4) / (3 + 5) = 6/8
    r = m.initial_employment_rate(con, Filters(), S)
    assert (r.rate.numerator, r.rate.denominator) == (5, 6)
    assert (r.coverage.numerator, r.coverage.denominator) == (6, 8)
    d = r.as_dict()
    assert d["value"] == pytest.approx(5 / 6) and d["coverage"]["value"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("further", "enlisted", "expected"),
    [
        (True, True, (4, 4)),
        (False, True, (3, 4)),  # b's further study no longer placed
        (False, False, (2, 4)),  # nor e's enlistment
    ],
)
def test_placed_setting(con, further: bool, enlisted: bool, expected: tuple[int, int]) -> None:
    s = Settings(further_study_is_placed=further, enlisted_is_placed=enlisted)
    r = m.initial_employment_rate(con, Filters(2024, 2024), s).rate
    assert (r.numerator, r.denominator) == expected


def test_filters_reach_employment_through_the_roster(con) -> None:
    # CNC 2024 graduates a, b, e: all placed 3/3; coverage 3/3 (x, y, w are off the roster)
    r = m.initial_employment_rate(con, Filters(major="CNC"), S)
    assert (r.rate.numerator, r.rate.denominator, r.coverage.numerator, r.coverage.denominator) == (3, 3, 3, 3)
    # Auto: c placed 1/1, coverage c of c, d = 1/2
    r = m.initial_employment_rate(con, Filters(major="Auto"), S)
    assert (r.rate.numerator, r.rate.denominator, r.coverage.numerator, r.coverage.denominator) == (1, 1, 1, 2)


def test_by_major_adds_up(con) -> None:
    df = m.initial_employment_by(con, Filters(), S, "major")
    # CNC a, b, e 3/3 (roster 3); Auto c 1/1 (roster c, d); off-roster 2023: x, y 1/2 (seen 3)
    assert by_group(df, "numerator", "denominator", "coverage_numerator", "coverage_denominator") == {
        "Auto": (1, 1, 1, 2),
        "CNC": (3, 3, 3, 3),
        None: (1, 2, 2, 3),
    }



def test_by_school_and_major_in_one_query(con) -> None:
    # g: a CNC graduate of S2, unemployed at the first survey. Cells of 2024 and 2023:
    # S1 CNC a employed, b further study, e enlisted: 3/3; S2 Auto c 1/1 (d never surveyed);
    # S2 CNC g 0/1; off the roster (2023) x, y: 1/2.
    insert(con, "students", ("student_id", "major", "school_id", "graduation_year"), [("g", "CNC", "S2", 2024)])
    insert(con, "employment", ("student_id", "survey_date", "graduation_year", "status"),
           [("g", "2024-07-01", 2024, "unemployed")])
    df = m.initial_employment_by(con, Filters(), S, "school", and_by="major")
    cells = {(None if pd.isna(g) else g, None if pd.isna(h) else h): (n, d)
             for g, h, n, d in df[["group", "group2", "numerator", "denominator"]].itertuples(index=False)}
    assert cells == {("S1", "CNC"): (3, 3), ("S2", "Auto"): (1, 1), ("S2", "CNC"): (0, 1), (None, None): (1, 2)}
    # each cell is the school's figure with the major filter (what schools.school_rates stratifies)
    for major in ("CNC", "Auto"):
        one = by_group(m.initial_employment_by(con, Filters(major=major), S, "school"))
        assert one == {g: v for (g, h), v in cells.items() if h == major}

def test_employed_rates(con) -> None:
    # Employed at the first survey: a (ACME, E1, related, 4000), c (Foo, not related, 3000),
    # x (Baz, E2, related unknown, 5000).
    # related: a of a, c (x unknown) = 1/2; partner: a, x of 3 = 2/3
    # retention: followed up a (ACME -> acme, kept), c (Foo -> FOO, kept), x (Baz -> own shop) = 2/3
    # median salary of 3000, 4000, 5000 = 4000
    f = Filters()
    assert _pair(m.related_to_major_rate(con, f, S)) == (1, 2)
    assert _pair(m.partner_placement_rate(con, f, S)) == (2, 3)
    assert _pair(m.retention_rate(con, f, S)) == (2, 3)
    assert m.median_monthly_salary(con, f, S) == {"value": 4000.0, "n": 3}


def test_breakdowns(con) -> None:
    f = Filters()
    assert by_group(m.retention_by(con, f, S, "graduation_year")) == {2023: (0, 1), 2024: (2, 2)}
    assert by_group(m.partner_placement_by(con, f, S, "school")) == {"S1": (1, 1), "S2": (0, 1), None: (1, 1)}
    # dual a, c: 1 of 2; not dual b, e: nobody employed at the first survey; x: flag unknown
    assert by_group(m.related_to_major_by(con, f, S, "dual")) == {True: (1, 2), False: (0, 0), None: (0, 0)}
    # 2023: x 5000 alone; 2024: a 4000, c 3000 -> (3000 + 4000) / 2 = 3500
    assert by_group(m.median_monthly_salary_by(con, f, S, "graduation_year"), "value", "n") == {
        2023: (5000.0, 1),
        2024: (3500.0, 2),
    }


def test_destinations(con) -> None:
    df = m.destinations(con, Filters(), S)
    rows = [tuple(r) for r in df[["graduation_year", "status", "graduates"]].itertuples(index=False)]
    assert rows == [
        (2023, "employed", 1), (2023, "unemployed", 1),
        (2024, "employed", 2), (2024, "enlisted", 1), (2024, "further_study", 1),
    ]
    assert df["share"].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.25, 0.25])


def test_no_data() -> None:
    con = make_db()
    r = m.initial_employment_rate(con, Filters(), S)
    assert r.rate.value is None and r.coverage.value is None
    assert m.median_monthly_salary(con, Filters(), S) == {"value": None, "n": 0}


def _pair(r) -> tuple[int, int]:
    return (r.numerator, r.denominator)


def test_students_not_yet_graduated_are_not_in_the_pooled_coverage() -> None:
    con = make_db()
    insert(con, "students", ["student_id", "graduation_year"], [
        ("g1", 2024), ("g2", 2024), ("g3", 2024), ("f1", 2026), ("f2", 2027),
    ])
    insert(con, "employment", ["student_id", "survey_date", "graduation_year", "status"], [
        ("g1", "2024-08-31", 2024, "employed"), ("g2", "2024-08-31", 2024, "unemployed"),
    ])
    r = m.initial_employment_rate(con, Filters(), Settings())
    # 2024 is the latest surveyed year: 2 of its 3 graduates surveyed. f1 and f2 graduate in
    # 2026 and 2027 — still at school — so the coverage is 2/3, not 2/5.
    assert (r.coverage.numerator, r.coverage.denominator) == (2, 3)


def test_a_missing_field_of_the_first_or_latest_survey_stays_missing() -> None:
    # The first and the latest survey are taken whole (one row each), never field by field:
    # p's first survey lacks partner, related flag and salary, which p's later survey has;
    # q's latest survey names another employer with no partner id, while q's first has E2.
    con = make_db()
    insert(con, "students", ["student_id", "graduation_year"], [("p", 2024), ("q", 2024)])
    insert(con, "employment",
           ["student_id", "survey_date", "graduation_year", "status", "employer_name", "enterprise_id",
            "related_to_major", "monthly_salary"], [
               ("p", "2024-07-01", 2024, "employed", "Foo", None, None, None),
               ("p", "2025-07-01", 2024, "employed", "foo", "E1", True, 6000),
               ("q", "2024-07-01", 2024, "employed", "Bar", "E2", True, 5000),
               ("q", "2025-07-01", 2024, "employed", "Other", None, True, 5200),
           ])
    got = m.summary(con, Filters(), S)
    # related: only q's flag is known (1 of 1); partner: q of p, q (1 of 2); salary: q's 5000 alone
    assert (_pair(got.related), _pair(got.partner)) == ((1, 1), (1, 2))
    assert got.salary == {"value": 5000.0, "n": 1}
    # retention: p and q were surveyed again; p keeps "Foo" (no partner id at first: names
    # compared), q's latest has no partner id, so "Bar" ≠ "Other": 1 of 2 (E2 = E2 would be 2)
    assert _pair(got.retention) == (1, 2)


def test_salary_distribution_counts_the_employed_at_their_first_survey() -> None:
    con = make_db()
    insert(con, "employment", ["student_id", "survey_date", "graduation_year", "status", "monthly_salary"], [
        ("a", "2024-08-31", 2024, "employed", 4200), ("a", "2025-08-31", 2024, "employed", 6100),
        ("b", "2024-08-31", 2024, "self_employed", 4999), ("c", "2024-08-31", 2024, "employed", 5000),
        ("d", "2024-08-31", 2024, "further_study", 3000), ("e", "2024-03-01", 2024, "employed", 9000),
    ])
    df = m.salary_distribution(con, Filters(), Settings())
    # First surveys after graduation (1 June 2024): a 4200, b 4999 (self-employed counts),
    # c 5000; d is in further study; e's only survey predates graduation; a's 2025 salary is
    # a later survey. Bands of 500: 4000–4500 {a}, 4500–5000 {b}, 5000–5500 {c}.
    assert [tuple(r) for r in df[["lower", "upper", "graduates"]].itertuples(index=False)] == [
        (4000.0, 4500.0, 1), (4500.0, 5000.0, 1), (5000.0, 5500.0, 1),
    ]


def test_summary_equals_the_single_figures(con) -> None:
    f, s = Filters(), Settings()
    got = m.summary(con, f, s, "graduation_year")
    assert got.initial == m.initial_employment_rate(con, f, s)
    assert (got.related, got.partner, got.retention) == (
        m.related_to_major_rate(con, f, s), m.partner_placement_rate(con, f, s), m.retention_rate(con, f, s))
    assert got.salary == m.median_monthly_salary(con, f, s)
    pd.testing.assert_frame_equal(got.initial_by, m.initial_employment_by(con, f, s, "graduation_year"))
    pd.testing.assert_frame_equal(got.retention_by, m.retention_by(con, f, s, "graduation_year"))
    pd.testing.assert_frame_equal(got.salary_by, m.median_monthly_salary_by(con, f, s, "graduation_year"))


def test_salary_distribution_takes_a_missing_graduation_year_from_the_roster(con) -> None:
    # 2024: e's first survey after graduation (2024-07-01, year from the roster) is "enlisted",
    # so e is not among the employed: bands 3000–3500 {c 3000}, 4000–4500 {a 4000} — the same
    # graduates as the 2024 median salary (3500 of a, c). Reading e's year from the survey row
    # alone would drop that row and count e's later 3500 instead.
    df = m.salary_distribution(con, Filters(year_from=2024, year_to=2024), S)
    assert [tuple(r) for r in df[["lower", "upper", "graduates"]].itertuples(index=False)] == [
        (3000.0, 3500.0, 1), (4000.0, 4500.0, 1),
    ]


# Each graduate's first survey after graduation (1 June of the graduation year, the year from the
# roster where the survey row lacks it), counted on its own: the queries the employment page ran
# before the base query counted the same (kept here as the independent reference).
_FIRSTS = """
    WITH emp AS (
      SELECT em.student_id, em.survey_date, coalesce(em.graduation_year, st.graduation_year) AS graduation_year,
             em.status, em.monthly_salary
      FROM employment em LEFT JOIN students st ON st.student_id = em.student_id
    )
    SELECT e.student_id, e.graduation_year,
           arg_min(e.status, e.survey_date) FILTER (WHERE e.status IS NOT NULL) AS known_status,
           arg_min_null(e.status, e.survey_date) AS status,
           arg_min_null(e.monthly_salary, e.survey_date) AS salary
    FROM emp e
    WHERE {where} AND e.graduation_year IS NOT NULL AND e.survey_date >= make_date(e.graduation_year, 6, 1)
    GROUP BY e.student_id, e.graduation_year
"""


def _destinations_alone(con, f: Filters) -> pd.DataFrame:
    where, params = f.where("employment", "e")
    return query(con, f"""
        SELECT graduation_year, known_status AS status, count(*) AS graduates,
               count(*) / sum(count(*)) OVER (PARTITION BY graduation_year) AS share
        FROM ({_FIRSTS.format(where=where)}) firsts WHERE known_status IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
    """, params)


def _salary_bands_alone(con, f: Filters) -> pd.DataFrame:
    where, params = f.where("employment", "e")
    return query(con, f"""
        SELECT floor(salary / 500) * 500 AS lower, floor(salary / 500) * 500 + 500 AS upper, count(*) AS graduates
        FROM ({_FIRSTS.format(where=where)}) firsts
        WHERE status IN ('employed', 'self_employed') AND salary IS NOT NULL GROUP BY 1, 2 ORDER BY 1
    """, params)


@pytest.mark.parametrize("f", [
    Filters(), Filters(year_from=2024, year_to=2024), Filters(year_from=2023, year_to=2023),
    Filters(year_from=2025), Filters(major="CNC"), Filters(school="S2"),
], ids=["all", "2024", "2023", "none", "cnc", "s2"])
def test_destinations_and_salary_bands_from_the_base_query_equal_their_own_queries(con, f: Filters) -> None:
    v = m.years_and(con, f, S)
    want = _destinations_alone(con, f)
    got = m.destinations_of(v)
    assert got[["graduation_year", "status", "graduates"]].values.tolist() == \
        want[["graduation_year", "status", "graduates"]].values.tolist()
    assert got["share"].tolist() == pytest.approx(want["share"].tolist())
    want = _salary_bands_alone(con, f)
    got = m.salary_distribution_of(v)
    assert got[["lower", "upper", "graduates"]].values.tolist() == \
        want[["lower", "upper", "graduates"]].values.tolist()


@pytest.mark.parametrize("f", [Filters(), Filters(year_from=2024, year_to=2024), Filters(major="CNC")],
                         ids=["all", "2024", "cnc"])
def test_the_base_query_without_its_spread_has_the_same_figures(con, f: Filters) -> None:
    # metrics --json draws no chart: the view without destinations and salary bands
    full, bare = m.years_and(con, f, S), m.years_and(con, f, S, spread=False)
    assert bare.spread is None and full.spread is not None
    for part in ("cells", "years", "total"):
        pd.testing.assert_frame_equal(getattr(bare, part), getattr(full, part))
    with pytest.raises(ValueError, match="spread=True"):
        m.destinations_of(bare)
    with pytest.raises(ValueError, match="spread=True"):
        m.salary_distribution_of(bare)


def test_destinations_of_the_base_query(con) -> None:
    # as test_destinations: 2023 x employed, y unemployed; 2024 a, c employed, b further study,
    # e enlisted (its first survey after graduation); shares of each year's known statuses
    got = m.destinations_of(m.years_and(con, Filters(), S))
    assert [tuple(r) for r in got[["graduation_year", "status", "graduates"]].itertuples(index=False)] == [
        (2023, "employed", 1), (2023, "unemployed", 1),
        (2024, "employed", 2), (2024, "enlisted", 1), (2024, "further_study", 1),
    ]
    assert got["share"].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.25, 0.25])
    # 2023 x 5000; 2024 a 4000, c 3000: three bands of 500
    assert m.salary_distribution_of(m.years_and(con, Filters(), S)).values.tolist() == [
        [3000.0, 3500.0, 1], [4000.0, 4500.0, 1], [5000.0, 5500.0, 1],
    ]
