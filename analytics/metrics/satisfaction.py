"""Enterprise satisfaction (SPEC §3): 0–100 means and share satisfied per wave, trend.

* **Rescaling.** Scales with a maximum up to 10 are 1-based Likert scales (1…5, 1…7,
  1…10): ``(score − 1) / (scale_max − 1) × 100``. Larger maxima (a 100-point mark) are
  0-based: ``score / scale_max × 100``. A missing ``scale_max`` means 5.
* **Satisfied** = a score of at least ``satisfied_threshold`` percent of the scale's
  maximum: with the default 80, at least 4 of 5, 8 of 10 or 80 of 100, as SPEC states
  ("at least 4 of 5 (80 of 100)"). This compares ``score / scale_max`` rather than the
  rescaled value, on which 4 of 5 would be 75.
* **Wave** = calendar year of ``survey_date``. The headline mean pools every dimension.
* **Trend**: change of the mean against the previous and the first wave, absolute
  (points on the 0–100 scale) and relative (``mean / earlier − 1``), and the
  least-squares slope per year over all waves.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import stats
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import query

LIKERT_MAX = 10  # scales up to this maximum start at 1
BY = {"dimension": "dimension", "enterprise": "enterprise_id"}


def waves(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str | None = None
) -> pd.DataFrame:
    """Per wave (and ``dimension`` or ``enterprise``): [wave, (group column), mean_0_100,
    share_satisfied, responses]."""
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {tuple(BY)}, not {by!r}")
    return _aggregate(con, f, s, ["wave", *([by] if by else [])])


def enterprise_dimensions(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Per enterprise and dimension over the filter's waves (the heatmap of the
    satisfaction page): [enterprise, dimension, mean_0_100, share_satisfied, responses]."""
    return _aggregate(con, f, s, ["enterprise", "dimension"])


def _aggregate(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, groups: list[str]
) -> pd.DataFrame:
    """Mean on the 0–100 scale, share satisfied and responses per ``groups`` (``wave`` and
    keys of ``BY``)."""
    where, params = f.where("satisfaction_surveys", "v")
    score, scale = f"v.{q('score')}", f"coalesce(v.{q('scale_max')}, 5)"
    group = ", ".join(
        f"year(v.{q('survey_date')}) AS wave" if g == "wave" else f"v.{q(BY[g])} AS {q(g)}"
        for g in groups
    )
    sql = f"""
        SELECT {group},
               avg(CASE WHEN {scale} <= ? THEN ({score} - 1) / ({scale} - 1)
                        ELSE {score} / {scale} END) * 100 AS mean_0_100,
               avg(CASE WHEN {score} / {scale} * 100 >= ? THEN 1.0 ELSE 0.0 END) AS share_satisfied,
               count(*) AS responses
        FROM {q('satisfaction_surveys')} v
        WHERE {score} IS NOT NULL AND v.{q('survey_date')} IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY ALL
    """
    return query(con, sql, [LIKERT_MAX, s.satisfied_threshold, *params])


@dataclass(frozen=True)
class Trend:
    """Waves with their changes, and the headline figures of the overall trend."""

    waves: pd.DataFrame  # waves() plus change_prev, relative_prev, change_first, relative_first
    slope_per_year: float | None
    change_first_to_latest: float | None
    relative_change_first_to_latest: float | None


def trend(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str | None = None) -> Trend:
    """Changes of the 0–100 mean per wave (within each group when ``by`` is given).

    The slope and the first-to-latest figures describe the pooled mean, so they are set
    only when ``by`` is None.
    """
    df = waves(con, f, s, by)
    mean = df["mean_0_100"]
    grouped = df.groupby(by, sort=False, dropna=False)["mean_0_100"] if by else None
    prev = grouped.shift(1) if by else mean.shift(1)
    first = grouped.transform("first") if by else pd.Series(mean.iloc[0] if len(df) else None, index=df.index)
    df["change_prev"] = mean - prev
    df["relative_prev"] = mean / prev.where(prev != 0) - 1
    df["change_first"] = mean - first
    df["relative_first"] = mean / first.where(first != 0) - 1
    if by or len(df) == 0:
        return Trend(df, None, None, None)
    last = df.iloc[-1]
    one_wave = len(df) < 2
    return Trend(
        waves=df,
        slope_per_year=stats.slope_per_year(df["wave"].tolist(), mean.tolist()),
        change_first_to_latest=None if one_wave else float(last["change_first"]),
        relative_change_first_to_latest=(
            None if one_wave or pd.isna(last["relative_first"]) else float(last["relative_first"])
        ),
    )
