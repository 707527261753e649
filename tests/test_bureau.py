"""A bureau's view (issue 15): control limits, indirect standardisation and reporting status,
each against figures worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from analytics import audit, auth, hierarchy
from analytics.config import Settings
from analytics.filters import Filters
from analytics.ingest import pipeline
from analytics.metrics import reporting, schools
from analytics.snapshot import set_snapshot_date
from tests.metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

SETTINGS = Settings(small_n=1)


# -- Control limits and the ratio's interval ------------------------------------------------------


@pytest.mark.one_engine
@pytest.mark.parametrize(
    ("z", "low", "high"),
    [
        # p0 = 0.8, n = 100: sd = sqrt(0.8 × 0.2 / 100) = 0.04.
        # 95%: 0.8 ± 1.959964 × 0.04 = 0.8 ± 0.07839856
        (schools.Z95, 0.72160144, 0.87839856),
        # 99.8%: 0.8 ± 3.090232 × 0.04 = 0.8 ± 0.12360928
        (schools.Z998, 0.67639072, 0.92360928),
    ],
)
def test_control_limits_at_n_100(z, low, high) -> None:
    lo, hi = schools.control_limits(0.8, [100], z)
    assert lo[0] == pytest.approx(low, abs=1e-9) and hi[0] == pytest.approx(high, abs=1e-9)


@pytest.mark.one_engine
def test_control_limits_are_clipped_and_empty_at_zero() -> None:
    # p0 = 0.95, n = 4: sd = sqrt(0.95 × 0.05 / 4) = 0.108972; 0.95 + 3.090232 × 0.108972 = 1.2867 → 1.
    lo, hi = schools.control_limits(0.95, [4, 0], schools.Z998)
    assert hi[0] == 1.0 and lo[0] == pytest.approx(0.95 - 3.090232 * 0.1089725, abs=1e-6)
    assert pd.isna(lo[1]) and pd.isna(hi[1])


@pytest.mark.one_engine
def test_funnel_curve_narrows_as_n_grows() -> None:
    curve = schools.funnel_curve(0.5, 1000)
    widths = (curve["lim998_high"] - curve["lim998_low"]).to_numpy()
    assert curve["n"].iloc[0] == 1 and curve["n"].iloc[-1] == 1000
    assert (widths[1:] <= widths[:-1]).all()


@pytest.mark.one_engine
def test_byar_interval_of_10_observed_8_expected() -> None:
    # O = 10, E = 8, z = 1.959964:
    # low  = 10 × (1 − 1/90 − 1.959964/(3√10))³ / 8 = 10 × (0.988889 − 0.206598)³ / 8
    #      = 10 × 0.478745 / 8 = 0.598431
    # high = 11 × (1 − 1/99 + 1.959964/(3√11))³ / 8 = 11 × (0.989899 + 0.196984)³ / 8
    #      = 11 × 1.671951 / 8 = 2.298932
    low, high = schools.byar_interval(10, 8)
    assert low == pytest.approx(0.598431, abs=1e-6) and high == pytest.approx(2.298932, abs=1e-6)
    assert schools.byar_interval(0, 5)[0] == 0.0
    assert schools.byar_interval(3, 0) == (None, None)


# -- Indirect standardisation ---------------------------------------------------------------------------


def _exams_db() -> duckdb.DuckDBPyConnection:
    """Two schools, a hard major (M1) and an easy one (M2), one exam year (2024):
    A: M1 10 of 20 passed, M2 9 of 10;  B: M1 4 of 10, M2 36 of 40."""
    con = make_db()
    insert(con, "schools", ["school_id", "school_name", "county", "region"],
           [("A", "甲校", "东县", "某市"), ("B", "乙校", "西县", "某市")])
    cells = [("A", "M1", 20, 10), ("A", "M2", 10, 9), ("B", "M1", 10, 4), ("B", "M2", 40, 36)]
    students, exams = [], []
    for school, major, sat, passed in cells:
        for i in range(sat):
            sid = f"{school}-{major}-{i}"
            students.append((sid, school, major, 2022, 2025))
            exams.append((sid, "证书", dt.date(2024, 6, 20), i < passed))
    insert(con, "students", ["student_id", "school_id", "major", "cohort_year", "graduation_year"], students)
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], exams)
    return con


def test_standardised_pass_rates_by_hand() -> None:
    # Strata rates over both schools: M1 14/30, M2 45/50 = 0.9; pooled p0 = 59/80 = 0.7375.
    # A: O = 19, E = 20 × 14/30 + 10 × 0.9 = 9.3333 + 9 = 18.3333, O/E = 1.036364,
    #    standardised 1.036364 × 0.7375 = 0.764318; crude 19/30 = 0.633333 (it teaches the hard major).
    # B: O = 40, E = 10 × 14/30 + 40 × 0.9 = 4.6667 + 36 = 40.6667, O/E = 0.983607,
    #    standardised 0.983607 × 0.7375 = 0.725410; crude 40/50 = 0.8.
    frame = schools.school_rates(_exams_db(), Filters(), SETTINGS, "certificate_pass_rate").set_index("school_id")
    assert list(frame.index) == ["B", "A"]  # ranked by crude rate
    expected = {"A": (19, 30, 0.633333, 18.333333, 1.036364, 0.764318),
                "B": (40, 50, 0.8, 40.666667, 0.983607, 0.725410)}
    for school, (o, n, crude, e, ratio, std) in expected.items():
        row = frame.loc[school]
        assert (row["numerator"], row["denominator"]) == (o, n)
        assert row["rate"] == pytest.approx(crude, abs=1e-6)
        assert row["observed"] == o and row["expected"] == pytest.approx(e, abs=1e-6)
        assert row["ratio"] == pytest.approx(ratio, abs=1e-6)
        assert row["standardised"] == pytest.approx(std, abs=1e-6)
        assert row["reference"] == pytest.approx(0.7375)
        low, high = schools.byar_interval(o, e)
        assert (row["ratio_low"], row["ratio_high"]) == (pytest.approx(low), pytest.approx(high))
    # Internal reference: expected counts add up to the observed ones (18.3333 + 40.6667 = 59).
    assert frame["expected"].sum() == pytest.approx(frame["observed"].sum())
    assert frame.loc["A", "county"] == "东县" and frame.loc["B", "school_name"] == "乙校"


def test_funnel_position_of_each_school() -> None:
    # p0 = 0.7375. A at n = 30: sd = sqrt(0.7375 × 0.2625 / 30) = 0.080333;
    #   95% limits 0.7375 ± 0.157450 = (0.580050, 0.894950): 0.6333 is within.
    # B at n = 50: sd = 0.062225; 95% (0.615541, 0.859459): 0.8 within.
    frame = schools.school_rates(_exams_db(), Filters(), SETTINGS).set_index("school_id")
    assert frame.loc["A", "lim95_low"] == pytest.approx(0.580050, abs=1e-5)
    assert frame.loc["B", "lim95_high"] == pytest.approx(0.859459, abs=1e-5)
    assert set(frame["position"]) == {"within"}


def test_a_scoped_user_is_compared_with_what_they_see() -> None:
    # Scope A alone: the reference is A's own rate, so O/E = 1 exactly (19 / 19).
    frame = schools.school_rates(_exams_db(), Filters(scope=("A",)), SETTINGS)
    assert list(frame["school_id"]) == ["A"]
    assert frame["reference"].iloc[0] == pytest.approx(19 / 30) and frame["ratio"].iloc[0] == pytest.approx(1.0)


def test_no_data_gives_an_empty_frame_with_every_column() -> None:
    frame = schools.school_rates(make_db(), Filters(), SETTINGS, "initial_employment_rate")
    assert frame.empty and list(frame.columns) == schools.COLUMNS


def test_unknown_indicator_is_refused() -> None:
    with pytest.raises(ValueError):
        schools.school_rates(make_db(), Filters(), SETTINGS, "satisfaction")


def test_initial_employment_standardised_on_the_latest_year() -> None:
    # 2024 graduates (the latest year): A: M1 3 of 4 placed, M2 4 of 4; B: M1 1 of 4, M2 8 of 8.
    # (2023 graduates of A, all unplaced, are not the headline's year and count nowhere.)
    # Strata: M1 4/8 = 0.5, M2 12/12 = 1. A: O = 7, E = 4 × 0.5 + 4 × 1 = 6, O/E = 7/6;
    # B: O = 9, E = 4 × 0.5 + 8 × 1 = 10, O/E = 0.9.
    con = make_db()
    insert(con, "schools", ["school_id", "school_name"], [("A", "甲校"), ("B", "乙校")])
    students, jobs = [], []
    for school, major, n, placed, year in [("A", "M1", 4, 3, 2024), ("A", "M2", 4, 4, 2024), ("B", "M1", 4, 1, 2024),
                                           ("B", "M2", 8, 8, 2024), ("A", "M1", 5, 0, 2023)]:
        for i in range(n):
            sid = f"{school}-{major}-{year}-{i}"
            students.append((sid, school, major, year - 3, year))
            jobs.append((sid, dt.date(year, 8, 31), year, "employed" if i < placed else "unemployed"))
    insert(con, "students", ["student_id", "school_id", "major", "cohort_year", "graduation_year"], students)
    insert(con, "employment", ["student_id", "survey_date", "graduation_year", "status"], jobs)
    frame = schools.school_rates(con, Filters(), SETTINGS, "initial_employment_rate").set_index("school_id")
    assert frame.loc["A", ["numerator", "denominator"]].tolist() == [7, 8]
    assert frame.loc["A", "expected"] == pytest.approx(6.0) and frame.loc["A", "ratio"] == pytest.approx(7 / 6)
    assert frame.loc["B", "expected"] == pytest.approx(10.0) and frame.loc["B", "ratio"] == pytest.approx(0.9)
    assert frame.loc["A", "reference"] == pytest.approx(16 / 20)


# -- Hierarchy --------------------------------------------------------------------------------------------


def test_area_schools_by_county_and_region() -> None:
    con = _exams_db()
    insert(con, "schools", ["school_id", "school_name", "county", "region"], [("C", "丙校", "东县", "他市")])
    assert hierarchy.area_schools(con, counties=["东县"]) == ("A", "C")
    assert hierarchy.area_schools(con, regions=["某市"]) == ("A", "B")
    assert hierarchy.area_schools(con, counties=["西县"], schools_=["C"]) == ("B", "C")
    assert hierarchy.area_schools(con, counties=["无此县"]) == ()
    assert hierarchy.counties(con) == [("东县", "他市"), ("东县", "某市"), ("西县", "某市")]
    assert hierarchy.counties(con, ("B",)) == [("西县", "某市")]


# -- Reporting status --------------------------------------------------------------------------------------


def _csv(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join(str(v) for v in r) for r in rows).encode("utf-8-sig")


def _send(con: duckdb.DuckDBPyConnection, name: str, rows: list[list[object]], when: dt.datetime,
          user: str, table: str) -> None:
    """Import a school's return as its clerk would, dated ``when``."""
    results = pipeline.import_file(con, _csv(rows), file_name=name, table=table)
    for r in results:
        con.execute("UPDATE import_batches SET imported_at = ? WHERE batch_id = ?", [when, r.batch_id])
    audit.record_import(con, user, results, now=when)


