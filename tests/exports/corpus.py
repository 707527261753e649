"""Export variants built by code, each imitating one platform, system or habit of issue 11.

Every variant starts from canonical records (codes, numbers, dates) and *renders* them the
way the imitated export writes them: another spelling per code, numbering and brackets,
merged cells, titles, sections, HTML, GBK, split headers … The expected rows and figures
come from the canonical records, never from the importer. Spellings deliberately differ from
the ones issue 11 quotes. IDs carry a per-variant prefix, so that all variants can be imported
into one database together (``python -m analytics import FOLDER/*``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.exports import render

D = dt.date

# Columns compared per table (the canonical rows each variant expects).
COMPARE: dict[str, tuple[str, ...]] = {
    "enterprises": ("enterprise_id", "enterprise_name", "cooperation_form", "demonstration_unit"),
    "mentors": ("mentor_id", "mentor_name", "mentor_type", "years_experience", "dual_qualified"),
    "students": ("student_id", "student_name", "class_name", "cohort_year", "dual_mentor"),
    "certificate_exams": ("student_id", "certificate_name", "exam_date", "passed", "absence"),
    "employment": ("student_id", "survey_date", "status", "monthly_salary", "related_to_major"),
    "satisfaction_surveys": ("enterprise_id", "survey_date", "respondent", "dimension", "score"),
    "mentor_activities": ("mentor_id", "activity_date", "activity_type", "hours"),
    "student_assessments": ("student_id", "term", "stage", "theory_score", "skill_score", "professionalism_score"),
    "mentor_evaluations": ("mentor_id", "period", "evaluator_type", "score"),
    "funding": ("year", "source", "category", "budget", "spent"),
    "benchmarks": ("source", "indicator", "period", "value"),
}


@dataclass
class Export:
    """One variant: its files (name → bytes, in the order a user drops them), the canonical rows
    it should give, figures computed from those rows, and files it must refuse."""

    name: str
    habit: str
    files: dict[str, bytes]
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    figures: dict[str, tuple] = field(default_factory=dict)
    refused: tuple[str, ...] = ()
    rejected: int = 0  # rows rejected with a reason (an error cell, a lost ID)


VARIANTS: list[Callable[[], Export]] = []


def variant(fn: Callable[[], Export]) -> Callable[[], Export]:
    VARIANTS.append(fn)
    return fn


def _placed(statuses: list[str]) -> tuple[int, int]:
    """(placed, known) as SPEC counts them: employed, self-employed, further study, enlisted."""
    known = [s for s in statuses if s is not None]
    return sum(s in ("employed", "self_employed", "further_study", "enlisted") for s in known), len(known)


def _mean_0_100(scores: list[float], scale: float = 5) -> float:
    return round(sum((s - 1) / (scale - 1) for s in scores) / len(scores) * 100, 6)


# -- Rosters, directories, mentors ------------------------------------------------------------


@variant
def roster_one_sheet_per_class() -> Export:
    """A student roster workbook from the academic office: one sheet per class, no class column,
    the cohort in each sheet's name (23级), ticks for the dual-mentor programme."""
    classes = {"23级数控1班": [("A0101", "陈一鸣", "√"), ("A0102", "林小雨", ""), ("A0103", "黄海", "√")],
               "23级汽修2班": [("A0201", "周宁", ""), ("A0202", "吴倩", "√")]}
    sheets = {name: [["学号", "姓名", "性别", "是否双导师"], *[[sid, nm, "男", tick] for sid, nm, tick in people]]
              for name, people in classes.items()}
    rows = [(sid, nm, name, 2023, tick == "√") for name, people in classes.items() for sid, nm, tick in people]
    return Export("roster_one_sheet_per_class", "workbook: one sheet per class, cohort and class in the sheet name",
                  {"学生名单.xlsx": render.xlsx(sheets)}, {"students": rows}, {"dual": (3, 5)})


@variant
def roster_english_headers_tsv() -> Export:
    """An international programme's roster exported as tab-separated text with English headers."""
    people = [("B0001", "Li Wei", "Mechatronics 1", 2022, "Y"), ("B0002", "Zhao Min", "Mechatronics 1", 2022, "N")]
    grid = [["Student No.", "Full Name", "Class", "Intake Year", "In Programme"], *[list(p) for p in people]]
    rows = [(p[0], p[1], p[2], p[3], p[4] == "Y") for p in people]
    return Export("roster_english_headers_tsv", "English headers, tab-separated text",
                  {"roster.txt": render.text(grid, delimiter="\t")}, {"students": rows}, {"dual": (1, 2)})


@variant
def roster_gbk_with_id_cards() -> Export:
    """The student information system's GBK CSV: a title line, 身份证号 as text, 培养方式 words."""
    people = [("C2301", "郑浩然", "110101200701010011", "二加一", True), ("C2302", "冯佳怡", "11010120070202002X", "2+1学制", False),
              ("C2303", "许文博", "110101200703030038", "1.5+1.5学制", True)]
    grid = [["2023级学生基本信息表"], ["学生编号", "学生姓名", "身份证号码", "所在班级", "培养方式", "双导师"],
            *[[sid, nm, idc, "电商2301", model, "是" if dual else "否"] for sid, nm, idc, model, dual in people]]
    rows = [(sid, nm, "电商2301", 2023, dual) for sid, nm, _, _, dual in people]
    return Export("roster_gbk_with_id_cards", "GBK CSV with a title line and ID-card numbers",
                  {"学生信息导出.csv": render.text(grid, encoding="gbk")}, {"students": rows}, {"dual": (2, 3)})


@variant
def mentors_one_sheet_per_type() -> Export:
    """The mentor roster kept as two sheets named 校内导师 and 企业导师; experience as "8年"."""
    school = [("D-T01", "王建国", "12年", "是"), ("D-T02", "刘芳", "4年", "否")]
    ent = [("D-E01", "孙师傅", "15年"), ("D-E02", "钱工", "6年")]
    sheets = {"校内导师": [["工号", "姓名", "教龄", "双师型"], *[list(m) for m in school]],
              "企业导师": [["工号", "姓名", "一线工作年限"], *[list(m) for m in ent]]}
    rows = [(i, n, "school", float(y[:-1]), d == "是") for i, n, y, d in school] + \
           [(i, n, "enterprise", float(y[:-1]), None) for i, n, y in ent]
    return Export("mentors_one_sheet_per_type", "mentor type stated only by the sheet name",
                  {"双导师名册.xlsx": render.xlsx(sheets)}, {"mentors": rows})


@variant
def enterprises_directory_words() -> Export:
    """The partnership office's directory: cooperation forms in its own words, ticks for 示范."""
    firms = [("E-01", "恒达数控设备有限公司", "共建冠名班", "order_class", "√"),
             ("E-02", "顺驰汽车维修连锁", "新型学徒制试点", "apprenticeship", ""),
             ("E-03", "智造精密部件厂", "引企入校（校中厂）", "campus_factory", "√"),
             ("E-04", "远帆物流集团", "校外实习基地", "internship_base", "")]
    grid = [["序号", "企业编码", "合作单位名称", "合作模式", "是否示范"],
            *[[i + 1, eid, nm, word, tick] for i, (eid, nm, word, _, tick) in enumerate(firms)]]
    rows = [(eid, nm, code, tick == "√") for eid, nm, _, code, tick in firms]
    return Export("enterprises_directory_words", "cooperation forms as free wording, tick list",
                  {"合作企业名录.xlsx": render.xlsx({"名录": grid})}, {"enterprises": rows})


