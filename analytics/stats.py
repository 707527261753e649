"""Statistics behind every rate: Wilson intervals, group comparisons, trend slopes.

SPEC §3: every rate carries its numerator, denominator and a 95% Wilson score interval,
and is flagged ``small_n`` below the small-group threshold. An improvement compares a
group with a baseline: difference (Newcombe's hybrid score interval, method 10 of
Newcombe 1998), relative change, and a two-sided pooled two-proportion z-test.

All values are fractions (0.873), never percentages; ``None`` means "no data".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


@dataclass(frozen=True)
class Rate:
    """A proportion with everything needed to judge it."""

    numerator: int
    denominator: int
    value: float | None
    ci_low: float | None
    ci_high: float | None
    small_n: bool

    def as_dict(self) -> dict:
        """JSON-ready form: ``{"value", "numerator", "denominator", "ci_low", "ci_high", "small_n"}``."""
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "small_n": self.small_n,
        }


def wilson_interval(
    k: int, n: int, z: float = Z95
) -> tuple[float, float] | tuple[None, None]:
    """Wilson score interval of ``k`` successes in ``n`` trials; ``(None, None)`` when n == 0.

    Unlike the Wald interval it stays inside [0, 1] and is honest at k = 0 and k = n.
    """
    if n <= 0:
        return (None, None)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, center - half), min(1.0, center + half))


def rate(k: int, n: int, small_n: int = 10) -> Rate:
    """``k`` of ``n`` as a :class:`Rate` (value and interval ``None`` when n == 0)."""
    k, n = int(k), int(n)
    low, high = wilson_interval(k, n)
    return Rate(
        numerator=k,
        denominator=n,
        value=k / n if n > 0 else None,
        ci_low=low,
        ci_high=high,
        small_n=n < small_n,
    )


def add_rate_columns(
    df: pd.DataFrame,
    small_n: int = 10,
    num: str = "numerator",
    den: str = "denominator",
) -> pd.DataFrame:
    """Return ``df`` with ``rate``, ``ci_low``, ``ci_high`` and ``small_n`` columns added.

    Vectorised Wilson interval over a grouped frame; rows with a zero denominator get NaN.
    """
    k = df[num].to_numpy(dtype="float64")
    n = df[den].to_numpy(dtype="float64")
    z2 = Z95 * Z95
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        denom = 1 + z2 / n
        center = (p + z2 / (2 * n)) / denom
        half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    out = df.copy()
    out["rate"] = p
    out["ci_low"] = np.where(n > 0, np.maximum(0.0, center - half), np.nan)
    out["ci_high"] = np.where(n > 0, np.minimum(1.0, center + half), np.nan)
    out["small_n"] = n < small_n
    return out


def newcombe_interval(
    k1: int, n1: int, k2: int, n2: int, z: float = Z95
) -> tuple[float, float] | tuple[None, None]:
    """Newcombe hybrid score 95% interval of p1 - p2 (built from the two Wilson intervals)."""
    if n1 <= 0 or n2 <= 0:
        return (None, None)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (low, high)


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test of p1 == p2.

    ``None`` when undefined: an empty group, or both groups all-success or all-failure
    (pooled variance zero).
    """
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (k1 + k2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return None
    z = (k1 / n1 - k2 / n2) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class Comparison:
    """A group's rate against a baseline's: difference, relative change, interval, p-value."""

    group: Rate
    baseline: Rate
    diff: float | None
    relative: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None

    def as_dict(self) -> dict:
        """JSON-ready form; ``value`` is the relative change, ``ci_*`` bound the difference."""
        return {
            "value": self.relative,
            "diff": self.diff,
            "diff_pp": None if self.diff is None else 100 * self.diff,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "group": self.group.as_dict(),
            "baseline": self.baseline.as_dict(),
        }


def compare(group: Rate, baseline: Rate) -> Comparison:
    """Compare ``group`` with ``baseline`` (relative change = group / baseline - 1)."""
    k1, n1, k2, n2 = group.numerator, group.denominator, baseline.numerator, baseline.denominator
    if group.value is None or baseline.value is None:
        diff = None
    else:
        diff = group.value - baseline.value
    relative = (
        group.value / baseline.value - 1
        if group.value is not None and baseline.value
        else None
    )
    low, high = newcombe_interval(k1, n1, k2, n2)
    return Comparison(
        group=group,
        baseline=baseline,
        diff=diff,
        relative=relative,
        ci_low=low,
        ci_high=high,
        p_value=two_proportion_p(k1, n1, k2, n2),
    )


def slope_per_year(xs: Iterable[float], ys: Iterable[float | None]) -> float | None:
    """Least-squares slope of ``ys`` on ``xs`` (per unit of x); ``None`` with < 2 distinct x.

    Pairs whose y is missing are left out.
    """
    pairs = [
        (float(x), float(y))
        for x, y in zip(xs, ys, strict=True)
        if y is not None and not (isinstance(y, float) and math.isnan(y))
    ]
    if len({x for x, _ in pairs}) < 2:
        return None
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    return sxy / sxx
