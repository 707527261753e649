"""Demo data: a deterministic, realistic dual-mentor program written as school exports.

``generate`` writes the kind of spreadsheets two secondary vocational schools export
(Chinese headers, Chinese enum words, title rows, a merged two-row header, a GBK CSV,
a wide survey sheet, mixed date spellings) into a folder; ``load_demo`` imports them
through the importer, the same path a user takes. The program behind the files is
built so that the headline results of SPEC §1 come out with margin when computed as
SPEC §3 defines them: dual-mentor students pass about 27% more often (relative),
initial employment is above 92% in the latest years, enterprise satisfaction rises
about 18% from the first wave to the latest, and some mentors miss the visit,
teaching and qualification rules.

Everything is drawn from one seeded numpy generator per table, vectorised over
students, so the same seed gives byte-identical files and a million students take
seconds (above ``XLSX_MAX_STUDENTS`` every file is written as CSV, because writing
millions of spreadsheet cells is slow).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from openpyxl.styles import Alignment, Font

from analytics.errors import ConfigError
from analytics.ingest import pipeline
from analytics.ingest.read import Limits
from analytics.snapshot import set_snapshot_date
from analytics.stats import wilson_interval

# The generated files are trusted and, at a million students, larger than an upload may
# be (50 MB): the demo loads them with room to spare; uploads keep the default limits.
DEMO_LIMITS = Limits(max_bytes=2 * 1024**3, max_rows=20_000_000)

DEFAULT_STUDENTS = 2400
DEFAULT_SEED = 20240601
MIN_STUDENTS = 100  # enough for every cohort and major to have students
XLSX_MAX_STUDENTS = 20_000
# A larger CSV is cut into numbered parts, well under the importer's 50 MB upload limit.
MAX_ROWS_PER_FILE = 250_000
# Fixed time stamped into every xlsx (document properties and ZIP entries).
EXPORT_TIME = dt.datetime(2025, 9, 10, 8, 30, 0)

COHORTS = np.arange(2018, 2026)  # enrolment years; 3-year programmes graduate in cohort + 3
# Relative cohort sizes (the program grows) and share of each cohort in the dual-mentor program.
COHORT_WEIGHTS = np.array([260, 270, 285, 295, 305, 315, 325, 345], dtype=float)
DUAL_SHARE = np.array([0.35, 0.45, 0.55, 0.60, 0.65, 0.70, 0.72, 0.75])
GRADUATION_YEARS = np.arange(2021, 2026)
# Unemployment at the first survey by graduation year (placed = 1 - this; dual ±2 points).
UNEMPLOYED = np.array([0.100, 0.085, 0.075, 0.065, 0.060])
PASS_DUAL, PASS_OTHER = 0.80, 0.61  # certificate pass probability per attempt
SURVEY_WAVES = np.arange(2021, 2026)
# Mean satisfaction per wave on the 1–5 scale before rounding: 0–100 mean ~67 → ~79.
WAVE_MEAN = np.array([3.68, 3.80, 3.93, 4.06, 4.20])
ACTIVITY_MONTHS = pd.period_range("2023-09", "2025-06", freq="M")

SCHOOLS = (  # school ID, name, county (区县), region (市)
    ("3301012", "临江市机电职业技术学校", "滨江区", "临江市"),
    ("3301025", "临江市信息与商贸职业学校", "西湖区", "临江市"),
)


@dataclass(frozen=True)
class Major:
    name: str
    short: str
    school: int
    weight: float
    male_share: float
    certificate: str
    level: str
    industry: str
    qualification: str


MAJORS = (
    Major("数控技术应用", "数控", 0, 0.18, 0.90, "数控车工", "四级/中级工", "通用设备制造业",
          "数控车工（高级技师）"),
    Major("汽车运用与维修", "汽修", 0, 0.17, 0.88, "汽车维修工", "四级/中级工", "汽车制造与服务业",
          "汽车维修工（技师）"),
    Major("电子技术应用", "电子", 0, 0.15, 0.70, "电工", "四级/中级工",
          "计算机、通信和其他电子设备制造业", "电工（高级技师）"),
    Major("计算机网络技术", "网络", 1, 0.18, 0.65, "网络系统建设与运维（1+X）", "初级",
          "软件和信息技术服务业", "网络工程师"),
    Major("会计事务", "会计", 1, 0.15, 0.20, "业财一体信息化应用（1+X）", "初级", "商务服务业",
          "会计师"),
    Major("电子商务", "电商", 1, 0.17, 0.40, "网店运营推广（1+X）", "初级", "互联网和相关服务",
          "电子商务师（三级）"),
)

# Five partner enterprises per major, in MAJORS order.
ENTERPRISE_NAMES = (
    "临江华锐精密机械有限公司", "临江恒力数控设备有限公司", "浙东宏达机床制造有限公司",
    "临江永固精工科技有限公司", "临江东方精密模具有限公司",
    "临江通达汽车销售服务有限公司", "临江吉祥汽车维修有限公司", "临江远航汽车零部件有限公司",
    "临江众诚汽车服务有限公司", "临江华远新能源汽车有限公司",
    "临江光华电子科技有限公司", "临江海川电器有限公司", "临江科盛智能电气有限公司",
    "临江中恒电子有限公司", "临江明远电子元件有限公司",
    "临江云联网络科技有限公司", "临江数智信息技术有限公司", "临江天擎网络工程有限公司",
    "临江华信通信技术有限公司", "临江博安信息系统有限公司",
    "临江正信会计师事务所有限公司", "临江诚达财税服务有限公司", "临江汇金代理记账有限公司",
    "临江安和财务咨询有限公司", "临江鸿运商贸有限公司",
    "临江优品电子商务有限公司", "临江万家网络科技有限公司", "临江锦绣丝绸电子商务有限公司",
    "临江鲜达农产品电商有限公司", "临江快捷供应链管理有限公司",
)
COOPERATION_WORDS = ("订单班", "现代学徒制", "校中厂")
# Employers that are not partners, for graduates placed elsewhere.
OTHER_EMPLOYERS = np.array([
    f"{city}{word}{kind}有限公司"
    for city in ("临江", "宁海", "东阳", "江北")
    for word, kind in (("鑫达", "机械"), ("恒通", "汽车服务"), ("新锐", "电子"), ("云帆", "科技"),
                       ("金诚", "财务咨询"), ("优购", "电子商务"), ("华联", "商贸"), ("顺丰源", "物流"))
])

SURNAMES = np.array(list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "魏苏吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江薛尹段雷黎史龙陶贺顾毛"
))
_SURNAME_P = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8  # common surnames are much more common
_SURNAME_P /= _SURNAME_P.sum()
GIVEN_MALE = np.array(list("伟强磊军洋勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建亮成晨博文轩然峰睿泽航宏志家"))
GIVEN_FEMALE = np.array(list("芳娜敏静丽艳娟霞燕玲婷雪慧莹倩琳颖露瑶怡佳欣悦雨萱婧洁梦晴妍琪思彤璐薇月蕾涵嘉诗可"))

STATUS_WORDS = np.array(["已就业", "升学", "自主创业", "参军入伍", "待就业"])
LIKERT_WORDS = np.array(["", "非常不满意", "不满意", "一般", "满意", "非常满意"])
DIMENSION_WORDS = ("总体满意度", "专业技能", "工作态度", "学习能力", "团队协作", "创新能力")
# Dimension offsets on the 1–5 scale, and how much faster skills improved (per wave).
DIMENSION_OFFSET = np.array([0.05, -0.05, 0.15, 0.0, 0.1, -0.25])
DIMENSION_TREND = np.array([0.0, 0.04, 0.0, 0.0, 0.0, 0.02])
EVALUATOR_WORDS = {"school": "学校", "enterprise": "企业", "student": "学生", "third_party": "第三方"}
FUNDING_LINES = (  # source word, category, budget in 2021 (元), donor (index into enterprises) or -1
    ("学校", "导师津贴", 180_000, -1), ("学校", "教师企业实践", 60_000, -1),
    ("政府", "实训基地建设", 400_000, -1), ("政府", "现代学徒制试点奖补", 150_000, -1),
    # equipment for the on-campus factories, each donated by its enterprise (250,000 in all)
    *(("企业", "设备捐赠", amount, donor) for donor, amount in
      ((2, 60_000), (5, 50_000), (11, 45_000), (17, 40_000), (23, 35_000), (26, 20_000))),
    ("企业", "学生实习补贴", 120_000, -1), ("企业", "企业导师津贴", 90_000, -1),
)
HELD_BACK = 0.04  # share of the 2023 cohort's 2+1 students still assessed in the basic stage in year 2


@dataclass
class Sheet:
    """One export file: a frame plus how a school would have laid it out."""

    name: str
    frame: pd.DataFrame
    fmt: str = "xlsx"  # "xlsx" or "csv"
    title: tuple[str, ...] = ()  # lines above the header
    groups: tuple[tuple[str, int], ...] = ()  # merged cells above the header: (label, span)
    encoding: str = "utf-8-sig"
    date_columns: tuple[str, ...] = ()  # written as real date cells in xlsx
    # Rows may only be cut into separate files where this changes (keeps repeated keys,
    # numbered by ``seq`` within a file, in one file); None: anywhere.
    split_key: np.ndarray | None = None


@dataclass
class Program:
    """The people and partners of the program, as arrays (one entry per person)."""

    enterprise_id: np.ndarray
    enterprise_major: np.ndarray
    enterprise_form: np.ndarray  # index into COOPERATION_WORDS
    enterprise_since: np.ndarray  # datetime64[D]
    mentor_id: np.ndarray
    mentor_name: np.ndarray
    mentor_school: np.ndarray  # bool: school mentor (else enterprise mentor)
    mentor_major: np.ndarray
    mentor_enterprise: np.ndarray  # index into enterprises, -1 for school mentors
    mentor_appointed: np.ndarray  # datetime64[D]
    mentor_diligent: np.ndarray  # bool: usually meets the visit / teaching rule
    student_id: np.ndarray
    student_name: np.ndarray
    male: np.ndarray
    major: np.ndarray
    cohort: np.ndarray
    class_no: np.ndarray
    dual: np.ndarray
    school_mentor: np.ndarray  # index into mentors, -1 when not in the program
    enterprise_mentor: np.ndarray
    enterprise: np.ndarray  # index into enterprises, -1 when not in the program


def _rng(seed: int, table: int) -> np.random.Generator:
    """An independent stream per table, so changing one table leaves the others unchanged."""
    return np.random.default_rng([seed, table])


def _names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese names: a common surname and one or two given characters by gender."""
    n = len(male)
    surname = SURNAMES[rng.choice(len(SURNAMES), n, p=_SURNAME_P)]
    g1m = GIVEN_MALE[rng.integers(0, len(GIVEN_MALE), n)]
    g2m = GIVEN_MALE[rng.integers(0, len(GIVEN_MALE), n)]
    g1f = GIVEN_FEMALE[rng.integers(0, len(GIVEN_FEMALE), n)]
    g2f = GIVEN_FEMALE[rng.integers(0, len(GIVEN_FEMALE), n)]
    first = np.where(male, g1m, g1f)
    second = np.where(rng.random(n) < 0.7, np.where(male, g2m, g2f), "")
    return np.char.add(np.char.add(surname, first), second)


