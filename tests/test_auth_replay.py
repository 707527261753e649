"""Session takeover by session id, and personal-data download URLs, on the running app (#18 item 4),
over Streamlit's own websocket protocol: the owner signs in, reconnects to the same session and
stays signed in; another client, with its own cookies (or with the owner's XSRF cookie, which
script in the page can read) but the owner's session id (as seen in an upload URL), gets the
sign-in form; a table's download exists only from its press to the second clean-up after, and
only for the owner's browser (``ui.guard``): to anyone else its URL answers 404."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from analytics import auth
from analytics.i18n import t
from browserkit import serve, stream

PASSWORD = "correct horse battery"
SIGN_IN_TITLE = "登录"


@pytest.fixture
def signed_server(demo_copy: Path) -> Iterator[int]:
    """``streamlit run app.py`` (``browserkit.serve``) over a copy of the demo with a users
    file (sign-in required): its port."""
    auth.add_user(demo_copy.parent / "secrets" / "users.json", "zhang", "leader", ["3301012"], PASSWORD)
    for base in serve(demo_copy):
        yield int(base.rsplit(":", 1)[1])


@pytest.fixture
def unguarded_server(demo_copy: Path) -> Iterator[int]:
    """``streamlit run dashboard.py`` (the page itself, without ``app.py``'s guard) with a users file."""
    auth.add_user(demo_copy.parent / "secrets" / "users.json", "zhang", "leader", ["3301012"], PASSWORD)
    for base in serve(demo_copy, "dashboard.py"):
        yield int(base.rsplit(":", 1)[1])


def _browser_cookies(port: int) -> dict[str, str]:
    """The cookies a new browser gets (its frontend asks ``/_stcore/health`` before opening the
    websocket): Streamlit's XSRF cookie and the guard's HttpOnly one."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=30) as r:
        cookies = SimpleCookie()
        for header in r.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    if auth.GUARD_COOKIE in cookies:
        assert cookies[auth.GUARD_COOKIE]["httponly"] and not cookies[auth.BROWSER_COOKIE]["httponly"]
    return {name: morsel.value for name, morsel in cookies.items()}


class Seen:
    """What one script run sent: h1 titles, widget ids by key, download URLs, pages, session id."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.alerts: list[str] = []
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
            elif what == "alert":
                seen.alerts.append(el.alert.body)
            elif what in ("text_input", "button", "download_button"):
                wid = getattr(el, what).id
                seen.ids[wid.rsplit("-", 1)[-1]] = wid
                if what == "download_button":
                    seen.downloads.append((el.download_button.url, el.download_button.deferred_file_id))
        elif kind == "script_finished":
            return seen


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _connect(port: int, cookies: dict[str, str], session: str | None = None):
    protocols = ["streamlit", cookies[auth.BROWSER_COOKIE]] + ([session] if session else [])
    return stream(port, protocols, {"Cookie": _cookie_header(cookies), "Origin": f"http://127.0.0.1:{port}"})


async def _attack(port: int) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    owner = _browser_cookies(port)
    assert set(owner) == {auth.BROWSER_COOKIE, auth.GUARD_COOKIE}
    async with _connect(port, owner) as ws:
        seen["owner before"] = (await _seen(ws)).titles
    async with _connect(port, owner) as ws:
        signed = await _sign_in(ws)
        seen["owner signed in"], session = signed.titles, signed.session
    assert session
    async with _connect(port, owner, session) as ws:  # the owner's tab reconnects
        seen["owner reconnected"] = (await _seen(ws)).titles
        async with _connect(port, _browser_cookies(port), session) as thief:  # another browser, same id
            seen["other browser"] = (await _seen(thief)).titles
        # another browser that also holds the owner's XSRF cookie (read by script in the page)
        stolen = {**_browser_cookies(port), auth.BROWSER_COOKIE: owner[auth.BROWSER_COOKIE]}
        async with _connect(port, stolen, session) as thief:
            seen["stolen XSRF cookie"] = (await _seen(thief)).titles
        async with _connect(port, {auth.BROWSER_COOKIE: owner[auth.BROWSER_COOKIE]}, session) as thief:
            seen["stolen XSRF cookie only"] = (await _seen(thief)).titles
        # an upload into the owner's session, by its id (as a proxy log shows it)
        seen["upload by another browser"] = [_upload(port, session, _browser_cookies(port))]
        seen["upload by the owner"] = [_upload(port, session, owner)]
    async with _connect(port, owner, session) as ws:  # the owner's tab, after all that
        seen["owner after the attacks"] = (await _seen(ws)).titles
    return seen


def _upload(port: int, session: str, cookies: dict[str, str]) -> int:
    """The status of a file upload (a PUT, as the upload widget sends it) into ``session``."""
    boundary = "----dm-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\nname\r\nzhang\r\n--{boundary}--\r\n").encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_stcore/upload_file/{session}/dm-test-file", data=body, method="PUT",
        headers={"Cookie": _cookie_header(cookies), "X-Xsrftoken": cookies[auth.BROWSER_COOKIE],
                 "Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Origin": f"http://127.0.0.1:{port}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


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


def _status(port: int, url: str, cookies: dict[str, str] | None = None) -> int:
    """The HTTP status of ``url`` fetched with ``cookies`` (none: anyone holding the URL)."""
    headers = {"Cookie": _cookie_header(cookies)} if cookies else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{url}", headers=headers),
                                    timeout=30) as r:
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
    owner = _browser_cookies(port)
    async with _connect(port, owner) as ws:
        home = await _sign_in(ws)
        students = await _seen(ws, page_hash=home.pages["students"])
        out["titles"] = students.titles
        out["downloads"] = list(students.downloads)
        # While the page is shown there is no file: no URL, and the placeholder id is not served.
        out["urls while shown"] = [url for url, _ in students.downloads if url]
        out["placeholders"] = [_status(port, f"/media/{fid}") for _, fid in students.downloads]
        made = await _make_download(ws, home.session, students.downloads[0][1])
        out["made"] = made
        stolen = {**_browser_cookies(port), auth.BROWSER_COOKIE: owner[auth.BROWSER_COOKIE]}
        out["after pressing, others"] = [_status(port, made), _status(port, made, _browser_cookies(port)),
                                         _status(port, made, stolen)]
        out["after pressing, owner"] = _status(port, made, owner)
        await _seen(ws, page_hash=home.pages["students"])  # the user goes on: Streamlit marks the file,
        await _seen(ws, page_hash=home.pages["students"])  # then deletes it at the next clean-up
        out["two runs later"] = _status(port, made, owner)
        await _seen(ws, [WidgetState(id=students.ids["sign_out"], trigger_value=True)])
    return out


