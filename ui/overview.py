"""The headline tiles (``analytics.metrics.headlines`` written by ``analytics.narrative``),
shared by the overview, the meeting view and each headline's own page, so all of them
show the same value, basis, interval, status and arrow; and the overview's attention list.
"""

from __future__ import annotations

import streamlit as st

from analytics import charts, narrative, schema
from analytics.i18n import md
from analytics.metrics import headlines as hl
from ui import decide, store, warm
from ui.frame import PAGES, Frame, link_params

_BADGES = {
    "met": (":material/check_circle:", "green"),
    "near": (":material/error:", "orange"),
    "not_met": (":material/cancel:", "red"),
    "no_data": (":material/help:", "gray"),
}
_PATHS = {key: path for key, path, _, _ in PAGES}


def view(f: Frame) -> hl.Overview:
    """The headlines and their shared inputs under the page's filters: one cached computation
    read by the tiles, the sentences and the attention list of every screen. Warmed in the
    background after each import or undo (``ui.warm``), for these filters too."""
    warm.start()  # once per process: a deep link to any page with a tile starts it as well
    warm.warmer().remember(f.filters)
    return store.query(hl.overview, f.filters)


def headlines(f: Frame) -> tuple[hl.Headline, ...]:
    """Every headline under the page's filters (one cached computation for every screen)."""
    return view(f).headlines


def headline(f: Frame, key: str) -> hl.Headline:
    """The headline ``key``, from the same cached computation as the overview."""
    return hl.pick(headlines(f), key)


def tile(f: Frame, h: hl.Headline, *, big: bool = False, detail: bool = False) -> None:
    """One headline tile: its label, period, value, the arrow against the previous period
    (labelled, flat when "similar"), status against the target, n and the interval, the
    secondary figures (all of them with ``detail``), the series, and links to its page and
    to the methods note."""
    lang = f.lang
    with st.container(border=True, key=f"tile_{h.key}"):
        st.markdown(f"**{narrative.label(h, lang)}**")
        change = narrative.change_parts(h, lang)
        delta, description, arrow = change if change else (None, None, "auto")
        st.metric(narrative.period_text(h.period, lang) if h.period else f.t("common.no_data"),
                  narrative.value_text(h, lang), delta=delta, delta_description=description, delta_arrow=arrow,
                  delta_color="off" if arrow == "off" else "normal",
                  help=f.t("overview.arrow_help"))
        shade = "near" if h.near else h.status
        icon, color = _BADGES[shade]
        st.badge(narrative.status_text(h, lang), icon=icon, color=color)
        st.caption(narrative.basis_text(h, lang))
        interval = narrative.interval_text(h, lang)
        if interval:
            st.caption(interval)
        for line in narrative.secondary_texts(h, lang, brief=not detail):
            st.caption(line)
        flag = narrative.adjustment_flag(h, lang)
        if flag:
            st.warning(flag, icon=":material/balance:")
        target = narrative.target_text(h, lang)
        if h.years_missed > 1:
            target += " · " + f.t("overview.years_missed", n=h.years_missed)
        st.caption(target)
        if len(h.series) > 1:
            percent = h.key != "satisfaction_improvement"  # its series holds the wave means (0–100)
            color_line = charts.STATUS[shade] if shade != "no_data" else charts.DUAL
            fig = charts.sparkline([schema.period_label(p.period, lang) for p in h.series],
                                   [p.value for p in h.series], color=color_line,
                                   target=h.target if percent else None, percent=percent)
            fig.update_layout(height=110 if big else 70)
            st.plotly_chart(fig, config={"displayModeBar": False}, theme=None, key=f"spark_{h.key}")
        params = link_params(lang, f.filters)
        if f.page != h.page:
            st.page_link(_PATHS[h.page], label=f.t("overview.details"), icon=":material/arrow_forward:",
                         query_params=params)
        st.page_link(_PATHS["methods"], label=f.t("overview.methods"), icon=":material/menu_book:",
                     query_params={**params, "section": h.methods})
        decide.button(f, f"tile_{h.key}", h.key)


def tiles(f: Frame, keys: tuple[str, ...], *, big: bool = False, detail: bool = False) -> None:
    """The tiles of ``keys`` side by side."""
    items = [headline(f, key) for key in keys]
    for col, h in zip(st.columns(len(items)), items, strict=True):
        with col:
            tile(f, h, big=big, detail=detail)


def sentences(f: Frame) -> list[str]:
    """One full sentence per headline."""
    return [md(s) for s in narrative.sentences(headlines(f), f.lang, f.settings.small_n)]  # names in them as typed


def attention(f: Frame) -> list[tuple[str, narrative.Attention]]:
    """The three things most in need of attention (the leadership group's overdue actions
    first), each with its subject in bold (mentors' names left out for roles that may not see
    personal data), beside the item itself (its figure, for recording an action on it)."""
    facts = store.query(narrative.attention_facts, f.filters, day=decide.today())
    items = narrative.attention_of(view(f), facts, f.settings, f.lang)  # words only: no query reruns
    personal = f.user.can("view_personal")
    return [
        (f.t("overview.mentors_masked", subject=md(a.subject)) if not personal and a.key.endswith("_mentors")
         else md(a.text).replace(md(a.subject), f"**{md(a.subject)}**", 1) if a.subject else md(a.text), a)
        for a in items
    ]
