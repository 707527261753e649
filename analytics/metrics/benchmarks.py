"""Benchmarks: published figures beside the school's own, and whether the gap is real.

A benchmark is a published figure (``benchmarks`` table: national pass rates, a
survey's employment rate …), not a sample of the school, so it carries no interval
here. The question a vice principal asks — "is 91% good?" — is answered against the
school's own uncertainty: the difference is *beyond the interval* when the benchmark
lies outside the school's 95% Wilson interval (SPEC §3), i.e. the school's figure is
not plausibly the benchmark's with the school's number of graduates.

Rates of both sides are fractions (the importer stores rates with unit ``ratio``);
``median_salary`` keeps its currency unit, so compare it only with a benchmark in the
school's currency.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import duckdb
import pandas as pd

from analytics import schema
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.ingest.aggregate import is_rate
from analytics.metrics import certificates, employment, query
from analytics.stats import Rate

SERIES_COLUMNS = ("source", "period", "year", "group_label", "value", "numerator", "denominator",
                  "marker", "unit")

# Indicator -> the school's own series by year (existing metrics, renamed to year/value).
# The school has one employment rate, the initial one (SPEC §3); it stands for both.
_SCHOOL: dict[str, Callable[[duckdb.DuckDBPyConnection, Filters, Settings], pd.DataFrame]] = {
    "certificate_pass_rate": lambda con, f, s: certificates.pass_rates_by(con, f, s, "year"),
    "initial_employment_rate": lambda con, f, s: employment.initial_employment_by(con, f, s, "graduation_year"),
    "employment_rate": lambda con, f, s: employment.initial_employment_by(con, f, s, "graduation_year"),
    "related_to_major_rate": lambda con, f, s: employment.related_to_major_by(con, f, s, "graduation_year"),
    "median_salary": lambda con, f, s: employment.median_monthly_salary_by(con, f, s, "graduation_year"),
}
SCHOOL_INDICATORS = tuple(_SCHOOL)


def _check_indicator(indicator: str) -> None:
    if indicator not in schema.BENCHMARK_INDICATORS:
        raise ValueError(f"indicator must be one of {schema.BENCHMARK_INDICATORS}, not {indicator!r}")


def _listed(value: str | Sequence[str] | None) -> list[str] | None:
    return None if value is None else [value] if isinstance(value, str) else list(value)


def benchmark_series(
    con: duckdb.DuckDBPyConnection,
    indicator: str,
    *,
    group: str | Sequence[str] | None = None,
    source: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Published figures of ``indicator``: [source, period, year, group_label, value, numerator,
    denominator, marker, unit], ordered by source, group and year.

    ``group`` and ``source`` pick series (one label or several, exact ``group_label`` /
    ``source`` values); None keeps all. Suppressed figures come with ``value`` missing
    and their ``marker``.
    """
    _check_indicator(indicator)
    cols = ", ".join(q(c) for c in SERIES_COLUMNS)
    sql = (
        f"SELECT {cols} FROM {q('benchmarks')} WHERE {q('indicator')} = $indicator "
        f"AND ($groups IS NULL OR list_contains($groups, {q('group_label')})) "
        f"AND ($sources IS NULL OR list_contains($sources, {q('source')})) "
        f"ORDER BY {q('source')}, {q('group_label')}, {q('year')}, {q('period')}"
    )
    params = {"indicator": indicator, "groups": _listed(group), "sources": _listed(source)}
    return query(con, sql, params)


def available(con: duckdb.DuckDBPyConnection, indicator: str | None = None) -> pd.DataFrame:
    """Series to choose from: [source, indicator, group_label, first_year, last_year, figures]."""
    sql = (
        f"SELECT {q('source')}, {q('indicator')}, {q('group_label')}, min({q('year')}) AS first_year, "
        f"max({q('year')}) AS last_year, count({q('value')}) AS figures FROM {q('benchmarks')} "
        f"WHERE $indicator IS NULL OR {q('indicator')} = $indicator GROUP BY ALL ORDER BY ALL"
    )
    return query(con, sql, {"indicator": indicator})


def school_series(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, indicator: str
) -> pd.DataFrame:
    """The school's own ``indicator`` by year, from the Certificates/Employment metrics.

    Rates: [year, numerator, denominator, value, ci_low, ci_high, small_n];
    ``median_salary``: [year, value, n]. Raises ``ValueError`` for an indicator the
    school's data does not measure (``SCHOOL_INDICATORS`` lists those it does).
    """
    _check_indicator(indicator)
    if indicator not in _SCHOOL:
        raise ValueError(f"the school's data has no {indicator!r}; use one of {SCHOOL_INDICATORS}")
    return school_series_of(_SCHOOL[indicator](con, f, s), indicator)


def school_series_of(by_year: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """:func:`school_series` from the metric's frame by year already computed (e.g.
    ``employment.initial_by_year`` of the page's one employment query)."""
    _check_indicator(indicator)
    df = by_year.rename(columns={"group": "year", "rate": "value"})
    df = df.loc[df["year"].notna()].reset_index(drop=True)
    df["year"] = df["year"].astype("int64")
    keep = ["year", "numerator", "denominator", "value", "ci_low", "ci_high", "small_n"]
    return df[keep] if is_rate(indicator) else df[["year", "value", "n"]]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def compare(rate: Rate, benchmark_value: float | None) -> dict:
    """The school's ``rate`` against a published rate (fraction).

    Returns ``{"school", "benchmark", "diff", "diff_pp", "ci_low", "ci_high", "outside",
    "direction", "small_n"}``: ``diff`` = school − benchmark (fraction), ``diff_pp`` the
    same in percentage points, ``outside`` whether the benchmark lies outside the
    school's 95% Wilson interval, ``direction`` ``above``/``below`` (outside) or
    ``within``; ``no-data`` with ``diff``/``outside`` None when either side is missing.
    """
    out = {"school": rate.value, "benchmark": None if _missing(benchmark_value) else benchmark_value,
           "diff": None, "diff_pp": None, "ci_low": rate.ci_low, "ci_high": rate.ci_high,
           "outside": None, "direction": "no-data", "small_n": rate.small_n}
    if rate.value is None or out["benchmark"] is None:
        return out
    diff = rate.value - benchmark_value
    outside = benchmark_value < rate.ci_low or benchmark_value > rate.ci_high
    out.update(diff=diff, diff_pp=100 * diff, outside=outside,
               direction=("above" if diff > 0 else "below") if outside else "within")
    return out


def beside(school: pd.DataFrame, benchmark: pd.DataFrame) -> pd.DataFrame:
    """The school's rate by year with one benchmark series matched on the year.

    ``school`` from :func:`school_series` (a rate), ``benchmark`` one series of
    :func:`benchmark_series`. Returns the school's columns plus [period, benchmark,
    marker, diff_pp, outside]; years missing on either side are kept with blanks.
    """
    bench = benchmark[["year", "period", "value", "marker"]].rename(columns={"value": "benchmark"})
    out = school.merge(bench, on="year", how="outer").sort_values("year", kind="stable")
    present = out["value"].notna() & out["benchmark"].notna()
    out["diff_pp"] = (100 * (out["value"] - out["benchmark"])).where(present)
    outside = (out["benchmark"] < out["ci_low"]) | (out["benchmark"] > out["ci_high"])
    out["outside"] = outside.astype("boolean").where(present, pd.NA)
    return out.reset_index(drop=True)