def _date_text(dates: np.ndarray, style: np.ndarray | str) -> np.ndarray:
    """Dates spelled as schools type them: "iso" 2024-06-20, "slash" 2024/6/20, "zh" 2024年6月20日.

    Spelled once per distinct (date, style) pair: a million rows hold only a few hundred days.
    """
    styles = np.array(["iso", "slash", "zh"])
    code = np.broadcast_to(np.searchsorted(styles, style), np.shape(dates))
    days = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
    pairs, inverse = np.unique(days * 3 + code, return_inverse=True)
    ts = pd.DatetimeIndex((pairs // 3).astype("datetime64[D]"))
    kind = styles[pairs % 3]
    text = np.array([
        f"{d.year}-{d.month:02d}-{d.day:02d}" if k == "iso"
        else f"{d.year}/{d.month}/{d.day}" if k == "slash"
        else f"{d.year}年{d.month}月{d.day}日"
        for d, k in zip(ts, kind)
    ])
    return text[inverse.reshape(np.shape(dates))]


def _cat(*parts: object) -> np.ndarray:
    """Element-wise concatenation of string arrays (and scalars), vectorised."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out


def _on(years: np.ndarray, month: int, day: int) -> np.ndarray:
    """The date ``month``/``day`` of each year, as ``datetime64[D]``."""
    months = (np.asarray(years) - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole counts proportional to ``weights`` that add up to ``total`` (largest remainder)."""
    raw = total * weights / weights.sum()
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: total - counts.sum()]] += 1
    return counts


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based position of each element among the elements of its (contiguous) group."""
    starts = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1]
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)


def _pick(rng: np.random.Generator, pools: list[np.ndarray], which: np.ndarray) -> np.ndarray:
    """For each element, a random member of ``pools[which]`` (vectorised over elements)."""
    sizes = np.array([len(p) for p in pools])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    flat = np.concatenate(pools)
    return flat[offsets[which] + (rng.random(len(which)) * sizes[which]).astype(np.int64)]


def build_program(students: int = DEFAULT_STUDENTS, seed: int = DEFAULT_SEED) -> Program:
    """The enterprises, mentors and students of the demo program (a mentor per 20 students)."""
    if students < MIN_STUDENTS:
        raise ConfigError("demo-too-few-students", minimum=MIN_STUDENTS, students=students)
    rng = _rng(seed, 1)
    n_ent = len(ENTERPRISE_NAMES)
    ent_major = np.repeat(np.arange(len(MAJORS)), n_ent // len(MAJORS))
    ent_form = np.arange(n_ent) % len(COOPERATION_WORDS)
    codes = rng.integers(0, 10, (n_ent, 8)).astype(str)
    letters = np.array(list("ABCDEFGHJKLMNPQRTUWXY"))[rng.integers(0, 21, (n_ent, 3))]
    ent_id = np.array([
        f"913301{''.join(c[:2])}MA2{''.join(lt)}{''.join(c[2:6])}" for c, lt in zip(codes, letters)
    ])
    since_year = np.where(np.arange(n_ent) % 10 == 9, 2022, rng.integers(2012, 2021, n_ent))
    since = (pd.to_datetime(pd.Series(since_year.astype(str) + "-01-01")).to_numpy()
             .astype("datetime64[D]") + rng.integers(0, 300, n_ent))

    # Mentors: half school, half enterprise; school mentors spread over majors,
    # enterprise mentors over enterprises, round robin.
    n_half = max(60, round(students / 40))
    n_mentors = 2 * n_half
    is_school = np.arange(n_mentors) < n_half
    m_major = np.where(is_school, np.arange(n_mentors) % len(MAJORS), 0)
    m_ent = np.where(is_school, -1, (np.arange(n_mentors) - n_half) % n_ent)
    m_major = np.where(is_school, m_major, ent_major[np.maximum(m_ent, 0)])
    m_id = np.where(
        is_school,
        np.char.add("JS", np.char.zfill((np.arange(n_mentors) + 1001).astype(str), 4)),
        np.char.add("QY", np.char.zfill((np.arange(n_mentors) - n_half + 1001).astype(str), 4)),
    )
    m_male = rng.random(n_mentors) < np.where(is_school, 0.55, 0.8)
    m_name = _names(rng, m_male)
    appointed = np.datetime64("2019-09-01") + 365 * rng.integers(0, 5, n_mentors)
    late = rng.random(n_mentors) < 0.05  # joined during the logged period
    appointed = np.where(late, np.datetime64("2024-09-01"), appointed).astype("datetime64[D]")
    diligent = rng.random(n_mentors) < 0.8

    # Students by cohort and major, in roster order (school, cohort, major).
    cohort_counts = _split(students, COHORT_WEIGHTS)
    major_w = np.array([m.weight for m in MAJORS])
    group_counts = np.concatenate([_split(int(c), major_w) for c in cohort_counts])
    g_cohort = np.repeat(COHORTS, len(MAJORS))
    g_major = np.tile(np.arange(len(MAJORS)), len(COHORTS))
    cohort = np.repeat(g_cohort, group_counts)
    major = np.repeat(g_major, group_counts)
    group = np.repeat(np.arange(len(group_counts)), group_counts)
    seq = _rank_within(group)
    class_no = seq // 45 + 1
    school = np.array([m.school for m in MAJORS])[major]
    width = max(4, len(str(int(group_counts.max()))))
    yy = np.char.zfill((cohort % 100).astype(str), 2)
    seq_s = np.char.zfill((seq + 1).astype(str), width + 1)
    # School A: 2018 01 00023; school B keeps a leading zero: 02 18 4 00023.
    id_a = np.char.add(np.char.add(cohort.astype(str), np.char.zfill((major + 1).astype(str), 2)),
                       seq_s)
    id_b = np.char.add(np.char.add(np.char.add("02", yy), (major + 1).astype(str)), seq_s)
    student_id = np.where(school == 0, id_a, id_b)
    male = rng.random(students) < np.array([m.male_share for m in MAJORS])[major]
    name = _names(rng, male)
    dual = rng.random(students) < DUAL_SHARE[cohort - COHORTS[0]]

    school_pools = [np.flatnonzero(is_school & (m_major == k)) for k in range(len(MAJORS))]
    ent_pools = [np.flatnonzero(ent_major == k) for k in range(len(MAJORS))]
    mentor_pools = [np.flatnonzero(m_ent == e) for e in range(n_ent)]
    enterprise = _pick(rng, ent_pools, major)
    # Enterprises that joined in 2022 take students from the 2022 cohort on.
    young = since_year[enterprise] >= 2022
    enterprise = np.where(young & (cohort < 2022), enterprise - 1, enterprise)
    s_mentor = _pick(rng, school_pools, major)
    e_mentor = _pick(rng, mentor_pools, enterprise)
    return Program(
        enterprise_id=ent_id, enterprise_major=ent_major, enterprise_form=ent_form,
        enterprise_since=since,
        mentor_id=m_id, mentor_name=m_name, mentor_school=is_school, mentor_major=m_major,
        mentor_enterprise=m_ent, mentor_appointed=appointed, mentor_diligent=diligent,
        student_id=student_id, student_name=name, male=male, major=major, cohort=cohort,
        class_no=class_no, dual=dual,
        school_mentor=np.where(dual, s_mentor, -1), enterprise_mentor=np.where(dual, e_mentor, -1),
        enterprise=np.where(dual, enterprise, -1),
    )


def _schools() -> Sheet:
    frame = pd.DataFrame(SCHOOLS, columns=["学校代码", "学校名称", "所属区县", "所在地区"])
    return Sheet("01_学校信息", frame, fmt="csv")


def _enterprises(p: Program, seed: int) -> Sheet:
    rng = _rng(seed, 2)
    n = len(p.enterprise_id)
    frame = pd.DataFrame({
        "企业编号": p.enterprise_id,
        "企业名称": ENTERPRISE_NAMES,
        "所属行业": [MAJORS[k].industry for k in p.enterprise_major],
        "合作形式": np.array(COOPERATION_WORDS)[p.enterprise_form],
        "合作起始日期": [d.item() for d in p.enterprise_since],
        "是否示范单位": np.where(rng.random(n) < 0.3, "是", "否"),
    })
    return Sheet(
        "02_合作企业名录", frame,
        title=("临江市职业教育校企合作企业名录（2025年）", "填报日期：2025年9月1日"),
        date_columns=("合作起始日期",),
    )


def _mentors(p: Program, seed: int, fmt: str) -> Sheet:
    rng = _rng(seed, 3)
    n = len(p.mentor_id)
    school = p.mentor_school
    # Most meet the rules; about one in ten misses the 3-year / 5-year rule, a few lack a
    # certificate.
    years = np.where(
        school,
        np.where(rng.random(n) < 0.1, rng.integers(1, 3, n), rng.integers(3, 26, n)),
        np.where(rng.random(n) < 0.12, rng.integers(2, 5, n), rng.integers(5, 28, n)),
    )
    qual_names = np.array([m.qualification for m in MAJORS])[p.mentor_major]
    ent_qual = np.array(["高级工", "技师", "高级技师", "工程师"])[rng.integers(0, 4, n)]
    qualification = np.where(school, qual_names, ent_qual)
    qualification = np.where(school & (rng.random(n) < 0.08), "", qualification)
    dual_q = np.where(school, np.where((qualification != "") & (rng.random(n) < 0.7), "是", "否"), "")
    majors = np.array([m.name for m in MAJORS])[p.mentor_major]
    school_of_major = np.array([m.school for m in MAJORS])
    school_code = np.array([s[0] for s in SCHOOLS])[school_of_major[p.mentor_major]]
    frame = pd.DataFrame({
        "工号": p.mentor_id,
        "姓名": p.mentor_name,
        "导师类型": np.where(school, "校内导师", "企业导师"),
        "学校代码": school_code,
        "企业编号": np.where(school, "", p.enterprise_id[np.maximum(p.mentor_enterprise, 0)]),
        "专业": majors,
        "从业年限": years,
        "是否双师型": dual_q,
        "职业资格证书": qualification,
        "聘任日期": _date_text(p.mentor_appointed, "slash"),
    })
    return Sheet("03_双导师队伍花名册", frame, fmt=fmt)


def _students(p: Program, school: int, fmt: str) -> Sheet:
    rows = np.flatnonzero(np.array([m.school for m in MAJORS])[p.major] == school)
    major = p.major[rows]
    short = np.array([m.short for m in MAJORS])[major]
    klass = _cat(short, np.char.zfill((p.cohort[rows] % 100).astype(str), 2),
                 np.char.zfill(p.class_no[rows].astype(str), 2), "班")
    dual = p.dual[rows]
    ent = p.enterprise[rows]
    apprentice = _apprentice(p)[rows]
    frame = pd.DataFrame({
        "学号": p.student_id[rows],
        "姓名": p.student_name[rows],
        "性别": np.where(p.male[rows], "男", "女"),
        "学校代码": SCHOOLS[school][0],
        "专业": np.array([m.name for m in MAJORS])[major],
        "班级": klass,
        "入学年份": p.cohort[rows],
        "毕业年份": p.cohort[rows] + 3,
        "培养模式": np.where(apprentice, "1.5+1.5", "2+1"),
        "是否双导师": np.where(dual, "是", "否"),
        "校内导师工号": np.where(dual, p.mentor_id[np.maximum(p.school_mentor[rows], 0)], ""),
        "企业导师工号": np.where(dual, p.mentor_id[np.maximum(p.enterprise_mentor[rows], 0)], ""),
        "合作企业": np.where(dual, np.array(ENTERPRISE_NAMES)[np.maximum(ent, 0)], ""),
    })
    if school == 0:
        return Sheet("04_学生花名册_机电", frame, fmt=fmt,
                     groups=(("基本信息", 8), ("培养信息", 5)) if fmt == "xlsx" else ())
    return Sheet("05_学生花名册_信息商贸", frame, fmt="csv")


def _certificates(p: Program, seed: int, fmt: str) -> Sheet:
    """One attempt in June of the second year; about three in four who fail retake in December."""
    rng = _rng(seed, 4)
    sat = np.flatnonzero(p.cohort + 2 <= 2025)
    n = len(sat)
    school = np.array([m.school for m in MAJORS])[p.major[sat]]
    exam_day = np.where(school == 0, 15, 22)
    first = pd.to_datetime(pd.Series((p.cohort[sat] + 2).astype(str) + "-06-01")).to_numpy()
    first = first.astype("datetime64[D]") + (exam_day - 1)
    p_pass = np.where(p.dual[sat], PASS_DUAL, PASS_OTHER)
    passed1 = rng.random(n) < p_pass
    retake = ~passed1 & (rng.random(n) < 0.75)
    second = first + 180
    passed2 = rng.random(n) < p_pass
    who = np.r_[sat, sat[retake]]
    dates = np.r_[first, second[retake]]
    passed = np.r_[passed1, passed2[retake]]
    m = len(who)
    score = np.where(passed, rng.integers(60, 99, m), rng.integers(32, 60, m))
    order = np.lexsort((dates, who))
    who, dates, passed, score = who[order], dates[order], passed[order], score[order]
    frame = pd.DataFrame({
        "学号": p.student_id[who],
        "姓名": p.student_name[who],
        "专业": np.array([mj.name for mj in MAJORS])[p.major[who]],
        "证书名称": np.array([mj.certificate for mj in MAJORS])[p.major[who]],
        "证书等级": np.array([mj.level for mj in MAJORS])[p.major[who]],
        "考试日期": [d.item() for d in dates] if fmt == "xlsx" else _date_text(dates, "iso"),
        "成绩": score,
        "是否通过": np.where(passed, "通过", "未通过"),
    })
    return Sheet("06_技能证书考试成绩", frame, fmt=fmt,
                 date_columns=("考试日期",) if fmt == "xlsx" else ())


@dataclass
class _Placement:
    who: np.ndarray  # student index
    status: np.ndarray  # index into STATUS_WORDS
    partner: np.ndarray  # enterprise index or -1
    employer: np.ndarray  # employer name ("" when not employed)
    salary: np.ndarray  # float, NaN when not employed


def _salary(rng: np.random.Generator, years: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """Monthly pay in yuan, 3,500–6,500 in steps of 100: rising by year, higher at partners."""
    base = 3900 + 180 * (years - 2021) + np.where(partner >= 0, 300, 0)
    return np.clip(np.round((base + rng.normal(0, 550, len(years))) / 100) * 100, 3500, 6500)


def _first_statuses(p: Program, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The graduates reached by the first survey, their graduation year and status
    (employed 0, further study 1, self-employed 2, enlisted 3, unemployed 4): the first
    draws of the employment stream, so the demo's actions can quote the figures of their day."""
    grads = np.flatnonzero(np.isin(p.cohort + 3, GRADUATION_YEARS))
    grads = grads[rng.random(len(grads)) >= 0.02]  # a few graduates could not be reached
    year = p.cohort[grads] + 3
    unemployed = UNEMPLOYED[year - GRADUATION_YEARS[0]] + np.where(p.dual[grads], -0.02, 0.02)
    u = rng.random(len(grads))
    status = np.select(
        [u < unemployed, u < unemployed + 0.27, u < unemployed + 0.30, u < unemployed + 0.33],
        [4, 1, 2, 3], 0,
    )
    return grads, year, status


