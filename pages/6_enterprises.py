"""Enterprises & funding: each partner enterprise's students, certificate pass rate,
placements and satisfaction; funding by year, source and category with execution rate."""

import streamlit as st

import ui
from analytics import charts
from analytics.metrics import certificates as cert
from analytics.metrics import employment as emp
from analytics.metrics import funding as fund
from analytics.metrics.partners import partners
from analytics.metrics import satisfaction as sat
from ui import components as c
from ui import store
from ui.labels import labels_for

f = ui.frame("enterprises")
c.header(f)

st.subheader(f.t("enterprises.partners_title"), anchor=False)
roster = store.query(partners, f.filters)
if not len(roster):
    c.no_data(f, f.t("enterprises.partners_title"))
else:
    forms = roster.assign(cooperation_form=roster["cooperation_form"].fillna("other")).groupby(
        "cooperation_form", as_index=False).agg(partners=("enterprise_id", "count"), students=("students", "sum"),
                                               hired=("hired", "sum"))
    fig = charts.bars(forms, f.lang, x="cooperation_form", y=["students", "hired"], title=f.t("enterprises.forms_title"),
                      y_labels={k: f.t(f"enterprises.col.{k}") for k in ("students", "hired")})
    names = labels_for(f, "cooperation_form", forms["cooperation_form"])
    fig.update_xaxes(tickvals=list(forms["cooperation_form"]),
                     ticktext=[f.t("enterprises.form_tick", form=names[v], n=n)
                               for v, n in zip(forms["cooperation_form"], forms["partners"], strict=True)])
    c.chart(f, fig, n=len(roster), key="partner_forms")
    exams = store.query(cert.pass_rates_by, f.filters, "enterprise", "person")
    jobs = store.query(emp.initial_employment_by, f.filters, "enterprise")
    scores = store.query(sat.waves, f.filters, "enterprise")
    latest = scores.sort_values("wave").groupby("enterprise").tail(1)
    table = (
        roster.drop(columns=["industry", "partner_since"])
        .merge(jobs[["group", "rate"]].rename(columns={"group": "enterprise_id", "rate": "placed"}),
               on="enterprise_id", how="left")
        .merge(exams[["group", "rate"]].rename(columns={"group": "enterprise_id", "rate": "certified"}),
               on="enterprise_id", how="left")
        .merge(latest[["enterprise", "mean_0_100", "responses"]].rename(columns={"enterprise": "enterprise_id"}),
               on="enterprise_id", how="left")
    )
    table = table.assign(cooperation_form=[labels_for(f, "cooperation_form", [v])[str(v)] if isinstance(v, str)
                                           else "" for v in table["cooperation_form"]])
    c.table(f, table.drop(columns=["enterprise_id"]), name="partners", height=360,
            labels={k: f.t(f"enterprises.col.{k}") for k in table.columns},
            formats={"placed": c.percent_column(), "certified": c.percent_column(), "mean_0_100": c.decimal_column(1)},
            note=f.t("enterprises.partners_note"))

st.subheader(f.t("enterprises.funding_title"), anchor=False)
if f.filters.scope is not None:  # funding has no school: hidden from school-scoped users
    st.info(f.t("auth.funding_hidden"), icon=":material/lock:")
    st.stop()
totals = store.query(fund.totals, f.filters)
if not totals.get("budget"):
    c.no_data(f, f.t("enterprises.funding_title"))
    st.stop()
tiles = st.columns(3)
tiles[0].metric(f.t("enterprises.budget"), c.number(totals["budget"]), border=True)
tiles[1].metric(f.t("enterprises.spent"), c.number(totals["spent"]), border=True)
tiles[2].metric(f.t("enterprises.execution"), c.pct(totals["execution_rate"]), border=True)
by_year = store.query(fund.funding_by, f.filters, "year")
left, right = st.columns([3, 2])
with left:
    fig = charts.bars(by_year, f.lang, x="group", y=["budget", "spent"], title=f.t("enterprises.by_year_title"),
                      x_title=f.t("by.year"), y_title=f.t("enterprises.amount"),
                      y_labels={"budget": f.t("enterprises.budget"), "spent": f.t("enterprises.spent")})
    c.chart(f, fig, n=len(by_year), key="fund_year")
with right:
    by_source = store.query(fund.funding_by, f.filters, "source")
    fig = charts.donut(by_source, f.lang, names="group", values="budget", title=f.t("enterprises.by_source_title"),
                       labels=labels_for(f, "source", by_source["group"]))
    c.chart(f, fig, n=len(by_source), key="fund_source")
by = st.segmented_control(f.t("common.breakdown_by"), list(fund.GROUPS), key="fund_by", required=True,
                          default="category", format_func=lambda b: f.t(f"by.{b}"))
groups = store.query(fund.funding_by, f.filters, by)
shown = groups.assign(group=[labels_for(f, by, [g])[str(g)] for g in groups["group"]]) if by == "source" else groups
c.table(f, shown, name=f"funding_by_{by}", labels={k: f.t(f"enterprises.col.{k}") for k in groups.columns} | {
    "group": f.t(f"by.{by}")}, formats={k: c.percent_column() for k in ("execution_rate", "budget_share", "spent_share")})
