"""Session binding (#18 item 4): a signed-in session belongs to the browser that signed in (its
XSRF cookie, never in a URL); a run from another browser presenting the session's id gets the
sign-in form and the audit log says why."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from analytics import audit, auth

PASSWORD = "correct horse battery"
TOKEN_A, TOKEN_B = bytes(range(16)), bytes(range(16, 32))


def test_the_key_is_the_browsers_token_whatever_the_mask() -> None:
    # Streamlit re-masks the same 16 random bytes at every response: one browser, one key.
    a1, a2 = generate_xsrf_token_string(TOKEN_A, 1), generate_xsrf_token_string(TOKEN_A, 2)
    assert a1 != a2
    assert auth.browser_key(a1) == auth.browser_key(a2)
    assert auth.browser_key(a1) != auth.browser_key(generate_xsrf_token_string(TOKEN_B, 1))
    assert auth.browser_key(None) is None and auth.browser_key("") is None
    assert auth.browser_key("garbage") not in (None, auth.browser_key(a1))


@pytest.mark.parametrize(
    ("signed_in_from", "run_from", "same"),
    [("A", "A", True), ("A", "B", False), ("A", None, False), (None, "B", False), (None, None, True)],
)
def test_a_session_serves_only_its_browser(signed_in_from: str | None, run_from: str | None, same: bool) -> None:
    keys = {"A": auth.browser_key(generate_xsrf_token_string(TOKEN_A)),
            "B": auth.browser_key(generate_xsrf_token_string(TOKEN_B)), None: None}
    session = auth.start_session(auth.User("zhang", "leader", ("S1",)), browser=keys[signed_in_from])
    assert auth.same_browser(session, keys[run_from]) is same
    assert auth.same_browser(None, keys[run_from])  # no session: nothing to take


def test_a_replayed_session_gets_the_sign_in_form(app, demo_copy: Path) -> None:
    users = demo_copy.parent / "secrets" / "users.json"
    auth.add_user(users, "zhang", "leader", ["3301012"], PASSWORD)
    at = app("dashboard.py", demo_copy)
    at.text_input(key="auth_name").input("zhang")
    at.text_input(key="auth_password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception and [t.value for t in at.title] != ["登录"]
    # The session was signed in from browser A; the next run arrives from a browser without
    # A's cookie (AppTest sends none), as a websocket replaying the session id would.
    session = at.session_state["_auth_session"]
    at.session_state["_auth_session"] = dataclasses.replace(
        session, browser=auth.browser_key(generate_xsrf_token_string(TOKEN_A)))
    at = at.run()
    assert [t.value for t in at.title] == ["登录"]
    assert not at.metric  # nothing of the data
    assert "_auth_session" not in at.session_state
    from ui import store

    log = store.write(audit.query_audit, action="logout")  # through the dashboard's own lease
    assert list(log["user_name"]) == ["zhang"]
    assert json.loads(log["details"].iloc[0]) == {"reason": "other-browser"}