@pytest.fixture
def returns() -> duckdb.DuckDBPyConnection:
    """Schools A (sends on 1 Sept), B (on 8 Sept, late, one row rejected) and C (nothing), 2025;
    the store's day is 10 September 2025, deadline 5 September."""
    con = make_db()
    _send(con, "schools.csv", [["学校代码", "学校名称", "所属区县", "所在地区"], ["A", "甲校", "东县", "某市"],
                               ["B", "乙校", "西县", "某市"], ["C", "丙校", "西县", "某市"]],
          dt.datetime(2025, 1, 2, 9, 0), "bureau", "schools")
    _send(con, "a_students.csv", [["学号", "学校代码", "专业", "入学年份", "毕业年份"],
                                  ["A1", "A", "数控", 2025, 2028], ["A2", "A", "数控", 2025, 2028],
                                  ["A0", "A", "数控", 2022, 2025]],
          dt.datetime(2025, 9, 1, 10, 0), "clerk-a", "students")
    _send(con, "a_exams.csv", [["学号", "证书名称", "考试日期", "是否通过"], ["A0", "电工", "2025-06-20", "是"]],
          dt.datetime(2025, 9, 1, 10, 5), "clerk-a", "certificate_exams")
    _send(con, "b_students.csv", [["学号", "学校代码", "专业", "入学年份", "毕业年份", "性别"],
                                  ["B1", "B", "会计", 2025, 2028, "男"], ["B2", "B", "会计", 2025, 2028, "不详的值"]],
          dt.datetime(2025, 9, 8, 16, 0), "clerk-b", "students")
    set_snapshot_date(con, dt.date(2025, 9, 10))
    return con


