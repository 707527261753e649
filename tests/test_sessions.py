"""Twenty simultaneous sessions of the dashboard, each with its own language and filter.

Two ways, both ``slow`` (under a minute each on two cores; CI runs them):

* **On the running app**: ``streamlit run dashboard.py`` serves 20 websocket clients at
  once, each speaking Streamlit's own protocol (``BackMsg`` / ``ForwardMsg``) the way a
  browser tab does: open with ``?lang=``, pick a major in the sidebar widget, follow the
  URL the app writes to four pages. Truly simultaneous runs on one server.
* **In AppTest**: each session is a Streamlit ``AppTest`` in its own thread, all alive together on one
database (so they share the process's connection and query cache, as sessions of one
server do). Each picks a language and a major, then walks through four pages; between
them the eight pages are all visited, in both languages. Every page must render, and
every session must keep exactly its own language and filter — nothing leaks from the
others.

AppTest is not thread-safe: each run installs its own mock ``Runtime._instance`` and
removes it at the end, so two runs at the same moment break each other (a page is "not
found"). The runs of the 20 sessions therefore take turns (``RUN_LOCK``) in whatever
order the threads reach it: the sessions interleave step by step, which is where state
would leak, but no two scripts execute at the same instant.

Either way, every page must render in both languages, and every session must keep
exactly its own language and filter — nothing leaks from the others.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browserkit import serve, stream

from tests.test_app_pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = 20
PAGES_EACH = 4
RUN_LOCK = threading.Lock()
RECV_SECONDS = 300  # the longest a session waits for the server's next message (a shared, slow machine)
MAJORS = ("数控技术应用", "汽车运用与维修", "电子商务", "电子技术应用", "计算机网络技术", "会计事务")


def _plan(i: int) -> tuple[str, str, list[str]]:
    """Session ``i``: its language, its major and the pages it visits (all 8 covered in each language)."""
    pages = list(PAGES)
    lang = "zh" if i % 2 == 0 else "en"
    return lang, MAJORS[i % len(MAJORS)], [pages[(i // 2 * PAGES_EACH + k) % len(pages)] for k in range(PAGES_EACH)]


def _check(at, page: str, lang: str, major: str) -> list[str]:
    """What is wrong with the session ``at`` on ``page`` (empty when nothing is)."""
    problems = [f"exception: {e.value}" for e in at.exception]
    title = PAGES[page][0 if lang == "zh" else 1]
    if title not in [t.value for t in at.title]:
        problems.append(f"title {[t.value for t in at.title]} instead of {title!r}")
    if at.button_group(key="lang_switch").value != lang:
        problems.append(f"language {at.button_group(key='lang_switch').value}")
    if at.selectbox(key="f_major").value != major:
        problems.append(f"major {at.selectbox(key='f_major').value!r}")
    params = at.query_params
    if params.get("major") not in (major, [major]) or params.get("lang") not in (lang, [lang]):
        problems.append(f"URL {dict(params)}")
    return problems


def _session(i: int, start: threading.Barrier, report: dict[int, list[str]], visited: set) -> None:
    from streamlit.testing.v1 import AppTest

    lang, major, pages = _plan(i)
    problems: list[str] = []
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
        at.query_params.update({"lang": lang})
        start.wait()
        with RUN_LOCK:
            at.run()
        with RUN_LOCK:
            at.selectbox(key="f_major").select(major).run()
        problems += _check(at, "dashboard.py", lang, major)
        for page in pages:
            at.switch_page(page)
            with RUN_LOCK:
                at.run()
            found = _check(at, page, lang, major)
            problems += [f"{page}: {p}" for p in found]
            if not found:
                visited.add((page, lang))
    except Exception as e:  # noqa: BLE001 — any failure of a session thread is reported by the test
        problems.append(f"{type(e).__name__}: {e}")
    report[i] = problems


@pytest.mark.slow
def test_twenty_sessions_render_every_page_without_leaking(demo_db, monkeypatch):
    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_db))
    start = threading.Barrier(SESSIONS)
    report: dict[int, list[str]] = {}
    visited: set[tuple[str, str]] = set()
    threads = [threading.Thread(target=_session, args=(i, start, report, visited)) for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(900)
    assert sorted(report) == list(range(SESSIONS))  # every session finished
    failures = {i: p for i, p in report.items() if p}
    assert not failures, failures
    assert visited == {(page, lang) for page in PAGES for lang in ("zh", "en")}


# --- the running app, over websockets -----------------------------------------------------

LANG_LABEL = {"zh": "中文", "en": "English"}


@pytest.fixture
def server(demo_copy: Path, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """``streamlit run dashboard.py`` on a free port over a copy of the demo database; its port and
    the file its log goes to (a failure shows the log's end)."""
    log = tmp_path / "server.log"
    for base in serve(demo_copy, script="dashboard.py", log=log):
        yield urllib.parse.urlsplit(base).port, log


@dataclass
class Render:
    """What one script run sent to the browser."""

    titles: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    widgets: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # key -> (id, values)
    query: str | None = None  # the URL query the app wrote, if it wrote one
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    status: int | None = None
    kinds: list[str] = field(default_factory=list)  # the message types, in order (for a failure's report)


def _parse(msgs: list) -> Render:
    r = Render()
    for m in msgs:
        kind = m.WhichOneof("type")
        if kind == "delta" and m.delta.HasField("new_element") and m.delta.new_element.HasField("alert"):
            r.kinds.append(f"alert: {m.delta.new_element.alert.body}")  # an error page says why
        else:
            r.kinds.append(kind)
        if kind == "navigation":
            r.pages = {p.url_pathname: p.page_script_hash for p in m.navigation.app_pages}
        elif kind == "page_info_changed":
            r.query = m.page_info_changed.query_string
        elif kind == "script_finished":
            r.status = m.script_finished
        elif kind == "delta" and m.delta.WhichOneof("type") == "new_element":
            el = m.delta.new_element
            what = el.WhichOneof("type")
            if what == "heading" and el.heading.tag == "h1":
                r.titles.append(el.heading.body)
            elif what == "exception":
                r.exceptions.append(f"{el.exception.type}: {el.exception.message}")
            elif what == "selectbox":
                r.widgets[el.selectbox.id.rsplit("-", 1)[-1]] = (el.selectbox.id, [el.selectbox.raw_value])
            elif what == "button_group":
                r.widgets[el.button_group.id.rsplit("-", 1)[-1]] = (el.button_group.id, list(el.button_group.raw_values))
    return r


async def _rerun(ws, query: str, page_hash: str = "", widgets: list | None = None) -> Render:
    """Ask for a script run as a browser tab does, and collect what comes back."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    msg = BackMsg()
    msg.rerun_script.CopyFrom(
        ClientState(query_string=query, page_script_hash=page_hash, widget_states=WidgetStates(widgets=widgets or []))
    )
    await ws.send(msg.SerializeToString())
    msgs = []
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), RECV_SECONDS))
        msgs.append(fm)
        if fm.WhichOneof("type") == "script_finished":
            return _parse(msgs)


def _url_path(page: str) -> str:
    """``pages/1_certificates.py`` -> ``certificates`` (the dashboard itself is "")."""
    return "" if page == "dashboard.py" else Path(page).stem.split("_", 1)[1]


def _problems(r: Render, page: str, lang: str, major: str | None) -> list[str]:
    found = list(r.exceptions)
    title = PAGES[page][0 if lang == "zh" else 1]
    if r.titles[:1] != [title]:
        found.append(f"title {r.titles[:1]} instead of {title!r}")
    if r.widgets.get("lang_switch", ("", []))[1] != [LANG_LABEL[lang]]:
        found.append(f"language switch {r.widgets.get('lang_switch')}")
    shown = r.widgets.get("f_major", ("", ["?"]))[1][0]
    if major is not None and shown != major:
        found.append(f"major {shown!r}")
    return found


async def _ws_session(i: int, port: int, visited: set, steps: dict[int, str]) -> list[str]:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    lang, major, pages = _plan(i)
    async with stream(port) as ws:
        query = f"lang={lang}"
        steps[i] = "the overview"
        r = await _rerun(ws, query)
        problems = _problems(r, "dashboard.py", lang, None)
        hashes = r.pages
        # pick the major in the sidebar, as a click does; the app writes it into the URL
        if "f_major" not in r.widgets:  # say what came instead of the sidebar
            return problems + [f"no major filter: status {r.status}, titles {r.titles}, widgets {sorted(r.widgets)}, messages {r.kinds}"]
        widget_id = r.widgets["f_major"][0]
        steps[i] = f"picking {major}"
        r = await _rerun(ws, query, hashes[""], [WidgetState(id=widget_id, string_value=major)])
        problems += _problems(r, "dashboard.py", lang, major)
        query = r.query or query
        if f"major={major}" not in urllib.parse.unquote_plus(query) or f"lang={lang}" not in query:
            problems.append(f"URL {query!r}")
        for page in pages:
            steps[i] = page
            r = await _rerun(ws, query, hashes[_url_path(page)])
            found = _problems(r, page, lang, major)
            problems += [f"{page}: {p}" for p in found]
            if not found:
                visited.add((page, lang))
    return problems


async def _timed_session(i: int, port: int, visited: set, steps: dict[int, str]) -> list[str]:
    """``_ws_session`` saying, when it fails, at which step and after how many seconds."""
    start = time.monotonic()
    try:
        return await _ws_session(i, port, visited, steps)
    except Exception as e:  # noqa: BLE001 - every failure is the test's, with where it happened
        what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        return [f"{what} at {steps.get(i, 'connect')!r} after {time.monotonic() - start:.0f} s"]


@pytest.mark.slow
def test_twenty_websocket_sessions_on_the_running_app(server):
    port, log = server
    steps: dict[int, str] = {}

    async def all_sessions() -> tuple[list, set]:
        visited: set[tuple[str, str]] = set()
        results = await asyncio.gather(*(_timed_session(i, port, visited, steps) for i in range(SESSIONS)))
        return results, visited

    results, visited = asyncio.run(all_sessions())
    failures = {i: r for i, r in enumerate(results) if r}
    logged = log.read_text(errors="replace")
    assert not failures, (failures, logged[-4000:])
    assert visited == {(page, lang) for page in PAGES for lang in ("zh", "en")}
    # 120 runs of 20 sessions, and the server logged no stack (an error, or a warning of Streamlit's)
    assert "Traceback" not in logged and "Stack (most recent call last)" not in logged, logged[-4000:]
