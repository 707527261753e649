"""Certificates: pass rates per attempt, first attempt and person over time; dual-mentor
students against the others; breakdowns with Wilson intervals, small groups marked."""

import streamlit as st

import ui
from analytics import charts
from analytics.metrics import certificates as cert
from ui import components as c
from ui import store
from ui.benchmark import benchmark_panel
from ui.labels import labels_for, with_labels

f = ui.frame("certificates")
c.header(f)

measure = st.segmented_control(
    f.t("certificates.measure_label"), list(cert.MEASURES), key="cert_measure", required=True,
    default="attempt", format_func=lambda m: f.t(f"certificates.measure.{m}"),
)
measure_name = f.t(f"certificates.measure.{measure}")
tiles = st.columns(3)
for col, (m, fn) in zip(tiles, (("attempt", cert.pass_rate), ("first_attempt", cert.first_attempt_pass_rate),
                               ("person", cert.certification_rate)), strict=True):
    r = store.query(fn, f.filters)
    col.metric(f.t(f"certificates.measure.{m}"), c.pct(r.value), border=True,
               help=c.rate_text(f, r))

if store.query(cert.pass_rate, f.filters).denominator == 0:
    c.no_data(f, f.t("nav.certificates"))
    st.stop()

st.subheader(f.t("certificates.dual_title"), anchor=False)
cmp = store.query(cert.dual_vs_other, f.filters, measure)
st.markdown(c.comparison_text(f, cmp, f.t(f"certificates.measure_inline.{measure}"),
                              f.settings.targets.pass_rate_improvement))

if measure == "person":
    trend = store.query(cert.pass_rates_by, f.filters, "year", measure)
    fig = charts.rate_trend(trend, f.lang, title=f.t("certificates.trend_title", measure=measure_name),
                            x_title=f.t("label.exam_year"))
else:
    trend = c.dual_trend(store.query(cert.dual_vs_other_by_year, f.filters, measure), f.settings.small_n)
    fig = charts.rate_trend(trend, f.lang, title=f.t("certificates.trend_title", measure=measure_name),
                            x_title=f.t("label.exam_year"), series="dual",
                            series_labels=labels_for(f, "dual", ["in", "out"]))
c.chart(f, fig, n=int(trend["denominator"].sum()), key="cert_trend")

st.subheader(f.t("certificates.breakdown_title"), anchor=False)
by = st.selectbox(f.t("common.breakdown_by"), ["major", "school", "cohort", "certificate", "level", "model",
                                               "enterprise", "dual"],
                  key="cert_by", format_func=lambda b: f.t(f"by.{b}"))
groups = store.query(cert.pass_rates_by, f.filters, by, measure)
fig = charts.rate_bars(groups, f.lang, title=f.t("certificates.ranked_title", measure=measure_name, by=f.t(f"by.{by}")),
                       labels=labels_for(f, by, groups["group"]), color_by_dual=by == "dual")
c.chart(f, fig, n=int(groups["denominator"].sum()), key="cert_ranked")
c.rate_table(f, with_labels(f, groups, by), name=f"pass_rates_by_{by}", group_label=f.t(f"by.{by}"))

benchmark_panel(f, "certificate_pass_rate")
