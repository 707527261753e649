"""Funding totals, execution rate and shares against hand arithmetic."""

from __future__ import annotations

import json
import math

import pytest

from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.metrics import funding
from tests.metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

# year, source, category, budget, spent (the 2024 enterprise line has not reported spending)
ROWS = [
    (2023, "school", "equipment", 100.0, 80.0),
    (2023, "government", "training", 200.0, 200.0),
    (2024, "school", "equipment", 100.0, 50.0),
    (2024, "enterprise", "training", 100.0, None),
    (2024, "government", "equipment", 300.0, 240.0),
]


@pytest.fixture
def con():
    con = make_db()
    insert(con, "funding", ["year", "source", "category", "budget", "spent"], ROWS)
    yield con
    con.close()


def _records(df) -> list[tuple]:
    return [
        tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
        for row in df[["group", "budget", "spent", "execution_rate", "budget_share", "spent_share"]].itertuples(
            index=False
        )
    ]


@pytest.mark.parametrize(
    ("by", "filters", "expected"),
    [
        # 2023: 300 budget, 280 spent -> 280/300; 2024: 500 budget, 290 spent, execution over the
        # complete lines 290 / (100 + 300); shares of 800 budget and 570 spent
        ("year", Filters(), [(2023, 300.0, 280.0, 280 / 300, 300 / 800, 280 / 570),
                             (2024, 500.0, 290.0, 290 / 400, 500 / 800, 290 / 570)]),
        # schema order school, government, enterprise; enterprise spent unknown -> no rate, no share
        ("source", Filters(), [("school", 200.0, 130.0, 130 / 200, 200 / 800, 130 / 570),
                               ("government", 500.0, 440.0, 440 / 500, 500 / 800, 440 / 570),
                               ("enterprise", 100.0, None, None, 100 / 800, None)]),
        # largest budget first: equipment 500 (spent 370), training 300 (spent 200 of the complete 200)
        ("category", Filters(), [("equipment", 500.0, 370.0, 370 / 500, 500 / 800, 370 / 570),
                                 ("training", 300.0, 200.0, 200 / 200, 300 / 800, 200 / 570)]),
        # 2024 only: school 100/50, enterprise 100/-, government 300/240; totals 500 and 290
        ("source", Filters(year_from=2024), [("school", 100.0, 50.0, 0.5, 0.2, 50 / 290),
                                             ("government", 300.0, 240.0, 0.8, 0.6, 240 / 290),
                                             ("enterprise", 100.0, None, None, 0.2, None)]),
        # student filters do not apply to funding
        ("year", Filters(school="X", year_to=2023),
         [(2023, 300.0, 280.0, 280 / 300, 1.0, 1.0)]),
    ],
)
def test_funding_by(con, by, filters, expected) -> None:
    got = _records(funding.funding_by(con, filters, Settings(), by))
    assert [g[0] for g in got] == [e[0] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g[1:] == tuple(None if v is None else pytest.approx(v) for v in e[1:])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # 800 budget, 570 spent; execution over complete lines 570 / 700
        (Filters(), (800.0, 570.0, 570 / 700)),
        (Filters(year_from=2023, year_to=2023), (300.0, 280.0, 280 / 300)),
        (Filters(year_from=2030), (None, None, None)),  # no rows: no data, not 0
    ],
)
def test_totals(con, filters, expected) -> None:
    out = funding.totals(con, filters, Settings())
    assert (out["budget"], out["spent"]) == expected[:2]
    assert out["execution_rate"] == (None if expected[2] is None else pytest.approx(expected[2]))


def test_headline(con) -> None:
    out = funding.headline(con, Filters(), Settings())["funding"]
    assert out["budget"] == 800.0 and out["spent"] == 570.0
    assert out["sources"]["government"] == {"budget_share": 0.625, "spent_share": pytest.approx(440 / 570)}
    assert out["sources"]["enterprise"]["spent_share"] is None
    json.dumps(out)


def test_unknown_grouping(con) -> None:
    with pytest.raises(AnalyticsError) as err:
        funding.funding_by(con, Filters(), Settings(), "school")
    assert err.value.code == "program-unknown-grouping"


def test_totals_count_the_lines_the_rate_leaves_out(con) -> None:
    # 5 lines; the 2024 enterprise line (budget 100) has no spent figure: 4 lines in the rate
    out = funding.totals(con, Filters(), Settings())
    assert (out["lines"], out["lines_in_rate"], out["lines_without_spent"], out["budget_without_spent"]) == (
        5, 4, 1, 100.0)
    assert funding.totals(con, Filters(year_to=2023), Settings())["lines_without_spent"] == 0
