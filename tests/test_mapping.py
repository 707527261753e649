"""mapping: header keys, table detection, header mapping, unpivot, title constants."""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import ConfigError
from analytics.ingest import mapping
from analytics.ingest.mapping import (
    Mapping, detect_table, header_key, header_signature, map_headers, propose_constants,
    resolve_table,
)
from analytics.ingest.normalize import normalize_column
from analytics import schema

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.mark.parametrize(("text", "key"), [
    ("月薪（元）", "月薪"),
    ("月薪(元)", "月薪"),
    ("Student_ID", "studentid"),
    ("Student ID", "studentid"),
    ("student-id", "studentid"),
    ("ＳＴＵＤＥＮＴ－ＩＤ", "studentid"),
    ("  Student   No ", "studentno"),
    ("S.No", "sno"),
    ("学号(必填)", "学号"),
    ("*学号", "学号"),
    ("考试日期(yyyy-mm-dd)", "考试日期"),
    ("成绩[分]", "成绩"),
    ("比例（%）", "比例"),
    ("毕业年份 (年)", "毕业年份"),
    ("【备注】说明", "说明"),
    ("入学年份：", "入学年份"),
    ("入学年份:", "入学年份"),
    ("(必填)", "必填"),  # nothing outside brackets: keep what is inside
    ("2+1", "2+1"),
])
def test_header_key(text, key):
    assert header_key(text) == key


HEADER_SETS = [
    ("schools", "学校代码 学校名称 所在地区".split()),
    ("schools", ["School code", "School name", "Region"]),
    ("enterprises", "企业编号 企业名称 所属行业 合作形式 合作起始日期 是否示范单位".split()),
    ("enterprises", ["Enterprise ID", "Company name", "Industry", "Cooperation form", "Partner since"]),
    ("mentors", "导师工号 姓名 导师类型 所属学校 企业名称 专业 从业年限 是否双师型 职业资格证书 聘任日期".split()),
    ("mentors", ["Staff ID", "Name", "Mentor type", "School", "Company", "Years of experience",
                 "Dual qualified", "Qualification"]),
    ("students", "学号 姓名 性别 专业 班级 入学年份 毕业年份 培养模式 是否双导师 校内导师 企业导师".split()),
    ("students", "学生学号 学生姓名 性别 班级 年级 联系电话".split()),
    ("students", ["Student ID", "Name", "Gender", "Major", "Class", "Cohort year", "Graduation year",
                  "Training model", "Dual mentor"]),
    ("certificate_exams", "学号 姓名 证书名称 证书等级 考试日期 成绩 是否通过".split()),
    ("certificate_exams", ["Student ID", "Certificate", "Level", "Exam date", "Score", "Passed"]),
    ("employment", "学号 姓名 毕业年份 就业状态 就业单位 是否专业对口 月薪（元） 调查日期".split()),
    ("employment", "学号 姓名 专业 毕业去向 工作单位 月收入 入职时间".split()),
    ("employment", ["Student ID", "Survey date", "Graduation year", "Employment status", "Employer",
                    "Related to major", "Monthly salary"]),
    ("satisfaction_surveys", "企业名称 调查日期 填写人 评价维度 评分 满分".split()),
    ("satisfaction_surveys", "企业名称 调查日期 总体满意度 专业技能 工作态度 学习能力 团队协作 创新能力".split()),
    ("satisfaction_surveys", ["Enterprise", "Survey date", "Overall", "Professional skills",
                              "Work attitude", "Learning ability", "Teamwork", "Innovation"]),
    ("mentor_activities", "导师工号 导师姓名 活动日期 活动类型 次数 时长 备注".split()),
    ("mentor_activities", ["Mentor ID", "Activity date", "Activity type", "Hours", "Notes"]),
    ("student_assessments", "学号 姓名 学期 培养阶段 理论成绩 技能成绩 职业素养成绩".split()),
    ("student_assessments", ["Student ID", "Term", "Stage", "Theory score", "Skill score",
                             "Professionalism score"]),
    ("mentor_evaluations", "导师工号 导师姓名 评价周期 评价主体 评价得分".split()),
    ("mentor_evaluations", ["Mentor ID", "Period", "Evaluator type", "Score"]),
    ("funding", "年度 经费来源 支出类别 预算金额（元） 实际支出（元）".split()),
    ("funding", ["Year", "Funding source", "Category", "Budget", "Spent"]),
    ("benchmarks", "数据来源 指标 期间 分组 分子 分母 数值 单位".split()),
    ("benchmarks", ["Source", "Indicator", "Period", "Group", "Value", "Unit"]),
    ("agreements", "协议编号 合作企业 签订日期 到期日期 合作形式 约定企业导师人数 约定实习岗位数 共建实训基地".split()),
    ("agreements", ["Agreement number", "Enterprise", "Signed on", "Expires on", "Internship places",
                    "Mentors promised"]),
    ("mentor_training", "工号 姓名 培训类型 培训项目 开始日期 结束日期 学时 实践企业".split()),
    ("mentor_training", ["Mentor ID", "Training type", "Start date", "End date", "Training hours", "Course"]),
    ("actions", "会议日期 督办事项 责任方 责任人 完成时限 完成情况 完成日期 备注".split()),
    ("actions", ["Meeting date", "Action", "Owner side", "Owner", "Due date", "Action status", "Done on"]),
]


