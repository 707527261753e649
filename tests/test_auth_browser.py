"""Signing in and downloading personal data in a real browser (#18 item 4): the sign-in bound to
the browser's cookie survives page changes, and a table's download, made only when pressed,
arrives whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browserkit import LEADER, LEADER_PASSWORD, MARKS, browser, new_page, serve_with_leader, settle, no_errors  # noqa: F401

pytestmark = MARKS
PASSWORD = LEADER_PASSWORD


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_with_leader(demo_db, tmp_path_factory, "signin")


def test_signed_in_across_pages_and_a_table_download(server: str, browser) -> None:
    pg = new_page(browser)
    try:
        pg.goto(f"{server}/students")
        settle(pg, loaded=True)
        assert pg.locator("h1").first.inner_text().strip() == "登录"
        pg.get_by_label("用户名").fill(LEADER)
        pg.get_by_label("密码").fill(PASSWORD)
        pg.get_by_role("button", name="登录").click()
        pg.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText.trim() !== '登录'")
        settle(pg)
        students = pg.locator("h1").first.inner_text().strip()
        # Page changes in the sidebar keep the session (same browser, same cookie).
        pg.locator('[data-testid="stSidebar"] a[href^="mentors"]').first.click()
        settle(pg)
        assert pg.locator("h1").first.inner_text().strip() not in ("登录", students)
        pg.locator('[data-testid="stSidebar"] a[href^="students"]').first.click()
        settle(pg)
        assert pg.locator("h1").first.inner_text().strip() == students
        no_errors(pg)
        button = pg.locator('[data-testid="stDownloadButton"] button').first
        with pg.expect_download() as info:
            button.click()
        path = info.value.path()
        data = Path(path).read_bytes()
        assert len(data) > 100
        assert data[:2] == b"PK" or data.startswith(b"\xef\xbb\xbf")  # xlsx (zip) or CSV with BOM
        settle(pg)
        no_errors(pg)  # the file was made (and audited: test_app_downloads.py) without an error
        assert pg.locator("h1").first.inner_text().strip() != "登录"
    finally:
        pg.context.close()
