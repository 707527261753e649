"""Enterprise satisfaction (SPEC §3): 0–100 means and share satisfied per wave, trend.

* **Rescaling.** Scales with a maximum up to 10 are 1-based Likert scales (1…5, 1…7,
  1…10): ``(score − 1) / (scale_max − 1) × 100``. Larger maxima (a 100-point mark) are
  0-based: ``score / scale_max × 100``. A missing ``scale_max`` means 5.
* **Satisfied** = a score of at least ``satisfied_threshold`` percent of the scale's
  maximum: with the default 80, at least 4 of 5, 8 of 10 or 80 of 100 (SPEC §3). This
  compares ``score / scale_max``, not the rescaled value, on which 4 of 5 would be 75.
* **Wave** = calendar year of ``survey_date``. The headline mean pools every dimension
  (a mean over ratings).
* **n is respondents**, not ratings: a respondent is one filled-in questionnaire, i.e.
  one (enterprise, survey date, respondent, seq); 75 respondents rating 6 dimensions are
  75, not 450. The small-group rule counts respondents.
* **Intervals.** Respondents are nested in enterprises, whose answers move together, so
  the interval of a wave's mean, of the change between two waves and of the change in
  the share satisfied is cluster-robust by enterprise (CR1 sandwich, normal quantile:
  ``analytics.stats.cluster_mean_interval`` / ``cluster_diff_interval``, equal to
  statsmodels' OLS with ``cov_type="cluster"``). The same enterprises answering both waves is part of the
  dependence the change's interval accounts for.
* **Trend**: change of the mean against the previous and the first wave, absolute
  (points on the 0–100 scale) and relative (``mean / earlier − 1``), and the
  least-squares slope per year over all waves. The target uses the relative change of
  the mean from the first to the latest wave (SPEC §1); the absolute change in points
  and the change of the share satisfied in percentage points stand beside it, because a
  relative change on a 1–5 scale depends on where its zero is put.
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


def _ratings(f: Filters, s: Settings, groups: list[str]) -> tuple[str, dict]:
    """SQL of one row per respondent (and group): its ratings, score sum on 0–100 and
    satisfied count; ``groups`` are ``wave`` and keys of ``BY``."""
    where, params = f.where("satisfaction_surveys", "v")
    score, scale = f"v.{q('score')}", f"coalesce(v.{q('scale_max')}, 5)"
    cols = [f"EXTRACT(YEAR FROM v.{q('survey_date')}) AS wave" if g == "wave" else f"v.{q(BY[g])} AS {q(g)}"
            for g in groups]
    who = [f"v.{q(c)}" for c in ("enterprise_id", "survey_date", "respondent", "seq")]
    sql = f"""
        SELECT {", ".join(cols)}, v.{q('enterprise_id')} AS cluster, count(*) AS ratings,
               sum(CASE WHEN {scale} <= $likert_max THEN ({score} - 1) / ({scale} - 1)
                        ELSE {score} / {scale} END) * 100 AS score_sum,
               sum(CASE WHEN {score} / {scale} * 100 >= $satisfied THEN 1 ELSE 0 END) AS satisfied_sum
        FROM {q('satisfaction_surveys')} v
        WHERE {score} IS NOT NULL AND v.{q('survey_date')} IS NOT NULL AND {where}
        GROUP BY {", ".join([*(c.rsplit(" AS ", 1)[0] for c in cols), *who])}
    """
    return sql, {"likert_max": LIKERT_MAX, "satisfied": s.satisfied_threshold, **params}


def _aggregate(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, groups: list[str]) -> pd.DataFrame:
    """Mean on the 0–100 scale, share satisfied, respondents and ratings per ``groups``."""
    respondents, params = _ratings(f, s, groups)
    names = ", ".join(q(g) for g in groups)
    sql = f"""
        SELECT {names}, sum(score_sum) / sum(ratings) AS mean_0_100,
               sum(satisfied_sum) / sum(ratings) AS share_satisfied,
               count(*) AS respondents, sum(ratings) AS ratings
        FROM ({respondents}) r
        GROUP BY {names} ORDER BY {names}
    """
    df = query(con, sql, params)
    df[["respondents", "ratings"]] = df[["respondents", "ratings"]].astype("int64")
    if "wave" in df:
        df["wave"] = df["wave"].astype("int64")
    return df


def waves(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str | None = None
) -> pd.DataFrame:
    """Per wave (and ``dimension`` or ``enterprise``): [wave, (group column), mean_0_100,
    share_satisfied, respondents, ratings, small_n]."""
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {tuple(BY)}, not {by!r}")
    df = _aggregate(con, f, s, ["wave", *([by] if by else [])])
    df["small_n"] = df["respondents"] < s.small_n
    return df


def enterprise_dimensions(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Per enterprise and dimension over the filter's waves (the heatmap of the
    satisfaction page): [enterprise, dimension, mean_0_100, share_satisfied, respondents, ratings]."""
    return _aggregate(con, f, s, ["enterprise", "dimension"])


def latest_by_enterprise(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Each enterprise's latest wave in the filter: [enterprise, wave, mean_0_100,
    share_satisfied, respondents, ratings, small_n] (the enterprises table)."""
    df = waves(con, f, s, "enterprise")
    return df.sort_values("wave").groupby("enterprise", sort=False).tail(1).reset_index(drop=True)


def clusters(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Per wave and enterprise: [wave, cluster, ratings, score_sum, satisfied_sum,
    respondents]: the sufficient statistics of every mean, share and cluster-robust interval."""
    respondents, params = _ratings(f, s, ["wave"])
    sql = f"""
        SELECT wave, cluster, sum(ratings) AS ratings, sum(score_sum) AS score_sum,
               sum(satisfied_sum) AS satisfied_sum, count(*) AS respondents
        FROM ({respondents}) r GROUP BY wave, cluster ORDER BY wave, cluster
    """
    df = query(con, sql, params)
    for col in ("wave", "ratings", "satisfied_sum", "respondents"):
        df[col] = df[col].astype("int64")
    return df


