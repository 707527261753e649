"""Headline metrics against their targets (SPEC §1, §3), for the overview page.

Each target gets a status:

* ``met``: value ≥ target;
* ``near``: within 90% of the target (value ≥ 0.9 × target);
* ``not_met``: below that;
* ``no_data``: no value, or too few cases to judge (a denominator, or a compared
  group or wave, below the small-group threshold).

``years_missed`` counts the most recent years that missed the target in a row, over
the years that have enough data (a year without enough data is skipped, not counted
as a miss or a success). Years are exam years for the pass-rate improvement,
graduation years for initial employment, survey waves (each against the first wave)
for satisfaction, and activity-log years for communication compliance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import schema
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.filters import Filters
from analytics.metrics import certificates, employment, mentors, query, satisfaction
from analytics.stats import rate

STATUSES = ("met", "near", "not_met", "no_data")
NEAR = 0.9  # "within 90% of target"
_EPS = 1e-12  # a value equal to its target up to rounding counts as met


@dataclass(frozen=True)
class TargetStatus:
    """One headline metric against its target."""

    metric: str
    target: float
    value: float | None
    status: str
    years_missed: int

    def as_dict(self) -> dict:
        return {
            "metric": self.metric,
            "target": self.target,
            "value": self.value,
            "status": self.status,
            "years_missed": self.years_missed,
        }


def status(value: float | None, target: float, enough: bool = True) -> str:
    """``met`` / ``near`` / ``not_met`` / ``no_data`` of ``value`` against ``target``."""
    if value is None or not enough:
        return "no_data"
    if value >= target - _EPS:
        return "met"
    if target > 0 and value >= NEAR * target - _EPS:
        return "near"
    return "not_met"


def years_missed(values: Sequence[float | None], target: float) -> int:
    """Trailing run of misses over per-year ``values`` in year order (``None`` = not enough data)."""
    run = 0
    for v in reversed([v for v in values if v is not None]):
        if v >= target - _EPS:
            break
        run += 1
    return run


def _pass_rate_improvement(s: Settings, by_year: pd.DataFrame) -> TargetStatus:
    target = s.targets.pass_rate_improvement
    cmp = certificates.pooled_comparison(by_year, s)
    enough = not (cmp.group.small_n or cmp.baseline.small_n)
    ok = (by_year["group_denominator"] >= s.small_n) & (by_year["baseline_denominator"] >= s.small_n)
    per_year = [float(v) if k and v == v else None for v, k in zip(by_year["relative"], ok, strict=True)]
    return TargetStatus(
        "pass_rate_improvement", target, cmp.relative, status(cmp.relative, target, enough),
        years_missed(per_year, target),
    )


def _initial_employment(s: Settings, by_year: pd.DataFrame) -> TargetStatus:
    target = s.targets.initial_employment
    df = by_year[by_year["denominator"] > 0]
    per_year = [float(r) if n >= s.small_n else None for r, n in zip(df["rate"], df["denominator"], strict=True)]
    value = float(df["rate"].iloc[-1]) if len(df) else None
    enough = bool(len(df)) and int(df["denominator"].iloc[-1]) >= s.small_n
    return TargetStatus(
        "initial_employment", target, value, status(value, target, enough), years_missed(per_year, target)
    )


def _satisfaction_improvement(s: Settings, trend: satisfaction.Trend) -> TargetStatus:
    target = s.targets.satisfaction_improvement
    w = trend.waves
    value = trend.relative_change_first_to_latest
    enough = len(w) >= 2 and int(w["responses"].iloc[0]) >= s.small_n and int(w["responses"].iloc[-1]) >= s.small_n
    first_ok = len(w) > 0 and int(w["responses"].iloc[0]) >= s.small_n
    per_wave = [
        float(r) if first_ok and n >= s.small_n and r == r else None
        for r, n in zip(w["relative_first"].iloc[1:], w["responses"].iloc[1:], strict=True)
    ]
    return TargetStatus(
        "satisfaction_improvement", target, value, status(value, target, enough), years_missed(per_wave, target)
    )


def compliance_by_year(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str
) -> list[float | None]:
    """Compliance per activity-log year in the filter, in year order (``None``: too few cases)."""
    where, params = f.where("mentor_activities", "a")
    years = query(
        con,
        f"SELECT DISTINCT year(a.{q('activity_date')}) AS y FROM {q('mentor_activities')} a "
        f"WHERE a.{q('activity_date')} IS NOT NULL AND {where} ORDER BY 1",
        params,
    )["y"].tolist()
    per_year = mentors.compliance_rate_by_year(con, f, s, mentor_type)
    out: list[float | None] = []
    for y in years:
        r = per_year.get(int(y))
        out.append(r.value if r is not None and not r.small_n else None)
    return out


def _compliance(s: Settings, mentor_type: str, pooled: dict, per_year: list[float | None]) -> TargetStatus:
    target = s.targets.compliance
    value = pooled["value"]
    return TargetStatus(
        f"{mentor_type}_mentor_compliance", target, value, status(value, target, not pooled["small_n"]),
        years_missed(per_year, target),
    )


def evaluate(
    s: Settings,
    pass_rate_by_year: pd.DataFrame,
    initial_employment_by_year: pd.DataFrame,
    trend: satisfaction.Trend,
    compliance: Mapping[str, tuple[dict, list[float | None]]],
) -> list[TargetStatus]:
    """Targets from figures already computed (the summary computes each once):
    ``certificates.dual_vs_other_by_year``, ``employment.initial_employment_by(...,
    "graduation_year")``, ``satisfaction.trend`` and, per mentor type, the pooled
    compliance rate dict with ``compliance_by_year``."""
    return [
        _pass_rate_improvement(s, pass_rate_by_year),
        _initial_employment(s, initial_employment_by_year),
        _satisfaction_improvement(s, trend),
        *(_compliance(s, t, *compliance[t]) for t in schema.MENTOR_TYPES),
    ]


def targets(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> list[TargetStatus]:
    """Every headline metric against its target, in overview order."""
    compliance = {}
    for t in schema.MENTOR_TYPES:
        r = mentors.compliance_rate(con, f, s, t)
        compliance[t] = ((r or rate(0, 0, s.small_n)).as_dict(), compliance_by_year(con, f, s, t))
    return evaluate(
        s,
        certificates.dual_vs_other_by_year(con, f, s),
        employment.initial_employment_by(con, f, s, "graduation_year"),
        satisfaction.trend(con, f, s),
        compliance,
    )
