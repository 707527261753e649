"""Values beyond plain spellings, through the import path: absences are no zeros, grade words
are scores, a blank in a tick list is no, refunds are spending, 万元 is ten thousand yuan."""

from __future__ import annotations

import pytest

from analytics import db
from analytics.config import Settings
from analytics.filters import Filters
from analytics.ingest.pipeline import import_file
from analytics.metrics.certificates import first_attempt_pass_rate, pass_rate
from tests.filebuilders import write_csv, write_xlsx
from tests.metric_fixtures import make_db

# The same expectations on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True


@pytest.fixture
def con():
    connection = make_db()
    yield connection
    connection.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def test_an_absence_is_kept_with_its_reason_and_never_counts_as_an_attempt(con, tmp_path):
    path = write_csv(tmp_path / "考证.csv", [
        ["学号", "证书名称", "考试日期", "理论成绩", "实操成绩", "考核结果"],
        ["1", "电工", "2024-06-20", "80", "85", "合格"],
        ["2", "电工", "2024-06-20", "缺考", "缺考", "缺考"],
        ["3", "电工", "2024-06-20", "45", "50", "不合格"],
        ["4", "电工", "2024-06-20", "", "", "免考"],
        ["2", "电工", "2024-12-15", "70", "76", "合格"],  # the absent student sits in December
    ])
    (r,) = import_file(con, path)
    assert (r.status, r.inserted, r.rejected) == ("loaded", 5, 0)
    assert rows(con, "SELECT student_id, exam_date::VARCHAR, theory_score, passed, absence FROM certificate_exams "
                     "ORDER BY 1, 2") == [
        ("1", "2024-06-20", 80.0, True, None),
        ("2", "2024-06-20", None, None, "absent"),  # missing with its reason, never 0
        ("2", "2024-12-15", 70.0, True, None),
        ("3", "2024-06-20", 45.0, False, None),  # a recorded fail stays a failed attempt
        ("4", "2024-06-20", None, None, "exempt"),
    ]
    # Attempts: 1 (pass), 2 in December (pass), 3 (fail): 2/3. First attempts: student 2's
    # first attempt is December (the absence was none): 1, 2, 3 → 2/3 as well.
    f, s = Filters(), Settings()
    assert (pass_rate(con, f, s).numerator, pass_rate(con, f, s).denominator) == (2, 3)
    first = first_attempt_pass_rate(con, f, s)
    assert (first.numerator, first.denominator) == (2, 3)


def test_grade_words_in_an_assessment_are_scores_from_the_settings(con, tmp_path):
    path = write_csv(tmp_path / "考核.csv", [
        ["学号", "学期", "理论成绩", "技能成绩", "职业素养"],
        ["1", "2024-2025学年第一学期", "优秀", "良好", "85"],
        ["2", "2024-2025学年第一学期", "及格", "缺考", "B"],
    ])
    settings = Settings(grade_scores={"excellent": 98.0, "good": 88.0, "fair": 78.0, "pass": 62.0, "fail": 45.0})
    (r,) = import_file(con, path, settings=settings)
    assert (r.inserted, r.rejected) == (2, 0)
    assert rows(con, "SELECT student_id, theory_score, skill_score, professionalism_score, absence "
                     "FROM student_assessments ORDER BY 1") == [
        ("1", 98.0, 88.0, 85.0, None),
        ("2", 62.0, None, 88.0, "absent"),
    ]


ROSTER = [["学号", "姓名", "班级", "入学年份", "是否双导师"], ["1", "甲", "数控1班", "2022", "√"],
          ["2", "乙", "数控1班", "2022", ""], ["3", "丙", "数控1班", "2022", "√"]]


def test_a_blank_in_a_tick_list_is_no_by_default(con, tmp_path):
    (r,) = import_file(con, write_csv(tmp_path / "名单.csv", ROSTER))
    assert rows(con, "SELECT student_id, dual_mentor FROM students ORDER BY 1") == [
        ("1", True), ("2", False), ("3", True)]
    (warning,) = [i for i in r.warnings if i.code == "blank-means-no"]
    assert (warning.column, warning.params["count"]) == ("是否双导师", 1)


def test_the_blank_rule_can_be_switched_off_and_needs_a_yes_only_column(con, tmp_path):
    (r,) = import_file(con, write_csv(tmp_path / "名单.csv", ROSTER), settings=Settings(blank_yes_no_is_no=False))
    assert rows(con, "SELECT student_id, dual_mentor FROM students ORDER BY 1")[1] == ("2", None)
    both = [ROSTER[0], ["4", "丁", "数控2班", "2022", "是"], ["5", "戊", "数控2班", "2022", "否"],
            ["6", "己", "数控2班", "2022", ""]]
    (r,) = import_file(con, write_csv(tmp_path / "名单2.csv", both))
    # the column says 否 itself: a blank is unknown, not no
    assert rows(con, "SELECT dual_mentor FROM students WHERE student_id = '6'") == [(None,)]
    assert not [i for i in r.warnings if i.code == "blank-means-no"]


def test_refunds_are_spending_and_a_unit_of_wan_yuan_scales_the_amounts(con, tmp_path):
    path = write_xlsx(tmp_path / "经费.xlsx", {"2024": [
        ["2024年度双导师制经费执行表"],
        ["金额单位：万元"],
        ["经费来源", "支出类别", "预算", "支出"],
        ["政府", "导师津贴", 12.5, 10],
        ["企业", "设备购置", 20, "(1.2)"],  # a refund of 12,000 yuan
        ["学校", "培训", 3, "-0.5"],
    ]})
    (r,) = import_file(con, path)
    assert (r.status, r.inserted, r.rejected) == ("loaded", 3, 0)
    assert rows(con, "SELECT source, year, budget, spent FROM funding ORDER BY 1") == [
        ("enterprise", 2024, 200_000.0, -12_000.0), ("government", 2024, 125_000.0, 100_000.0),
        ("school", 2024, 30_000.0, -5_000.0)]


def test_a_negative_budget_is_rejected(con, tmp_path):
    path = write_csv(tmp_path / "经费.csv", [["年度", "经费来源", "支出类别", "预算（元）", "支出（元）"],
                                          ["2024", "政府", "导师津贴", "-100", "50"]])
    (r,) = import_file(con, path)
    assert [(i.code, i.column) for i in r.errors] == [("out-of-range", "预算（元）")]