@variant
def roster_legacy_xls_error_cell() -> Export:
    """A legacy .xls roster whose cohort column was a VLOOKUP: one #N/A cell."""
    people = [("F01", "唐杰", 2022), ("F02", "韩雪", 2022), ("F03", "曹阳", None)]
    grid = [["学号", "姓名", "年级"], *[[sid, nm, year if year else None] for sid, nm, year in people]]
    data = render.xls({"Sheet1": grid}, errors={"Sheet1": [(3, 2, 42)]})  # 42: #N/A
    rows = [(sid, nm, None, year, None) for sid, nm, year in people if year]
    return Export("roster_legacy_xls_error_cell", "legacy .xls with a formula error cell",
                  {"名单.xls": data}, {"students": rows}, rejected=1)


# -- Certificates ------------------------------------------------------------------------------


def _id_roster(prefix: str, people: list[tuple[str, str, str, bool]]) -> tuple[bytes, list[tuple]]:
    grid = [["学号", "姓名", "身份证号", "班级", "入学年份", "是否双导师"],
            *[[sid, nm, idc, "数控2201", "2022", "是" if dual else "否"] for sid, nm, idc, dual in people]]
    rows = [(sid, nm, "数控2201", 2022, dual) for sid, nm, _, dual in people]
    return render.xlsx({"名单": grid}), rows


@variant
def onex_platform_by_id_card() -> Export:
    """A 1+X evaluation organisation's export: keyed by 证件号码, results 合格/不合格/缺考; the
    roster carries the ID-card numbers, so each row counts for its student."""
    people = [("G01", "罗佳", "440106200501010013", True), ("G02", "梁晨", "44010620050202002X", False),
              ("G03", "宋雨", "440106200503030037", True), ("G04", "谢安", "440106200504040015", False)]
    roster, students = _id_roster("G", people)
    results = [("合格", True, None, 78, 86), ("不合格", False, None, 52, 55), ("缺考", None, "absent", None, None),
               ("合格", True, None, 80, 90)]
    grid = [["序号", "考生姓名", "证件类型", "证件号码", "证书名称", "等级", "考核站点", "理论考试成绩", "实操考核成绩", "考核结果"]]
    for i, ((_, nm, idc, _), (word, _, _, th, pr)) in enumerate(zip(people, results, strict=True), 1):
        grid.append([i, nm, "居民身份证", idc, "工业机器人应用编程", "中级", "市职教中心考点",
                     th if th is not None else "缺考", pr if pr is not None else "缺考", word])
    exams = [(sid, "工业机器人应用编程", D(2024, 11, 16), passed, absence)
             for (sid, _, _, _), (_, passed, absence, _, _) in zip(people, results, strict=True)]
    title = [["工业机器人应用编程职业技能等级证书考核成绩单"], ["考核日期：2024年11月16日"]]
    return Export("onex_platform_by_id_card", "1+X platform keyed by ID card, absences, theory/practical",
                  {"名单.xlsx": roster, "考核成绩.xlsx": render.xlsx({"成绩": title + grid})},
                  {"students": students, "certificate_exams": exams},
                  # G03 (dual) was absent: no attempt; dual attempts: G01 passed → 1 of 1
                  {"pass_rate": (2, 3), "pass_rate_dual": (1, 1)})


@variant
def skill_appraisal_csv_gbk() -> Export:
    """A skill-appraisal centre's GBK CSV: 身份证 with a lower-case x, 鉴定结果 通过/未通过, a date per row."""
    people = [("H01", "邓超", "32010220040101001x", True), ("H02", "许晴", "320102200402020028", True)]
    roster, students = _id_roster("H", [(s, n, i.upper(), d) for s, n, i, d in people])
    grid = [["姓名", "身份证", "职业(工种)", "级别", "鉴定日期", "鉴定结果"],
            ["邓超", "32010220040101001x", "电工", "四级", "2024/6/22", "通过"],
            ["许晴", "320102200402020028", "电工", "四级", "2024/6/22", "未通过"]]
    exams = [("H01", "电工", D(2024, 6, 22), True, None), ("H02", "电工", D(2024, 6, 22), False, None)]
    return Export("skill_appraisal_csv_gbk", "appraisal centre CSV in GBK keyed by ID card",
                  {"名单.xlsx": roster, "鉴定结果.csv": render.text(grid, encoding="gbk")},
                  {"students": students, "certificate_exams": exams}, {"pass_rate": (1, 2)})


@variant
def school_cert_sheet_grade_words() -> Export:
    """A teacher's own record: pass marks as ○/×, scores as grade words, a retake in December."""
    rows_in = [("I01", "钳工", "2024-06-18", "良", "○"), ("I02", "钳工", "2024-06-18", "不及格", "×"),
               ("I02", "钳工", "2024-12-10", "及格", "○"), ("I03", "钳工", "2024-06-18", "缓考", "缓考")]
    grid = [["学生学号", "考证名称", "考试时间", "成绩等第", "是否合格"], *[list(r) for r in rows_in]]
    exams = [("I01", "钳工", D(2024, 6, 18), True, None), ("I02", "钳工", D(2024, 6, 18), False, None),
             ("I02", "钳工", D(2024, 12, 10), True, None), ("I03", "钳工", D(2024, 6, 18), None, "deferred")]
    return Export("school_cert_sheet_grade_words", "grade words, ○/× marks, a deferred exam, a retake",
                  {"钳工考证.csv": render.text(grid, bom=True)}, {"certificate_exams": exams},
                  {"pass_rate": (2, 3), "first_attempt": (1, 2)})


@variant
def certificate_id_lost_as_number() -> Export:
    """An export where Excel turned one 18-digit ID into a number: that row is refused, not guessed."""
    people = [("J01", "秦朗", "510104200601010014", True), ("J02", "尤佳", "510104200602020020", False)]
    roster, students = _id_roster("J", people)
    grid = [["考生姓名", "身份证号", "证书名称", "考试日期", "考核结果"],
            ["秦朗", "510104200601010014", "焊工", "2024-05-20", "合格"],
            ["尤佳", 5.10104200602020e17, "焊工", "2024-05-20", "合格"]]
    exams = [("J01", "焊工", D(2024, 5, 20), True, None)]
    return Export("certificate_id_lost_as_number", "an ID stored as a float by Excel",
                  {"名单.xlsx": roster, "焊工.xlsx": render.xlsx({"Sheet1": grid})},
                  {"students": students, "certificate_exams": exams}, rejected=1)


# -- Graduate destinations ---------------------------------------------------------------------