def _employment(p: Program, seed: int, fmt: str) -> tuple[Sheet, Sheet]:
    """The first survey (31 August of the graduation year) and a follow-up a year later."""
    rng = _rng(seed, 5)
    grads, year, status = _first_statuses(p, rng)
    n = len(grads)
    dual = p.dual[grads]
    employed = status == 0
    own = p.enterprise[grads]
    at_own = employed & dual & (rng.random(n) < 0.6)
    partners_of_major = [np.arange(k * 5, k * 5 + 5) for k in range(len(MAJORS))]
    other_partner = _pick(rng, partners_of_major, p.major[grads])
    at_other_partner = employed & ~at_own & (rng.random(n) < 0.2)
    partner = np.where(at_own, own, np.where(at_other_partner, other_partner, -1))
    outside = OTHER_EMPLOYERS[rng.integers(0, len(OTHER_EMPLOYERS), n)]
    employer = np.where(partner >= 0, np.array(ENTERPRISE_NAMES)[np.maximum(partner, 0)],
                        np.where(employed, outside, ""))
    salary = np.where(employed | (status == 2), _salary(rng, year, partner), np.nan)
    is_related = rng.random(n) < np.where(partner >= 0, 0.92, 0.6)
    related = np.where(employed, np.where(is_related, "是", "否"), "")
    start = _on(year, 7, 1) + rng.integers(0, 45, n)
    survey = _on(year, 8, 31)
    first = _Placement(grads, status, partner, employer, salary)
    initial = pd.DataFrame({
        "学号": p.student_id[grads],
        "姓名": p.student_name[grads],
        "专业": np.array([m.name for m in MAJORS])[p.major[grads]],
        "毕业年份": year,
        "毕业去向": STATUS_WORDS[status],
        "就业单位": employer,
        "合作企业": np.where(partner >= 0, employer, ""),
        "是否专业对口": related,
        "入职日期": np.where(employed, _date_text(start, "iso"), ""),
        "月薪": salary,
        "调查日期": _date_text(survey, "iso"),
    })
    initial_sheet = Sheet(
        "07_毕业生初次就业情况统计表", initial, fmt=fmt,
        title=("临江市中等职业学校2021—2025届毕业生就业质量统计表", "填报日期：2025年9月10日"),
    )
    return initial_sheet, _follow_up(p, rng, first, year)


