"""normalize_column: every spelling of SPEC §2 to its canonical value or error code."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from analytics import schema
from analytics.ingest import normalize
from analytics.ingest.normalize import normalize_column

D = dt.date
T, U, R = "type-error", "unknown-value", "out-of-range"

STUDENT_ID = schema.table("employment").column("student_id")
MAJOR = schema.table("students").column("major")
NOTES = schema.table("mentor_activities").column("notes")
GRAD_YEAR = schema.table("employment").column("graduation_year")
SALARY = schema.table("employment").column("monthly_salary")  # 0 .. 1 000 000
SCORE = schema.table("certificate_exams").column("score")  # 0 .. 100
LIKERT = schema.table("satisfaction_surveys").column("score")  # likert, 0 .. 100
PASSED = schema.table("certificate_exams").column("passed")
SURVEY_DATE = schema.table("employment").column("survey_date")


def one(column: schema.Column, raw: str | None) -> tuple[object, object]:
    values, errors = normalize_column(pd.Series([raw], dtype=object), column)
    value = values.iloc[0]
    return (None if value is pd.NA else value), errors.iloc[0]


MISSING = ["", "   ", "\u3000", "\xa0", "-", "--", "—", "——", "－", "/", "\\", "n/a", "N/A", "NA",
           "null", "NULL", "none", "None", "nan", "NaN", "无", "空", None]


@pytest.mark.parametrize("column", [STUDENT_ID, MAJOR, GRAD_YEAR, SALARY, PASSED, SURVEY_DATE,
                                    schema.table("students").column("gender")])
@pytest.mark.parametrize("raw", MISSING)
def test_missing_markers_give_missing_without_error(column, raw):
    assert one(column, raw) == (None, None)


@pytest.mark.parametrize("column", [STUDENT_ID, MAJOR, SALARY, PASSED, SURVEY_DATE])
@pytest.mark.parametrize("raw", ["#N/A", "#n/a", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!"])
def test_excel_errors_are_type_errors_not_missing(column, raw):
    assert one(column, raw) == (None, T)


@pytest.mark.parametrize(("raw", "expected"), [
    ("20210001", "20210001"),
    ("020210001", "020210001"),  # leading zero kept
    ("20210001.0", "20210001"),  # exported from a float cell
    ("20210001.00", "20210001"),
    (" 2021 0001 ", "20210001"),
    ("\u30002021０００１\xa0", "20210001"),
    ("ＡＢ１２", "AB12"),
    ("S-001", "S-001"),
    ("2021.5", "2021.5"),  # not a float artefact: kept as written
])
def test_id(raw, expected):
    assert one(STUDENT_ID, raw) == (expected, None)


@pytest.mark.parametrize(("raw", "expected"), [
    ("  机电  技术\u3000应用 ", "机电 技术 应用"),
    ("数控技术（中级）", "数控技术(中级)"),
    ("ＡＢＣ", "ABC"),
    ("a\n\tb", "a b"),
])
def test_text(raw, expected):
    assert one(MAJOR, raw) == (expected, None)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024", (2024, None)),
    ("２０２４", (2024, None)),
    ("2024届", (2024, None)),
    ("2024级", (2024, None)),
    ("2024年", (2024, None)),
    ("2024.0", (2024, None)),
    (" 2024 ", (2024, None)),
    ("2024.5", (None, T)),
    ("二〇二四", (None, T)),
    ("1800", (None, R)),  # below min 1990
    ("2101", (None, R)),  # above max 2100
])
def test_int(raw, expected):
    assert one(GRAD_YEAR, raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("85", (85.0, None)),
    ("85.5", (85.5, None)),
    ("85%", (85.0, None)),
    ("８５", (85.0, None)),
    (" 85 ", (85.0, None)),
    ("85分", (85.0, None)),
    ("100", (100.0, None)),
    ("0", (0.0, None)),
    ("100.5", (None, R)),  # max 100
    ("-1", (None, R)),  # min 0
    ("eighty", (None, U)),  # a word in a score column that takes grade words: asked once
    ("85,5", (None, T)),  # not a thousands grouping
    ("inf", (None, U)),
])
def test_score_number(raw, expected):
    assert one(SCORE, raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("优秀", 95.0), ("优", 95.0), ("A", 95.0), ("良好", 85.0), ("b", 85.0), ("中等", 75.0),
    ("及格", 65.0), ("D", 65.0), ("不及格", 50.0), ("E", 50.0), ("（良好）", 85.0),
])
def test_grade_words_read_as_their_configured_scores(raw, expected):
    assert one(SCORE, raw) == (expected, None)


def test_grade_scores_are_configurable():
    rules = normalize.CellRules(grade_scores={**schema.DEFAULT_GRADE_SCORES, "excellent": 100.0, "fail": 40.0})
    values, errors = normalize_column(pd.Series(["优秀", "不及格"], dtype=object), SCORE, rules)
    assert values.tolist() == [100.0, 40.0] and errors.isna().all()


@pytest.mark.parametrize(("column", "raw", "absence"), [
    (SCORE, "缺考", "absent"), (SCORE, "缺席", "absent"), (SCORE, "免考", "exempt"), (SCORE, "缓考", "deferred"),
    (PASSED, "缺考", "absent"), (PASSED, "（缓考）", "deferred"),
])
def test_absences_are_missing_with_their_reason_never_zero(column, raw, absence):
    values, errors, absences = normalize.normalize_cells(pd.Series([raw], dtype=object), column)
    assert values.isna().all() and errors.isna().all() and absences.tolist() == [absence]


def test_a_failed_attempt_is_no_absence():
    values, errors, absences = normalize.normalize_cells(pd.Series(["未通过", "不合格"], dtype=object), PASSED)
    assert values.tolist() == [False, False] and absences.isna().all()


def test_a_column_without_absences_reads_none():
    values, errors, absences = normalize.normalize_cells(pd.Series(["缺考"], dtype=object), SALARY)
    assert absences.isna().all() and errors.tolist() == [T]


@pytest.mark.parametrize(("raw", "scale", "expected"), [
    ("12.5", 10_000, 125_000.0),  # a column in 万元
    ("12.5万", 10_000, 125_000.0),  # the cell's own unit is not scaled twice
    ("(12,000.00)", 1, -12_000.0),  # a refund in accounting notation
    ("-12,000", 1, -12_000.0),
    ("−300", 1, -300.0),  # U+2212 minus sign
    ("(-5)", 1, None),  # a negative in parentheses is no number
])
def test_amounts(raw, scale, expected):
    assert normalize.parse_number(normalize._clean_one(raw), scale) == expected


def test_a_value_map_answers_an_unknown_value():
    status = schema.table("employment").column("status")
    cells = pd.Series(["打零工", "打零工", "升学"], dtype=object)
    assert normalize_column(cells, status)[1].tolist() == [U, U, None]
    rules = normalize.CellRules(value_map={normalize.value_key("打零工"): "employed"})
    values, errors = normalize_column(cells, status, rules)
    assert values.tolist() == ["employed", "employed", "further_study"] and errors.isna().all()


@pytest.mark.parametrize(("raw", "expected"), [
    ("3500", 3500.0),
    ("3,500", 3500.0),
    ("3，500", 3500.0),  # full-width comma
    ("3500元", 3500.0),
    ("3500 元/月", 3500.0),
    ("￥3,500", 3500.0),
    ("¥3500", 3500.0),
    ("RMB 3500", 3500.0),
    ("1.2万", 12000.0),  # 1.2 × 10 000
    ("1.2万元", 12000.0),
    ("3.5k", 3500.0),
    ("12,345.5", 12345.5),
    ("1e3", 1000.0),
])
def test_salary_number(raw, expected):
    assert one(SALARY, raw) == (expected, None)


@pytest.mark.parametrize(("raw", "expected"), [
    ("非常满意", 5.0), ("很满意", 5.0), ("满意", 4.0), ("比较满意", 4.0), ("一般", 3.0),
    ("基本满意", 3.0), ("不满意", 2.0), ("不太满意", 2.0), ("非常不满意", 1.0), ("很不满意", 1.0),
    ("Very satisfied", 5.0), ("satisfied", 4.0), ("Neutral", 3.0), ("dissatisfied", 2.0),
    ("very dissatisfied", 1.0), ("4", 4.0), ("4.5", 4.5), ("90", 90.0),
])
def test_likert_words(raw, expected):
    assert one(LIKERT, raw) == (expected, None)


def test_likert_words_only_in_likert_columns():
    # An exam score is no satisfaction answer: 满意 is not read as 4 there (but asked about).
    assert one(SCORE, "满意") == (None, U)
    assert one(SALARY, "满意") == (None, T)


@pytest.mark.parametrize("raw", [
    "是", "通过", "已通过", "合格", "及格", "对", "√", "✓", "✔", "Y", "y", "Yes", "YES", "T", "true",
    "True", "pass", "Passed", "PASSED", "1", "1.0", "１", "对口",
])
def test_bool_true(raw):
    assert one(PASSED, raw) == (True, None)


@pytest.mark.parametrize("raw", [
    "否", "未通过", "不通过", "不合格", "不及格", "错", "×", "✗", "✘", "N", "no", "No", "F", "false",
    "FALSE", "fail", "Failed", "0", "0.0", "不对口",
])
def test_bool_false(raw):
    assert one(PASSED, raw) == (False, None)


@pytest.mark.parametrize(("raw", "code"), [
    # 有 is rejected because its partner 无 means "missing": a 有/无 column would count only yeses.
    # A word is an unknown value (the user can map it once); a number other than 0/1 is no yes/no.
    ("有", U), ("maybe", U), ("待定", U), ("2", T), ("0.5", T),
])
def test_bool_unknown(raw, code):
    assert one(PASSED, raw) == (None, code)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-06-30", D(2024, 6, 30)),
    ("2024/6/30", D(2024, 6, 30)),
    ("2024.6.30", D(2024, 6, 30)),
    ("20240630", D(2024, 6, 30)),
    ("2024年6月30日", D(2024, 6, 30)),
    ("2024年6月30号", D(2024, 6, 30)),
    ("2024 年 6 月 30 日", D(2024, 6, 30)),
    ("2024年6月", D(2024, 6, 1)),  # month precision -> first day
    ("2024-06", D(2024, 6, 1)),
    ("2024/06", D(2024, 6, 1)),
    ("2024年", D(2024, 1, 1)),  # year precision -> 1 January
    ("2024-06-30 08:00:00", D(2024, 6, 30)),
    ("2024-06-30T08:00", D(2024, 6, 30)),
    ("2024/6/30 8:00 PM", D(2024, 6, 30)),
    ("２０２４－０６－３０", D(2024, 6, 30)),
    ("45473", D(2024, 6, 30)),  # Excel serial: 1899-12-30 + 45473 days
    ("45473.5", D(2024, 6, 30)),  # serial with a time of day
    ("06/20/2024", D(2024, 6, 20)),
    ("20/06/2024", D(2024, 6, 20)),
    ("2099-12-31", D(2099, 12, 31)),  # future dates are not an error here
])
def test_date(raw, expected):
    assert one(SURVEY_DATE, raw) == (expected, None)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-02-30", (None, T)),
    ("2024-13-01", (None, T)),
    ("2024年13月", (None, T)),
    ("June 2024", (None, T)),
    ("12345", (None, T)),  # five digits below the serial range
    ("90000", (None, T)),  # above it
    ("1900-01-01", (None, R)),
    ("2101-01-01", (None, R)),
    ("1949年12月31日", (None, R)),
])
def test_date_errors(raw, expected):
    assert one(SURVEY_DATE, raw) == expected


@pytest.mark.parametrize(("cells", "expected"), [
    # 20 > 12 in first place: the column is day/month/year.
    (["20/06/2024", "03/04/2024"], [D(2024, 6, 20), D(2024, 4, 3)]),
    # 20 > 12 in second place: month/day/year.
    (["06/20/2024", "03/04/2024"], [D(2024, 6, 20), D(2024, 3, 4)]),
    # Nothing tells: month first (Excel en-US default).
    (["03/04/2024", "05.06.2024"], [D(2024, 3, 4), D(2024, 5, 6)]),
    # Both kinds: each unambiguous value its own way, the ambiguous one unreadable.
    (["20/06/2024", "06/21/2024", "03/04/2024"], [D(2024, 6, 20), D(2024, 6, 21), None]),
])
def test_day_month_order_is_inferred_per_column(cells, expected):
    values, errors = normalize_column(pd.Series(cells, dtype=object), SURVEY_DATE)
    assert list(values) == expected
    assert list(errors) == [None if v else T for v in expected]


def enum(table: str, name: str) -> schema.Column:
    return schema.table(table).column(name)


ENUM_CASES = [
    ("students", "gender", {"男": "male", "女": "female", "M": "male", "F": "female", "Male": "male",
                            "female": "female", "男性": "male"}),
    ("enterprises", "cooperation_form", {
        "订单班": "order_class", "订单培养": "order_class", "订单式": "order_class",
        "现代学徒制": "apprenticeship", "学徒制": "apprenticeship", "校中厂": "campus_factory",
        "厂中校": "campus_factory", "校内工厂": "campus_factory", "校办工厂": "campus_factory",
        "实习基地": "internship_base", "实训基地": "internship_base",
        "校外实训基地": "internship_base", "其他": "other", "Order_Class": "order_class",
        "internship base": "internship_base", "APPRENTICESHIP": "apprenticeship"}),
    ("students", "training_model", {"2+1": "2+1", "2＋1": "2+1", "2 + 1": "2+1", "1.5+1.5": "1.5+1.5",
                                    "2+1模式": "2+1", "其他": "other", "Other": "other"}),
    ("mentors", "mentor_type", {
        "校内导师": "school", "校内": "school", "学校": "school", "学校导师": "school", "教师": "school",
        "企业导师": "enterprise", "企业": "enterprise", "企业师傅": "enterprise", "师傅": "enterprise",
        "School": "school", "enterprise": "enterprise"}),
    ("employment", "status", {
        "已就业": "employed", "就业": "employed", "签约就业": "employed", "协议就业": "employed",
        "灵活就业": "employed", "合同就业": "employed", "employed": "employed", "Placed": "employed",
        "自主创业": "self_employed", "创业": "self_employed", "self-employed": "self_employed",
        "Self employed": "self_employed", "升学": "further_study", "升入高职": "further_study",
        "专升本": "further_study", "对口升学": "further_study", "继续深造": "further_study",
        "further study": "further_study", "参军": "enlisted", "参军入伍": "enlisted",
        "应征入伍": "enlisted", "入伍": "enlisted", "enlisted": "enlisted", "military": "enlisted",
        "待就业": "unemployed", "未就业": "unemployed", "求职中": "unemployed",
        "暂不就业": "unemployed", "unemployed": "unemployed", "Not Placed": "unemployed",
        "其他": "other", "other": "other"}),
    ("mentor_activities", "activity_type", {
        "企业走访": "enterprise_visit", "走访企业": "enterprise_visit", "下企业": "enterprise_visit",
        "赴企业": "enterprise_visit", "到企业指导": "enterprise_visit", "进校授课": "school_teaching",
        "来校授课": "school_teaching", "校内授课": "school_teaching", "授课": "school_teaching",
        "实训教学": "school_teaching", "联合研发": "joint_research", "技术攻关": "joint_research",
        "教研": "joint_research", "培训": "training", "学生座谈": "student_meeting", "师生见面": "student_meeting", "联合教研": "joint_research",
        "师生交流": "student_meeting", "指导学生": "student_meeting", "其他": "other",
        "Enterprise visit": "enterprise_visit", "school_teaching": "school_teaching"}),
    ("satisfaction_surveys", "dimension", {
        "总体满意度": "overall", "总体": "overall", "整体满意度": "overall", "总体评价": "overall",
        "专业技能": "professional_skills", "职业技能": "professional_skills",
        "技能水平": "professional_skills", "工作态度": "work_attitude", "职业态度": "work_attitude",
        "敬业精神": "work_attitude", "学习能力": "learning_ability", "团队协作": "teamwork",
        "团队合作": "teamwork", "沟通协作": "teamwork", "创新能力": "innovation",
        "创新意识": "innovation", "Professional skills": "professional_skills",
        "TEAMWORK": "teamwork"}),
    ("student_assessments", "stage", {
        "基础阶段": "basic", "基础": "basic", "技能阶段": "skill", "技能": "skill", "跟岗": "skill",
        "实习阶段": "internship", "顶岗实习": "internship", "实习": "internship", "Basic": "basic",
        "岗位实习": "internship", "岗位实习阶段": "internship"}),
    ("mentor_evaluations", "evaluator_type", {
        "学校": "school", "校方": "school", "校企互评(学校)": "school", "校企互评（学校）": "school",
        "校内": "school", "企业": "enterprise", "企业评价": "enterprise", "学生": "student",
        "学生评价": "student", "学生评教": "student", "第三方": "third_party",
        "第三方评价": "third_party", "third party": "third_party", "Third_Party": "third_party"}),
    ("funding", "source", {
        "学校": "school", "学校自筹": "school", "自筹": "school", "政府": "government",
        "财政": "government", "财政拨款": "government", "专项资金": "government",
        "企业": "enterprise", "企业投入": "enterprise", "企业捐赠": "enterprise",
        "Government": "government"}),
]


@pytest.mark.parametrize(
    ("table", "name", "raw", "code"),
    [(t, n, raw, code) for t, n, cases in ENUM_CASES for raw, code in cases.items()],
)
def test_enum_spellings(table, name, raw, code):
    assert one(enum(table, name), raw) == (code, None)


@pytest.mark.parametrize(("table", "name", "raw"), [
    ("employment", "status", "见附件"),
    ("students", "training_model", "3+0"),
    ("funding", "source", "学生"),  # a word of another column's vocabulary
    ("satisfaction_surveys", "dimension", "employed"),
])
def test_enum_unknown(table, name, raw):
    assert one(enum(table, name), raw) == (None, U)


def test_every_word_of_a_vocabulary_reads_as_its_code():
    """Codes, labels and spellings of every term come back as the term's code, in both languages."""
    for kind, vocab in schema.VOCABULARIES.items():
        for term in vocab.terms:
            for word in (term.code, term.zh, term.en, *term.spellings):
                assert normalize.vocabulary_code(kind, word) == term.code, (kind, word)


