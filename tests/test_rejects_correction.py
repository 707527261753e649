"""Rejected rows come back as they were uploaded, so a user can correct them and import again.

Bug (#13): the rejects download held each original row as one JSON cell (with NaN for blank
cells); nobody can correct that and re-upload it.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from analytics import db
from analytics.cli import main
from analytics.i18n import t
from analytics.ingest.load import batch_rejects, rows_to_correct
from analytics.ingest.pipeline import import_file
from analytics.safe_export import write_table
from tests.filebuilders import write_csv

HEADER = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩", "备注"]
ROWS = [
    ["1", "电工", "2024-06-20", "初级", "通过", "88", ""],
    ["2", "电工", "2024-13-45", "初级", "通过", "188", "补考"],  # row 3: impossible date AND score > 100
    ["3", "电工", "2024-06-20", "初级", "也许", "70", ""],  # row 4: not a yes/no, blank note
]


@pytest.fixture
def rejected(tmp_path):
    con = db.connect(tmp_path / "d.duckdb")
    (r,) = import_file(con, write_csv(tmp_path / "exams.csv", [HEADER, *ROWS]))
    assert (r.inserted, r.rejected) == (1, 2)
    yield con, r.batch_id, tmp_path
    con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_row_per_rejected_row_under_the_original_headers(rejected, lang):
    con, batch, _ = rejected
    frame = rows_to_correct(batch_rejects(con, batch), lang)
    problem = t("rejects.correct-column", lang)
    assert list(frame.columns) == [*HEADER, problem]
    # rows 3 and 4 of the sheet, every cell as typed; the blank note stays blank (not nan/None)
    assert frame[HEADER].values.tolist() == [ROWS[1], ROWS[2]]
    date_and_score = frame.loc[0, problem]
    assert "考试日期" in date_and_score and "成绩" in date_and_score  # both problems of row 3, each with its column
    assert frame.loc[1, problem].startswith("是否通过")


def test_corrected_file_imports_the_rows(rejected):
    con, batch, tmp_path = rejected
    frame = rows_to_correct(batch_rejects(con, batch), "zh")
    frame.loc[0, ["考试日期", "成绩"]] = ["2024-06-21", "88"]
    frame.loc[1, "是否通过"] = "不通过"
    path = write_table(frame, tmp_path / "corrected.xlsx")
    (again,) = import_file(con, path)
    assert (again.inserted, again.rejected) == (2, 0)
    got = con.execute("SELECT student_id, passed FROM certificate_exams ORDER BY student_id").fetchall()
    assert got == [("1", True), ("2", True), ("3", False)]


def test_no_rejects_gives_an_empty_sheet_with_the_problem_column(rejected):
    con, _, _ = rejected
    frame = rows_to_correct(batch_rejects(con, 999), "en")
    assert frame.empty and list(frame.columns) == [t("rejects.correct-column", "en")]


def test_a_problem_of_the_whole_sheet_is_not_a_row(rejected):
    con, batch, _ = rejected
    rejects = batch_rejects(con, batch)
    sheet_level = rejects.iloc[:1].assign(row_number=None, original_row=None)
    frame = rows_to_correct(pd.concat([sheet_level, rejects], ignore_index=True), "zh")
    assert frame[HEADER].values.tolist() == [ROWS[1], ROWS[2]]  # still rows 3 and 4 only
    assert list(rows_to_correct(sheet_level, "zh").columns) == [t("rejects.correct-column", "zh")]


def test_cli_writes_the_rows_to_correct(rejected, capsys):
    con, batch, tmp_path = rejected
    con.close()
    out = tmp_path / "fix.xlsx"
    code = main(["rejects", str(batch), "--rows", "--out", str(out), "--db", str(tmp_path / "d.duckdb"), "--lang", "en"])
    assert code == 0
    assert "2 rejected rows" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(out).active
    values = list(sheet.values)
    assert list(values[0]) == [*HEADER, t("rejects.correct-column", "en")]
    assert values[1][:3] == ("2", "电工", "2024-13-45")


def test_a_table_longer_than_a_sheet_goes_on_several_sheets(monkeypatch):
    # Bug: an xlsx download of more rows than an Excel sheet holds (1,048,576 with the header:
    # a batch of a million rejected cells) raised "This sheet is too large!" when pressed.
    # With sheets of 3 rows under the header, 7 rows go on sheets of 3, 3 and 1, each with it.
    import io

    from analytics import safe_export

    assert safe_export.XLSX_SHEET_ROWS == 1_048_575
    monkeypatch.setattr(safe_export, "XLSX_SHEET_ROWS", 3)
    frame = pd.DataFrame({"学号": [str(i) for i in range(1, 8)], "成绩": ["=1+1", *map(str, range(2, 8))]})
    book = openpyxl.load_workbook(io.BytesIO(safe_export.to_xlsx_bytes(frame, "rejects")))
    assert book.sheetnames == ["rejects", "rejects (2)", "rejects (3)"]
    sheets = [[[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets]
    assert sheets == [
        [["学号", "成绩"], ["1", "'=1+1"], ["2", "2"], ["3", "3"]],  # a formula stays text
        [["学号", "成绩"], ["4", "4"], ["5", "5"], ["6", "6"]],
        [["学号", "成绩"], ["7", "7"]],
    ]
    assert all(ws.freeze_panes == "A2" for ws in book.worksheets)
    empty = openpyxl.load_workbook(io.BytesIO(safe_export.to_xlsx_bytes(frame.iloc[:0])))
    assert empty.sheetnames == ["data"] and [[c.value for c in r] for r in empty.active.iter_rows()] == [["学号", "成绩"]]