def _follow_up(p: Program, rng: np.random.Generator, first: _Placement, year: np.ndarray) -> Sheet:
    """One year on, graduates of 2021–2024: most of the employed stay, some move, half of the
    unplaced find work."""
    keep = year <= GRADUATION_YEARS[-2]
    who, status, partner = first.who[keep], first.status[keep], first.partner[keep]
    employer = first.employer[keep]
    yr = year[keep]
    n = len(who)
    u = rng.random(n)
    stays = (status == 0) & (u < np.where(partner >= 0, 0.85, 0.72))
    moves = (status == 0) & ~stays & (u < 0.95)
    finds = (status == 4) & (u < 0.5)
    new_status = np.where(moves | finds, 0, np.where((status == 0) & ~stays, 4, status))
    elsewhere = OTHER_EMPLOYERS[rng.integers(0, len(OTHER_EMPLOYERS), n)]
    new_employer = np.where(stays, employer, np.where(moves | finds, elsewhere, ""))
    new_partner = np.where(stays, partner, -1)
    salary = np.where(new_status == 0, _salary(rng, yr + 1, new_partner), np.nan)
    survey = _on(yr + 1, 9, 15)
    frame = pd.DataFrame({
        "学号": p.student_id[who],
        "姓名": p.student_name[who],
        "毕业年份": yr,
        "调查日期": _date_text(survey, "slash"),
        "就业状态": STATUS_WORDS[new_status],
        "就业单位": new_employer,
        "合作企业": np.where(new_partner >= 0, new_employer, ""),
        "月薪": salary,
    })
    return Sheet("08_毕业生跟踪调查", frame, fmt="csv")


def _survey_scores(
    rng: np.random.Generator, wave: np.ndarray, ent: np.ndarray, n_ent: int
) -> np.ndarray:
    """Scores 1–5, one column per dimension, for responses in ``wave`` from enterprise ``ent``."""
    ent_effect = rng.normal(0, 0.2, n_ent)[ent]
    k = wave - SURVEY_WAVES[0]
    mean = (WAVE_MEAN[k] + ent_effect)[:, None] + DIMENSION_OFFSET + np.outer(k, DIMENSION_TREND)
    return np.clip(np.rint(mean + rng.normal(0, 0.7, mean.shape)), 1, 5).astype(int)


