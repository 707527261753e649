"""A county user in a real browser: signed in, the funnel plot holds only their county's schools
(the region demo, 宁海县: three of its twelve schools). Screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.sample_region import SCHOOLS
from browserkit import (  # noqa: F401  (fixtures shared with the other browser tests)
    ARTIFACTS, ROOT, browser, heading, no_errors, page, serve, settle)
from tests.test_browser import PASSWORD, pytestmark  # noqa: F401  (the browser marks)

COUNTY = "宁海县"
IN_COUNTY = sorted(s.name for s in SCHOOLS if s.county == COUNTY)


@pytest.fixture(scope="module")
def county_server(region_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The region demo with a users file made by the CLI: a viewer of one county."""
    db_file = tmp_path_factory.mktemp("county") / "dashboard.duckdb"
    shutil.copy(region_db, db_file)
    add = subprocess.run(
        [sys.executable, "-m", "analytics", "user", "add", "ninghai", "--role", "viewer", "--county", COUNTY,
         "--password-stdin", "--db", str(db_file)],
        cwd=ROOT, input=PASSWORD + "\n", text=True, capture_output=True, timeout=120,
    )
    assert add.returncode == 0, add.stderr
    yield from serve(db_file)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    context.close()


def test_county_user_sees_only_their_county_in_the_funnel(county_server: str, page) -> None:
    page.goto(f"{county_server}/schools")
    settle(page, loaded=True)
    assert heading(page) == "登录"
    page.get_by_label("用户名").fill("ninghai")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_function(
        "() => document.querySelector('h1') && document.querySelector('h1').innerText.trim() === '学校横向比较'")
    settle(page)
    no_errors(page)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2")
    names = page.evaluate(
        "() => { const d = document.querySelectorAll('.js-plotly-plot')[0].data;"
        " const t = d.find(x => x.mode === 'markers+text'); return Array.from(t.text); }")
    assert sorted(names) == IN_COUNTY, names
    assert len(IN_COUNTY) == 3
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "40_county_user_schools.png"), full_page=True)
