"""Import a file: read → detect table → map headers → normalise and validate → load.

``import_file`` is the one entry point used by the CLI, the dashboard's upload box, the
demo loader and the tests, so every path imports the same way. Each sheet of a workbook
becomes its own batch; a sheet that cannot be imported is reported with the reason and
leaves the database untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import db, schema
from analytics.config import Settings
from analytics.db import transaction
from analytics.errors import AnalyticsError, ConfigError, FileRejectedError
from analytics.ingest import load as loader
from analytics.ingest import shape
from analytics.ingest.issues import ERROR, WARNING, Issue, message_columns
from analytics.ingest.mapping import (
    Candidate,
    Mapping,
    foreign_columns,
    header_signature,
    propose_constants,
    resolve_table,
)
from analytics.ingest.normalize import CellRules, normalize_cells, value_key
from analytics.ingest.read import Limits, RawSheet, read_bytes
from analytics.ingest.sandbox import read_isolated
from analytics.ingest.validate import UnknownValue, json_rows, scoped_import_allowed, validate

# A value map: canonical column -> {cell text as the user wrote it -> code or accepted word}.
ValueMap = dict[str, dict[str, str]]

PREVIEW_ROWS = 20
SAMPLE_ROWS = 200  # answers looked at to tell a dimension question from another question
DECIDING_HEADERS = 3  # headers named for each table in an ambiguity message


@dataclass
class SheetResult:
    """What happened to one sheet of one file."""

    file_name: str
    sheet: str | None
    status: str  # loaded | unchanged | checked | refused | skipped
    table: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    mapping: Mapping | None = None
    constants: dict[str, Any] = field(default_factory=dict)
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    batch_id: int | None = None
    previous_batch: int | None = None
    issues: list[Issue] = field(default_factory=list)
    refused: AnalyticsError | None = None
    preview: pd.DataFrame | None = None
    # Distinct values the importer did not understand, and the value map that was applied.
    unknown_values: list[UnknownValue] = field(default_factory=list)
    value_map: ValueMap = field(default_factory=dict)

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-ready summary (``import --json``)."""
        return {
            "file": self.file_name,
            "sheet": self.sheet,
            "status": self.status,
            "table": self.table,
            "candidates": [
                {"table": c.table, "score": round(c.score, 3), "headers": [h for h, _ in c.evidence]}
                for c in self.candidates[:3]
            ],
            "mapping": dict(self.mapping.columns) if self.mapping else {},
            "unpivot": dict(self.mapping.unpivot) if self.mapping else {},
            "value_map": self.value_map,
            "unknown_values": [u.as_dict() for u in self.unknown_values],
            "unmapped": list(self.mapping.unmapped) if self.mapping else [],
            "constants": {k: str(v) for k, v in self.constants.items()},
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "batch_id": self.batch_id,
            "previous_batch": self.previous_batch,
            "warnings": [i.as_dict(lang) for i in self.warnings],
            "rejects": [i.as_dict(lang) for i in self.errors],
            "refused": (
                {"code": self.refused.code, "message": self.refused.message(lang)}
                if self.refused
                else None
            ),
        }


