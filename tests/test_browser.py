"""The dashboard in a real browser: ``streamlit run dashboard.py`` on a free localhost port
against a copy of the demo database, driven by Playwright through Debian's Chromium.

Screenshots of every page go to tests/artifacts/. Skipped only when /usr/bin/chromium is
missing outside CI (CI installs it and sets REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from browserkit import (  # noqa: F401  (fixtures)
    MARKS, ROOT, browser, funding_rows, heading, no_errors, page, serve, serve_copy, settle, shot, wait_heading,
)

# (sidebar label, page title) in Chinese, in navigation order
NAVIGATION = [("技能证书", "技能证书"), ("就业", "就业"), ("企业满意度", "企业满意度"), ("学生", "学生"),
              ("导师", "导师"), ("企业与经费", "企业与经费"), ("数据管理", "数据管理"), ("决策督办", "决策督办"),
              ("培养阶段", "培养阶段"), ("合作协议", "合作协议"), ("双向培训", "双向培训"), ("评优推荐", "评优推荐"),
              ("总览", "总览")]
MAJOR = "数控技术应用"
SCHOOL, SCHOOL_NAME = "3301012", "临江市机电职业技术学校"  # one of the demo's two schools
PASSWORD = "correct horse battery"

pytestmark = MARKS


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running dashboard on a copy of the demo database; yields its base URL."""
    yield from serve_copy(demo_db, tmp_path_factory)


def test_navigate_every_page_through_the_sidebar(server: str, page) -> None:
    page.goto(server)
    settle(page, loaded=True)
    no_errors(page)
    assert heading(page) == "总览"
    shot(page, "00_overview")
    sidebar = page.locator('[data-testid="stSidebar"]')
    for i, (label, title) in enumerate(NAVIGATION, 1):
        sidebar.get_by_role("link", name=label, exact=True).click()
        wait_heading(page, title)
        settle(page)
        no_errors(page)
        shot(page, f"{i:02d}_{label}")
    sidebar.get_by_role("button", name="会议模式").click()
    page.get_by_text("退出会议模式").wait_for()
    settle(page)
    no_errors(page)
    assert "view=meeting" in page.url
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    shot(page, "09_meeting_view")


def test_filters_survive_navigation_and_deep_link(server: str, page) -> None:
    page.goto(f"{server}/employment?major={MAJOR}&dual=in&from=2023&to=2025")
    settle(page, loaded=True)
    no_errors(page)
    assert heading(page) == "就业"
    caption = "2023–2025 · " + MAJOR + " · 双导师学生"
    assert page.get_by_text(caption).count() > 0
    shot(page, "20_deep_link_employment")
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="技能证书", exact=True).click()
    wait_heading(page, "技能证书")
    settle(page)
    assert "major=" in page.url and "dual=in" in page.url
    assert page.get_by_text(caption).count() > 0


def test_employment_shows_the_benchmark_line(server: str, page) -> None:
    page.goto(f"{server}/employment")
    settle(page, loaded=True)
    no_errors(page)
    page.get_by_text("对标：初次就业率").scroll_into_view_if_needed()
    settle(page)
    # The panel's chart: the school's rates with their intervals and the published line,
    # each a legend entry drawn by plotly in the browser.
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="本校与对标数据")
    chart.scroll_into_view_if_needed()
    legend = chart.locator("text.legendtext").all_text_contents()
    assert "本校" in legend and "对标值" in legend, legend
    assert chart.locator("g.trace.scatter").count() >= 2
    shot(page, "21_employment_benchmark")


