"""Enterprise satisfaction: trend per dimension, change from the first to the latest wave
against the target, and each partner enterprise's scores with their response counts."""

import streamlit as st

import ui
from analytics import charts
from analytics.metrics import satisfaction as sat
from ui import components as c
from ui import store
from ui.labels import labels_for

f = ui.frame("satisfaction")
c.header(f)
target = f.settings.targets.satisfaction_improvement

overall = store.query(sat.trend, f.filters)
if not len(overall.waves):
    c.no_data(f, f.t("nav.satisfaction"))
    st.stop()
latest = overall.waves.iloc[-1]
first = overall.waves.iloc[0]
tiles = st.columns(4)
tiles[0].metric(f.t("satisfaction.latest_mean", wave=int(latest["wave"])), c.number(latest["mean_0_100"], 1),
                delta=c.number(latest["change_prev"], 1) if len(overall.waves) > 1 else None, border=True)
rel = overall.relative_change_first_to_latest
tiles[1].metric(f.t("satisfaction.change_first", first=int(first["wave"]), latest=int(latest["wave"])),
                c.pct(rel), border=True, delta=f.t("status." + c.target_status(rel, target)), delta_color="off",
                help=f.t("satisfaction.target_help", target=c.pct(target, 0)))
tiles[2].metric(f.t("satisfaction.share_satisfied"), c.pct(latest["share_satisfied"]), border=True)
tiles[3].metric(f.t("satisfaction.slope"), c.number(overall.slope_per_year, 1), border=True)

dims = store.query(sat.trend, f.filters, "dimension").waves
left, right = st.columns([3, 2])
with left:
    fig = charts.lines(dims, f.lang, x="wave", y="mean_0_100", color="dimension", title=f.t("satisfaction.trend_title"),
                       x_title=f.t("satisfaction.wave"), y_title=f.t("satisfaction.mean_axis"),
                       color_labels=labels_for(f, "dimension", dims["dimension"].unique()))
    c.chart(f, fig, n=int(dims["responses"].sum()), key="sat_trend")
with right:
    change = dims.groupby("dimension", sort=False).tail(1)[["dimension", "relative_first"]]
    fig = charts.bars(change.sort_values("relative_first"), f.lang, x="dimension", y=["relative_first"], percent=True,
                      horizontal=True, title=f.t("satisfaction.change_title"),
                      y_labels={"relative_first": f.t("satisfaction.change_axis")})
    fig.update_yaxes(ticktext=[labels_for(f, "dimension", change["dimension"])[str(d)]
                               for d in change.sort_values("relative_first")["dimension"]],
                     tickvals=[str(d) for d in change.sort_values("relative_first")["dimension"]])
    charts.add_target(fig, target, f.lang, horizontal=False)
    c.chart(f, fig, n=int(dims["responses"].sum()), key="sat_change")

st.subheader(f.t("satisfaction.enterprise_title"), anchor=False)
grid = store.query(sat.enterprise_dimensions, f.filters)
fig = charts.heatmap(grid, f.lang, x="dimension", y="enterprise", z="mean_0_100", title=f.t("satisfaction.heatmap_title"),
                     x_labels=labels_for(f, "dimension", grid["dimension"].unique()),
                     y_labels=labels_for(f, "enterprise", grid["enterprise"].unique()),
                     z_title=f.t("satisfaction.mean_axis"), z_format=".0f")
c.chart(f, fig, n=int(grid["responses"].sum()), key="sat_heatmap")
ent = store.query(sat.waves, f.filters, "enterprise")
table = ent.assign(enterprise=[labels_for(f, "enterprise", [e])[str(e)] for e in ent["enterprise"]])
c.table(f, table, name="satisfaction_by_enterprise",
        labels={"wave": f.t("satisfaction.wave"), "enterprise": f.t("by.enterprise"),
                "mean_0_100": f.t("satisfaction.mean_axis"), "share_satisfied": f.t("satisfaction.share_satisfied"),
                "responses": f.t("satisfaction.responses")},
        formats={"share_satisfied": c.percent_column(), "mean_0_100": c.decimal_column(1)},
        n=int(ent["responses"].sum()))
