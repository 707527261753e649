"""Statistics behind every rate: Wilson intervals, group comparisons, stratified and
clustered estimates, trend slopes.

SPEC §3: every rate carries its numerator, denominator and a 95% Wilson score interval,
and is flagged ``small_n`` below the small-group threshold. An improvement compares a
group with a baseline: difference (Newcombe's hybrid score interval, method 10 of
Newcombe 1998), relative change, and a two-sided pooled two-proportion z-test.
Issue 12 adds the Mantel–Haenszel comparison stratified by major × year
(:func:`mantel_haenszel`), the cluster-robust interval of a mean and of a difference of
means when ratings are nested in enterprises (:func:`cluster_mean_interval`,
:func:`cluster_diff_interval`), difference-in-differences (:func:`diff_in_diff`) and the
one rule that words a change (:func:`direction`).

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


def direction(low: float | None, high: float | None) -> str | None:
    """How a change may be worded: ``"up"`` when its 95% interval lies above 0, ``"down"``
    below 0, otherwise ``"similar"`` (NCVER's "similar to"); ``None`` without an interval."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return None
    if low > 0:
        return "up"
    if high < 0:
        return "down"
    return "similar"


def normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def chi2_sf(x: float, df: int) -> float:
    """Upper tail P(X >= x) of a chi-square with a whole number ``df`` of degrees of freedom.

    Closed forms (Abramowitz & Stegun 26.4.4–5): for even df the Poisson sum
    exp(−x/2) Σ_{i<df/2} (x/2)^i / i!, for odd df erfc(√(x/2)) plus a finite series; exact
    to rounding, so no special-function library is needed at run time.
    """
    if df < 1 or int(df) != df:
        raise ValueError(f"df must be a whole number >= 1, not {df!r}")
    if x <= 0:
        return 1.0
    half = x / 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, df // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    total = math.erfc(math.sqrt(half))
    term = math.sqrt(half) * 2 / math.sqrt(math.pi)  # (x/2)^(1/2) / Γ(3/2)
    for i in range(1, (df + 1) // 2):
        total += math.exp(-half) * term
        term *= half / (i + 0.5)
    return min(1.0, total)


@dataclass(frozen=True)
class Stratum:
    """One 2×2 table: ``a`` of ``n1`` in the group succeeded, ``c`` of ``n0`` in the baseline."""

    a: int
    n1: int
    c: int
    n0: int

    @property
    def informative(self) -> bool:
        """Both groups present: a stratum with one group alone says nothing about the difference."""
        return self.n1 > 0 and self.n0 > 0


@dataclass(frozen=True)
class MantelHaenszel:
    """The Mantel–Haenszel comparison of a group with a baseline over strata.

    ``rd`` risk difference (fraction) with its interval (Greenland–Robins variance, as in
    RevMan 5); ``rr`` risk ratio with a log-scale interval (Greenland–Robins); ``relative``
    = rr − 1; ``or_`` the MH odds ratio; ``p_value`` of the Cochran–Mantel–Haenszel test
    (no continuity correction); ``homogeneity_p`` of the Breslow–Day test with Tarone's
    correction (do the strata share one odds ratio?), ``homogeneity_df`` its degrees of
    freedom; ``strata`` informative strata / all strata.
    """

    rd: float | None
    rd_low: float | None
    rd_high: float | None
    rr: float | None
    rr_low: float | None
    rr_high: float | None
    or_: float | None
    p_value: float | None
    homogeneity: float | None
    homogeneity_df: int
    homogeneity_p: float | None
    strata: int
    informative: int

    @property
    def relative(self) -> float | None:
        return None if self.rr is None else self.rr - 1

    def as_dict(self) -> dict:
        return {
            "diff": self.rd, "diff_pp": None if self.rd is None else 100 * self.rd,
            "ci_low": self.rd_low, "ci_high": self.rd_high,
            "risk_ratio": self.rr, "rr_ci_low": self.rr_low, "rr_ci_high": self.rr_high,
            "relative": self.relative, "odds_ratio": self.or_, "p_value": self.p_value,
            "homogeneity_chi2": self.homogeneity, "homogeneity_df": self.homogeneity_df,
            "homogeneity_p": self.homogeneity_p, "strata": self.strata, "informative_strata": self.informative,
        }


def _breslow_day(tables: list[Stratum], odds: float) -> tuple[float | None, int, float | None]:
    """Breslow–Day statistic with Tarone's correction for a common odds ratio ``odds``.

    Each stratum's expected ``a`` under ``odds`` solves the quadratic of fixed margins;
    strata whose margins leave ``a`` no freedom (everyone passed, or nobody) are left out.
    """
    stat, sum_diff, sum_var, used = 0.0, 0.0, 0.0, 0
    for t in tables:
        m1 = t.a + t.c  # successes in the stratum
        lo, hi = max(0, m1 - t.n0), min(t.n1, m1)
        if hi <= lo:
            continue
        # (1 − OR)·A² + (n0 − m1 + OR·(n1 + m1))·A − OR·n1·m1 = 0, root in [lo, hi]
        qa, qb, qc = 1 - odds, t.n0 - m1 + odds * (t.n1 + m1), -odds * t.n1 * m1
        if abs(qa) < 1e-12:
            expected = -qc / qb
        else:
            disc = math.sqrt(max(qb * qb - 4 * qa * qc, 0.0))
            roots = ((-qb + disc) / (2 * qa), (-qb - disc) / (2 * qa))
            expected = next(r for r in roots if lo - 1e-9 <= r <= hi + 1e-9)
        cells = (expected, t.n1 - expected, m1 - expected, t.n0 - m1 + expected)
        if min(cells) <= 0:
            continue
        var = 1 / sum(1 / x for x in cells)
        stat += (t.a - expected) ** 2 / var
        sum_diff += t.a - expected
        sum_var += var
        used += 1
    if used < 2:
        return None, 0, None
    stat -= sum_diff**2 / sum_var
    return stat, used - 1, chi2_sf(stat, used - 1)


def mantel_haenszel(strata: Iterable[Stratum], z: float = Z95) -> MantelHaenszel:
    """Mantel–Haenszel risk difference, risk ratio and odds ratio of a group against a
    baseline over ``strata`` (e.g. major × year), with 95% intervals, the CMH test and
    the Breslow–Day–Tarone homogeneity test.

    Formulas of the RevMan 5 statistical algorithms (Deeks & Higgins 2010): with
    w = n1·n0/N, RD = Σ w(p1 − p0) / Σ w, Var(RD) = Σ (a·b·n0³ + c·d·n1³)/(n1·n0·N²) / (Σ w)²;
    RR = Σ a·n0/N / Σ c·n1/N, Var(ln RR) = Σ (n1·n0·(a + c) − a·c·N)/N² / (R·S).
    Estimates are ``None`` when no stratum has both groups (or, for the ratios, when a
    sum in a denominator is 0).
    """
    tables = list(strata)
    used = [t for t in tables if t.informative]
    none = MantelHaenszel(None, None, None, None, None, None, None, None, None, 0, None, len(tables), len(used))
    if not used:
        return none
    w_sum = rd_num = rd_var = r_sum = s_sum = p_sum = or_num = or_den = 0.0
    obs_minus_exp = cmh_var = 0.0
    for t in used:
        n = t.n1 + t.n0
        b, d = t.n1 - t.a, t.n0 - t.c
        w_sum += t.n1 * t.n0 / n
        rd_num += (t.a * t.n0 - t.c * t.n1) / n
        rd_var += (t.a * b * t.n0**3 + t.c * d * t.n1**3) / (t.n1 * t.n0 * n * n)
        r_sum += t.a * t.n0 / n
        s_sum += t.c * t.n1 / n
        p_sum += (t.n1 * t.n0 * (t.a + t.c) - t.a * t.c * n) / (n * n)
        or_num += t.a * d / n
        or_den += b * t.c / n
        m1 = t.a + t.c
        obs_minus_exp += t.a - t.n1 * m1 / n
        if n > 1:
            cmh_var += t.n1 * t.n0 * m1 * (n - m1) / (n * n * (n - 1))
    rd = rd_num / w_sum
    half = z * math.sqrt(rd_var) / w_sum
    rr = rr_low = rr_high = None
    if r_sum > 0 and s_sum > 0:
        rr = r_sum / s_sum
        se = math.sqrt(p_sum / (r_sum * s_sum))
        rr_low, rr_high = rr * math.exp(-z * se), rr * math.exp(z * se)
    elif s_sum > 0:
        rr = 0.0
    odds = or_num / or_den if or_den > 0 and or_num > 0 else None
    p = chi2_sf(obs_minus_exp**2 / cmh_var, 1) if cmh_var > 0 else None
    homogeneity, df, homogeneity_p = _breslow_day(used, odds) if odds is not None else (None, 0, None)
    return MantelHaenszel(rd, rd - half, rd + half, rr, rr_low, rr_high, odds, p, homogeneity, df,
                          homogeneity_p, len(tables), len(used))


def diff_in_diff(
    treated_before: Rate, treated_after: Rate, control_before: Rate, control_after: Rate, z: float = Z95
) -> dict:
    """Difference-in-differences of four independent proportions: (treated after − before) −
    (control after − before), with a Wald 95% interval (the four binomial variances add)
    and a two-sided z-test p-value. Values ``None`` when a group is empty."""
    rates = (treated_before, treated_after, control_before, control_after)
    if any(r.value is None for r in rates):
        return {"value": None, "ci_low": None, "ci_high": None, "p_value": None}
    tb, ta, cb, ca = (r.value for r in rates)
    value = (ta - tb) - (ca - cb)
    se = math.sqrt(sum(r.value * (1 - r.value) / r.denominator for r in rates))
    if se == 0:
        return {"value": value, "ci_low": value, "ci_high": value, "p_value": None}
    return {"value": value, "ci_low": value - z * se, "ci_high": value + z * se, "p_value": normal_p(value / se)}


def cluster_mean_interval(sums: np.ndarray, counts: np.ndarray, z: float = Z95) -> tuple[float | None, float | None]:
    """Cluster-robust 95% interval of the mean Σsums / Σcounts, from per-cluster sums.

    The sandwich of a regression on a constant: residual sums S_g − m·M_g, CR1 factor
    G/(G − 1) (the (N − 1)/(N − K) factor is 1 with K = 1), normal quantile — statsmodels'
    ``OLS(y, 1).fit(cov_type="cluster")``. Scores nested in enterprises are clustered by
    enterprise. ``(None, None)`` with fewer than two clusters.
    """
    sums, counts = np.asarray(sums, dtype="float64"), np.asarray(counts, dtype="float64")
    g, n = len(counts), counts.sum()
    if g < 2 or n < 2:
        return None, None
    m = sums.sum() / n
    se = math.sqrt(g / (g - 1) * ((sums - m * counts) ** 2).sum()) / n
    return m - z * se, m + z * se


def cluster_diff_interval(
    s1: np.ndarray, m1: np.ndarray, s2: np.ndarray, m2: np.ndarray, z: float = Z95
) -> tuple[float | None, float | None]:
    """Cluster-robust 95% interval of mean₂ − mean₁, from per-cluster sums and counts of the
    two samples aligned by cluster (0 where a cluster is absent from one).

    The sandwich of the regression on a constant and a sample-2 indicator, whose slope is the
    difference: Var = G/(G − 1)·(N − 1)/(N − 2)·Σ_g (R₂g/M₂ − R₁g/M₁)², with Rwg = Swg − mean_w·Mwg
    — statsmodels' ``OLS(...).fit(cov_type="cluster")``. A cluster answering both samples
    adds the covariance of its two means. ``(None, None)`` with fewer than two clusters.
    """
    s1, m1, s2, m2 = (np.asarray(x, dtype="float64") for x in (s1, m1, s2, m2))
    n1, n2 = m1.sum(), m2.sum()
    g = int(((m1 + m2) > 0).sum())
    n = n1 + n2
    if g < 2 or n1 == 0 or n2 == 0 or n <= 2:
        return None, None
    mean1, mean2 = s1.sum() / n1, s2.sum() / n2
    u = (s2 - mean2 * m2) / n2 - (s1 - mean1 * m1) / n1
    se = math.sqrt(g / (g - 1) * (n - 1) / (n - 2) * (u**2).sum())
    diff = mean2 - mean1
    return diff - z * se, diff + z * se