def test_reporting_status_by_hand(returns) -> None:
    status = reporting.reporting_status(returns, Filters(), SETTINGS, 2025).set_index(["school_id", "table"])
    # A: two students of the 2025 intake (A0 enrolled in 2022), sent 1 Sept by clerk-a: on time.
    a = status.loc[("A", "students")]
    assert (a["rows"], a["rejected"], a["submitted_by"], a["status"]) == (2, 0, "clerk-a", "on_time")
    assert a["first_at"] == pd.Timestamp(2025, 9, 1, 10, 0)
    assert status.loc[("A", "certificate_exams"), "status"] == "on_time"
    # B: one student loaded, the row with an unknown gender rejected, sent 8 Sept: late.
    b = status.loc[("B", "students")]
    assert (b["rows"], b["rejected"], b["submitted_by"], b["status"]) == (1, 1, "clerk-b", "late")
    assert status.loc[("B", "certificate_exams"), "status"] == "overdue"  # 10 Sept > 5 Sept, nothing sent
    assert (status.loc[("C", "students"), "rows"], status.loc[("C", "students"), "status"]) == (0, "overdue")
    assert status.loc[("C", "students"), "county"] == "西县"


def test_reporting_before_the_deadline_is_due(returns) -> None:
    status = reporting.reporting_status(returns, Filters(), Settings(reporting_deadline="12-31"), 2025)
    c = status[status["school_id"] == "C"]
    assert set(c["status"]) == {"due"}
    assert status.loc[(status["school_id"] == "B") & (status["table"] == "students"), "status"].item() == "on_time"


