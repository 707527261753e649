"""The sign-off form of the reporting page: a school's user submits the year's returns as
complete; the bureau (a county, region or all-schools user) approves them or returns them with
a note. Every change goes through ``analytics.actions.sign_off`` (permission check, audit); the
form offers only what ``auth.may`` allows, and a button's callback acts before the page is
drawn again, so the grid above already shows the new state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import actions, auth
from analytics.errors import AnalyticsError
from analytics.i18n import md
from analytics.signoff import ALLOWED_FROM
from ui import access
from ui.frame import Frame

FLASH = "_signoff_flash"


def _apply(f: Frame, year: int, names: dict[str, str], status: str, school_key: str,
           note_key: str | None = None) -> None:
    """Button callback: record ``status`` (a state, or the key of the widget choosing it) for the
    school chosen in ``school_key``, with the note in ``note_key``."""
    status = st.session_state.get(status, status)
    school = st.session_state.get(school_key)
    note = st.session_state.get(note_key) if note_key else None
    try:
        access.act(actions.sign_off, f.user, school, year, status, note=note)
    except AnalyticsError as err:
        st.session_state[FLASH] = ("error", err.message(f.lang))
        return
    st.session_state[FLASH] = ("success", f.t("signoff.done", school=md(names.get(school, school)), year=year,
                                            status=f.t(f"signoff.state.{status}")))
    if note_key:
        st.session_state[note_key] = ""


def form(f: Frame, status: pd.DataFrame, year: int, notes: dict[str, str]) -> None:
    """The sign-off section for ``year`` over the schools of ``status`` (``reporting_status``);
    ``notes``: the bureau's note on each school's latest return (``reporting.return_notes``)."""
    schools = status.drop_duplicates("school_id")
    names = dict(zip(schools["school_id"], schools["school_name"], strict=True))
    state = {sid: (a if isinstance(a, str) else None) for sid, a in zip(schools["school_id"], schools["approval"],
                                                                         strict=True)}
    to_submit = [s for s in names if state[s] in ALLOWED_FROM["submitted"] and auth.may(f.user, "submit_returns", s)]
    to_review = [s for s in names if state[s] in ALLOWED_FROM["approved"] and auth.may(f.user, "approve_returns", s)]
    if not (to_submit or to_review or f.user.can("submit_returns") or f.user.can("approve_returns")):
        return
    st.subheader(f.t("signoff.title"), anchor=False)
    flash = st.session_state.pop(FLASH, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    label = lambda sid: names.get(sid, sid)  # noqa: E731 - a selectbox's format
    for sid in to_submit:
        if state[sid] == "returned" and sid in notes:
            st.warning(f.t("signoff.returned_note", school=md(names[sid]), note=md(notes[sid])))
    left, right = st.columns(2)
    with left:
        if to_submit:
            st.selectbox(f.t("signoff.submit_school"), to_submit, format_func=label, key="signoff_school")
            st.button(f.t("signoff.submit", year=year), key="signoff_submit", type="primary",
                      on_click=_apply, args=(f, year, names, "submitted", "signoff_school"))
        elif f.user.can("submit_returns") and f.user.level == "school":
            st.info(f.t("signoff.none_to_submit", year=year))
    with right:
        if to_review:
            st.selectbox(f.t("signoff.review_school"), to_review, format_func=label, key="signoff_review_school")
            st.radio(f.t("signoff.decision"), ["approved", "returned"], horizontal=True,
                     format_func=lambda s: f.t(f"signoff.state.{s}"), key="signoff_decision")
            st.text_input(f.t("signoff.note"), key="signoff_note", max_chars=500)
            st.button(f.t("signoff.review"), key="signoff_review", on_click=_apply,
                      args=(f, year, names, "signoff_decision", "signoff_review_school", "signoff_note"))
        elif auth.may(f.user, "approve_returns"):
            st.info(f.t("signoff.none_to_review", year=year))
