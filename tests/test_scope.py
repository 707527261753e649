"""School scope: a user of school A sees nothing of school B anywhere in ``analytics``.

Two databases are built from the same rows: ``AB`` holds schools A and B, ``A`` only
school A's rows (plus what A may see: the enterprise shared with B, the benchmarks; no
funding, which has no school and is hidden from scoped users). Every metric function of
``analytics/metrics`` run on ``AB`` with ``Filters(scope=("SCH-A",))`` must give exactly what
it gives on ``A`` without a scope: then no row of B can have reached it, not even as a
count. Reports and exports are searched for every ID and name of B as well.

Levels (issue 15): A sits in county 甲县 of region 甲市, B in 乙县 of 乙市, and a third
school C (丙县, also in 甲市) exists in the ``AC``/``ABC`` databases. A county user of 甲县
resolves to A alone; a region user of 甲市 to A and C, and every metric function run on
``ABC`` with that scope must equal ``AC`` without one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import io
import math
import pkgutil
import zipfile
from typing import Any

import duckdb
import openpyxl
import pandas as pd
import pytest

import analytics.metrics
import analytics.schema
from analytics import auth, db, privacy, report
from analytics.config import Settings
from analytics.filter_options import filter_options
from analytics.filters import Filters
from analytics.metrics import students as stu
from tests.metric_fixtures import insert, make_db

# Every test on DuckDB and on PostgreSQL (conftest.engine); on PostgreSQL row-level security
# is checked on its own as well (test_row_level_security_*).
BOTH_ENGINES = True

SCOPE = ("SCH-A",)
SETTINGS = Settings(small_n=1)
KEY = bytes(range(32))
NOW = dt.datetime(2025, 1, 1, 12, 0)
# Everything that identifies school B; none may appear in anything a user of A gets.
B_MARKERS = ("SCH-B", "乙职校", "B-STU", "乙学生", "B-MEN", "乙导师", "E-B", "乙企业", "乙专业", "乙评价人",
             "乙单位", "乙备注", "乙县", "乙市")
C_MARKERS = ("SCH-C", "丙职校", "C-STU", "丙学生", "C-MEN", "丙导师", "丙县")
PLACES = {"SCH-A": ("甲职校", "甲县", "甲市"), "SCH-B": ("乙职校", "乙县", "乙市"), "SCH-C": ("丙职校", "丙县", "甲市")}


def build(with_b: bool, with_c: bool = False) -> duckdb.DuckDBPyConnection:
    """Schools A (and B, and C): students, exams, jobs, assessments, mentors, activities,
    evaluations, enterprises, surveys; funding only in the databases with B."""
    con = make_db()
    ids = ["SCH-A"] + (["SCH-B"] if with_b else []) + (["SCH-C"] if with_c else [])
    insert(con, "schools", ["school_id", "school_name", "county", "region"], [(i, *PLACES[i]) for i in ids])
    if with_c:
        _add_c(con)
    enterprises = [("E-A", "甲企业", "order_class"), ("E-AB", "共建企业", "apprenticeship")]
    if with_b:
        enterprises.append(("E-B", "乙企业", "campus_factory"))
    insert(con, "enterprises", ["enterprise_id", "enterprise_name", "cooperation_form"], enterprises)
    mentors = [("A-MEN-1", "甲导师一", "school", "SCH-A", None, "数控"),
               ("A-MEN-2", "甲导师二", "enterprise", "SCH-A", "E-A", "数控")]
    if with_b:
        mentors += [("B-MEN-1", "乙导师一", "school", "SCH-B", None, "乙专业"),
                    ("B-MEN-2", "乙导师二", "enterprise", "SCH-B", "E-B", "乙专业")]
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "school_id", "enterprise_id", "major",
                            "years_experience", "dual_qualified"],
           [(*m, 8, True) for m in mentors])
    # (id, name, school, major, cohort, graduation, model, dual, school mentor, enterprise mentor, enterprise)
    people = [(f"A-STU-{i}", f"甲学生{i}", "SCH-A", "数控", 2021, 2024, "2+1", i % 2 == 0, "A-MEN-1", "A-MEN-2", "E-A")
              for i in range(1, 5)]
    if with_b:
        people += [(f"B-STU-{i}", f"乙学生{i}", "SCH-B", "乙专业", 2019, 2022, "1.5+1.5", True, "B-MEN-1", "B-MEN-2",
                    "E-AB" if i == 1 else "E-B") for i in range(1, 5)]
    insert(con, "students", ["student_id", "student_name", "school_id", "major", "cohort_year", "graduation_year",
                             "training_model", "dual_mentor", "school_mentor_id", "enterprise_mentor_id",
                             "enterprise_id"], people)
    exams, jobs, scores = [], [], []
    for sid, _, school, *_rest in people:
        year = 2023 if school == "SCH-A" else 2021
        exams.append((sid, "电工", dt.date(year, 6, 20), sid.endswith(("1", "2")), 80.0))
        employer = ("E-AB", "共建企业") if sid == "A-STU-1" else (("E-B", "乙单位") if school == "SCH-B" else (None, "甲厂"))
        jobs.append((sid, dt.date(year + 1, 9, 1), year + 1, "employed", employer[1], employer[0], True,
                     5000.0 if school == "SCH-A" else 9999.0))
        jobs.append((sid, dt.date(year + 2, 9, 1), year + 1, "employed", employer[1], employer[0], True, 5200.0))
        scores.append((sid, "2022-1" if school == "SCH-A" else "2020-1", "skill", 70.0, 80.0, 90.0))
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed", "score"], exams)
    insert(con, "employment", ["student_id", "survey_date", "graduation_year", "status", "employer_name",
                               "enterprise_id", "related_to_major", "monthly_salary"], jobs)
    insert(con, "student_assessments", ["student_id", "term", "stage", "theory_score", "skill_score",
                                        "professionalism_score"], scores)
    acts = [("A-MEN-1", dt.date(2023, m, 5), "enterprise_visit", 1, 2, "甲备注") for m in (3, 4)]
    acts += [("A-MEN-2", dt.date(2023, 3, 9), "school_teaching", 1, 4, "甲备注")]
    if with_b:  # other months and years: they must not widen A's period grid
        acts += [("B-MEN-1", dt.date(2020, m, 5), "enterprise_visit", 1, 2, "乙备注") for m in (1, 2)]
        acts += [("B-MEN-2", dt.date(2020, 3, 9), "school_teaching", 1, 4, "乙备注")]
    insert(con, "mentor_activities", ["mentor_id", "activity_date", "activity_type", "seq", "hours", "notes"], acts)
    evals = [("A-MEN-1", "2023", "student", 88.0), ("A-MEN-2", "2023", "school", 77.0)]
    if with_b:
        evals += [("B-MEN-1", "2020", "student", 55.0), ("B-MEN-2", "2020", "school", 44.0)]
    insert(con, "mentor_evaluations", ["mentor_id", "period", "evaluator_type", "score"], evals)
    surveys = [("E-A", dt.date(2023, 6, 1), "甲评价人", "overall", 1, 4.0, 5.0),
               ("E-AB", dt.date(2024, 6, 1), "共建评价人", "overall", 1, 5.0, 5.0)]
    if with_b:
        surveys += [("E-B", dt.date(2021, 6, 1), "乙评价人", "overall", 1, 1.0, 5.0),
                    ("E-B", dt.date(2024, 6, 1), "乙评价人", "teamwork", 1, 2.0, 5.0)]
    insert(con, "satisfaction_surveys", ["enterprise_id", "survey_date", "respondent", "dimension", "seq", "score",
                                         "scale_max"], surveys)
    if with_b:  # funding has no school: hidden from a scoped user, so absent from A's own database
        insert(con, "funding", ["year", "source", "category", "budget", "spent"],
               [(2023, "government", "乙专业实训", 100000.0, 90000.0)])
    insert(con, "benchmarks", ["source", "indicator", "period", "year", "group_label", "value"],
           [("省统计", "certificate_pass_rate", "2023", 2023, "", 0.8)])
    # Closing the loop: agreements, two-way training, the leadership group's actions.
    deals = [("E-A", dt.date(2022, 1, 1), dt.date(2024, 12, 31), "SCH-A", 1, 2, 5000.0),
             ("E-AB", dt.date(2021, 1, 1), dt.date(2023, 8, 31), "SCH-A", 2, 1, None)]
    if with_b:
        deals.append(("E-B", dt.date(2020, 1, 1), dt.date(2023, 12, 31), "SCH-B", 3, 3, 9999.0))
    insert(con, "agreements", ["enterprise_id", "signed_on", "expires_on", "school_id", "mentors_promised",
                               "places_promised", "funding_promised"], deals)
    courses = [("A-MEN-1", "production_technology", dt.date(2023, 3, 1), None, None, 16.0),
               ("A-MEN-1", "enterprise_practice", dt.date(2022, 7, 1), dt.date(2022, 8, 29), None, None),
               ("A-MEN-2", "teaching_methods", dt.date(2023, 4, 1), None, None, 8.0)]
    if with_b:  # another year: it must not add a year to A's figures
        courses += [("B-MEN-1", "production_technology", dt.date(2020, 3, 1), None, None, 99.0),
                    ("B-MEN-1", "enterprise_practice", dt.date(2021, 7, 1), None, 200.0, None),
                    ("B-MEN-2", "teaching_methods", dt.date(2020, 4, 1), None, None, 99.0)]
    insert(con, "mentor_training", ["mentor_id", "training_type", "start_date", "end_date", "days", "hours"], courses)
    if with_b:
        insert(con, "funding", ["year", "source", "category", "budget", "spent", "enterprise_id"],
               [(2022, "enterprise", "乙专业设备", 9999.0, 9999.0, "E-B")])
    decided = [(dt.date(2023, 3, 1), "甲校事项", "school", dt.date(2023, 5, 1), "SCH-A", "school_compliance")]
    if with_b:
        decided.append((dt.date(2023, 3, 1), "乙专业事项", "enterprise", dt.date(2023, 4, 1), "SCH-B", "initial_employment"))
    insert(con, "actions", ["decided_on", "title", "owner_side", "due_on", "school_id", "metric"], decided)
    return con


def _add_c(con: duckdb.DuckDBPyConnection) -> None:
    """School C: a mentor, three students (one partnered with A's enterprise), their exams and jobs."""
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "school_id", "major", "years_experience"],
           [("C-MEN-1", "丙导师一", "school", "SCH-C", "丙专业", 4)])
    insert(con, "students", ["student_id", "student_name", "school_id", "major", "cohort_year", "graduation_year",
                             "dual_mentor", "school_mentor_id", "enterprise_id"],
           [(f"C-STU-{i}", f"丙学生{i}", "SCH-C", "丙专业", 2020, 2023, i != 3, "C-MEN-1", "E-A" if i == 1 else None)
            for i in range(1, 4)])
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"],
           [(f"C-STU-{i}", "电工", dt.date(2022, 6, 20), i == 1) for i in range(1, 4)])
    insert(con, "employment", ["student_id", "survey_date", "graduation_year", "status", "employer_name"],
           [(f"C-STU-{i}", dt.date(2023, 9, 1), 2023, "employed" if i < 3 else "unemployed", "丙厂")
            for i in range(1, 4)])
    insert(con, "mentor_activities", ["mentor_id", "activity_date", "activity_type", "seq"],
           [("C-MEN-1", dt.date(2023, 3, 7), "enterprise_visit", 1)])


