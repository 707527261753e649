"""The global filter: SQL per table, captions, URL round-trip, and that each filter
changes only what it should."""

from __future__ import annotations

from dataclasses import replace

import pytest
from metric_fixtures import insert, make_db

from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import certificates as c

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

S = Settings()


@pytest.mark.one_engine
@pytest.mark.parametrize("table", ["students", "certificate_exams", "funding", "mentors", "schools"])
def test_empty_filter_is_true(table: str) -> None:
    assert Filters().where(table, "t") == ("TRUE", {})


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("f", "table", "params", "ignored"),
    [
        (Filters(2023, 2025), "certificate_exams", [2023, 2025], ()),
        (Filters(2023, 2025), "mentors", [], ("year_from", "year_to")),
        # students: cohort_year <= to, graduation_year >= from
        (Filters(2023, 2025), "students", [2025, 2023], ()),
        (Filters(major="CNC", dual="in"), "employment", ["CNC"], ()),
        (Filters(major="CNC", cohort=2022), "satisfaction_surveys", [], ("major", "cohort")),
        (Filters(enterprise="E1", model="2+1"), "satisfaction_surveys", ["E1"], ("model",)),
        (Filters(school="S1", dual="out"), "mentor_activities", ["S1"], ("dual",)),
        (Filters(2024, None, school="S1"), "funding", [2024], ("school",)),
    ],
)
def test_where_params_and_ignored(f: Filters, table: str, params: list, ignored: tuple) -> None:
    sql, got = f.where(table, "t")
    assert list(got.values()) == params
    assert "?" not in sql and all(f"${name}" in sql for name in got)
    assert f.ignored(table) == ignored


@pytest.mark.one_engine
def test_where_rejects_bad_names() -> None:
    with pytest.raises(KeyError):
        Filters().where("no_such_table", "t")
    with pytest.raises(ValueError):
        Filters().where("students", "t; DROP TABLE students")
    with pytest.raises(ValueError):
        Filters(dual="maybe")


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("f", "zh", "en"),
    [
        (Filters(), "全部数据", "All data"),
        (Filters(2023, 2025, major="数控技术应用", dual="in"),
         "2023–2025 · 数控技术应用 · 双导师学生", "2023–2025 · 数控技术应用 · Dual-mentor students"),
        (Filters(2024, 2024, cohort=2022, model="2+1", dual="out"),
         "2024 · 2022级 · 2+1 模式 · 其他学生", "2024 · cohort 2022 · 2+1 model · Other students"),
        (Filters(year_from=2023, school="S1"), "2023 年起 · 一中", "from 2023 · 一中"),
        (Filters(year_to=2023, enterprise="E9"), "截至 2023 年 · E9", "up to 2023 · E9"),
    ],
)
def test_caption(f: Filters, zh: str, en: str) -> None:
    names = {"S1": "一中"}
    assert f.caption("zh", names) == zh
    assert f.caption("en", names) == en


@pytest.mark.one_engine
@pytest.mark.parametrize(
    "f",
    [
        Filters(),
        Filters(2023, 2025),
        Filters(school="S 1", major="数控技术应用", cohort=2022, model="1.5+1.5", dual="out", enterprise="E&1"),
    ],
)
def test_query_round_trip(f: Filters) -> None:
    assert Filters.from_query(f.to_query()) == f


@pytest.mark.one_engine
def test_to_query_only_non_default() -> None:
    assert Filters(year_from=2023, dual="in").to_query() == {"from": "2023", "dual": "in"}


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "20x3", "to": "2025"}, Filters(year_to=2025)),
        ({"from": "2025", "to": "2023"}, Filters(2023, 2025)),  # reversed range is swapped
        ({"model": "3+0", "dual": "yes", "cohort": "abc"}, Filters()),
        ({"major": ["A", "B"], "school": "  "}, Filters(major="B")),  # last of a repeated key
        ({}, Filters()),
    ],
)
def test_from_query_is_tolerant(params: dict, expected: Filters) -> None:
    assert Filters.from_query(params) == expected


# --- every filter changes only what it should, on a small database ------------------

STUDENTS = [
    # id, school, major, cohort, model, dual, enterprise
    ("a", "S1", "CNC", 2022, "2+1", True, "E1"),
    ("b", "S1", "CNC", 2022, "1.5+1.5", False, "E1"),
    ("c", "S1", "Auto", 2023, "2+1", True, "E2"),
    ("d", "S2", "Auto", 2023, "other", False, None),
    ("e", "S2", "CNC", 2023, "2+1", None, "E2"),
]
EXAMS = [
    ("a", "X", "2023-05-10", True), ("a", "Y", "2024-05-10", False), ("b", "X", "2023-05-10", False),
    ("b", "X", "2024-05-10", True), ("c", "X", "2024-05-10", True), ("d", "X", "2025-05-10", False),
    ("d", "Y", "2025-06-10", True), ("e", "X", "2024-05-10", True), ("e", "Y", "2025-05-10", True),
]
FILTERS = [
    Filters(),
    Filters(2024, 2025),
    Filters(school="S1"),
    Filters(major="CNC"),
    Filters(cohort=2023),
    Filters(model="2+1"),
    Filters(dual="in"),
    Filters(dual="out"),
    Filters(enterprise="E2"),
    Filters(2024, 2024, school="S1", major="Auto"),
]
BYS = ["year", "school", "major", "cohort", "model", "dual", "enterprise"]


