"""Reporting status: for a chosen year, which schools have sent which tables, when, by whom,
how many rows and rejects; the share of schools reporting per table, on time against the
deadline (settings ``[reporting] deadline``), the list of schools to remind (download), and the
sign-off: a school submits its returns, the bureau approves or returns them (``ui.signoff``)."""

import streamlit as st

import ui
from analytics import schema
from analytics.metrics import reporting
from ui import components as c
from ui import decide, signoff, store

f = ui.frame("reporting")
c.header(f)

years = sorted(set(f.options.years), reverse=True)
if not years:
    c.no_data(f, f.t("nav.reporting"))
    st.stop()
year = st.selectbox(f.t("reporting.year"), years, index=0, key="rep_year")
st.caption(f.t("reporting.deadline", year=year, deadline=reporting.deadline(f.settings, year).isoformat(),
               today=decide.today().isoformat()))
status = store.query(reporting.reporting_status, f.filters, year, decide.today())
if status.empty:
    st.info(f.t("reporting.no_schools"))
    st.stop()
table_label = {name: schema.table(name).label(f.lang) for name in reporting.REPORTED_TABLES}

rates = reporting.summarise(status)
tiles = st.columns(4)
for i, row in enumerate(rates.itertuples(index=False)):
    tiles[i % 4].metric(table_label[row.table], c.pct(row.reported_share, 0),
                        f.t("reporting.tiles", reported=row.reported, schools=row.schools), delta_color="off",
                        delta_arrow="off")

st.subheader(f.t("reporting.late_title"), anchor=False)
late = reporting.late_from(status)
if late.empty:
    st.success(f.t("reporting.late_none"))
else:
    sep = f.t("narrative.list_sep")
    late = late.assign(late=[sep.join(table_label[x] for x in v) for v in late["late"]],
                       missing=[sep.join(table_label[x] for x in v) for v in late["missing"]])
    cols = ["school_name", "county", "late", "missing"]
    c.table(f, late[cols], name=f"late_schools_{year}", labels={k: f.t(f"reporting.col.{k}") for k in cols},
            note=f.t("reporting.late_note"), xlsx=True)

st.subheader(f.t("reporting.grid_title"), anchor=False)
grid = status.assign(status=[f.t(f"reporting.status.{s}") for s in status["status"]],
                     table=[table_label[x] for x in status["table"]])
grid = grid.pivot_table(index=["school_name", "county"], columns="table", values="status", aggfunc="first",
                        sort=False).reset_index()
approval = status.groupby("school_name", sort=False)["approval"].first()
grid["approval"] = [f.t(f"signoff.state.{a}") if isinstance(a, str) else "" for a in grid["school_name"].map(approval)]
grid = grid[["school_name", "county", *[table_label[x] for x in reporting.REPORTED_TABLES], "approval"]]
c.table(f, grid, name=f"reporting_grid_{year}",
        labels={k: f.t(f"reporting.col.{k}") for k in ("school_name", "county", "approval")})
signoff.form(f, status, year, store.query_store(reporting.return_notes, year))

st.subheader(f.t("reporting.rates_title"), anchor=False)
cols = ["table", "schools", "reported", "on_time", "reported_share", "on_time_share"]
c.table(f, rates.assign(table=[table_label[x] for x in rates["table"]])[cols], name=f"reporting_rates_{year}",
        labels={k: f.t(f"reporting.col.{k}") for k in cols},
        formats={"reported_share": c.percent_column(), "on_time_share": c.percent_column()})

with st.expander(f.t("reporting.detail_title")):
    cols = ["school_name", "county", "table", "rows", "rejected", "first_at", "last_at", "submitted_by", "status"]
    detail = status.assign(table=[table_label[x] for x in status["table"]],
                           status=[f.t(f"reporting.status.{s}") for s in status["status"]],
                           first_at=status["first_at"].dt.strftime("%Y-%m-%d %H:%M"),
                           last_at=status["last_at"].dt.strftime("%Y-%m-%d %H:%M"))
    c.table(f, detail[cols], name=f"reporting_detail_{year}", labels={k: f.t(f"reporting.col.{k}") for k in cols},
            height=420)
