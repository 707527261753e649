"""The leadership group's actions (issue 19): recording with the figure of the day, status
changes and undo as import batches, the review of the next meeting with each figure's change,
and the actions as a sheet that imports back."""

from __future__ import annotations

import datetime as dt
import io
import math

import openpyxl
import pandas as pd
import pytest

from analytics import db, decisions, schema, snapshot, stats
from analytics.config import Settings
from analytics.decisions import Measure
from analytics.errors import DecisionError, UndoError
from analytics.filters import Filters
from analytics.ingest.load import list_batches
from analytics.ingest.pipeline import import_file
from tests.metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

S = Settings()
D = dt.date
MEETING = D(2025, 3, 14)
REVIEW = D(2025, 9, 10)


# -- The change since the decision -------------------------------------------------------------


@pytest.mark.parametrize(("then", "now"), [((33, 60), (36, 60)), ((44, 51), (52, 54)), ((0, 10), (10, 10)),
                                           ((5, 5), (1, 9))])
def test_mover_of_two_rates_is_newcombe(then, now) -> None:
    def reading(k: int, n: int) -> Measure:
        r = stats.rate(k, n)
        return Measure("initial_employment", "rate", r.value, r.ci_low, r.ci_high, k, n, "x")

    diff, low, high = decisions.mover(reading(*then), reading(*now))
    assert diff == pytest.approx(now[0] / now[1] - then[0] / then[1])
    assert (low, high) == pytest.approx(stats.newcombe_interval(*now, *then))


def test_mover_worked_by_hand() -> None:
    then = Measure("x", "pp", 0.10, 0.05, 0.15)
    now = Measure("x", "pp", 0.20, 0.16, 0.24)
    # diff 0.10; low = 0.10 − √(0.04² + 0.05²) = 0.10 − 0.0640312 = 0.0359688; high = 0.1640312.
    diff, low, high = decisions.mover(then, now)
    assert (diff, low, high) == pytest.approx((0.10, 0.0359688, 0.1640312), abs=1e-7)
    move = decisions.movement(then, now, "up")
    assert (move.direction, move.verdict, move.same_data) == ("up", "as_expected", False)
    assert decisions.movement(then, now, "down").verdict == "against"


@pytest.mark.parametrize(("now", "expected", "direction", "verdict"), [
    (Measure("x", "rate", 0.62, 0.55, 0.69, 62, 100, "2025"), "up", "similar", None),  # interval holds 0
    (Measure("x", "rate", 0.80, 0.75, 0.85, 80, 100, "2025"), "up", "up", "as_expected"),
    (Measure("x", "rate", 0.40, 0.35, 0.45, 40, 100, "2025"), "up", "down", "against"),
    (Measure("x", "rate", 0.40, 0.35, 0.45, 40, 100, "2025"), None, "down", None),  # nothing expected
    (Measure("x", "rate", None, period="2025"), "up", None, None),  # no value now
    (Measure("x", "rate", 0.62, None, None, None, None, "2025"), "up", None, None),  # no interval now
])
def test_direction_and_verdict(now, expected, direction, verdict) -> None:
    then = Measure("x", "rate", 0.60, 0.55, 0.65, 60, 100, "2024")
    move = decisions.movement(then, now, expected)
    assert (move.direction, move.verdict) == (direction, verdict)


def test_same_data_is_no_change() -> None:
    then = Measure("x", "rate", 0.6, 0.5, 0.7, 6, 10, "2024")
    move = decisions.movement(then, Measure("x", "rate", 0.6, 0.5, 0.7, 6, 10, "2024"), "up")
    assert (move.diff, move.direction, move.same_data, move.verdict) == (0.0, "similar", True, None)
    assert decisions.change_text(move, "en") == "no new data since the decision"


@pytest.mark.parametrize(("row", "value", "low", "high"), [
    ({"metric": "initial_employment", "baseline_value": 86.27, "baseline_low": 74.29, "baseline_high": 93.19},
     0.8627, 0.7429, 0.9319),  # typed as percentages
    ({"metric": "initial_employment", "baseline_value": 0.8627, "baseline_low": 0.7429, "baseline_high": 0.9319},
     0.8627, 0.7429, 0.9319),
    ({"metric": "satisfaction_improvement", "baseline_value": 5.2, "baseline_low": 2.0, "baseline_high": 8.4},
     5.2, 2.0, 8.4),  # points stay points
])
def test_baseline_typed_as_percentages(row, value, low, high) -> None:
    m = decisions.baseline(row)
    assert (m.value, m.low, m.high) == pytest.approx((value, low, high))
    assert decisions.baseline({"metric": None}) is None


@pytest.mark.parametrize("f", [
    Filters(), Filters(major="数控技术应用", model="2+1"), Filters(year_from=2023, year_to=2025, dual="in"),
    Filters(school="A&B=C", enterprise="E 1%"),
])
def test_filters_text_round_trip(f) -> None:
    text = decisions.filters_text(f)
    assert "%E" not in text  # Chinese stays readable
    assert decisions.filters_of(text) == f
    assert decisions.filters_of(text, ("S1",)).scope == ("S1",)
    assert decisions.filters_of("?garbage==&&") == Filters()


