"""Actions: what the leadership group decided, how each action stands (done, overdue, open),
whether its figure moved since the decision, and recording, closing, undoing and exporting
actions."""

import streamlit as st

import ui
from analytics import decisions, schema
from ui import components as c
from ui import decide, store

f = ui.frame("actions")
c.header(f)
decide.notice(f)

day = decide.today()
review = store.query(decisions.review, f.filters, day)
tiles = st.columns(4)
for col, state in zip(tiles, decisions.STATES, strict=True):
    col.metric(schema.label("action_state", state, f.lang), review.count(state), border=True)
if review.meeting is None:
    st.info(f.t("report.actions.none", day=day.isoformat()), icon=":material/info:")
else:
    st.markdown(f.t("report.actions.intro", meeting=review.meeting.isoformat(), day=day.isoformat(),
                    done=review.count("done"), overdue=review.count("overdue"), open=review.count("open"),
                    dropped=review.count("dropped"), carried=sum(1 for i in review.items if i.carried)))
    decide.review_table(f, review)

left, right = st.columns(2, gap="large")
with left:
    if f.user.can("record_decision"):
        with st.container(border=True):
            decide.form(f, "page", None, f.filters)
with right:
    decide.status_form(f, review)

st.subheader(f.t("decide.history_title"), anchor=False)
decide.history(f)
decide.downloads(f)
