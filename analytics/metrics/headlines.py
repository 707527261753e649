"""The headlines of SPEC §5, each decided in one place: value, basis, period, interval,
change, status and the series beside it.

Every screen reads these objects — the overview and the meeting view, each headline's
own page, both report formats, the narrative sentences and ``metrics --json`` — so a
headline cannot say "met" on one screen and "not met" on another.

* **Pass-rate improvement**: dual-mentor students against the others pooled over the
  filtered exam years, in the unit of ``Settings.comparison_unit`` (first attempts by
  default: retakes make attempts dependent). Value = relative change of the pass rates;
  interval = Newcombe's interval of the difference in percentage points; the latest year
  alone is a secondary figure with its own interval; the Mantel–Haenszel comparison
  stratified by major × year stands beside it, with a flag when it changes the verdict.
* **Initial employment**: the latest graduation year in the filter (Wilson interval), the
  series by graduation year beside it; coverage is a secondary figure.
* **Satisfaction improvement**: relative change of the 0–100 mean from the first to the
  latest wave in the filter; the interval (cluster-robust by enterprise) is of the change
  in points, which stands beside it with the change of the share satisfied in pp.
* **Compliance** (school, enterprise mentors): pooled over the filtered period and
  labelled with that period; the series by month or semester beside it.

**Status**: ``met`` / ``not_met`` / ``no_data`` (``analytics.metrics.targets``), with
``near`` as a shade of not met. **The arrow** (``change``) always means "against the
previous period of the same length": the previous graduation year for employment, the
same number of years before the filtered period for compliance. The two improvements are
themselves comparisons and carry no arrow. A change or a comparison is worded "up" /
"down" only when its 95% interval excludes 0, otherwise "similar" (``stats.direction``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics import stats
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import certificates, employment, mentors, satisfaction
from analytics.metrics.targets import near, status, years_missed

KEYS = ("pass_rate_improvement", "initial_employment", "satisfaction_improvement",
        "school_compliance", "enterprise_compliance")
# headline -> the dashboard page that explains it, and the section of docs/METHODS.md
PAGES = {"pass_rate_improvement": "certificates", "initial_employment": "employment",
         "satisfaction_improvement": "satisfaction", "school_compliance": "mentors",
         "enterprise_compliance": "mentors"}
METHODS = {"pass_rate_improvement": "pass-rate-improvement", "initial_employment": "initial-employment",
           "satisfaction_improvement": "satisfaction", "school_compliance": "compliance",
           "enterprise_compliance": "compliance"}
_TARGETS = {"pass_rate_improvement": "pass_rate_improvement", "initial_employment": "initial_employment",
            "satisfaction_improvement": "satisfaction_improvement", "school_compliance": "compliance",
            "enterprise_compliance": "compliance"}


@dataclass(frozen=True)
class Count:
    """One part of a headline's basis: ``numerator`` of ``denominator`` ``unit`` in ``role``
    (``numerator`` ``None`` where only a count is meant, e.g. respondents of a wave)."""

    role: str  # dual | other | placed | compliant | first | latest
    numerator: int | None
    denominator: int
    unit: str  # attempt | first_attempt | person | graduates | respondents | mentor_months | mentor_semesters
    period: str = ""

    def as_dict(self) -> dict:
        return {"role": self.role, "numerator": self.numerator, "denominator": self.denominator,
                "unit": self.unit, "period": self.period}


@dataclass(frozen=True)
class Figure:
    """A secondary figure of a headline, with its own interval and basis."""

    key: str  # latest_year | coverage | points | share_pp | adjusted | pooled
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    period: str = ""
    numerator: int | None = None
    denominator: int | None = None
    direction: str | None = None
    small: bool = False
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def as_dict(self) -> dict:
        return {"key": self.key, "value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "period": self.period, "numerator": self.numerator, "denominator": self.denominator,
                "direction": self.direction, "small_n": self.small, **self.extra}


@dataclass(frozen=True)
class Change:
    """The arrow: this headline's value against the previous period of the same length."""

    against: str  # the previous period ("2024", "2022–2023")
    previous: float
    diff: float
    ci_low: float | None
    ci_high: float | None
    direction: str | None  # up | down | similar (by the interval)

    def as_dict(self) -> dict:
        return {"against": self.against, "previous": self.previous, "diff": self.diff, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "direction": self.direction}