@pytest.mark.parametrize(("table", "headers"), HEADER_SETS)
def test_detect_and_resolve_every_table(table, headers):
    candidates = detect_table(headers)
    assert candidates[0].table == table
    assert resolve_table(headers, None) == (table, candidates)
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert all(c.weight > 0 for c in candidates)  # a candidate maps at least one telling header


def test_every_table_has_two_header_sets():
    assert {t for t, _ in HEADER_SETS} == set(schema.TABLE_NAMES)


def test_score_worked_by_hand():
    # Spread: 预算金额, 实际支出 and 经费来源 are mapped by funding alone (1 each); 年度 by funding
    # (year) and benchmarks (period) → 1/2; 支出类别 by funding and, by its ending 类别, the mentor
    # type (no answers to look at here) → 1/2. funding: 4 + needed 1 = 5. benchmarks: 年度 0.5,
    # leaves out 经费来源, 预算金额, 实际支出 (1 each) and 支出类别 (0.5), provides period and the
    # defaulted group_label of source/indicator/period/group_label: 0.5 − 3.5 + 0.5 = −2.5.
    first, second = detect_table("年度 经费来源 支出类别 预算金额（元） 实际支出（元）".split())[:2]
    assert (first.table, first.score, first.weight, first.key_share, first.needed_share) == (
        "funding", 5.0, 4.0, 1.0, 1.0)
    assert dict(first.evidence) == {"年度": 0.5, "经费来源": 1.0, "支出类别": 0.5, "预算金额（元）": 1.0,
                                    "实际支出（元）": 1.0}
    assert (second.table, second.score, len(second.against)) == ("benchmarks", -2.5, 4)


def test_a_word_guess_weighs_half_and_needs_fitting_answers():
    # 年度预算 ends in 预算 (budget) and 实际使用 is a synonym of spent; 资金来源 is exact.
    headers = ["年度", "资金来源", "用途", "年度预算（万元）", "实际使用（万元）"]
    result = map_headers("funding", headers)
    assert result.columns["budget"] == "年度预算（万元）" and result.guessed == ("年度预算（万元）",)
    # 考核类型 ends in 类型, a synonym of the mentor type, but its answers are evaluators:
    values = {"导师工号": ["T1", "T1"], "导师姓名": ["甲", "甲"], "考核类型": ["学生测评", "企业测评"], "分数": ["90", "85"]}
    mentors = map_headers("mentors", list(values), sample=lambda h: values[h])
    assert "mentor_type" not in mentors.columns
    table, _ = resolve_table(list(values), None, ["2024年度导师考核"], lambda h: values[h])
    assert table == "mentor_evaluations"


