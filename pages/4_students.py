"""Students: the composite score (theory 30% + skill 50% + professionalism 20%), its bands
by stage, class, major or mentor, and one student's growth file."""

import pandas as pd
import streamlit as st

import ui
from analytics import auth
from analytics.i18n import md
from analytics import charts
from analytics.metrics import students as stu
from ui import components as c
from ui import store
from ui.labels import group_label

f = ui.frame("students")
c.header(f)

summary = store.query(stu.composite_summary, f.filters)
if not summary["n"]:
    c.no_data(f, f.t("nav.students"))
else:
    tiles = st.columns(2 + len(summary["bands"]))
    tiles[0].metric(f.t("students.mean"), c.number(summary["mean"], 1), border=True)
    tiles[1].metric(f.t("students.median"), c.number(summary["median"], 1), border=True)
    for col, (band, r) in zip(tiles[2:], summary["bands"].items(), strict=True):
        col.metric(group_label(f, "band", band), c.pct(r.value), border=True, help=c.rate_text(f, r))

    by = st.selectbox(f.t("common.breakdown_by"), ["stage", "major", "class", "term", "school_mentor",
                                                   "enterprise_mentor"],
                      key="stu_by", format_func=lambda b: f.t(f"by.{b}"))
    dist = store.query(stu.distribution_by, f.filters, by)
    dist = dist.assign(label=[group_label(f, "stage", g) if by == "stage" and g else (lbl or f.t("common.unknown"))
                              for g, lbl in zip(dist["group"], dist["label"], strict=True)])
    bands = list(summary["bands"])
    long = dist.melt(id_vars=["label"], value_vars=bands, var_name="band", value_name="count")
    fig = charts.stacked_bars(long, f.lang, x="label", color="band", y="count", percent=True,
                              title=f.t("students.bands_title", by=f.t(f"by.{by}")), x_title=f.t(f"by.{by}"),
                              color_labels={b: group_label(f, "band", b) for b in bands}, colors=charts.BANDS)
    c.chart(f, fig, n=int(dist["n"].sum()), key="stu_bands")
    shown = dist.drop(columns=["group"])
    c.table(f, shown, name=f"composite_by_{by}", n=int(dist["n"].sum()),
            labels={"label": f.t(f"by.{by}"), "n": "n", "missing": f.t("students.missing"),
                    "mean": f.t("students.mean"), "median": f.t("students.median"),
                    **{b: group_label(f, "band", b) for b in bands}},
            formats={"mean": c.decimal_column(1), "median": c.decimal_column(1)})

st.subheader(f.t("students.growth_title"), anchor=False)
student_id = st.text_input(f.t("students.search"), key="stu_search", placeholder=f.t("students.search_hint")).strip()
if student_id:
    growth = store.query_store(stu.growth_file, student_id, f.settings, scope=f.filters.scope)
    if growth["student"].empty and growth["assessments"].empty:
        st.warning(f.t("students.not_found", id=md(student_id)))
    else:
        if not growth["student"].empty:
            row = auth.mask(growth["student"], f.user.role).iloc[0]
            st.markdown(f.t("students.profile", name=md(row["student_name"] or student_id), id=md(student_id),
                            major=md(row["major"] or "—"), cls=md(row["class_name"] or "—"),
                            cohort=row["cohort_year"] if pd.notna(row["cohort_year"]) else "—",
                            dual=group_label(f, "dual", row["dual_mentor"] is True)))
        scores = growth["assessments"]
        if len(scores):
            long = scores.melt(id_vars=["term"], value_vars=["theory_score", "skill_score", "professionalism_score",
                                                             "composite"], var_name="part", value_name="score")
            fig = charts.lines(long, f.lang, x="term", y="score", color="part", title=f.t("students.trajectory"),
                               x_title=f.t("by.term"), y_title=f.t("students.score"), y_range=(0, 100),
                               color_labels={p: f.t(f"students.part.{p}") for p in long["part"].unique()})
            c.chart(f, fig, n=len(scores), key="stu_growth", note=f.t("students.one_student"))
        left, right = st.columns(2)
        dates = {c: st.column_config.DateColumn(format="YYYY-MM-DD")
                 for c in ("exam_date", "survey_date", "start_date")}
        with left:
            st.markdown(f"**{f.t('nav.certificates')}**")
            c.table(f, growth["certificates"].drop(columns=["student_id"]), name=f"certificates_{student_id}",
                    labels=c.column_labels(f, "certificate_exams"), formats=dates, note=f.t("students.one_student"))
        with right:
            st.markdown(f"**{f.t('nav.employment')}**")
            jobs = growth["employment"].drop(columns=["student_id"])
            jobs = jobs.assign(status=[group_label(f, "status", v) for v in jobs["status"]])
            c.table(f, jobs, name=f"employment_{student_id}", labels=c.column_labels(f, "employment"), formats=dates,
                    note=f.t("students.one_student"))
