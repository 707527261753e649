"""Employment: the initial employment headline (the latest graduation year, as on the
overview) with the series by year; related-to-major, partner placement, retention and
salary pooled over the filter's years (and labelled so); destinations; breakdowns."""

import pandas as pd
import streamlit as st

import ui
from analytics import charts, narrative
from analytics.metrics import benchmarks as bench
from analytics.metrics import employment as emp
from ui import components as c
from ui import store
from ui.benchmark import benchmark_panel
from ui.labels import labels_for, with_labels
from ui.overview import headline, tile, view

f = ui.frame("employment")
c.header(f)
target = f.settings.targets.initial_employment

shared = view(f).employment  # the base query the headline tile ran: once for the whole page
summary = emp.summary_of(shared, f.settings)
salary = summary.salary
if summary.initial.rate.denominator == 0:
    c.no_data(f, f.t("nav.employment"))
    ui.stop()
lead, rest = st.columns([2, 3])
with lead:
    tile(f, headline(f, "initial_employment"), detail=True)
with rest:
    years = narrative.period_text(emp.pooled_period(summary), f.lang)
    st.markdown(f"**{f.t('employment.pooled_title', period=years)}**")
    cols = st.columns(3)
    for col, key, r in ((cols[0], "related", summary.related), (cols[1], "partner", summary.partner),
                        (cols[2], "retention", summary.retention)):
        col.metric(f.t(f"employment.{key}"), c.pct(r.value), border=True, help=c.rate_text(f, r))
        col.caption(c.rate_text(f, r))
    st.caption(f.t("employment.salary_line", value=c.number(salary["value"]), n=f"{salary['n']:,}") + " "
               + f.t("employment.retention_note", n=f"{summary.retention.denominator:,}"))
    by_year = summary.initial_by
    fig = charts.rate_trend(by_year, f.lang, title=f.t("employment.initial_trend"),
                            x_title=f.t("by.graduation_year"), target=target)
    c.chart(f, fig, n=int(by_year["denominator"].sum()), key="emp_trend", note=f.t("employment.series_note"))

left, right = st.columns(2)
with left:
    dest = emp.destinations_of(shared)  # counted in the base query: no scan of its own
    fig = charts.stacked_bars(dest, f.lang, x="graduation_year", color="status", y="graduates", percent=True,
                              title=f.t("employment.destinations"), x_title=f.t("by.graduation_year"),
                              color_labels=labels_for(f, "status", dest["status"].unique()))
    c.chart(f, fig, n=int(dest["graduates"].sum()), key="emp_destinations")
with right:
    related = summary.related_by.assign(series="related")
    partner = summary.partner_by.assign(series="partner")
    retained = summary.retention_by.assign(series="retention")
    both = pd.concat([related, partner, retained], ignore_index=True)
    fig = charts.rate_trend(both, f.lang, title=f.t("employment.quality_trend"), x_title=f.t("by.graduation_year"),
                            series="series", series_labels={k: f.t(f"employment.{k}")
                                                            for k in ("related", "partner", "retention")})
    c.chart(f, fig, n=int(related["denominator"].sum()), key="emp_quality")

spread, by_year = st.tabs([f.t("employment.salary_distribution"), f.t("employment.salary_title")])
with spread:
    bands = emp.salary_distribution_of(shared)
    bands = bands.assign(band=[f"{lo:,.0f}–{hi:,.0f}" for lo, hi in zip(bands["lower"], bands["upper"])])
    fig = charts.bars(bands, f.lang, x="band", y=["graduates"], title=f.t("employment.salary_distribution"),
                      x_title=f.t("employment.salary_band"), y_title=f.t("employment.graduates_axis"),
                      y_labels={"graduates": f.t("employment.graduates_axis")})
    c.chart(f, fig, n=int(bands["graduates"].sum()), key="emp_salary_bands",
            note=f.t("employment.salary_line", value=c.number(salary["value"]), n=f"{salary['n']:,}"))
with by_year:
    pay = summary.salary_by
    fig = charts.bars(pay, f.lang, x="group", y=["value"], title=f.t("employment.salary_title"),
                      x_title=f.t("by.graduation_year"), y_title=f.t("employment.salary_axis"),
                      y_labels={"value": f.t("employment.salary_axis")})
    c.chart(f, fig, n=int(pay["n"].sum()), key="emp_salary")

st.subheader(f.t("employment.breakdown_title"), anchor=False)
by = st.selectbox(f.t("common.breakdown_by"), ["major", "school", "gender", "dual", "enterprise"], key="emp_by",
                  format_func=lambda b: f.t(f"by.{b}"))
groups = emp.by_group(shared, f.settings) if by == shared.by else store.query(emp.initial_employment_by, f.filters, by)
fig = charts.rate_bars(groups, f.lang, title=f.t("employment.ranked_title", by=f.t(f"by.{by}"), period=years),
                       labels=labels_for(f, by, groups["group"]), target=target, color_by_dual=by == "dual")
c.chart(f, fig, n=int(groups["denominator"].sum()), key="emp_ranked")
c.rate_table(f, with_labels(f, groups, by), name=f"initial_employment_by_{by}", group_label=f.t(f"by.{by}"),
             extra={"coverage": f.t("employment.coverage")})

benchmark_panel(f, "initial_employment_rate",
                school=bench.school_series_of(emp.initial_by_year(shared, f.settings), "initial_employment_rate"))