@dataclass(frozen=True)
class Point:
    """One period of the series beside a headline."""

    period: str
    value: float | None
    n: int
    small: bool


@dataclass(frozen=True)
class Headline:
    """One headline with everything every screen shows of it.

    ``kind`` ``relative`` (value is a relative change, shown "+27.8%") or ``rate``;
    ``interval_of`` what ``ci_low``/``ci_high`` bound: ``diff`` (a difference of rates, in
    fractions), ``points`` (a difference on the 0–100 scale) or ``value``; ``direction`` of
    a comparison (dual vs others, latest vs first wave) by that interval; ``n`` the count
    the small-group rule looks at; ``series`` per year, wave, month or semester.
    """

    key: str
    kind: str
    value: float | None
    target: float
    status: str
    near: bool
    period: str
    basis: tuple[Count, ...]
    ci_low: float | None
    ci_high: float | None
    interval_of: str
    diff: float | None = None  # the difference the interval bounds (diff / points kinds)
    direction: str | None = None
    change: Change | None = None
    secondary: tuple[Figure, ...] = ()
    series: tuple[Point, ...] = ()
    years_missed: int = 0
    n: int = 0
    small: bool = True
    adjusted: certificates.Adjusted | None = None
    # The pass-rate headline's comparison unit's pass rate in the filter (from the strata query; not in
    # ``as_dict``: ``metrics --json`` reports it under its own key).
    unit_rate: stats.Rate | None = None

    @property
    def page(self) -> str:
        return PAGES[self.key]

    @property
    def methods(self) -> str:
        return METHODS[self.key]

    def figure(self, key: str) -> Figure | None:
        """The secondary figure ``key``, if any."""
        return next((x for x in self.secondary if x.key == key), None)

    def as_dict(self) -> dict:
        """JSON-ready form (``metrics --json``)."""
        return {
            "key": self.key, "kind": self.kind, "value": self.value, "target": self.target,
            "status": self.status, "near": self.near, "period": self.period,
            "basis": [b.as_dict() for b in self.basis], "interval_of": self.interval_of, "diff": self.diff,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "direction": self.direction,
            "change": None if self.change is None else self.change.as_dict(),
            "secondary": [x.as_dict() for x in self.secondary],
            "series": [{"period": p.period, "value": p.value, "n": p.n, "small_n": p.small} for p in self.series],
            "years_missed": self.years_missed, "n": self.n, "small_n": self.small,
            "adjusted": None if self.adjusted is None else self.adjusted.as_dict(),
        }


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _span(first: object, last: object) -> str:
    """A period code: "2024" for one year, "2021–2025" for several."""
    return str(first) if first == last else f"{first}–{last}"


def _window(f: Filters, years: list[int]) -> tuple[int, int] | None:
    """The filter's years clipped to the years with data (``None`` without data)."""
    if not years:
        return None
    first = max(min(years), f.year_from) if f.year_from is not None else min(years)
    last = min(max(years), f.year_to) if f.year_to is not None else max(years)
    return (first, last) if first <= last else None


# -- Pass-rate improvement ------------------------------------------------------------------


