"""Schools side by side: each school's headline rate with its interval, a funnel plot's
control limits, and an indirectly standardised ratio (SPEC §3 rates, issue 15).

**Crude rate** per school: the metric's own definition (``certificates.pass_rates_by``,
``employment.initial_employment_by`` by school), with its 95% Wilson interval. The pass
rate pools the filter's years (every exam sat); initial employment is the latest
graduation year in the filter, as in the headline.

**Reference**: every school the user may see (the scope: a county user's county, a bureau's
region) pooled: ``p0`` = Σ numerators / Σ denominators. A scoped user is never compared
with rows they may not see.

**Funnel limits** at a school's denominator ``n``: ``p0 ± z·√(p0(1−p0)/n)``, clipped to
[0, 1], with z = 1.959964 (95%) and z = 3.090232 (99.8%). A school outside the 99.8% limits
is unusual (about 1 in 500 by chance alone), between 95% and 99.8% a warning; inside, its
difference from the reference is what chance gives a school of that size.

**Indirect standardisation** by major × year (strata ``j``): the reference rate of each
stratum ``p_j`` (pooled over the scope's schools), the school's expected count
``E = Σ_j n_ij·p_j`` and observed ``O = Σ_j o_ij``; ratio ``O/E`` with Byar's approximation
of the exact Poisson interval,
``low = O·(1 − 1/(9O) − z/(3√O))³ / E``, ``high = (O+1)·(1 − 1/(9(O+1)) + z/(3√(O+1)))³ / E``,
and the standardised rate ``O/E × p0``: what the school's rate would be with the region's
mix of majors and years. Rows without a major or year are in the crude rate only.
"""

from __future__ import annotations

import math
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from analytics import hierarchy, stats
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import certificates, employment, query

INDICATORS = ("certificate_pass_rate", "initial_employment_rate")
Z95 = 1.959964
Z998 = 3.090232
COLUMNS = ["school_id", "school_name", "county", "region", "numerator", "denominator", "rate", "ci_low", "ci_high",
           "small_n", "reference", "lim95_low", "lim95_high", "lim998_low", "lim998_high", "position", "observed",
           "expected", "ratio", "ratio_low", "ratio_high", "standardised"]


