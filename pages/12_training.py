"""Two-way training (双向培训): enterprise mentors trained in teaching methods, school mentors
trained in production technology, with hours; and school teachers' enterprise practice
against the national rule (six months every five years, a setting), with who is behind."""

import pandas as pd
import streamlit as st

import ui
from analytics import charts, schema
from analytics.metrics import training
from ui import components as c
from ui import decide, store

f = ui.frame("training")
c.header(f)
decide.notice(f)

day = decide.today()
rule = f.t("training.rule", months=f"{f.settings.practice_months:g}", years=f.settings.practice_years)
latest = {kind: store.query(training.trained_rate, f.filters, kind) for kind in training.COUNTS}
practice = store.query(training.practice_rate, f.filters, day)
tiles = st.columns(3)
for col, kind in zip(tiles, training.COUNTS, strict=False):
    year, r = latest[kind]
    with col:
        st.metric(f.t(f"training.trained.{kind}", year=year or "—"), c.pct(r.value), border=True,
                  help=c.rate_text(f, r))
        decide.button(f, f"training_{kind}", f"{kind}_mentors_trained")
with tiles[2]:
    st.metric(f.t("training.on_track"), c.pct(practice.value), border=True, help=c.rate_text(f, practice))
    decide.button(f, "training_practice", "practice_on_track")
st.caption(f.t("training.as_of", day=day.isoformat(), rule=rule))

st.subheader(f.t("training.by_year_title"), anchor=False)
by_year = pd.concat([store.query(training.trained_by_year, f.filters, kind).assign(series=kind)
                     for kind in training.COUNTS], ignore_index=True)
if not len(by_year):
    c.no_data(f, f.t("training.by_year_title"))
else:
    fig = charts.rate_trend(by_year.rename(columns={"year": "group"}), f.lang, title=f.t("training.by_year_title"),
                            x_title=f.t("by.year"), series="series",
                            series_labels={k: f.t(f"training.series.{k}") for k in training.COUNTS})
    c.chart(f, fig, n=int(by_year["denominator"].sum()), key="training_trend")
    shown = by_year.assign(series=[f.t(f"training.series.{k}") for k in by_year["series"]])[
        ["series", "year", "trained", "mentors", "rate", "ci_low", "ci_high", "hours", "hours_per_trained"]]
    c.table(f, shown, name="training_by_year", labels={k: f.t(f"training.col.{k}") for k in shown.columns},
            formats={"rate": c.percent_column(), "ci_low": c.percent_column(), "ci_high": c.percent_column(),
                     "hours_per_trained": c.decimal_column(1)})

st.subheader(f.t("training.practice_title", rule=rule), anchor=False)
people = store.query(training.practice, f.filters, day)
c.table(f, people, name="training_practice", labels={k: f.t(f"training.col.{k}") for k in people.columns}, height=320,
        formats={"days": c.decimal_column(0), "required": c.decimal_column(0), "shortfall": c.decimal_column(0),
                 "appointed_on": c.date_column(), "last_practice": c.date_column()},
        note=f.t("training.practice_note"))

st.subheader(f.t("training.untrained_title"), anchor=False)
kind = st.segmented_control(f.t("mentors.type_label"), list(training.COUNTS), key="training_kind", required=True,
                            default="enterprise", format_func=lambda k: schema.label("mentor_type", k, f.lang))
year = latest[kind][0]
if year is None:
    c.no_data(f, f.t("training.untrained_title"))
else:
    missing = store.query(training.untrained, f.filters, kind, year)
    c.table(f, missing, name=f"training_untrained_{kind}", labels={k: f.t(f"training.col.{k}") for k in missing.columns},
            formats={"last_trained": c.date_column()},
            note=f.t("training.untrained_note", year=year, training=schema.label("training_type",
                                                                                   training.COUNTS[kind], f.lang)))
