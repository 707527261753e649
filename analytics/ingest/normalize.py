"""Normalise spreadsheet cells to canonical values (SPEC §2, "many spellings").

``normalize_column`` turns one column of text cells into typed canonical values plus a
per-cell error code. It works on the *distinct* values only (``pd.factorize``) and maps
the results back with one array ``take``, so a 1M-row column with a few hundred
distinct spellings costs a few hundred parses.

Decisions (documented here because spreadsheets disagree):

* Missing markers (blank, ``-``, ``—``, ``/``, ``n/a``, ``null``, ``无``, ``空`` …) give a
  missing value and no error. Excel formula errors (``#N/A``, ``#DIV/0!`` …) are a
  ``type-error``: they hide a value that was meant to be there.
* ``无`` is missing in every column, including yes/no columns; therefore ``有`` is not
  accepted as "yes" either (a column of 有/无 would otherwise count only the yeses).
* Dates ``a/b/yyyy`` are read per column: day-first when some ``a`` > 12, month-first
  when some ``b`` > 12, month-first (Excel's en-US default) when nothing tells; when the
  column holds both kinds, only the values that can be read one way are accepted and
  the ambiguous ones are ``type-error``.
* Five-digit numbers 20000–80000 (1954-10-03 … 2119-01-10) in a date column are Excel
  serial dates, whatever else the column holds: no other date spelling has five digits.
* A year alone (``2024``, ``2024年``) in a date column is 1 January, a month alone
  (``2024年6月``, ``2024-06``) the first of the month.
* Percent signs and units only tell the unit: ``85%`` is 85, ``3500元`` is 3500,
  ``1.2万`` is 12000.
* Published statistics mark suppressed cells (``na``, ``ns``, ``nd``, ``x``, ``c``, ``low``,
  ``-``): ``suppression_markers`` names the marker of each cell so that the benchmark
  importer can store a missing value *and* the marker. An enum column's own codes are
  never missing markers, so the ``marker`` column keeps ``na`` and ``-``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import schema

TYPE_ERROR = "type-error"
UNKNOWN_VALUE = "unknown-value"
OUT_OF_RANGE = "out-of-range"

MIN_DATE = dt.date(1950, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (20000, 80000)

MISSING_MARKERS = frozenset(
    {"", "/", "\\", "n/a", "na", "null", "none", "nan", "无", "空"}
)
# "-", "--", "—", "——" (full-width "－" is "-" after NFKC); RE2 syntax, run by pyarrow.
_DASHES = r"^[-—–―]+$"
# Suppression markers of statistics offices -> the code kept in ``benchmarks.marker``.
_SUPPRESSION_SPELLINGS = {
    "na": "na", "n/a": "na", "ns": "ns", "nd": "nd", "x": "x", "c": "c", "low": "low",
}
_EXCEL_ERROR = r"^#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)$"
_PLAIN_DECIMAL = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$"
_ZERO_WIDTH = "\u200b\ufeff"
_SPACES = re.compile(r"\s+")
_KEY_DROP = re.compile(r"[\s_\-]+")

# Numbers: an optional currency prefix, one unit suffix, an optional multiplier.
_CURRENCY = re.compile(r"^(?:¥|\$|rmb|cny|人民币)\s*", re.I)
_UNIT = re.compile(
    r"\s*(?:元/月|元每月|元|块|分|%|届|级|年|次|个|人|小时|学时|课时|h|rmb|cny)$", re.I
)
_MULTIPLIERS = {"万": 10_000, "千": 1_000, "亿": 100_000_000, "k": 1_000}
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", re.I)
_GROUPED_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FLOAT_ID = re.compile(r"(\d+)\.0+")

# Dates.
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]m)?)?"
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME, re.I)
_YMD_ZH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?" + _TIME, re.I)
_YMD_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YM = re.compile(r"(\d{4})[-/.](\d{1,2})")
_YEAR = re.compile(r"(\d{4})\s*年?")
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
_AB_YEAR = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME, re.I)

LIKERT = {
    "非常满意": 5, "很满意": 5, "十分满意": 5, "very satisfied": 5, "extremely satisfied": 5,
    "满意": 4, "比较满意": 4, "较满意": 4, "satisfied": 4,
    "一般": 3, "基本满意": 3, "neutral": 3, "neither satisfied nor dissatisfied": 3,
    "不满意": 2, "不太满意": 2, "较不满意": 2, "dissatisfied": 2, "unsatisfied": 2,
    "非常不满意": 1, "很不满意": 1, "十分不满意": 1, "very dissatisfied": 1,
    "very unsatisfied": 1,
}

BOOLEANS = {
    **dict.fromkeys(
        ("是", "是的", "通过", "已通过", "合格", "及格", "对", "对口", "相关", "√", "✓", "✔", "☑",
         "y", "yes", "t", "true", "pass", "passed"),
        True,
    ),
    **dict.fromkeys(
        ("否", "不是", "未通过", "不通过", "没通过", "不合格", "不及格", "错", "不对口", "不相关",
         "×", "✗", "✘", "✕", "☒", "n", "no", "f", "false", "fail", "failed"),
        False,
    ),
}

# Enum spellings per column name: spelling -> canonical code (schema.py lists the codes).
# Matching ignores case, spaces, "_" and "-"; the codes themselves are always accepted.
VOCABULARY: dict[str, dict[str, str]] = {
    "gender": {
        "男": "male", "男性": "male", "m": "male", "man": "male",
        "女": "female", "女性": "female", "f": "female", "woman": "female",
        "其他": "other",
    },
    "cooperation_form": {
        "订单班": "order_class", "订单培养": "order_class", "订单式": "order_class",
        "订单式培养": "order_class", "order class": "order_class", "order-based class": "order_class",
        "现代学徒制": "apprenticeship", "学徒制": "apprenticeship",
        "modern apprenticeship": "apprenticeship",
        "校中厂": "campus_factory", "厂中校": "campus_factory", "校内工厂": "campus_factory",
        "校办工厂": "campus_factory", "on-campus factory": "campus_factory",
        "实习基地": "internship_base", "实训基地": "internship_base",
        "校外实训基地": "internship_base", "internship base": "internship_base",
        "其他": "other",
    },
    "training_model": {
        "2+1模式": "2+1", "2+1学制": "2+1", "1.5+1.5模式": "1.5+1.5", "1.5+1.5学制": "1.5+1.5",
        "其他": "other",
    },
    "mentor_type": {
        "校内导师": "school", "校内": "school", "学校": "school", "学校导师": "school",
        "教师": "school", "school mentor": "school",
        "企业导师": "enterprise", "企业": "enterprise", "企业师傅": "enterprise",
        "师傅": "enterprise", "enterprise mentor": "enterprise",
    },
    "status": {
        "已就业": "employed", "就业": "employed", "签约就业": "employed", "协议就业": "employed",
        "灵活就业": "employed", "合同就业": "employed", "placed": "employed",
        "自主创业": "self_employed", "创业": "self_employed",
        "升学": "further_study", "升入高职": "further_study", "专升本": "further_study",
        "对口升学": "further_study", "继续深造": "further_study",
        "参军": "enlisted", "参军入伍": "enlisted", "应征入伍": "enlisted", "入伍": "enlisted",
        "military": "enlisted",
        "待就业": "unemployed", "未就业": "unemployed", "求职中": "unemployed",
        "暂不就业": "unemployed", "not placed": "unemployed",
        "其他": "other",
    },
    "activity_type": {
        "企业走访": "enterprise_visit", "走访企业": "enterprise_visit", "下企业": "enterprise_visit",
        "赴企业": "enterprise_visit", "到企业指导": "enterprise_visit",
        "enterprise visit": "enterprise_visit",
        "进校授课": "school_teaching", "来校授课": "school_teaching", "校内授课": "school_teaching",
        "授课": "school_teaching", "实训教学": "school_teaching", "teaching": "school_teaching",
        "联合研发": "joint_research", "技术攻关": "joint_research", "教研": "joint_research",
        "联合教研": "joint_research",
        "培训": "training",
        "学生座谈": "student_meeting", "师生交流": "student_meeting", "指导学生": "student_meeting",
        "师生见面": "student_meeting",
        "其他": "other",
    },
    "dimension": {
        "总体满意度": "overall", "总体": "overall", "整体满意度": "overall", "总体评价": "overall",
        "overall satisfaction": "overall",
        "专业技能": "professional_skills", "职业技能": "professional_skills",
        "技能水平": "professional_skills",
        "工作态度": "work_attitude", "职业态度": "work_attitude", "敬业精神": "work_attitude",
        "学习能力": "learning_ability",
        "团队协作": "teamwork", "团队合作": "teamwork", "沟通协作": "teamwork",
        "创新能力": "innovation", "创新意识": "innovation",
    },
    "stage": {
        "基础阶段": "basic", "基础": "basic",
        "技能阶段": "skill", "技能": "skill", "跟岗": "skill",
        "实习阶段": "internship", "顶岗实习": "internship", "实习": "internship",
        # 岗位实习 is the official term since 2021 (it replaced 顶岗实习).
        "岗位实习": "internship", "岗位实习阶段": "internship",
    },
    "evaluator_type": {
        "学校": "school", "校方": "school", "校企互评(学校)": "school", "校内": "school",
        "企业": "enterprise", "企业评价": "enterprise",
        "学生": "student", "学生评价": "student", "学生评教": "student",
        "第三方": "third_party", "第三方评价": "third_party",
    },
    "indicator": {
        "技能证书通过率": "certificate_pass_rate", "证书通过率": "certificate_pass_rate",
        "考证通过率": "certificate_pass_rate", "职业资格证书通过率": "certificate_pass_rate",
        "初次就业率": "initial_employment_rate", "就业率": "employment_rate",
        "专业对口率": "related_to_major_rate", "对口就业率": "related_to_major_rate",
        "满意度": "satisfaction", "用人单位满意度": "satisfaction", "企业满意度": "satisfaction",
        "完成率": "achievement_rate", "结业率": "achievement_rate",
        "月薪中位数": "median_salary", "起薪中位数": "median_salary", "其他": "other",
    },
    "source": {
        "学校": "school", "学校自筹": "school", "自筹": "school",
        "政府": "government", "财政": "government", "财政拨款": "government",
        "专项资金": "government",
        "企业": "enterprise", "企业投入": "enterprise", "企业捐赠": "enterprise",
    },
}


def _key(text: str) -> str:
    """Matching form of a word: case-folded, without spaces, ``_`` and ``-``."""
    return _KEY_DROP.sub("", text.casefold())


_LIKERT_KEYS = {_key(k): v for k, v in LIKERT.items()}
_BOOLEAN_KEYS = {_key(k): v for k, v in BOOLEANS.items()}


@cache
def _enum_index(name: str, allowed: tuple[str, ...]) -> dict[str, str]:
    index = {_key(code): code for code in allowed}
    index.update({_key(word): code for word, code in VOCABULARY.get(name, {}).items()})
    return index


def _clean(texts: pa.Array) -> pa.Array:
    """NFKC (full-width digits, letters, punctuation; \\u3000 and \\xa0 become spaces), trimmed."""
    normalized = pc.utf8_trim_whitespace(pc.utf8_normalize(texts, "NFKC"))
    return pc.utf8_trim_whitespace(pc.utf8_trim(normalized, _ZERO_WIDTH))


def _clean_one(text: str) -> str:
    return _clean(pa.array([text], type=pa.string()))[0].as_py()


def enum_code(column: schema.Column, text: str) -> str | None:
    """The canonical code of ``text`` in the enum ``column``, or None when unknown."""
    return _enum_index(column.name, column.allowed).get(_key(_clean_one(text)))


def parse_number(cleaned: str) -> float | None:
    """``85``, ``85%``, ``3,500``, ``￥3,500``, ``3500元``, ``1.2万`` … as a float; None if not a number."""
    text = _UNIT.sub("", _CURRENCY.sub("", cleaned))
    multiplier = 1
    if text and text[-1].lower() in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[text[-1].lower()]
        text = text[:-1].rstrip()
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    value = float(Decimal(text) * multiplier) if multiplier != 1 else float(text)
    return value if np.isfinite(value) else None


def _in_range(value: float, column: schema.Column) -> bool:
    return (column.min is None or value >= column.min) and (
        column.max is None or value <= column.max
    )


def _id(cleaned: str, column: schema.Column) -> tuple[object, str | None]:
    text = _SPACES.sub("", cleaned)
    match = _FLOAT_ID.fullmatch(text)
    return (match.group(1) if match else text), None


def _text(cleaned: str, column: schema.Column) -> tuple[object, str | None]:
    return _SPACES.sub(" ", cleaned), None


def _number(cleaned: str, column: schema.Column) -> tuple[object, str | None]:
    if column.likert and (score := _LIKERT_KEYS.get(_key(cleaned))) is not None:
        return float(score), None
    value = parse_number(cleaned)
    if value is None:
        return None, TYPE_ERROR
    if not _in_range(value, column):
        return None, OUT_OF_RANGE
    return value, None


def _int(cleaned: str, column: schema.Column) -> tuple[object, str | None]:
    value, error = _number(cleaned, column)
    if error:
        return None, error
    if value != int(value):
        return None, TYPE_ERROR
    return int(value), None


def _bool(cleaned: str, column: schema.Column) -> tuple[object, str | None]:
    value = _BOOLEAN_KEYS.get(_key(cleaned))
    if value is None and _PLAIN_NUMBER.fullmatch(cleaned) and float(cleaned) in (0.0, 1.0):
        value = float(cleaned) == 1.0
    return (None, TYPE_ERROR) if value is None else (value, None)


def _enum(cleaned: str, column: schema.Column) -> tuple[object, str | None]:
    code = _enum_index(column.name, column.allowed).get(_key(cleaned))
    return (None, UNKNOWN_VALUE) if code is None else (code, None)


def _day_month_order(cleaned: list[str]) -> str:
    """``dmy``, ``mdy`` or ``both`` for the ``a/b/yyyy`` values of one column."""
    firsts, seconds = [], []
    for text in cleaned:
        if match := _AB_YEAR.fullmatch(text):
            firsts.append(int(match.group(1)))
            seconds.append(int(match.group(2)))
    day_first = any(a > 12 for a in firsts)
    month_first = any(b > 12 for b in seconds)
    if day_first and month_first:
        return "both"
    return "dmy" if day_first else "mdy"


def _date_parts(cleaned: str, order: str) -> tuple[int, int, int] | None:
    """Year, month, day of one spelling, or None when it is no date."""
    for pattern in (_YMD, _YMD_COMPACT):
        if match := pattern.fullmatch(cleaned):
            return int(match.group(1)), int(match.group(2)), int(match.group(3))
    if match := _YMD_ZH.fullmatch(cleaned):
        return int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    if match := _YM.fullmatch(cleaned):
        return int(match.group(1)), int(match.group(2)), 1
    if match := _YEAR.fullmatch(cleaned):
        return int(match.group(1)), 1, 1
    if match := _AB_YEAR.fullmatch(cleaned):
        a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if order == "both":
            if (a > 12) == (b > 12):
                return None
            order = "dmy" if a > 12 else "mdy"
        return (year, b, a) if order == "dmy" else (year, a, b)
    return None


def _date_value(cleaned: str, order: str) -> tuple[object, str | None]:
    if match := _SERIAL.fullmatch(cleaned):
        serial = int(match.group(1))
        if not SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1]:
            return None, TYPE_ERROR
        return EXCEL_EPOCH + dt.timedelta(days=serial), None
    parts = _date_parts(cleaned, order)
    if parts is None:
        return None, TYPE_ERROR
    try:
        value = dt.date(*parts)
    except ValueError:
        return None, TYPE_ERROR
    if not MIN_DATE <= value <= MAX_DATE:
        return None, OUT_OF_RANGE
    return value, None


def parse_date(text: str) -> dt.date | None:
    """One date in any accepted spelling (``a/b/yyyy`` month-first); None if it is none."""
    value, error = _date_value(_clean_one(text), "mdy")
    return None if error else value


_SCALAR = {
    "id": _id, "text": _text, "number": _number, "int": _int, "bool": _bool, "enum": _enum,
}
_DTYPES = {"int": "Int64", "number": "Float64", "bool": "boolean"}


def _plain_numbers(
    cleaned: pa.Array, todo: np.ndarray, column: schema.Column, values: np.ndarray,
    errors: np.ndarray,
) -> np.ndarray:
    """Fast path: parse the plain decimals (``85``, ``85.5``) in one cast; returns what is left."""
    plain = todo & pc.match_substring_regex(cleaned, _PLAIN_DECIMAL).to_numpy(zero_copy_only=False)
    numbers = pc.cast(cleaned.filter(pa.array(plain)), pa.float64()).to_numpy()
    bad = np.zeros(len(numbers), dtype=bool)
    if column.min is not None:
        bad |= numbers < column.min
    if column.max is not None:
        bad |= numbers > column.max
    fractional = (numbers != np.floor(numbers)) if column.kind == "int" else np.zeros_like(bad)
    where = np.flatnonzero(plain)
    errors[where[bad]] = OUT_OF_RANGE
    errors[where[fractional & ~bad]] = TYPE_ERROR
    good = ~bad & ~fractional
    values[where[good]] = numbers[good].astype(np.int64) if column.kind == "int" else numbers[good]
    return todo & ~plain


def _normalize_distinct(cleaned: pa.Array, column: schema.Column) -> tuple[np.ndarray, np.ndarray]:
    """Canonical value and error code of each distinct cleaned cell (object arrays)."""
    size = len(cleaned)
    values = np.full(size, None, dtype=object)
    errors = np.full(size, None, dtype=object)
    excel = pc.match_substring_regex(cleaned, _EXCEL_ERROR, ignore_case=True)
    missing = pc.or_(
        pc.is_in(pc.utf8_lower(cleaned), value_set=pa.array(sorted(MISSING_MARKERS))),
        pc.match_substring_regex(cleaned, _DASHES),
    )
    if column.kind == "enum":
        # A code of the column itself (the suppression marker ``na`` or ``-``) is a value.
        own = pc.is_in(pc.utf8_lower(cleaned), value_set=pa.array(column.allowed))
        missing = pc.and_(missing, pc.invert(own))
    excel = excel.to_numpy(zero_copy_only=False)
    errors[excel] = TYPE_ERROR
    todo = ~excel & ~missing.to_numpy(zero_copy_only=False)
    if column.kind == "id":
        ids = pc.replace_substring_regex(cleaned, r"\s+", "")
        ids = pc.replace_substring_regex(ids, r"^(\d+)\.0+$", r"\1")
        values[todo] = ids.to_numpy(zero_copy_only=False)[todo]
        return values, errors
    if column.kind == "text":
        texts = pc.replace_substring_regex(cleaned, r"\s+", " ")
        values[todo] = texts.to_numpy(zero_copy_only=False)[todo]
        return values, errors
    if column.kind in ("number", "int"):
        todo = _plain_numbers(cleaned, todo, column, values, errors)
    texts = cleaned.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(todo)
    if column.kind == "date":
        order = _day_month_order(texts[rest])
        for i in rest:
            values[i], errors[i] = _date_value(texts[i], order)
    else:
        scalar = _SCALAR[column.kind]
        for i in rest:
            values[i], errors[i] = scalar(texts[i], column)
    return values, errors


def _take(distinct: np.ndarray, codes: np.ndarray, dtype: str) -> object:
    """``distinct[code]`` per row; code -1 (a null cell) gives a missing value."""
    if dtype == "object":
        return np.append(distinct, None)[codes]
    return pd.array(distinct, dtype=dtype).take(codes, allow_fill=True)


def normalize_column(
    values: pd.Series, column: schema.Column
) -> tuple[pd.Series, pd.Series]:
    """Canonical values and per-cell error codes of one column of text cells.

    ``normalized`` holds str (id/text/enum), int (Int64), float (Float64), bool
    (boolean) or ``datetime.date`` (object), missing where the cell is blank or marks
    missing. ``error_codes`` (object) holds None for good cells, else ``type-error``,
    ``unknown-value`` or ``out-of-range``. Each distinct cell is parsed once.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = _clean(pa.array(np.asarray(uniques, dtype=object), type=pa.string()))
    distinct, distinct_errors = _normalize_distinct(cleaned, column)
    dtype = _DTYPES.get(column.kind, "object")
    normalized = pd.Series(
        _take(distinct, codes, dtype), index=values.index, name=values.name, dtype=dtype
    )
    errors = pd.Series(
        _take(distinct_errors, codes, "object"), index=values.index, name=values.name,
        dtype=object,
    )
    return normalized, errors


def suppression_markers(values: pd.Series) -> pd.Series:
    """The suppression marker of each cell (``schema.SUPPRESSION_MARKERS``), None for other cells.

    Case, width and padding are ignored (DfE's ``" -   "`` is ``-``); every dash is ``-``.
    Each distinct cell is looked at once.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = _clean(pa.array(np.asarray(uniques, dtype=object), type=pa.string()))
    lowered = pc.utf8_lower(cleaned).to_numpy(zero_copy_only=False)
    dashes = pc.match_substring_regex(cleaned, _DASHES).to_numpy(zero_copy_only=False)
    distinct = np.array(
        ["-" if dash else _SUPPRESSION_SPELLINGS.get(text) for text, dash in zip(lowered, dashes)],
        dtype=object,
    )
    return pd.Series(_take(distinct, codes, "object"), index=values.index, dtype=object)
