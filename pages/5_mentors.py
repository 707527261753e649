"""Mentors: team qualification (3-year / 5-year rules, dual-qualified share), students per
mentor, communication compliance (mentor × period calendar, non-compliant list) and the
360 evaluations with their counts."""

import streamlit as st

import ui
from analytics import auth
from analytics import charts
from analytics.metrics import mentors as men
from ui import components as c
from ui import store
from ui.labels import group_label, period_label
from ui.overview import tiles as headline_tiles

CALENDAR_MENTORS = 40

f = ui.frame("mentors")
c.header(f)

team = store.query(men.team, f.filters)
cols = st.columns(5)
for col, key in zip(cols, ("school_rule_share", "enterprise_rule_share", "dual_qualified_share"), strict=False):
    r = team[key]
    col.metric(f.t(f"mentors.{key}"), c.pct(r.value), border=True, help=c.rate_text(f, r))
for col, kind in zip(cols[3:], ("school", "enterprise"), strict=True):
    load = team[f"students_per_{kind}_mentor"]
    col.metric(f.t(f"mentors.students_per_{kind}"), c.number(load["mean"], 1), border=True,
               help=f.t("mentors.students_per_help", max=c.number(load["max"]), mentors=load["mentors"]))

st.subheader(f.t("mentors.compliance_title"), anchor=False)
headline_tiles(f, ("school_compliance", "enterprise_compliance"), detail=True)
kind = st.segmented_control(f.t("mentors.type_label"), ["school", "enterprise"], key="men_type", required=True,
                            default="school", format_func=lambda k: group_label(f, "mentor_type", k))
result = store.query(men.compliance, f.filters, kind, with_calendar=False)
rule = f.t(f"mentors.rule.{kind}", n=result.threshold)
if result.rate is None:
    st.info(f.t("mentors.no_log", rule=rule), icon=":material/info:")
else:
    st.markdown(f.t("mentors.compliance_line", rule=rule))
    # the calendar of the CALENDAR_MENTORS least compliant mentors: a readable grid, never a huge payload
    shown = auth.mask(result.per_mentor.sort_values(["share", "mentor_id"]).head(CALENDAR_MENTORS), f.user.role)
    names = dict(zip(shown["mentor_id"], shown["mentor_name"].fillna(""), strict=True))
    cal = store.query(men.least_compliant_calendar, f.filters, kind, CALENDAR_MENTORS)
    label = {m: f"{names[m] or m} · {m}" for m in names}
    cal = cal.assign(mentor=cal["mentor_id"].map(label))
    cal = cal.sort_values("period_start").assign(period=lambda d: [period_label(f, p) for p in d["period"]],
                                                 compliant=lambda d: d["compliant"].astype(float))
    fig = charts.heatmap(cal, f.lang, x="period", y="mentor",
                         z="compliant", compliance=True, title=f.t("mentors.calendar_title"),
                         y_order=list(label.values()), x_order=list(dict.fromkeys(cal["period"])),
                         z_title=f.t("mentors.activities"))
    c.chart(f, fig, n=len(cal), key="men_calendar", note=f.t("mentors.calendar_note", shown=len(shown),
                                                              total=len(result.per_mentor)))
    st.markdown(f"**{f.t('mentors.non_compliant_title')}**")
    c.table(f, result.non_compliant, name=f"non_compliant_{kind}_mentors", height=300,
            labels={k: f.t(f"mentors.col.{k}") for k in result.non_compliant.columns},
            formats={"share": c.percent_column()})

st.subheader(f.t("mentors.evaluation_title"), anchor=False)
evals = store.query(men.evaluations, f.filters, kind)
if not len(evals):
    c.no_data(f, f.t("mentors.evaluation_title"))
else:
    top = evals.dropna(subset=["overall"]).head(15).sort_values("overall")
    top = auth.mask(top, f.user.role, extra=["mentor_id"])
    top = top.assign(mentor=top["mentor_name"].fillna(top["mentor_id"]) + " · " + top["mentor_id"].astype(str))
    fig = charts.bars(top, f.lang, x="mentor", y=["overall"], horizontal=True, title=f.t("mentors.top_title"),
                      y_title=f.t("mentors.top_axis"), y_labels={"overall": f.t("mentors.col.overall")},
                      value_format=".1f", counts="n")
    c.chart(f, fig, n=int(top["n"].sum()), key="men_top", note=f.t("mentors.top_note"))
    c.table(f, evals.drop(columns=["mentor_type"]), name=f"evaluations_{kind}", height=320,
            labels={k: f.t(f"mentors.col.{k}") for k in evals.columns},
            formats={k: c.decimal_column(1) for k in evals.columns if k.startswith("score_") or k == "overall"})