@variant
def destinations_national_codes() -> Export:
    """The provincial graduate-destination system: only 毕业去向代码 (11, 46, 70, 80, 75)."""
    grads = [("K01", "11", "employed"), ("K02", "46", "enlisted"), ("K03", "70", "unemployed"),
             ("K04", "80", "further_study"), ("K05", "75", "self_employed"), ("K06", "12", "employed")]
    grid = [["学号", "姓名", "毕业年份", "毕业去向代码"], *[[sid, f"生{i}", "2024", code] for i, (sid, code, _) in enumerate(grads)]]
    rows = [(sid, D(2024, 8, 31), status, None, None) for sid, _, status in grads]
    return Export("destinations_national_codes", "national destination codes without their text",
                  {"毕业去向上报.xlsx": render.xlsx({"Sheet1": grid})}, {"employment": rows},
                  {"employment": _placed([s for *_, s in grads]), "coverage": (6, 6)})


@variant
def destinations_code_and_text() -> Export:
    """Codes with their wording in one cell ("76-自由职业", "71 不就业拟升学"), year in the sheet name."""
    grads = [("L01", "10-签就业协议形式就业", "employed"), ("L02", "76-自由职业", "employed"),
             ("L03", "71 不就业拟升学", "unemployed"), ("L04", "85 出国、出境", "further_study")]
    grid = [["学号", "姓名", "去向"], *[[sid, f"毕{i}", text] for i, (sid, text, _) in enumerate(grads)]]
    rows = [(sid, D(2023, 8, 31), status, None, None) for sid, _, status in grads]
    return Export("destinations_code_and_text", "code and wording in one cell, year in the sheet name",
                  {"去向.xlsx": render.xlsx({"2023届": grid})}, {"employment": rows},
                  {"employment": _placed([s for *_, s in grads])})


@variant
def destinations_free_wording() -> Export:
    """A class teacher's sheet: destinations in their own words with details in brackets."""
    grads = [("M01", "升学（考入市职业技术学院）", "further_study"), ("M02", "参军（陆军某部）", "enlisted"),
             ("M03", "自主创业（开网店）", "self_employed"), ("M04", "在家待业", "unemployed"),
             ("M05", "签约上海某汽车厂", "employed"), ("M06", "一、已落实工作单位", "employed")]
    grid = [["2025届毕业生去向统计"], ["学号", "姓名", "毕业去向", "月收入（元）"],
            *[[sid, f"学{i}", text, "4,200" if status == "employed" else ""] for i, (sid, text, status) in enumerate(grads)]]
    rows = [(sid, D(2025, 8, 31), status, 4200.0 if status == "employed" else None, None) for sid, _, status in grads]
    return Export("destinations_free_wording", "free wording with brackets and numbering",
                  {"毕业生去向.xlsx": render.xlsx({"Sheet1": grid})}, {"employment": rows},
                  {"employment": _placed([s for *_, s in grads])})


@variant
def destinations_html_from_system() -> Export:
    """The employment system's "导出Excel": an HTML table in GB2312 with a two-row merged header."""
    grads = [("N01", "王磊", "签劳动合同形式就业", "星辰电子", "是", "employed", True),
             ("N02", "李娜", "应征义务兵", "", "", "enlisted", None),
             ("N03", "张敏", "待就业", "", "", "unemployed", None)]
    grid = [["学号", "姓名", "就业信息", None, None], [None, None, "毕业去向", "单位名称", "专业相关"],
            *[[sid, nm, word, unit, rel] for sid, nm, word, unit, rel, _, _ in grads]]
    spans = {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 3)}
    data = render.html_table(grid, title="毕业生就业信息管理系统", heading="2024届毕业生就业去向一览表", encoding="gbk",
                             spans=spans)
    # 专业相关 says 是 in one row and nothing elsewhere: a tick list, blanks are no
    rows = [(sid, D(2024, 8, 31), status, None, bool(rel)) for sid, _, _, _, _, status, rel in grads]
    return Export("destinations_html_from_system", "HTML table saved as .xls, GB2312, merged header",
                  {"就业数据导出.xls": data}, {"employment": rows}, {"employment": (2, 3)})


@variant
def destinations_with_roster_columns() -> Export:
    """The counsellor's combined sheet: roster columns and destinations; 专业对口 ticked only."""
    grads = [("O01", "已就业", "employed", "√", 4600), ("O02", "已就业", "employed", "", 3900),
             ("O03", "升学", "further_study", "", None), ("O04", "暂不就业", "unemployed", "", None)]
    grid = [["学号", "姓名", "性别", "专业", "班级", "毕业年份", "毕业去向", "就业单位", "月收入", "专业对口"],
            *[[sid, f"学生{i}", "女", "会计", "会计2101", "2024", word, "某公司" if pay else "", pay, tick]
              for i, (sid, word, _, tick, pay) in enumerate(grads)]]
    rows = [(sid, D(2024, 8, 31), status, float(pay) if pay else None,
             (tick == "√") if status == "employed" else (False if tick == "" else None))
            for sid, _, status, tick, pay in grads]
    return Export("destinations_with_roster_columns", "roster columns beside destinations; tick list",
                  {"2024届去向.xlsx": render.xlsx({"Sheet1": grid})}, {"employment": rows},
                  {"employment": (3, 4)})


@variant
def destinations_pdf_split_header() -> Export:
    """A PDF report converted to Excel: every header split over two rows."""
    grads = [("P01", "已就业", "employed"), ("P02", "专升本", "further_study"), ("P03", "待业", "unemployed")]
    grid = [["学", "姓", "毕业", "毕业"], ["号", "名", "年份", "去向"],
            *[[sid, f"毕业生{i}", 2024, word] for i, (sid, word, _) in enumerate(grads)]]
    rows = [(sid, D(2024, 8, 31), status, None, None) for sid, _, status in grads]
    return Export("destinations_pdf_split_header", "header split over two rows (PDF conversion)",
                  {"就业质量报告附表.xlsx": render.xlsx({"表3": grid})}, {"employment": rows},
                  {"employment": (2, 3)})


@variant
def destinations_follow_up_survey() -> Export:
    """A follow-up survey a year on: 跟踪日期 as yyyy.m.d, salary with 元/月, a changed employer."""
    grads = [("Q01", "2025.8.30", "在职", "employed", "5,100元/月"), ("Q02", "2025.8.30", "离职待业", "unemployed", "")]
    grid = [["学号", "姓名", "毕业年份", "跟踪日期", "就业状态", "月薪"],
            *[[sid, f"校友{i}", "2024", date, word, pay] for i, (sid, date, word, _, pay) in enumerate(grads)]]
    rows = [(sid, D(2025, 8, 30), status, 5100.0 if pay else None, None) for sid, _, _, status, pay in grads]
    return Export("destinations_follow_up_survey", "follow-up survey, dotted dates, salary units",
                  {"跟踪调查.csv": render.text(grid)}, {"employment": rows})


# -- Satisfaction surveys -----------------------------------------------------------------------


_FIRM_NAMES = {"R": ("鼎盛机电有限公司", "华远汽车服务公司"), "S": ("永信模具厂", "嘉禾餐饮管理公司")}