def test_enum_columns_store_the_codes_of_their_vocabulary():
    for table in schema.TABLES:
        for column in table.columns:
            if column.kind == "enum":
                assert column.allowed == schema.vocabulary(column.name).codes


def test_enum_code_is_shared_with_mapping():
    assert normalize.enum_code(enum("satisfaction_surveys", "dimension"), "团队合作") == "teamwork"
    assert normalize.enum_code(enum("satisfaction_surveys", "dimension"), "学号") is None


def test_parse_date():
    assert normalize.parse_date("2024年9月1日") == D(2024, 9, 1)
    assert normalize.parse_date("not a date") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("11010120080101003X", ("11010120080101003X", None)),  # 18 characters with X stay text
    ("4.40106199001011e+17", (None, "id-as-number")),  # Excel kept it as a float: digits lost
    ("4.40106199001011E+17", (None, "id-as-number")),
])
def test_id_card_numbers(raw, expected):
    assert one(STUDENT_ID, raw) == expected


def test_column_shape_dtypes_and_index():
    cells = pd.Series(["85", None, "8.5.5", "85"], index=[10, 11, 12, 13], name="成绩", dtype=object)
    values, errors = normalize_column(cells, SCORE)
    assert str(values.dtype) == "Float64"
    assert list(values.index) == [10, 11, 12, 13] and values.name == "成绩"
    assert values.isna().tolist() == [False, True, True, False]
    assert errors.dtype == object and list(errors) == [None, None, T, None]
    years, _ = normalize_column(pd.Series(["2024"]), GRAD_YEAR)
    flags, _ = normalize_column(pd.Series(["是"]), PASSED)
    dates, _ = normalize_column(pd.Series(["2024-06-30"]), SURVEY_DATE)
    ids, _ = normalize_column(pd.Series(["001", None]), STUDENT_ID)
    assert (str(years.dtype), str(flags.dtype), dates.dtype, ids.dtype) == (
        "Int64", "boolean", object, object)
    assert ids.iloc[1] is None