def test_upload_confirm_and_counts_change(server: str, page, tmp_path: Path) -> None:
    page.goto(f"{server}/data")
    settle(page, loaded=True)
    rows_before = funding_rows(page)
    page.get_by_role("tab", name="上传").click()
    sheet = tmp_path / "经费补充.csv"
    # two funding lines of a new year (2026): 2 rows, nothing rejected
    sheet.write_text("年度,经费来源,支出类别,预算金额,实际支出\n2026,学校,导师津贴,120000,30000\n"
                     "2026,企业,实训基地建设,200000,0\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(sheet))
    confirm = page.get_by_role("button", name="确认导入（1 个工作表，2 行）")
    confirm.wait_for()
    settle(page)
    shot(page, "30_upload_checked")
    confirm.click()
    page.get_by_text("已导入（批次").wait_for()
    settle(page)
    no_errors(page)
    shot(page, "31_upload_loaded")
    assert funding_rows(page) == rows_before + 2


def test_language_switch(server: str, page) -> None:
    page.goto(f"{server}/satisfaction")
    settle(page, loaded=True)
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    wait_heading(page, "Satisfaction")
    settle(page)
    no_errors(page)
    assert "lang=en" in page.url
    shot(page, "40_english_satisfaction")
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Overview", exact=True).click()
    wait_heading(page, "Overview")
    settle(page)
    shot(page, "41_english_overview")


def test_language_follows_the_browser_locale(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    try:
        pg = context.new_page()
        pg.goto(server)
        settle(pg, loaded=True)
        assert heading(pg) == "Overview"
        no_errors(pg)
    finally:
        context.close()


@pytest.fixture(scope="module")
def users_server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard with a users file made by the CLI: a leader of one school."""
    folder = tmp_path_factory.mktemp("users")
    db_file = folder / "dashboard.duckdb"
    shutil.copy(demo_db, db_file)
    add = subprocess.run(
        [sys.executable, "-m", "analytics", "user", "add", "zhang", "--role", "leader", "--school", SCHOOL,
         "--password-stdin", "--db", str(db_file)],
        cwd=ROOT, input=PASSWORD + "\n", text=True, capture_output=True, timeout=120,
    )
    assert add.returncode == 0, add.stderr
    yield from serve(db_file)


def test_signed_in_leader_sees_only_their_school_and_is_refused_an_import(users_server: str, page) -> None:
    page.goto(f"{users_server}/data")
    settle(page, loaded=True)
    assert heading(page) == "登录"
    page.get_by_label("用户名").fill("zhang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    wait_heading(page, "数据管理")
    settle(page)
    no_errors(page)
    # Only their school in the school filter: open it and read the options.
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("当前用户：zhang").wait_for()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="学校").first.click()
    options = page.locator('[role="option"]').all_text_contents()
    assert options == ["全部", SCHOOL_NAME], options
    page.keyboard.press("Escape")
    # An administrator's action (importing) is refused, with the reason on the page.
    assert page.get_by_text("无权执行此操作").count() > 0
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    shot(page, "30_leader_data_page")


def test_an_unknown_value_is_mapped_in_the_value_map_and_reused(server: str, page, tmp_path: Path) -> None:
    page.goto(f"{server}/data")
    settle(page, loaded=True)
    page.get_by_role("tab", name="上传").click()
    first = tmp_path / "2023届去向补报.csv"
    # a status word no vocabulary places (打零工, odd jobs): asked once, for its two rows
    first.write_text("学号,姓名,毕业年份,毕业去向\nZ2301,甲,2023,已就业\nZ2302,乙,2023,打零工\nZ2303,丙,2023,打零工\n",
                     encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(first))
    page.get_by_text("“打零工” · 2 行").wait_for()
    settle(page)
    assert page.get_by_text("读取 3 行：新增 1，更新 0，不变 0，拒绝 2。").count() > 0
    shot(page, "32_value_map_asked")
    choice = page.get_by_role("combobox", name="“打零工”的含义")
    assert choice.input_value() == "（未对应：这些行不导入）"
    choice.click()
    page.get_by_role("option", name="就业", exact=True).click()
    page.get_by_text("读取 3 行：新增 3，更新 0，不变 0，拒绝 0。").wait_for()
    settle(page)
    shot(page, "32_value_map")
    page.get_by_role("button", name="确认导入（1 个工作表，3 行）").click()
    page.get_by_text("已导入（批次").wait_for()
    settle(page)
    no_errors(page)
    # The next export with the same headers: the saved value map answers, nothing is asked.
    second = tmp_path / "2023届去向补报二.csv"
    second.write_text("学号,姓名,毕业年份,毕业去向\nZ2304,丁,2023,打零工\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(second))
    page.get_by_text("读取 1 行：新增 1，更新 0，不变 0，拒绝 0。").wait_for()
    settle(page)
    no_errors(page)
    shot(page, "33_value_map_reused")
