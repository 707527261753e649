"""Twenty simultaneous sessions of the dashboard, each with its own language and filter.

Each session is a Streamlit ``AppTest`` in its own thread, all alive together on one
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

``slow`` (about a minute on two cores); CI runs it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.test_app_pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = 20
PAGES_EACH = 4
RUN_LOCK = threading.Lock()
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