def import_file(
    con: duckdb.DuckDBPyConnection,
    source: str | os.PathLike[str] | bytes,
    *,
    file_name: str | None = None,
    table: str | None = None,
    sheet: str | None = None,
    overrides: dict[str, str] | None = None,
    constants: dict[str, Any] | None = None,
    dry_run: bool = False,
    remember: bool = False,
    limits: Limits | None = None,
    scope: tuple[str, ...] | None = None,
    values: ValueMap | None = None,
    settings: Settings | None = None,
    reads: Reads | None = None,
) -> list[SheetResult]:
    """Import every sheet of ``source`` (or just ``sheet``), one batch per sheet.

    ``table`` and ``overrides`` (canonical column → header) override detection;
    ``constants`` set a column for the whole file (``{"graduation_year": "2024"}``);
    ``values`` map values the importer does not understand (``{"status": {"灵活就业（自由
    职业）": "employed"}}``). With ``dry_run`` nothing is written and the result says what
    would happen. With ``remember`` a mapping and value map that loaded are saved under
    the header signature and reused automatically for files with the same headers.
    ``scope`` (a school-scoped user's schools) restricts what may be written to rows of
    those schools. ``settings`` give the grade scores, the blank yes/no rule and, unless
    ``limits`` are given, the file-size limit (``import.max_file_mb``). With ``reads``, a file
    whose sheets it holds is not read again (see :class:`Reads`).
    """
    _check_value_columns(values or {})
    limits = limits or settings_limits(settings)
    name = file_name or ("upload" if isinstance(source, bytes) else Path(source).name)
    try:
        # The bytes are read once (after the size check, so a huge file is refused cheaply)
        # and serve both the reader and the batch's checksum. They are parsed in a child
        # process (``sandbox``): a reader's crash or runaway allocation refuses the file
        # instead of ending the server.
        data = source if isinstance(source, bytes) else read_bytes(Path(source), name, limits)
        if reads is None:
            checksum = _Checksum(data)
            sheets = read_isolated(data, name, limits)
        else:  # the checksum first: it says whether the sheets are at hand
            checksum = _Checksum(data, wait=True)
            sheets = reads.sheets(data, name, limits, checksum.hexdigest())
    except FileRejectedError as e:
        return [SheetResult(name, None, "refused", refused=e)]
    except OSError as e:
        err = FileRejectedError("file-unreadable", file=name, detail=e.strerror or str(e))
        return [SheetResult(name, None, "refused", refused=err)]
    sha = checksum.hexdigest()
    del data  # the file's bytes (130 MB at the row limit) are not needed past the checksum

    if sheet is not None:
        chosen = [s for s in sheets if s.name == sheet]
        if not chosen:
            err = FileRejectedError(
                "sheet-not-found", file=name, sheet=sheet, sheets="、".join(s.name for s in sheets)
            )
            return [SheetResult(name, sheet, "refused", refused=err)]
        sheets = chosen
    request = _Request(
        name, sha, table, overrides, constants or {}, dry_run, remember, len(sheets) > 1, scope,
        values or {}, settings or Settings(),
    )
    hints = _layout_tables(sheets) if table is None and not overrides else {}
    results = [_import_sheet(con, raw, request, hints.get(id(raw))) for raw in sheets]
    if request.several and all(r.status == "skipped" for r in results):
        for r in results:
            r.status = "refused"
    return results


class _Checksum:
    """The SHA-256 of ``data``, computed on a thread while the reader child parses the file
    (``hashlib`` lets go of the GIL on large inputs): 0.06 s of a 65 MB file off the wait.
    With ``wait``, computed here and now."""

    def __init__(self, data: bytes, *, wait: bool = False) -> None:
        self._digest = hashlib.sha256()
        self._thread: threading.Thread | None = None
        if wait:
            self._digest.update(data)
            return
        self._thread = threading.Thread(target=self._digest.update, args=(data,), name="checksum", daemon=True)
        self._thread.start()

    def hexdigest(self) -> str:
        if self._thread is not None:
            self._thread.join()
        return self._digest.hexdigest()


class Reads:
    """The sheets of files already read, so that the same file is read once.

    The dashboard checks an upload with a dry run, again after each choice the user makes (the
    table, the columns, constants, values), then imports it on confirm one sheet at a time: each
    a full read of the same bytes in the reader child (a 100,000-row workbook: about 1 s) before
    this. With one ``Reads`` for the upload, the first read serves them all. It is held by the
    caller (the dashboard: one per upload box and browser session, dropped once the upload is
    imported or removed), so that no other user's or test's reads are in it.

    A file is known by its SHA-256, size and name (the name picks the reader) and the limits it
    was read under. Only sheets are kept: a refused file is read again, and refused again. The
    sheets are not changed by an import (each copies what it changes), so one serves many. The
    kept sheets hold at most ``budget`` bytes of memory (:func:`held_bytes`; the most recent
    first, the latest one always): what they hold, not the files' size, since a zipped workbook's
    sheets hold several times its bytes (a 100,000-row certificate list: 2.9 MB of file, 9.4 MB
    of frame; a CSV's, about 1.4 times).
    """

    def __init__(self, budget: int = 128 * 1024**2) -> None:
        self.budget = budget
        self._kept: dict[tuple[str, int, str, Limits], tuple[list[RawSheet], int]] = {}
        self._lock = threading.Lock()

    def sheets(self, data: bytes, name: str, limits: Limits | None = None,
               sha256: str | None = None) -> list[RawSheet]:
        """``read_isolated(data, name, limits)``, or what it gave before for the same file (then
        kept); ``sha256``: the bytes' digest when the caller has it already."""
        limits = limits or Limits()
        key = (sha256 or hashlib.sha256(data).hexdigest(), len(data), name, limits)
        with self._lock:
            if (kept := self._kept.pop(key, None)) is not None:
                self._kept[key] = kept  # the most recent now
                return kept[0]
        sheets = read_isolated(data, name, limits)  # unlocked: another file's read need not wait
        held = held_bytes(sheets)
        with self._lock:
            self._kept[key] = (sheets, held)
            while sum(h for _, h in self._kept.values()) > self.budget and len(self._kept) > 1:
                del self._kept[next(iter(self._kept))]
        return sheets

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)