@pytest.fixture(scope="module")
def both(engine: str) -> duckdb.DuckDBPyConnection:
    return build(with_b=True)


@pytest.fixture(scope="module")
def only_a(engine: str) -> duckdb.DuckDBPyConnection:
    return build(with_b=False)


@pytest.fixture(scope="module")
def all_three(engine: str) -> duckdb.DuckDBPyConnection:
    return build(with_b=True, with_c=True)


@pytest.fixture(scope="module")
def a_and_c(engine: str) -> duckdb.DuckDBPyConnection:
    return build(with_b=False, with_c=True)


@pytest.fixture(scope="module")
def computed(engine: str) -> Any:
    """``computed(con, f, label, fn, kwargs)``: ``fn(con, f, SETTINGS, **kwargs)``, computed once per
    module and engine. The stores are read-only, every argument is immutable and the comparisons
    never change a result, so the reference a test compares with (``fn(only_a, Filters())``, asked
    by three tests) is worked out once rather than in each of them."""
    memo: dict[tuple[int, Filters, str], Any] = {}

    def get(con: Any, f: Filters, label: str, fn: Any, kwargs: dict[str, Any]) -> Any:
        key = (id(con), f, label)
        if key not in memo:
            memo[key] = fn(con, f, SETTINGS, **kwargs)
        return memo[key]

    return get