def _satisfaction(p: Program, seed: int) -> tuple[Sheet, Sheet]:
    """2021–2023 as a wide sheet in words with named respondents; 2024–2025 as an anonymous
    online questionnaire export in numbers, one row per dimension."""
    rng = _rng(seed, 6)
    n_ent = len(p.enterprise_id)
    since_year = pd.DatetimeIndex(p.enterprise_since).year.to_numpy()
    waves, ents = np.meshgrid(SURVEY_WAVES, np.arange(n_ent), indexing="ij")
    waves, ents = waves.ravel(), ents.ravel()
    active = since_year[ents] <= waves
    waves, ents = waves[active], ents[active]
    responses = rng.integers(2, 5, len(waves))
    wave = np.repeat(waves, responses)
    ent = np.repeat(ents, responses)
    scores = _survey_scores(rng, wave, ent, n_ent)
    day = np.repeat(rng.integers(0, 20, len(waves)), responses)
    date = _on(wave, 12, 1) + day
    names = np.array(ENTERPRISE_NAMES)[ent]

    early = wave <= 2023
    # "人事部王经理": each response of a wave comes from another department.
    departments = np.array(["人事部", "生产部", "技术部", "行政部"])
    roles = np.array(["经理", "主管", "主任"])
    surname = _names(rng, rng.random(len(wave)) < 0.6).astype("U1")
    nth = _rank_within(np.repeat(np.arange(len(waves)), responses))
    respondent = _cat(departments[nth], surname, roles[rng.integers(0, len(roles), len(wave))])
    wide = pd.DataFrame({"企业名称": names[early], "调查日期": _date_text(date[early], "zh"),
                         "填写人": respondent[early]})
    for j, word in enumerate(DIMENSION_WORDS):
        wide[word] = LIKERT_WORDS[scores[early, j]]
    wide_sheet = Sheet("09_用人单位满意度调查_2021-2023", wide,
                       title=("用人单位对毕业生满意度调查汇总表（2021—2023年）",))

    late = np.flatnonzero(~early)
    dims = len(DIMENSION_WORDS)
    long = pd.DataFrame({
        "企业名称": np.repeat(names[late], dims),
        "调查日期": np.repeat(_date_text(date[late], "slash"), dims),
        "评价维度": np.tile(np.array(DIMENSION_WORDS), len(late)),
        "评分": scores[late].ravel(),
        "满分": 5,
    })
    return wide_sheet, Sheet("10_企业满意度问卷_2024-2025", long, fmt="csv")


def _activities(p: Program, seed: int) -> Sheet:
    """The mentor activity log, September 2023 – June 2025, as the GBK CSV the office PC exports.

    School mentors visit enterprises about 2–3 times a month (less in the winter and summer
    breaks); one in five is usually below the rule. Enterprise mentors teach at the school
    4–6 times a semester; one in five falls short. Mentors appear from their appointment on.
    """
    rng = _rng(seed, 7)
    months = ACTIVITY_MONTHS
    n_m, n_months = len(p.mentor_id), len(months)
    month_start = months.to_timestamp().to_numpy().astype("datetime64[D]")
    month_days = months.days_in_month.to_numpy()
    holiday = np.isin(months.month.to_numpy(), [1, 2, 7])
    on_roster = p.mentor_appointed[:, None] <= (month_start + month_days - 1)[None, :]

    # School mentors: enterprise visits per month.
    diligent = p.mentor_diligent[:, None]
    shape = (n_m, n_months)
    missed = rng.random(shape) < np.where(holiday, 0.3, 0.06)
    visits = np.where(
        diligent,
        np.where(missed, rng.poisson(1.0, shape), 2 + rng.poisson(0.5, shape)),
        rng.poisson(np.where(holiday, 0.6, 1.4), shape),
    )
    visits = np.where(p.mentor_school[:, None] & on_roster, visits, 0)
    # Enterprise mentors: teaching sessions per semester, spread over its teaching months.
    # Semester number: 2 x year for spring (Feb–Jul), 2 x year + 1 for autumn (Aug–Jan).
    month_no, year_no = months.month.to_numpy(), months.year.to_numpy()
    semester_of_month = np.where(month_no >= 8, year_no * 2 + 1,
                                 np.where(month_no == 1, year_no * 2 - 1, year_no * 2))
    semesters, sem_index = np.unique(semester_of_month, return_inverse=True)
    per_sem = np.where(
        p.mentor_diligent[:, None],
        np.where(rng.random((n_m, len(semesters))) < 0.1, rng.integers(2, 4, (n_m, len(semesters))),
                 4 + rng.poisson(1.0, (n_m, len(semesters)))),
        rng.poisson(2.5, (n_m, len(semesters))),
    )
    teaching_month = ~holiday & ~np.isin(months.month.to_numpy(), [8, 6])
    teach = np.zeros((n_m, n_months), dtype=np.int64)
    for s in range(len(semesters)):  # a handful of semesters, vectorised over mentors
        cols = np.flatnonzero((sem_index == s) & teaching_month)
        teach[:, cols] = rng.multinomial(per_sem[:, s], np.full(len(cols), 1 / len(cols)))
    teach = np.where(~p.mentor_school[:, None] & on_roster, teach, 0)
    # Other activities: student meetings (both types), occasional joint R&D.
    meetings = (on_roster & ~holiday & (rng.random(shape) < 0.35)).astype(np.int64)
    research = (on_roster & ~holiday & (rng.random(shape) < 0.04)).astype(np.int64)

    kinds = (("企业走访", visits, (2.0, 3.0, 4.0)), ("进校授课", teach, (2.0, 4.0)),
             ("师生交流", meetings, (1.0, 1.5)), ("联合研发", research, (3.0, 4.0)))
    notes_pool = {
        "企业走访": np.array(["走访合作企业，了解学生实习情况", "与企业导师沟通教学计划", "检查学生岗位实习安全", ""]),
        "进校授课": np.array(["实操示范课", "企业案例讲授", "技能训练指导", ""]),
        "师生交流": np.array(["职业生涯规划指导", "学生座谈", ""]),
        "联合研发": np.array(["校企联合开发课程", "教材编写研讨"]),
    }
    parts = []
    for word, counts, hours in kinds:
        flat = counts.ravel()
        idx = np.repeat(np.arange(flat.size), flat)
        mentor, month = np.divmod(idx, n_months)
        day = (rng.random(idx.size) * month_days[month]).astype(np.int64)
        date = month_start[month] + day
        date = np.maximum(date, p.mentor_appointed[mentor])
        pool = notes_pool[word]
        parts.append(pd.DataFrame({
            "mentor": mentor, "date": date, "活动类型": word,
            "时长": np.array(hours)[rng.integers(0, len(hours), idx.size)],
            "备注": pool[rng.integers(0, len(pool), idx.size)],
        }))
    log = pd.concat(parts, ignore_index=True).sort_values(["date", "mentor"], kind="stable")
    date = log["date"].to_numpy().astype("datetime64[D]")
    style = np.array(["slash", "iso", "zh"])[np.searchsorted([0.75, 0.93], rng.random(len(log)))]
    frame = pd.DataFrame({
        "导师工号": p.mentor_id[log["mentor"].to_numpy()],
        "活动日期": _date_text(date, style),
        "活动类型": log["活动类型"].to_numpy(),
        "时长": log["时长"].to_numpy(),
        "备注": log["备注"].to_numpy(),
    })
    return Sheet("11_导师活动记录", frame, fmt="csv", encoding="gbk", split_key=date)


def _apprentice(p: Program) -> np.ndarray:
    """Students in the 1.5+1.5 model: dual-mentor students placed with a modern-apprenticeship partner."""
    return p.dual & (p.enterprise_form[np.maximum(p.enterprise, 0)] == 1)


def _assessments(p: Program, seed: int, fmt: str) -> Sheet:
    """One assessment per completed stage: basic (year 1), skill (year 2; its first semester in
    the 1.5+1.5 model, whose internship starts in the second), internship (year 3). A few 2+1
    students of the 2023 cohort repeat the basic stage in their second year: overdue for the
    skill stage."""
    rng = _rng(seed, 8)
    stages = np.clip(2025 - p.cohort, 0, 3)
    who = np.repeat(np.arange(len(p.cohort)), stages)
    stage = _rank_within(who)
    n = len(who)
    start = p.cohort[who] + stage
    first_semester = (stage == 1) & _apprentice(p)[who]
    term = _cat(start, "-", start + 1, np.where(first_semester, "学年第一学期", "学年第二学期"))
    ability = rng.normal(0, 6, len(p.cohort))[who]
    bonus = np.where(p.dual[who], 3.0, 0.0)

    def score(mean: float, sd: float) -> np.ndarray:
        return np.clip(np.round(mean + ability + rng.normal(0, sd, n)), 30, 100)

    frame = pd.DataFrame({
        "学号": p.student_id[who],
        "姓名": p.student_name[who],
        "学期": term,
        "培养阶段": np.array(["基础阶段", "技能阶段", "实习阶段"])[stage],
        "理论成绩": score(74, 9),
        "技能成绩": score(76, 8) + bonus,
        "职业素养成绩": score(82, 6) + bonus / 2,
    })
    frame["技能成绩"] = frame["技能成绩"].clip(upper=100)
    frame["职业素养成绩"] = frame["职业素养成绩"].clip(upper=100)
    held = (p.cohort[who] == 2023) & (stage == 1) & ~_apprentice(p)[who] & (rng.random(n) < HELD_BACK)
    frame.loc[held, "培养阶段"] = "基础阶段"
    return Sheet("12_学生考核成绩", frame, fmt=fmt)