def test_shared_columns_do_not_capture_a_destination_sheet():
    """学号/姓名/性别/专业/班级 are carried by every student sheet; 毕业去向, 月收入 … say employment."""
    headers = "学号 姓名 性别 专业 班级 毕业去向 就业单位 月收入 是否对口".split()
    table, candidates = resolve_table(headers, None)
    assert table == "employment"
    # Spreads: 学号 4 tables (0.25); 毕业去向, 就业单位, 月收入, 是否对口 employment only (1 each).
    # employment: 0.25 + 4 = 4.25, the student's attributes are carried (nothing left out),
    # needed student_id + status of student_id/survey_date/status (2/3): 4.25 + 0.667 = 4.917.
    assert (candidates[0].score, candidates[0].weight) == (4.917, 4.25)
    # students: 性别, 班级 (1 each), 姓名, 专业 (students and mentors, 0.5 each), 学号 (0.25) = 3.25,
    # leaves out the four employment headers (−4), needed 1: 3.25 − 4 + 1 = 0.25.
    students = next(c for c in candidates if c.table == "students")
    assert {h for h, _ in students.against} == {"毕业去向", "就业单位", "月收入", "是否对口"}
    assert students.score == 0.25


def test_a_title_word_and_a_title_constant_count():
    # 学号 + 理论/技能 scores: assessments lacks its term; the title states it and names the table.
    headers = ["学号", "姓名", "理论", "技能"]
    bare = detect_table(headers)[0]
    assert (bare.table, bare.key_share, bare.named) == ("student_assessments", 0.5, False)
    table, candidates = resolve_table(headers, None, ["2023-2024学年第一学期学生考核成绩汇总"])
    assert table == "student_assessments"
    # + 1 for the table's words in the title, + 0.5 for the term it states (needed 1/2 → 2/2)
    assert candidates[0].named and candidates[0].key_share == 1.0
    assert candidates[0].score == bare.score + 1.5


def placement_headers() -> list[str]:
    with (REALDATA / "Placement_Data_Full_Class.csv").open(encoding="utf-8", newline="") as fh:
        return [h.strip() for h in next(csv.reader(fh))]


def test_placement_data_is_employment_like_but_not_clear():
    headers = placement_headers()
    table, candidates = resolve_table(headers, None)
    assert table is None  # no student ID, no survey date: the user has to confirm
    # employment: Status and Salary only employment's (weight 1 each); Gender and Major are the
    # student's, carried; needed: status of student_id/survey_date/status (1/3):
    # 2 + 1/3 = 2.333, but none of its key (student_id, survey_date) is there.
    first = candidates[0]
    assert (first.table, first.score, first.weight, first.key_share) == ("employment", 2.333, 2.0, 0.0)


def test_placement_data_mapped_with_overrides():
    headers = placement_headers()
    overrides = {"student_id": "S.No", "status": "Status", "monthly_salary": "Salary"}
    result = map_headers("employment", headers, overrides)
    assert result.columns == overrides
    assert result.unpivot == {}
    assert result.unmapped == tuple(h for h in headers if h not in overrides.values())
    # Its Status values are the English placement words of the status vocabulary.
    frame = pd.read_csv(REALDATA / "Placement_Data_Full_Class.csv", dtype=str)
    values, errors = normalize_column(frame["Status"], schema.table("employment").column("status"))
    assert errors.isna().all()
    assert (values == "employed").sum() == (frame["Status"] == "Placed").sum()
    assert (values == "unemployed").sum() == (frame["Status"] == "Not Placed").sum()


def test_id_header_beats_name_header_whatever_the_order():
    for headers in (["企业名称", "企业编号", "学号"], ["企业编号", "企业名称", "学号"]):
        result = map_headers("students", headers)
        assert result.columns["enterprise_id"] == "企业编号"
        assert result.unmapped == ("企业名称",)