def pass_rate_improvement(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Headline:
    """Dual-mentor vs other students, pooled over the filter's exam years (see the module)."""
    unit, target = s.comparison_unit, s.targets.pass_rate_improvement
    strata, unit_rate = certificates.strata_and_rate(con, f, s, unit, ("major",))
    adjusted = certificates.adjusted_comparison(strata, s, unit, ("major",))
    cmp = adjusted.crude
    per_year = certificates.by_year(strata)
    enough = not (cmp.group.small_n or cmp.baseline.small_n)
    ok = (per_year["group_denominator"] >= s.small_n) & (per_year["baseline_denominator"] >= s.small_n)
    years = per_year["year"].tolist()
    period = _span(years[0], years[-1]) if years else ""
    series = tuple(
        Point(str(y), _num(r), int(g + b), not bool(k))
        for y, r, g, b, k in zip(years, per_year["relative"], per_year["group_denominator"],
                                 per_year["baseline_denominator"], ok, strict=True)
    )
    secondary: list[Figure] = []
    if years:
        last = per_year.iloc[-1]
        latest = stats.compare(stats.rate(int(last["group_numerator"]), int(last["group_denominator"]), s.small_n),
                               stats.rate(int(last["baseline_numerator"]), int(last["baseline_denominator"]),
                                          s.small_n))
        secondary.append(Figure(
            "latest_year", latest.relative, latest.ci_low, latest.ci_high, str(int(last["year"])),
            direction=stats.direction(latest.ci_low, latest.ci_high),
            small=bool(latest.group.small_n or latest.baseline.small_n),
            extra={"diff": latest.diff, "group": latest.group.as_dict(), "baseline": latest.baseline.as_dict()}))
    mh = adjusted.mh
    secondary.append(Figure(
        "adjusted", mh.relative, mh.rd_low, mh.rd_high, period, direction=adjusted.adjusted_direction,
        small=not enough, extra={"diff": mh.rd, "status": adjusted.adjusted_status,
                                 "changes_verdict": adjusted.changes_verdict, "p_value": mh.p_value,
                                 "homogeneity_p": mh.homogeneity_p}))
    per_year_values = [_num(r) if k else None for r, k in zip(per_year["relative"], ok, strict=True)]
    return Headline(
        key="pass_rate_improvement", kind="relative", value=cmp.relative, target=target,
        status=status(cmp.relative, target, enough), near=near(cmp.relative, target, enough), period=period,
        basis=(Count("dual", cmp.group.numerator, cmp.group.denominator, unit, period),
               Count("other", cmp.baseline.numerator, cmp.baseline.denominator, unit, period)),
        ci_low=cmp.ci_low, ci_high=cmp.ci_high, interval_of="diff", diff=cmp.diff,
        direction=stats.direction(cmp.ci_low, cmp.ci_high), secondary=tuple(secondary), series=series,
        years_missed=years_missed(per_year_values, target),
        n=min(cmp.group.denominator, cmp.baseline.denominator), small=not enough, adjusted=adjusted,
        unit_rate=unit_rate,
    )


# -- Initial employment ----------------------------------------------------------------------


def initial_employment(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Headline:
    """The latest graduation year in the filter, with the series by year and the change on
    the year before (which may lie before the filter's first year)."""
    return initial_employment_of(employment.years_and(con, f, s), f, s)


def initial_employment_of(years: employment.Years, f: Filters, s: Settings) -> Headline:
    """:func:`initial_employment` from the view's employment query already run."""
    target = s.targets.initial_employment
    every = employment.by_every_year(years, s)
    every = every[(every["denominator"] > 0) & every["group"].notna()].copy()
    every["group"] = every["group"].astype("int64")
    window = _window(f, every["group"].tolist())
    shown = every[every["group"].between(*window)] if window else every.iloc[0:0]
    series = tuple(Point(str(int(y)), _num(r), int(n), bool(sm))
                   for y, r, n, sm in zip(shown["group"], shown["rate"], shown["denominator"], shown["small_n"],
                                          strict=True))
    missed = years_missed([_num(r) if not sm else None for r, sm in zip(shown["rate"], shown["small_n"],
                                                                          strict=True)], target)
    if shown.empty:
        return Headline("initial_employment", "rate", None, target, "no_data", False, "", (), None, None, "value",
                        series=series)
    row = shown.iloc[-1]
    year = int(row["group"])
    r = stats.rate(int(row["numerator"]), int(row["denominator"]), s.small_n)
    coverage = stats.rate(int(row["coverage_numerator"]), int(row["coverage_denominator"]), s.small_n)
    change = None
    before = every[every["group"] == year - 1]
    if len(before):
        prev = stats.rate(int(before["numerator"].iloc[0]), int(before["denominator"].iloc[0]), s.small_n)
        low, high = stats.newcombe_interval(r.numerator, r.denominator, prev.numerator, prev.denominator)
        change = Change(str(year - 1), prev.value, r.value - prev.value, low, high, stats.direction(low, high))
    pooled = shown[["numerator", "denominator"]].sum()
    pooled_rate = stats.rate(int(pooled["numerator"]), int(pooled["denominator"]), s.small_n)
    period = str(year)
    secondary = (
        Figure("coverage", coverage.value, coverage.ci_low, coverage.ci_high, period, coverage.numerator,
               coverage.denominator, small=coverage.small_n),
        Figure("pooled", pooled_rate.value, pooled_rate.ci_low, pooled_rate.ci_high,
               _span(series[0].period, series[-1].period), pooled_rate.numerator, pooled_rate.denominator,
               small=pooled_rate.small_n),
    )
    return Headline(
        key="initial_employment", kind="rate", value=r.value, target=target,
        status=status(r.value, target, not r.small_n), near=near(r.value, target, not r.small_n), period=period,
        basis=(Count("placed", r.numerator, r.denominator, "graduates", period),),
        ci_low=r.ci_low, ci_high=r.ci_high, interval_of="value", change=change, secondary=secondary,
        series=series, years_missed=missed, n=r.denominator, small=r.small_n,
    )


# -- Satisfaction improvement ----------------------------------------------------------------


def satisfaction_improvement(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> Headline:
    """First to latest wave in the filter: the relative change of the mean against the
    target, the change in points (cluster-robust interval) and in the share satisfied."""
    target = s.targets.satisfaction_improvement
    tr = satisfaction.trend(con, f, s)
    w = tr.waves
    series = tuple(Point(str(int(x)), _num(m), int(n), bool(sm))
                   for x, m, n, sm in zip(w["wave"], w["mean_0_100"], w["respondents"], w["small_n"], strict=True))
    ch = tr.change
    if ch is None:
        basis = (Count("latest", None, int(w["respondents"].iloc[0]), "respondents", str(int(w["wave"].iloc[0]))),
                 ) if len(w) else ()
        return Headline("satisfaction_improvement", "relative", None, target, "no_data", False,
                        series[0].period if series else "", basis, None, None, "points", series=series,
                        n=int(w["respondents"].iloc[0]) if len(w) else 0)
    enough = min(ch.first_respondents, ch.latest_respondents) >= s.small_n
    first_ok = not bool(w["small_n"].iloc[0])
    per_wave = [_num(r) if first_ok and not sm else None
                for r, sm in zip(w["relative_first"].iloc[1:], w["small_n"].iloc[1:], strict=True)]
    period = f"{ch.first}–{ch.latest}"
    secondary = (
        Figure("points", ch.points, ch.points_low, ch.points_high, period,
               direction=stats.direction(ch.points_low, ch.points_high), small=not enough,
               extra={"first": ch.first_mean, "latest": ch.latest_mean}),
        Figure("share_pp", ch.share_pp, ch.share_low, ch.share_high, period,
               direction=stats.direction(ch.share_low, ch.share_high), small=not enough,
               extra={"first": ch.first_share, "latest": ch.latest_share}),
    )
    return Headline(
        key="satisfaction_improvement", kind="relative", value=ch.relative, target=target,
        status=status(ch.relative, target, enough), near=near(ch.relative, target, enough), period=period,
        basis=(Count("first", None, ch.first_respondents, "respondents", str(ch.first)),
               Count("latest", None, ch.latest_respondents, "respondents", str(ch.latest))),
        ci_low=ch.points_low, ci_high=ch.points_high, interval_of="points", diff=ch.points,
        direction=stats.direction(ch.points_low, ch.points_high), secondary=secondary, series=series,
        years_missed=years_missed(per_wave, target), n=min(ch.first_respondents, ch.latest_respondents),
        small=not enough,
    )


# -- Compliance ------------------------------------------------------------------------------


def _years(periods: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(periods["period_start"]).dt.year


def compliance(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str) -> Headline:
    """Compliance of ``mentor_type`` pooled over the filtered period, labelled with its first
    and last month (semester); the change against the same number of years before it."""
    every, _ = mentors.compliance_parts(con, f, s, mentor_type, per_mentor=False)
    return compliance_of(every, f, s, mentor_type)


def compliance_of(every: pd.DataFrame, f: Filters, s: Settings, mentor_type: str) -> Headline:
    """:func:`compliance` from the periods of every year (``mentors.compliance_parts``) already computed."""
    key = f"{mentor_type}_compliance"
    target = s.targets.compliance
    unit = "mentor_months" if mentor_type == "school" else "mentor_semesters"
    years = _years(every)
    window = _window(f, sorted(set(years.tolist())))
    shown = every[years.between(*window)] if window else every.iloc[0:0]
    r = mentors.pooled(shown, s) if len(shown) else None
    if r is None:
        return Headline(key, "rate", None, target, "no_data", False, "", (), None, None, "value")
    period = _span(shown["period"].iloc[0], shown["period"].iloc[-1])
    series = tuple(Point(p, _num(v), int(n), int(n) < s.small_n)
                   for p, v, n in zip(shown["period"], shown["share"], shown["cells"], strict=True))
    per_year = [None if x is None or x.small_n else x.value
                for _, part in shown.groupby(_years(shown), sort=True) for x in [mentors.pooled(part, s)]]
    change = None
    length = window[1] - window[0] + 1
    earlier = every[years.between(window[0] - length, window[0] - 1)]
    prev = mentors.pooled(earlier, s) if len(earlier) else None
    if prev is not None and prev.denominator and r.denominator:
        low, high = stats.newcombe_interval(r.numerator, r.denominator, prev.numerator, prev.denominator)
        change = Change(_span(earlier["period"].iloc[0], earlier["period"].iloc[-1]), prev.value,
                        r.value - prev.value, low, high, stats.direction(low, high))
    return Headline(
        key=key, kind="rate", value=r.value, target=target, status=status(r.value, target, not r.small_n),
        near=near(r.value, target, not r.small_n), period=period,
        basis=(Count("compliant", r.numerator, r.denominator, unit, period),),
        ci_low=r.ci_low, ci_high=r.ci_high, interval_of="value", change=change, series=series,
        years_missed=years_missed(per_year, target), n=r.denominator, small=r.small_n,
    )


# -- All of them -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """Every headline and what the overview's attention list and ``metrics --json`` read beside
    them, from one query per question: the employment base query once (the headline's series
    over every year, the breakdown by major and the pooled figures of the filter's years) and
    one calendar pass per mentor type (its periods of every year and each mentor's counts;
    ``compliance``, per mentor type, is empty when :func:`overview` is asked for no attention list)."""

    headlines: tuple[Headline, ...]
    employment: employment.Years
    compliance: dict[str, mentors.ComplianceResult] = field(hash=False, compare=False)


def overview(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, *, attention: bool = True, charts: bool = True
) -> Overview:
    """The headlines and their shared inputs (see :class:`Overview`), computed once. Without
    ``attention`` (``metrics --json``, which lists no mentors) the calendar pass leaves out each
    mentor's counts and ``compliance`` is empty: the same headlines, at a million students about
    0.15 s less (two per-mentor groupings of 25,000 mentors, sorted and fetched). Without
    ``charts`` (``metrics --json`` again, which draws none) the employment view has no spread of
    destinations and salaries (:func:`employment.years_and`)."""
    years = employment.years_and(con, f, s, "major", spread=charts)
    parts = {kind: mentors.compliance_parts(con, f, s, kind, per_mentor=attention)
             for kind in mentors.MENTOR_TYPES}
    items = (
        pass_rate_improvement(con, f, s),
        initial_employment_of(years, f, s),
        satisfaction_improvement(con, f, s),
        *(compliance_of(parts[kind][0], f, s, kind) for kind in mentors.MENTOR_TYPES),
    )
    comp = {kind: mentors.compliance_of(con, f, s, kind, every, per_mentor)
            for kind, (every, per_mentor) in parts.items()} if attention else {}
    return Overview(items, years, comp)


def headlines(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> tuple[Headline, ...]:
    """Every headline under the filter, in overview order (``KEYS``)."""
    return overview(con, f, s).headlines


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, key: str) -> Headline:
    """One headline by its key, computed alone (equal to its item in :func:`headlines`)."""
    builders = {
        "pass_rate_improvement": pass_rate_improvement, "initial_employment": initial_employment,
        "satisfaction_improvement": satisfaction_improvement,
        **{f"{kind}_compliance": (lambda c, ff, ss, kind=kind: compliance(c, ff, ss, kind))
           for kind in mentors.MENTOR_TYPES},
    }
    if key not in builders:
        raise ValueError(f"key must be one of {KEYS}, not {key!r}")
    return builders[key](con, f, s)


def pick(items: tuple[Headline, ...], key: str) -> Headline:
    """The headline ``key`` of a :func:`headlines` tuple."""
    return next(h for h in items if h.key == key)