# -- Recording, changing, undoing ----------------------------------------------------------------


@pytest.fixture
def con():
    """Four enterprise mentors; 2 of 4 trained in teaching methods in 2024. A snapshot of the
    spring meeting's day."""
    con = make_db()
    insert(con, "schools", ["school_id", "school_name"], [("S1", "甲校")])
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type", "school_id"],
           [(f"Q{i}", f"师傅{i}", "enterprise", "S1") for i in range(1, 5)])
    insert(con, "mentor_training", ["mentor_id", "training_type", "start_date"],
           [("Q1", "teaching_methods", D(2024, 7, 8)), ("Q2", "teaching_methods", D(2024, 7, 8))])
    snapshot.set_snapshot_date(con, MEETING)
    return con


def _record(con, **kw):
    args = {"title": "组织企业导师教学能力培训，覆盖率不低于80%", "owner_side": "enterprise", "owner": "人力资源部",
            "due_on": D(2025, 7, 31), "metric": "enterprise_mentors_trained", "figure": Filters(), "expected": "up",
            "recorded_by": "王校长", "school_id": "S1"} | kw
    return decisions.record(con, S, **args)


def test_record_stores_the_figure_of_the_day(con) -> None:
    batch = _record(con)
    row = decisions.find(con, MEETING, "组织企业导师教学能力培训,覆盖率不低于80%")  # stored as the importer would
    assert row is not None
    # on 14 March 2025 the latest training year is 2024: 2 of 4 trained, Wilson 0.150–0.850.
    low, high = stats.wilson_interval(2, 4)
    assert (row["baseline_value"], row["baseline_low"], row["baseline_high"]) == pytest.approx((0.5, low, high))
    assert (row["baseline_numerator"], row["baseline_denominator"], row["baseline_period"]) == (2, 4, "2024")
    assert (row["action_status"], row["owner_side"], row["expected"]) == ("open", "enterprise", "up")
    assert pd.isna(row["figure_filters"])  # all data: no filter to store
    batches = list_batches(con)
    assert batches.loc[batches["batch_id"] == batch, "target_table"].tolist() == ["actions"]
    assert decisions.batches(con)["batch_id"].tolist() == [batch]


@pytest.mark.parametrize(("kw", "code"), [
    ({"title": "   "}, "action-title-missing"),
    ({"title": "事" * 201}, "action-title-too-long"),
    ({"owner_side": "government"}, "action-owner-side"),
    ({"due_on": D(2025, 3, 13)}, "action-due-before"),
    ({"expected": "sideways"}, "action-unknown-expected"),
    ({"metric": "no_such_figure"}, "action-unknown-metric"),
])
def test_record_refuses_bad_input_in_both_languages(con, kw, code) -> None:
    with pytest.raises(DecisionError) as err:
        _record(con, **kw)
    assert err.value.code == code
    assert err.value.message("zh") != f"error.{code}" and err.value.message("en") != f"error.{code}"
    assert decisions.actions(con).empty and list_batches(con).empty  # nothing stored


def test_the_same_action_twice_on_a_day_is_refused(con) -> None:
    _record(con)
    with pytest.raises(DecisionError) as err:
        _record(con, title="组织企业导师教学能力培训,覆盖率不低于80%")
    assert err.value.code == "action-exists"


def test_status_changes_and_undo_like_an_import(con) -> None:
    recorded = _record(con, metric=None)
    title = "组织企业导师教学能力培训,覆盖率不低于80%"
    snapshot.set_snapshot_date(con, D(2025, 7, 20))
    done = decisions.set_status(con, MEETING, title, "done")
    row = decisions.find(con, MEETING, title)
    assert (row["action_status"], row["done_on"]) == ("done", D(2025, 7, 20))
    decisions.undo(con, done)  # the previous version comes back
    row = decisions.find(con, MEETING, title)
    assert row["action_status"] == "open" and pd.isna(row["done_on"])
    with pytest.raises(UndoError):
        decisions.undo(con, done)  # already undone
    decisions.undo(con, recorded)
    assert decisions.find(con, MEETING, title) is None
    with pytest.raises(DecisionError) as err:
        decisions.set_status(con, MEETING, title, "done")
    assert err.value.code == "action-unknown"


def test_undo_refuses_a_batch_of_another_table(con, tmp_path) -> None:
    path = tmp_path / "schools.csv"
    path.write_text("学校代码,学校名称\nS2,乙校\n", encoding="utf-8")
    (result,) = import_file(con, path)
    with pytest.raises(DecisionError) as err:
        decisions.undo(con, result.batch_id)
    assert err.value.code == "action-batch-unknown"


def test_done_before_the_decision_is_refused(con) -> None:
    _record(con, metric=None)
    with pytest.raises(DecisionError) as err:
        decisions.set_status(con, MEETING, "组织企业导师教学能力培训,覆盖率不低于80%", "done", done_on=D(2025, 1, 1))
    assert err.value.code == "action-done-before"