def control_limits(p0: float, n: np.ndarray | float, z: float) -> tuple[np.ndarray, np.ndarray]:
    """The funnel's limits around ``p0`` at denominators ``n`` (normal approximation to the
    binomial, clipped to [0, 1]); NaN where n is 0."""
    n = np.asarray(n, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.where(n > 0, z * np.sqrt(p0 * (1 - p0) / n), np.nan)
    return np.clip(p0 - half, 0.0, 1.0), np.clip(p0 + half, 0.0, 1.0)


def funnel_curve(p0: float, n_max: int, points: int = 60, n_min: int = 1) -> pd.DataFrame:
    """The four limit lines of a funnel plot from ``n_min`` to ``n_max``: [n, lim95_low,
    lim95_high, lim998_low, lim998_high] (a page draws them behind the schools)."""
    n_min = max(1, n_min)
    n = np.unique(np.round(np.geomspace(n_min, max(n_max, n_min + 1), points)))
    lo95, hi95 = control_limits(p0, n, Z95)
    lo998, hi998 = control_limits(p0, n, Z998)
    return pd.DataFrame({"n": n, "lim95_low": lo95, "lim95_high": hi95, "lim998_low": lo998, "lim998_high": hi998})


def byar_interval(observed: float, expected: float, z: float = Z95) -> tuple[float | None, float | None]:
    """Interval of ``observed / expected`` (Byar's approximation to the exact Poisson limits)."""
    if expected <= 0:
        return None, None
    o = float(observed)
    low = 0.0 if o == 0 else o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3 / expected
    high = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3 / expected
    return low, high


def _by_school(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, indicator: str) -> pd.DataFrame:
    """[group, numerator, denominator] per school by the indicator's own definition."""
    if indicator == "certificate_pass_rate":
        return certificates.pass_rates_by(con, f, s, "school")
    return employment.initial_employment_by(con, f, s, "school")


def latest_year(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> int | None:
    """The graduation year the initial employment comparison is read on (the headline's)."""
    return employment.latest_initial_employment(con, f, s)[0]


def _basis(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, indicator: str) -> Filters:
    """The filter a school's figure is read on: initial employment narrows to the latest year."""
    if indicator == "initial_employment_rate":
        year = latest_year(con, f, s)
        return f if year is None else replace(f, year_from=year, year_to=year)
    return f


def _cells(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, indicator: str) -> list[pd.DataFrame]:
    """[group (school), numerator, denominator, major, year] per stratum with data.

    Pass rates: one grouped count over the exams the pass rate counts (every exam sat with a
    result, ``certificates.pass_rates_by``'s rows). Initial employment (one graduation year):
    the metric itself by school and major in one query (``initial_employment_by(..., and_by=
    "major")``), so its definition stays in one place."""
    if indicator == "certificate_pass_rate":
        where, params = f.where("certificate_exams", "e")
        frame = query(con, f"""
            SELECT s.{q('school_id')} AS "group", s.{q('major')} AS major, year(e.{q('exam_date')}) AS year,
                   count(*) FILTER (WHERE e.{q('passed')}) AS numerator, count(*) AS denominator
            FROM {q('certificate_exams')} e
            LEFT JOIN {q('students')} s ON s.{q('student_id')} = e.{q('student_id')}
            WHERE {where} AND e.{q('passed')} IS NOT NULL AND s.{q('school_id')} IS NOT NULL
              AND s.{q('major')} IS NOT NULL AND e.{q('exam_date')} IS NOT NULL
            GROUP BY 1, 2, 3""", params)
        return [frame] if not frame.empty else []
    cells = employment.initial_employment_by(con, f, s, "school", and_by="major")
    cells = cells[cells["group"].notna() & cells["group2"].notna() & (cells["denominator"] > 0)]
    if cells.empty:
        return []
    return [cells[["group", "numerator", "denominator"]].assign(major=cells["group2"].to_numpy(), year=f.year_from)]


def school_rates(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, indicator: str = "certificate_pass_rate"
) -> pd.DataFrame:
    """One row per school with data for ``indicator`` (``INDICATORS``): the crude rate and
    interval, the reference rate, the funnel limits at its denominator and its position
    (``high_998``, ``high_95``, ``within``, ``low_95``, ``low_998``), and the indirectly
    standardised ratio (observed, expected, ratio with interval, standardised rate); see the
    module doc. Ordered by rate, highest first."""
    if indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {INDICATORS}, not {indicator!r}")
    f = _basis(con, f, s, indicator)
    crude = _by_school(con, f, s, indicator)
    crude = crude[crude["group"].notna() & (crude["denominator"] > 0)].rename(columns={"group": "school_id"})
    if crude.empty:
        return pd.DataFrame(columns=COLUMNS)
    k, n = crude["numerator"].to_numpy(dtype="float64"), crude["denominator"].to_numpy(dtype="float64")
    p0 = k.sum() / n.sum()
    out = crude[["school_id", "numerator", "denominator", "rate", "ci_low", "ci_high", "small_n"]].copy()
    out["reference"] = p0
    out["lim95_low"], out["lim95_high"] = control_limits(p0, n, Z95)
    out["lim998_low"], out["lim998_high"] = control_limits(p0, n, Z998)
    rate = out["rate"].to_numpy(dtype="float64")
    out["position"] = np.select(
        [rate > out["lim998_high"], rate > out["lim95_high"], rate < out["lim998_low"], rate < out["lim95_low"]],
        ["high_998", "high_95", "low_998", "low_95"], "within")
    cells = _cells(con, f, s, indicator)
    observed = pd.Series(0.0, index=out["school_id"])
    expected = pd.Series(0.0, index=out["school_id"])
    if cells:
        grid = pd.concat(cells, ignore_index=True)
        grid = grid[grid["group"].isin(out["school_id"])]
        sums = grid.groupby(["major", "year"])[["numerator", "denominator"]].transform("sum")
        grid["expected"] = grid["denominator"] * sums["numerator"] / sums["denominator"]
        by = grid.groupby("group")
        observed = by["numerator"].sum().reindex(out["school_id"]).fillna(0.0)
        expected = by["expected"].sum().reindex(out["school_id"]).fillna(0.0)
    out["observed"] = observed.to_numpy(dtype="float64")
    out["expected"] = expected.to_numpy(dtype="float64")
    intervals = [byar_interval(o, e) for o, e in zip(out["observed"], out["expected"], strict=True)]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(out["expected"] > 0, out["observed"] / out["expected"], np.nan)
    out["ratio_low"] = [np.nan if lo is None else lo for lo, _ in intervals]
    out["ratio_high"] = [np.nan if hi is None else hi for _, hi in intervals]
    out["standardised"] = out["ratio"] * p0
    names = {x.school_id: x for x in hierarchy.schools(con)}
    out["school_name"] = [getattr(names.get(i), "school_name", None) for i in out["school_id"]]
    out["county"] = [getattr(names.get(i), "county", None) for i in out["school_id"]]
    out["region"] = [getattr(names.get(i), "region", None) for i in out["school_id"]]
    out = out.sort_values(["rate", "school_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[COLUMNS]


def reference_rate(frame: pd.DataFrame, s: Settings) -> stats.Rate:
    """The pooled rate of a ``school_rates`` frame (the funnel's centre line) as a Rate."""
    return stats.rate(int(frame["numerator"].sum()), int(frame["denominator"].sum()), s.small_n)


def published(con: duckdb.DuckDBPyConnection, indicator: str) -> dict | None:
    """The latest published figure of ``indicator`` (benchmarks; a figure for everyone rather
    than for a group first): ``{"source", "year", "value"}``, or ``None`` when none is stored."""
    from analytics.metrics.benchmarks import benchmark_series

    series = benchmark_series(con, indicator)
    series = series[series["value"].notna()]
    if series.empty:
        return None
    series = series.assign(grouped=series["group_label"].fillna("").ne(""))
    row = series.sort_values(["grouped", "year"], ascending=[True, False], kind="stable").iloc[0]
    return {"source": row["source"], "year": None if pd.isna(row["year"]) else int(row["year"]),
            "value": float(row["value"])}
