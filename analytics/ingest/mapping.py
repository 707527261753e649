"""Which canonical table a sheet is, and which header is which column.

Headers are compared by ``header_key`` (case, width, spaces, punctuation, numbering such
as ``3、`` or ``Q3.``, bracketed units and, in question headers, words such as 您/贵/请填写
ignored) against each column's name, its zh/en labels and its synonyms in ``schema.py``.
A column no header names exactly is then looked for in headers that *end* in one of its
words (年度预算 → budget: Chinese puts the head last) and, for coded columns, in a header
whose answers read as its codes (就业形式 of 合同就业/考取高职 → status); such guesses weigh
half in detection, and a coded column takes a guessed header only when its answers fit.
A wide satisfaction sheet (one column per dimension, as survey platforms export it) is
recognised through the dimension vocabulary and unpivoted.

Detection (``detect_table``) weighs each header by how much it tells tables apart: its
weight is ``1 / spread``, the number of tables that map it (毕业去向, employment only,
weighs 1; 学号, four tables, 0.25; ``schema.GENERIC_HEADERS`` such as 序号/备注 nothing).
A table also *carries* headers it does not store: the columns of the tables its key refers
to (an employment sheet carries the student's 姓名/班级/专业), generic headers and, for
surveys, the platforms' metadata; a carried header never counts against it. Per table::

    score = evidence − against + needed_share + 1 × named

``evidence`` sums the weights of the headers the table maps, ``against`` those of headers
that other tables map and this one neither maps nor carries, ``needed_share`` is the share
of the table's key and required columns that the sheet provides (a mapped column, a
default, a constant stated in a title, sheet name or file name, or a declared derivation),
and ``named`` says whether a title, the sheet name or the file name uses one of the
table's words (``Table.words``: 毕业去向, 台账, 满意度 …). A table wins clearly when its
evidence is at least ``MIN_EVIDENCE`` (half of it with its name in a title), it provides at
least half of its key, and it leads the runner-up by at least ``CLEAR_LEAD`` (half of it when
the runner-up lacks one of its own key or required columns and could not load the sheet).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from analytics import schema
from analytics.errors import ConfigError
from analytics.ingest import normalize

# Brackets and what they hold: units and hints such as （元） (%) [分] (yyyy-mm-dd) (必填).
_BRACKETED = normalize.BRACKETS
_DROP = re.compile(r"[\s_\-.*:?!？！、，,。;；]+")
# Numbering of a question header: 3、 3. (3) 第3题 Q3 一、 (after NFKC, ③ is 3).
_HEADER_NUMBERING = re.compile(
    r"^\s*(?:q\s*\d+\s*[.、:)]?|第\s*\d+\s*题[.、:)]?|\(\s*\d+\s*\)|\d{1,3}\s*[、.)．:](?!\d)"
    r"|[一二三四五六七八九十]+\s*[、.)．])\s*",
    re.I,
)
# Words of a question that do not say what is asked: "请填写贵单位的名称" is 单位名称.
_QUESTION = re.compile(r"[您贵请?？]")
_FILLERS = re.compile(r"请填写|请输入|请选择|请问|您的|您对|您|贵|所在|的|全称|是什么|是多少")
# A matrix question's sub-item follows its stem: "请评价以下方面—专业技能", "评价:团队合作".
_SUB_ITEM = re.compile(r"^(.+?)\s*(?:—+|--|:|：|_|\|)\s*([^—:：_|]+)$")

CLEAR_LEAD = 1.0  # the winner's lead over the runner-up, in weight of one discriminating header
MIN_EVIDENCE = 0.5

WIDE_TABLE = "satisfaction_surveys"
AGGREGATE_TABLE = "benchmarks"
# A header of a wide sheet is a dimension only when most of its answers read as scores.
WIDE_SCORE_SHARE = 0.6
# Respondent of a wide sheet (one row per answered questionnaire) when none is named.
RESPONDENT_HEADERS = ("序号", "答卷编号", "答卷id", "编号", "no", "id")


def header_key(text: str) -> str:
    """Matching form of a header: ``"月薪（元）" == "月薪"``, ``"Student_ID" == "studentid"``,
    ``"1、贵单位名称：" == "单位名称"``."""
    lowered = unicodedata.normalize("NFKC", text).casefold().strip()
    question = bool(_QUESTION.search(lowered))
    unnumbered = _HEADER_NUMBERING.sub("", lowered, count=1) or lowered
    stripped = _BRACKETED.sub("", unnumbered)
    if question:
        stripped = _FILLERS.sub("", stripped)
    key = _DROP.sub("", stripped)
    return key or _DROP.sub("", re.sub(r"[()\[\]【】<>《》{}]", "", unnumbered))


@dataclass(frozen=True)
class Candidate:
    """A table a sheet may be, with the evidence behind its score."""

    table: str
    score: float
    evidence: tuple[tuple[str, float], ...] = ()  # mapped headers and their weights, strongest first
    against: tuple[tuple[str, float], ...] = ()  # other tables' headers it leaves out, strongest first
    key_share: float = 0.0
    needed_share: float = 0.0
    named: bool = False

    @property
    def weight(self) -> float:
        """Sum of the weights of the headers this table maps."""
        return round(sum(w for _, w in self.evidence), 3)


@dataclass(frozen=True)
class Mapping:
    """How a sheet's headers fill one table's columns."""

    table: str
    columns: dict[str, str]  # canonical column -> source header (as in the file)
    unmapped: tuple[str, ...]  # source headers not used
    unpivot: dict[str, str]  # wide satisfaction sheet: source header -> dimension code
    # Headers found by a word inside longer wording or by their answers, not by a synonym:
    # weaker evidence of the table (they weigh half in detection).
    guessed: tuple[str, ...] = ()


@cache
def _labels(column: schema.Column) -> tuple[str, ...]:
    """Header keys of a column, best first: exact labels, then synonyms in their order."""
    keys: list[str] = []
    for text in (column.zh, column.en, column.name, *column.synonyms):
        key = header_key(text)
        if key and key not in keys:
            keys.append(key)
    return tuple(keys)


# Answers of one header (the sheet's column), for checks that need to look at values.
Sample = Callable[[str], Sequence[object]]


def _dimension_of(header: str) -> str | None:
    """The satisfaction dimension a header asks about: its matrix sub-item first, then the whole."""
    text = unicodedata.normalize("NFKC", header)
    if match := _SUB_ITEM.match(text):
        code = normalize.vocabulary_code("dimension", match.group(2).strip())
        if code is not None:
            return code
    return normalize.vocabulary_code("dimension", header_key(header))


def _scores(values: Sequence[object]) -> bool:
    """Whether most non-blank answers read as scores (numbers or Likert words)."""
    import pandas as pd

    series = pd.Series(list(values), dtype=object)
    present = series.dropna()
    if present.empty:
        return True
    score = schema.table(WIDE_TABLE).column("score")
    values, errors = normalize.normalize_column(present, score)
    answered = values.notna() | errors.notna()  # "(跳过)" and other no-answers say nothing
    return not answered.any() or bool(values[answered].notna().mean() >= WIDE_SCORE_SHARE)


def _wide_dimensions(
    table: schema.Table, headers: list[str], taken: set[str], sample: Sample | None
) -> dict[str, str]:
    """Headers of a wide satisfaction sheet that name a dimension: header -> code."""
    if table.name != WIDE_TABLE:
        return {}
    found = {}
    for header in headers:
        if header not in taken and header_key(header) not in _METADATA:
            code = _dimension_of(header)
            if code is not None and (sample is None or _scores(sample(header))):
                found[header] = code
    return found


def _assign(
    table: schema.Table, headers: list[str], overrides: dict[str, str], sample: Sample | None
) -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
    """Columns and unpivot of ``table``: overrides first, then best label rank, then header order."""
    columns = {name: header for name, header in overrides.items() if header}
    taken_headers = set(columns.values())
    settled = set(overrides)
    keys = [header_key(h) for h in headers]
    pairs = []
    for order, column in enumerate(table.columns):
        if column.generated or column.name in settled:
            continue
        for rank, label in enumerate(_labels(column)):
            for position, key in enumerate(keys):
                if key == label:
                    pairs.append((rank, position, order, column.name, headers[position]))
    for _, _, _, name, header in sorted(pairs):
        if name not in columns and header not in taken_headers:
            columns[name] = header
            taken_headers.add(header)
    unpivot = {}
    if "dimension" not in columns and "score" not in columns and "dimension" not in settled:
        unpivot = _wide_dimensions(table, headers, taken_headers, sample)
        taken_headers |= set(unpivot)
    if unpivot and "respondent" not in columns and "respondent" not in settled:
        # One row per answered questionnaire: its number tells respondents apart.
        respondent = next((h for h, k in zip(headers, keys) if k in RESPONDENT_HEADERS and h not in taken_headers), None)
        if respondent is not None:
            columns["respondent"] = respondent
            taken_headers.add(respondent)
    skip = settled | ({"dimension", "score"} if unpivot else set())
    exact = set(columns.values())
    if table.name != AGGREGATE_TABLE:  # published tables describe their layout in their own terms
        _by_word(table, headers, keys, columns, taken_headers, skip, sample)
        if sample is not None:
            _by_values(table, headers, columns, taken_headers, skip, sample)
    ordered = {c.name: columns[c.name] for c in table.columns if c.name in columns}
    guessed = tuple(h for h in ordered.values() if h not in exact)
    return ordered, unpivot, guessed


def _worded(column: schema.Column) -> bool:
    """Whether a column may be found by a word inside a longer header: not IDs and names, whose
    headers must say exactly what they hold (家长姓名 is no student's name)."""
    return not column.generated and column.kind != "id" and not (column.personal and column.kind == "text")


def _fits(column: schema.Column, values: Sequence[object]) -> bool:
    """Whether most answers of a header read as words of ``column``'s vocabulary."""
    kind = column.vocabulary.kind if column.vocabulary is not None else None
    if kind is None:
        return True
    share = _share_of(kind, values, WIDE_SCORE_SHARE)
    return share is None or share >= WIDE_SCORE_SHARE


def _share_of(kind: str, values: Sequence[object], at_least: float = 0.0) -> float | None:
    """Share of the non-blank answers that read as words of vocabulary ``kind`` (each distinct
    answer looked up once); None without answers.

    With ``at_least``, the lookups stop as soon as the misses leave the share short of it, and
    the share returned is then a bound below ``at_least``: whether the share reaches it is
    decided as by the exact share. Table detection asks this of every header for each coded
    column of each table; an ID column of 200 distinct answers is settled after 41 lookups
    instead of 200 (with the answers taken once per header, detecting a 2,000-row certificate
    sheet's table: 21 -> 9 ms)."""
    words = Counter(v.strip() for v in values if isinstance(v, str) and v.strip())
    total = sum(words.values())
    if not total:
        return None
    reachable = total  # answers that read as words, or are not looked up yet
    for v, n in words.items():
        if normalize.vocabulary_code(kind, v) is None:
            reachable -= n
            if reachable / total < at_least:
                break
    return reachable / total


def _by_word(
    table: schema.Table, headers: list[str], keys: list[str], columns: dict[str, str], taken: set[str],
    skip: set[str], sample: Sample | None = None,
) -> None:
    """Headers that end in a column's label or synonym (年度预算 → 预算, 专业理论 → 理论, 考证时间 →
    时间): a Chinese compound puts its head last, so only an ending counts (专业技能 is a skill,
    not a major); longer words first. A coded column takes such a header only when its answers
    read as the column's words (考核类型 of 学生测评 is no mentor type)."""
    pairs = []
    for order, column in enumerate(table.columns):
        if column.name in columns or column.name in skip or not _worded(column):
            continue
        for label in _labels(column):
            if len(label) < 2:
                continue
            for position, key in enumerate(keys):
                if headers[position] in taken or key in _GENERIC or key in _METADATA or label == key:
                    continue
                if key.endswith(label):
                    pairs.append((-len(label), position, order, column.name, headers[position]))
    for *_, name, header in sorted(pairs):
        if name not in columns and header not in taken:
            if sample is not None and not _fits(table.column(name), sample(header)):
                continue
            columns[name] = header
            taken.add(header)


# Coded columns a header's answers can reveal (a 就业形式 column of 合同就业/考取高职 is the status).
_VALUE_KINDS = ("status", "activity_type", "cooperation_form", "evaluator_type", "stage")
VALUE_SHARE = 0.8


def _by_values(
    table: schema.Table, headers: list[str], columns: dict[str, str], taken: set[str], skip: set[str],
    sample: Sample,
) -> None:
    """Coded columns still unmapped, filled by the header whose answers read as their codes."""
    for column in table.columns:
        if column.name in columns or column.name in skip or column.generated or column.name not in _VALUE_KINDS:
            continue
        best, best_share = None, VALUE_SHARE
        for header in headers:
            if header in taken or header_key(header) in _GENERIC | _METADATA:
                continue
            values = sample(header)
            if sum(isinstance(v, str) and bool(v.strip()) for v in values) < 2:
                continue
            share = _share_of(column.name, values, best_share) or 0.0
            if share >= best_share:
                best, best_share = header, share
        if best is not None:
            columns[column.name] = best
            taken.add(best)


def _validated_overrides(table: schema.Table, headers: list[str], overrides: dict[str, str]) -> None:
    mappable = [c.name for c in table.columns if not c.generated]
    for name, header in overrides.items():
        if name not in mappable:
            raise ConfigError(
                "mapping-unknown-column", column=name, table=table.name, known=", ".join(mappable)
            )
        if header and header not in headers:
            raise ConfigError("mapping-unknown-header", header=header, column=name)
    chosen = [h for h in overrides.values() if h]
    if len(set(chosen)) != len(chosen):
        duplicate = next(h for h in chosen if chosen.count(h) > 1)
        raise ConfigError("mapping-duplicate-header", header=duplicate)


def _table(name: str) -> schema.Table:
    if name not in schema.TABLE_BY_NAME:
        raise ConfigError("unknown-table", table=name, known=", ".join(schema.TABLE_NAMES))
    return schema.TABLE_BY_NAME[name]


def map_headers(
    table: str, headers: list[str], overrides: dict[str, str] | None = None, sample: Sample | None = None
) -> Mapping:
    """Map ``headers`` onto ``table``'s columns; ``overrides`` (column -> header) win.

    One header fills at most one column and vice versa; an exact label beats a synonym,
    an earlier synonym a later one (so 企业编号 beats 企业名称 for ``enterprise_id``).
    An override to ``""`` leaves that column unmapped. ``sample`` gives a header's answers,
    so that a question that names a dimension becomes one only when it was answered with
    scores. Raises ``ConfigError`` for an unknown table, column or header.
    """
    spec = _table(table)
    overrides = dict(overrides or {})
    _validated_overrides(spec, headers, overrides)
    columns, unpivot, guessed = _assign(spec, headers, overrides, sample)
    used = set(columns.values()) | set(unpivot)
    unmapped = tuple(h for h in headers if h not in used)
    return Mapping(table=table, columns=columns, unmapped=unmapped, unpivot=unpivot, guessed=guessed)


def _mapped_names(mapping: Mapping) -> set[str]:
    names = set(mapping.columns)
    if mapping.unpivot:
        names |= {"dimension", "score"}
    return names


@cache
def _known_keys() -> frozenset[str]:
    return frozenset(k for t in schema.TABLES for c in t.columns if not c.generated for k in _labels(c))


def known_header(text: str) -> bool:
    """Whether ``text`` is a header some table reads (a label or synonym of one of its columns)."""
    return header_key(text) in _known_keys()


_GENERIC = frozenset(header_key(h) for h in schema.GENERIC_HEADERS)
_METADATA = frozenset(header_key(h) for h in schema.SURVEY_METADATA)


@cache
def _carried(table: str) -> frozenset[str]:
    """Header keys a sheet of ``table`` commonly carries without storing them: the columns of
    the tables its key refers to (an exam sheet carries the student's 姓名 and 班级), generic
    headers, and for surveys the platforms' metadata."""
    spec = schema.table(table)
    keys: set[str] = set(_GENERIC)
    for name in spec.key:
        ref = spec.column(name).ref
        if ref is not None and ref != table:
            for column in schema.table(ref).columns:
                keys.update(_labels(column))
    if table == WIDE_TABLE:
        keys |= _METADATA
    return frozenset(keys)


def _share(columns: Sequence[schema.Column], names: set[str], constants: set[str]) -> float:
    """Share of ``columns`` the sheet provides: mapped, defaulted, stated for the file, or derived."""
    def provided(column: schema.Column) -> bool:
        derived = column.derived_from is not None and column.derived_from[0] in names
        return column.name in names or column.name in constants or column.default is not None or derived
    return sum(provided(c) for c in columns) / len(columns) if columns else 1.0


def _named(texts: Sequence[str]) -> set[str]:
    """Tables whose words a title, sheet name or file name uses; a word inside a longer word
    of another table does not count (导师考核 names mentor evaluations, not 考核)."""
    hits: list[tuple[int, int, str]] = []
    for text in texts:
        lowered = unicodedata.normalize("NFKC", text).casefold()
        for table in schema.TABLES:
            for word in table.words:
                for match in re.finditer(re.escape(word.casefold()), lowered):
                    hits.append((match.start(), match.end(), table.name))
        named = set()
        for start, end, name in hits:
            inside = any(s <= start and end <= e and (e - s) > (end - start) and n != name for s, e, n in hits)
            if not inside:
                named.add(name)
        hits.clear()
        yield from named


def detect_table(
    headers: list[str], texts: Sequence[str] = (), sample: Sample | None = None
) -> list[Candidate]:
    """Every table that explains some of ``headers``, best first.

    ``texts`` are the title lines, the sheet name and the file name (for constants and
    table words); ``sample`` gives a header's answers (see ``map_headers``).
    """
    keys = {h: header_key(h) for h in headers}
    mappings = {t.name: map_headers(t.name, headers, sample=sample) for t in schema.TABLES}
    spread: dict[str, int] = {}
    for h, key in keys.items():
        if not key or key in _GENERIC:
            continue
        spread[h] = sum(h in set(m.columns.values()) | set(m.unpivot) for m in mappings.values())
    weight = {h: 1 / n for h, n in spread.items() if n}
    named = set(_named(texts))
    candidates = []
    for table in schema.TABLES:
        mapping = mappings[table.name]
        used = set(mapping.columns.values()) | set(mapping.unpivot)
        factor = {h: 0.5 for h in mapping.guessed}
        evidence = sorted(((h, round(weight.get(h, 0.0) * factor.get(h, 1.0), 3)) for h in used if h in weight),
                          key=lambda e: -e[1])
        carried = _carried(table.name)
        against = sorted(
            ((h, round(w, 3)) for h, w in weight.items() if h not in used and keys[h] not in carried),
            key=lambda e: -e[1],
        )
        names = _mapped_names(mapping)
        constants = set(propose_constants(table.name, mapping, list(texts), "", ""))
        share = _share([table.column(k) for k in table.key if not table.column(k).generated], names, constants)
        needed = _share(table.required_columns, names, constants)
        total = sum(w for _, w in evidence)
        if total <= 0:
            continue
        score = total - sum(w for _, w in against) + needed + (1.0 if table.name in named else 0.0)
        candidates.append(Candidate(table.name, round(score, 3), tuple(evidence), tuple(against),
                                    round(share, 3), round(needed, 3), table.name in named))
    return sorted(candidates, key=lambda c: (-c.score, schema.TABLE_NAMES.index(c.table)))


def clearly_ahead(best: Candidate, runner_up: Candidate | None) -> bool:
    """Enough evidence, at least half of the key, and a lead of ``CLEAR_LEAD`` over the runner-up
    (half of it over a runner-up that could not load the sheet: one of its key or required
    columns is missing)."""
    if best.weight < MIN_EVIDENCE and not (best.named and best.weight >= MIN_EVIDENCE / 2):
        return False
    if best.key_share < 0.5:
        return False
    if runner_up is None:
        return True
    lead = CLEAR_LEAD if runner_up.needed_share >= 1 else CLEAR_LEAD / 2
    return best.score - runner_up.score >= lead


def resolve_table(
    headers: list[str], table: str | None, texts: Sequence[str] = (), sample: Sample | None = None
) -> tuple[str | None, list[Candidate]]:
    """The table for a sheet: ``table`` when given (validated), else the clear winner or None.

    With None the caller reports ``table-ambiguous`` (candidates) or ``table-unknown``
    (no candidate).
    """
    candidates = detect_table(headers, texts, sample)
    if table is not None:
        return _table(table).name, candidates
    if not candidates:
        return None, candidates
    runner_up = candidates[1] if len(candidates) > 1 else None
    return (candidates[0].table if clearly_ahead(candidates[0], runner_up) else None), candidates


def foreign_columns(chosen: str, mapping: Mapping, candidates: list[Candidate]) -> dict[str, list[str]]:
    """Headers the chosen table leaves out that another table would store: table -> headers.

    The sheet loads without them, and the caller warns naming them (``columns-of-other-table``).
    """
    best = next((c for c in candidates if c.table == chosen), None)
    if best is None:
        return {}
    left_out = [h for h, _ in best.against if h in mapping.unmapped]
    out: dict[str, list[str]] = {}
    for header in left_out:
        owner = next((c.table for c in candidates if c.table != chosen and header in dict(c.evidence)), None)
        if owner is not None:
            out.setdefault(owner, []).append(header)
    return out


_YEAR = r"((?:19|20)\d{2})"
_GRADUATION_YEAR = (
    re.compile(_YEAR + r"\s*(?:届|年度?\s*(?:的)?\s*毕业)"),
    re.compile(_YEAR + r"\s*(?:graduates|graduating)", re.I),
    re.compile(r"class\s+of\s+" + _YEAR, re.I),
)
_COHORT_YEAR = (re.compile(_YEAR + r"\s*级"),)
# "23级", "24届": two-digit years of this century.
_SHORT_COHORT = re.compile(r"(?<![\d.])(\d{2})\s*级")
_SHORT_GRADUATION = re.compile(r"(?<![\d.])(\d{2})\s*届")
_EXAM_DATE = re.compile(
    r"(?:(?:考试|考核|鉴定|认定|测试|评价)\s*(?:日期|时间)\s*:?\s*)?"
    r"(\d{4}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?))"
)
# A class sheet of a workbook with one sheet per class: "数控2301班", "23汽修1班".
_CLASS_SHEET = re.compile(r"^\s*\S{0,16}?\d\S{0,6}班\s*$")
_MENTOR_WORDS = re.compile(r"导师|师傅|教师|mentor", re.I)
_FISCAL_YEAR = (
    re.compile(_YEAR + r"\s*年度"),
    re.compile(r"(?:fiscal\s+year|fy)\s*" + _YEAR, re.I),
)
_SURVEY_DATE = re.compile(
    r"(?:填报|调查|统计|填表|问卷|跟踪|survey)\s*(?:日期|时间|date)\s*:?\s*"
    r"(\d{4}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]))",
    re.I,
)
_TERM = re.compile(
    r"(\d{4})\s*[-–—~至到]\s*(\d{4})\s*学年\s*(?:第\s*([一二12])\s*学期|([上下])\s*学期)?"
)
_TERM_NUMBER = {"一": "一", "1": "一", "上": "一", "二": "二", "2": "二", "下": "二"}

# Constant columns a title can state, per table: column -> how to read it.
_CONSTANTS = {
    "employment": ("graduation_year", "survey_date"),
    "students": ("graduation_year", "cohort_year", "class_name"),
    "mentors": ("mentor_type",),
    "certificate_exams": ("exam_date",),
    "satisfaction_surveys": ("survey_date",),
    "student_assessments": ("term",),
    "mentor_evaluations": ("period",),
    "funding": ("year",),
    "benchmarks": ("source",),
    "mentor_activities": ("activity_type",),
}


def _year(patterns: tuple[re.Pattern[str], ...], text: str, column: schema.Column) -> int | None:
    for pattern in patterns:
        if match := pattern.search(text):
            year = int(match.group(1))
            if (column.min is None or year >= column.min) and (
                column.max is None or year <= column.max
            ):
                return year
    return None


def _survey_date(text: str) -> dt.date | None:
    match = _SURVEY_DATE.search(text)
    return normalize.parse_date(re.sub(r"\s+", "", match.group(1))) if match else None


def _term(text: str) -> str | None:
    """``2023-2024学年第一学期`` in one spelling, whatever dashes and digits the title used."""
    match = _TERM.search(text)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return None
    term = f"{match.group(1)}-{match.group(2)}学年"
    part = match.group(3) or match.group(4)
    return f"{term}第{_TERM_NUMBER[part]}学期" if part else term


def _short_year(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return 2000 + int(match.group(1)) if match else None


def _exam_date(text: str) -> dt.date | None:
    match = _EXAM_DATE.search(text)
    return normalize.parse_date(re.sub(r"\s+", "", match.group(1))) if match else None


_GENERIC_SHEET = re.compile(r"^\s*(?:sheet|工作表|表|page|data|数据|export|导出)\s*\(?\d*\)?\s*$", re.I)


def _source(text: str, origin: str) -> str | None:
    """Where published figures come from: a title line, a sheet name that says something, or the
    file's name."""
    if origin == "sheet" and _GENERIC_SHEET.match(text):
        return None
    if origin == "file":
        text = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", text)
    return text.strip() or None


def _constant(column: schema.Column, text: str, origin: str) -> object:
    is_sheet = origin == "sheet"
    if column.name == "graduation_year":
        return _year(_GRADUATION_YEAR, text, column) or _short_year(_SHORT_GRADUATION, text)
    if column.name == "cohort_year":
        return _year(_COHORT_YEAR, text, column) or _short_year(_SHORT_COHORT, text)
    if column.name == "year":
        return _year(_FISCAL_YEAR, text, column)
    if column.name == "survey_date":
        return _survey_date(text)
    if column.name == "exam_date":
        return _exam_date(text)
    if column.name == "class_name":
        return text.strip() if is_sheet and _CLASS_SHEET.match(text) else None
    if column.name == "mentor_type":
        return normalize.vocabulary_code("mentor_type", text) if _MENTOR_WORDS.search(text) else None
    if column.name == "source":
        return _source(text, origin)
    if column.name == "period":
        # 导师考核（2023-2024学年）, or a calendar year: 2024年度导师考核
        year = _year(_FISCAL_YEAR, text, schema.table("funding").column("year"))
        return _term(text) or (str(year) if year else None)
    if column.name == "activity_type":
        # A log of one kind of activity says so once: 授课签到表, 下企业记录.
        code = normalize.vocabulary_code("activity_type", text)
        return None if code in (None, "other") else code
    return _term(text)


def propose_constants(
    table: str, mapping: Mapping, title_lines: list[str], sheet_name: str, file_name: str
) -> dict[str, object]:
    """Columns the sheet lacks but its title, sheet name or file name states, as canonical values.

    ``"2024届毕业生就业情况"`` (or ``24届``) gives ``graduation_year=2024``; ``"23级"``
    ``cohort_year=2023``; ``"调查日期：2024-08-31"`` ``survey_date``; ``"考核日期：2024年6月15日"``
    ``exam_date``; ``"2023-2024学年第一学期"`` ``term``/``period``; ``"2024年度"`` ``year``; a
    sheet named ``企业导师`` ``mentor_type``; a sheet named ``数控2301班`` ``class_name``.
    Titles are read first, then the sheet name, then the file name.
    """
    spec = _table(table)
    origins = [*(["title"] * len(title_lines)), "sheet", "file"]
    texts = [(unicodedata.normalize("NFKC", t), o)
             for t, o in zip((*title_lines, sheet_name, file_name), origins, strict=True) if t]
    proposed: dict[str, object] = {}
    for name in _CONSTANTS.get(table, ()):
        if name in mapping.columns:
            continue
        for text, origin in texts:
            value = _constant(spec.column(name), text, origin)
            if value is not None:
                proposed[name] = value
                break
    return proposed


def header_signature(headers: list[str]) -> str:
    """Stable hash of the sheet's header keys (order-free), to save and reuse a mapping."""
    keys = sorted(k for k in (header_key(h) for h in headers) if k)
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:16]
