"""The overview's headline tiles, narrative sentences and attention list.

Each headline is one ``Kpi``: its latest value, the previous year's value, the target,
a status (met / near / not met / no data) and the yearly series for a sparkline, built
from the metric functions through the cached ``store.query``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import charts
from analytics.metrics import certificates as cert
from analytics.metrics import employment as emp
from analytics.metrics import mentors as men
from analytics.metrics import satisfaction as sat
from analytics.metrics import targets
from ui import components as c
from ui import store
from ui.frame import Frame
from ui.labels import group_label, period_label


@dataclass(frozen=True)
class Kpi:
    """One headline: value and status from ``targets``, a yearly series for the sparkline."""

    key: str
    value: float | None
    target: float
    status: str
    years_missed: int
    period: str  # what the value covers ("2025", "2021→2025", "2023-09–2025-06")
    xs: tuple = ()
    ys: tuple = ()

    @property
    def delta(self) -> float | None:
        """Change of the series' last point against the one before (the previous year or period)."""
        points = [y for y in self.ys if y is not None and not pd.isna(y)]
        return float(points[-1] - points[-2]) if len(points) > 1 else None


def _span(xs: list) -> str:
    xs = [str(x) for x in xs]
    return "" if not xs else xs[0] if len(xs) == 1 else f"{xs[0]}–{xs[-1]}"


def kpis(f: Frame) -> list[Kpi]:
    """The headline metrics of SPEC §1 against their targets, each with its trend."""
    status = {t.metric: t for t in store.query(targets.targets, f.filters)}

    def kpi(key: str, period: str, xs: list, ys: list) -> Kpi:
        t = status[key]
        return Kpi(key, t.value, t.target, t.status, t.years_missed, period, tuple(xs), tuple(ys))

    out: list[Kpi] = []
    by_year = store.query(cert.dual_vs_other_by_year, f.filters, "attempt")
    out.append(kpi("pass_rate_improvement", _span(by_year["year"].tolist()), by_year["year"].tolist(),
                   by_year["relative"].tolist()))
    jobs = store.query(emp.initial_employment_by, f.filters, "graduation_year")
    jobs = jobs[jobs["denominator"] > 0]
    out.append(kpi("initial_employment", str(jobs["group"].iloc[-1]) if len(jobs) else "", jobs["group"].tolist(),
                   jobs["rate"].tolist()))
    waves = store.query(sat.trend, f.filters).waves
    period = f"{waves['wave'].iloc[0]}→{waves['wave'].iloc[-1]}" if len(waves) > 1 else ""
    out.append(kpi("satisfaction_improvement", period, waves["wave"].tolist(), waves["relative_first"].tolist()))
    for kind in ("school", "enterprise"):
        result = store.query(men.compliance, f.filters, kind)
        per = result.calendar.groupby("period", sort=True)["compliant"].mean()
        periods = [period_label(f, p) for p in per.index]
        out.append(kpi(f"{kind}_mentor_compliance", _span(periods), periods, per.tolist()))
    return out


_BADGES = {
    "met": (":material/check_circle:", "green"),
    "near": (":material/error:", "orange"),
    "not_met": (":material/cancel:", "red"),
    "no_data": (":material/help:", "gray"),
}


def tile(f: Frame, k: Kpi, big: bool = False) -> None:
    """One KPI tile: value, status against the target, delta vs the previous period, sparkline."""
    with st.container(border=True):
        st.markdown(f"**{f.t(f'overview.kpi.{k.key}')}**")
        delta = c.pp(f, k.delta) if k.delta is not None else None
        st.metric(k.period or f.t("common.no_data"), c.pct(k.value), delta=delta)
        icon, color = _BADGES[k.status]
        st.badge(f.t("status." + k.status), icon=icon, color=color)
        line = f.t("overview.target", value=c.pct(k.target, 0))
        if k.years_missed > 1:
            line += " · " + f.t("overview.years_missed", n=k.years_missed)
        st.caption(line)
        if len(k.xs) > 1:
            fig = charts.sparkline(k.xs, k.ys, color=charts.STATUS[k.status] if k.status != "no_data" else charts.DUAL,
                                   target=k.target)
            fig.update_layout(height=110 if big else 70)
            st.plotly_chart(fig, config={"displayModeBar": False}, theme=None, key=f"spark_{k.key}")


def narrative(f: Frame, ks: list[Kpi]) -> list[str]:
    """One full sentence per headline with a value."""
    out = []
    for k in ks:
        if k.value is None:
            out.append(f.t(f"overview.none.{k.key}"))
            continue
        comparison = f.t("overview.say.above" if k.value >= k.target else "overview.say.below",
                         target=c.pct(k.target, 0))
        change = ""
        if k.delta is not None:
            key = "overview.say.up" if k.delta > 0 else "overview.say.down" if k.delta < 0 else "overview.say.same"
            change = f.t(key, value=f"{abs(k.delta) * 100:.1f}")
        out.append(f.t(f"overview.say.{k.key}", period=k.period, value=c.pct(k.value), comparison=comparison,
                       change=change))
    return out


def attention(f: Frame) -> list[str]:
    """The three things most in need of attention, largest shortfall against the target first."""
    items: list[tuple[float, str]] = []
    targets = f.settings.targets
    majors = store.query(emp.initial_employment_by, f.filters, "major")
    majors = majors[~majors["small_n"] & majors["rate"].notna()]
    if len(majors):
        worst = majors.sort_values("rate").iloc[0]
        if worst["rate"] < targets.initial_employment:
            items.append((targets.initial_employment - worst["rate"], f.t(
                "overview.attention.major_employment", major=group_label(f, "major", worst["group"]),
                value=c.pct(worst["rate"]), target=c.pct(targets.initial_employment, 0))))
    exams = store.query(cert.pass_rates_by, f.filters, "major", "attempt")
    exams = exams[~exams["small_n"] & exams["rate"].notna()]
    if len(exams) > 1:
        worst = exams.sort_values("rate").iloc[0]
        overall = store.query(cert.pass_rate, f.filters)
        if overall.value is not None and worst["rate"] < overall.value:
            items.append((overall.value - worst["rate"], f.t(
                "overview.attention.major_pass", major=group_label(f, "major", worst["group"]),
                value=c.pct(worst["rate"]), overall=c.pct(overall.value))))
    for kind in ("school", "enterprise"):
        result = store.query(men.compliance, f.filters, kind)
        if result.rate is not None and len(result.non_compliant):
            listed = result.non_compliant["mentor_name"].fillna(result.non_compliant["mentor_id"]).head(3)
            names = ("、" if f.lang == "zh" else ", ").join(listed)
            items.append((targets.compliance - (result.rate.value or 0), f.t(
                f"overview.attention.{kind}_mentors", n=len(result.non_compliant), names=names,
                rule=f.t(f"mentors.rule.{kind}", n=result.threshold))))
    items.sort(key=lambda item: -item[0])
    return [text for _, text in items[:3]]