# A user of school A at each level, and the schools each resolves to on ABC.
LEVEL_USERS = {
    "school": (auth.User("a-school", "viewer", ("SCH-A",)), ("SCH-A",)),
    "county": (auth.User("a-county", "viewer", (), counties=("甲县",)), ("SCH-A",)),
    "region": (auth.User("a-region", "viewer", (), regions=("甲市",)), ("SCH-A", "SCH-C")),
    "county-and-school": (auth.User("mixed", "viewer", ("SCH-B",), counties=("丙县",)), ("SCH-B", "SCH-C")),
    "unknown-county": (auth.User("nowhere", "viewer", (), counties=("无此县",)), ()),
}


# Extra arguments of each metric function after (con, filters, settings): every choice.
def _choices(fn: Any) -> list[dict[str, Any]]:
    module = importlib.import_module(fn.__module__)
    params = list(inspect.signature(fn).parameters.values())[3:]
    cases: list[dict[str, Any]] = [{}]
    for p in params:
        if p.name == "by":
            values = list(getattr(module, "BY", None) or getattr(module, "GROUPS", None) or ())
            if fn.__name__ == "distribution_by":
                values = ["stage", "major", "class", "term", "school_mentor", "enterprise_mentor"]
            if fn.__name__ in ("waves", "trend"):
                values = [None, "dimension", "enterprise"]
            if fn.__name__ == "pass_rates_by":
                values = ["year", "major", "school", "dual", "certificate", "gender"]
            if fn.__name__ in ("dual_vs_other_strata", "dual_vs_other_adjusted", "strata_and_rate"):
                values = [(), ("major",), ("major", "cohort"), ("school", "gender")]
        elif p.name == "and_by":  # a second grouping within the first (schools × majors)
            values = [None, "major"]
        elif p.name == "measure":
            values = ["attempt", "first_attempt", "person"]
        elif p.name == "mentor_type":
            values = ["school", "enterprise"] + ([None] if p.default is None else [])
        elif p.name == "indicator":
            values = ["certificate_pass_rate"]
        elif p.name == "width":
            values = [500]
        elif p.name in ("with_calendar", "attention", "charts", "spread"):
            values = [True, False]
        elif p.name == "limit":
            values = [40]
        elif p.name == "unit":
            values = ["major", "school"]
        elif p.name == "group":  # a major or school that joined the program (none does here)
            values = ["数控", "SCH-A"]
        elif p.name == "key":
            values = list(importlib.import_module("analytics.metrics.headlines").KEYS)
        elif p.name == "day":
            values = [dt.date(2023, 6, 30), dt.date(2024, 6, 30)]
        elif p.name == "year":
            values = [2023]
        else:
            raise AssertionError(f"{fn.__module__}.{fn.__name__}: no test values for {p.name}")
        cases = [{**c, p.name: v} for c in cases for v in values]
    return cases