def _survey_firms(prefix: str) -> tuple[bytes, dict[str, str]]:
    firms = dict(zip((f"{prefix}-01", f"{prefix}-02"), _FIRM_NAMES[prefix], strict=True))
    grid = [["企业编号", "企业名称", "合作形式"], *[[i, n, "订单班"] for i, n in firms.items()]]
    return render.xlsx({"企业": grid}), firms


@variant
def wjx_xlsx_matrix() -> Export:
    """问卷星 xlsx: metadata columns, numbered questions, a matrix written 题目—子项, (跳过)."""
    directory, firms = _survey_firms("R")
    ids = list(firms)
    stem = "4、请您对我校实习生以下方面作出评价—"
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、贵单位名称：", "2、您的岗位：",
            "3、总体而言，您对我校实习生满意吗？", stem + "操作技能", stem + "敬业态度", stem + "团队配合", "5、其他建议："]
    answers = [(ids[0], "2024/6/20 9:12:05", ["很满意", "比较满意", "一般", "(跳过)"]),
               (ids[1], "2024/6/21 15:40:11", ["比较满意", "很满意", "比较满意", "不太满意"])]
    grid = [head]
    for i, (eid, when, words) in enumerate(answers, 1):
        grid.append([str(i), when, "132秒", "微信", "N/A", "58.20.1.9(湖南-长沙)", firms[eid], "人事", *words, "无"])
    score = {"很满意": 5.0, "比较满意": 4.0, "一般": 3.0, "不太满意": 2.0}
    dims = ["overall", "professional_skills", "work_attitude", "teamwork"]
    rows = [(eid, D(*map(int, when.split()[0].split("/"))), str(i), dim, score[w])
            for i, (eid, when, words) in enumerate(answers, 1) for dim, w in zip(dims, words, strict=True)
            if w in score]
    return Export("wjx_xlsx_matrix", "问卷星 xlsx with metadata and a matrix question",
                  {"合作企业.xlsx": directory, "问卷星_实习生满意度.xlsx": render.xlsx({"Sheet1": grid})},
                  {"satisfaction_surveys": rows, "enterprises": _firm_rows(firms)},
                  {"overall_mean": (_mean_0_100([5.0, 4.0]), 2)})


@variant
def wjx_csv_lettered_options() -> Export:
    """问卷星 CSV in GBK with lettered option texts ("A.非常满意") and (空) answers."""
    head = ["序号", "提交答卷时间", "所用时间", "来自IP", "1.贵单位全称", "2.您对毕业生职业技能的满意程度",
            "3.您对毕业生学习能力的满意程度"]
    grid = [head, ["1", "2024-07-02 10:00:00", "88秒", "1.1.1.1", "城北物流有限公司", "A.非常满意", "C.一般"],
            ["2", "2024-07-03 11:00:00", "75秒", "2.2.2.2", "城北物流有限公司", "B.满意", "(空)"]]
    rows = [("城北物流有限公司", D(2024, 7, 2), "1", "professional_skills", 5.0),
            ("城北物流有限公司", D(2024, 7, 2), "1", "learning_ability", 3.0),
            ("城北物流有限公司", D(2024, 7, 3), "2", "professional_skills", 4.0)]
    return Export("wjx_csv_lettered_options", "问卷星 CSV (GBK), lettered options, (空)",
                  {"问卷星导出.csv": render.text(grid, encoding="gbk")}, {"satisfaction_surveys": rows})


@variant
def tencent_survey_colon_matrix() -> Export:
    """腾讯问卷: 开始/结束答题时间, 用户ID, "Q1." numbering, a matrix written 题目:子项."""
    head = ["编号", "开始答题时间", "结束答题时间", "答题时长", "用户ID", "Q1.您所在的公司名称",
            "Q2.请对毕业生以下能力打分:创新意识", "Q2.请对毕业生以下能力打分:沟通协作"]
    grid = [head, ["101", "2025-06-01 08:00:00", "2025-06-01 08:05:00", "300", "u9", "蓝海软件科技有限公司", "4", "5"],
            ["102", "2025-06-02 09:00:00", "2025-06-02 09:03:00", "180", "u7", "蓝海软件科技有限公司", "3", "4"]]
    rows = [("蓝海软件科技有限公司", D(2025, 6, 1), "101", "innovation", 4.0),
            ("蓝海软件科技有限公司", D(2025, 6, 1), "101", "teamwork", 5.0),
            ("蓝海软件科技有限公司", D(2025, 6, 2), "102", "innovation", 3.0),
            ("蓝海软件科技有限公司", D(2025, 6, 2), "102", "teamwork", 4.0)]
    return Export("tencent_survey_colon_matrix", "腾讯问卷 with Q-numbering and 题目:子项",
                  {"腾讯问卷_用人单位反馈.xlsx": render.xlsx({"问卷数据": grid})}, {"satisfaction_surveys": rows},
                  {"responses": (4,)})


@variant
def jinshuju_overall_numbers() -> Export:
    """金数据: 提交时间, 填写设备, a question "您单位的名称", numeric answers 1–5."""
    head = ["序号", "您单位的名称", "整体评价", "专业水平", "工作作风", "提交时间", "填写设备", "IP"]
    grid = [head, ["1", "润泽农业合作社", "5", "4", "5", "2023-12-10 14:00", "手机", "x"],
            ["2", "润泽农业合作社", "3", "3", "4", "2023-12-11 09:30", "电脑", "y"]]
    dims = ["overall", "professional_skills", "work_attitude"]
    rows = [("润泽农业合作社", D(2023, 12, 10 + i), str(i + 1), d, float(v))
            for i, line in enumerate(grid[1:]) for d, v in zip(dims, line[2:5], strict=True)]
    return Export("jinshuju_overall_numbers", "金数据 with numbers and platform metadata",
                  {"金数据导出.xlsx": render.xlsx({"数据": grid})}, {"satisfaction_surveys": rows},
                  {"overall_mean": (_mean_0_100([5.0, 3.0]), 2)})


@variant
def survey_wide_by_hand() -> Export:
    """A secretary's summary sheet: one row per visit, a column per aspect, words as answers."""
    directory, firms = _survey_firms("S")
    ids = list(firms)
    head = ["企业", "调查时间", "访谈对象", "总体满意度", "技能水平", "职业态度"]
    grid = [["用人单位满意度调查汇总（2024年）"], head,
            [firms[ids[0]], "2024年11月5日", "车间主任", "非常满意", "满意", "满意"],
            [firms[ids[1]], "2024年11月8日", "人事部", "满意", "基本满意", "非常满意"]]
    score = {"非常满意": 5.0, "满意": 4.0, "基本满意": 3.0}
    dims = ["overall", "professional_skills", "work_attitude"]
    rows = [(ids[i], D(2024, 11, (5, 8)[i]), line[2], d, score[w])
            for i, line in enumerate(grid[2:]) for d, w in zip(dims, line[3:], strict=True)]
    return Export("survey_wide_by_hand", "hand-made wide summary with Likert words",
                  {"企业.xlsx": directory, "满意度汇总.xlsx": render.xlsx({"Sheet1": grid})},
                  {"satisfaction_surveys": rows, "enterprises": _firm_rows(firms)})


