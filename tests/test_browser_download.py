"""A personal-data download in a real browser (#18 item 4): a signed-in user presses a table's
download and gets it; the same URL fetched by anyone else (no cookie, another browser, another
browser holding the user's XSRF cookie, which script in the page could read) gets a 404; the
cookie the sign-in and the downloads are bound to is HttpOnly (``ui.guard``, ``app.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics import auth
from browserkit import LEADER, LEADER_PASSWORD, MARKS, browser, new_page, no_errors, serve_with_leader, settle  # noqa: F401

pytestmark = MARKS
PASSWORD = LEADER_PASSWORD


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_with_leader(demo_db, tmp_path_factory, "download")


def _sign_in(pg, server: str) -> None:
    pg.goto(f"{server}/students")
    settle(pg, loaded=True)
    assert pg.locator("h1").first.inner_text().strip() == "登录"
    pg.get_by_label("用户名").fill(LEADER)
    pg.get_by_label("密码").fill(PASSWORD)
    pg.get_by_role("button", name="登录").click()
    pg.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText.trim() !== '登录'")
    settle(pg)


def test_a_download_reaches_its_browser_and_nobody_else(server: str, browser) -> None:
    owner = new_page(browser)
    others = []
    try:
        _sign_in(owner, server)
        no_errors(owner)
        # The binding cookie: HttpOnly, so script in the page cannot read it; the XSRF cookie it can.
        jar = {c["name"]: c for c in owner.context.cookies()}
        assert jar[auth.GUARD_COOKIE]["httpOnly"] is True
        script_sees = owner.evaluate("() => document.cookie")
        assert auth.GUARD_COOKIE not in script_sees and auth.BROWSER_COOKIE in script_sees

        with owner.expect_download() as info:  # the students page's first table (names and IDs)
            owner.locator('[data-testid="stDownloadButton"] button').first.click()
        download = info.value
        data = Path(download.path()).read_bytes()
        assert len(data) > 100 and data.startswith(b"\xef\xbb\xbf")  # the CSV (with its BOM)
        url = download.url
        assert "/media/" in url

        # Anyone else with the URL, before any script run could clean the file up (no page loads):
        stolen_xsrf = jar[auth.BROWSER_COOKIE]["value"]
        bare = browser.new_context()  # no cookie at all
        other = browser.new_context()  # another browser: its own cookies, from its first request
        assert other.request.get(f"{server}/_stcore/health").status == 200
        thief = browser.new_context()  # another browser holding the owner's XSRF cookie
        thief.add_cookies([{"name": auth.BROWSER_COOKIE, "value": stolen_xsrf, "url": server}])
        others = [bare, other, thief]
        statuses = [ctx.request.get(url).status for ctx in others]
        assert statuses == [404, 404, 404]

        # ... while the owner's browser still gets the very file: it was there, refused to the others.
        again = owner.context.request.get(url)
        assert again.status == 200 and again.body() == data

        settle(owner)
        no_errors(owner)  # the file was made and audited without an error
        assert owner.locator("h1").first.inner_text().strip() != "登录"
    finally:
        for ctx in others:
            ctx.close()
        owner.context.close()