def _evaluations(p: Program, seed: int, fmt: str) -> Sheet:
    """Two school years; school mentors rated by enterprise, students and a third party,
    enterprise mentors by school, students and a third party (mutual evaluation)."""
    rng = _rng(seed, 9)
    periods = np.array(["2023-2024学年", "2024-2025学年"])
    n_m = len(p.mentor_id)
    quality = rng.normal(84, 5, n_m) + np.where(p.mentor_diligent, 2.0, -4.0)
    mentor = np.repeat(np.arange(n_m), len(periods) * 3)
    period = np.tile(np.repeat(np.arange(len(periods)), 3), n_m)
    slot = np.tile(np.arange(3), n_m * len(periods))
    school = p.mentor_school[mentor]
    mutual = np.where(school, EVALUATOR_WORDS["enterprise"], EVALUATOR_WORDS["school"])
    evaluator = np.where(slot == 0, mutual, np.where(slot == 1, EVALUATOR_WORDS["student"],
                                                     EVALUATOR_WORDS["third_party"]))
    score = np.clip(np.round(quality[mentor] + rng.normal(0, 4, len(mentor)), 1), 55, 99)
    frame = pd.DataFrame({
        "导师工号": p.mentor_id[mentor],
        "评价周期": periods[period],
        "评价主体": evaluator,
        "评价得分": score,
    })
    return Sheet("13_导师考核评价", frame, fmt=fmt)


def _funding(seed: int) -> Sheet:
    """Budget lines 2021–2025; an equipment donation names its enterprise (出资企业) and is kept
    apart from the others by its category, as the execution sheets of schools do."""
    rng = _rng(seed, 10)
    years = np.arange(2021, 2026)
    donors = np.array([d for *_, d in FUNDING_LINES])
    named = np.array([c if d < 0 else f"{c}·{_short(ENTERPRISE_NAMES[d])}" for _, c, _, d in FUNDING_LINES])
    source = np.tile([s for s, *_ in FUNDING_LINES], len(years))
    category = np.tile(named, len(years))
    base = np.tile([b for _, _, b, _ in FUNDING_LINES], len(years)).astype(float)
    year = np.repeat(years, len(FUNDING_LINES))
    budget = np.round(base * 1.08 ** (year - 2021) * rng.uniform(0.9, 1.1, len(year)), -3)
    # 2025 is still running: about half spent by September.
    execution = np.where(year == 2025, rng.uniform(0.45, 0.7, len(year)),
                         rng.uniform(0.82, 1.0, len(year)))
    donor = np.tile(np.array([ENTERPRISE_NAMES[d] if d >= 0 else "" for d in donors]), len(years))
    frame = pd.DataFrame({"年度": year, "经费来源": source, "支出类别": category,
                          "预算金额": budget, "实际支出": np.round(budget * execution, -2), "出资企业": donor})
    return Sheet("14_双导师制经费预算执行表", frame,
                 title=("校企合作双导师制专项经费预算执行情况表（单位：元）",))


# Province-wide figures of the kind an annual quality report publishes (invented for the
# demo, like everything here): indicator, then 2021…2025 as (numerator, denominator).
PROVINCE_FIGURES = (
    ("初次就业率", ((41_230, 45_610), (42_870, 47_020), (43_950, 48_100), (45_120, 49_230), (46_010, 50_050))),
    ("技能证书通过率", ((52_310, 77_900), (54_020, 79_350), (56_870, 81_640), (58_400, 83_020), (60_150, 84_700))),
    ("专业对口率", ((29_560, 41_230), (30_990, 42_870), (32_190, 43_950), (33_460, 45_120), (34_380, 46_010))),
)


def _benchmarks() -> Sheet:
    rows = [
        {"数据来源": "示例省中等职业教育质量年度报告", "发布机构": "示例省教育厅", "指标": name,
         "期间": str(2021 + i), "分组": "全省中职学校", "分子": num, "分母": den,
         "数值": round(100 * num / den, 2), "单位": "%"}
        for name, years in PROVINCE_FIGURES
        for i, (num, den) in enumerate(years)
    ]
    return Sheet("15_全省中职质量年报对标数据", pd.DataFrame(rows))


# -- Closing the loop: agreements, two-way training, the leadership group's actions -----------

# The day the demo describes (its files are dated 10 September 2025): the store is a snapshot of
# it (``analytics.snapshot``), so its deadlines read the same whatever the clock says.
DEMO_DAY = EXPORT_TIME.date()
AGREEMENT_YEARS = 3  # the usual term of a cooperation agreement
EXPIRING = 7  # enterprise whose agreement ends 51 days after DEMO_DAY
LAPSED = (12, 22)  # agreements ended 30 June 2025, not renewed: students still placed there
NEVER = 28  # a partner that never signed one
SHORT_MENTORS = (4, 16)  # promised three mentors, provides two
SHORT_PLACES = (10,)  # promised more internship places than it took interns
FUNDING_PROMISE = {2: 50_000, 5: 40_000, 11: 35_000, 17: 30_000, 23: 28_000, 26: 40_000}  # 26 gives less
# Two-way training: (year, month, day, hours, share of the mentors of the type attending).
TEACHING_SESSIONS = ((2023, 7, 10, 16, 0.35), (2023, 12, 9, 16, 0.35), (2024, 7, 8, 16, 0.45),
                     (2024, 12, 7, 16, 0.35), (2025, 7, 7, 16, 0.55))
PRODUCTION_SESSIONS = ((2023, 8, 21, 24, 0.5), (2024, 8, 19, 24, 0.5), (2025, 7, 21, 32, 0.82))
PRACTICE_SUMMERS = range(2021, 2026)
PRACTICE_RARE = 0.1  # share of school mentors who seldom practise in an enterprise
SPRING_MEETING = dt.date(2025, 3, 14)  # the leadership group's last meeting before DEMO_DAY
AUTUMN_MEETING = dt.date(2024, 9, 20)


def _short(name: str) -> str:
    """An enterprise's short name, as budget lines write it: 临江华锐精密机械有限公司 → 华锐精密机械."""
    core = name.removesuffix("有限公司")
    return core[2:] if core.startswith("临江") else core


def _add_years(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years)


