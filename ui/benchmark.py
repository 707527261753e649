"""A benchmark panel: the school's rate by year beside a published series (a province's
annual report, a national survey), with the school's Wilson interval deciding whether a
gap is real (``analytics.metrics.benchmarks``). Shown only when a benchmark is loaded."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts, narrative, schema, stats
from analytics.metrics import benchmarks as bench
from ui import components as c
from ui import store
from ui.frame import Frame


def benchmark_panel(f: Frame, indicator: str, school: pd.DataFrame | None = None) -> None:
    """Choose a published series of ``indicator`` and compare the school with it, year by year
    (``school``: its series already computed by the page, ``bench.school_series_of``)."""
    series = store.query_store(bench.available, indicator)
    series = series[series["figures"] > 0]
    if not len(series):
        return
    st.subheader(f.t("bench.title", indicator=schema.label("indicator", indicator, f.lang)), anchor=False)
    choices = list(zip(series["source"], series["group_label"], strict=True))
    source, group = st.selectbox(f.t("bench.series"), choices, key=f"bench_{indicator}",
                                 format_func=lambda sg: f"{sg[0]} · {sg[1]}" if sg[1] else sg[0])
    published = store.query_store(bench.benchmark_series, indicator, group=group, source=source)
    if school is None:
        school = store.query(bench.school_series, f.filters, indicator)
    both = bench.beside(school, published)
    fig = charts.benchmark_trend(both, f.lang, title=f.t("bench.chart_title"), x_title=f.t("by.year"),
                                 school_name=f.t("bench.school_series"), published_name=f.t("bench.published"))
    n = int(both["denominator"].sum())
    c.chart(f, fig, n=n, key=f"bench_chart_{indicator}", note=source)
    latest = both.dropna(subset=["value", "benchmark"]).tail(1)
    if len(latest):
        row = latest.iloc[0]
        rate = stats.rate(int(row["numerator"]), int(row["denominator"]), f.settings.small_n)
        result = bench.compare(rate, float(row["benchmark"]))
        st.markdown(narrative.benchmark_text(result, f.t("bench.school", year=int(row["year"])),
                                       f.t("bench.benchmark", source=source), f.lang))
    columns = ["year", "value", "ci_low", "ci_high", "benchmark", "diff_pp", "outside", "marker"]
    shown = both.assign(marker=[schema.label("marker", m, f.lang) if isinstance(m, str) else "" for m in both["marker"]])
    c.table(f, shown[columns], name=f"benchmark_{indicator}", labels={k: f.t(f"bench.col.{k}") for k in columns},
            formats={k: c.percent_column() for k in ("value", "ci_low", "ci_high", "benchmark")}
            | {"diff_pp": c.decimal_column(1)}, n=n)