def test_reporting_rates_and_the_late_list(returns) -> None:
    rates = reporting.reporting_rates(returns, Filters(), SETTINGS, 2025).set_index("table")
    # students: A on time, B late, C missing -> reported 2/3, on time 1/3.
    assert rates.loc["students", ["schools", "reported", "on_time"]].tolist() == [3, 2, 1]
    assert rates.loc["students", "reported_share"] == pytest.approx(2 / 3)
    assert rates.loc["students", "on_time_share"] == pytest.approx(1 / 3)
    assert rates.loc["certificate_exams", ["reported", "on_time"]].tolist() == [1, 1]
    assert list(rates.index) == list(reporting.REPORTED_TABLES)
    late = reporting.late_schools(returns, Filters(), SETTINGS, 2025).set_index("school_id")
    assert list(late.index) == ["A", "B", "C"]  # A has sent no mentors, assessments ... either
    assert late.loc["B", "late"] == ["students"] and "students" not in late.loc["A", "missing"]
    assert late.loc["C", "missing"] == list(reporting.REPORTED_TABLES)


def test_reporting_is_limited_to_the_scope(returns) -> None:
    status = reporting.reporting_status(returns, Filters(scope=("B",)), SETTINGS, 2025)
    assert set(status["school_id"]) == {"B"}
    assert "clerk-a" not in set(status["submitted_by"].dropna())


