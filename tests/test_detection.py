"""Table detection through the import path: shared columns never capture a sheet, columns of
another table are never dropped silently, and an undecided sheet says what would decide it."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import db
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


def test_a_destination_sheet_with_roster_columns_loads_as_employment(con, tmp_path):
    path = write_csv(tmp_path / "去向.csv", [
        ["学号", "姓名", "性别", "专业", "班级", "毕业年份", "毕业去向", "就业单位", "月收入", "是否对口"],
        ["2101", "张三", "男", "数控", "数控1班", "2024", "已就业", "某机床厂", "4200", "是"],
        ["2102", "李四", "女", "数控", "数控1班", "2024", "升学", "", "", ""],
    ])
    (r,) = import_file(con, path)
    assert (r.status, r.table, r.inserted) == ("loaded", "employment", 2)
    assert con.execute("SELECT count(*) FROM students").fetchone()[0] == 0
    assert con.execute("SELECT student_id, status, monthly_salary FROM employment ORDER BY 1").fetchall() == [
        ("2101", "employed", 4200.0), ("2102", "further_study", None)]


def test_columns_of_another_table_are_named_when_left_out(con, tmp_path):
    path = write_csv(tmp_path / "名单.csv", [
        ["学号", "姓名", "性别", "班级", "入学年份", "培养模式", "是否双导师", "月收入"],
        ["2101", "张三", "男", "数控1班", "2021", "2+1", "是", "4200"],
    ])
    (r,) = import_file(con, path)
    assert (r.status, r.table) == ("loaded", "students")
    (warning,) = [i for i in r.warnings if i.code == "columns-of-other-table"]
    assert warning.column == "月收入" and warning.params["other"] == "employment"
    assert "毕业生就业" in warning.message("zh") and "Employment" in warning.message("en")


def test_an_ambiguous_sheet_names_both_tables_the_deciding_headers_and_the_option(con, tmp_path):
    # A class list with a term and no scores: a roster (班级) or assessments (学期)?
    path = write_csv(tmp_path / "名单.csv", [["学号", "姓名", "班级", "学期"], ["2101", "张三", "数控1班", "2024春"]])
    before = con.execute("SELECT count(*) FROM import_batches").fetchone()
    (r,) = import_file(con, path)
    assert (r.status, r.refused.code) == ("refused", "table-ambiguous")
    zh, en = r.refused.message("zh"), r.refused.message("en")
    assert "--table students" in zh and "--table student_assessments" in zh
    assert "“学生”（依据：班级" in zh and "“学生考核”（依据：学期" in zh
    assert "Students (from 班级" in en and "Student assessments (from 学期" in en
    assert con.execute("SELECT count(*) FROM import_batches").fetchone() == before


def test_placement_file_says_which_key_columns_are_missing(con):
    (r,) = import_file(con, REALDATA / "Placement_Data_Full_Class.csv")
    assert (r.status, r.refused.code) == ("refused", "table-key-missing")
    en = r.refused.message("en")
    assert "Employment" in en and "Status" in en and "Salary" in en and "--table employment" in en
    assert "Student ID" in en and "Survey date" in en
    assert "学号" in r.refused.message("zh")
