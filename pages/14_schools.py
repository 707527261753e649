"""Schools side by side: each school's headline rate with its Wilson interval in a funnel plot
against the reference rate (95% and 99.8% control limits), the standardised ratio by major ×
year in a ranked chart, and the published benchmark beside them."""

import streamlit as st

import ui
from analytics import charts, schema
from analytics.metrics import schools
from ui import components as c
from ui import store

f = ui.frame("schools")
c.header(f)

indicator = st.segmented_control(f.t("schools.indicator"), list(schools.INDICATORS), key="sch_indicator",
                                 required=True, default=schools.INDICATORS[0],
                                 format_func=lambda k: schema.label("indicator", k, f.lang))
frame = store.query(schools.school_rates, f.filters, indicator)
if frame.empty:
    c.no_data(f, f.t("nav.schools"))
    st.stop()

label = schema.label("indicator", indicator, f.lang)
names = lambda pos: f.t("narrative.list_sep").join(frame.loc[frame["position"].isin(pos), "school_name"]) or f.t(  # noqa: E731
    "schools.none")
st.markdown(f.t("schools.summary", n=len(frame), reference=c.pct(frame["reference"].iloc[0]),
                k=int(frame["numerator"].sum()), d=int(frame["denominator"].sum()), high=names(["high_998"]),
                low=names(["low_998"]), warn=names(["high_95", "low_95"])))
bench = store.query_store(schools.published, indicator)
basis = (f.t("schools.basis_pass") if indicator == "certificate_pass_rate" else
         f.t("schools.basis_employment", year=store.query(schools.latest_year, f.filters) or "—"))
bench_text = (f.t("schools.benchmark", source=bench["source"], year=bench["year"] or "", value=c.pct(bench["value"]))
              if bench else f.t("schools.no_benchmark"))
curve = schools.funnel_curve(float(frame["reference"].iloc[0]), int(frame["denominator"].max() * 1.1),
                             n_min=int(frame["denominator"].min() // 2))
c.chart(f, charts.funnel(frame, curve, f.lang, title=f.t("schools.funnel_title", indicator=label), y_title=label,
                         benchmark=bench["value"] if bench else None,
                         benchmark_name=bench["source"] if bench else None),
        n=int(frame["denominator"].sum()), note=f"{basis} {bench_text}", key="sch_funnel")
c.chart(f, charts.caterpillar(frame, f.lang, title=f.t("schools.caterpillar_title")), key="sch_ratio")

st.subheader(f.t("schools.table_title"), anchor=False)
cols = ["school_name", "county", "numerator", "denominator", "rate", "ci_low", "ci_high", "position", "observed",
        "expected", "ratio", "ratio_low", "ratio_high", "standardised"]
shown = frame.assign(position=[f.t(f"schools.position.{p}") for p in frame["position"]])
c.table(f, shown[cols], name=f"schools_{indicator}", labels={k: f.t(f"schools.col.{k}") for k in cols},
        formats={**{k: c.percent_column() for k in ("rate", "ci_low", "ci_high", "standardised")},
                 **{k: c.decimal_column(2) for k in ("ratio", "ratio_low", "ratio_high")},
                 "expected": c.decimal_column(1)},
        n=int(frame["denominator"].sum()), note=f.t("schools.note"))