@pytest.mark.one_engine
def test_deadline_setting() -> None:
    assert reporting.deadline(Settings(), 2025) == dt.date(2025, 9, 5)
    assert reporting.deadline(Settings(reporting_deadline="03-31"), 2026) == dt.date(2026, 3, 31)


@pytest.mark.one_engine
def test_the_demo_region_tells_its_story(region_db) -> None:
    # 12 schools in 4 counties of 临江市; 2025: 宁海县技工学校 sent everything after 5 September,
    # 江北县农业职业学校 sent nothing (its mentor roster, which has no year, dates from 2024).
    from analytics import db
    from analytics.sample_region import LATE_SCHOOL, SILENT_SCHOOL

    con = db.connect(region_db, read_only=True)
    places = hierarchy.schools(con)
    assert len(places) == 12 and {p.county for p in places} == {"滨江区", "西湖区", "江北县", "宁海县"}
    assert {p.region for p in places} == {"临江市"}
    status = reporting.reporting_status(con, Filters(), Settings(), 2025)
    by_school = status.groupby("school_id")["status"].apply(set)
    late = status[status["school_id"] == LATE_SCHOOL].set_index("table")["status"]
    # its own returns are late; the mentor roster (2024) and the surveys of its partner
    # enterprises (sent with the demo program on 3 September) were in on time
    assert late[late == "on_time"].index.tolist() == ["mentors", "satisfaction_surveys"]
    assert set(late.drop(["mentors", "satisfaction_surveys"])) == {"late"}
    assert by_school[SILENT_SCHOOL] == {"overdue", "on_time"}
    assert status.loc[(status["school_id"] == SILENT_SCHOOL) & (status["status"] == "on_time"), "table"].tolist() == [
        "mentors"]
    sizes = schools.school_rates(con, Filters(), Settings(), "certificate_pass_rate")["denominator"]
    assert sizes.min() < 100 < 1000 < sizes.max()  # small and large schools
    con.close()


def test_signoff_submitted_then_approved(returns) -> None:
    from analytics.errors import AnalyticsError
    from analytics.signoff import set_signoff

    with pytest.raises(AnalyticsError) as info:
        set_signoff(returns, "A", 2025, "approved", "bureau")
    assert info.value.code == "signoff-not-submitted"
    set_signoff(returns, "A", 2025, "submitted", "clerk-a", now=dt.datetime(2025, 9, 2, 9, 0))
    assert reporting.signoff_states(returns, 2025) == {"A": "submitted"}
    set_signoff(returns, "A", 2025, "approved", "bureau", now=dt.datetime(2025, 9, 9, 9, 0))
    status = reporting.reporting_status(returns, Filters(), SETTINGS, 2025)
    assert set(status.loc[status["school_id"] == "A", "approval"]) == {"approved"}
    assert status.loc[status["school_id"] == "B", "approval"].isna().all()
    assert reporting.signoff_states(returns, 2024) == {}
    with pytest.raises(AnalyticsError):
        set_signoff(returns, "Z", 2025, "submitted", "x")
    with pytest.raises(AnalyticsError):
        set_signoff(returns, "A", 2025, "rejected", "x")
    logged = returns.execute("SELECT user_name, details FROM audit_log WHERE action = 'signoff' ORDER BY event_id").fetchall()
    assert [u for u, _ in logged] == ["clerk-a", "bureau"] and '"approved"' in logged[1][1]