@variant
def survey_long_rows() -> Export:
    """The quality office's long table: one row per aspect, 评分 of 10, 满分 stated per row."""
    grid = [["单位名称", "填表日期", "评价项目", "得分", "满分"],
            ["天成建筑", "2024-12-01", "职业素养", "9", "10"], ["天成建筑", "2024-12-01", "动手能力", "8", "10"]]
    rows = [("天成建筑", D(2024, 12, 1), "", "work_attitude", 9.0), ("天成建筑", D(2024, 12, 1), "", "professional_skills", 8.0)]
    return Export("survey_long_rows", "long form, 10-point scale", {"评价表.csv": render.text(grid)},
                  {"satisfaction_surveys": rows})


# -- Hand-kept logs ----------------------------------------------------------------------------


def _log_mentors(prefix: str, people: list[tuple[str, str, str]]) -> bytes:
    grid = [["工号", "姓名", "导师类型"], *[[i, n, t] for i, n, t in people]]
    return render.xlsx({"导师": grid})


_TYPE = {"校内导师": "school", "企业导师": "enterprise", "enterprise mentor": "enterprise"}


def _mentor_rows(people: list[tuple[str, str, str]]) -> list[tuple]:
    return [(i, n, _TYPE[t], None, None) for i, n, t in people]


def _firm_rows(firms: dict[str, str]) -> list[tuple]:
    return [(i, n, "order_class", None) for i, n in firms.items()]


@variant
def visit_log_month_sections() -> Export:
    """A school mentor's visit log: month headings, dates without a year, full-width spaces in
    names, a 小计 row per month and the signature lines at the bottom."""
    mentors = [("T-101", "赵国强", "校内导师"), ("T-102", "钱丽", "校内导师")]
    grid = [["2024年秋季学期校内导师下企业记录"], ["日期", "导师", "活动内容", "时长（小时）"],
            ["九月"], ["9月6日", "赵　国强", "赴恒达公司走访实习生", "3"], ["9月20日", "钱　丽", "企业实践", "4"],
            ["9月27日", "赵　国强", "到企业检查实习安全", "2"], ["小计", None, None, "9"],
            ["十月"], ["10月11日", "钱　丽", "下企业指导", "3"], ["本月小计", None, None, "3"],
            ["记录人：孙老师", None, "审核：李主任", None]]
    acts = [("T-101", D(2024, 9, 6), "enterprise_visit", 3.0), ("T-102", D(2024, 9, 20), "enterprise_visit", 4.0),
            ("T-101", D(2024, 9, 27), "enterprise_visit", 2.0), ("T-102", D(2024, 10, 11), "enterprise_visit", 3.0)]
    return Export("visit_log_month_sections", "hand-kept log: month sections, year-less dates, signatures",
                  {"导师.xlsx": _log_mentors("T", mentors), "下企业记录.xlsx": render.xlsx({"记录": grid})},
                  {"mentor_activities": acts, "mentors": _mentor_rows(mentors)},
                  {"visits": (4,)})


@variant
def teaching_signin_school_year() -> Export:
    """An enterprise mentor's teaching sign-in sheet for a school year: dates as 12.3 and 1.8 (the
    January one belongs to the next calendar year), 学时 with units."""
    mentors = [("U-201", "周明", "企业导师")]
    grid = [["2024-2025学年第一学期 企业导师来校授课签到表"], ["授课日期", "授课人", "课程内容", "学时"],
            ["12.3", "周明", "数控车床实操示范课", "2学时"], ["12.17", "周明", "讲座：安全生产", "2学时"],
            ["1.8", "周明", "技能训练", "4学时"]]
    acts = [("U-201", D(2024, 12, 3), "school_teaching", 2.0), ("U-201", D(2024, 12, 17), "school_teaching", 2.0),
            ("U-201", D(2025, 1, 8), "school_teaching", 4.0)]
    return Export("teaching_signin_school_year", "sign-in sheet, school-year title, dotted year-less dates",
                  {"导师.xlsx": _log_mentors("U", mentors), "授课签到.csv": render.text(grid, encoding="gbk")},
                  {"mentor_activities": acts, "mentors": _mentor_rows(mentors)})


@variant
def activity_log_mixed_types() -> Export:
    """A department's activity register with full dates and several kinds of activity in words."""
    mentors = [("V-301", "吴涛", "校内导师"), ("V-302", "郑师傅", "企业导师")]
    items = [("2024-03-05", "吴涛", "参加省级骨干教师研修", "training"),
             ("2024-03-12", "郑师傅", "与学生座谈职业规划", "student_meeting"),
             ("2024-03-19", "吴涛", "校企共同开发活页式教材", "joint_research"),
             ("2024-03-26", "郑师傅", "来校上实训课", "school_teaching")]
    grid = [["活动时间", "导师姓名", "活动形式"], *[[d, n, w] for d, n, w, _ in items]]
    ids = {"吴涛": "V-301", "郑师傅": "V-302"}
    acts = [(ids[n], D(*map(int, d.split("-"))), code, None) for d, n, _, code in items]
    return Export("activity_log_mixed_types", "activity kinds as free wording",
                  {"导师.xlsx": _log_mentors("V", mentors), "导师活动登记.xlsx": render.xlsx({"登记": grid})},
                  {"mentor_activities": acts, "mentors": _mentor_rows(mentors)})


# -- Assessments, evaluations, funding ----------------------------------------------------------


@variant
def assessments_grades_and_absence() -> Export:
    """Term results from the academic system: grade words, 缺考, the term only in the title."""
    grid = [["2024-2025学年第一学期 学生综合考核成绩"], ["学号", "姓名", "培养阶段", "理论", "实操", "素养"],
            ["W01", "甲", "跟岗", "优秀", "88", "良好"], ["W02", "乙", "认知实习", "中等", "缺考", "90"]]
    rows = [("W01", "2024-2025学年第一学期", "skill", 95.0, 88.0, 85.0),
            ("W02", "2024-2025学年第一学期", "basic", 75.0, None, 90.0)]
    return Export("assessments_grades_and_absence", "grade words, an absence, the term in the title",
                  {"考核成绩.xlsx": render.xlsx({"成绩": grid})}, {"student_assessments": rows})


@variant
def assessments_internship_old_term() -> Export:
    """A sheet still saying 顶岗实习: the stage is the internship stage (岗位实习 since 2021)."""
    grid = [["学号", "学年学期", "阶段", "理论成绩", "技能成绩", "职业素养成绩"],
            ["X01", "2023-2024学年第二学期", "顶岗实习", "80", "85", "90"]]
    rows = [("X01", "2023-2024学年第二学期", "internship", 80.0, 85.0, 90.0)]
    return Export("assessments_internship_old_term", "the renamed stage 顶岗实习", {"实习考核.csv": render.text(grid)},
                  {"student_assessments": rows})