# -- The review -------------------------------------------------------------------------------


def test_review_of_the_next_meeting(con) -> None:
    _record(con)  # 2024: 2 of 4 trained
    _record(con, title="修订企业导师管理办法", owner_side="school", metric=None, due_on=D(2025, 12, 31))
    insert(con, "actions", ["decided_on", "title", "owner_side", "due_on", "action_status"], [
        (D(2024, 9, 20), "上次会议的未完成事项", "school", D(2024, 12, 31), "open"),  # carried over, overdue
        (D(2024, 9, 20), "上次会议的已完成事项", "school", D(2024, 12, 31), "done"),  # closed: not shown
    ])
    # 2025: Q1, Q2, Q3 trained: 3 of 4.
    insert(con, "mentor_training", ["mentor_id", "training_type", "start_date"],
           [(f"Q{i}", "teaching_methods", D(2025, 7, 7)) for i in (1, 2, 3)])
    review = decisions.review(con, Filters(), S, REVIEW)
    assert (review.day, review.meeting) == (REVIEW, MEETING)
    got = [(i.action["title"], i.state, i.carried, i.days_overdue) for i in review.items]
    # overdue first (most days of any overdue at the same state order by due date), then open
    assert got == [
        ("上次会议的未完成事项", "overdue", True, 253),  # 2024-12-31 → 2025-09-10
        ("组织企业导师教学能力培训,覆盖率不低于80%", "overdue", False, 41),  # 2025-07-31 → 2025-09-10
        ("修订企业导师管理办法", "open", False, 0),
    ]
    move = review.items[1].movement
    # 2 of 4 (2024) → 3 of 4 (2025): +0.25, Newcombe 95% interval of 3/4 − 2/4 includes 0: similar.
    assert (move.then.value, move.now.value, move.now.period) == (0.5, 0.75, "2025")
    assert (move.low, move.high) == pytest.approx(stats.newcombe_interval(3, 4, 2, 4))
    assert (move.direction, move.verdict) == ("similar", None)
    assert review.count("overdue") == 2 and review.count("done") == 0
    text = decisions.item_text(review.items[1], "zh")
    assert "已逾期 41 天" in text and "50.0%" in text and "75.0%" in text and "相近" in text
    en = decisions.item_text(review.items[1], "en")
    assert "Overdue by 41 days" in en and "similar to" in en
    overdue = decisions.overdue(con, Filters(), S, REVIEW)
    assert [(r["title"], r["days_overdue"]) for r in overdue] == [("上次会议的未完成事项", 253),
                                                                   ("组织企业导师教学能力培训,覆盖率不低于80%", 41)]


def test_review_sees_only_the_scope(con) -> None:
    _record(con, school_id="S1", metric=None)
    insert(con, "actions", ["decided_on", "title", "owner_side", "due_on", "school_id"],
           [(MEETING, "乙校事项", "school", D(2025, 4, 1), "S2")])
    titles = [i.action["title"] for i in decisions.review(con, Filters(scope=("S1",)), S, REVIEW).items]
    assert titles == ["组织企业导师教学能力培训,覆盖率不低于80%"]
    assert decisions.review(con, Filters(scope=("S3",)), S, REVIEW).items == ()


def test_no_actions_no_meeting(con) -> None:
    review = decisions.review(con, Filters(), S, REVIEW)
    assert (review.meeting, review.items) == (None, ())


# -- The sheet -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_export_imports_back_unchanged(con, lang, tmp_path) -> None:
    _record(con, title="=SUM(A1)", owner="+人事部")  # formula-looking text stays text
    decisions.set_status(con, MEETING, "=SUM(A1)", "done")
    data = decisions.export_xlsx(con, None, lang)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[1]]
    assert header[:2] == ["决策日期（Decided on）", "事项（Action）"]
    assert ws.cell(2, 2).value == "'=SUM(A1)"
    fresh = make_db()
    (result,) = import_file(fresh, data, file_name="actions.xlsx")
    assert result.table == "actions" and result.rejected == 0, [i.message("en") for i in result.issues]
    cols = [c.name for c in schema.table("actions").columns]
    before = decisions.actions(con)[cols]
    after = decisions.actions(fresh)[cols]
    after["title"] = after["title"].str.lstrip("'")  # the escape apostrophe of the sheet
    after["owner"] = after["owner"].str.lstrip("'")
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True), check_dtype=False)
    # the same sheet again into the store it came from changes nothing once the escapes are dropped
    (again,) = import_file(fresh, data, file_name="actions.xlsx")
    assert again.status == "unchanged"


def test_measure_of_every_figure_on_an_empty_store() -> None:
    con = make_db()
    for metric in schema.METRICS:
        m = decisions.measure(con, metric, Filters(), S, REVIEW)
        assert m.metric == metric and m.scale == decisions.scale_of(metric)
        assert m.value is None or math.isnan(m.value) or m.denominator == 0 or m.metric == "agreement_coverage"
    assert set(decisions.FIGURES) == set(schema.METRICS)
