"""Demo region: ten more schools of 临江市 beside the two of the demo program, as a bureau sees them.

``load_region`` (``load_demo(region=True)``, ``dual-mentor demo --region``) adds schools of
different sizes and majors in four counties (滨江区, 西湖区, 江北县, 宁海县), each sending its
own returns through the importer: a history file per table (the years to 2024, sent on
2 September 2024) and the 2025 return (sent between 26 August and 4 September 2025). Every
import is dated and written to the audit log under the school's clerk, so the reporting page
has a story: 宁海县技工学校 sends its 2025 returns on 8 September, after the 5 September
deadline, and 江北县农业职业学校 sends nothing for 2025.

Majors differ in difficulty (数控 certificates are harder than 电子商务), and schools in
their intake of majors, so a school teaching harder majors has a lower crude pass rate but a
standardised ratio near 1; 宁海县职业教育中心 is truly better, 江北县第二中等职业学校 (small)
truly worse, the rest like the region. Seeded, vectorised, deterministic.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics import audit
from analytics.ingest import pipeline
from analytics.ingest.read import Limits

REGION = "临江市"
DEADLINE = dt.date(2025, 9, 5)  # the default ``[reporting] deadline`` of 2025
LATEST = 2025
CLERK = "clerk-{school}"  # the user who imports a school's returns
MAIN_SCHOOLS_SENT = dt.datetime(2025, 9, 3, 10, 0)  # the demo program's two schools (one shared file)
HISTORY_SENT = dt.datetime(2024, 9, 2, 9, 0)


@dataclass(frozen=True)
class RegionSchool:
    school_id: str
    name: str
    county: str
    size: float  # students per cohort and major, relative to 40
    majors: tuple[str, ...]
    effect: float  # log-odds shift of passing and of being placed (0 = like the region)
    sent: dt.datetime | None  # when the 2025 returns arrived (None: not sent)
    partners: bool = True  # dual-mentor students placed with the demo's partner enterprises


# Majors of the demo program and how hard their certificate is (pass probability of a
# student outside the program; a dual-mentor student's log-odds is 0.8 higher).
MAJOR_PASS = {"数控技术应用": 0.50, "汽车运用与维修": 0.58, "电子技术应用": 0.62, "计算机网络技术": 0.68,
              "会计事务": 0.74, "电子商务": 0.80}
MAJOR_PLACED = {"数控技术应用": 0.95, "汽车运用与维修": 0.94, "电子技术应用": 0.92, "计算机网络技术": 0.91,
                "会计事务": 0.90, "电子商务": 0.89}
CERTIFICATES = {"数控技术应用": "数控车工", "汽车运用与维修": "汽车维修工", "电子技术应用": "电工",
                "计算机网络技术": "网络系统建设与运维（1+X）", "会计事务": "业财一体信息化应用（1+X）",
                "电子商务": "网店运营推广（1+X）"}
# The demo's partner enterprises per major (sample.ENTERPRISE_NAMES, five per major in MAJORS order).
_MAJOR_ORDER = tuple(MAJOR_PASS)

SCHOOLS = (
    RegionSchool("3301031", "临江市滨江职业高级中学", "滨江区", 1.2, ("数控技术应用", "电子技术应用", "计算机网络技术"),
                 0.0, dt.datetime(2025, 8, 28, 15, 20)),
    RegionSchool("3301044", "临江市第二职业学校", "滨江区", 0.6, ("汽车运用与维修", "电子商务"), 0.0,
                 dt.datetime(2025, 9, 1, 10, 5)),
    RegionSchool("3301052", "临江市西湖旅游商贸学校", "西湖区", 0.8, ("会计事务", "电子商务"), 0.0,
                 dt.datetime(2025, 8, 26, 9, 40)),
    RegionSchool("3301066", "临江市艺术与设计职业学校", "西湖区", 0.25, ("电子商务", "计算机网络技术"), 0.0,
                 dt.datetime(2025, 9, 4, 16, 45)),
    RegionSchool("3302011", "江北县职业教育中心", "江北县", 1.0, ("数控技术应用", "汽车运用与维修", "会计事务"), 0.0,
                 dt.datetime(2025, 9, 2, 11, 10)),
    RegionSchool("3302023", "江北县第二中等职业学校", "江北县", 0.2, ("电子技术应用",), -1.0,
                 dt.datetime(2025, 9, 3, 14, 0)),
    RegionSchool("3302035", "江北县农业职业学校", "江北县", 0.4, ("电子商务", "会计事务"), 0.0, None, partners=False),
    RegionSchool("3303012", "宁海县职业教育中心", "宁海县", 1.3,
                 ("汽车运用与维修", "数控技术应用", "电子技术应用", "计算机网络技术"), 0.7,
                 dt.datetime(2025, 8, 29, 9, 30)),
    RegionSchool("3303027", "宁海县技工学校", "宁海县", 0.5, ("数控技术应用", "汽车运用与维修"), 0.0,
                 dt.datetime(2025, 9, 8, 17, 15)),
    RegionSchool("3303031", "宁海县城东职业学校", "宁海县", 0.3, ("计算机网络技术", "会计事务"), 0.0,
                 dt.datetime(2025, 9, 2, 8, 50)),
)
LATE_SCHOOL = "3303027"
SILENT_SCHOOL = "3302035"
COHORTS = np.arange(2018, 2026)
SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹"))
GIVEN = np.array(list("伟强磊军洋勇杰涛斌超明刚芳娜敏静丽艳娟霞燕玲婷雪慧莹倩琳颖"))


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _school_frames(k: int, school: RegionSchool, partners: tuple[str, ...], seed: int) -> dict[str, pd.DataFrame]:
    """Every row of one school: roster, mentors, exams, destinations, assessments, visits."""
    rng = np.random.default_rng([seed, k])
    per = max(3, round(40 * school.size))
    majors = np.array(school.majors)
    cohort = np.repeat(np.tile(COHORTS, len(majors)), per)
    major = np.repeat(np.repeat(majors, len(COHORTS)), per)
    n = len(cohort)
    seq = np.arange(1, n + 1)
    sid = np.char.add(f"{school.school_id}-", np.char.zfill(seq.astype(str), 5))
    dual = rng.random(n) < 0.6
    male = rng.random(n) < 0.6
    names = np.char.add(SURNAMES[rng.integers(0, len(SURNAMES), n)], GIVEN[rng.integers(0, len(GIVEN), n)])
    mentors_ids = np.array([f"{school.school_id}-T{j + 1:02d}" for j in range(len(majors) * 2)])
    mentor_major = np.repeat(majors, 2)
    pick = np.array([rng.choice(np.flatnonzero(mentor_major == m)) for m in major])
    major_index = np.array([_MAJOR_ORDER.index(m) for m in major])
    ent = np.array(partners)[major_index * 5 + rng.integers(0, 5, n)]
    partner = np.where(dual & school.partners, ent, "")
    students = pd.DataFrame({
        "学号": sid, "姓名": names, "性别": np.where(male, "男", "女"), "学校代码": school.school_id,
        "专业": major, "入学年份": cohort, "毕业年份": cohort + 3, "是否双导师": np.where(dual, "是", "否"),
        "校内导师工号": np.where(dual, mentors_ids[pick], ""), "合作企业": partner,
    })
    mentors = pd.DataFrame({
        "工号": mentors_ids, "姓名": [f"{school.name[:2]}导师{j + 1}" for j in range(len(mentors_ids))],
        "导师类型": "校内导师", "学校代码": school.school_id, "专业": mentor_major,
        "从业年限": rng.integers(3, 20, len(mentors_ids)), "是否双师型": "是",
        "职业资格证书": "职业资格证书", "聘任日期": "2018/9/1",
    })
    sat = np.flatnonzero(cohort + 2 <= LATEST)  # one sitting in June of the second year
    p_pass = _expit(_logit(np.array([MAJOR_PASS[m] for m in major[sat]])) + 0.8 * dual[sat] + school.effect)
    passed = rng.random(len(sat)) < p_pass
    exams = pd.DataFrame({
        "学号": sid[sat], "证书名称": [CERTIFICATES[m] for m in major[sat]],
        "考试日期": [f"{y}-06-18" for y in cohort[sat] + 2], "是否通过": np.where(passed, "通过", "未通过"),
        "成绩": np.where(passed, rng.integers(60, 99, len(sat)), rng.integers(30, 60, len(sat))),
    })
    grads = np.flatnonzero((cohort + 3 >= 2021) & (cohort + 3 <= LATEST))
    p_placed = _expit(_logit(np.array([MAJOR_PLACED[m] for m in major[grads]])) + 0.3 * dual[grads] + school.effect)
    placed = rng.random(len(grads)) < p_placed
    year = cohort[grads] + 3
    employment = pd.DataFrame({
        "学号": sid[grads], "毕业年份": year, "毕业去向": np.where(placed, "已就业", "待就业"),
        "就业单位": np.where(placed, partner[grads], ""), "调查日期": [f"{y}-08-31" for y in year],
    })
    at_school = [(i, y) for y in (2024, 2025) for i in np.flatnonzero((cohort <= y - 1) & (cohort + 3 >= y))]
    who = np.array([i for i, _ in at_school], dtype=int)
    term_year = np.array([y for _, y in at_school], dtype=int)
    base = 72 + 6 * school.effect
    assessments = pd.DataFrame({
        "学号": sid[who], "学期": [f"{y}-1" for y in term_year],
        "培养阶段": np.where(term_year - cohort[who] >= 2, "实习阶段", "技能阶段"),
        "理论成绩": np.clip(np.round(rng.normal(base, 8, len(who))), 0, 100),
        "技能成绩": np.clip(np.round(rng.normal(base + 3, 8, len(who))), 0, 100),
        "职业素养成绩": np.clip(np.round(rng.normal(base + 5, 6, len(who))), 0, 100),
    })
    visits = [(m, f"{y}-{mo:02d}-{d:02d}", j) for m in mentors_ids for y in (2024, 2025) for mo in range(3, 7)
              for j, d in enumerate((8, 22), start=1)]
    activities = pd.DataFrame(visits, columns=["导师工号", "活动日期", "n"]).assign(活动类型="下企业走访", 时长=4)
    return {"students": students, "mentors": mentors, "certificate_exams": exams, "employment": employment,
            "student_assessments": assessments, "mentor_activities": activities[["导师工号", "活动日期", "活动类型", "时长"]]}


# Year of each row for splitting a school's files into the history and the 2025 return.
_YEAR_OF = {
    "students": lambda fr: fr["入学年份"],
    "certificate_exams": lambda fr: fr["考试日期"].str[:4].astype(int),
    "employment": lambda fr: fr["毕业年份"],
    "student_assessments": lambda fr: fr["学期"].str[:4].astype(int),
    "mentor_activities": lambda fr: fr["活动日期"].str[:4].astype(int),
}
_FILE_WORDS = {"students": "学生花名册", "mentors": "导师花名册", "certificate_exams": "技能证书考试成绩",
               "employment": "毕业生就业情况", "student_assessments": "学生考核成绩", "mentor_activities": "导师活动记录"}
ORDER = ("students", "mentors", "certificate_exams", "employment", "student_assessments", "mentor_activities")


def returns(seed: int, partners: tuple[str, ...]) -> list[tuple[RegionSchool, str, str, pd.DataFrame, dt.datetime]]:
    """Every return of the region's new schools in the order they arrive: (school, table,
    file name, frame, time sent); history first, then the 2025 returns by arrival."""
    frames = {s.school_id: _school_frames(k, s, partners, seed) for k, s in enumerate(SCHOOLS)}
    history, latest = [], []
    for school in SCHOOLS:
        for table in ORDER:
            frame = frames[school.school_id][table]
            if table == "mentors":
                history.append((school, table, f"{school.school_id}_{_FILE_WORDS[table]}.csv", frame, HISTORY_SENT))
                continue
            year = _YEAR_OF[table](frame)
            history.append((school, table, f"{school.school_id}_{_FILE_WORDS[table]}_2024前.csv",
                            frame[year < LATEST], HISTORY_SENT))
            if school.sent is not None:
                latest.append((school, table, f"{school.school_id}_{_FILE_WORDS[table]}_{LATEST}.csv",
                               frame[year == LATEST], school.sent))
    latest.sort(key=lambda r: (r[4], ORDER.index(r[1])))
    return [r for r in history if len(r[3])] + [r for r in latest if len(r[3])]


def _stamp(con: duckdb.DuckDBPyConnection, results: list, when: dt.datetime) -> None:
    for r in results:
        if r.batch_id is not None:
            con.execute("UPDATE import_batches SET imported_at = ? WHERE batch_id = ?", [when, r.batch_id])


def schools_frame() -> pd.DataFrame:
    """The region's new schools as a schools sheet (学校代码, 学校名称, 所属区县, 所在地区)."""
    return pd.DataFrame([(s.school_id, s.name, s.county, REGION) for s in SCHOOLS],
                        columns=["学校代码", "学校名称", "所属区县", "所在地区"])


def load_region(con: duckdb.DuckDBPyConnection, main_results: list, *, seed: int, partners: tuple[str, ...],
                limits: Limits) -> list:
    """Import the region's schools and returns after the demo program (``main_results``, whose
    batches are dated as the two schools' shared return), dated and audited under each
    school's clerk. Returns the importer's SheetResults of the region's files."""
    _stamp(con, main_results, MAIN_SCHOOLS_SENT)
    audit.record_import(con, "clerk-bureau", main_results, now=MAIN_SCHOOLS_SENT)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "00_区域学校名录.csv"
        schools_frame().to_csv(path, index=False, encoding="utf-8-sig")
        results = pipeline.import_file(con, path, limits=limits)
        _stamp(con, results, HISTORY_SENT)
        audit.record_import(con, "clerk-bureau", results, now=HISTORY_SENT)
        out += results
        for school, table, name, frame, when in returns(seed, partners):
            path = Path(tmp) / name
            frame.to_csv(path, index=False, encoding="utf-8-sig")
            results = pipeline.import_file(con, path, table=table, limits=limits)
            _stamp(con, results, when)
            audit.record_import(con, CLERK.format(school=school.school_id), results, now=when)
            out += results
    return out