@dataclass(frozen=True)
class Change:
    """The first wave against the latest: mean change in points (interval), relative change,
    share satisfied in both waves and its change in percentage points (interval), and the
    respondents and enterprises behind each wave."""

    first: int
    latest: int
    first_mean: float
    latest_mean: float
    points: float
    points_low: float | None
    points_high: float | None
    relative: float | None
    first_share: float
    latest_share: float
    share_pp: float
    share_low: float | None
    share_high: float | None
    first_respondents: int
    latest_respondents: int
    first_enterprises: int
    latest_enterprises: int

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Trend:
    """Waves with their changes, and the headline figures of the overall trend."""

    waves: pd.DataFrame  # waves() plus ci_low, ci_high, enterprises, change_prev, relative_prev, change_first, relative_first
    slope_per_year: float | None
    change: Change | None  # first to latest wave (None with fewer than two waves)

    @property
    def change_first_to_latest(self) -> float | None:
        return None if self.change is None else self.change.points

    @property
    def relative_change_first_to_latest(self) -> float | None:
        return None if self.change is None else self.change.relative


def _changes(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    mean = df["mean_0_100"]
    grouped = df.groupby(by, sort=False, dropna=False)["mean_0_100"] if by else None
    prev = grouped.shift(1) if by else mean.shift(1)
    first = grouped.transform("first") if by else pd.Series(mean.iloc[0] if len(df) else None, index=df.index)
    return df.assign(change_prev=mean - prev, relative_prev=mean / prev.where(prev != 0) - 1,
                     change_first=mean - first, relative_first=mean / first.where(first != 0) - 1)


def trend(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str | None = None) -> Trend:
    """Changes of the 0–100 mean per wave (within each group when ``by`` is given).

    Without ``by`` the waves come from the per-enterprise sums (one query), with each
    wave's cluster-robust interval, and the first-to-latest :class:`Change`; with ``by``
    only the per-group changes are set.
    """
    if by is not None:
        return Trend(_changes(waves(con, f, s, by), by), None, None)
    per = clusters(con, f, s)
    rows = []
    for wave, part in per.groupby("wave", sort=True):
        counts, sums = part["ratings"].to_numpy("float64"), part["score_sum"].to_numpy("float64")
        low, high = stats.cluster_mean_interval(sums, counts)
        rows.append({"wave": int(wave), "mean_0_100": sums.sum() / counts.sum(),
                     "share_satisfied": part["satisfied_sum"].sum() / counts.sum(),
                     "respondents": int(part["respondents"].sum()), "ratings": int(counts.sum()),
                     "small_n": int(part["respondents"].sum()) < s.small_n,
                     "enterprises": len(part), "ci_low": low, "ci_high": high})
    columns = ["wave", "mean_0_100", "share_satisfied", "respondents", "ratings", "small_n", "enterprises",
               "ci_low", "ci_high"]
    df = _changes(pd.DataFrame(rows, columns=columns), None)
    if len(df) < 2:
        return Trend(df, None, None)
    first, latest = int(df["wave"].iloc[0]), int(df["wave"].iloc[-1])
    wide = per[per["wave"].isin([first, latest])].pivot_table(
        index="cluster", columns="wave", values=["ratings", "score_sum", "satisfied_sum"], aggfunc="sum",
        fill_value=0)
    m1, m2 = (wide["ratings"][w].to_numpy("float64") for w in (first, latest))
    p_low, p_high = stats.cluster_diff_interval(wide["score_sum"][first].to_numpy("float64"), m1,
                                   wide["score_sum"][latest].to_numpy("float64"), m2)
    s_low, s_high = stats.cluster_diff_interval(wide["satisfied_sum"][first].to_numpy("float64"), m1,
                                   wide["satisfied_sum"][latest].to_numpy("float64"), m2)
    a, b = df.iloc[0], df.iloc[-1]
    change = Change(
        first=first, latest=latest, first_mean=float(a["mean_0_100"]), latest_mean=float(b["mean_0_100"]),
        points=float(b["mean_0_100"] - a["mean_0_100"]), points_low=p_low, points_high=p_high,
        relative=float(b["mean_0_100"] / a["mean_0_100"] - 1) if a["mean_0_100"] else None,
        first_share=float(a["share_satisfied"]), latest_share=float(b["share_satisfied"]),
        share_pp=float(b["share_satisfied"] - a["share_satisfied"]), share_low=s_low, share_high=s_high,
        first_respondents=int(a["respondents"]), latest_respondents=int(b["respondents"]),
        first_enterprises=int(a["enterprises"]), latest_enterprises=int(b["enterprises"]),
    )
    return Trend(df, stats.slope_per_year(df["wave"].tolist(), df["mean_0_100"].tolist()), change)


def dimension_changes(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Each dimension's relative change from its first to its latest wave in the filter:
    [dimension, first, latest, change_first, relative_first, respondents, small_n]
    (``respondents`` of the latest wave), smallest change first."""
    df = trend(con, f, s, "dimension").waves
    if df.empty:
        return pd.DataFrame(columns=["dimension", "first", "latest", "change_first", "relative_first",
                                     "respondents", "small_n"])
    first = df.groupby("dimension", sort=False)["wave"].transform("first")
    last = df.groupby("dimension", sort=False).tail(1).assign(first=first)
    out = last.rename(columns={"wave": "latest"})[
        ["dimension", "first", "latest", "change_first", "relative_first", "respondents", "small_n"]]
    return out.sort_values("relative_first", kind="stable").reset_index(drop=True)