def test_pyarrow_string_input():
    values, errors = normalize_column(pd.Series(["是", None, "否"], dtype="str"), PASSED)
    assert values.tolist() == [True, pd.NA, False] and errors.tolist() == [None, None, None]


def test_empty_column():
    values, errors = normalize_column(pd.Series([], dtype=object), SALARY)
    assert len(values) == 0 and len(errors) == 0


def test_million_rows_parse_each_distinct_value_once(monkeypatch):
    """1M cells of 4 distinct spellings (one of them null): 3 cleaned, 2 parsed by the scalar."""
    cleaned_sizes: list[int] = []
    scalar_calls: list[str] = []
    clean, scalar = normalize._clean, normalize._SCALAR["bool"]

    def counting_clean(texts):
        cleaned_sizes.append(len(texts))
        return clean(texts)

    def counting_scalar(text, column, rules):
        scalar_calls.append(text)
        return scalar(text, column, rules)

    monkeypatch.setattr(normalize, "_clean", counting_clean)
    monkeypatch.setitem(normalize._SCALAR, "bool", counting_scalar)
    cells = pd.Series(["是", "否", None, "-"] * 250_000, dtype=object)
    values, errors = normalize_column(cells, PASSED)
    assert cleaned_sizes == [3]  # 是, 否, - (the null is never a distinct value)
    assert sorted(scalar_calls) == ["否", "是"]  # "-" is missing, decided without the scalar
    assert values.value_counts().to_dict() == {True: 250_000, False: 250_000}
    assert int(values.isna().sum()) == 500_000 and errors.isna().all()


