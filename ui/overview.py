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
from ui import components as c
from ui import store
from ui.frame import Frame
from ui.labels import group_label


@dataclass(frozen=True)
class Kpi:
    key: str
    value: float | None
    previous: float | None
    target: float
    status: str
    period: str  # the year or period the value belongs to
    xs: tuple = ()
    ys: tuple = ()
    n: int = 0

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _last_two(xs: list, ys: list) -> tuple[float | None, float | None, str]:
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None and not pd.isna(y)]
    if not pairs:
        return None, None, ""
    prev = pairs[-2][1] if len(pairs) > 1 else None
    return float(pairs[-1][1]), (float(prev) if prev is not None else None), str(pairs[-1][0])


def kpis(f: Frame) -> list[Kpi]:
    """The headline metrics of SPEC §1 against their targets."""
    targets = f.settings.targets
    out: list[Kpi] = []

    by_year = store.query(cert.dual_vs_other_by_year, f.filters, "attempt")
    xs, ys = by_year["year"].tolist(), by_year["relative"].tolist()
    value, prev, period = _last_two(xs, ys)
    small = bool(len(by_year)) and int(min(by_year["group_denominator"].iloc[-1],
                                           by_year["baseline_denominator"].iloc[-1])) < f.settings.small_n
    out.append(Kpi("pass_rate_improvement", value, prev, targets.pass_rate_improvement,
                   c.target_status(value, targets.pass_rate_improvement, not small), period, tuple(xs), tuple(ys),
                   int(by_year["group_denominator"].sum() + by_year["baseline_denominator"].sum())))

    jobs = store.query(emp.initial_employment_by, f.filters, "graduation_year")
    xs, ys = jobs["group"].tolist(), jobs["rate"].tolist()
    value, prev, period = _last_two(xs, ys)
    small = bool(len(jobs)) and bool(jobs["small_n"].iloc[-1])
    out.append(Kpi("initial_employment", value, prev, targets.initial_employment,
                   c.target_status(value, targets.initial_employment, not small), period, tuple(xs), tuple(ys),
                   int(jobs["denominator"].sum())))

    trend = store.query(sat.trend, f.filters).waves
    xs, ys = trend["wave"].tolist(), trend["relative_first"].tolist()
    value, prev, period = _last_two(xs, ys)
    if len(trend) < 2:
        value = prev = None
    out.append(Kpi("satisfaction_improvement", value, prev, targets.satisfaction_improvement,
                   c.target_status(value, targets.satisfaction_improvement), period, tuple(xs),
                   tuple(trend["mean_0_100"].tolist()), int(trend["responses"].sum())))

    for kind in ("school", "enterprise"):
        result = store.query(men.compliance, f.filters, kind)
        rate = result.rate
        per = result.calendar.groupby("period", sort=True)["compliant"].mean()
        value = rate.value if rate is not None else None
        prev = float(per.iloc[-2]) if len(per) > 1 else None
        out.append(Kpi(f"{kind}_compliance", value, prev, targets.compliance,
                       c.target_status(value, targets.compliance, rate is not None and not rate.small_n),
                       str(per.index[-1]) if len(per) else "", tuple(per.index), tuple(per.tolist()),
                       rate.denominator if rate is not None else 0))
    return out


def tile(f: Frame, k: Kpi, big: bool = False) -> None:
    """One KPI tile: value, status against the target, delta vs the previous period, sparkline."""
    with st.container(border=True):
        st.markdown(f"**{f.t(f'overview.kpi.{k.key}')}**")
        delta = c.pp(f, k.delta) if k.delta is not None else None
        st.metric(f.t("overview.kpi_period", period=k.period) if k.period else f.t("common.no_data"),
                  c.pct(k.value), delta=delta, delta_description=f.t("overview.vs_previous") if delta else None)
        icon = {"met": "✅", "near": "🟡", "not_met": "🔴", "no_data": "⚪"}[k.status]
        st.markdown(f"{icon} {f.t('status.' + k.status)} · {f.t('overview.target', value=c.pct(k.target, 0))}")
        if len(k.xs) > 1:
            percent = k.key != "satisfaction_improvement"
            target = k.target if percent else None
            fig = charts.sparkline(k.xs, k.ys, color=charts.STATUS[k.status] if k.status != "no_data" else charts.DUAL,
                                   target=target, percent=percent)
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
            names = "、".join(result.non_compliant["mentor_name"].fillna(result.non_compliant["mentor_id"]).head(3))
            items.append((targets.compliance - (result.rate.value or 0), f.t(
                f"overview.attention.{kind}_mentors", n=len(result.non_compliant), names=names,
                rule=f.t(f"mentors.rule.{kind}", n=result.threshold))))
    items.sort(key=lambda item: -item[0])
    return [text for _, text in items[:3]]