def test_names_fill_id_columns_when_no_id_header():
    result = map_headers("mentor_activities", ["导师姓名", "活动日期", "活动类型"])
    assert result.columns["mentor_id"] == "导师姓名"
    # The enterprises table itself reads 企业名称 as the name, not the ID.
    assert map_headers("enterprises", ["企业名称"]).columns == {"enterprise_name": "企业名称"}


@pytest.mark.parametrize(("table", "headers", "column", "winner"), [
    ("mentors", ["姓名", "导师姓名"], "mentor_name", "导师姓名"),  # exact label beats synonym
    ("employment", ["状态", "就业状态"], "status", "就业状态"),
    ("employment", ["工资", "月收入"], "monthly_salary", "月收入"),  # earlier synonym beats later
])
def test_conflicts(table, headers, column, winner):
    result = map_headers(table, headers)
    assert result.columns[column] == winner
    assert len(result.unmapped) == 1


def test_one_header_fills_one_column():
    # 学期 is a synonym of mentor_evaluations.period only; 评分 of score only.
    result = map_headers("mentor_evaluations", ["工号", "学期", "评价主体", "评分"])
    assert list(result.columns.values()) == ["工号", "学期", "评价主体", "评分"]
    assert len(set(result.columns.values())) == len(result.columns)


def test_generated_columns_are_never_mapped():
    result = map_headers("mentor_activities", ["序号", "导师工号", "活动日期", "活动类型"])
    assert "seq" not in result.columns and result.unmapped == ("序号",)
    with pytest.raises(ConfigError) as info:
        map_headers("mentor_activities", ["序号"], {"seq": "序号"})
    assert info.value.code == "mapping-unknown-column"


def test_overrides_win_and_can_unmap():
    headers = ["学号", "工号", "就业状态", "月薪"]
    result = map_headers("employment", headers, {"student_id": "工号", "monthly_salary": ""})
    assert result.columns == {"student_id": "工号", "status": "就业状态"}
    assert result.unmapped == ("学号", "月薪")


@pytest.mark.parametrize(("overrides", "code"), [
    ({"no_such_column": "学号"}, "mapping-unknown-column"),
    ({"student_id": "学生编码"}, "mapping-unknown-header"),
    ({"student_id": "学号", "employer_name": "学号"}, "mapping-duplicate-header"),
])
def test_override_errors(overrides, code):
    with pytest.raises(ConfigError) as info:
        map_headers("employment", ["学号", "就业状态"], overrides)
    assert info.value.code == code
    for lang in ("zh", "en"):
        assert not info.value.message(lang).startswith("error.")


def test_unknown_table():
    with pytest.raises(ConfigError) as info:
        resolve_table(["学号"], "studnets")
    assert info.value.code == "unknown-table"
    assert "students" in info.value.message("en") and "students" in info.value.message("zh")
    with pytest.raises(ConfigError):
        map_headers("studnets", ["学号"])


def test_given_table_wins_over_detection():
    headers = "学号 毕业年份 就业状态 就业单位".split()
    table, candidates = resolve_table(headers, "students")
    assert table == "students" and candidates[0].table == "employment"


def test_no_candidate():
    assert detect_table(["foo", "bar"]) == []
    assert resolve_table(["foo", "bar"], None) == (None, [])


def test_wide_satisfaction_sheet_is_unpivoted():
    headers = ["企业名称", "调查日期", "总体满意度（1-5分）", "专业技能", "工作态度", "学习能力",
               "团队协作", "创新能力"]
    result = map_headers("satisfaction_surveys", headers)
    assert result == Mapping(
        table="satisfaction_surveys",
        columns={"enterprise_id": "企业名称", "survey_date": "调查日期"},
        unmapped=(),
        unpivot={"总体满意度（1-5分）": "overall", "专业技能": "professional_skills",
                 "工作态度": "work_attitude", "学习能力": "learning_ability",
                 "团队协作": "teamwork", "创新能力": "innovation"},
    )
    # Five dimension headers only this table reads (1 each), 专业技能 also the assessments' skill
    # score by its ending 技能 (0.5), 调查日期 shared with employment and, by its ending 日期, the
    # activity date (1/3), 企业名称 mapped by enterprises, mentors, students, surveys and agreements
    # (0.2); key and required all there: 5 + 0.5 + 0.333 + 0.2 + 1 = 7.033.
    first = detect_table(headers)[0]
    assert (first.table, first.score, first.needed_share) == ("satisfaction_surveys", 7.033, 1.0)


