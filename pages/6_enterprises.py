"""Enterprises & funding: each partner enterprise's students, certification, placements and
satisfaction, each with its n and the small-group flag; funding by year, source and category
with the execution rate (and the lines it leaves out)."""

import streamlit as st

import ui
from analytics import charts, narrative
from analytics.metrics import funding as fund
from analytics.metrics import partners
from ui import components as c
from ui import store
from ui.labels import labels_for, with_labels

f = ui.frame("enterprises")
c.header(f)

st.subheader(f.t("enterprises.partners_title"), anchor=False)
forms = store.query(partners.by_form, f.filters)
if not len(forms):
    c.no_data(f, f.t("enterprises.partners_title"))
else:
    fig = charts.bars(forms, f.lang, x="cooperation_form", y=["students", "hired"], title=f.t("enterprises.forms_title"),
                      y_labels={k: f.t(f"enterprises.col.{k}") for k in ("students", "hired")})
    names = labels_for(f, "cooperation_form", forms["cooperation_form"])
    fig.update_xaxes(tickvals=list(forms["cooperation_form"]),
                     ticktext=[f.t("enterprises.form_tick", form=names[v], n=n)
                               for v, n in zip(forms["cooperation_form"], forms["partners"], strict=True)])
    c.chart(f, fig, n=int(forms["partners"].sum()), key="partner_forms")
    table = store.query(partners.partner_table, f.filters)
    shown = with_labels(f, table, "cooperation_form", column="cooperation_form")
    columns = ["enterprise_name", "cooperation_form", "demonstration_unit", "students", "dual_students", "hired",
               "placed", "placed_k", "placed_n", "placed_small", "certified", "certified_k", "certified_n",
               "certified_small", "wave", "mean_0_100", "respondents", "satisfaction_small"]
    c.table(f, shown[columns], name="partners", height=360,
            labels={k: f.t(f"enterprises.col.{k}") for k in columns},
            formats={"placed": c.percent_column(), "certified": c.percent_column(), "mean_0_100": c.decimal_column(1)},
            note=f.t("enterprises.partners_note", n=f.settings.small_n))

st.subheader(f.t("enterprises.funding_title"), anchor=False)
if f.filters.scope is not None:  # funding has no school: hidden from school-scoped users
    st.info(f.t("auth.funding_hidden"), icon=":material/lock:")
    ui.stop()
totals = store.query(fund.totals, f.filters)
if not totals.get("budget"):
    c.no_data(f, f.t("enterprises.funding_title"))
    ui.stop()
tiles = st.columns(3)
tiles[0].metric(f.t("enterprises.budget"), c.number(totals["budget"]), border=True)
tiles[1].metric(f.t("enterprises.spent"), c.number(totals["spent"]), border=True)
tiles[2].metric(f.t("enterprises.execution"), c.pct(totals["execution_rate"]), border=True)
tiles[2].caption(narrative.funding_note(totals, f.lang))
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
