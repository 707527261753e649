"""Session takeover by session id, and personal-data download URLs, on the running app (#18 item 4),
over Streamlit's own websocket protocol: the owner signs in, reconnects to the same session and
stays signed in; another client, with its own cookie but the owner's session id (as seen in an
upload URL), gets the sign-in form; a table's download exists only from its press to the second
clean-up after."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from analytics import auth
from browserkit import serve

PASSWORD = "correct horse battery"
SIGN_IN_TITLE = "登录"


@pytest.fixture
def signed_server(demo_copy: Path) -> Iterator[int]:
    """``streamlit run dashboard.py`` (``browserkit.serve``) over a copy of the demo with a users
    file (sign-in required): its port."""
    auth.add_user(demo_copy.parent / "secrets" / "users.json", "zhang", "leader", ["3301012"], PASSWORD)
    for base in serve(demo_copy):
        yield int(base.rsplit(":", 1)[1])


def _browser_cookie(port: int) -> str:
    """The XSRF cookie Streamlit gives a new browser (its frontend asks ``/_stcore/health``
    before opening the websocket; the answer sets the cookie)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=30) as r:
        cookies = SimpleCookie()
        for header in r.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    return cookies["_streamlit_xsrf"].value


class Seen:
    """What one script run sent: h1 titles, widget ids by key, download URLs, pages, session id."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.ids: dict[str, str] = {}
        self.downloads: list[tuple[str, str]] = []  # (URL, deferred file id) of each download button
        self.pages: dict[str, str] = {}
        self.session: str | None = None


async def _seen(ws, widgets: list | None = None, page_hash: str = "") -> Seen:
    """One script run (of the page ``page_hash``, default the current one) and what it sent."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    msg = BackMsg()
    msg.rerun_script.CopyFrom(ClientState(query_string="", page_script_hash=page_hash,
                                          widget_states=WidgetStates(widgets=widgets or [])))
    await ws.send(msg.SerializeToString())
    seen = Seen()
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), 300))
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            seen.session = fm.new_session.initialize.session_id
        elif kind == "navigation":
            seen.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            what = el.WhichOneof("type")
            if what == "heading" and el.heading.tag == "h1":
                seen.titles.append(el.heading.body)
            elif what in ("text_input", "button", "download_button"):
                wid = getattr(el, what).id
                seen.ids[wid.rsplit("-", 1)[-1]] = wid
                if what == "download_button":
                    seen.downloads.append((el.download_button.url, el.download_button.deferred_file_id))
        elif kind == "script_finished":
            return seen


def _connect(port: int, cookie: str, session: str | None = None):
    import websockets

    protocols = ["streamlit", cookie] + ([session] if session else [])
    return websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=protocols, max_size=None,
                              additional_headers={"Cookie": f"_streamlit_xsrf={cookie}",
                                                  "Origin": f"http://127.0.0.1:{port}"})


async def _attack(port: int) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    owner_cookie = _browser_cookie(port)
    async with _connect(port, owner_cookie) as ws:
        seen["owner before"] = (await _seen(ws)).titles
    async with _connect(port, owner_cookie) as ws:
        signed = await _sign_in(ws)
        seen["owner signed in"], session = signed.titles, signed.session
    assert session
    async with _connect(port, owner_cookie, session) as ws:  # the owner's tab reconnects
        seen["owner reconnected"] = (await _seen(ws)).titles
        async with _connect(port, _browser_cookie(port), session) as thief:  # another browser, same id
            seen["other browser"] = (await _seen(thief)).titles
    return seen


async def _sign_in(ws) -> Seen:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    first = await _seen(ws)
    submit = next(v for v in first.ids.values() if "FormSubmitter" in v)
    await _seen(ws, [WidgetState(id=first.ids["auth_name"], string_value="zhang"),
                     WidgetState(id=first.ids["auth_password"], string_value=PASSWORD),
                     WidgetState(id=submit, trigger_value=True)])
    seen = await _seen(ws)  # the run after st.rerun()
    seen.session = first.session
    return seen


def _status(port: int, url: str) -> int:
    """The HTTP status of ``url`` fetched with no cookie and no session: anyone holding the URL."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


async def _make_download(ws, session: str, file_id: str) -> str:
    """Press a deferred download button as the browser does (a backend operation): its URL."""
    from streamlit.proto.BackMsg_pb2 import BackendOperationRequest, BackMsg, DeferredFileRequestPayload
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.backend_operation_request.CopyFrom(BackendOperationRequest(
        request_id="dl-1", session_id=session, deferred_file=DeferredFileRequestPayload(file_id=file_id)))
    await ws.send(msg.SerializeToString())
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), 300))
        if fm.WhichOneof("type") == "backend_operation_response":
            return fm.backend_operation_response.deferred_file.url


async def _download_lifetime(port: int) -> dict[str, object]:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    out: dict[str, object] = {}
    async with _connect(port, _browser_cookie(port)) as ws:
        home = await _sign_in(ws)
        students = await _seen(ws, page_hash=home.pages["students"])
        out["titles"] = students.titles
        out["downloads"] = list(students.downloads)
        # While the page is shown there is no file: no URL, and the placeholder id is not served.
        out["urls while shown"] = [url for url, _ in students.downloads if url]
        out["placeholders"] = [_status(port, f"/media/{fid}") for _, fid in students.downloads]
        made = await _make_download(ws, home.session, students.downloads[0][1])
        out["made"] = made
        out["after pressing"] = _status(port, made)
        await _seen(ws, page_hash=home.pages["students"])  # the user goes on: Streamlit marks the file,
        await _seen(ws, page_hash=home.pages["students"])  # then deletes it at the next clean-up
        out["two runs later"] = _status(port, made)
        await _seen(ws, [WidgetState(id=students.ids["sign_out"], trigger_value=True)])
    return out


def test_a_personal_data_download_is_served_only_briefly_after_pressing(signed_server) -> None:
    seen = asyncio.run(_download_lifetime(signed_server))
    assert seen["titles"] and seen["downloads"], seen
    assert seen["urls while shown"] == []
    assert set(seen["placeholders"]) == {404}
    # Pressing makes the file; Streamlit's media route serves it to whoever has the URL (it checks
    # no session: SECURITY.md, *Personal-data downloads*) until the second clean-up after.
    assert str(seen["made"]).startswith("/media/")
    assert seen["after pressing"] == 200
    assert seen["two runs later"] == 404


def test_a_session_id_from_another_browser_gets_the_sign_in_form(signed_server) -> None:
    seen = asyncio.run(_attack(signed_server))
    assert seen["owner before"] == [SIGN_IN_TITLE]
    assert seen["owner signed in"] and seen["owner signed in"] != [SIGN_IN_TITLE]
    assert seen["owner reconnected"] == seen["owner signed in"]  # a reconnect keeps the sign-in
    assert seen["other browser"] == [SIGN_IN_TITLE]
