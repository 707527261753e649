"""Recognition with evidence: mentors put forward for recognition (360 score, compliance, their
students' certificates and employment, each with n) and candidates for the School-Enterprise
Cooperation Demonstration Unit (students placed, satisfaction, mentors, agreement obligations)."""

import streamlit as st

import ui
from analytics import auth, schema
from analytics.metrics import recognition
from ui import components as c
from ui import decide, store

f = ui.frame("recognition")
c.header(f)

kind = st.segmented_control(f.t("mentors.type_label"), list(schema.MENTOR_TYPES), key="rec_type", required=True,
                            default="school", format_func=lambda k: schema.label("mentor_type", k, f.lang))
people = store.query(recognition.mentor_candidates, f.filters, kind)
st.subheader(f.t("recognition.mentors_title"), anchor=False)
st.caption(f.t("recognition.mentors_rule", score=f"{f.settings.recognition_min_score:g}",
               compliance=c.pct(f.settings.recognition_min_compliance, 0), n=f.settings.small_n))
if not len(people):
    c.no_data(f, f.t("recognition.mentors_title"))
else:
    reasons = [f.t("narrative.list_sep").join(f.t(f"recognition.reason.{r}") for r in why) or
               f.t("recognition.recommended") for why in people["reasons"]]
    shown = auth.mask(people.assign(reasons=reasons), f.user.role, extra=["mentor_id"])
    cols = ["rank", "mentor_name", "overall", "evaluations", "compliance", "periods", "cert_rate", "cert_k", "cert_n",
            "cert_small", "jobs_rate", "jobs_k", "jobs_n", "jobs_small", "reasons"]
    c.table(f, shown[cols], name=f"recognition_{kind}", labels={k: f.t(f"recognition.col.{k}") for k in cols},
            height=360, formats={"overall": c.decimal_column(1), "compliance": c.percent_column(),
                                 "cert_rate": c.percent_column(), "jobs_rate": c.percent_column()},
            note=f.t("recognition.mentors_note", n=f.settings.small_n))

st.subheader(f.t("recognition.units_title"), anchor=False)
units = store.query(recognition.unit_candidates, f.filters, decide.today())
st.caption(f.t("recognition.units_rule", satisfaction=f"{f.settings.recognition_min_satisfaction:g}",
               n=f.settings.small_n))
if not len(units):
    c.no_data(f, f.t("recognition.units_title"))
else:
    units = units.assign(
        reasons=[f.t("narrative.list_sep").join(f.t(f"recognition.unit_reason.{r}") for r in why) or
                 f.t("recognition.candidate") for why in units["reasons"]],
        agreement_state=[schema.label("agreement_state", v, f.lang) if isinstance(v, str) else
                         f.t("recognition.no_agreement") for v in units["agreement_state"]],
        obligations=[schema.label("obligation_state", v, f.lang) if isinstance(v, str) else "" for v in
                     units["obligations"]])
    cols = ["enterprise_name", "demonstration_unit", "students", "interns", "hired", "mentors", "satisfaction",
            "respondents", "agreement_state", "obligations", "reasons"]
    c.table(f, units[cols], name="recognition_units", labels={k: f.t(f"recognition.col.{k}") for k in cols},
            height=360, formats={"satisfaction": c.decimal_column(1)}, note=f.t("recognition.units_note"))
