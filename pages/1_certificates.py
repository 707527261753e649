"""Certificates: the pass-rate improvement headline (as on the overview); pass rates per
attempt, first attempt and person; dual-mentor students against the others, crude and
within major × year (Mantel–Haenszel), inside each major, and before/after a major joined;
breakdowns with Wilson intervals, small groups marked."""

import streamlit as st

import ui
from analytics import charts, narrative
from analytics.metrics import certificates as cert
from ui import components as c
from ui import store
from ui.benchmark import benchmark_panel
from ui.labels import labels_for, with_labels
from ui.overview import headline, tile

f = ui.frame("certificates")
c.header(f)
if store.query(cert.pass_rate, f.filters).denominator == 0:
    c.no_data(f, f.t("nav.certificates"))
    ui.stop()
lead, rest = st.columns([2, 3])
with lead:
    tile(f, headline(f, "pass_rate_improvement"), detail=True)
with rest:
    cols = st.columns(3)
    for col, (m, fn) in zip(cols, (("attempt", cert.pass_rate), ("first_attempt", cert.first_attempt_pass_rate),
                                  ("person", cert.certification_rate)), strict=True):
        r = store.query(fn, f.filters)
        col.metric(f.t(f"certificates.measure.{m}"), c.pct(r.value), border=True, help=c.rate_text(f, r))
        col.caption(c.rate_text(f, r))
    unit = f.settings.comparison_unit
    trend = c.dual_trend(store.query(cert.dual_vs_other_by_year, f.filters, unit), f.settings.small_n)
    fig = charts.rate_trend(trend, f.lang, title=f.t("certificates.trend_title",
                                                     measure=f.t(f"certificates.measure.{unit}")),
                            x_title=f.t("label.exam_year"), series="dual",
                            series_labels=labels_for(f, "dual", ["in", "out"]))
    c.chart(f, fig, n=int(trend["denominator"].sum()), key="cert_headline_trend")

st.subheader(f.t("certificates.dual_title"), anchor=False)
left, right = st.columns(2)
measure = left.segmented_control(
    f.t("certificates.unit_label"), list(cert.MEASURES), key="cert_measure", required=True,
    default=f.settings.comparison_unit, format_func=lambda m: f.t(f"certificates.measure.{m}"),
    help=f.t("certificates.unit_help"))
strata = right.segmented_control(
    f.t("certificates.strata_label"), ["major", "major_cohort"], key="cert_strata", required=True, default="major",
    format_func=lambda s: f.t(f"certificates.strata.{s}"))
by = ("major",) if strata == "major" else ("major", "cohort")
adjusted = store.query(cert.dual_vs_other_adjusted, f.filters, measure, by)
rows = narrative.adjusted_rows(adjusted, f.lang)
c.table(f, rows.assign(status=[f.t(f"headline.status.{s}") for s in rows["status"]],
                       p=[narrative.p_text(p) for p in rows["p"]]), name=f"dual_vs_other_{measure}",
        labels={k: f.t(f"certificates.col.{k}") for k in rows.columns},
        formats={"relative": c.percent_column(), **{k: c.decimal_column(1) for k in ("diff_pp", "ci_low_pp", "ci_high_pp")}},
        n=adjusted.crude.group.denominator + adjusted.crude.baseline.denominator,
        note=narrative.homogeneity_text(adjusted, f.lang))
if adjusted.changes_verdict:
    st.warning(f.t("certificates.verdict_changes"), icon=":material/balance:")

within = store.query(cert.within_major, f.filters, measure)
st.markdown(f"**{f.t('certificates.within_title')}**")
shown = narrative.within_rows(within, f.lang)
c.table(f, shown[["group", "dual_numerator", "dual_denominator", "dual_rate", "other_numerator", "other_denominator",
                  "other_rate", "diff_pp", "ci_low_pp", "ci_high_pp", "direction", "small_n"]],
        name=f"within_major_{measure}", labels={k: f.t(f"certificates.col.{k}") for k in shown.columns},
        formats={"dual_rate": c.percent_column(), "other_rate": c.percent_column(),
                 **{k: c.decimal_column(1) for k in ("diff_pp", "ci_low_pp", "ci_high_pp")}},
        n=int(within["dual_denominator"].sum() + within["other_denominator"].sum()),
        note=f.t("common.small_n", n=f.settings.small_n) if within["small_n"].any() else None)

measure_name = f.t(f"certificates.measure.{measure}")
if measure != unit:
    trend = c.dual_trend(store.query(cert.dual_vs_other_by_year, f.filters, measure), f.settings.small_n)
    fig = charts.rate_trend(trend, f.lang, title=f.t("certificates.trend_title", measure=measure_name),
                            x_title=f.t("label.exam_year"), series="dual",
                            series_labels=labels_for(f, "dual", ["in", "out"]))
    c.chart(f, fig, n=int(trend["denominator"].sum()), key="cert_trend")

st.subheader(f.t("certificates.joined_title"), anchor=False)
joiner = st.segmented_control(f.t("certificates.joined_unit"), list(cert.JOIN_UNITS), key="cert_join_unit",
                              required=True, default="major", format_func=lambda u: f.t(f"by.{u}"))
joined = store.query(cert.before_after_table, f.filters, joiner, measure)
if joined.empty:
    st.info(f.t("certificates.joined_none", unit=f.t(f"certificates.unit_name.{joiner}")), icon=":material/info:")
else:
    c.table(f, with_labels(f, joined, joiner).assign(p=[narrative.p_text(p) for p in joined["p"]]),
            name=f"before_after_{joiner}",
            labels={k: f.t(f"certificates.col.{k}") for k in joined.columns} | {"group": f.t(f"by.{joiner}")},
            formats={"before": c.percent_column(), "after": c.percent_column(),
                     **{k: c.decimal_column(1) for k in joined.columns if k.endswith("_pp")}},
            note=f.t("certificates.joined_note"))

st.subheader(f.t("certificates.breakdown_title"), anchor=False)
by = st.selectbox(f.t("common.breakdown_by"), ["major", "school", "cohort", "gender", "certificate", "level", "model",
                                               "enterprise", "dual"],
                  key="cert_by", format_func=lambda b: f.t(f"by.{b}"))
groups = store.query(cert.pass_rates_by, f.filters, by, measure)
fig = charts.rate_bars(groups, f.lang, title=f.t("certificates.ranked_title", measure=measure_name, by=f.t(f"by.{by}")),
                       labels=labels_for(f, by, groups["group"]), color_by_dual=by == "dual")
c.chart(f, fig, n=int(groups["denominator"].sum()), key="cert_ranked")
c.rate_table(f, with_labels(f, groups, by), name=f"pass_rates_by_{by}", group_label=f.t(f"by.{by}"))

benchmark_panel(f, "certificate_pass_rate")
