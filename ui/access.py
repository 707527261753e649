"""Who is using the dashboard (``analytics.auth``): the sign-in form, the session, and the
checks the pages make before writing or showing personal data.

Without a users file the dashboard runs in local mode: the single user is the local
administrator, and the app refuses to serve on any address but loopback. With a users
file every page asks for a sign-in; the session ends after the configured idle time.
Sign-ins, sign-outs and table downloads are written to the audit log here; imports, undos,
packs and exports by ``analytics.actions`` (through ``act``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from analytics import audit, auth
from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.i18n import md, t
from ui import guard, store
from ui.halt import stop

SESSION_KEY = "_auth_session"


def address() -> str | None:
    """The real client's address (``auth.client_address``): the connection's peer, or behind a
    reverse proxy listed in ``access.trusted_proxies`` the client its ``X-Forwarded-For`` names;
    None for a loopback connection without a trusted proxy (a test run, the operator's machine)."""
    value = st.context.ip_address
    peer = value if isinstance(value, str) else None
    try:
        trusted = store.settings().trusted_proxies
    except AnalyticsError:  # a broken settings file is reported by the page; the peer still counts
        trusted = ()
    forwarded = ", ".join(st.context.headers.get_all("X-Forwarded-For")) if trusted else None
    return auth.client_address(peer, forwarded, trusted)


def browser() -> str | None:
    """``auth.browser_key_of`` this run's browser: its HttpOnly guard cookie (``streamlit run app.py``),
    else its XSRF cookie; None in a test run."""
    return auth.browser_key_of(dict(st.context.cookies))


def unguarded() -> bool:
    """Whether a real browser reached a server started without the guard (``streamlit run
    dashboard.py``): downloads there are served to anyone with their URL (``ui.guard``)."""
    return not guard.active() and bool(st.context.headers)


def current_user(settings: Settings, lang: str) -> auth.User:
    """The signed-in user; shows the sign-in form (and stops the page) when there is none.

    In local mode: the local administrator, after refusing a non-loopback bind address.
    """
    if auth.mode(settings, store.db_path()) == "local":
        try:
            auth.check_bind(st.get_option("server.address"), users_file_exists=False)
        except AnalyticsError as err:
            st.error(err.message(lang))
            stop()
        return auth.LOCAL_USER
    if unguarded():  # signed-in use needs the guard: refuse rather than serve personal files to anyone
        st.error(t("auth.unguarded", lang))
        stop()
    session = st.session_state.get(SESSION_KEY)
    if not auth.same_browser(session, browser()):  # a session id replayed from another browser
        store.write(audit.record_logout, session.user.name, address=address(), reason="other-browser")
        st.session_state.clear()
        session = None
    if auth.expired(session, settings):
        store.write(audit.record_logout, session.user.name, expired=True, address=address())
        st.session_state.pop(SESSION_KEY, None)
        st.info(t("auth.expired", lang, minutes=settings.session_timeout_minutes))
        session = None
    session = auth.check_session(session, settings)
    if session is None:
        _sign_in_form(settings, lang)
        stop()
    st.session_state[SESSION_KEY] = session
    _bind(session.browser)
    return session.user


def _bind(browser_key: str | None) -> None:
    """Tell the guard which browser this signed-in session belongs to (``guard.SESSIONS``)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        guard.SESSIONS.bind(ctx.session_id, browser_key)


def _sign_in_form(settings: Settings, lang: str) -> None:
    st.title(t("auth.title", lang))
    st.caption(t("auth.intro", lang))
    with st.form("sign_in"):
        name = st.text_input(t("auth.name", lang), key="auth_name")
        password = st.text_input(t("auth.password", lang), type="password", key="auth_password")
        submitted = st.form_submit_button(t("auth.submit", lang), type="primary")
    if not submitted:
        return
    try:
        user = store.write(auth.sign_in, settings, name, password, address(), db_path=store.db_path())
    except AnalyticsError as err:
        st.error(err.message(lang))
        return
    st.session_state[SESSION_KEY] = auth.start_session(user, browser=browser())
    _bind(browser())
    st.rerun()


def sign_out(user: auth.User) -> None:
    """End the session (a button callback)."""
    store.write(audit.record_logout, user.name, address=address())
    st.session_state.pop(SESSION_KEY, None)


def user_box(user: auth.User, lang: str) -> None:
    """Who is signed in, their schools, and the sign-out button (sidebar)."""
    if user.source == "local":
        st.caption(t("auth.local_mode", lang))
        return
    schools = t("auth.all_schools", lang) if user.scope is None else "、".join(map(md, user.scope))
    areas = "、".join(map(md, (*user.counties, *user.regions))) if user.scope is not None else ""
    st.caption(t("auth.signed_in", lang, name=md(user.name), role=t(f"auth.role.{user.role}", lang)) + " · "
               + (t("auth.areas", lang, areas=areas) + " · " if areas else "")
               + t("auth.schools", lang, schools=schools))
    st.button(t("auth.logout", lang), key="sign_out", on_click=sign_out, args=(user,), icon=":material/logout:")


def allowed(user: auth.User, action: str, lang: str, *, say: bool = True) -> bool:
    """Whether ``user`` may do ``action``; says why not (once) when ``say``."""
    if user.can(action):
        return True
    if say:
        st.info(t("auth.forbidden", lang, role=t(f"auth.role.{user.role}", lang)), icon=":material/lock:")
    return False


def download_record(user: auth.User, filters: Filters, name: str, fmt: str) -> Callable[[], None]:
    """The audit record of a table download, to write when its file is made (``ui.components.download``
    calls it on Streamlit's download thread). Not a button callback: a callback reruns the page, and
    a rerun that finishes before the browser asks for the file retires the file's id, so the click
    downloads nothing. The client's address is read now, in the script run."""
    who = address()

    def record() -> None:
        store.write(audit.record_export, user.name, "table", fmt, filters, name=name, address=who)

    return record


def act(fn: Any, user: auth.User, *args: Any, **kwargs: Any) -> Any:
    """Run an ``analytics.actions`` function as ``user`` from this client's address on the shared
    connection (it checks the role, acts and audits, refusals included)."""
    return store.write(fn, user, *args, address=address(), **kwargs)