def test_long_satisfaction_sheet_is_not_unpivoted():
    result = map_headers("satisfaction_surveys", ["企业名称", "调查日期", "评价维度", "评分", "专业技能"])
    assert result.unpivot == {}
    assert result.columns["dimension"] == "评价维度" and result.unmapped == ("专业技能",)


def test_unpivot_only_for_satisfaction():
    assert map_headers("employment", ["学号", "专业技能", "团队协作"]).unpivot == {}


EMPLOYMENT_BARE = Mapping("employment", {"student_id": "学号", "status": "就业状态"}, (), {})


@pytest.mark.parametrize(("table", "titles", "sheet", "file", "expected"), [
    ("employment", ["XX职业学校2024届毕业生就业情况统计表", "填报日期：2024年9月1日"], "Sheet1",
     "data.xlsx", {"graduation_year": 2024, "survey_date": dt.date(2024, 9, 1)}),
    ("employment", [], "2024年毕业生", "就业.xlsx", {"graduation_year": 2024}),
    ("employment", [], "Sheet1", "2023 graduates.csv", {"graduation_year": 2023}),
    ("employment", ["Class of 2022 destinations", "Survey date: 2022-12-31"], "", "",
     {"graduation_year": 2022, "survey_date": dt.date(2022, 12, 31)}),
    ("employment", ["２０２４届毕业生（调查日期：２０２４／８／３１）"], "", "",
     {"graduation_year": 2024, "survey_date": dt.date(2024, 8, 31)}),
    ("employment", ["2024届"], "2023届", "2022届.xlsx", {"graduation_year": 2024}),  # title first
    ("employment", ["1900届"], "", "", {}),  # outside 1990..2100
    ("employment", ["毕业生就业情况"], "Sheet1", "data.xlsx", {}),
    ("students", ["2021级2024届学生名单"], "", "", {"graduation_year": 2024, "cohort_year": 2021}),
    ("satisfaction_surveys", ["企业满意度调查", "调查日期：2024-08-31"], "", "",
     {"survey_date": dt.date(2024, 8, 31)}),
    ("student_assessments", ["2023-2024学年第一学期学生考核成绩"], "", "",
     {"term": "2023-2024学年第一学期"}),
    ("student_assessments", [], "2023—2024学年第2学期", "", {"term": "2023-2024学年第二学期"}),
    ("student_assessments", [], "", "２０２３－２０２４学年下学期.xlsx", {"term": "2023-2024学年第二学期"}),
    ("student_assessments", ["2023-2025学年"], "", "", {}),  # not consecutive years
    ("mentor_evaluations", ["导师考核（2023-2024学年）"], "", "", {"period": "2023-2024学年"}),
    ("funding", ["2024年度双导师制经费预算执行表"], "", "", {"year": 2024}),
    ("funding", [], "FY2023", "", {"year": 2023}),
    ("mentors", ["2024届"], "", "", {}),  # no year for this table
    ("mentors", [], "企业导师", "导师名册.xlsx", {"mentor_type": "enterprise"}),
    ("mentors", ["校内导师花名册"], "Sheet1", "", {"mentor_type": "school"}),
    ("mentors", ["2024年双导师名册"], "Sheet1", "", {}),  # names no type
    ("students", [], "23级", "", {"cohort_year": 2023}),
    ("students", [], "数控2301班", "名单.xlsx", {"class_name": "数控2301班"}),
    ("students", ["数控2301班学生名单"], "Sheet1", "", {}),  # a class only from a sheet's name
    ("employment", [], "24届", "", {"graduation_year": 2024}),
    ("certificate_exams", ["电工职业技能等级认定结果", "考核日期：2024年6月15日"], "", "",
     {"exam_date": dt.date(2024, 6, 15)}),
    ("certificate_exams", [], "Sheet1", "2024年12月1+X考核成绩.xlsx", {"exam_date": dt.date(2024, 12, 1)}),
])
def test_propose_constants(table, titles, sheet, file, expected):
    empty = Mapping(table, {}, (), {})
    assert propose_constants(table, empty, titles, sheet, file) == expected


