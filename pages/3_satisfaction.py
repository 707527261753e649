"""Enterprise satisfaction: the improvement headline (first to latest wave, as on the
overview) with the change in points and in the share satisfied; the trend per dimension
and each dimension's change; each partner enterprise's scores with their respondents."""

import streamlit as st

import ui
from analytics import charts
from analytics.metrics import satisfaction as sat
from ui import components as c
from ui import store
from ui.labels import labels_for, with_labels
from ui.overview import headline, tile

f = ui.frame("satisfaction")
c.header(f)
target = f.settings.targets.satisfaction_improvement

overall = store.query(sat.trend, f.filters)
if not len(overall.waves):
    c.no_data(f, f.t("nav.satisfaction"))
    ui.stop()
lead, rest = st.columns([2, 3])
with lead:
    tile(f, headline(f, "satisfaction_improvement"), detail=True)
with rest:
    waves = overall.waves
    fig = charts.lines(waves, f.lang, x="wave", y="mean_0_100", title=f.t("satisfaction.waves_title"),
                       x_title=f.t("satisfaction.wave"), y_title=f.t("satisfaction.mean_axis"))
    c.chart(f, fig, n=int(waves["respondents"].sum()), key="sat_waves", note=f.t("satisfaction.n_note"))
    shown = waves[["wave", "mean_0_100", "ci_low", "ci_high", "share_satisfied", "respondents", "ratings",
                   "enterprises", "small_n"]]
    c.table(f, shown, name="satisfaction_waves",
            labels={k: f.t(f"satisfaction.col.{k}") for k in ("wave", "mean_0_100", "ci_low", "ci_high",
                                                              "share_satisfied", "respondents", "ratings",
                                                              "enterprises", "small_n")},
            formats={"share_satisfied": c.percent_column(),
                     **{k: c.decimal_column(1) for k in ("mean_0_100", "ci_low", "ci_high")}},
            n=int(waves["respondents"].sum()))

dims = store.query(sat.trend, f.filters, "dimension").waves
left, right = st.columns([3, 2])
with left:
    fig = charts.lines(dims, f.lang, x="wave", y="mean_0_100", color="dimension", title=f.t("satisfaction.trend_title"),
                       x_title=f.t("satisfaction.wave"), y_title=f.t("satisfaction.mean_axis"),
                       color_labels=labels_for(f, "dimension", dims["dimension"].unique()))
    c.chart(f, fig, n=int(overall.waves["respondents"].sum()), key="sat_trend")
with right:
    change = store.query(sat.dimension_changes, f.filters)
    names = labels_for(f, "dimension", change["dimension"])
    fig = charts.bars(change.assign(label=[names[str(d)] for d in change["dimension"]]), f.lang, x="label",
                      y=["relative_first"], percent=True, horizontal=True, title=f.t("satisfaction.change_title"),
                      y_labels={"relative_first": f.t("satisfaction.change_axis")})
    charts.add_target(fig, target, f.lang, horizontal=False)
    c.chart(f, fig, n=int(overall.waves["respondents"].sum()), key="sat_change", note=f.t("satisfaction.change_note"))

st.subheader(f.t("satisfaction.enterprise_title"), anchor=False)
grid = store.query(sat.enterprise_dimensions, f.filters)
fig = charts.heatmap(grid, f.lang, x="dimension", y="enterprise", z="mean_0_100", title=f.t("satisfaction.heatmap_title"),
                     x_labels=labels_for(f, "dimension", grid["dimension"].unique()),
                     y_labels=labels_for(f, "enterprise", grid["enterprise"].unique()),
                     z_title=f.t("satisfaction.mean_axis"), z_format=".0f")
c.chart(f, fig, n=int(overall.waves["respondents"].sum()), key="sat_heatmap", note=f.t("satisfaction.heatmap_note"))
ent = store.query(sat.waves, f.filters, "enterprise")
c.table(f, with_labels(f, ent, "enterprise", column="enterprise"), name="satisfaction_by_enterprise",
        labels={k: f.t(f"satisfaction.col.{k}") for k in ("wave", "enterprise", "mean_0_100", "share_satisfied",
                                                          "respondents", "ratings", "small_n")},
        formats={"share_satisfied": c.percent_column(), "mean_0_100": c.decimal_column(1)},
        n=int(ent["respondents"].sum()), note=f.t("common.small_n", n=f.settings.small_n))
