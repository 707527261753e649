"""The demo's story of closing the loop (issue 19), as data/sample/README.md tells it: a
snapshot of 10 September 2025 with actions done, one overdue whose figure has not moved, an
agreement about to expire, partners without one, mentors behind on practice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import db, decisions, sample, snapshot
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import agreements, stages, training

S = Settings()
DAY = dt.date(2025, 9, 10)


@pytest.fixture(scope="module")
def con(demo_db: Path):
    con = db.connect(demo_db)  # read-write like the other users of the shared file; nothing is written
    yield con
    con.close()


def test_the_demo_is_a_snapshot_of_its_day(con) -> None:
    assert snapshot.snapshot_date(con) == sample.DEMO_DAY == DAY
    assert snapshot.today(con) == DAY
    assert snapshot.today(con, dt.date(2030, 1, 1)) == dt.date(2030, 1, 1)  # a day given wins


def test_last_meeting_review(con) -> None:
    review = decisions.review(con, Filters(), S)
    assert review.meeting == sample.SPRING_MEETING and not any(i.carried for i in review.items)
    assert sorted(i.state for i in review.items) == ["done", "done", "open", "overdue"]
    late = next(i for i in review.items if i.state == "overdue")
    # 33 of 60 enterprise mentors trained in 2024 → 36 of 60 in 2025: +5 pp, Newcombe interval
    # includes 0: the figure has not moved.
    m = late.movement
    assert (m.then.numerator, m.then.denominator, m.now.numerator, m.now.denominator) == (33, 60, 36, 60)
    assert m.direction == "similar" and late.days_overdue == 41
    up = next(i for i in review.items if i.action["metric"] == "school_mentors_trained").movement
    assert (up.then.numerator, up.now.numerator, up.direction, up.verdict) == (27, 49, "up", "as_expected")


@pytest.mark.parametrize(("metric", "figure"), [
    ("school_mentors_trained", Filters(year_to=2024)),
    ("enterprise_mentors_trained", Filters(year_to=2024)),
    ("initial_employment", Filters(major="计算机网络技术", year_to=2024)),
])
def test_values_on_the_day_are_what_the_dashboard_showed_then(con, metric, figure) -> None:
    # The generator writes the values of the meeting's day (latest year then: 2024) from its own
    # arrays; they must equal the figures read from the loaded data up to that year.
    row = decisions.actions(con).query("metric == @metric and decided_on == @spring",
                                       local_dict={"metric": metric, "spring": sample.SPRING_MEETING}).iloc[0]
    stored = decisions.baseline(row.to_dict())
    read = decisions.measure(con, metric, figure, S, DAY)
    assert (stored.numerator, stored.denominator, stored.period) == (read.numerator, read.denominator, read.period)
    assert stored.value == pytest.approx(read.value, abs=5e-5)  # typed with two decimals of a percentage
    assert stored.low == pytest.approx(read.low, abs=5e-5) and stored.high == pytest.approx(read.high, abs=5e-5)


def test_agreements_story(con) -> None:
    soon = agreements.expiring(con, Filters(), S, DAY)
    assert soon["enterprise_name"].tolist() == ["临江远航汽车零部件有限公司"] and soon["days_left"].tolist() == [51]
    without = agreements.unsecured(con, Filters(), S, DAY)
    assert len(without) == 3 and without["state"].isna().sum() == 1  # two lapsed, one never signed
    duties = agreements.obligations(con, Filters(), S, DAY)
    assert (duties["overall"] == "short").sum() == 4
    r = agreements.coverage(con, Filters(), S, DAY)
    assert (r.numerator, r.denominator) == (27, 30)


def test_training_and_stages_story(con) -> None:
    assert training.trained_rate(con, Filters(), S, "enterprise")[1].numerator == 36
    assert training.trained_rate(con, Filters(), S, "school")[1].numerator == 49
    practice = training.practice(con, Filters(), S, DAY)
    assert (len(practice), int(practice["on_track"].sum())) == (60, 48)
    assert (practice["days"] == 0).sum() >= 2  # some have never practised since appointment
    assert len(stages.overdue(con, Filters(), S, DAY)) == 9