def test_returned_returns_are_submitted_again_then_approved(returns) -> None:
    from analytics.errors import AnalyticsError
    from analytics.signoff import set_signoff

    set_signoff(returns, "A", 2025, "submitted", "clerk-a", now=dt.datetime(2025, 9, 2, 9, 0))
    set_signoff(returns, "A", 2025, "returned", "county", note=" 学生名单缺毕业年份 ",
                now=dt.datetime(2025, 9, 3, 9, 0))
    assert reporting.signoff_states(returns, 2025) == {"A": "returned"}
    with pytest.raises(AnalyticsError) as info:  # returned: nothing to approve until sent again
        set_signoff(returns, "A", 2025, "approved", "county")
    assert info.value.code == "signoff-not-submitted"
    set_signoff(returns, "A", 2025, "submitted", "clerk-a", now=dt.datetime(2025, 9, 4, 9, 0))
    set_signoff(returns, "A", 2025, "approved", "county", now=dt.datetime(2025, 9, 5, 9, 0))
    with pytest.raises(AnalyticsError) as info:  # approved is final
        set_signoff(returns, "A", 2025, "submitted", "clerk-a")
    assert info.value.code == "signoff-already-approved"
    logged = returns.execute("SELECT user_name, details FROM audit_log WHERE action = 'signoff' "
                             "ORDER BY event_id").fetchall()
    assert [u for u, _ in logged] == ["clerk-a", "county", "clerk-a", "county"]
    assert '"note": "学生名单缺毕业年份"' in logged[1][1]  # the note, trimmed, for the school
    assert reporting.return_notes(returns, 2025) == {"A": "学生名单缺毕业年份"}
    assert reporting.return_notes(returns, 2024) == {}


def test_a_signoff_changes_the_data_version(returns) -> None:
    # the dashboard's cached reporting status is keyed on it: a sign-off must show at once
    from analytics import db
    from analytics.signoff import set_signoff

    before = db.data_version(returns)
    set_signoff(returns, "A", 2025, "submitted", "clerk-a")
    submitted = db.data_version(returns)
    set_signoff(returns, "A", 2025, "approved", "county")  # within the same second, as often
    assert len({before, submitted, db.data_version(returns)}) == 3


# -- Who may sign off: auth.refusal, the one place of permission checks --------------------------------

CLERK_A = auth.User("clerk-a", "researcher", ("A",))
LEADER_A = auth.User("head-a", "leader", ("A",))
EAST = auth.User("east", "leader", ("A",), counties=("东县",))  # A's county, resolved
WEST_CLERK = auth.User("west", "researcher", ("B", "C"), counties=("西县",))
VIEWER = auth.User("v", "viewer", ("A",), counties=("东县",))


@pytest.mark.parametrize(
    ("user", "status", "school", "code"),
    [
        (CLERK_A, "submitted", "A", None),  # a school's clerk or leader submits its own returns
        (LEADER_A, "submitted", "A", None),
        (CLERK_A, "submitted", "B", "auth-forbidden-school"),  # not theirs
        (LEADER_A, "approved", "A", "auth-forbidden-level"),  # a school never approves itself
        (LEADER_A, "returned", "A", "auth-forbidden-level"),
        (CLERK_A, "approved", "A", "auth-forbidden"),  # the role cannot, whatever the level
        (EAST, "approved", "A", None),  # the county's leader approves or returns its schools
        (EAST, "returned", "A", None),
        (EAST, "approved", "B", "auth-forbidden-school"),  # another county's school
        (WEST_CLERK, "approved", "B", "auth-forbidden"),
        (VIEWER, "submitted", "A", "auth-forbidden"),
        (auth.LOCAL_USER, "approved", "C", None),  # the local administrator does everything
    ],
)
def test_who_may_sign_off(returns, user, status, school, code) -> None:
    from analytics import actions

    if status != "submitted":
        actions.sign_off(returns, auth.LOCAL_USER, school, 2025, "submitted")  # a review needs a submission
    if code is None:
        actions.sign_off(returns, user, school, 2025, status, note="ok")
        assert reporting.signoff_states(returns, 2025)[school] == status
        return
    with pytest.raises(auth.AuthError) as info:
        actions.sign_off(returns, user, school, 2025, status)
    assert info.value.code == code
    denied = returns.execute("SELECT user_name, details FROM audit_log WHERE action = 'denied'").fetchall()
    action = "submit_returns" if status == "submitted" else "approve_returns"
    assert denied == [(user.name, f'{{"action": "{action}"}}')]
