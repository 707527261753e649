"""The overview's headline tiles, with the story and the attention list of
``analytics.narrative`` (shared with the meeting-pack report, so both say the same)."""

from __future__ import annotations

import streamlit as st

from analytics import charts, narrative
from ui import components as c
from ui import store
from ui.frame import Frame
from ui.labels import period_label

# narrative KPI key -> targets metric (for the years a target was missed in a row)
_TARGET_METRIC = {"school_compliance": "school_mentor_compliance",
                  "enterprise_compliance": "enterprise_mentor_compliance"}
_BADGES = {
    "met": (":material/check_circle:", "green"),
    "near": (":material/error:", "orange"),
    "not_met": (":material/cancel:", "red"),
    "no_data": (":material/help:", "gray"),
}


def kpis(f: Frame) -> list[narrative.Kpi]:
    """The headline metrics against their targets (cached on filters and data version)."""
    return store.query(narrative.overview, f.filters)[0]


def years_missed(f: Frame) -> dict[str, int]:
    """KPI key -> the most recent years in a row that missed the target."""
    missed = {t.metric: t.years_missed for t in store.query(narrative.overview, f.filters)[1]}
    return {k: missed.get(_TARGET_METRIC.get(k, k), 0) for k in narrative.KPI_KEYS}


def tile(f: Frame, k: narrative.Kpi, missed: int, big: bool = False) -> None:
    """One KPI tile: value, status against the target, delta vs the previous period, sparkline."""
    with st.container(border=True):
        st.markdown(f"**{f.t(f'overview.kpi.{k.key}')}**")
        delta = c.pp(f, k.delta) if k.delta is not None else None
        st.metric(period_label(f, k.period) if k.period else f.t("common.no_data"), c.pct(k.value), delta=delta)
        icon, color = _BADGES[k.status]
        st.badge(f.t("status." + k.status), icon=icon, color=color)
        line = f.t("overview.target", value=c.pct(k.target, 0))
        if missed > 1:
            line += " · " + f.t("overview.years_missed", n=missed)
        st.caption(line)
        if len(k.xs) > 1:
            percent = k.key != "satisfaction_improvement"  # its series holds the wave means (0–100)
            color_line = charts.STATUS[k.status] if k.status != "no_data" else charts.DUAL
            fig = charts.sparkline([period_label(f, x) for x in k.xs], k.ys, color=color_line,
                                   target=k.target if percent else None, percent=percent)
            fig.update_layout(height=110 if big else 70)
            st.plotly_chart(fig, config={"displayModeBar": False}, theme=None, key=f"spark_{k.key}")


def sentences(f: Frame, ks: list[narrative.Kpi]) -> list[str]:
    """One full sentence per headline."""
    return narrative.sentences(ks, f.lang)


def attention(f: Frame) -> list[str]:
    """The three things most in need of attention, each with its subject in bold (mentors'
    names left out for roles that may not see personal data)."""
    items = store.query(narrative.attention, f.filters, f.lang)
    personal = f.user.can("view_personal")
    return [
        f.t("overview.mentors_masked", subject=a.subject) if not personal and a.key.endswith("_mentors")
        else a.text.replace(a.subject, f"**{a.subject}**", 1) if a.subject else a.text
        for a in items
    ]