@variant
def mentor_evaluations_words() -> Export:
    """The annual mentor appraisal: evaluators in words, the school year in the title."""
    mentors = [("Y-401", "冯伟", "校内导师")]
    grid = [["2023-2024学年导师考核汇总"], ["工号", "姓名", "评价方", "评价得分"],
            ["Y-401", "冯伟", "用人单位评价", "92"], ["Y-401", "冯伟", "学生评教", "88"], ["Y-401", "冯伟", "行业协会", "90"]]
    rows = [("Y-401", "2023-2024学年", "enterprise", 92.0), ("Y-401", "2023-2024学年", "student", 88.0),
            ("Y-401", "2023-2024学年", "third_party", 90.0)]
    return Export("mentor_evaluations_words", "evaluator types in words, period in the title",
                  {"导师.xlsx": _log_mentors("Y", mentors), "导师考核.xlsx": render.xlsx({"汇总": grid})},
                  {"mentor_evaluations": rows, "mentors": _mentor_rows(mentors)})


@variant
def funding_wan_yuan_merged() -> Export:
    """The finance office's execution sheet: amounts in 万元, merged source cells, a refund."""
    grid = [["2024年度双导师制专项经费执行情况"], ["金额单位：万元"], ["资金来源", "用途", "预算数", "执行数"],
            ["市级财政", "导师津贴", 12.5, 11.8], [None, "实训耗材", 6, 6.4], ["合作企业", "设备捐赠", 20, "(1.5)"]]
    merges = {"执行表": ["A4:A5"]}
    rows = [(2024, "government", "导师津贴", 125000.0, 118000.0), (2024, "government", "实训耗材", 60000.0, 64000.0),
            (2024, "enterprise", "设备捐赠", 200000.0, -15000.0)]
    return Export("funding_wan_yuan_merged", "万元 in a title, merged cells, a refund in parentheses",
                  {"经费执行.xlsx": render.xlsx({"执行表": grid}, merges)}, {"funding": rows},
                  {"funding": (385000.0, 167000.0)})


@variant
def funding_csv_grouped_blanks() -> Export:
    """The same kind of sheet saved as CSV: the merged cells became blanks under the first row."""
    grid = [["年份", "经费来源", "支出项目", "预算（元）", "支出（元）"],
            ["2025", "学校自筹", "导师培训", "￥30,000.00", "￥28,500.00"], [None, None, "资料印刷", "5,000", "4,800"],
            [None, "专项资金", "基地建设", "100,000", "-3,000"]]
    rows = [(2025, "school", "导师培训", 30000.0, 28500.0), (2025, "school", "资料印刷", 5000.0, 4800.0),
            (2025, "government", "基地建设", 100000.0, -3000.0)]
    return Export("funding_csv_grouped_blanks", "grouped blanks in a CSV, currency, a negative refund",
                  {"经费.csv": render.text(grid, encoding="gbk")}, {"funding": rows})


@variant
def funding_legacy_xls_merged() -> Export:
    """A legacy .xls budget with the year merged down the first column."""
    grid = [["年度", "来源", "类别", "预算", "支出"], [2023, "政府拨款", "津贴", 1000, 900], [None, "企业投入", "津贴", 500, 500]]
    data = render.xls({"预算": grid}, merges={"预算": [(1, 2, 0, 0)]})
    rows = [(2023, "government", "津贴", 1000.0, 900.0), (2023, "enterprise", "津贴", 500.0, 500.0)]
    return Export("funding_legacy_xls_merged", "legacy .xls with a merged year", {"预算.xls": data}, {"funding": rows})


# -- Published tables, web pages, workbooks ----------------------------------------------------


@variant
def benchmark_long_table() -> Export:
    """A province's annual report table in the long form (indicator, period, value, unit)."""
    grid = [["数据来源", "指标名称", "统计年度", "比率", "单位"],
            ["省职教年报", "初次就业率", "2023", "95.2", "%"], ["省职教年报", "专业对口率", "2023", "81.0", "%"]]
    rows = [("省职教年报", "initial_employment_rate", "2023", 0.952), ("省职教年报", "related_to_major_rate", "2023", 0.81)]
    return Export("benchmark_long_table", "published long-form benchmark table", {"年报指标.xlsx": render.xlsx({"表": grid})},
                  {"benchmarks": rows})


@variant
def login_page_saved_as_xls() -> Export:
    """A session that had expired: the "export" saved the sign-in page under an .xls name."""
    page = ("<html><head><title>职业院校管理平台 - 用户登录</title></head><body><form action='/login'>"
            "<table><tr><td>用户名</td><td><input name='u'></td></tr><tr><td>密码</td>"
            "<td><input type='password' name='p'></td></tr></table></form></body></html>").encode("utf-8")
    return Export("login_page_saved_as_xls", "a login page saved as .xls", {"学生名单导出.xls": page},
                  refused=("学生名单导出.xls",))


@variant
def workbook_with_instructions_sheet() -> Export:
    """A template returned by a department: an instructions sheet before the data sheet."""
    grid = [["学号", "姓名", "证书名称", "考试日期", "考核结果"], ["Z01", "甲", "育婴员", "2024-04-13", "通过"]]
    notes = [["填表说明"], ["1. 学号必须与学籍系统一致。"], ["2. 日期格式：2024-01-01。"]]
    rows = [("Z01", "育婴员", D(2024, 4, 13), True, None)]
    return Export("workbook_with_instructions_sheet", "instructions sheet beside the data",
                  {"考证汇总.xlsx": render.xlsx({"说明": notes, "数据": grid})}, {"certificate_exams": rows})


@variant
def html_two_tables_layout_and_data() -> Export:
    """A web export whose page wraps the data table in a layout table with a search box."""
    body = ("<html><head><meta charset='utf-8'><title>企业信息</title></head><body><table><tr><td>查询条件："
            "<input name='q'></td></tr></table><table border=1><tr><td>企业代码</td><td>企业全称</td><td>合作方式</td></tr>"
            "<tr><td>AA-1</td><td>青禾食品有限公司</td><td>订单培养</td></tr><tr><td>AA-2</td><td>长风电力</td>"
            "<td>其他</td></tr></table></body></html>").encode("utf-8")
    rows = [("AA-1", "青禾食品有限公司", "order_class", None), ("AA-2", "长风电力", "other", None)]
    return Export("html_two_tables_layout_and_data", "HTML export with a layout table",
                  {"企业列表.xls": body}, {"enterprises": rows})


@variant
def students_with_fullwidth_and_gender_words() -> Export:
    """A roster typed on a phone: full-width digits, 男生/女生, spaces inside IDs."""
    grid = [["学号", "姓名", "性别", "入学年份"], ["ＡＢ０１", "甲", "男生", "２０２３"], ["AB 02", "乙", "女生", "2023年"]]
    rows = [("AB01", "甲", None, 2023, None), ("AB02", "乙", None, 2023, None)]
    return Export("students_with_fullwidth_and_gender_words", "full-width characters and gender words",
                  {"名单（手机填写）.csv": render.text(grid, bom=True)}, {"students": rows})


@variant
def destinations_blank_yes_no_and_graduate_year_short() -> Export:
    """A destination sheet whose sheet name says 24届 and whose 是否签约 column is left blank for no."""
    grid = [["学号", "就业去向", "是否对口"], ["BB01", "已就业", "是"], ["BB02", "已就业", ""], ["BB03", "参军", ""]]
    rows = [("BB01", D(2024, 8, 31), "employed", None, True), ("BB02", D(2024, 8, 31), "employed", None, False),
            ("BB03", D(2024, 8, 31), "enlisted", None, False)]
    return Export("destinations_blank_yes_no_and_graduate_year_short", "two-digit 届 in the sheet name, blanks for no",
                  {"去向表.xlsx": render.xlsx({"24届": grid})}, {"employment": rows},
                  {"employment": (3, 3)})