# Parameters holding parts another metric function has already computed (and scoped): a function
# taking them finishes that function's work and is exercised through it (``compliance`` calls
# ``compliance_of`` with and without the calendar).
FROM_PARTS = {"every", "per_mentor"}


def _metric_calls() -> list[tuple[str, Any, dict[str, Any]]]:
    calls = []
    for info in pkgutil.iter_modules(analytics.metrics.__path__):
        module = importlib.import_module(f"analytics.metrics.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:3] != ["con", "f", "s"] or FROM_PARTS & set(params):
                continue
            for kwargs in _choices(fn):
                calls.append((f"{info.name}.{name}({kwargs})", fn, kwargs))
    return calls


CALLS = _metric_calls()


def same(a: Any, b: Any, where: str = "") -> None:
    """Deep equality of metric results: frames, dataclasses, dicts, sequences, NaN = NaN."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                      obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_dtype=False, obj=where)
    elif dataclasses.is_dataclass(a):
        for fld in dataclasses.fields(a):
            same(getattr(a, fld.name), getattr(b, fld.name), f"{where}.{fld.name}")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b or (pd.isna(a) and pd.isna(b)), f"{where}: {a!r} != {b!r}"


def test_every_metric_function_is_covered() -> None:
    # The discovery above must find the metric modules' functions (a rename must not hide one).
    names = {c[0].split("(")[0] for c in CALLS}
    assert {"certificates.pass_rate", "employment.initial_employment_by", "mentors.compliance",
            "partners.partners", "satisfaction.trend", "funding.totals", "students.distribution_by",
            "summary.headline", "headlines.headlines", "benchmarks.school_series",
            "certificates.dual_vs_other_adjusted", "certificates.before_after_table", "partners.partner_table"} <= names
    assert len(names) >= 35


@pytest.mark.parametrize(("label", "fn", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_scoped_metric_equals_the_school_alone(both, only_a, computed, label, fn, kwargs) -> None:
    scoped = computed(both, Filters(scope=SCOPE), label, fn, kwargs)
    alone = computed(only_a, Filters(), label, fn, kwargs)
    same(scoped, alone, label)


@pytest.mark.parametrize(("label", "fn", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_scoped_metric_never_names_school_b(both, computed, label, fn, kwargs) -> None:
    # Even a user filter naming school B (a crafted URL) shows nothing of it.
    for f in (Filters(scope=SCOPE), Filters(scope=SCOPE, school="SCH-B"), Filters(scope=SCOPE, enterprise="E-B")):
        text = repr(computed(both, f, label, fn, kwargs))
        assert not [m for m in B_MARKERS if m in text], label


def test_the_fixture_has_school_b_to_leak(both) -> None:
    # Without the scope B shows up, so the tests above can fail.
    text = repr(stu.composite_scores(both, Filters(), SETTINGS)) + repr(filter_options(both))
    assert "B-STU-1" in text and "乙职校" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reports_hold_nothing_of_school_b(both, lang) -> None:
    rep = report.build_report(both, Filters(scope=SCOPE), SETTINGS, lang, now=NOW)
    html = report.render_html(rep)
    book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(rep)))
    cells = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)
    assert "甲" in html or "A-MEN" in html  # the report does show school A
    for text in (html, cells, " ".join(ws.title for ws in book.worksheets)):
        assert [m for m in B_MARKERS if m in text] == []
    unscoped = report.render_html(report.build_report(both, Filters(), SETTINGS, lang, now=NOW))
    assert "乙导师" in unscoped  # the check can fail


def _zip_texts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.mark.parametrize("fmt", privacy.FORMATS)
def test_research_export_is_the_school_alone(both, only_a, fmt) -> None:
    scoped = _zip_texts(privacy.research_export_bytes(both, Filters(scope=SCOPE), fmt, key=KEY))
    alone = _zip_texts(privacy.research_export_bytes(only_a, Filters(), fmt, key=KEY))
    assert scoped.keys() == alone.keys()
    for name in scoped:
        if name.endswith(".parquet"):
            same(pd.read_parquet(io.BytesIO(scoped[name])), pd.read_parquet(io.BytesIO(alone[name])), name)
        else:
            assert scoped[name] == alone[name], name
    tables = privacy.research_tables(both, Filters(scope=SCOPE), KEY)
    assert len(tables["funding"]) == 0 and len(tables["benchmarks"]) == 1
    assert set(tables["schools"]["school_id"]) == {"SCH-A"}
    assert set(tables["enterprises"]["enterprise_id"]) == {"E-A", "E-AB"}  # E-AB: employer of A-STU-1


@pytest.mark.parametrize("fmt", privacy.FORMATS)
def test_aggregate_export_is_the_school_alone(both, only_a, fmt) -> None:
    scoped = _zip_texts(privacy.aggregate_export_bytes(both, Filters(scope=SCOPE), fmt, settings=SETTINGS))
    alone = _zip_texts(privacy.aggregate_export_bytes(only_a, Filters(), fmt, settings=SETTINGS))
    assert scoped == alone
    assert not [m for m in B_MARKERS if any(m.encode() in v for v in scoped.values())]


def test_filter_choices_are_the_school_alone(both, only_a) -> None:
    assert filter_options(both, SCOPE) == filter_options(only_a)
    assert filter_options(both).cohorts == (2019, 2021)  # unscoped: B's cohort is there


def test_growth_file_of_another_school_is_unknown(both) -> None:
    theirs = stu.growth_file(both, "B-STU-1", SETTINGS, scope=SCOPE)
    assert all(frame.empty for frame in theirs.values())
    ours = stu.growth_file(both, "A-STU-1", SETTINGS, scope=SCOPE)
    assert len(ours["student"]) == 1 and len(ours["certificates"]) == 1 and len(ours["employment"]) == 2
    assert len(stu.growth_file(both, "B-STU-1", SETTINGS)["student"]) == 1  # an admin sees them


def test_report_appendix_lists_only_visible_batches_and_rows(both) -> None:
    coverage = {c["table"]: c["rows"] for c in db.table_coverage(both, SCOPE)}
    # A: 4 students, 4 exams, 8 surveys of jobs, 2 mentors, 3 activities, no funding, 1 benchmark,
    # enterprises E-A and E-AB, their 2 surveys.
    assert coverage == {"schools": 1, "enterprises": 2, "mentors": 2, "students": 4, "certificate_exams": 4,
                        "employment": 8, "satisfaction_surveys": 2, "mentor_activities": 3,
                        "student_assessments": 4, "mentor_evaluations": 2, "funding": 0, "benchmarks": 1,
                        "agreements": 2, "mentor_training": 3, "actions": 1}


@pytest.mark.parametrize(
    "query",
    [{"scope": "SCH-B"}, {"scope": ["SCH-A", "SCH-B"]}, {"school": "SCH-A", "scope": ""}],
)
def test_the_url_cannot_set_or_show_the_scope(query) -> None:
    f = Filters.from_query(query)
    assert f.scope is None
    assert "scope" not in Filters(scope=("SCH-A",), school="SCH-A").to_query()
    assert Filters(scope=("SCH-A",)).ignored("funding") == ()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("students", 4), ("certificate_exams", 4), ("employment", 8), ("student_assessments", 4),
        ("mentors", 2), ("mentor_activities", 3), ("mentor_evaluations", 2), ("schools", 1),
        ("enterprises", 2), ("satisfaction_surveys", 2), ("funding", 0), ("benchmarks", 1),
        ("agreements", 2), ("mentor_training", 3), ("actions", 1),
    ],
)
def test_where_applies_the_scope_to_every_table(both, table, expected) -> None:
    where, params = Filters(scope=SCOPE).where(table, "x")
    assert both.execute(f'SELECT count(*) FROM "{table}" x WHERE {where}', params).fetchone()[0] == expected


def test_an_empty_scope_sees_no_school(both) -> None:
    where, params = Filters(scope=()).where("students", "x")
    assert both.execute(f"SELECT count(*) FROM students x WHERE {where}", params).fetchone()[0] == 0


def test_scope_must_be_a_tuple() -> None:
    with pytest.raises(ValueError):
        Filters(scope="SCH-A")  # type: ignore[arg-type]


@pytest.mark.parametrize("level", list(LEVEL_USERS))
def test_each_level_resolves_to_its_schools(all_three, level) -> None:
    user, expected = LEVEL_USERS[level]
    resolved = auth.resolve(all_three, user)
    assert resolved.scope == expected
    assert auth.scoped(Filters(), resolved).scope == expected
    assert user.scope == user.schools  # unresolved, an area user sees only their listed schools


def test_an_unresolved_area_user_sees_no_school_from_the_users_file(tmp_path) -> None:
    path = tmp_path / "users.json"
    added = auth.add_user(path, "county-user", "viewer", None, "long enough password", counties=["甲县"])
    assert added.scope == () and added.counties == ("甲县",) and added.level == "county"
    (listed,) = auth.list_users(path)
    assert listed == added


@pytest.mark.parametrize(("label", "fn", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_region_scoped_metric_equals_its_schools_alone(all_three, a_and_c, label, fn, kwargs) -> None:
    # 甲市 = A and C: a region user on ABC gets exactly what AC gives without a scope.
    scope = auth.resolve(all_three, LEVEL_USERS["region"][0]).scope
    same(fn(all_three, Filters(scope=scope), SETTINGS, **kwargs), fn(a_and_c, Filters(), SETTINGS, **kwargs), label)


@pytest.mark.parametrize(("label", "fn", "kwargs"), [c for c in CALLS if c[0].startswith(("headlines.", "summary."))],
                         ids=[c[0] for c in CALLS if c[0].startswith(("headlines.", "summary."))])
def test_county_scoped_metric_equals_the_school_alone(all_three, only_a, computed, label, fn, kwargs) -> None:
    # 甲县 = A alone (C is in 丙县 of the same region): the headlines equal A's database.
    scope = auth.resolve(all_three, LEVEL_USERS["county"][0]).scope
    result = fn(all_three, Filters(scope=scope), SETTINGS, **kwargs)
    same(result, computed(only_a, Filters(), label, fn, kwargs), label)
    assert not [m for m in B_MARKERS + C_MARKERS if m in repr(result)], label


def test_the_region_fixture_has_school_c_to_add(all_three) -> None:
    text = repr(stu.composite_scores(all_three, Filters(), SETTINGS)) + repr(filter_options(all_three))
    assert "丙职校" in text


# -- PostgreSQL: the database itself refuses other schools' rows (row-level security) ---------


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t.name: con.execute(f"SELECT count(*) FROM {db.quote_ident(t.name)}").fetchone()[0]
            for t in analytics.schema.TABLES}


def test_row_level_security_gives_a_query_without_filter_only_the_schools_rows(engine, both, only_a) -> None:
    """A query that forgets its scope filter, run for a user of A on AB, sees what A alone
    holds — table by table (funding, without a school, not at all)."""
    if engine != "postgres":
        pytest.skip("row-level security is PostgreSQL's (DuckDB applies the scope in Filters)")
    from analytics.engines.scope import scoped

    with scoped(SCOPE):
        leaked = _row_counts(both)
    assert leaked == {**_row_counts(only_a), "funding": 0}
    with scoped(()):  # an empty scope: nothing but the published benchmarks
        assert {k: v for k, v in _row_counts(both).items() if v} == {"benchmarks": 1}
    assert _row_counts(both)["students"] > _row_counts(only_a)["students"]  # B is there to leak


@pytest.mark.parametrize(("label", "fn", "kwargs"), [c for c in CALLS if c[0].startswith(("headlines.", "summary.", "students.", "employment."))],
                         ids=[c[0] for c in CALLS if c[0].startswith(("headlines.", "summary.", "students.", "employment."))])
def test_row_level_security_holds_when_the_filter_forgets_the_scope(engine, both, only_a, computed, label, fn,
                                                                     kwargs) -> None:
    """The same metric functions with a filter that carries no scope (the bug a policy is
    for): on PostgreSQL, for a user of A, equal to A alone."""
    if engine != "postgres":
        pytest.skip("row-level security is PostgreSQL's")
    from analytics.engines.scope import scoped

    with scoped(SCOPE):
        leaked = fn(both, Filters(), SETTINGS, **kwargs)
    same(leaked, computed(only_a, Filters(), label, fn, kwargs), label)