@pytest.fixture(scope="module")
def con(engine: str):
    con = make_db()
    insert(con, "students",
           ("student_id", "school_id", "major", "cohort_year", "training_model", "dual_mentor", "enterprise_id"),
           STUDENTS)
    insert(con, "certificate_exams", ("student_id", "certificate_name", "exam_date", "passed"), EXAMS)
    return con


@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize("by", BYS)
def test_breakdowns_add_up(con, f: Filters, by: str) -> None:
    # The sum over the groups of a breakdown equals the total under the same filter.
    total = c.pass_rate(con, f, S)
    df = c.pass_rates_by(con, f, S, by)
    assert int(df["numerator"].sum()) == total.numerator
    assert int(df["denominator"].sum()) == total.denominator


FIELD_FOR_BY = {"school": "school", "major": "major", "cohort": "cohort", "model": "model",
                "enterprise": "enterprise"}


@pytest.mark.parametrize("by", sorted(FIELD_FOR_BY))
def test_filter_selects_its_group(con, by: str) -> None:
    # Filtering on a value gives exactly that value's row of the unfiltered breakdown.
    df = c.pass_rates_by(con, Filters(), S, by)
    for group, k, n in df[["group", "numerator", "denominator"]].dropna().itertuples(index=False):
        value = int(group) if by == "cohort" else group
        r = c.pass_rate(con, replace(Filters(), **{FIELD_FOR_BY[by]: value}), S)
        assert (r.numerator, r.denominator) == (k, n)


def test_years_filter_exam_years(con) -> None:
    # 2024: aY F, bX T, cX T, eX T = 3 of 4 (a 2023 exam of cohort 2022 is out, whatever the cohort)
    r = c.pass_rate(con, Filters(2024, 2024), S)
    assert (r.numerator, r.denominator) == (3, 4)


def test_dual_in_and_out_partition_known_flags(con) -> None:
    # e's flag is unknown: in (a: T F, c: T) 2/3 + out (b: F T, d: F T) 2/4 = 4/7
    # = all 6/9 minus e's 2/2
    both = [c.pass_rate(con, Filters(dual=d), S) for d in ("in", "out", "all")]
    assert [(r.numerator, r.denominator) for r in both] == [(2, 3), (2, 4), (6, 9)]


@pytest.mark.one_engine
def test_gender_is_a_student_filter() -> None:
    f = Filters.from_query({"gender": "female"})
    assert f.gender == "female" and f.to_query() == {"gender": "female"}
    assert Filters.from_query({"gender": "unknown"}).gender is None  # a value outside the vocabulary
    assert f.caption("zh") == "性别：女" and f.caption("en") == "gender: Female"
    where, params = f.where("certificate_exams", "e")
    assert "gender" in where and params == {"f_gender": "female"}
    assert f.ignored("funding") == ("gender",)
    assert f.ignored("students") == ()


# --- named parameters: one name per field, the same on every table ----------------------------

SCOPED = Filters(2023, 2024, school="S1", major="CNC", scope=("S1", "S2"))


@pytest.mark.one_engine
@pytest.mark.parametrize(("table", "names"), [
    # students: cohort_year <= to, graduation_year >= from, then school, major, scope
    ("students", ["f_year_to", "f_year_from", "f_school", "f_major", "f_scope"]),
    ("employment", ["f_year_from", "f_year_to", "f_school", "f_major", "f_scope"]),
    ("mentors", ["f_school", "f_major", "f_scope"]),
    ("enterprises", ["f_scope"]),  # the linked enterprises: one value for the three subqueries
    ("schools", ["f_school", "f_scope"]),
    ("funding", ["f_year_from", "f_year_to"]),
    ("benchmarks", []),
])
def test_where_names_each_field_once(table: str, names: list) -> None:
    sql, params = SCOPED.where(table, "t")
    assert list(params) == names
    assert "?" not in sql and all(f"${n}" in sql for n in names)
    assert params.get("f_scope", ["S1", "S2"]) == ["S1", "S2"] and params.get("f_school", "S1") == "S1"


@pytest.mark.parametrize(("f", "expected"), [
    # exams joined to their students (EXAMS above): all 9; 2024: aY, bX, cX, eX = 4
    (Filters(), 9), (Filters(2024, 2024), 4),
])
def test_two_tables_of_one_filter_merge_their_parameters(con, f: Filters, expected: int) -> None:
    # no ? counted: the students' and the exams' parameters are one dict
    s_where, s_params = f.where("students", "s")
    e_where, e_params = f.where("certificate_exams", "e")
    sql = (f"SELECT count(*) FROM certificate_exams e JOIN students s USING (student_id) "
           f"WHERE {e_where} AND {s_where}")
    from analytics import db

    assert db.rows(con, sql, {**e_params, **s_params}) == [(expected,)]