def test_constants_only_for_unmapped_columns():
    mapped = Mapping("employment", {**EMPLOYMENT_BARE.columns, "graduation_year": "届别"}, (), {})
    titles = ["2024届毕业生", "调查日期：2024-08-31"]
    assert propose_constants("employment", mapped, titles, "", "") == {
        "survey_date": dt.date(2024, 8, 31)}


def test_header_signature():
    first = header_signature(["学号", "月薪（元）", "就业状态"])
    assert len(first) == 16 and int(first, 16) >= 0
    assert header_signature(["就业状态", "学号", "月薪"]) == first  # order and units ignored
    assert header_signature(["学号", "就业状态"]) != first


def catalog(lang: str) -> dict[str, str]:
    path = Path(mapping.__file__).parents[1] / "locales" / lang / "mapping.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))["error"]


def test_catalogs_have_the_same_keys():
    assert set(catalog("zh")) == set(catalog("en")) == {
        "unknown-table", "mapping-unknown-column", "mapping-unknown-header",
        "mapping-duplicate-header"}


# _share_of with a threshold: the same decision as the exact share, with fewer lookups.
_WORDS = ["合同就业", "升学", "参军", "待业"]  # four status words (employed, further_study, enlisted, unemployed)


@pytest.mark.parametrize(("values", "at_least", "exact"), [
    # 200 distinct IDs: no word at all
    ([f"02021{i:05d}" for i in range(200)], 0.8, 0.0),
    # 160 words then 40 IDs: exactly 0.8, which still counts (the caller asks share >= 0.8)
    (_WORDS * 40 + [f"x{i}" for i in range(40)], 0.8, 0.8),
    # 40 IDs first, then 160 words: the misses come first and still leave 0.8 in reach
    ([f"x{i}" for i in range(40)] + _WORDS * 40, 0.8, 0.8),
    # 41 IDs and 159 words: 159 / 200 = 0.795, short of 0.8
    ([f"x{i}" for i in range(41)] + (_WORDS * 40)[:159], 0.8, 0.795),
    # blanks and non-text do not count: 3 words of 4 answers = 0.75
    (["合同就业", " ", None, 3, "升学", "参军", "x"], 0.75, 0.75),
    (["合同就业", "升学", "参军", "x"], 0.76, 0.75),
    ([], 0.8, None),
    ([" ", None], 0.8, None),
])
def test_a_share_asked_against_a_threshold_gives_the_exact_shares_verdict(values, at_least, exact):
    whole = mapping._share_of("status", values)
    assert whole == exact
    bounded = mapping._share_of("status", values, at_least)
    if exact is None:
        assert bounded is None
    else:
        assert (bounded >= at_least) == (exact >= at_least)
        if exact >= at_least:
            assert bounded == exact


def test_the_lookups_stop_once_the_threshold_is_out_of_reach(monkeypatch):
    # Table detection asks, for each coded column of each table, whether a header's 200 first
    # answers read as its words. For 200 distinct IDs and a threshold of 0.8, the 41st miss
    # settles it: (200 - 40) / 200 = 0.8 is still in reach, (200 - 41) / 200 = 0.795 is not.
    looked_up = []
    real = mapping.normalize.vocabulary_code
    monkeypatch.setattr(mapping.normalize, "vocabulary_code", lambda kind, v: looked_up.append(v) or real(kind, v))
    ids = [f"02021{i:05d}" for i in range(200)]
    assert mapping._share_of("status", ids, 0.8) < 0.8
    assert len(looked_up) == 41
    looked_up.clear()
    assert mapping._share_of("status", ids) == 0.0
    assert len(looked_up) == 200
