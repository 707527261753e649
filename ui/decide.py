"""Recording the leadership group's actions from the dashboard (issue 19): a "record an action"
popover beside any headline, attention item or page figure, with the figure and the page's
filters already chosen; and the store's today, which the review and the deadlines use.

Writing goes through ``analytics.actions`` (role check, ``analytics.decisions``, audit); each
change is an import batch, so it is undone like an import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from analytics import actions, decisions, narrative, schema, snapshot
from analytics.errors import AnalyticsError
from analytics.i18n import md
from analytics.filters import Filters
from ui import access, store
from ui import components as c
from ui.frame import Frame, PAGES, link_params

NONE = ""  # "no linked figure" in the figure select
DONE_KEY = "_decision_done"
UNDO_KEY = "dec_undo_pick"
DEFAULT_DAYS = 90  # a new action's due date: this many days after today


def _path(page: str) -> str:
    return next(path for key, path, _, _ in PAGES if key == page)


def today() -> dt.date:
    """The store's today (its snapshot date, else the calendar date): part of every cache key
    of the review, so a live store's deadlines move on at midnight."""
    return store.query_store(snapshot.snapshot_date) or dt.date.today()


def notice(f: Frame) -> None:
    """The confirmation of the action recorded in the previous run, once."""
    message = st.session_state.pop(DONE_KEY, None)
    if message:
        st.success(message, icon=":material/task_alt:")
        st.page_link(_path("actions"), label=f.t("decide.open_actions"),
                     icon=":material/arrow_forward:", query_params=link_params(f.lang, f.filters))


def button(f: Frame, key: str, metric: str | None = None, figure: Filters | None = None, title: str = "",
           label: str | None = None) -> None:
    """A popover with the action form, for roles that may record actions. ``metric`` and
    ``figure`` (default: the page's filters) preset the linked figure; ``title`` the wording."""
    if not f.user.can("record_decision"):
        return
    with st.popover(label or f.t("decide.button"), icon=":material/add_task:", type="tertiary", key=f"dec_pop_{key}"):
        form(f, key, metric, f.filters if figure is None else figure, title)


def on_attention(f: Frame, i: int, item: narrative.Attention) -> None:
    """Beside attention item ``i``: a link to the Actions page for an overdue action, else the
    "record an action" popover on the item's figure (the page's filters plus the item's own)."""
    if item.key == "overdue_action":
        st.page_link(_path("actions"), label=f.t("decide.open_actions"), icon=":material/arrow_forward:",
                     query_params=link_params(f.lang, f.filters))
    elif item.metric is not None:
        button(f, f"attention_{i}", item.metric, replace(f.filters, **dict(item.figure)))


def form(f: Frame, key: str, metric: str | None, figure: Filters, title: str = "") -> None:
    """The action form: what, which side and who, by when, the figure and the expected direction."""
    day = today()
    names = f.options.names
    with st.form(f"dec_form_{key}", clear_on_submit=False, border=False):
        st.markdown(f"**{f.t('decide.title')}**")
        what = st.text_input(f.t("decide.what"), value=title, key=f"dec_title_{key}", max_chars=decisions.TITLE_MAX,
                             placeholder=f.t("decide.what_hint"))
        side = st.segmented_control(f.t("decide.side"), list(schema.OWNER_SIDES), default="school", required=True,
                                    key=f"dec_side_{key}", format_func=lambda v: schema.label("owner_side", v, f.lang))
        owner = st.text_input(f.t("decide.owner"), key=f"dec_owner_{key}", placeholder=f.t("decide.owner_hint"))
        due = st.date_input(f.t("decide.due"), value=day + dt.timedelta(days=DEFAULT_DAYS), min_value=day,
                            key=f"dec_due_{key}", format="YYYY-MM-DD")
        choices = [NONE, *schema.METRICS]
        chosen = st.selectbox(f.t("decide.figure"), choices, index=choices.index(metric or NONE), key=f"dec_metric_{key}",
                              format_func=lambda m: f.t("decide.no_figure") if m == NONE else
                              schema.label("metric", m, f.lang))
        scoped = st.checkbox(f.t("decide.use_filters", caption=md(figure.caption(f.lang, names))), value=True,
                             key=f"dec_filters_{key}")
        expected = st.segmented_control(f.t("decide.expected"), list(schema.vocabulary("expected").codes), default="up",
                                        required=True, key=f"dec_expected_{key}",
                                        format_func=lambda v: schema.label("expected", v, f.lang))
        notes = st.text_input(f.t("decide.notes"), key=f"dec_notes_{key}")
        st.caption(f.t("decide.help", day=day.isoformat()))
        submitted = st.form_submit_button(f.t("decide.submit"), type="primary", key=f"dec_submit_{key}",
                                          icon=":material/add_task:")
    if submitted:
        submit(f, what, side, owner, due, chosen or None, figure if scoped else Filters(), expected, notes, day)