@variant
def activities_english_system() -> Export:
    """A joint-venture partner's English activity export."""
    mentors = [("CC-9", "Anna Wu", "enterprise mentor")]
    grid = [["Mentor ID", "Date", "Activity", "Duration (h)"], ["CC-9", "2024-10-09", "Guest lecture at school", "2"],
            ["CC-9", "2024-10-16", "Company visit with students", "3"]]
    acts = [("CC-9", D(2024, 10, 9), "school_teaching", 2.0), ("CC-9", D(2024, 10, 16), "enterprise_visit", 3.0)]
    return Export("activities_english_system", "English activity wording",
                  {"mentors.csv": render.text([["Mentor ID", "Mentor name", "Mentor type"], list(mentors[0])]),
                   "activities.csv": render.text(grid)},
                  {"mentor_activities": acts, "mentors": _mentor_rows(mentors)})


@variant
def certificates_title_date_only() -> Export:
    """A results list whose exam date is only in its title."""
    grid = [["2024年12月 电子商务师（四级）考核结果"], ["学号", "姓名", "证书", "结果"],
            ["DD01", "甲", "电子商务师", "合格"], ["DD02", "乙", "电子商务师", "不合格"]]
    rows = [("DD01", "电子商务师", D(2024, 12, 1), True, None), ("DD02", "电子商务师", D(2024, 12, 1), False, None)]
    return Export("certificates_title_date_only", "exam date only in the title", {"考核结果.xlsx": render.xlsx({"S": grid})},
                  {"certificate_exams": rows}, {"pass_rate": (1, 2)})


@variant
def destinations_tsv_utf16() -> Export:
    """An export saved as "Unicode text" from Excel: UTF-16 with tabs."""
    grid = [["学号", "毕业年份", "去向"], ["EE01", "2022", "灵活就业"], ["EE02", "2022", "入伍"]]
    data = render.text(grid, delimiter="\t").decode("utf-8").encode("utf-16")
    rows = [("EE01", D(2022, 8, 31), "employed", None, None), ("EE02", D(2022, 8, 31), "enlisted", None, None)]
    return Export("destinations_tsv_utf16", "UTF-16 tab-separated text", {"去向.txt": data}, {"employment": rows},
                  {"employment": (2, 2)})


@variant
def mentors_roster_gbk_with_titles() -> Export:
    """The personnel office's GBK CSV: type words 专任/兼职, 双师 ticks."""
    grid = [["工号", "教师姓名", "类别", "工作年限", "双师素质"],
            ["FF-1", "高远", "专任教师", "9", "√"], ["FF-2", "林师傅", "兼职教师（企业）", "20", ""]]
    rows = [("FF-1", "高远", "school", 9.0, True), ("FF-2", "林师傅", "enterprise", 20.0, False)]
    return Export("mentors_roster_gbk_with_titles", "mentor kinds as 专任/兼职, tick list",
                  {"师资名单.csv": render.text(grid, encoding="gbk")}, {"mentors": rows})


@variant
def survey_with_numbered_header_row() -> Export:
    """A summary whose header row has ①② numbering and bracketed scales."""
    grid = [["企业名称", "调查日期", "①总体满意度（1-5分）", "②专业技能（1-5分）"],
            ["光华印务", "2025-05-20", "4", "5"]]
    rows = [("光华印务", D(2025, 5, 20), "", "overall", 4.0), ("光华印务", D(2025, 5, 20), "", "professional_skills", 5.0)]
    return Export("survey_with_numbered_header_row", "circled numbering and bracketed scales in headers",
                  {"满意度.csv": render.text(grid)}, {"satisfaction_surveys": rows})


@variant
def assessments_one_sheet_per_class() -> Export:
    """Assessment results with one sheet per class and the term in the file name."""
    grid = [["学号", "阶段", "理论成绩", "技能成绩", "职业素养成绩"]]
    sheets = {"数控2201班": grid + [["GG01", "技能阶段", "70", "80", "90"]],
              "数控2202班": grid + [["GG02", "技能阶段", "60", "75", "85"]]}
    rows = [("GG01", "2024-2025学年第二学期", "skill", 70.0, 80.0, 90.0),
            ("GG02", "2024-2025学年第二学期", "skill", 60.0, 75.0, 85.0)]
    return Export("assessments_one_sheet_per_class", "one sheet per class, term in the file name",
                  {"2024-2025学年第二学期考核.xlsx": render.xlsx(sheets)}, {"student_assessments": rows})


@variant
def benchmark_years_as_columns() -> Export:
    """A statistics bulletin table with years as columns."""
    grid = [["指标", "2021年", "2022年"], ["初次就业率", "93.1", "94.0"]]
    # no source column, a generic sheet name: the file says where the figures come from
    rows = [("统计公报", "initial_employment_rate", "2021", 0.931), ("统计公报", "initial_employment_rate", "2022", 0.94)]
    return Export("benchmark_years_as_columns", "years as columns", {"统计公报.xlsx": render.xlsx({"表1": grid})},
                  {"benchmarks": rows})


# -- Wording found nowhere in the vocabulary lists: by a head word, by the answers, by a title ------


@variant
def roster_status_system_year_month() -> Export:
    """The student status system (学籍): 学籍号, 入学时间 as a year-month, ethnic group and birth month."""
    grid = [["学籍号", "姓名", "性别", "出生年月", "民族", "班级名称", "专业名称", "入学时间"],
            ["HH2201", "甲", "女", "2007-01", "汉族", "22会计1班", "会计事务", "2022-09"],
            ["HH2202", "乙", "男", "2006-11", "回族", "22会计1班", "会计事务", "2022年9月"]]
    rows = [("HH2201", "甲", "22会计1班", 2022, None), ("HH2202", "乙", "22会计1班", 2022, None)]
    return Export("roster_status_system_year_month", "学籍 export, the cohort as a year-month",
                  {"学籍导出.xlsx": render.xlsx({"2022级": grid})}, {"students": rows})


@variant
def destinations_form_column_by_answers() -> Export:
    """A 就业形式 column (合同就业, 考取高职院校) and 薪酬（元/月）: the answers say it is the status."""
    grid = [["2024届毕业生就业情况"], ["序号", "学号", "姓名", "就业形式", "就业单位名称", "单位性质", "薪酬（元/月）"],
            ["1", "II01", "甲", "合同就业", "某公司", "民营", "3800"], ["2", "II02", "乙", "考取高职院校", "", "", ""],
            ["3", "II03", "丙", "应征入伍", "", "", ""]]
    rows = [("II01", D(2024, 8, 31), "employed", 3800.0, None), ("II02", D(2024, 8, 31), "further_study", None, None),
            ("II03", D(2024, 8, 31), "enlisted", None, None)]
    return Export("destinations_form_column_by_answers", "就业形式 and 薪酬: status found by its answers",
                  {"就业情况.xlsx": render.xlsx({"Sheet1": grid})}, {"employment": rows},
                  {"employment": (3, 3)})


