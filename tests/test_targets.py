"""Targets: the status rule (met / not met / no data, near as a shade) and consecutive years missed.

Every headline against its target on fixtures is in test_headlines.py."""

from __future__ import annotations

import pytest
from analytics.metrics import targets as t


@pytest.mark.parametrize(
    ("value", "target", "enough", "expected", "near"),
    [
        (0.20, 0.18, True, "met", False),
        (0.18, 0.18, True, "met", False),
        (0.6 / 0.5 - 1 - 0.02, 0.18, True, "met", False),  # 0.18 up to floating-point rounding
        (0.162, 0.18, True, "not_met", True),  # 0.9 * 0.18 = 0.162: a shade of not met, not a verdict
        (0.1619, 0.18, True, "not_met", False),
        (-0.05, 0.18, True, "not_met", False),
        (0.95, 1.0, True, "not_met", True),
        (0.89, 1.0, True, "not_met", False),
        (-0.1, -0.05, True, "not_met", False),  # a negative target has no "near" band
        (None, 0.9, True, "no_data", False),
        (float("nan"), 0.9, True, "no_data", False),
        (0.95, 0.9, False, "no_data", False),  # too few cases to judge
    ],
)
def test_status_and_near(value: float | None, target: float, enough: bool, expected: str, near: bool) -> None:
    assert t.status(value, target, enough) == expected
    assert t.near(value, target, enough) is near
    assert t.STATUSES == ("met", "not_met", "no_data")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.95, 0.85, 0.80], 2),  # the last two years missed 0.9
        ([0.80, 0.95], 0),
        ([0.80, 0.85, None], 2),  # the year without enough data is skipped
        ([0.80, None, 0.85], 2),
        ([], 0),
        ([None], 0),
    ],
)
def test_years_missed(values: list[float | None], expected: int) -> None:
    assert t.years_missed(values, 0.9) == expected
