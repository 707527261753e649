"""What the real-browser tests share: a dashboard server on a free port, Debian's Chromium
through Playwright, and helpers that wait for Streamlit to finish drawing.

Modules import the fixtures they use (``from browserkit import browser, page``) so each
module runs its own server on its own copy of the demo database: a module that writes
never changes what another module sees, in any order.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
BUSY = ('[data-testid="stStatusWidget"]', '[data-testid="stSkeleton"]', '[data-testid="stSpinner"]')
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# The machine may be shared and slow: waits are generous; nothing asserts on time.
TIMEOUT_MS = 180_000

MARKS = [
    pytest.mark.browser,
    # CI sets REQUIRE_BROWSER=1: there a missing browser fails the tests instead of skipping them
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("REQUIRE_BROWSER"),
                       reason="Debian chromium is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_file: Path, script: str = "app.py", log: Path | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` (the README's command: the dashboard behind its guard; or
    ``script``) on ``db_file`` on a free port until the caller is done; the server's log goes to
    ``log`` when given (a file, never a pipe nobody reads: a full pipe stalls the server)."""
    port = free_port()
    env = {**os.environ, "DUAL_MENTOR_DB": str(db_file)}
    with open(log or os.devnull, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("streamlit did not start")
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def stream(port: int, subprotocols: list[str] | None = None, headers: dict[str, str] | None = None):
    """A websocket to the app's message stream (``websockets.connect``, to use with ``async with``)
    opened as a browser tab opens it: it waits for the handshake as long as the server takes
    (``websockets``' own default gives up after 10 s, which a shared, busy machine can exceed) and
    sends no keepalive pings of its own (a browser sends none)."""
    import websockets

    return websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=subprotocols or ["streamlit"],
                              additional_headers=headers, max_size=None, open_timeout=TIMEOUT_MS / 1000,
                              ping_interval=None)


def serve_copy(demo_db: Path, tmp_path_factory: pytest.TempPathFactory, name: str = "browser") -> Iterator[str]:
    """``serve`` on a private copy of the demo database."""
    db_file = tmp_path_factory.mktemp(name) / "dashboard.duckdb"
    shutil.copy(demo_db, db_file)
    yield from serve(db_file)


LEADER, LEADER_PASSWORD, LEADER_SCHOOL = "zhang", "correct horse battery", "3301012"


def serve_with_leader(demo_db: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[str]:
    """``serve`` on a private copy of the demo database with a users file holding one leader
    (``LEADER``, scoped to ``LEADER_SCHOOL``): sign-in is required."""
    from analytics import auth

    db_file = tmp_path_factory.mktemp(name) / "dashboard.duckdb"
    shutil.copy(demo_db, db_file)
    auth.add_user(db_file.parent / "secrets" / "users.json", LEADER, "leader", [LEADER_SCHOOL], LEADER_PASSWORD)
    yield from serve(db_file)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def new_page(browser, viewport: dict | None = None, locale: str = "zh-CN"):
    """A page in a fresh browser context (own cookies), with the long default timeout."""
    context = browser.new_context(viewport=viewport or DESKTOP, locale=locale)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    return pg


@pytest.fixture
def page(browser):
    pg = new_page(browser, {"width": 1440, "height": 1800})
    yield pg
    pg.context.close()


# True when the app is at rest: the app root says the script is not running (Streamlit 1.67's
# ``data-test-script-state``: "initial" before the first run, then "running"/"notRunning"/...),
# a heading is drawn, nothing is busy or stale, and every visible plotly chart has drawn its svg
# (charts are lazy-loaded and may draw after the script ends).
_AT_REST = """busy => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('h1')) return false;
  if (busy.some(s => document.querySelector(s))) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (c.offsetParent !== null && !c.querySelector('.main-svg')) return false;
  }
  return true;
}"""
# After a click the rerun request travels to the server and "running" comes back: until then
# the page still looks at rest. Waiting this long first, then seeing rest on STABLE_CHECKS polls
# POLL_S apart, covers that trip (the old fixed 0.5 s + 0.5 s sleeps did the same, slower).
CLICK_TRIP_S = 0.25
POLL_S = 0.1
STABLE_CHECKS = 2


def at_rest(pg) -> bool:
    """Whether the app is at rest right now (see ``_AT_REST``)."""
    return bool(pg.evaluate(_AT_REST, list(BUSY)))


def settle(pg, loaded: bool = False) -> None:
    """Wait until the app has finished running and drawing.

    ``loaded=True`` right after ``goto``: a freshly loaded page is "initial" until its first run
    has ended, so there is no click's round trip to wait for."""
    if not loaded:
        time.sleep(CLICK_TRIP_S)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        pg.wait_for_function(_AT_REST, arg=list(BUSY), polling=50)
        stable = True
        for _ in range(STABLE_CHECKS):
            time.sleep(POLL_S)
            if not at_rest(pg):
                stable = False
                break
        if stable:
            return
        if time.monotonic() > deadline:
            pytest.fail("the app did not come to rest")


def shot(pg, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def no_errors(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.locator('[data-testid="stAlertContentError"]').count() == 0


def funding_rows(pg) -> int:
    """Rows of the funding table, read from the Data page's data-status table (zh UI)."""
    pg.get_by_role("tab", name="数据质量").click()
    settle(pg)
    panel = pg.locator('[role="tabpanel"]:visible')
    cells = [c.inner_text().strip() for c in panel.locator('[data-testid="stDataFrame"]').first
             .locator('[role="gridcell"]').all()]
    return int(cells[cells.index("经费") + 1].replace(",", ""))


def heading(pg) -> str:
    return pg.locator("h1").first.inner_text().strip()


def wait_heading(pg, title: str) -> None:
    pg.wait_for_function("t => document.querySelector('h1') && document.querySelector('h1').innerText.trim() === t",
                         arg=title)
