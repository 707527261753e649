"""Session takeover by session id on the running app (#18 item 4), over Streamlit's own websocket
protocol: the owner signs in, reconnects to the same session and stays signed in; another client,
with its own cookie but the owner's session id (as seen in an upload URL), gets the sign-in form."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from analytics import auth
from tests.test_sessions import ROOT

PASSWORD = "correct horse battery"
SIGN_IN_TITLE = "登录"


@pytest.fixture
def signed_server(demo_copy: Path):
    """``streamlit run dashboard.py`` over a copy of the demo with a users file (sign-in required)."""
    auth.add_user(demo_copy.parent / "secrets" / "users.json", "zhang", "leader", ["3301012"], PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DUAL_MENTOR_DB": str(demo_copy)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
    yield port
    proc.terminate()
    proc.wait(30)


def _browser_cookie(port: int) -> str:
    """The XSRF cookie Streamlit gives a new browser (its frontend asks ``/_stcore/health``
    before opening the websocket; the answer sets the cookie)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=30) as r:
        cookies = SimpleCookie()
        for header in r.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    return cookies["_streamlit_xsrf"].value


async def _run(ws, widgets: list | None = None) -> tuple[list[str], dict[str, str], str | None]:
    """One script run: the h1 titles, the widget ids by key, and the session id if announced."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    msg = BackMsg()
    msg.rerun_script.CopyFrom(ClientState(query_string="", widget_states=WidgetStates(widgets=widgets or [])))
    await ws.send(msg.SerializeToString())
    titles, ids, session = [], {}, None
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), 300))
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            session = fm.new_session.initialize.session_id
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            what = el.WhichOneof("type")
            if what == "heading" and el.heading.tag == "h1":
                titles.append(el.heading.body)
            elif what in ("text_input", "button"):
                wid = getattr(el, what).id
                ids[wid.rsplit("-", 1)[-1]] = wid
        elif kind == "script_finished":
            return titles, ids, session


def _connect(port: int, cookie: str, session: str | None = None):
    import websockets

    protocols = ["streamlit", cookie] + ([session] if session else [])
    return websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=protocols, max_size=None,
                              additional_headers={"Cookie": f"_streamlit_xsrf={cookie}",
                                                  "Origin": f"http://127.0.0.1:{port}"})


async def _attack(port: int) -> dict[str, list[str]]:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    seen: dict[str, list[str]] = {}
    owner_cookie = _browser_cookie(port)
    async with _connect(port, owner_cookie) as ws:
        titles, ids, session = await _run(ws)
        seen["owner before"] = titles
        submit = next(v for k, v in ids.items() if "FormSubmitter" in v or k.startswith("sign_in"))
        titles, _, _ = await _run(ws, [WidgetState(id=ids["auth_name"], string_value="zhang"),
                                       WidgetState(id=ids["auth_password"], string_value=PASSWORD),
                                       WidgetState(id=submit, trigger_value=True)])
        titles, _, _ = await _run(ws)  # the run after st.rerun()
        seen["owner signed in"] = titles
    assert session
    async with _connect(port, owner_cookie, session) as ws:  # the owner's tab reconnects
        titles, _, _ = await _run(ws)
        seen["owner reconnected"] = titles
        async with _connect(port, _browser_cookie(port), session) as thief:  # another browser, same id
            titles, _, _ = await _run(thief)
            seen["other browser"] = titles
    return seen


def test_a_session_id_from_another_browser_gets_the_sign_in_form(signed_server) -> None:
    seen = asyncio.run(_attack(signed_server))
    assert seen["owner before"] == [SIGN_IN_TITLE]
    assert seen["owner signed in"] and seen["owner signed in"] != [SIGN_IN_TITLE]
    assert seen["owner reconnected"] == seen["owner signed in"]  # a reconnect keeps the sign-in
    assert seen["other browser"] == [SIGN_IN_TITLE]
