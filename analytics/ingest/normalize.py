"""Normalise spreadsheet cells to canonical values (SPEC §2, "many spellings").

``normalize_cells`` turns one column of text cells into typed canonical values, a
per-cell error code and, for exam and assessment results, the reason a result is
missing (``absence``). It works on the *distinct* values only (``pd.factorize``) and maps
the results back with one array ``take``, so a 1M-row column with a few hundred
distinct spellings costs a few hundred parses.

Coded values (enum codes, yes/no, Likert answers, grade words, absences) are matched
against the vocabularies of ``schema`` by ``vocabulary_code``: exact spellings first, then
the cell without numbering and bracketed qualifiers, then keywords (longest, then
leftmost); see the notes above ``schema.Term``. A value map given by the user
(``CellRules.value_map``) is applied before all of that.

Decisions (documented here because spreadsheets disagree):

* Missing markers (blank, ``-``, ``—``, ``/``, ``n/a``, ``null``, ``无``, ``空``, survey
  platforms' ``(跳过)`` and ``(空)`` …) give a missing value and no error. Excel formula
  errors (``#N/A``, ``#DIV/0!`` …) are a ``type-error``: they hide a value that was meant
  to be there.
* ``无`` is missing in every column, including yes/no columns; therefore ``有`` is not
  accepted as "yes" either (a column of 有/无 would otherwise count only the yeses).
* Absences (缺考, 缺席, 免考, 缓考 …) in a result column (``Column.absence``) are a missing
  value with its reason, never a zero; the pipeline stores the reason.
* Grade words (优秀/良好/中等/及格/不及格, A–E) in a score column (``Column.grades``)
  become the configured score of the grade (``schema.DEFAULT_GRADE_SCORES``).
* Dates ``a/b/yyyy`` are read per column: day-first when some ``a`` > 12, month-first
  when some ``b`` > 12, month-first (Excel's en-US default) when nothing tells; when the
  column holds both kinds, only the values that can be read one way are accepted and
  the ambiguous ones are ``type-error``.
* Five-digit numbers 20000–80000 (1954-10-03 … 2119-01-10) in a date column are Excel
  serial dates, whatever else the column holds: no other date spelling has five digits.
* A year alone (``2024``, ``2024年``) in a date column is 1 January, a month alone
  (``2024年6月``, ``2024-06``) the first of the month.
* Percent signs and units only tell the unit: ``85%`` is 85, ``3500元`` is 3500,
  ``1.2万`` is 12000. A unit stated for the whole column (``预算（万元）``) is
  ``CellRules.scale``: plain numbers are multiplied, a cell with its own 万 is not.
* Accounting negatives ``(12,000.00)`` are -12000 (a refund).
* Published statistics mark suppressed cells (``na``, ``ns``, ``nd``, ``x``, ``c``, ``low``,
  ``-``): ``suppression_markers`` names the marker of each cell so that the benchmark
  importer can store a missing value *and* the marker. An enum column's own codes are
  never missing markers, so the ``marker`` column keeps ``na`` and ``-``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import schema

TYPE_ERROR = "type-error"
UNKNOWN_VALUE = "unknown-value"
OUT_OF_RANGE = "out-of-range"
ID_AS_NUMBER = "id-as-number"
ID_MASKED = "id-masked"

MIN_DATE = dt.date(1950, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (20000, 80000)

MISSING_MARKERS = frozenset(
    {"", "/", "\\", "n/a", "na", "null", "none", "nan", "无", "空",
     # survey platforms (问卷星, 腾讯问卷, 金数据): a skipped or unanswered question
     "(跳过)", "跳过", "(空)", "(未填)", "未填", "未填写", "(未填写)", "未作答", "未回答", "(未回答)"}
)
# "-", "--", "—", "——" (full-width "－" is "-" after NFKC); RE2 syntax, run by pyarrow.
_DASHES = r"^[-—–―]+$"
_EXCEL_ERROR = r"^#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)$"
_PLAIN_DECIMAL = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$"
_SCIENTIFIC = r"^\d(?:\.\d+)?e\+?\d+$"
# Invisible format characters (zero-width spaces and joiners, word joiner, byte-order mark,
# direction marks and overrides): copied in from web pages and chat apps, or planted to make
# an ID look like another. No cell of these tables means one, so they go wherever they are.
_INVISIBLE = "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
# Excel's text marker ('0123 keeps the zero) and its look-alikes, written out by some exports.
_TEXT_MARK = "^['`\u2018\u2019]+"
_SPACES = re.compile(r"\s+")
_KEY_DROP = re.compile(r"[\s_\-]+")

# Numbers: an optional currency prefix, one unit suffix, an optional multiplier.
_CURRENCY = re.compile(r"^(?:¥|\$|rmb|cny|人民币)\s*", re.I)
_UNIT = re.compile(
    r"\s*(?:元/月|元每月|元|块|分|%|届|级|年|次|个|人|小时|学时|课时|h|rmb|cny)$", re.I
)
_YUAN_UNITS = frozenset({"元", "块", "元/月", "元每月"})
_MULTIPLIERS = {"万": 10_000, "千": 1_000, "亿": 100_000_000, "k": 1_000}
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", re.I)
_GROUPED_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_ACCOUNTING_NEGATIVE = re.compile(r"\((.+)\)")
_FLOAT_ID = re.compile(r"(\d+)\.0+")
_WORD = re.compile(r"[^\W\d_]", re.UNICODE)  # a letter or CJK character

# Dates.
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]m)?)?"
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME, re.I)
_YMD_ZH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?" + _TIME, re.I)
_YMD_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YM = re.compile(r"(\d{4})[-/.](\d{1,2})")
_YEAR = re.compile(r"(\d{4})\s*年?")
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
_AB_YEAR = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME, re.I)



def _key(text: str) -> str:
    """Matching form of a word: case-folded, without spaces, ``_`` and ``-`` (``-`` alone stays)."""
    folded = text.casefold()
    return _KEY_DROP.sub("", folded) or folded.strip()


# What ``core`` strips before a cell is looked up again: numbering in front (一、 1. 1、 (2)
# ② A. Q3 第3), bracketed qualifiers anywhere, and punctuation. Circled digits are plain
# digits after NFKC; a digit run directly before a CJK character is numbering too ("1满意").
_NUMBERING = re.compile(
    r"^\s*(?:第?[一二三四五六七八九十]+[、.)．:]|第\d+[、.)．:题]?|\(\s*[一二三四五六七八九十\d]+\s*\)"
    r"|\d{1,2}(?:[、)．:]|\.(?!\d))|\d{1,2}(?=[\u4e00-\u9fff])(?![分元年月日级届次个人岁号万千点时])|[a-z][.、)．](?!\d)|q\d+[.、:)]?)\s*",
    re.I,
)
# Brackets and what they hold: units, hints and qualifiers (also read by ``mapping.header_key``).
BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|《[^《》]*》|\{[^{}]*\}")
_BRACKET_MARKS = re.compile(r"[()\[\]【】<>《》{}]")
_PUNCTUATION = re.compile(r"[\s_\-,;:!?'\"、。，；：！？·•…~～*#]+|(?<!\d)\.|\.(?!\d)")


def unqualified(cleaned: str) -> str:
    """A cell without numbering in front and bracketed qualifiers: ``"5分（非常满意）"`` → ``"5分"``.

    When nothing is left outside the brackets, their content is kept.
    """
    text = _NUMBERING.sub("", cleaned, count=1)
    outside = BRACKETS.sub("", text).strip()
    return outside if _PUNCTUATION.sub("", outside) else _BRACKET_MARKS.sub("", text).strip()


def core(cleaned: str) -> str:
    """A cell without numbering, bracketed qualifiers and punctuation: ``"一、升学（高职）"`` → ``"升学"``."""
    return _PUNCTUATION.sub("", unqualified(cleaned))


@dataclass(frozen=True)
class _Index:
    """A vocabulary prepared for matching: exact keys, and keywords longest first.

    ``needs``: the characters of each exact key and keyword, the ones a cell must all hold for
    that word to match it (None when a key is empty: then any cell may); ``alphabet``: all of
    them (see :func:`vocabulary_code`)."""

    exact: dict[str, str]
    keywords: tuple[tuple[str, str, bool, str | None], ...]  # key, code, fallback, negated code
    negations: tuple[str, ...]
    needs: tuple[frozenset[str], ...] | None
    alphabet: frozenset[str]


@cache
def _index(kind: str) -> _Index:
    vocab = schema.vocabulary(kind)
    exact: dict[str, str] = {}
    for term in vocab.terms:
        for word in (term.code, term.zh, term.en, *term.spellings):
            exact.setdefault(_key(word), term.code)
    keywords = sorted(
        ((_key(k), t.code, t.fallback, t.negated) for t in vocab.terms for k in t.keywords if _key(k)),
        key=lambda k: -len(k[0]),
    )
    words = [*exact, *(k[0] for k in keywords)]
    needs = None if "" in words else tuple(dict.fromkeys(frozenset(w) for w in words))
    return _Index(exact, tuple(keywords), tuple(_key(n) for n in vocab.negations if _key(n)), needs,
                  frozenset().union(*(needs or ())))


_NEGATION_GAP = 1  # characters allowed between a negation and its keyword ("不太对口")


def _negated(index: _Index, text: str, at: int) -> bool:
    before = text[max(0, at - 6):at]
    return any(before.endswith(n) or before[:-_NEGATION_GAP].endswith(n) for n in index.negations)


def _keyword(index: _Index, text: str) -> str | None:
    """The term a keyword of ``text`` names: longest keyword, then leftmost; fallback terms last."""
    best: tuple[tuple[int, int, int], str] | None = None
    for key, code, fallback, negated in index.keywords:
        at = text.find(key)
        if at < 0:
            continue
        if negated and _negated(index, text, at):
            code = negated
        rank = (int(fallback), -len(key), at)
        if best is None or rank < best[0]:
            best = (rank, code)
    return best[1] if best else None


@lru_cache(maxsize=1 << 16)
def vocabulary_code(kind: str, cleaned: str) -> str | None:
    """The code of ``cleaned`` (a cell after NFKC and trimming) in vocabulary ``kind``, or None.

    Tried in order: the code, labels and spellings; the same for the cell's ``core``; the
    keywords of the core, then of the whole cell (see ``schema``'s vocabulary notes).
    """
    index = _index(kind)
    if index.needs is not None:
        # Every way below to a code finds a word of the vocabulary (an exact key or a keyword) in
        # the cell with characters left out: ``core`` and ``_key`` only delete (casefolding is a
        # character at a time). So a cell that does not hold all the characters of any word, after
        # casefolding, names no term: told in a set operation or two, not five regular expressions
        # and a scan of the keywords (a column of free text: a distinct cell each, 20 µs each).
        held = set(cleaned.casefold())
        if index.alphabet.isdisjoint(held) or not any(need <= held for need in index.needs):
            return None
    return _lookup(index, cleaned)


def _lookup(index: _Index, cleaned: str) -> str | None:
    """:func:`vocabulary_code` without the first test of the characters (a test compares the two)."""
    whole = _key(cleaned)
    if (code := index.exact.get(whole)) is not None:
        return code
    stripped = _key(core(cleaned))
    if (code := index.exact.get(stripped)) is not None:
        return code
    if not stripped:
        return None
    return _keyword(index, stripped) or (_keyword(index, whole) if whole != stripped else None)


def nearest_codes(kind: str, text: str, n: int = 3) -> tuple[str, ...]:
    """Up to ``n`` codes of ``kind`` whose words look most like ``text`` (for the unknown-value report)."""
    target = _key(core(_clean_one(text))) or _key(_clean_one(text))
    scores: dict[str, float] = {}
    for term in schema.vocabulary(kind).terms:
        words = (term.code, term.zh, term.en, *term.spellings, *term.keywords)
        best = max(difflib.SequenceMatcher(None, target, _key(w)).ratio() for w in words if _key(w))
        scores[term.code] = best
    ranked = sorted(scores, key=lambda c: -scores[c])
    return tuple(c for c in ranked[:n] if scores[c] > 0)


def value_key(text: str) -> str:
    """The form in which a value map matches a cell: NFKC, case, spaces, ``_`` and ``-`` ignored."""
    return _key(_clean_one(text))


@dataclass(frozen=True)
class CellRules:
    """How one column of one sheet is read beyond its kind (given by the pipeline).

    ``value_map``: ``value_key(cell)`` → replacement text (a code or any accepted
    spelling), the user's answer to an unknown value. ``grade_scores``: score of each
    grade code. ``scale``: multiplier of plain numbers (10000 for a column in 万元).
    """

    value_map: Mapping[str, str] = field(default_factory=dict)
    grade_scores: Mapping[str, float] = field(default_factory=lambda: dict(schema.DEFAULT_GRADE_SCORES))
    scale: float = 1.0


_DEFAULT_RULES = CellRules()


def _clean(texts: pa.Array) -> pa.Array:
    """NFKC (full-width digits, letters, punctuation; \\u3000 and \\xa0 become spaces), without
    invisible format characters (``_INVISIBLE``), trimmed."""
    normalized = pc.utf8_normalize(texts, "NFKC")
    if pc.any(pc.match_substring_regex(normalized, _INVISIBLE)).as_py():
        normalized = pc.replace_substring_regex(normalized, _INVISIBLE, "")
    return pc.utf8_trim_whitespace(normalized)


def _clean_one(text: str) -> str:
    return _clean(pa.array([text], type=pa.string()))[0].as_py()


def enum_code(column: schema.Column, text: str) -> str | None:
    """The canonical code of ``text`` in the enum ``column``, or None when unknown."""
    return vocabulary_code(column.name, _clean_one(text))


def parse_number(cleaned: str, scale: float = 1.0) -> float | None:
    """``85``, ``85%``, ``3,500``, ``￥3,500``, ``3500元``, ``1.2万``, ``(12,000.00)`` … as a float.

    ``scale`` multiplies a number that states no multiplier or 元 of its own (a column in 万元).
    None when the text is no number.
    """
    text = cleaned.replace("\u2212", "-")
    sign = 1
    if match := _ACCOUNTING_NEGATIVE.fullmatch(text):
        sign, text = -1, match.group(1).strip()
    text = _CURRENCY.sub("", text)
    unit = _UNIT.search(text)
    text = text[: unit.start()] if unit else text
    # A cell that names 元 itself ("1,250,000元") is in 元 even in a column headed 万元.
    multiplier = 1.0 if unit and unit.group().strip() in _YUAN_UNITS else scale
    if text and text[-1].lower() in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[text[-1].lower()]
        text = text[:-1].rstrip()
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text) or (sign < 0 and text.startswith(("-", "+"))):
        written = _chinese_number(text)  # 两小时, 一个半小时, 十二次 in a hand-kept log
        return None if written is None else sign * written * multiplier
    value = float(Decimal(text) * Decimal(str(multiplier))) if multiplier != 1 else float(text)
    return sign * value if np.isfinite(value) else None


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}  # 万 and 亿 are multipliers (``_MULTIPLIERS``)


def _chinese_number(text: str) -> float | None:
    """A number written in Chinese numerals below 10,000, as hand-kept logs write hours and counts:
    两, 十二, 二十五, 一百零五, 半 (0.5), 一个半 (1.5); None for anything else (二三, 十十, 半天)."""
    half = text.endswith("半")
    text = text.removesuffix("半").removesuffix("个")
    if not text:
        return 0.5 if half else None
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in ("零", "〇"):
            if digit is not None:
                return None
        elif ch in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS and _CN_UNITS[ch] < last_unit:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]  # 十二: 十 alone is ten
            digit, last_unit = None, _CN_UNITS[ch]
        else:
            return None
    return float(total + (digit or 0)) + 0.5 * half


def _in_range(value: float, column: schema.Column) -> bool:
    return (column.min is None or value >= column.min) and (
        column.max is None or value <= column.max
    )


def _id(cleaned: str, column: schema.Column, rules: CellRules) -> tuple[object, str | None]:
    text = _SPACES.sub("", cleaned)
    match = _FLOAT_ID.fullmatch(text)
    return (match.group(1) if match else text), None


def _text(cleaned: str, column: schema.Column, rules: CellRules) -> tuple[object, str | None]:
    return _SPACES.sub(" ", cleaned), None


def _checked(value: float, column: schema.Column) -> tuple[object, str | None]:
    return (value, None) if _in_range(value, column) else (None, OUT_OF_RANGE)


def _number(cleaned: str, column: schema.Column, rules: CellRules) -> tuple[object, str | None]:
    value = parse_number(cleaned, rules.scale)
    if value is not None:
        return _checked(value, column)
    # "5分（非常满意）", "①85": the number inside numbering and brackets.
    inner = unqualified(cleaned)
    if inner != cleaned and (number := parse_number(inner, rules.scale)) is not None:
        return _checked(number, column)
    if column.likert and (code := vocabulary_code("likert", cleaned)) is not None:
        return float(code), None
    if column.grades and (code := vocabulary_code("grade", cleaned)) is not None:
        return _checked(float(rules.grade_scores[code]), column)
    # A word (not a malformed number) in a column that takes words is asked about once.
    worded = (column.likert or column.grades) and _WORD.search(cleaned) is not None
    return None, UNKNOWN_VALUE if worded else TYPE_ERROR


def _int(cleaned: str, column: schema.Column, rules: CellRules) -> tuple[object, str | None]:
    value, error = _number(cleaned, column, rules)
    if error and column.min is not None and column.min >= 1900:
        # A year column (入学时间 2022-09, 2022年9月): the year of the date it gives.
        date, date_error = _date_value(cleaned, "mdy")
        if date_error is None:
            return _checked(date.year, column)
    if error:
        return None, error
    if value != int(value):
        return None, TYPE_ERROR
    return int(value), None


def _bool(cleaned: str, column: schema.Column, rules: CellRules) -> tuple[object, str | None]:
    if _PLAIN_NUMBER.fullmatch(cleaned):
        number = float(cleaned)
        return (number == 1.0, None) if number in (0.0, 1.0) else (None, TYPE_ERROR)
    code = vocabulary_code("boolean", cleaned)
    return (None, UNKNOWN_VALUE) if code is None else (code == "yes", None)


def _enum(cleaned: str, column: schema.Column, rules: CellRules) -> tuple[object, str | None]:
    code = vocabulary_code(column.name, cleaned)
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
    errors: np.ndarray, scale: float,
) -> np.ndarray:
    """Fast path: parse the plain decimals (``85``, ``85.5``) in one cast; returns what is left."""
    plain = todo & pc.match_substring_regex(cleaned, _PLAIN_DECIMAL).to_numpy(zero_copy_only=False)
    numbers = pc.cast(cleaned.filter(pa.array(plain)), pa.float64()).to_numpy()
    if scale != 1:
        numbers = np.round(numbers * scale, 6)
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


def _mapped(cleaned: pa.Array, rules: CellRules) -> pa.Array:
    """Cells the user's value map names, replaced by the text they stand for."""
    if not rules.value_map:
        return cleaned
    texts = cleaned.to_numpy(zero_copy_only=False)
    replaced = [rules.value_map.get(_key(t), rules.value_map.get(_key(core(t)), t)) for t in texts]
    return _clean(pa.array(replaced, type=pa.string()))


def _absences(cleaned: pa.Array, todo: np.ndarray, column: schema.Column) -> np.ndarray:
    """The absence code (缺考 → absent …) of each distinct cell of a result column, else None."""
    out = np.full(len(cleaned), None, dtype=object)
    if not column.absence:
        return out
    texts = cleaned.to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(todo):
        out[i] = vocabulary_code("absence", texts[i])
    return out


class Distinct(NamedTuple):
    """Canonical value, error code and absence code of each distinct cleaned cell. The values of
    an ID or text column stay an Arrow string array (null where there is none): a million
    distinct IDs never become Python strings unless a caller asks for objects."""

    values: np.ndarray | pa.Array
    errors: np.ndarray
    absences: np.ndarray


# The plain-cell path (``_normalize_distinct``): ID and text columns with at least this many
# distinct cells look first for the cells made of ASCII letters and digits alone, and run on them
# only the rules that can match such a cell. Below it every rule runs on every cell (the split
# costs more than it saves); a test sets it to 0 and to a huge number to compare both paths.
FAST_PATH_MIN = 1_000
_FAST_KINDS = frozenset({"id", "text"})


def _normalize_distinct(cells: pa.Array, column: schema.Column, rules: CellRules) -> Distinct:
    """``Distinct`` of each distinct cell as written (``cells``): every rule of ``_rules``, the
    cleaning (``_clean``) first, except that a plain cell skips the rules that cannot touch it.

    A plain cell is made of ASCII letters and digits only (``20210001``, ``AB12``,
    ``11010119900101003X``, ``NA``): NFKC, invisible characters and trimming leave it as it is,
    and no Excel error (``#``), dash, space, ``.0``, text mark (``'``) or mask (``*``) is in it.
    What can still apply to it (missing markers in letters, the column's own codes, absence
    words, ``1E17``) runs on it as on any cell. A column with a value map (a Python loop over
    every distinct cell anyway, whose replacements can be anything) runs every rule on every cell.
    """
    if column.kind not in _FAST_KINDS or rules.value_map or len(cells) < max(FAST_PATH_MIN, 1):
        return _rules(_clean(cells), column, rules)
    plain = pc.ascii_is_alnum(cells).fill_null(False).to_numpy(zero_copy_only=False)
    if plain.all():
        return _rules(cells, column, rules, plain=True)
    if not plain.any():
        return _rules(_clean(cells), column, rules)
    mask = pa.array(plain, type=pa.bool_())
    fast = _rules(cells.filter(mask), column, rules, plain=True)
    rest = _rules(_clean(cells.filter(pc.invert(mask))), column, rules)
    return _merged(plain, fast, rest)


def _merged(plain: np.ndarray, fast: Distinct, rest: Distinct) -> Distinct:
    """The ``Distinct`` of all cells from that of the ``plain`` ones and that of the others, in order."""
    order = np.concatenate([np.flatnonzero(plain), np.flatnonzero(~plain)])
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    values = pa.concat_arrays([fast.values, rest.values.cast(fast.values.type)]).take(pa.array(back))
    return Distinct(values, np.concatenate([fast.errors, rest.errors])[back],
                    np.concatenate([fast.absences, rest.absences])[back])


def _rules(cleaned: pa.Array, column: schema.Column, rules: CellRules, *, plain: bool = False) -> Distinct:
    """Every rule on cleaned distinct cells. ``plain``: every cell is plain (``_normalize_distinct``),
    so the rules that need a character other than an ASCII letter or digit are not run; and when no
    cell holds a letter either, nor the missing markers (none is digits alone) and ``1E17``."""
    size = len(cleaned)
    errors = np.full(size, None, dtype=object)
    cleaned = _mapped(cleaned, rules)
    worded = not plain or not pc.all(pc.ascii_is_decimal(cleaned)).as_py()
    if plain:
        excel = np.zeros(size, dtype=bool)
        missing = (pc.is_in(pc.utf8_lower(cleaned), value_set=pa.array(sorted(MISSING_MARKERS))) if worded
                   else pa.array(np.zeros(size, dtype=bool)))
    else:
        excel = pc.match_substring_regex(cleaned, _EXCEL_ERROR, ignore_case=True).to_numpy(zero_copy_only=False)
        missing = pc.or_(
            pc.is_in(pc.utf8_lower(cleaned), value_set=pa.array(sorted(MISSING_MARKERS))),
            pc.match_substring_regex(cleaned, _DASHES),
        )
    if column.kind == "enum":
        # A code of the column itself (the suppression marker ``na`` or ``-``) is a value.
        own = pc.is_in(pc.utf8_lower(cleaned), value_set=pa.array(column.allowed))
        missing = pc.and_(missing, pc.invert(own))
    errors[excel] = TYPE_ERROR
    todo = ~excel & ~missing.to_numpy(zero_copy_only=False)
    absences = _absences(cleaned, todo, column)
    if column.absence:
        todo &= np.array([a is None for a in absences], dtype=bool)
    if column.kind == "id":
        # The two rewrites run only where they can change something (a million distinct IDs).
        ids = cleaned
        if not plain:
            if pc.any(pc.match_substring_regex(ids, r"\s")).as_py():
                ids = pc.replace_substring_regex(ids, r"\s+", "")
            if pc.any(pc.match_substring(ids, ".")).as_py():
                ids = pc.replace_substring_regex(ids, r"^(\d+)\.0+$", r"\1")
            if pc.any(pc.match_substring_regex(ids, _TEXT_MARK)).as_py():
                ids = pc.replace_substring_regex(ids, _TEXT_MARK, "")
                todo &= pc.greater(pc.utf8_length(ids), 0).to_numpy(zero_copy_only=False)  # a mark alone: blank
            # A masked ID-card number (110101********003X) names nobody: many people share the form.
            masked = todo & pc.match_substring(ids, "*").to_numpy(zero_copy_only=False)
            errors[masked] = ID_MASKED
            todo &= ~masked
        if worded:
            # A long number Excel kept as a float (4.40106199001011E+17): its last digits are gone.
            lost = todo & pc.match_substring_regex(ids, _SCIENTIFIC, ignore_case=True).to_numpy(zero_copy_only=False)
            errors[lost] = ID_AS_NUMBER
            todo &= ~lost
        return Distinct(_where(todo, ids), errors, absences)
    if column.kind == "text":
        texts = cleaned if plain else pc.replace_substring_regex(cleaned, r"\s+", " ")
        return Distinct(_where(todo, texts), errors, absences)
    values = np.full(size, None, dtype=object)  # an ID's or a text's values stay Arrow (above)
    if column.kind in ("number", "int"):
        todo = _plain_numbers(cleaned, todo, column, values, errors, rules.scale)
    texts = cleaned.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(todo)
    if column.kind == "date":
        order = _day_month_order(texts[rest])
        for i in rest:
            values[i], errors[i] = _date_value(texts[i], order)
    else:
        scalar = _SCALAR[column.kind]
        for i in rest:
            values[i], errors[i] = scalar(texts[i], column, rules)
    return Distinct(values, errors, absences)


def _where(keep: np.ndarray, texts: pa.Array) -> pa.Array:
    """``texts`` where ``keep``, null elsewhere."""
    if keep.all():
        return texts
    return pc.if_else(pa.array(keep, type=pa.bool_()), texts, pa.scalar(None, type=texts.type))


def _take(distinct: np.ndarray | pa.Array, codes: np.ndarray, dtype: str) -> object:
    """``distinct[code]`` per row; code -1 (a null cell) gives a missing value."""
    if isinstance(distinct, pa.Array):
        distinct = distinct.to_numpy(zero_copy_only=False)
    if dtype == "object":
        return np.append(distinct, None)[codes]
    return pd.array(distinct, dtype=dtype).take(codes, allow_fill=True)


class Normalized(NamedTuple):
    """One column normalised: values, per-cell error codes, per-cell absence codes."""

    values: pd.Series
    errors: pd.Series
    absences: pd.Series


def _factorize(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Position of each cell among the distinct cells (-1 for a null cell) and the distinct
    cells in order of first appearance. An Arrow-backed column (the reader's) is encoded by
    Arrow without leaving it; any other goes through ``pd.factorize``."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        cells = pa.array(values.array)
        if isinstance(cells, pa.ChunkedArray):
            cells = cells.combine_chunks()
        if (sorted_codes := _sorted_codes(cells)) is not None:
            return sorted_codes
        encoded = pc.dictionary_encode(cells)
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
        return codes, encoded.dictionary.cast(pa.string())
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pa.array(np.asarray(uniques, dtype=object), type=pa.string())


_SORTED_PROBE = 1024  # rows compared first, so that an unsorted column costs almost nothing


def _sorted_codes(cells: pa.Array) -> tuple[np.ndarray, pa.Array] | None:
    """``_factorize`` of a column without nulls whose cells never decrease (a roster or result
    sheet sorted by ID), found without hashing: equal cells are neighbours, so a distinct cell
    starts wherever a cell differs from the one above, in order of first appearance as
    ``dictionary_encode`` gives them. None for any other column."""
    size = len(cells)
    if size < 2 or cells.null_count:
        return None
    for length in (min(size, _SORTED_PROBE), size):
        if not pc.all(pc.greater_equal(cells.slice(1, length - 1), cells.slice(0, length - 1))).as_py():
            return None
    starts = np.empty(size, dtype=bool)
    starts[0] = True
    starts[1:] = pc.not_equal(cells.slice(1), cells.slice(0, size - 1)).to_numpy(zero_copy_only=False)
    codes = np.cumsum(starts, dtype=np.intp) - 1
    return codes, cells.filter(pa.array(starts)).cast(pa.string())


class Coded(NamedTuple):
    """One column read once per distinct cell: ``codes`` gives each row's position among the
    distinct cells (-1 for a null cell), ``distinct`` what each distinct cell gave, ``cells``
    the distinct cells as written."""

    codes: np.ndarray
    distinct: Distinct
    cells: pa.Array

    def unique(self) -> bool:
        """Whether no two rows hold the same value, known without hashing the values: every
        distinct cell is in one row at most and each value is its cell unchanged (an ID without
        spaces, ``.0`` or full-width digits). False means "not known", not "repeats"."""
        values = self.distinct.values
        if not isinstance(values, pa.Array) or not len(values):
            return False
        present = self.codes[self.codes >= 0]
        if len(present) and np.bincount(present).max() > 1:
            return False
        return bool(pc.all(pc.equal(values, self.cells)).as_py() is not False)

    def rows(self, per_distinct: np.ndarray, null: object) -> np.ndarray:
        """``per_distinct`` (one entry per distinct cell) for every row; ``null`` for a null cell."""
        return np.append(per_distinct, np.array([null], dtype=per_distinct.dtype))[self.codes]

    def flagged(self, per_distinct: np.ndarray) -> np.ndarray:
        """Rows whose distinct cell has ``per_distinct`` True (a null cell never)."""
        return self.rows(np.asarray(per_distinct, dtype=bool), False)

    def values(
        self, column: schema.Column, index: pd.Index | None = None, name: object = None, *, arrow: bool = False
    ) -> pd.Series:
        """The canonical value of every row, typed as ``normalize_cells`` types it; with ``arrow``,
        an ID or text column is a pandas ``str`` column over Arrow (missing: NaN) instead of objects."""
        distinct = self.distinct.values
        if arrow and isinstance(distinct, pa.Array):
            # As many distinct cells as rows: row i is the i-th distinct cell (first appearance).
            taken = distinct if len(distinct) == len(self.codes) else pc.take(
                distinct, pa.array(self.codes, mask=self.codes < 0))
            return pd.Series(pd.array(taken, dtype="str"), index=index, name=name)
        dtype = _DTYPES.get(column.kind, "object")
        return pd.Series(_take(distinct, self.codes, dtype), index=index, name=name, dtype=dtype)

    def normalized(self, column: schema.Column, index: pd.Index | None = None, name: object = None) -> Normalized:
        """The row-level ``Normalized`` of this column."""

        def series(array: np.ndarray) -> pd.Series:
            return pd.Series(_take(array, self.codes, "object"), index=index, name=name, dtype=object)

        return Normalized(self.values(column, index, name), series(self.distinct.errors),
                          series(self.distinct.absences))


def normalize_coded(values: pd.Series, column: schema.Column, rules: CellRules | None = None) -> Coded:
    """``normalize_cells`` before the results are spread over the rows (each distinct cell once)."""
    codes, uniques = _factorize(values)
    return Coded(codes, _normalize_distinct(uniques, column, rules or _DEFAULT_RULES), uniques)


def normalize_cells(values: pd.Series, column: schema.Column, rules: CellRules | None = None) -> Normalized:
    """Canonical values, error codes and absence codes of one column of text cells.

    ``values`` holds str (id/text/enum), int (Int64), float (Float64), bool (boolean) or
    ``datetime.date`` (object), missing where the cell is blank, marks missing or states an
    absence. ``errors`` (object) holds None for good cells, else ``type-error``,
    ``unknown-value`` or ``out-of-range``; ``absences`` the absence code (``absent``,
    ``exempt``, ``deferred``) of a result that was not taken. Each distinct cell is parsed once.
    """
    return normalize_coded(values, column, rules).normalized(column, values.index, values.name)


def normalize_column(
    values: pd.Series, column: schema.Column, rules: CellRules | None = None
) -> tuple[pd.Series, pd.Series]:
    """Canonical values and per-cell error codes of one column (``normalize_cells`` without absences)."""
    normalized = normalize_cells(values, column, rules)
    return normalized.values, normalized.errors


def suppression_markers(values: pd.Series) -> pd.Series:
    """The suppression marker of each cell (``schema.SUPPRESSION_MARKERS``), None for other cells.

    Case, width and padding are ignored (DfE's ``" -   "`` is ``-``); every dash is ``-``.
    Each distinct cell is looked at once.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = _clean(pa.array(np.asarray(uniques, dtype=object), type=pa.string()))
    texts = cleaned.to_numpy(zero_copy_only=False)
    dashes = pc.match_substring_regex(cleaned, _DASHES).to_numpy(zero_copy_only=False)
    exact = _index("marker").exact
    distinct = np.array(["-" if dash else exact.get(_key(text)) for text, dash in zip(texts, dashes)],
                        dtype=object)
    return pd.Series(_take(distinct, codes, "object"), index=values.index, dtype=object)