@variant
def certificates_obtained_or_not() -> Export:
    """取证 words: 已取证/未取证 and a 考证时间 column."""
    grid = [["学号", "姓名", "证书名称", "考证时间", "是否取证"], ["JJ01", "甲", "电工", "2024-05-11", "已取证"],
            ["JJ02", "乙", "电工", "2024-05-11", "未取证"]]
    rows = [("JJ01", "电工", D(2024, 5, 11), True, None), ("JJ02", "电工", D(2024, 5, 11), False, None)]
    return Export("certificates_obtained_or_not", "已取证/未取证, 考证时间", {"取证统计.csv": render.text(grid)},
                  {"certificate_exams": rows}, {"pass_rate": (1, 2)})


@variant
def visit_register_headed_by_verbs() -> Export:
    """A visit register whose headers all start with 走访: 走访时间, 走访教师, 走访内容, 时长(小时)."""
    mentors = [("KK-1", "欧阳明", "校内导师")]
    grid = [["序号", "走访时间", "走访教师", "走访单位", "走访内容", "时长(小时)"],
            ["1", "2024-05-06", "欧阳明", "某厂", "看望实习学生", "2"], ["2", "2024-05-20", "欧阳明", "某厂", "巡查实习岗位", "1.5"]]
    acts = [("KK-1", D(2024, 5, 6), "enterprise_visit", 2.0), ("KK-1", D(2024, 5, 20), "enterprise_visit", 1.5)]
    return Export("visit_register_headed_by_verbs", "走访 headers, content words",
                  {"导师.xlsx": _log_mentors("KK", mentors), "走访登记.xlsx": render.xlsx({"走访": grid})},
                  {"mentor_activities": acts, "mentors": _mentor_rows(mentors)})


@variant
def wjx_question_numbers_as_words() -> Export:
    """问卷星 with 第N题 numbering and a question about hands-on ability."""
    head = ["序号", "提交答卷时间", "第1题 贵单位名称", "第2题 您对我校学生的总体满意度", "第3题 学生的动手操作能力"]
    grid = [head, ["1", "2024-06-01 10:00", "新港船舶", "满意", "很满意"], ["2", "2024-06-02 11:00", "新港船舶", "一般", "满意"]]
    rows = [("新港船舶", D(2024, 6, 1), "1", "overall", 4.0), ("新港船舶", D(2024, 6, 1), "1", "professional_skills", 5.0),
            ("新港船舶", D(2024, 6, 2), "2", "overall", 3.0), ("新港船舶", D(2024, 6, 2), "2", "professional_skills", 4.0)]
    return Export("wjx_question_numbers_as_words", "第N题 numbering", {"问卷.xlsx": render.xlsx({"Sheet1": grid})},
                  {"satisfaction_surveys": rows})


@variant
def mentor_appraisal_title_decides() -> Export:
    """考核类型/分数 under a title 2024年度导师考核: the title and the answers decide the table."""
    mentors = [("LL-1", "鲁迅达", "校内导师")]
    grid = [["2024年度导师考核"], ["导师工号", "导师姓名", "考核类型", "分数"], ["LL-1", "鲁迅达", "学生测评", "90"],
            ["LL-1", "鲁迅达", "企业测评", "85"]]
    rows = [("LL-1", "2024", "student", 90.0), ("LL-1", "2024", "enterprise", 85.0)]
    return Export("mentor_appraisal_title_decides", "a calendar-year appraisal, evaluators by their answers",
                  {"导师.xlsx": _log_mentors("LL", mentors), "导师考核.xlsx": render.xlsx({"Sheet1": grid})},
                  {"mentor_evaluations": rows, "mentors": _mentor_rows(mentors)})


@variant
def funding_budget_by_head_word() -> Export:
    """年度预算（万元） and 实际使用（万元）: the head word says budget, the unit scales it."""
    grid = [["项目", "资金来源", "年度预算（万元）", "实际使用（万元）", "年度"], ["津贴", "区财政", "3", "2.5", "2024"],
            ["耗材", "校企合作", "1.2", "1.25", "2024"]]
    rows = [(2024, "government", "津贴", 30000.0, 25000.0), (2024, "enterprise", "耗材", 12000.0, 12500.0)]
    return Export("funding_budget_by_head_word", "head words and units in headers", {"经费.xlsx": render.xlsx({"Sheet1": grid})},
                  {"funding": rows}, {"funding": (42000.0, 37500.0)})


@variant
def enterprise_mentors_without_staff_numbers() -> Export:
    """An enterprise mentor list: no staff number (the name stands for it), 从事本行业年限, 工作单位."""
    grid = [["企业导师信息表"], ["姓名", "工作单位", "职务", "技术职称", "从事本行业年限", "联系电话"],
            ["孟师傅", "某厂", "车间主任", "高级技师", "18", "13800000000"], ["贺工", "某厂", "工程师", "工程师", "7", "13900000000"]]
    rows = [("孟师傅", "孟师傅", "enterprise", 18.0, None), ("贺工", "贺工", "enterprise", 7.0, None)]
    return Export("enterprise_mentors_without_staff_numbers", "no staff numbers, type in the title",
                  {"企业导师.xlsx": render.xlsx({"Sheet1": grid})}, {"mentors": rows})


@variant
def report_card_with_letter_grade() -> Export:
    """A report card: 专业理论/专业技能 by their head words, a letter grade, 总评 left out."""
    grid = [["2023-2024学年第二学期成绩单"], ["学号", "姓名", "专业理论", "专业技能", "职业素养", "总评"],
            ["MM01", "甲", "78", "85", "A", "良好"], ["MM02", "乙", "66", "缺考", "C", "及格"]]
    rows = [("MM01", "2023-2024学年第二学期", None, 78.0, 85.0, 95.0), ("MM02", "2023-2024学年第二学期", None, 66.0, None, 75.0)]
    return Export("report_card_with_letter_grade", "head words, letter grades, an absence",
                  {"成绩单.xlsx": render.xlsx({"Sheet1": grid})}, {"student_assessments": rows})


@variant
def satisfaction_percent_long_table() -> Export:
    """A quality report's table: satisfaction in %, the survey year only."""
    grid = [["合作企业", "调查年份", "调查项目", "满意度（%）"], ["东方电梯", "2024", "总体满意度", "92"], ["东方电梯", "2024", "团队合作", "88"]]
    rows = [("东方电梯", D(2024, 1, 1), "", "overall", 92.0), ("东方电梯", D(2024, 1, 1), "", "teamwork", 88.0)]
    return Export("satisfaction_percent_long_table", "percent scores, a year for the date",
                  {"满意度.csv": render.text(grid)}, {"satisfaction_surveys": rows},
                  # (92 / 100) × 100 on the 0–100 scale
                  {"overall_mean": (92.0, 1)})


def build_all() -> list[Export]:
    """Every variant, built."""
    return [make() for make in VARIANTS]

