"""Reading what school systems and hand-kept logs really look like: HTML saved as .xls, login
pages, headers split over rows, month sections, signature rows, averages, error cells in .xls,
formulas without results."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from analytics.errors import FileRejectedError
from analytics.ingest.dates import complete_years, month_day, year_of
from analytics.ingest.read import read_file
from tests.filebuilders import replace_zip_entry, write_csv, write_xlsx

import pandas as pd

HTML = """<html><head><meta charset="utf-8"><title>就业信息管理系统 - 去向查询</title></head><body>
<div class="nav"><a href="#">首页</a></div><h3>2024届毕业生去向</h3>
<table class="grid" border="1">
<tr><th rowspan="2">学号</th><th rowspan="2">姓名</th><th colspan="2">毕业去向</th></tr>
<tr><th>去向代码</th><th>单位名称</th></tr>
<tr><td>2401</td><td>张&nbsp;三</td><td>11</td><td>某机床厂</td></tr>
<tr><td>2402</td><td>李四<br/></td><td>80</td><td></td></tr>
</table><script>var x = "<table><tr><td>a</td><td>b</td></tr></table>";</script></body></html>"""


def test_an_html_table_saved_as_xls_reads_like_a_workbook():
    (sheet,) = read_file(HTML.encode("gb18030"), file_name="去向导出.xls")
    assert sheet.headers == ["学号", "姓名", "毕业去向/去向代码", "毕业去向/单位名称"] or sheet.headers == [
        "学号", "姓名", "去向代码", "单位名称"]
    assert sheet.frame.values.tolist()[0][:2] == ["2401", "张 三"]
    assert sheet.row_numbers == [3, 4]
    assert "2024届毕业生去向" in sheet.title_lines  # the page's heading states what a title would


@pytest.mark.parametrize("page", [
    "<html><head><title>统一身份认证 - 登录</title></head><body><form><input name=u>"
    "<input type='password' name=p></form></body></html>",
    "<html><head><title>会话已过期</title></head><body><p>您的登录已超时，请重新登录。</p></body></html>",
    "<html><body><h1>500 Internal Server Error</h1></body></html>",
])
def test_a_login_or_error_page_is_refused_with_a_clear_sentence(page):
    with pytest.raises(FileRejectedError) as info:
        read_file(page.encode(), file_name="导出.xls")
    assert info.value.code == "file-html-disguised"
    assert "登录" in info.value.message("zh") and "sign in" in info.value.message("en").lower()


def test_a_header_split_over_rows_is_joined(tmp_path):
    path = write_csv(tmp_path / "pdf转换.csv", [
        ["学", "姓", "毕业", "就业", "月收"], ["号", "名", "去向", "单位", "入"], ["2401", "张三", "已就业", "某厂", "4000"]])
    (sheet,) = read_file(path)
    assert sheet.headers == ["学号", "姓名", "毕业去向", "就业单位", "月收入"]
    assert sheet.row_numbers == [3] and [i.code for i in sheet.issues] == ["header-rows-joined"]


def test_a_name_row_under_the_header_is_data_not_header(tmp_path):
    path = write_csv(tmp_path / "名单.csv", [["学号", "姓名", "班级"], ["", "张三", "数控1班"], ["2402", "李四", "数控1班"]])
    (sheet,) = read_file(path)
    assert sheet.headers == ["学号", "姓名", "班级"] and sheet.row_numbers == [2, 3]


def test_month_sections_signatures_and_averages_are_no_data(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {"授课记录": [
        ["企业导师进校授课记录（2024年秋季学期）"],
        ["日期", "授课教师", "内容", "课时"],
        ["九月份"], ["9月10日", "王　芳", "示范课", "2"], ["9月24日", "王　芳", "实操课", "2"],
        ["记录人：赵老师", None, "审核：钱主任", None],
        ["十月份"], ["10月8日", "王　芳", "讲座", "1"],
        ["平均", None, None, "1.7"], ["负责人（签字）：", None, None, None],
    ]})
    (sheet,) = read_file(path)
    assert sheet.frame["日期"].tolist() == ["9月10日", "9月24日", "10月8日"]
    assert sheet.sections == ["九月份", "九月份", "十月份"]
    codes = {i.code: i.params.get("rows") for i in sheet.issues}
    assert codes["section-rows-dropped"] == "3, 7" and codes["note-rows-dropped"] == "6"
    assert codes["total-rows-dropped"] == "9"


@pytest.mark.parametrize(("text", "month", "year"), [
    ("2024年3月", 3, 2024),
    ("2023-2024学年第一学期", 10, 2023), ("2023-2024学年第一学期", 1, 2024),
    ("2023-2024学年第二学期", 4, 2024),
    ("2024年秋季学期", 12, 2024), ("2024年秋季学期", 1, 2025),
    ("2024年春季学期", 5, 2024), ("2024年度导师台账", 11, 2024),
    ("台账.xlsx", 3, None),
])
def test_year_of_a_month_in_a_period(text, month, year):
    assert year_of(text, month) == year


def test_year_less_dates_take_the_nearest_year():
    cells = pd.Series(["3月12日", "3.20", "2024-05-06", None, "9月1日"], dtype=object)
    sections = ["2023年3月", "2023年3月", None, None, None]
    done, count = complete_years(cells, sections, ["2024年秋季学期台账"])
    assert count == 3
    assert done.tolist() == ["2023年3月12日", "2023年3月20日", "2024-05-06", None, "2024年9月1日"]
    assert month_day("13月1日") is None and month_day("3月") is None


def test_error_cells_of_a_legacy_xls_are_reported(tmp_path):
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("成绩")
    for c, text in enumerate(["学号", "证书名称", "考试日期", "是否通过", "成绩"]):
        ws.write(0, c, text)
    for r, sid in enumerate(["1", "2"], start=1):
        ws.write(r, 0, sid)
        ws.write(r, 1, "电工")
        ws.write(r, 2, "2024-06-20")
        ws.write(r, 3, "通过")
    ws.write(1, 4, 88)
    ws.row(2).set_cell_error(4, "#DIV/0!")
    wb.save(str(tmp_path / "成绩.xls"))
    (sheet,) = read_file(tmp_path / "成绩.xls")
    assert sheet.frame["成绩"].tolist() == ["88", "#DIV/0!"]


def test_cached_formula_results_are_read_and_missing_ones_reported(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", {"S": [["学号", "理论", "总分"], ["1", 80, "=B2*1.2"], ["2", 70, "=B3*1.2"]]})
    (sheet,) = read_file(path)
    assert sheet.frame["总分"].isna().all() and [i.code for i in sheet.issues] == ["formulas-not-calculated"]
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    cached = xml.replace(b"<f>B2*1.2</f><v />", b"<f>B2*1.2</f><v>96</v>").replace(
        b"<f>B3*1.2</f><v />", b"<f>B3*1.2</f><v>84</v>")
    saved = replace_zip_entry(path, tmp_path / "saved.xlsx", "xl/worksheets/sheet1.xml", cached)
    (sheet,) = read_file(saved)
    assert sheet.frame["总分"].tolist() == ["96", "84"] and not sheet.issues
