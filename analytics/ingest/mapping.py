"""Which canonical table a sheet is, and which header is which column.

Headers are compared by ``header_key`` (case, width, spaces, punctuation and bracketed
units ignored) against each column's name, its zh/en labels and its synonyms in
``schema.py``. A wide satisfaction sheet (one column per dimension) is recognised
through the dimension vocabulary of ``normalize`` and unpivoted.

Scoring (``detect_table``), per table, with the automatic mapping of the headers:

    score = (matched + 2 × signature_hits + 3 × needed_share) × header_share

``matched`` counts mapped columns (an unpivot supplies ``dimension`` and ``score``),
``signature_hits`` the table's signature columns mapped (``Table.signature``), the
``needed_share`` the share of required columns without default that are mapped, and
``header_share`` the share of the sheet's headers used, which keeps a table that
explains only a corner of the sheet behind one that explains all of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from analytics import schema
from analytics.errors import ConfigError
from analytics.ingest import normalize

# Brackets and what they hold: units and hints such as （元） (%) [分] (yyyy-mm-dd) (必填).
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|《[^《》]*》|\{[^{}]*\}")
_DROP = re.compile(r"[\s_\-.*:]+")

# "Clearly ahead": this many times the runner-up's score, with real evidence behind it.
CLEAR_MARGIN = 1.5
MIN_MATCHED = 2

WIDE_TABLE = "satisfaction_surveys"


def header_key(text: str) -> str:
    """Matching form of a header: ``"月薪（元）" == "月薪"``, ``"Student_ID" == "studentid"``."""
    lowered = unicodedata.normalize("NFKC", text).casefold()
    stripped = _BRACKETED.sub("", lowered)
    key = _DROP.sub("", stripped)
    return key or _DROP.sub("", re.sub(r"[()\[\]【】<>《》{}]", "", lowered))


@dataclass(frozen=True)
class Candidate:
    """A table a sheet may be, with the evidence behind its score."""

    table: str
    score: float
    matched: int
    signature_hits: int


@dataclass(frozen=True)
class Mapping:
    """How a sheet's headers fill one table's columns."""

    table: str
    columns: dict[str, str]  # canonical column -> source header (as in the file)
    unmapped: tuple[str, ...]  # source headers not used
    unpivot: dict[str, str]  # wide satisfaction sheet: source header -> dimension code


def _labels(column: schema.Column) -> list[str]:
    """Header keys of a column, best first: exact labels, then synonyms in their order."""
    keys: list[str] = []
    for text in (column.zh, column.en, column.name, *column.synonyms):
        key = header_key(text)
        if key and key not in keys:
            keys.append(key)
    return keys


def _wide_dimensions(table: schema.Table, headers: list[str], taken: set[str]) -> dict[str, str]:
    """Headers of a wide satisfaction sheet that name a dimension: header -> code."""
    if table.name != WIDE_TABLE:
        return {}
    dimension = table.column("dimension")
    found = {}
    for header in headers:
        if header not in taken:
            code = normalize.enum_code(dimension, header_key(header))
            if code is not None:
                found[header] = code
    return found


def _assign(
    table: schema.Table, headers: list[str], overrides: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
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
        unpivot = _wide_dimensions(table, headers, taken_headers)
    ordered = {c.name: columns[c.name] for c in table.columns if c.name in columns}
    return ordered, unpivot


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


def map_headers(table: str, headers: list[str], overrides: dict[str, str] | None = None) -> Mapping:
    """Map ``headers`` onto ``table``'s columns; ``overrides`` (column -> header) win.

    One header fills at most one column and vice versa; an exact label beats a synonym,
    an earlier synonym a later one (so 企业编号 beats 企业名称 for ``enterprise_id``).
    An override to ``""`` leaves that column unmapped. Raises ``ConfigError`` for an
    unknown table, column or header.
    """
    spec = _table(table)
    overrides = dict(overrides or {})
    _validated_overrides(spec, headers, overrides)
    columns, unpivot = _assign(spec, headers, overrides)
    used = set(columns.values()) | set(unpivot)
    unmapped = tuple(h for h in headers if h not in used)
    return Mapping(table=table, columns=columns, unmapped=unmapped, unpivot=unpivot)


def _signature_hits(table: schema.Table, names: set[str]) -> int:
    """Signature columns (``Table.signature`` names their zh labels) mapped by any synonym."""
    signature = [c.name for c in table.columns if c.zh in table.signature]
    return sum(name in names for name in signature)


def _mapped_names(mapping: Mapping) -> set[str]:
    names = set(mapping.columns)
    if mapping.unpivot:
        names |= {"dimension", "score"}
    return names


def _needed(table: schema.Table) -> list[str]:
    return [c.name for c in table.required_columns if c.default is None]


def _candidate(table: schema.Table, headers: list[str]) -> Candidate:
    mapping = map_headers(table.name, headers)
    names = _mapped_names(mapping)
    needed = _needed(table)
    needed_share = sum(n in names for n in needed) / len(needed) if needed else 0.0
    hits = _signature_hits(table, names)
    present = [h for h in headers if header_key(h)]
    header_share = (len(present) - len(mapping.unmapped)) / len(present) if present else 0.0
    raw = len(names) + 2 * hits + 3 * needed_share
    score = round(raw * header_share, 3)
    return Candidate(table.name, score, len(names), hits)


def detect_table(headers: list[str]) -> list[Candidate]:
    """Every table that explains some of ``headers``, best first."""
    candidates = [_candidate(t, headers) for t in schema.TABLES]
    ranked = [c for c in candidates if c.score > 0]
    return sorted(ranked, key=lambda c: (-c.score, schema.TABLE_NAMES.index(c.table)))


def _clearly_ahead(best: Candidate, runner_up: Candidate | None, headers: list[str]) -> bool:
    """Margin over the runner-up, a signature hit, and at least half of the key provided."""
    if runner_up is not None and best.score < CLEAR_MARGIN * runner_up.score:
        return False
    if best.signature_hits < 1 or best.matched < MIN_MATCHED:
        return False
    table = schema.table(best.table)
    names = _mapped_names(map_headers(best.table, headers))
    keys = [k for k in table.key if not table.column(k).generated]
    provided = sum(k in names or table.column(k).default is not None for k in keys)
    return 2 * provided >= len(keys)


def resolve_table(headers: list[str], table: str | None) -> tuple[str | None, list[Candidate]]:
    """The table for a sheet: ``table`` when given (validated), else the clear winner or None.

    "Clear" means: at least ``CLEAR_MARGIN`` times the runner-up's score, at least one
    signature header, at least ``MIN_MATCHED`` columns and at least half of the key
    columns mapped. With None the caller reports ``table-ambiguous`` (candidates) or
    ``table-unknown`` (no candidate).
    """
    candidates = detect_table(headers)
    if table is not None:
        return _table(table).name, candidates
    if not candidates:
        return None, candidates
    runner_up = candidates[1] if len(candidates) > 1 else None
    return (candidates[0].table if _clearly_ahead(candidates[0], runner_up, headers) else None,
            candidates)


_YEAR = r"((?:19|20)\d{2})"
_GRADUATION_YEAR = (
    re.compile(_YEAR + r"\s*(?:届|年度?\s*(?:的)?\s*毕业)"),
    re.compile(_YEAR + r"\s*(?:graduates|graduating)", re.I),
    re.compile(r"class\s+of\s+" + _YEAR, re.I),
)
_COHORT_YEAR = (re.compile(_YEAR + r"\s*级"),)
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
    "students": ("graduation_year", "cohort_year"),
    "satisfaction_surveys": ("survey_date",),
    "student_assessments": ("term",),
    "mentor_evaluations": ("period",),
    "funding": ("year",),
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


def _constant(column: schema.Column, text: str) -> object:
    if column.name == "graduation_year":
        return _year(_GRADUATION_YEAR, text, column)
    if column.name == "cohort_year":
        return _year(_COHORT_YEAR, text, column)
    if column.name == "year":
        return _year(_FISCAL_YEAR, text, column)
    if column.name == "survey_date":
        return _survey_date(text)
    return _term(text)


def propose_constants(
    table: str, mapping: Mapping, title_lines: list[str], sheet_name: str, file_name: str
) -> dict[str, object]:
    """Columns the sheet lacks but its title, sheet name or file name states, as canonical values.

    ``"2024届毕业生就业情况"`` gives ``graduation_year=2024``; ``"调查日期：2024-08-31"``
    ``survey_date``; ``"2023-2024学年第一学期"`` ``term``/``period``; ``"2024年度"`` ``year``.
    Titles are read first, then the sheet name, then the file name.
    """
    spec = _table(table)
    texts = [unicodedata.normalize("NFKC", t) for t in (*title_lines, sheet_name, file_name) if t]
    proposed: dict[str, object] = {}
    for name in _CONSTANTS.get(table, ()):
        if name in mapping.columns:
            continue
        for text in texts:
            value = _constant(spec.column(name), text)
            if value is not None:
                proposed[name] = value
                break
    return proposed


def header_signature(headers: list[str]) -> str:
    """Stable hash of the sheet's header keys (order-free), to save and reuse a mapping."""
    keys = sorted(k for k in (header_key(h) for h in headers) if k)
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:16]