def test_a_personal_data_download_is_served_only_to_its_browser_and_only_briefly(signed_server) -> None:
    seen = asyncio.run(_download_lifetime(signed_server))
    assert seen["titles"] and seen["downloads"], seen
    assert seen["urls while shown"] == []
    assert set(seen["placeholders"]) == {404}
    # Pressing makes the file; the guard serves it only to the owner's browser (no cookie, another
    # browser's cookies, another browser with the owner's XSRF cookie: 404, as for no file) until
    # Streamlit's second clean-up after.
    assert str(seen["made"]).startswith("/media/")
    assert seen["after pressing, others"] == [404, 404, 404]
    assert seen["after pressing, owner"] == 200
    assert seen["two runs later"] == 404


def test_a_session_id_from_another_browser_gets_the_sign_in_form(signed_server) -> None:
    seen = asyncio.run(_attack(signed_server))
    assert seen["owner before"] == [SIGN_IN_TITLE]
    assert seen["owner signed in"] and seen["owner signed in"] != [SIGN_IN_TITLE]
    assert seen["owner reconnected"] == seen["owner signed in"]  # a reconnect keeps the sign-in
    assert seen["other browser"] == [SIGN_IN_TITLE]
    # the binding is the HttpOnly cookie: the XSRF cookie, which script can read, does not stand in
    assert seen["stolen XSRF cookie"] == [SIGN_IN_TITLE]
    assert seen["stolen XSRF cookie only"] == [SIGN_IN_TITLE]
    # the guard gave each of them a new session: the owner's was neither taken nor signed out
    assert seen["owner after the attacks"] == seen["owner signed in"]
    assert seen["upload by another browser"] == [403]
    assert seen["upload by the owner"] == [204]


async def _first_run(port: int) -> Seen:
    async with _connect(port, _browser_cookies(port)) as ws:
        return await _seen(ws)


def test_with_a_users_file_the_dashboard_refuses_to_run_without_its_guard(unguarded_server) -> None:
    assert auth.GUARD_COOKIE not in _browser_cookies(unguarded_server)  # no guard in front
    seen = asyncio.run(_first_run(unguarded_server))
    assert seen.titles == [] and "auth_name" not in seen.ids  # no sign-in form, nothing of the data
    assert seen.alerts == [t("auth.unguarded", "zh")]
