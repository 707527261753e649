"""The server's own guard in front of Streamlit (``app.py`` installs it, SECURITY.md says why).

Streamlit serves every file a download button makes at ``/media/<id>`` to whoever asks for that
URL: its media route checks no session. Under ``streamlit run app.py`` the dashboard runs as an
ASGI app (``streamlit.starlette.App``) with ``BrowserGuard`` as the outermost middleware, which

* gives every browser an HttpOnly cookie (``auth.GUARD_COOKIE``, 32 random bytes) on its first
  request: script in the page cannot read it, the websocket handshake and every fetch carry it,
  and the sign-in is bound to it (``ui.access.browser``);
* serves a download (a ``DOWNLOADABLE`` file of the media store) only to a request that carries
  the cookie of the browser whose session pressed the button: ``OWNERS`` holds, per file
  content, the ``auth.browser_key`` of the browsers that made it (``ui.components.download``
  registers it when the file is made). Anyone else (no cookie, another browser, a proxy log's
  URL replayed) gets the same 404 as for a file that does not exist;
* keeps a signed-in session to its browser (``SESSIONS``, bound by ``ui.access`` on every run): a
  websocket from another browser that names the session's id (seen in an upload URL, a proxy log)
  gets a new session of its own instead, and an upload into that session's id is refused (403).

Nothing here imports Streamlit at module level: ``app.py`` imports it before the server starts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from analytics import auth

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

OWNER_SECONDS = 600  # a made file may be fetched by its browser for this long (the browser asks at once)
MAX_OWNED = 10_000  # files remembered at most (the oldest are forgotten first: refused, never opened)
_active = threading.Event()


def active() -> bool:
    """Whether this process serves through ``BrowserGuard`` (started by ``streamlit run app.py``)."""
    return _active.is_set()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Owners:
    """Which browsers may fetch a file, by its content: ``add`` when a download is made,
    ``may_fetch`` when it is requested. Entries older than ``seconds`` are forgotten; thread-safe
    (downloads are made on Streamlit's download thread, fetched on the server's loop)."""

    def __init__(self, seconds: float = OWNER_SECONDS, limit: int = MAX_OWNED) -> None:
        self._seconds, self._limit = seconds, limit
        self._owners: dict[str, dict[str, float]] = {}  # content digest → {browser key: when}
        self._lock = threading.Lock()

    def add(self, data: bytes, browser: str | None, now: float | None = None) -> None:
        """Let ``browser`` (an ``auth.browser_key``; None: nobody) fetch the file holding ``data``."""
        if not browser:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget(now)
            self._owners.setdefault(_digest(data), {})[browser] = now
            while len(self._owners) > self._limit:
                self._owners.pop(next(iter(self._owners)))

    def may_fetch(self, data: bytes, browser: str | None, now: float | None = None) -> bool:
        """Whether ``browser`` made (within ``seconds``) a download holding ``data``."""
        if not browser:
            return False
        now = time.monotonic() if now is None else now
        with self._lock:
            when = self._owners.get(_digest(data), {}).get(browser)
        return when is not None and now - when <= self._seconds

    def _forget(self, now: float) -> None:
        for digest in [d for d, seen in self._owners.items() if all(now - w > self._seconds for w in seen.values())]:
            del self._owners[digest]

    def __len__(self) -> int:
        with self._lock:
            return len(self._owners)


OWNERS = Owners()

SESSION_SECONDS = 12 * 3600  # a session id stays bound this long after its last run


class Sessions:
    """Which browser a signed-in session belongs to, by Streamlit's session id: ``bind`` on every
    signed-in run (``ui.access``), ``owner`` when a request names the id (a websocket reconnecting
    to it, an upload into it). Entries unseen for ``seconds`` are forgotten; thread-safe."""

    def __init__(self, seconds: float = SESSION_SECONDS) -> None:
        self._seconds = seconds
        self._browsers: dict[str, tuple[str, float]] = {}  # session id → (browser key, last run)
        self._lock = threading.Lock()

    def bind(self, session_id: str, browser: str | None, now: float | None = None) -> None:
        """Bind ``session_id`` to ``browser`` (an ``auth.browser_key``; None binds nothing)."""
        if not browser:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            for sid in [k for k, (_, seen) in self._browsers.items() if now - seen > self._seconds]:
                del self._browsers[sid]
            self._browsers[session_id] = (browser, now)

    def foreign(self, session_id: str | None, browser: str | None, now: float | None = None) -> bool:
        """Whether ``session_id`` is bound to a browser other than ``browser``."""
        if not session_id:
            return False
        now = time.monotonic() if now is None else now
        with self._lock:
            bound = self._browsers.get(session_id)
        if bound is None or now - bound[1] > self._seconds:
            return False
        return not hmac.compare_digest(bound[0], browser or "")


SESSIONS = Sessions()
UPLOAD_PREFIX = "/_stcore/upload_file/"


def without_foreign_session(headers: list[tuple[bytes, bytes]], browser: str | None,
                            sessions: Sessions | None = None) -> list[tuple[bytes, bytes]]:
    """The websocket handshake's headers with the session id it asks to reconnect to (the third
    entry of ``Sec-WebSocket-Protocol``) emptied when that session belongs to another browser:
    Streamlit then opens a new session for it, and the owner's is neither taken nor signed out."""
    sessions = SESSIONS if sessions is None else sessions
    out = []
    for name, value in headers:
        if name.lower() == b"sec-websocket-protocol":
            entries = value.decode("latin-1").split(",")
            if len(entries) >= 3 and sessions.foreign(entries[2].strip(), browser):
                entries[2] = ""
                value = ",".join(entries).encode("latin-1")
        out.append((name, value))
    return out


