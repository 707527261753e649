"""The guard in front of Streamlit (#18 item 4, ``ui/guard.py``, ``app.py``) without a server: who may
fetch a made download, the HttpOnly cookie it gives a browser, which cookie the binding reads, that
every download button of the dashboard goes through the one helper that registers its owner, and
that a signed-in session's id, named by another browser (websocket, upload), does not reach it.
On the running app: ``test_auth_replay.py`` (websocket protocol) and ``test_browser_download.py``
(Chromium)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from analytics import auth
from ui import guard

ROOT = Path(__file__).resolve().parents[1]
XSRF_A = generate_xsrf_token_string(bytes(range(16)), 1)
KEY_A = auth.browser_key_of({auth.GUARD_COOKIE: "a" * 43})
KEY_B = auth.browser_key_of({auth.GUARD_COOKIE: "b" * 43})


@pytest.mark.parametrize(
    ("cookies", "expected"),
    [
        ({}, None),
        ({auth.GUARD_COOKIE: ""}, None),
        ({auth.BROWSER_COOKIE: XSRF_A}, auth.browser_key(XSRF_A)),  # without the guard: the XSRF token
        ({auth.GUARD_COOKIE: "a" * 43, auth.BROWSER_COOKIE: XSRF_A}, KEY_A),  # with it: the HttpOnly cookie
    ],
)
def test_the_binding_reads_the_httponly_cookie_first(cookies: dict[str, str], expected: str | None) -> None:
    assert auth.browser_key_of(cookies) == expected


def test_a_stolen_xsrf_cookie_is_not_the_httponly_one() -> None:
    # the same bytes in either cookie give different keys, and A's guard key is not A's XSRF key
    assert auth.browser_key_of({auth.BROWSER_COOKIE: "a" * 43}) != KEY_A
    assert auth.browser_key_of({auth.BROWSER_COOKIE: XSRF_A}) != auth.browser_key_of(
        {auth.GUARD_COOKIE: "x", auth.BROWSER_COOKIE: XSRF_A})


@pytest.mark.parametrize(
    ("made_by", "asked_by", "after", "allowed"),
    [
        (KEY_A, KEY_A, 0, True),
        (KEY_A, KEY_A, 600, True),  # up to OWNER_SECONDS (600) after the press
        (KEY_A, KEY_A, 601, False),
        (KEY_A, KEY_B, 0, False),  # another browser
        (KEY_A, None, 0, False),  # no cookie
        (None, None, 0, False),  # a run without a browser registers nobody
    ],
)
def test_only_the_browser_that_made_a_file_may_fetch_it(made_by, asked_by, after: int, allowed: bool) -> None:
    owners = guard.Owners(seconds=600)
    owners.add(b"name,id\nzhang,1\n", made_by, now=1000.0)
    assert owners.may_fetch(b"name,id\nzhang,1\n", asked_by, now=1000.0 + after) is allowed
    assert not owners.may_fetch(b"other file", made_by, now=1000.0)


def test_two_browsers_may_make_the_same_file_and_old_entries_go() -> None:
    owners = guard.Owners(seconds=10, limit=3)
    owners.add(b"same", KEY_A, now=0.0)
    owners.add(b"same", KEY_B, now=5.0)
    assert owners.may_fetch(b"same", KEY_A, now=9.0) and owners.may_fetch(b"same", KEY_B, now=9.0)
    owners.add(b"later", KEY_A, now=20.0)  # 20 - 5 > 10: "same" is forgotten
    assert len(owners) == 1 and not owners.may_fetch(b"same", KEY_B, now=20.0)
    for i in range(5):  # at most ``limit`` files: the oldest go first (3 kept of 1 + 5)
        owners.add(f"file {i}".encode(), KEY_A, now=21.0 + i)
    assert len(owners) == 3
    assert [owners.may_fetch(f"file {i}".encode(), KEY_A, now=26.0) for i in range(5)] == [False, False, True, True, True]


def _call(path: str, cookies: dict[str, str], scheme: str = "http",
          downloadable: bytes | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, dict, bool]:
    """One HTTP request through ``BrowserGuard`` around an app answering 200: (status, headers, reached)."""
    reached = []

    async def inner(scope, receive, send) -> None:
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict] = []

    async def send(message) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    scope = {"type": "http", "method": "GET", "path": path, "scheme": scheme, "query_string": b"",
             "headers": [(b"cookie", header.encode())] if header else []}
    asyncio.run(guard.BrowserGuard(inner)(scope, receive, send))
    start = sent[0]
    headers: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        headers.setdefault(k.decode(), []).append(v.decode())
    return start["status"], headers, bool(reached)


@pytest.mark.parametrize(
    ("scheme", "cookie"),
    [("http", "Path=/; HttpOnly; SameSite=Lax"), ("https", "Path=/; HttpOnly; SameSite=Lax; Secure")],
)
def test_a_browser_without_the_cookie_gets_an_httponly_one(scheme: str, cookie: str) -> None:
    status, headers, reached = _call("/", {}, scheme)
    assert status == 200 and reached
    (set_cookie,) = headers["set-cookie"]
    name_value, attributes = set_cookie.split("; ", 1)
    name, value = name_value.split("=", 1)
    assert name == auth.GUARD_COOKIE and attributes == cookie
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)  # 32 random bytes, URL-safe base64
    assert guard.active()  # the middleware tells the pages it is there (``access.unguarded``)


def test_a_browser_with_the_cookie_keeps_it() -> None:
    status, headers, reached = _call("/", {auth.GUARD_COOKIE: "a" * 43})
    assert status == 200 and reached and "set-cookie" not in headers


@pytest.mark.parametrize(
    ("cookies", "status"),
    [({auth.GUARD_COOKIE: "a" * 43}, 200), ({auth.GUARD_COOKIE: "b" * 43}, 404), ({}, 404),
     ({auth.BROWSER_COOKIE: XSRF_A}, 404)],
)
def test_a_download_is_served_only_to_its_browser(monkeypatch: pytest.MonkeyPatch, cookies, status: int) -> None:
    owners = guard.Owners()
    owners.add(b"personal rows", KEY_A)
    monkeypatch.setattr(guard, "OWNERS", owners)
    monkeypatch.setattr(guard, "_downloadable", lambda name: b"personal rows" if name == "f00d.csv" else None)
    got, headers, reached = _call("/media/f00d.csv", cookies)
    assert (got, reached) == (status, status == 200)
    if status == 404:  # the answer of a file that does not exist, cookie included for a new browser
        assert headers["content-type"] == ["text/plain; charset=utf-8"]
        assert ("set-cookie" in headers) is (auth.GUARD_COOKIE not in cookies)


def test_pictures_and_other_paths_are_not_guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_downloadable", lambda name: None)  # a picture, or no such file
    assert _call("/media/cafe.png", {})[2]
    assert _call("/_stcore/health", {})[2]


def test_every_download_button_goes_through_the_one_helper() -> None:
    sources = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    callers = [p.relative_to(ROOT).as_posix() for p in sources if "download_button(" in p.read_text(encoding="utf-8")]
    assert callers == ["ui/components.py"]  # ``components.download`` registers the browser that may fetch


@pytest.mark.parametrize(
    ("asked_by", "after", "foreign"),
    [(KEY_A, 0, False), (KEY_B, 0, True), (None, 0, True),
     (KEY_B, 3600, True),  # up to SESSION_SECONDS (3600 here) after the last run
     (KEY_B, 3601, False)],  # then forgotten: nothing is signed in there any more
)
def test_a_signed_in_session_belongs_to_its_browser(asked_by, after: int, foreign: bool) -> None:
    sessions = guard.Sessions(seconds=3600)
    sessions.bind("sid-1", KEY_A, now=0.0)
    assert sessions.foreign("sid-1", asked_by, now=float(after)) is foreign
    assert not sessions.foreign("sid-2", KEY_B, now=0.0)  # never signed in: anyone's
    assert not sessions.foreign(None, KEY_B, now=0.0) and not sessions.foreign("", KEY_B, now=0.0)
    sessions.bind("sid-3", None, now=0.0)  # a run without a browser binds nothing
    assert not sessions.foreign("sid-3", KEY_B, now=0.0)


@pytest.mark.parametrize(
    ("protocols", "browser", "expected", "session"),
    [
        ("streamlit, XSRF, sid-1", KEY_A, "streamlit, XSRF, sid-1", "sid-1"),  # the owner reconnects
        ("streamlit, XSRF, sid-1", KEY_B, "streamlit, XSRF,", None),  # another browser: a new session
        ("streamlit, XSRF, sid-1", None, "streamlit, XSRF,", None),
        ("streamlit, XSRF, sid-2", KEY_B, "streamlit, XSRF, sid-2", "sid-2"),  # nobody signed in there
        ("streamlit, XSRF", KEY_B, "streamlit, XSRF", None),  # a first connection
    ],
)
def test_a_websocket_naming_another_browsers_session_gets_a_new_one(protocols: str, browser, expected: str,
                                                                    session: str | None) -> None:
    from starlette.datastructures import Headers
    from streamlit.web.server.starlette.starlette_websocket import _parse_subprotocols

    sessions = guard.Sessions()
    sessions.bind("sid-1", KEY_A)
    headers = [(b"host", b"127.0.0.1"), (b"sec-websocket-protocol", protocols.encode())]
    out = guard.without_foreign_session(headers, browser, sessions)
    assert out == [(b"host", b"127.0.0.1"), (b"sec-websocket-protocol", expected.encode())]
    # Streamlit reads the entries by position: the session id's place is emptied, nothing shifts
    assert _parse_subprotocols(Headers(raw=out)) == ("streamlit", "XSRF", session)


@pytest.mark.parametrize(("cookie", "status"), [("a" * 43, 200), ("b" * 43, 403)])
def test_an_upload_into_another_browsers_session_is_refused(monkeypatch: pytest.MonkeyPatch, cookie: str,
                                                           status: int) -> None:
    sessions = guard.Sessions()
    sessions.bind("sid-1", KEY_A)
    monkeypatch.setattr(guard, "SESSIONS", sessions)
    got, _, reached = _call("/_stcore/upload_file/sid-1/file-1", {auth.GUARD_COOKIE: cookie})
    assert (got, reached) == (status, status == 200)