def held_bytes(sheets: Sequence[RawSheet]) -> int:
    """The memory the frames of ``sheets`` hold (their Arrow buffers: a cheap sum, no scan)."""
    return sum(int(s.frame.memory_usage(index=True, deep=True).sum()) for s in sheets)


def settings_limits(settings: Settings | None) -> Limits:
    """The reader's limits with the file size of ``settings`` (the defaults without settings)."""
    return Limits(max_bytes=(settings or Settings()).max_file_bytes)


def import_order(files: Sequence[tuple[str, bytes | Path]], limits: Limits | None = None,
                 reads: Reads | None = None) -> list[int]:
    """Positions of ``files`` (name, bytes or path) in the order to import them: the tables others
    refer to first (schools, enterprises, mentors, students, as ``schema`` lists them), so that
    names and ID-card numbers resolve whatever order the user dropped the files in. Ties keep
    the user's order; a file that cannot be read or detected goes last (it is refused there).
    With ``reads``, the imports that follow need not read the files again."""
    ranks = []
    for name, data in files:
        try:
            content = data if isinstance(data, bytes) else read_bytes(data, name, limits)
            sheets = read_isolated(content, name, limits) if reads is None else reads.sheets(content, name, limits)
        except (FileRejectedError, OSError):
            ranks.append(len(schema.TABLES))
            continue
        tables = [resolve_table(s.headers, None, [*s.title_lines, s.name, s.file_name], _sample(s))[0] for s in sheets]
        ranks.append(min((schema.TABLE_NAMES.index(t) for t in tables if t), default=len(schema.TABLES)))
    return sorted(range(len(files)), key=lambda i: (ranks[i], i))


@dataclass(frozen=True)
class _Request:
    """What the caller asked of every sheet of one file."""

    file_name: str
    sha: str
    table: str | None
    overrides: dict[str, str] | None
    constants: dict[str, Any]
    dry_run: bool
    remember: bool
    several: bool  # the file has several sheets
    scope: tuple[str, ...] | None  # a school-scoped user's schools
    values: ValueMap
    settings: Settings


def _check_value_columns(values: ValueMap) -> None:
    """A value map names canonical columns; a typo is a usage error before anything is read."""
    known = {c.name for t in schema.TABLES for c in t.columns}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError("value-unknown-column", columns="、".join(unknown))


def _value_rules(table: schema.Table, values: ValueMap) -> dict[str, dict[str, str]]:
    """The value map of ``table``'s columns, keyed for matching; each target must be a value the
    column accepts (a code or any of its words), else a ``ConfigError`` names what it accepts."""
    from analytics.ingest.validate import accepted_words

    out: dict[str, dict[str, str]] = {}
    for name, pairs in values.items():
        if name not in table.column_names or not pairs:
            continue
        column = table.column(name)
        targets = pd.Series(list(pairs.values()), dtype=object)
        read, errors, absences = normalize_cells(targets, column)
        for (text, target), value, error, absence in zip(pairs.items(), read, errors, absences, strict=True):
            if error is not None or (value is None or value is pd.NA) and absence is None:
                raise ConfigError("value-bad-target", column=name, value=text, target=target,
                                  accepted_zh=accepted_words(column, "zh"), accepted_en=accepted_words(column, "en"))
        out[name] = {value_key(text): target for text, target in pairs.items()}
    return out