def _cookies(scope: Scope) -> dict[str, str]:
    from starlette.requests import HTTPConnection

    return dict(HTTPConnection(scope).cookies)


def _base_path() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _downloadable(name: str) -> bytes | None:
    """The content of the download button file ``name`` in Streamlit's media store, or None
    (not there, or a picture or sound the page shows: those are not guarded)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.media_file_storage import MediaFileKind

    if not Runtime.exists():
        return None
    manager = Runtime.instance().media_file_mgr
    if not manager.can_read_files:
        return None
    file = manager.read_file(name)
    return file.content if file is not None and file.kind == MediaFileKind.DOWNLOADABLE else None


def may_serve(path: str, cookies: Mapping[str, str], owners: Owners | None = None) -> bool:
    """Whether the request for ``path`` (without the base URL) may go on to Streamlit: anything but
    a download, and a download only to a browser that made it (``owners``, default ``OWNERS``)."""
    if not path.startswith("/media/"):
        return True
    data = _downloadable(path.removeprefix("/media/"))
    return data is None or (OWNERS if owners is None else owners).may_fetch(data, auth.browser_key_of(cookies))


class BrowserGuard:
    """ASGI middleware (outermost, ``app.py``): the HttpOnly browser cookie on every HTTP answer
    to a browser without one, and downloads served only to the browser that made them."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        _active.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            browser = auth.browser_key_of(_cookies(scope))
            scope = {**scope, "headers": without_foreign_session(list(scope.get("headers", [])), browser)}
        if scope["type"] != "http":  # the websocket (its session id checked above) and the lifespan
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        base = _base_path()
        if auth.GUARD_COOKIE not in cookies:
            cookie = _set_cookie(secrets.token_urlsafe(32), base or "/", scope.get("scheme") == "https")
            send = _with_header(send, (b"set-cookie", cookie.encode("latin-1")))
        path = scope.get("path", "")
        path = path[len(base):] if base and path.startswith(base) else path
        if scope.get("method") != "OPTIONS" and not may_serve(path, cookies):
            await _not_found(send)  # with the cookie as any answer: a refusal looks like a missing file
            return
        if path.startswith(UPLOAD_PREFIX) and SESSIONS.foreign(path[len(UPLOAD_PREFIX):].split("/", 1)[0],
                                                               auth.browser_key_of(cookies)):
            await _refuse(send, 403, b"Forbidden")  # an upload into (or a delete from) another browser's session
            return
        await self.app(scope, receive, send)


def _with_header(send: Send, header: tuple[bytes, bytes]) -> Send:
    async def send_with_header(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), header]
        await send(message)

    return send_with_header


def _set_cookie(value: str, path: str, secure: bool) -> str:
    """The ``Set-Cookie`` value of the browser cookie: HttpOnly (script cannot read it), SameSite=Lax
    (sent on a link followed from elsewhere, so another tab's binding is not replaced), ends with the
    browser; Secure over HTTPS (behind a TLS proxy: nginx ``proxy_cookie_flags``, SECURITY.md)."""
    return f"{auth.GUARD_COOKIE}={value}; Path={path}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")


async def _not_found(send: Send) -> None:
    """The answer Streamlit gives for a file that does not exist (no oracle of which exist)."""
    await _refuse(send, 404, b"File not found")


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
