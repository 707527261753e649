"""Training stages: students at school by stage (basic → skill → internship) per cohort and
training model (2+1, 1.5+1.5), the mentor who leads each stage, and the students overdue for
the next stage."""

import streamlit as st

import ui
from analytics import auth, charts, schema
from analytics.metrics import stages
from ui import components as c
from ui import decide, store

f = ui.frame("stages")
c.header(f)

day = decide.today()
cohorts = store.query(stages.by_cohort, f.filters, day)
if not len(cohorts):
    c.no_data(f, f.t("nav.stages"))
    ui.stop()
leads = store.query(stages.leads, f.filters, day)
late = store.query(stages.overdue, f.filters, day)
tiles = st.columns(3)
tiles[0].metric(f.t("stages.at_school"), f"{int(cohorts['students'].sum()):,}", border=True)
tiles[1].metric(f.t("stages.behind"), len(late), border=True)
tiles[2].metric(f.t("stages.without_lead"), int(leads["without_lead"].sum()), border=True)
st.caption(f.t("stages.as_of", day=day.isoformat()))


def stage_word(v: object) -> str:
    return schema.label("stage", v, f.lang) if isinstance(v, str) else f.t("stages.no_schedule")


shown = cohorts.assign(
    group=[f"{f.t('filters.cohort', year=y)} · {schema.label('training_model', m, f.lang) if isinstance(m, str) else '—'}"
           for y, m in zip(cohorts["cohort_year"], cohorts["training_model"], strict=True)],
    stage=[stage_word(v) for v in cohorts["stage"]])
short = shown.assign(group=[f"{y} · {m if isinstance(m, str) else '—'}"  # cohort · model code: short ticks
                             for y, m in zip(cohorts["cohort_year"], cohorts["training_model"], strict=True)])
fig = charts.stacked_bars(short.iloc[::-1], f.lang, x="group", color="stage", y="students",
                          title=f.t("stages.chart_title"), x_title=f.t("stages.col.group"),
                          y_title=f.t("stages.col.students"))
c.chart(f, fig, n=int(cohorts["students"].sum()), key="stages_chart")
c.table(f, shown[["group", "stage", "students", "recorded", "behind"]], name="stages_by_cohort",
        labels={k: f.t(f"stages.col.{k}") for k in ("group", "stage", "students", "recorded", "behind")},
        note=f.t("stages.schedule_note"))

st.subheader(f.t("stages.leads_title"), anchor=False)
c.table(f, leads.assign(stage=[stage_word(v) for v in leads["stage"]],
                        lead=[f.t(f"stages.lead.{v}") for v in leads["lead"]]),
        name="stages_leads", labels={k: f.t(f"stages.col.{k}") for k in leads.columns},
        formats={"per_lead": c.decimal_column(1)}, note=f.t("stages.leads_note"))

st.subheader(f.t("stages.overdue_title"), anchor=False)
if late.empty:
    st.caption(f.t("stages.overdue_none"))
else:
    c.table(f, auth.mask(late, f.user.role, extra=["lead_names"]).assign(**{col: [stage_word(v) for v in late[col]] for col in ("last_stage", "expected_then")},
                           training_model=[schema.label("training_model", v, f.lang) for v in late["training_model"]]),
            name="stages_overdue", labels={k: f.t(f"stages.col.{k}") for k in late.columns},
            note=f.t("stages.overdue_note"))