def _agreements(p: Program, seed: int) -> Sheet:
    """The cooperation-agreement register: three-year agreements renewed back to back; on
    DEMO_DAY one is about to end, two have lapsed, one partner never signed, and a few
    partners promised more than the data shows (mentors, places, money)."""
    rng = _rng(seed, 11)
    n_ent = len(p.enterprise_id)
    interns = np.bincount(np.maximum(p.enterprise, 0), weights=(p.enterprise >= 0) & (p.cohort == 2023),
                          minlength=n_ent).astype(int)
    school_of_major = np.array([m.school for m in MAJORS])
    days = rng.integers(0, (dt.date(2025, 8, 20) - dt.date(2023, 1, 5)).days, n_ent)
    rows = []
    for e in range(n_ent):
        if e == NEVER:
            continue
        current = (dt.date(2022, 11, 1) if e == EXPIRING else dt.date(2022, 7, 1) if e in LAPSED
                   else dt.date(2023, 1, 5) + dt.timedelta(days=int(days[e])))
        since = pd.Timestamp(p.enterprise_since[e]).date()
        signed = [current]
        while _add_years(signed[-1], -AGREEMENT_YEARS) >= since:
            signed.append(_add_years(signed[-1], -AGREEMENT_YEARS))
        places = interns[e] + 4 if e in SHORT_PLACES else max(1, interns[e] - int(rng.integers(0, 3)))
        for day in reversed(signed):
            rows.append({
                "协议编号": f"LJXQ-{day.year}-{e + 1:03d}",
                "合作企业": ENTERPRISE_NAMES[e],
                "学校代码": SCHOOLS[school_of_major[p.enterprise_major[e]]][0],
                "签订日期": day,
                "到期日期": _add_years(day, AGREEMENT_YEARS) - dt.timedelta(days=1),
                "合作形式": COOPERATION_WORDS[p.enterprise_form[e]],
                "约定企业导师人数": 3 if e in SHORT_MENTORS else 2,
                "约定实习岗位数": places,
                "共建实训基地": "是" if p.enterprise_form[e] == 2 else "否",
                "约定年度投入（元）": FUNDING_PROMISE.get(e),
            })
    frame = pd.DataFrame(rows)
    return Sheet("16_校企合作协议台账", frame, title=("临江市职业教育校企合作协议台账（截至2025年9月）",),
                 date_columns=("签订日期", "到期日期"))


def _training_log(p: Program, seed: int) -> pd.DataFrame:
    """Every two-way training record: mentor (index), type word, start, end, hours, course,
    host enterprise (index or -1). Enterprise mentors attend the school's teaching-methods
    courses; school mentors the partners' technology courses (many more in 2025, after the
    spring meeting asked for it) and practise in an enterprise in the summer holidays."""
    rng = _rng(seed, 12)
    n_m = len(p.mentor_id)
    parts = []
    for year, month, day, hours, share in TEACHING_SESSIONS:
        start = dt.date(year, month, day)
        who = np.flatnonzero(~p.mentor_school & (p.mentor_appointed <= np.datetime64(start))
                             & (rng.random(n_m) < share))
        parts.append(pd.DataFrame({"mentor": who, "type": "教学能力培训", "start": start,
                                   "end": start + dt.timedelta(days=1), "hours": hours,
                                   "course": "企业导师教学能力提升培训（说课、教学设计、课堂组织）", "host": -1}))
    for year, month, day, hours, share in PRODUCTION_SESSIONS:
        start = dt.date(year, month, day)
        who = np.flatnonzero(p.mentor_school & (p.mentor_appointed <= np.datetime64(start))
                             & (rng.random(n_m) < share))
        host = p.mentor_major[who] * 5 + rng.integers(0, 5, len(who))
        parts.append(pd.DataFrame({
            "mentor": who, "type": "生产技术培训", "start": start, "end": start + dt.timedelta(days=hours // 8 - 1),
            "hours": hours, "course": [f"{MAJORS[m].industry}新技术新工艺培训" for m in p.mentor_major[who]],
            "host": host}))
    rare = rng.random(n_m) < PRACTICE_RARE
    for year in PRACTICE_SUMMERS:
        start = np.datetime64(dt.date(year, 7, 6)) + rng.integers(0, 7, n_m)
        goes = np.where(rare, rng.random(n_m) < 0.3, rng.random(n_m) < 0.9)
        length = np.where(rare, 30, 60)
        who = np.flatnonzero(p.mentor_school & goes & (p.mentor_appointed <= start))
        host = p.mentor_major[who] * 5 + rng.integers(0, 5, len(who))
        parts.append(pd.DataFrame({
            "mentor": who, "type": "企业实践", "start": [pd.Timestamp(d).date() for d in start[who]],
            "end": [pd.Timestamp(d).date() for d in start[who] + length[who] - 1], "hours": np.nan,
            "course": "暑期教师企业实践（跟岗学习生产工艺）", "host": host}))
    return pd.concat(parts, ignore_index=True).sort_values(["start", "mentor"], kind="stable").reset_index(drop=True)


def _training(p: Program, seed: int) -> Sheet:
    log = _training_log(p, seed)
    frame = pd.DataFrame({
        "工号": p.mentor_id[log["mentor"].to_numpy()],
        "姓名": p.mentor_name[log["mentor"].to_numpy()],
        "培训类型": log["type"],
        "培训项目": log["course"],
        "开始日期": log["start"],
        "结束日期": log["end"],
        "学时": log["hours"],
        "实践企业": [ENTERPRISE_NAMES[h] if h >= 0 else "" for h in log["host"]],
    })
    return Sheet("17_双向培训记录", frame, title=("双导师双向培训与教师企业实践记录（2023—2025年）",),
                 date_columns=("开始日期", "结束日期"))


def _rate_on_day(k: int, n: int) -> dict:
    """A rate as the actions sheet states it: percentages as typed, counts exact."""
    low, high = wilson_interval(k, n)
    return {"决策时数值": f"{100 * k / n:.2f}%", "决策时区间下限": f"{100 * low:.2f}%",
            "决策时区间上限": f"{100 * high:.2f}%", "决策时分子": k, "决策时分母": n}


def _actions(p: Program, seed: int) -> Sheet:
    """The leadership group's action list: the autumn 2024 meeting's actions, all done, and the
    spring 2025 meeting's — two done (one figure up, one similar), one overdue whose figure has
    not moved, one still open. Values on the day are what the dashboard showed then: the
    latest graduation year (2024) and the latest training year (2024) before the meeting."""
    grads, year, status = _first_statuses(p, _rng(seed, 5))
    network = np.array([m.name for m in MAJORS]).tolist().index("计算机网络技术")
    in_2024 = year == 2024
    placed_all = int(((status != 4) & in_2024).sum()), int(in_2024.sum())
    net = in_2024 & (p.major[grads] == network)
    placed_net = int(((status != 4) & net).sum()), int(net.sum())
    log = _training_log(p, seed)
    started = pd.to_datetime(log["start"]).dt.year
    on_roster = p.mentor_appointed <= np.datetime64("2024-12-31")

    def trained(school: bool, word: str) -> tuple[int, int]:
        mentors = np.flatnonzero((p.mentor_school == school) & on_roster)
        done = set(log.loc[(log["type"] == word) & (started == 2024), "mentor"])
        return len(done & set(mentors.tolist())), len(mentors)

    blank = {"关联指标": "", "指标范围": "", "预期方向": "", "决策时数值": "", "决策时区间下限": "",
             "决策时区间上限": "", "决策时分子": "", "决策时分母": "", "决策时统计期": ""}
    rows = [
        {"会议日期": AUTUMN_MEETING, "督办事项": "梳理2024届毕业生去向，未就业毕业生逐一跟踪帮扶",
         "责任方": "学校方", "责任人": "招生就业处", "完成时限": dt.date(2024, 12, 31), "完成情况": "已完成",
         "完成日期": dt.date(2024, 12, 16), **blank, "关联指标": "初次就业率", "预期方向": "提高",
         **_rate_on_day(*placed_all), "决策时统计期": "2024", "备注": "2024年秋季领导小组会议"},
        {"会议日期": AUTUMN_MEETING, "督办事项": "修订《双导师制考核办法》，将走访企业次数纳入校内导师考核",
         "责任方": "学校方", "责任人": "教务处", "完成时限": dt.date(2025, 1, 31), "完成情况": "已完成",
         "完成日期": dt.date(2025, 1, 10), **blank, "备注": "2024年秋季领导小组会议"},
        {"会议日期": SPRING_MEETING, "督办事项": "计算机网络技术专业开展毕业生就业专项帮扶（专场招聘、一对一指导）",
         "责任方": "学校方", "责任人": "信息商贸学校招生就业处", "完成时限": dt.date(2025, 8, 31),
         "完成情况": "已完成", "完成日期": dt.date(2025, 8, 29), **blank, "关联指标": "初次就业率",
         "指标范围": "major=计算机网络技术", "预期方向": "提高", **_rate_on_day(*placed_net),
         "决策时统计期": "2024", "备注": "2025年春季领导小组会议"},
        {"会议日期": SPRING_MEETING, "督办事项": "合作企业为校内导师开设新技术新工艺培训，年度覆盖率不低于80%",
         "责任方": "企业方", "责任人": "各合作企业技术部", "完成时限": dt.date(2025, 8, 31), "完成情况": "已完成",
         "完成日期": dt.date(2025, 8, 22), **blank, "关联指标": "校内导师生产技术培训覆盖率", "预期方向": "提高",
         **_rate_on_day(*trained(True, "生产技术培训")), "决策时统计期": "2024", "备注": "2025年春季领导小组会议"},
        {"会议日期": SPRING_MEETING, "督办事项": "组织企业导师参加教学能力培训，年度覆盖率不低于80%",
         "责任方": "企业方", "责任人": "各合作企业人力资源部", "完成时限": dt.date(2025, 7, 31),
         "完成情况": "推进中", "完成日期": "", **blank, "关联指标": "企业导师教学能力培训覆盖率",
         "预期方向": "提高", **_rate_on_day(*trained(False, "教学能力培训")), "决策时统计期": "2024",
         "备注": "2025年春季领导小组会议；7月培训参训不足"},
        {"会议日期": SPRING_MEETING, "督办事项": "修订《企业导师聘任与管理办法》，明确企业导师到校授课要求",
         "责任方": "学校方", "责任人": "校企合作办公室", "完成时限": dt.date(2025, 12, 31), "完成情况": "推进中",
         "完成日期": "", **blank, "备注": "2025年春季领导小组会议"},
    ]
    return Sheet("18_领导小组督办事项", pd.DataFrame(rows), title=("双导师制工作领导小组督办事项台账",),
                 date_columns=("会议日期", "完成时限", "完成日期"))


def sheets(students: int = DEFAULT_STUDENTS, seed: int = DEFAULT_SEED) -> Iterator[Sheet]:
    """Every export of the demo program, in load order (referenced tables first), one at a
    time so that only one large frame is held in memory."""
    p = build_program(students, seed)
    fmt = "xlsx" if students <= XLSX_MAX_STUDENTS else "csv"
    yield _schools()
    yield _enterprises(p, seed)
    yield _mentors(p, seed, fmt)
    yield _students(p, 0, fmt)
    yield _students(p, 1, fmt)
    yield _certificates(p, seed, fmt)
    yield from _employment(p, seed, fmt)
    yield from _satisfaction(p, seed)
    yield _activities(p, seed)
    yield _assessments(p, seed, fmt)
    yield _evaluations(p, seed, fmt)
    yield _funding(seed)
    yield _benchmarks()
    yield _agreements(p, seed)
    yield _training(p, seed)
    yield _actions(p, seed)


def _cell(value: object) -> object:
    """A frame value as an openpyxl cell value (blank for missing, plain Python numbers)."""
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_xlsx(sheet: Sheet, path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    width = len(sheet.frame.columns)
    row = 1
    for line in sheet.title:
        ws.cell(row, 1, line).font = Font(bold=row == 1, size=14 if row == 1 else 11)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    if sheet.groups:
        col = 1
        for label, span in sheet.groups:
            ws.cell(row, col, label).alignment = Alignment(horizontal="center")
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + span - 1)
            col += span
        row += 1
    for j, header in enumerate(sheet.frame.columns, start=1):
        ws.cell(row, j, header).font = Font(bold=True)
    date_cols = {sheet.frame.columns.get_loc(c) for c in sheet.date_columns}
    for values in sheet.frame.itertuples(index=False, name=None):
        row += 1
        for j, value in enumerate(values):
            cell = ws.cell(row, j + 1, _cell(value))
            if j in date_cols:
                cell.number_format = "yyyy-mm-dd"
    wb.properties.creator = "教务处"
    buffer = io.BytesIO()
    wb.save(buffer)
    _freeze_zip(buffer.getvalue(), path)


def _freeze_zip(data: bytes, path: Path) -> None:
    """Rewrite an xlsx with fixed ZIP entry times and document times, so bytes are reproducible."""
    stamp = EXPORT_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    with src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>" + stamp.encode(), content)
            entry = zipfile.ZipInfo(info.filename, date_time=EXPORT_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)


def _write_csv(sheet: Sheet, path: Path) -> None:
    """CSV as Excel saves it (no quotes, CRLF), written by Arrow in batches: fast for millions
    of rows."""
    table = pa.Table.from_pandas(sheet.frame, preserve_index=False)
    width = table.num_columns
    head = [line + "," * (width - 1) for line in sheet.title] + [",".join(table.column_names)]
    options = pacsv.WriteOptions(include_header=False, quoting_style="none", eol="\r\n")
    utf8 = sheet.encoding.startswith("utf-8")
    with path.open("wb") as fh:
        fh.write(("\r\n".join(head) + "\r\n").encode(sheet.encoding))
        for batch in table.to_batches(max_chunksize=200_000):
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, options)
            data = buffer.getvalue()
            fh.write(data if utf8 else data.decode("utf-8").encode(sheet.encoding))


