"""The overview's story: headline KPIs against their targets, one sentence per headline,
and the short list of what needs attention most.

Pure functions of ``(con, filters, settings)`` so the overview page (through its cached
``store.query``) and the meeting-pack report (``analytics.report``) say exactly the same
thing. Sentences are plain text in the chosen language, e.g.
"2025 届初次就业率 94.6%，高于目标 90%，比上期提高 2.3 个百分点。"; an ``Attention`` item
also names its ``subject`` (a major, "3 位校内导师") so a page can emphasise it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.config import Settings
from analytics.filters import Filters
from analytics.i18n import t
from analytics.metrics import certificates, employment, mentors, satisfaction, targets
from analytics.metrics.targets import status
from analytics.stats import Rate, rate

KPI_KEYS = (
    "pass_rate_improvement",
    "initial_employment",
    "satisfaction_improvement",
    "school_compliance",
    "enterprise_compliance",
)


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("93.1%"), or an em dash for no value."""
    return "—" if value is None or pd.isna(value) else f"{value * 100:.{digits}f}%"


@dataclass(frozen=True)
class Kpi:
    """One headline metric: latest value, the value of the period before, target, status.

    ``xs``/``ys`` are the per-period series behind it (for a sparkline or a table); for
    satisfaction ``ys`` holds the wave means (0–100) while ``value`` is the relative change.
    """

    key: str
    value: float | None
    previous: float | None
    target: float
    status: str
    period: str
    xs: tuple = ()
    ys: tuple = ()
    n: int = 0

    @property
    def delta(self) -> float | None:
        """Change against the previous period (fraction), ``None`` without both values."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _last_two(xs: Sequence, ys: Sequence) -> tuple[int | None, int | None]:
    """Positions of the latest and the previous non-missing value."""
    present = [i for i, y in enumerate(ys) if y is not None and not pd.isna(y)]
    last = present[-1] if present else None
    prev = present[-2] if len(present) > 1 else None
    return last, prev


def _at(ys: Sequence, i: int | None) -> float | None:
    return None if i is None else float(ys[i])


@dataclass(frozen=True)
class _Inputs:
    """The figures behind the headline tiles, computed once for the tiles and the targets."""

    by_year: pd.DataFrame  # certificates.dual_vs_other_by_year
    jobs: pd.DataFrame  # employment.initial_employment_by(..., "graduation_year")
    trend: satisfaction.Trend
    rates: dict[str, Rate | None]  # mentors.compliance_rate per mentor type
    periods: dict[str, pd.DataFrame]  # mentors.compliance_by_period per mentor type


def _inputs(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> _Inputs:
    return _Inputs(
        certificates.dual_vs_other_by_year(con, f, s, "attempt"),
        employment.initial_employment_by(con, f, s, "graduation_year"),
        satisfaction.trend(con, f, s),
        {kind: mentors.compliance_rate(con, f, s, kind) for kind in mentors.MENTOR_TYPES},
        {kind: mentors.compliance_by_period(con, f, s, kind) for kind in mentors.MENTOR_TYPES},
    )


def kpis(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> list[Kpi]:
    """The headline metrics of SPEC §1 against their targets, latest period first-class."""
    return _kpis(s, _inputs(con, f, s))


def overview(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings
) -> tuple[list[Kpi], list[targets.TargetStatus]]:
    """The tiles and the target statuses (with years missed) of the overview, from one set
    of inputs: the two would otherwise each run the same employment, certificate,
    satisfaction and compliance queries."""
    given = _inputs(con, f, s)
    compliance = {
        kind: ((given.rates[kind] or rate(0, 0, s.small_n)).as_dict(), targets.compliance_by_year(con, f, s, kind))
        for kind in mentors.MENTOR_TYPES
    }
    return _kpis(s, given), targets.evaluate(s, given.by_year, given.jobs, given.trend, compliance)


def _kpis(s: Settings, given: _Inputs) -> list[Kpi]:
    goals = s.targets
    out: list[Kpi] = []

    by_year = given.by_year
    xs, ys = by_year["year"].tolist(), by_year["relative"].tolist()
    last, prev = _last_two(xs, ys)
    enough = last is not None and min(int(by_year["group_denominator"].iloc[last]),
                                      int(by_year["baseline_denominator"].iloc[last])) >= s.small_n
    value = _at(ys, last)
    out.append(Kpi("pass_rate_improvement", value, _at(ys, prev), goals.pass_rate_improvement,
                   status(value, goals.pass_rate_improvement, enough),
                   str(xs[last]) if last is not None else "", tuple(xs), tuple(ys),
                   int(by_year["group_denominator"].sum() + by_year["baseline_denominator"].sum())))

    jobs = given.jobs[given.jobs["denominator"] > 0]
    xs, ys = jobs["group"].tolist(), jobs["rate"].tolist()
    last, prev = _last_two(xs, ys)
    value = _at(ys, last)
    enough = last is not None and not bool(jobs["small_n"].iloc[last])
    out.append(Kpi("initial_employment", value, _at(ys, prev), goals.initial_employment,
                   status(value, goals.initial_employment, enough),
                   str(xs[last]) if last is not None else "", tuple(xs), tuple(ys), int(jobs["denominator"].sum())))

    waves = given.trend.waves
    xs, rel = waves["wave"].tolist(), waves["relative_first"].tolist()
    last, prev = _last_two(xs, rel) if len(waves) >= 2 else (None, None)
    value = _at(rel, last)
    enough = last is not None and min(int(waves["responses"].iloc[0]), int(waves["responses"].iloc[last])) >= s.small_n
    out.append(Kpi("satisfaction_improvement", value, _at(rel, prev),
                   goals.satisfaction_improvement, status(value, goals.satisfaction_improvement, enough),
                   str(xs[last]) if last is not None else "", tuple(xs), tuple(waves["mean_0_100"].tolist()),
                   int(waves["responses"].sum())))

    for kind in mentors.MENTOR_TYPES:
        share = given.rates[kind]
        # calendar order: spring before autumn of a year
        per = given.periods[kind].set_index("period")["share"]
        value = share.value if share is not None else None
        enough = share is not None and not share.small_n
        out.append(Kpi(f"{kind}_compliance", value, float(per.iloc[-2]) if len(per) > 1 else None,
                       goals.compliance, status(value, goals.compliance, enough),
                       str(per.index[-1]) if len(per) else "", tuple(per.index), tuple(per.tolist()),
                       share.denominator if share is not None else 0))
    return out


def sentences(items: Sequence[Kpi], lang: str) -> list[str]:
    """One full sentence per headline (a "no data" sentence where there is no value)."""
    out = []
    for k in items:
        if k.value is None:
            out.append(t(f"narrative.none.{k.key}", lang))
            continue
        comparison = t("narrative.above" if k.value >= k.target else "narrative.below", lang,
                       target=pct(k.target, 0))
        change = ""
        if k.delta is not None and k.key not in ("school_compliance", "enterprise_compliance"):
            key = "narrative.up" if k.delta > 0 else "narrative.down" if k.delta < 0 else "narrative.same"
            change = t(key, lang, value=f"{abs(k.delta) * 100:.1f}")
        out.append(t(f"narrative.say.{k.key}", lang, period=k.period, value=pct(k.value),
                     comparison=comparison, change=change))
    return out


@dataclass(frozen=True)
class Attention:
    """One thing that needs attention: ``text`` is the sentence, ``subject`` the part to emphasise."""

    key: str
    subject: str
    text: str
    shortfall: float  # distance below the target or the overall rate (fraction), for ranking


def attention(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str, limit: int | None = 3
) -> list[Attention]:
    """What needs attention most, largest shortfall first: the major furthest below the
    employment target, the major furthest below the overall pass rate, and the mentors who
    miss their communication rule. Small groups are never singled out."""
    items: list[Attention] = []
    target = s.targets.initial_employment
    majors = employment.initial_employment_by(con, f, s, "major")
    majors = majors[~majors["small_n"].astype(bool) & majors["rate"].notna()].sort_values("rate")
    if len(majors) and majors["rate"].iloc[0] < target:
        worst = majors.iloc[0]
        items.append(Attention("major_employment", str(worst["group"]), t(
            "narrative.attention.major_employment", lang, major=worst["group"], value=pct(worst["rate"]),
            target=pct(target, 0)), target - float(worst["rate"])))

    exams = certificates.pass_rates_by(con, f, s, "major", "attempt")
    exams = exams[~exams["small_n"].astype(bool) & exams["rate"].notna()].sort_values("rate")
    overall = certificates.pass_rate(con, f, s)
    if len(exams) > 1 and overall.value is not None and exams["rate"].iloc[0] < overall.value:
        worst = exams.iloc[0]
        items.append(Attention("major_pass", str(worst["group"]), t(
            "narrative.attention.major_pass", lang, major=worst["group"], value=pct(worst["rate"]),
            overall=pct(overall.value)), overall.value - float(worst["rate"])))

    for kind in mentors.MENTOR_TYPES:
        result = mentors.compliance(con, f, s, kind, with_calendar=False)
        bad = result.non_compliant
        if result.rate is None or bad.empty:
            continue
        subject = t(f"narrative.attention.{kind}_subject", lang, n=len(bad))
        names = t("narrative.list_sep", lang).join(bad["mentor_name"].fillna(bad["mentor_id"]).head(3))
        items.append(Attention(f"{kind}_mentors", subject, t(
            f"narrative.attention.{kind}_mentors", lang, subject=subject, names=names,
            rule=t(f"narrative.rule.{kind}", lang, n=result.threshold)),
            s.targets.compliance - (result.rate.value or 0.0)))
    items.sort(key=lambda a: -a.shortfall)
    return items if limit is None else items[:limit]
