"""In a real browser (issues 13 and 19): the meeting pack downloads from the overview (the HTML
opens, the xlsx opens with openpyxl); an undo asks first, naming the file, the batch and the
rows, and keeps its choice; a signed-in leader records an action on the overview and the pack
built afterwards lists it with its figure's change."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from tests.test_browser import (  # noqa: F401  (fixtures, and the browser marks)
    PASSWORD, browser, heading, no_errors, page, pytestmark, server, settle, shot, users_server,
)


def _download(pg, name: str) -> bytes:
    with pg.expect_download(timeout=300_000) as info:
        pg.get_by_role("button", name=name).click()
    return Path(info.value.path()).read_bytes()


def test_pack_downloads_from_the_overview(server: str, page, tmp_path: Path) -> None:
    page.goto(f"{server}/?major=数控技术应用")
    settle(page)
    no_errors(page)
    page.get_by_text("会议材料与导出").scroll_into_view_if_needed()
    shot(page, "50_overview_pack_buttons")
    html = _download(page, "会议材料（HTML）").decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "数控技术应用" in html
    path = tmp_path / "pack.html"
    path.write_text(html, encoding="utf-8")
    viewer = page.context.new_page()
    viewer.goto(path.as_uri())
    assert viewer.locator("h1").first.inner_text().strip()  # the pack opens in the browser
    viewer.close()
    book = openpyxl.load_workbook(io.BytesIO(_download(page, "会议材料（Excel）")))
    assert len(book.sheetnames) > 1


def test_undo_asks_first_and_keeps_the_choice(server: str, page, tmp_path: Path) -> None:
    page.goto(f"{server}/data")
    settle(page)
    page.get_by_role("tab", name="上传").click()
    sheet = tmp_path / "经费撤销.csv"
    sheet.write_text("年度,经费来源,支出类别,预算金额,实际支出\n2027,学校,导师津贴,1000,10\n"
                     "2027,企业,导师津贴,2000,20\n2027,政府,导师津贴,3000,30\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(sheet))
    page.get_by_role("button", name="确认导入（1 个工作表，3 行）").click()
    page.get_by_text("已导入（批次").wait_for()
    settle(page)
    page.get_by_role("tab", name="导入历史").click()
    settle(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="选择批次").first
    chosen = picker.inner_text()
    assert "经费撤销.csv" in chosen
    page.get_by_role("button", name="撤销这个批次").click()
    question = page.get_by_text("确定撤销批次")
    question.wait_for()
    text = question.inner_text()
    assert "经费撤销.csv" in text and "新增的 3 行" in text and "修改的 0 行" in text
    shot(page, "51_undo_question")
    page.get_by_role("button", name="确定撤销批次").click()
    page.get_by_text("删除 3 行").wait_for()
    settle(page)
    no_errors(page)
    assert "经费撤销.csv" in picker.inner_text()  # the same batch, now undone: no jump to the next one
    assert page.get_by_role("button", name="恢复这个批次").count() == 1
    shot(page, "52_undone_offers_redo")


def test_action_recorded_on_the_overview_is_in_the_next_pack(users_server: str, page) -> None:
    page.goto(users_server)
    settle(page)
    assert heading(page) == "登录"
    page.get_by_label("用户名").fill("zhang")  # a leader of one school
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText.trim() === '总览'")
    settle(page)
    # the first headline tile's "record an action" popover: the figure is chosen already
    page.get_by_role("button", name="记录督办事项").first.click()
    title = "浏览器测试：数控专业一对一就业指导"
    page.get_by_label("事项").first.fill(title)
    page.get_by_role("button", name="保存事项").first.click()
    page.get_by_text("已记录事项").first.wait_for()
    settle(page)
    no_errors(page)
    shot(page, "53_action_recorded_on_overview")
    html = _download(page, "会议材料（HTML）").decode("utf-8")
    assert title in html
    part = html[html.index(title):][:3000]
    assert any(word in part for word in ("上升", "下降", "相近")), part[:500]  # the change since the decision
