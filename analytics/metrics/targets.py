"""The verdict of a headline against its target (SPEC §1, §3, §5): one rule for every screen.

* ``met``: value ≥ target;
* ``not_met``: below it; :func:`near` says whether it is within 90% of the target, a
  *shade* of not met that a screen may show, never a third verdict;
* ``no_data``: no value, or too few cases to judge (a denominator, a compared group or a
  wave below the small-group threshold).

``years_missed`` counts the most recent periods that missed the target in a row, over the
periods that have enough data (a period without enough data is skipped, not counted as a
miss or a success). The headlines (``analytics.metrics.headlines``) apply these rules.
"""

from __future__ import annotations

from collections.abc import Sequence

STATUSES = ("met", "not_met", "no_data")
NEAR = 0.9  # "within 90% of target": the shade of not met
_EPS = 1e-12  # a value equal to its target up to rounding counts as met


def status(value: float | None, target: float, enough: bool = True) -> str:
    """``met`` / ``not_met`` / ``no_data`` of ``value`` against ``target``."""
    if value is None or value != value or not enough:
        return "no_data"
    return "met" if value >= target - _EPS else "not_met"


def near(value: float | None, target: float, enough: bool = True) -> bool:
    """True when ``value`` misses ``target`` but reaches 90% of it (only for a positive target)."""
    return (status(value, target, enough) == "not_met" and target > 0
            and value >= NEAR * target - _EPS)  # type: ignore[operator]


def years_missed(values: Sequence[float | None], target: float) -> int:
    """Trailing run of misses over per-period ``values`` in order (``None`` = not enough data)."""
    run = 0
    for v in reversed([v for v in values if v is not None and v == v]):
        if v >= target - _EPS:
            break
        run += 1
    return run