def _parts(sheet: Sheet) -> list[pd.DataFrame]:
    """The sheet's rows, cut into equal files of about ``MAX_ROWS_PER_FILE`` rows at most for a
    large CSV (a cut moves back to the last change of ``split_key``)."""
    n = len(sheet.frame)
    if sheet.fmt != "csv" or n <= MAX_ROWS_PER_FILE:
        return [sheet.frame]
    files = -(-n // MAX_ROWS_PER_FILE)
    targets = np.arange(1, files) * n // files  # equal parts, no tiny last file
    if sheet.split_key is None:
        cuts = targets
    else:  # the last allowed cut at or before each target
        key = sheet.split_key
        allowed = np.flatnonzero(key[1:] != key[:-1]) + 1
        if not len(allowed):
            return [sheet.frame]
        last = np.maximum(np.searchsorted(allowed, targets, side="right") - 1, 0)
        cuts = np.unique(allowed[last])
    bounds = np.r_[0, cuts, n]
    return [sheet.frame.iloc[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


def write(sheet: Sheet, out_dir: Path) -> list[Path]:
    """Write one export into ``out_dir`` (a large CSV as numbered parts); returns the paths."""
    if sheet.fmt == "xlsx":
        path = out_dir / f"{sheet.name}.xlsx"
        _write_xlsx(sheet, path)
        return [path]
    parts = _parts(sheet)
    paths = []
    for i, frame in enumerate(parts, start=1):
        name = sheet.name if len(parts) == 1 else f"{sheet.name}_{i:02d}"
        path = out_dir / f"{name}.csv"
        _write_csv(replace(sheet, frame=frame), path)
        paths.append(path)
    return paths


def generate(
    out_dir: Path, *, students: int = DEFAULT_STUDENTS, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write the demo exports into ``out_dir`` and return their paths in load order
    (schools, enterprises, mentors, students, then the rest)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [path for sheet in sheets(students, seed) for path in write(sheet, out_dir)]


def load_demo(
    con: duckdb.DuckDBPyConnection,
    *,
    students: int = DEFAULT_STUDENTS,
    seed: int = DEFAULT_SEED,
    out_dir: Path | None = None,
    region: bool = False,
) -> list:
    """Generate the demo exports (into a temporary folder unless ``out_dir`` is given) and
    import each through the importer, as a user would; returns the importer's SheetResults.
    The store becomes a snapshot of ``DEMO_DAY`` (``analytics.snapshot``). With ``region``
    ten more schools of the region follow, with dated and audited returns
    (``analytics.sample_region``)."""
    if out_dir is not None:
        results = [r for path in generate(out_dir, students=students, seed=seed)
                   for r in pipeline.import_file(con, path, limits=DEMO_LIMITS)]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            results = [r for path in generate(Path(tmp), students=students, seed=seed)
                       for r in pipeline.import_file(con, path, limits=DEMO_LIMITS)]
    if region:
        from analytics.sample_region import load_region

        results += load_region(con, results, seed=seed, partners=ENTERPRISE_NAMES, limits=DEMO_LIMITS)
    set_snapshot_date(con, DEMO_DAY)
    return results