_UNIT_WAN = re.compile(r"万\s*元|\(\s*万\s*\)|万元")
_TITLE_UNIT_WAN = re.compile(r"(?:金额)?单位\s*[:：]\s*万\s*元")


def _cell_rules(
    table: schema.Table, raw: RawSheet, headers: dict[str, str], keyed: dict[str, dict[str, str]],
    settings: Settings,
) -> dict[str, CellRules]:
    """Per column: the value map, the grade scores, and a unit stated for the column (万元 in
    its header, or for every amount in a title line such as "单位：万元")."""
    title_wan = any(_TITLE_UNIT_WAN.search(unicodedata.normalize("NFKC", t)) for t in raw.title_lines)
    out = {}
    for column in table.columns:
        header = unicodedata.normalize("NFKC", headers.get(column.name, ""))
        wan = column.money and (bool(_UNIT_WAN.search(header)) or title_wan)
        out[column.name] = CellRules(keyed.get(column.name, {}), settings.grade_scores, 10_000.0 if wan else 1.0)
    return out

def _layout_tables(sheets: list[RawSheet]) -> dict[int, str]:
    """Sheets of one workbook with the same headers (one sheet per class) are the same table: when
    one of them is clearly a table, the others are too, even where alone they would be unsure."""
    groups: dict[str, list[RawSheet]] = {}
    for raw in sheets:
        groups.setdefault(header_signature(raw.headers), []).append(raw)
    hints: dict[int, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        for raw in group:
            chosen, _ = resolve_table(raw.headers, None, [*raw.title_lines, raw.name, raw.file_name], _sample(raw))
            if chosen is not None:
                hints.update({id(other): chosen for other in group})
                break
    return hints


def _import_sheet(
    con: duckdb.DuckDBPyConnection, raw: RawSheet, request: _Request, table_hint: str | None = None
) -> SheetResult:
    result = SheetResult(
        request.file_name,
        raw.name,
        "checked",
        rows_read=len(raw.frame),
        issues=list(raw.issues),
        preview=raw.frame.head(PREVIEW_ROWS),
    )
    try:
        _prepare_and_load(con, raw, result, request, table_hint)
    except FileRejectedError as e:
        result.refused = e
        # In a workbook, a sheet that is no table at all (instructions, a chart) is skipped.
        result.status = "skipped" if request.several and e.code in _NOT_A_TABLE else "refused"
    return result


_NOT_A_TABLE = ("table-unknown", "table-ambiguous", "table-uncertain", "table-key-missing")


def _sample(raw: RawSheet) -> shape.Sample:
    """The first answers of a header (to check that a question was answered with scores, or
    with a coded column's words), taken from the frame once per header: detection asks for
    one header's answers once per table that might read them."""
    taken: dict[str, list[object]] = {}

    def sample(header: str) -> list[object]:
        if header not in taken:
            taken[header] = raw.frame[header].head(SAMPLE_ROWS).tolist()
        return taken[header]

    return sample


def _deciding(candidate: Candidate) -> str:
    return "、".join(h for h, _ in candidate.evidence[:DECIDING_HEADERS])


def _undecided(raw: RawSheet, candidates: list[Candidate], texts: list[str]) -> FileRejectedError:
    """Why no table was chosen, naming the likely tables, the headers that decided and the option."""
    if not candidates:
        return FileRejectedError("table-unknown", sheet=raw.name, headers="、".join(raw.headers[:8]))
    first = candidates[0]
    table = schema.table(first.table)
    params = {"sheet": raw.name, "first": first.table, "first_zh": table.zh, "first_en": table.en,
              "first_headers": _deciding(first)}
    if first.key_share < 0.5:
        names = {c for c in propose_constants(first.table, Mapping(first.table, {}, (), {}), texts, "", "")}
        missing = [c for c in table.required_columns if c.name in table.key and c.name not in names
                   and c.name not in {h for h, _ in first.evidence} and c.default is None]
        return FileRejectedError("table-key-missing", **params,
                                 keys_zh="、".join(c.zh for c in missing), keys_en=", ".join(c.en for c in missing))
    if len(candidates) == 1 or candidates[1].score <= 0:
        return FileRejectedError("table-uncertain", **params)
    second = candidates[1]
    other = schema.table(second.table)
    return FileRejectedError("table-ambiguous", **params, second=second.table, second_zh=other.zh,
                             second_en=other.en, second_headers=_deciding(second))


def _prepare_and_load(
    con: duckdb.DuckDBPyConnection, raw: RawSheet, result: SheetResult, request: _Request,
    table_hint: str | None = None,
) -> None:
    table_name, overrides, constants = request.table or table_hint, request.overrides, request.constants
    signature = header_signature(raw.headers)
    saved = saved_mapping(con, signature)
    values = {c: dict(pairs) for c, pairs in request.values.items()}
    if saved is not None:
        # A value map saved for these headers applies again; the one given now wins.
        for column, pairs in saved["values"].items():
            values[column] = {**pairs, **values.get(column, {})}
        if not (table_name or overrides):
            table_name, overrides = saved["table"], saved["columns"]
            result.issues.append(Issue("mapping-reused", WARNING, params={"table": saved["table"]}))
    texts = [*raw.title_lines, raw.name, request.file_name]
    sample = _sample(raw)
    chosen, candidates = resolve_table(raw.headers, table_name, texts, sample)
    result.candidates = candidates
    if chosen is None:
        raise _undecided(raw, candidates, texts)
    table = schema.table(chosen)
    result.table = chosen
    if request.scope is not None and not scoped_import_allowed(chosen):
        raise FileRejectedError("table-out-of-scope", sheet=raw.name, table=table.zh, table_en=table.en)
    shaper = shape.shaper(chosen)
    mapping = shaper.plan(raw, chosen, overrides, sample)
    result.mapping = mapping
    for owner, headers in foreign_columns(chosen, mapping, candidates).items():
        other = schema.table(owner)
        result.issues.append(Issue("columns-of-other-table", WARNING, column="、".join(headers), params={
            "table_zh": table.zh, "table_en": table.en, "other": owner, "other_zh": other.zh,
            "other_en": other.en, "count": len(headers)}))

    unknown = [c for c in constants if c not in table.column_names]
    if unknown:
        raise ConfigError("constant-unknown-column", columns="、".join(unknown), table=chosen)
    fixed = dict(constants)
    proposed = propose_constants(chosen, mapping, raw.title_lines, raw.name, result.file_name)
    for col, value in proposed.items():
        if col not in fixed and col not in mapping.columns:
            fixed[col] = value
            result.issues.append(
                Issue("constant-proposed", WARNING, column=col, value=str(value))
            )
    result.constants = fixed

    shaped = shaper.frame(raw, table, mapping, fixed)
    frame, numbers, origins, headers = shaped.frame, shaped.numbers, shaped.origins, shaped.headers
    result.issues += shaped.issues
    missing = [
        c
        for c in table.required_columns
        if c.name not in frame.columns and c.default is None
    ]
    if missing:
        raise FileRejectedError(
            "missing-column",
            sheet=raw.name,
            columns_zh="、".join(c.zh for c in missing),
            columns_en=", ".join(c.en for c in missing),
        )
    if len(frame) == 0:
        raise FileRejectedError("header-only", file=result.file_name)

    keyed = _value_rules(table, values)
    result.value_map = {c: values[c] for c in keyed}
    rules = _cell_rules(table, raw, headers, keyed, request.settings)
    checked = validate(con, table, frame, numbers, headers, scope=request.scope, rules=rules,
                       blank_means_no=request.settings.blank_yes_no_is_no)
    result.issues += checked.warnings + checked.errors
    result.unknown_values = checked.unknown
    rejected_rows = sorted({int(numbers[p]) for p in checked.rejected_positions})
    result.rejected = len(rejected_rows)
    # Only an import stores the rejected cells: a check (dry run) does not make their original
    # rows and messages, most of its time and memory when a column fails in every row (100,000
    # rows: about 5 of 6.4 s, and 2 KB a row).
    stored = [] if request.dry_run else checked.errors
    rejects = _rejects(raw, stored, origins, numbers, checked.rejected_keys)
    record = loader.BatchRecord(
        file_name=result.file_name,
        sha256=request.sha,
        sheet=raw.name,
        table=chosen,
        rows_read=len(raw.frame),
        rows_rejected=result.rejected,
        mapping={"table": chosen, "columns": mapping.columns, "unpivot": mapping.unpivot,
                 "values": result.value_map},
        constants=fixed,
        warnings=[i.as_dict("en") for i in checked.warnings],
    )
    counts = loader.load_rows(con, table, checked.rows, record, rejects, dry_run=request.dry_run)
    result.inserted, result.updated, result.unchanged = counts.inserted, counts.updated, counts.unchanged
    result.batch_id = counts.batch_id
    if request.dry_run:
        result.status = "checked"
    elif counts.batch_id is None:
        result.status = "unchanged"
        result.previous_batch = loader.previous_load(con, request.sha, raw.name)
    else:
        result.status = "loaded"
        if request.remember:
            save_mapping(con, signature, mapping, result.value_map)


_REJECTS_CHUNK = 20_000
"""Rejected cells made into records at a time: their rows' JSON is Python strings until it is a
column of the table (Arrow, about a third of that), so a sheet rejected in every row holds one
chunk of them at a time, not all."""


def _rejects(
    raw: RawSheet, errors: list[Issue], origins: np.ndarray, numbers: np.ndarray,
    keys: dict[int, str],
) -> loader.Rejects:
    """One record per rejected cell (``loader.REJECTS_SCHEMA``), each with the whole original row
    as JSON, its sheet and the key values of the row that could be read (``row_key``, for
    coverage): made :data:`_REJECTS_CHUNK` cells at a time as the store reads them."""
    position = dict(zip(numbers.tolist(), origins.tolist()))

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, len(errors), _REJECTS_CHUNK):
            chunk = errors[start:start + _REJECTS_CHUNK]
            rejected = sorted({e.row for e in chunk if e.row is not None})
            # the rejected rows taken at once (row by row: 0.3 ms each, 5 minutes for a million)
            rows = json_rows(raw.frame.iloc[[position[row] for row in rejected]])
            original = dict(zip(rejected, rows, strict=True))
            columns = {
                "row_number": [e.row for e in chunk],
                "column_name": [e.column for e in chunk],
                "original_value": [None if e.value is None else str(e.value) for e in chunk],  # as the store keeps it
                "code": [e.code for e in chunk],
                **{f"message_{lang}": text for lang, text in message_columns(chunk, ("zh", "en")).items()},
                "original_row": [original.get(e.row) for e in chunk],
                "sheet": [raw.name] * len(chunk),
                "row_key": [keys.get(e.row) for e in chunk],
            }
            yield pa.RecordBatch.from_pydict(columns, schema=loader.REJECTS_SCHEMA)

    return loader.Rejects(len(errors), batches)


def saved_mapping(con: duckdb.DuckDBPyConnection, signature: str) -> dict[str, Any] | None:
    """The mapping and value map a user confirmed for files with these headers, if any."""
    found = db.rows(con, "SELECT target_table, mapping, value_map FROM saved_mappings WHERE signature = ?", [signature])
    if not found:
        return None
    row = found[0]
    return {"table": row[0], "columns": json.loads(row[1]), "values": json.loads(row[2] or "{}")}


def save_mapping(
    con: duckdb.DuckDBPyConnection, signature: str, mapping: Mapping, values: ValueMap | None = None
) -> None:
    """Remember a confirmed mapping and value map for the next file with the same headers."""
    with transaction(con) as cur:
        cur.execute(
            "INSERT INTO saved_mappings (signature, target_table, mapping, constants, saved_at, value_map) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (signature) DO UPDATE SET "
            "target_table = excluded.target_table, mapping = excluded.mapping, "
            "constants = excluded.constants, saved_at = excluded.saved_at, value_map = excluded.value_map",
            [
                signature,
                mapping.table,
                json.dumps(mapping.columns, ensure_ascii=False),
                "{}",
                datetime.now().replace(microsecond=0),
                json.dumps(values or {}, ensure_ascii=False),
            ],
        )