def test_plain_numbers_skip_the_scalar_parser(monkeypatch):
    calls: list[str] = []
    number = normalize._SCALAR["number"]
    monkeypatch.setitem(normalize._SCALAR, "number",
                        lambda text, column, rules: calls.append(text) or number(text, column, rules))
    cells = pd.Series([str(i % 500) for i in range(100_000)] + ["3,500"], dtype=object)
    values, errors = normalize_column(cells, SALARY)
    assert calls == ["3,500"]
    # sum over 100 000 cells of i % 500 = 200 cycles × (0 + … + 499) = 200 × 124 750
    assert float(values.sum()) == 200 * 124_750 + 3500


def catalog_keys(lang: str) -> set[str]:
    path = Path(normalize.__file__).parents[1] / "locales" / lang / "normalize.toml"
    return set(tomllib.loads(path.read_text(encoding="utf-8"))["issue"])


def test_catalogs_name_every_error_code_in_both_languages():
    codes = {normalize.TYPE_ERROR, normalize.UNKNOWN_VALUE, normalize.OUT_OF_RANGE, normalize.ID_AS_NUMBER,
             normalize.ID_MASKED}
    assert catalog_keys("zh") == catalog_keys("en") == codes


def _vocabulary_cells() -> list[str]:
    """Every word of every vocabulary as written, numbered, bracketed, negated, cased and cut, and
    random strings of the characters those words and other cells use (a fixed seed)."""
    import random

    words = [w for vocab in schema.VOCABULARIES.values()
             for term in vocab.terms for w in (term.code, term.zh, term.en, *term.spellings, *term.keywords) if w]
    words += [n for vocab in schema.VOCABULARIES.values() for n in vocab.negations]
    shapes = ["{}", "一、{}", "1. {}", "({})", "{}（备注）", "【{}】", "{}!", "不{}", "非常{}", "{}ABC", "Q3 {}", "{}-x"]
    cells = [shape.format(w) for w in words for shape in shapes]
    cells += [w.upper() for w in words] + [w[:1] for w in words] + [w[::-1] for w in words]
    rng = random.Random(17)
    alphabet = "见附件缺考及格优秀良好满意不非常一般abcdefghijklmnopqrstuvwxyzABCDEFΣßİﬁ0123456789-_()（）、. "
    cells += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3_000)]
    return [c for c in dict.fromkeys(normalize._clean_one(c) for c in cells) if c]


@pytest.mark.parametrize("kind", sorted(schema.VOCABULARIES))
def test_the_character_test_of_a_vocabulary_lookup_never_changes_its_answer(kind):
    """``vocabulary_code`` first asks whether the cell holds every character of some word of the
    vocabulary, and answers None without the lookup when not: for every word of every vocabulary,
    in a dozen shapes, and 3,000 random cells, the answer is the lookup's."""
    index = normalize._index(kind)
    for cell in _vocabulary_cells():
        assert normalize.vocabulary_code.__wrapped__(kind, cell) == normalize._lookup(index, cell), (kind, cell)


def test_a_cell_without_the_characters_of_any_word_is_not_looked_up(monkeypatch):
    """The point of the test: a score column of free text (a distinct cell each) skips the lookup."""
    looked: list[str] = []
    real = normalize._lookup
    monkeypatch.setattr(normalize, "_lookup", lambda index, cell: looked.append(cell) or real(index, cell))
    assert normalize.vocabulary_code.__wrapped__("absence", "见附件123") is None
    assert normalize.vocabulary_code.__wrapped__("absence", "1. 缺考") == "absent"
    assert looked == ["1. 缺考"]