def submit(f: Frame, title: str, side: str, owner: str, due: dt.date, metric: str | None, figure: Filters,
           expected: str | None, notes: str, day: dt.date) -> None:
    """Record the action as the signed-in user (role check, audit) and confirm it on the next run."""
    school = f.filters.school or (f.user.scope[0] if f.user.scope and len(f.user.scope) == 1 else None)
    try:
        batch = access.act(actions.record_decision, f.user, f.settings, title=title, owner_side=side, owner=owner,
                           due_on=due, metric=metric, figure=figure, expected=expected if metric else None,
                           notes=notes, school_id=school, decided_on=day, lang=f.lang)
    except AnalyticsError as err:
        st.error(err.message(f.lang), icon=":material/error:")
        return
    st.session_state[DONE_KEY] = f.t("decide.done", title=md(decisions.stored_title(title)), batch=batch)
    st.session_state.pop(UNDO_KEY, None)  # offer the new batch first
    st.rerun()


# -- The Actions page ---------------------------------------------------------------------------


_STATE_BADGES = {"overdue": ("red", ":material/alarm:"), "open": ("blue", ":material/pending:"),
                 "done": ("green", ":material/task_alt:"), "dropped": ("gray", ":material/block:")}


def review_table(f: Frame, review: decisions.Review) -> None:
    """The review of the next meeting: one card per action (state, what, who, by when, and the
    linked figure then and now with its change), and the same as a table to download (owners
    masked for roles without personal data)."""
    names = f.options.names
    personal = f.user.can("view_personal")
    for item in review.items:
        a, move = item.action, item.movement
        color, icon = _STATE_BADGES[item.state]
        with st.container(border=True):
            state = schema.label("action_state", item.state, f.lang)
            if item.state == "overdue":
                state += f.t("report.actions.days", n=item.days_overdue)
            st.badge(state, color=color, icon=icon)
            st.markdown(f"**{md(a['title'])}**")
            owner = schema.label("owner_side", a["owner_side"], f.lang)
            if decisions.text_of(a.get("owner")) and personal:  # a missing owner is NaN: no " · nan"
                owner += f" · {md(a['owner'])}"
            line = f.t("decide.card_line", owner=owner, decided=a["decided_on"].isoformat(), due=a["due_on"].isoformat())
            if item.carried:
                line += f.t("decisions.item.carried", day=a["decided_on"].isoformat())
            st.caption(line)
            if move is not None:
                st.markdown(f.t("decide.card_figure", figure=md(decisions.figure_text(a, f.lang, names)),
                                then=decisions.value_text(move.then, f.lang),
                                then_period=narrative.period_text(move.then.period, f.lang),
                                now=decisions.value_text(move.now, f.lang),
                                now_period=narrative.period_text(move.now.period, f.lang),
                                change=decisions.change_text(move, f.lang))
                            + (f.t(f"decisions.verdict.{move.verdict}") if move.verdict else ""))
    frame = decisions.review_frame(review, f.lang, names).drop(columns=["state_code"])
    with st.expander(f.t("decide.as_table")):
        c.table(f, frame, name="actions_review", labels={k: f.t(f"report.actions.col.{k}") for k in frame.columns},
                note=f.t("report.actions.note"))


def status_form(f: Frame, review: decisions.Review) -> None:
    """Close, drop or reopen one of the actions under review (each change is a batch: undoable)."""
    if not review.items or not f.user.can("record_decision"):
        return
    day = today()
    items = {f"{i.action['decided_on']}|{i.action['title']}": i for i in review.items}
    with st.form("dec_status_form", border=True):
        st.markdown(f"**{f.t('decide.status_title')}**")
        picked = st.selectbox(f.t("decide.status_pick"), list(items), key="dec_status_pick",
                              format_func=lambda k: f"{schema.label('action_state', items[k].state, f.lang)} · "
                                                    f"{items[k].action['title']}")
        status = st.segmented_control(f.t("decide.status_to"), list(schema.ACTION_STATUSES), default="done",
                                      required=True, key="dec_status_to",
                                      format_func=lambda v: schema.label("action_status", v, f.lang))
        done_on = st.date_input(f.t("decide.done_on"), value=day, max_value=day, key="dec_status_day",
                                format="YYYY-MM-DD")
        notes = st.text_input(f.t("decide.notes"), key="dec_status_notes")
        submitted = st.form_submit_button(f.t("decide.status_submit"), key="dec_status_submit",
                                          icon=":material/published_with_changes:")
    if not submitted:
        return
    action = items[picked].action
    try:
        batch = access.act(actions.update_decision, f.user, action["decided_on"], action["title"], status,
                           done_on=done_on if status == "done" else None, notes=notes or None, lang=f.lang)
    except AnalyticsError as err:
        st.error(err.message(f.lang), icon=":material/error:")
        return
    st.session_state[DONE_KEY] = f.t("decide.status_done", title=md(action["title"]), batch=batch,
                                     status=schema.label("action_status", status, f.lang))
    st.session_state.pop(UNDO_KEY, None)  # offer the new batch first
    st.rerun()


def history(f: Frame) -> None:
    """Every batch that wrote actions (recorded here, status changes, imported sheets), with undo."""
    batches = store.query_store(decisions.batches)
    if not len(batches):
        return
    shown = batches.assign(status=batches["status"].map(lambda s: schema.label("batch_status", s, f.lang)))[
        ["batch_id", "imported_at", "file_name", "rows_inserted", "rows_updated", "status"]]
    c.table(f, shown, name="actions_batches", labels={k: f.t(f"data.col.{k}") for k in shown.columns})
    live = batches[batches["status"] == "loaded"]["batch_id"].tolist()
    if not live or not f.user.can("record_decision"):
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    batch = left.selectbox(f.t("decide.undo_pick"), live, key=UNDO_KEY, format_func=lambda b: f"#{b}")
    if right.button(f.t("decide.undo"), key="dec_undo", icon=":material/undo:"):
        try:
            access.act(actions.undo, f.user, int(batch))
        except AnalyticsError as err:
            st.error(err.message(f.lang), icon=":material/error:")
            return
        st.session_state[DONE_KEY] = f.t("decide.undone", batch=batch)
        st.session_state.pop(UNDO_KEY, None)
        st.rerun()


def downloads(f: Frame) -> None:
    """The actions as a sheet (imports back unchanged) and the empty template."""
    from analytics.templates import template_bytes

    left, right = st.columns(2)
    scope, lang = f.filters.scope, f.lang
    with left:  # made when pressed, like every download (the actions name their owners)
        c.download(f.t("decide.export"), lambda: store.query_store(decisions.export_xlsx, scope, lang),
                   file_name=f.t("decide.export_file") + ".xlsx", mime=c.XLSX_MIME, key="dec_export",
                   icon=":material/download:", record=access.download_record(f.user, f.filters, "actions", "xlsx"))
    with right:
        c.download(f.t("decide.template"), lambda: template_bytes("actions", lang),
                   file_name=f.t("decide.template_file") + ".xlsx", mime=c.XLSX_MIME, key="dec_template",
                   icon=":material/table_view:")
    st.caption(f.t("decide.import_hint"))
