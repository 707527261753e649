"""Read any school export (CSV/TSV/TXT, XLSX/XLSM, XLS, ODS) into sheets of text.

Why: schools send what their systems export — GBK or CP949 CSVs, workbooks with title
rows, two-row merged headers, footer lines such as 合计 or 制表人. This module turns every
sheet into a table of strings (``None`` for blank) with its header found and the
spreadsheet row number of every data row, and refuses unsafe or unreadable files with a
:class:`FileRejectedError` before parsing. Typing, mapping and validation come later.

Empty sheets and header-only sheets of a workbook that has other data are skipped; a
warning (``empty-sheet`` / ``header-only-sheet``) is put on the first returned sheet.
A ``.xls`` that is really an HTML page is refused (``file-html-disguised``); a ``.xls``
that is really delimited text is read as text.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import operator
import os
import re
import stat
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import defusedxml.ElementTree as defused_et
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from analytics.errors import FileRejectedError
from analytics.ingest.html import html_tables, looks_like_html
from analytics.ingest.issues import Issue

TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
BOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS + BOOK_EXTENSIONS
DELIMITERS = (",", ";", "\t", "|")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGICS = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")
_HEADER_SCAN_ROWS = 30
# The header is found among the first _HEADER_SCAN_ROWS + 20 rows and may continue over two
# more: a file whose records exceed the row limit by more than this is refused unparsed.
_HEADER_MARGIN = _HEADER_SCAN_ROWS + 22
_SAMPLE_BYTES = 1 << 20  # encoding detection looks at the first (and last) MiB
_RATIO_MIN_ENTRY = 1024 * 1024  # entries smaller than this cannot be a bomb, whatever their ratio
_CJK_ENCODINGS = {"gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "cp949", "euc_kr", "johab", "iso2022_kr"}
# Totals and averages, also with a short prefix ("3月小计", "本页合计", "全班平均分").
_TOTAL_RE = re.compile(
    r"^\s*.{0,6}?(合\s*计|总\s*计|小\s*计|共\s*计|总数|平\s*均\s*分|平均值|平\s*均|均值|grand total|sub-?total|total|"
    r"average|mean)\s*[:：]?\s*$", re.I)
_NOTE_RE = re.compile(
    r"^\s*(制表人|制表|审核人|审核|填表人|填表说明|填报说明|负责人|记录人|经办人|签字|签名|盖章|单位盖章|备注|说明|注|附注|"
    r"prepared by|checked by|signed|note)\s*(?:[(（][^)）]{0,8}[)）])?\s*[:：]", re.I)
# A section row of a hand-kept log: one cell naming a month, a week, a term or a date
# ("三月", "2024年3月", "第5周", "2023-2024学年第二学期"); its text dates the rows below.
_SECTION_RE = re.compile(
    r"^\s*[【\[(（]?\s*(?:\d{4}\s*年\s*\d{1,2}\s*月(?:份)?|\d{4}[-/.]\d{1,2}|\d{1,2}\s*月(?:份)?|"
    r"[一二三四五六七八九十]{1,3}\s*月(?:份)?|第\s*[一二三四五六七八九十\d]+\s*(?:周|月|学期|季度|批次?)|"
    r"\d{4}\s*[-–—~至]\s*\d{4}\s*学年.*|\d{4}\s*年\s*(?:春|秋|上|下)\S{0,4}|(?:春|秋)季学期|[上下]半年)"
    r"[^\d]{0,12}$")
_HANGUL_RE = re.compile("[\uac00-\ud7a3]")
_HANJA_RE = re.compile("[\u4e00-\u9fff\uf900-\ufaff]")
_NUMBER_RE = re.compile(r"^[\s+-]*[\d.,%]+\s*$")
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class Limits:
    """Size limits checked before and while parsing (all inclusive maxima).

    ``max_rows`` counts data rows: the rows below the header (title and header rows are free).
    """

    max_bytes: int = 50 * 1024**2
    max_rows: int = 2_000_000
    max_columns: int = 500
    max_uncompressed: int = 500 * 1024**2
    max_ratio: int = 200
    # A workbook sheet is built as a dense grid from A1 to its last cell: 1,000,000 rows ×
    # 6 columns, or 120,000 × 50. One stray cell at XFD1048576 would ask for 17 billion.
    max_cells: int = 6_000_000
    # The child process reading an upload (``ingest.sandbox``) may grow by this much…
    max_memory: int = 1536 * 1024**2
    # …and take this long before it is stopped and the file refused.
    max_seconds: int = 300


@dataclass
class RawSheet:
    """One sheet as text: headers, data rows (str or missing) and where they came from."""

    name: str
    headers: list[str]
    frame: pd.DataFrame
    row_numbers: list[int]
    header_row: int
    title_lines: list[str]
    hidden: bool = False
    issues: list[Issue] = field(default_factory=list)
    # The section heading above each data row (a month in a hand-kept log), or None.
    sections: list[str | None] | None = None
    file_name: str = ""  # the file the sheet came from (its name may state a year)


def parses_early(data: bytes) -> bool:
    """Whether ``read_file(data, early=True)`` parses ``data`` before its safety scan is done
    (a ZIP workbook): only then can a crash of the early read hide the scan's refusal."""
    return data.startswith(_ZIP_MAGIC)


def read_bytes(path: Path, name: str, limits: Limits | None = None) -> bytes:
    """The bytes of the file at ``path``, refused before reading when it is over the size limit
    or not a regular file (a FIFO, a device, a symlink to ``/dev/zero`` would never end).

    The file is opened once and checked by its descriptor, so the path cannot be swapped
    between the check and the read; at most the size limit plus one byte is read.
    """
    limits = limits or Limits()
    if not stat.S_ISREG(os.stat(path).st_mode):  # opening a FIFO would block
        raise FileRejectedError("file-not-regular", file=name)
    with open(path, "rb", buffering=0) as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRejectedError("file-not-regular", file=name)
        _check_size(info.st_size, name, limits)
        data = fh.readall() if info.st_size else b""
        data = data[: limits.max_bytes + 1]
    _check_size(len(data), name, limits)  # it grew while being read
    return data


def read_file(
    source: str | os.PathLike | bytes, *, file_name: str | None = None, limits: Limits | None = None,
    early: bool = False, copy_at: str | None = None,
) -> list[RawSheet]:
    """Read every non-empty sheet of ``source`` (a path, or the bytes of an upload named ``file_name``).

    ``copy_at``: a file that holds exactly the bytes of ``source`` and cannot change while it is
    read (the sandbox child's memory file of the upload). DuckDB then parses a UTF-8 text file
    there instead of a copy written for it (a 65 MB CSV: 0.14 s, and 65 MB of memory-file pages).

    With ``early``, calamine parses a workbook on a thread while the safety scan streams its
    XML (calamine releases the GIL, so the two overlap: about 0.3 s of a 100,000-row xlsx). The
    outcome is the same as without, except that calamine now sees a file the scan may yet
    refuse, and may crash the process on it: so only where a crash is harmless (the sandbox
    child, whose parent then reads the file again without ``early``; see :func:`parses_early`).
    """
    limits = limits or Limits()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = file_name or "upload"
    else:
        path = Path(source)
        name = file_name or path.name
        data = read_bytes(path, name, limits)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise FileRejectedError(
            "file-type-unsupported", file=name, extension=ext or "-", supported=" ".join(SUPPORTED_EXTENSIONS)
        )
    _check_size(len(data), name, limits)
    if not data:
        raise FileRejectedError("file-empty", file=name)
    if data.startswith(_ZIP_MAGIC):
        # The ZIP is opened once: for the safety checks and for the error cells calamine hides.
        parsed: _EarlyParse | None = None
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                _check_zip(zf, name, limits)
                if early:
                    parsed = _EarlyParse(data, name)
                plain = _check_xml(zf, name, limits)
                uncalculated: dict[str, int] = {}
                errors = _xlsx_error_cells(zf, uncalculated, skip=plain)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError) as e:
            raise FileRejectedError("file-corrupt", file=name) from e
        sheets = _read_book(data, name, limits, errors, parsed)
        for sheet in sheets:
            if uncalculated.get(sheet.name):
                sheet.issues.append(Issue("formulas-not-calculated", params={"count": uncalculated[sheet.name]}))
    elif data.startswith(_OLE2_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data or _biff_filepass(data):
            raise FileRejectedError("file-encrypted", file=name)
        sheets = _read_book(data, name, limits, _xls_error_cells(data))
    else:
        if data.startswith(_BINARY_MAGICS):
            raise FileRejectedError("file-not-spreadsheet", file=name)
        _check_text_records(data, name, limits)
        utf8 = _valid_utf8(data) if ext in TEXT_EXTENSIONS else None
        if utf8 is not None:  # the common case: the text is decoded only where it is looked at
            head = _decoded_head(utf8)
            at = copy_at if len(utf8) == len(data) else None  # no BOM: the view is the whole file
            sheets = _read_text(head, utf8, lambda: codecs.decode(utf8, "utf-8"), Path(name).stem, name, limits,
                                at)
        else:
            text, encoding = _decode(data, name)
            if ext in BOOK_EXTENSIONS and (looks_like_html(text) or text.lstrip()[:1] == "<"):
                sheets = _read_html(text, Path(name).stem, name, limits)
            else:
                encoded = data if encoding == "utf-8" else text.encode("utf-8")
                sheets = _read_text(text, encoded, lambda: text, Path(name).stem, name, limits,
                                    copy_at if encoded is data else None)
    return _finish(sheets, name)


# --- safety -------------------------------------------------------------------------------


def _check_size(size: int, name: str, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise FileRejectedError("file-too-large", file=name, size_mb=_mb(size), limit_mb=_mb(limits.max_bytes))


def _mb(size: int) -> str:
    return f"{size / 1024**2:.1f}"


def _check_zip(zf: zipfile.ZipFile, name: str, limits: Limits) -> None:
    """Refuse ZIP bombs before anything is unpacked (a corrupt ZIP raises ``zipfile``'s
    errors, which the caller turns into ``file-corrupt``)."""
    infos = zf.infolist()
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed:
        raise FileRejectedError(
            "zip-bomb", file=name, size_mb=_mb(total), limit_mb=_mb(limits.max_uncompressed)
        )
    for info in infos:
        if info.file_size > _RATIO_MIN_ENTRY and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise FileRejectedError(
                "zip-bomb", file=name, size_mb=_mb(info.file_size), limit_mb=_mb(limits.max_uncompressed)
            )


_XML_CHUNK = 1 << 20
_OVERLAP = 64  # longer than any pattern below, so a match split by a chunk boundary is found
_UNSAFE_XML = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_ROW_REF = re.compile(rb"<row\b[^>]*?\sr=\"(\d{1,9})\"")
_CELL_COL = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{1,4})\d")
_CELL_ROW = re.compile(rb"<c\b[^>]*?\sr=\"[A-Z]{1,4}(\d{1,9})\"")
_DIMENSION = re.compile(rb"<dimension\b[^>]*?\sref=\"(?:[A-Z]+\d+:)?([A-Z]{1,4})(\d{1,9})\"")


def _check_xml(zf: zipfile.ZipFile, name: str, limits: Limits) -> set[str]:
    """Stream every XML part once, before calamine sees the file: refuse a DTD anywhere in it
    (entity expansion, external entities), and a worksheet whose declared (``<dimension>``)
    or real extent (its last row and column) is over the limits. Returns the worksheet
    parts it read that hold no formula and no error cell (:func:`_xlsx_error_cells` skips them).

    calamine builds each sheet as a dense grid up to its last cell, so one cell at
    XFD1048576 in a 3 KB file asks for 17 billion cells (and the process aborts); the
    extent is found here from the cell references without building anything.
    """
    sheets = dict((part, sheet) for sheet, part in _sheet_parts(zf))
    formulas: set[str] = set()
    plain: set[str] = set()
    for info in zf.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue
        sheet = sheets.get(info.filename)
        if sheet is None and info.filename.startswith("xl/worksheets/"):
            sheet = Path(info.filename).stem
        height = width = 0
        referenced = False  # any row or cell reference at all
        declared: tuple[bytes, bytes] | None = None
        tail = b""
        with zf.open(info) as fh:
            while chunk := fh.read(_XML_CHUNK):
                window = tail + chunk
                if _UNSAFE_XML.search(window):
                    raise FileRejectedError("file-unsafe", file=name)
                if sheet is not None:
                    if declared is None and (found := _DIMENSION.search(window)):
                        declared = (found.group(1), found.group(2))
                        _check_extent(name, sheet, _column_index(declared[0].decode()) + 1, int(declared[1]), limits)
                    row_refs = _ROW_REF.findall(window)
                    if row_refs:
                        height, referenced = max(height, max(map(int, row_refs))), True
                    if _cells_beyond(window, height, width):  # else no cell here widens the extent
                        cell_rows, cell_cols = _CELL_ROW.findall(window), _CELL_COL.findall(window)
                        height = max(height, max(map(int, cell_rows), default=0))
                        width = max(width, max((_column_index(c.decode()) + 1 for c in set(cell_cols)), default=0))
                        referenced = referenced or bool(cell_rows or cell_cols)
                    if info.filename not in formulas and (b"<f" in window or b't="e"' in window):
                        formulas.add(info.filename)
                tail = window[-_OVERLAP:]
        if sheet is not None and referenced:
            _check_extent(name, sheet, max(width, 1), max(height, 1), limits)
        if sheet is not None and info.filename not in formulas:
            plain.add(info.filename)
    return plain


_SPACE_CLASS = r"[ \t\n\r\f\x0b]"  # Python's \s for bytes (RE2's \s lacks \x0b)


def _cells_beyond(window: bytes, height: int, width: int) -> bool:
    """Whether ``window`` may hold a cell reference (as :data:`_CELL_ROW` / :data:`_CELL_COL`
    capture them) below row ``height`` or right of column ``width`` (1-based; 0: none yet).

    One RE2 count over the bytes (Arrow's, in Latin-1 mode: byte for byte like ``re``), for
    a pattern that matches wherever those regexes would capture such a reference, and maybe
    elsewhere too (a True only costs the exact scan). A False is exact: no reference of the
    window widens the extent, so the per-cell regexes need not run. In a sheet written in
    row order, only the first window (no width known yet) and a row of a new width say True.
    """
    rows, cols = _greater_number(height), _greater_letters(width)
    beyond = ([f'[A-Z]{{1,4}}0*{rows}"'] if rows else []) + ([f"{cols}\\d"] if cols else [])
    if not beyond:
        return False
    pattern = rf'<c\b[^>]*?{_SPACE_CLASS}r="(?:{"|".join(beyond)})'
    offsets = pa.py_buffer(np.array([0, len(window)], dtype=np.int64).tobytes())
    values = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(window)])
    return pc.count_substring_regex(values, pattern)[0].as_py() > 0


def _greater_number(n: int) -> str | None:
    """A regex for the decimal numbers of at most 9 digits greater than ``n``, without leading
    zeros (the caller allows them); None when there is none."""
    digits = str(n)
    longer = f"[1-9]\\d{{{len(digits)},8}}" if len(digits) < 9 else None
    return _either(longer, _same_length_greater(digits, "0123456789"))


def _greater_letters(n: int) -> str | None:
    """A regex for the column letters (1–4) of a column index greater than ``n`` (1-based);
    None when there is none."""
    if n <= 0:
        return "[A-Z]{1,4}"
    letters = _column_letter(n - 1)
    if len(letters) > 4:
        return None
    longer = f"[A-Z]{{{len(letters) + 1},4}}" if len(letters) < 4 else None
    return _either(longer, _same_length_greater(letters, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _same_length_greater(text: str, alphabet: str) -> str | None:
    """A regex for the strings over ``alphabet`` as long as ``text`` and after it in its
    order (None when ``text`` is the last)."""
    parts = []
    for i, ch in enumerate(text):
        higher = alphabet[alphabet.index(ch) + 1:]
        if higher:
            rest = f"[{alphabet[0]}-{alphabet[-1]}]{{{len(text) - i - 1}}}" if i < len(text) - 1 else ""
            parts.append(re.escape(text[:i]) + f"[{higher[0]}-{higher[-1]}]" + rest)
    return _either(*parts)


def _either(*patterns: str | None) -> str | None:
    kept = [p for p in patterns if p]
    return f"(?:{'|'.join(kept)})" if kept else None


def _check_extent(name: str, sheet: str, width: int, height: int, limits: Limits) -> None:
    """Refuse a sheet reaching column ``width`` and row ``height`` when that is over a limit
    (rows: only when no header position could leave ``max_rows`` data rows or fewer; the
    exact count is checked once the header is found, in :func:`_build_sheet`)."""
    if width > limits.max_columns:
        raise FileRejectedError("too-many-columns", file=name, count=width, limit=limits.max_columns)
    _check_record_count(height, name, limits)
    if width * height > limits.max_cells:
        raise FileRejectedError(
            "sheet-too-large", file=name, sheet=sheet, cell=f"{_column_letter(width - 1)}{height}",
            rows=f"{height:,}", columns=width, cells=f"{width * height:,}", limit=f"{limits.max_cells:,}",
        )


def _check_record_count(records: int, name: str, limits: Limits) -> None:
    """Refuse ``records`` rows (header included) before parsing when even a header as low as
    the reader looks for one leaves more than ``max_rows`` data rows below it."""
    if records - 1 - _HEADER_MARGIN > limits.max_rows:
        raise FileRejectedError("too-many-rows", file=name, count=f"{records - 1:,}", limit=limits.max_rows)


def _check_data_rows(count: int, name: str, limits: Limits | None) -> None:
    """Refuse a sheet with more than ``max_rows`` data rows (the rows below its header)."""
    if limits is not None and count > limits.max_rows:
        raise FileRejectedError("too-many-rows", file=name, count=f"{count:,}", limit=limits.max_rows)


def _check_text_records(data: bytes, name: str, limits: Limits) -> None:
    """Refuse a delimited text file with too many rows before it is decoded or parsed.

    Lines are counted on the bytes (no copy): in UTF-8, GBK/GB18030 and CP949 a newline byte
    is always a newline. Only when the line count is over the limit and the file has quotes
    (a quoted cell may hold a line break) are the records counted exactly, streaming line
    by line with the quote parity. UTF-16 files are counted after parsing.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    lines = data.count(b"\n") or data.count(b"\r")
    if not data.endswith((b"\n", b"\r")):
        lines += 1
    if lines - 1 - _HEADER_MARGIN <= limits.max_rows:
        return
    if b'"' in data:
        lines, open_quote = 0, False
        for line in io.BytesIO(data):
            open_quote ^= line.count(b'"') % 2 == 1
            lines += not open_quote
        lines += open_quote
    _check_record_count(lines, name, limits)


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) of an xlsx, in workbook order; [] when it has no workbook."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return []
    try:
        targets = {
            rel.get("Id"): rel.get("Target", "").lstrip("/").removeprefix("xl/")
            for rel in defused_et.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        }
        sheets = [s for s in defused_et.fromstring(zf.read("xl/workbook.xml")).iter() if s.tag.endswith("}sheet")]
    except (defused_et.ParseError, ValueError):
        return []
    out = []
    for sheet in sheets:
        part = "xl/" + targets.get(sheet.get(_REL_NS), "")
        if part in names:
            out.append((sheet.get("name", ""), part))
    return out


_CELL_REF = re.compile(rb"\br=\"([A-Z]+)(\d+)\"")
_CACHED = re.compile(rb"<v>[^<]+</v>")
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _cell_around(xml: bytes, at: int, floor: int = 0) -> tuple[int, int, int] | None:
    """The cell element holding byte ``at`` of a worksheet's XML: (start of ``<c``, end of its
    start tag (the ``>``), end of its body (the ``</c>``; the tag's end for ``<c …/>``)), or
    None when ``at`` is in no cell. Cells do not nest and their text holds no ``<``, so the
    cell is the last ``<c`` before ``at`` (not ``<col``, ``<cfRule`` …).

    The search goes back no further than ``floor``: a caller walking forward passes the
    position it looked at last, which no later cell can start before (else that position
    would have been in the same cell), so each byte is searched once, not once per
    ``<formula>`` of thousands of conditional-format rules."""
    start = at
    while (start := xml.rfind(b"<c", floor, start)) >= 0:
        if start + 2 >= len(xml) or xml[start + 2] not in _WORD_BYTES:
            break
    if start < 0:
        return None
    tag_end = xml.find(b">", start)
    if tag_end < 0:
        return None
    if xml[tag_end - 1] == ord("/"):
        return start, tag_end, tag_end
    body_end = xml.find(b"</c>", tag_end)
    return (start, tag_end, body_end) if body_end >= 0 else None


def _uncalculated_formulas(xml: bytes) -> int:
    """How many cells hold a formula (``<f``) in their body but no cached result (``<v>…</v>``).
    Only the cells around each ``<f`` are looked at, not every cell of the sheet."""
    count, at, floor = 0, 0, 0
    while (at := xml.find(b"<f", at)) >= 0:
        cell = _cell_around(xml, at, floor)
        if cell is None or not cell[1] < at < cell[2]:  # not in a cell's body (<formula> of a rule …)
            floor = at
            at += 2
            continue
        count += _CACHED.search(xml, cell[1] + 1, cell[2]) is None
        at = floor = cell[2]
    return count


def _error_values(xml: bytes) -> dict[tuple[int, int], str]:
    """The error text of every cell whose start tag says ``t="e"``, by 0-based (row, column):
    the first ``<v>…</v>`` after the tag. Only the cells around each ``t="e"`` are looked at."""
    cells: dict[tuple[int, int], str] = {}
    at = floor = 0
    while (at := xml.find(b't="e"', at)) >= 0:
        cell = _cell_around(xml, at, floor)
        floor = at  # a later t="e" in another cell's start tag: that cell starts after this one
        if cell is not None and at < cell[1] and xml[at - 1] not in _WORD_BYTES:
            ref = _CELL_REF.search(xml, cell[0] + 2, cell[1])
            value = _VALUE.search(xml, cell[1] + 1)
            if ref and value:
                cells[(int(ref.group(2)) - 1, _column_index(ref.group(1).decode()))] = value.group(1).decode()
        at += 5
    return cells
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


_BIFF8_BOF = b"\x09\x08\x10\x00"  # BOF record: type 0x0809, 16 bytes of data
_BIFF_FILEPASS = b"\x2f\x00"  # the record a password-protected .xls has right after BOF


# BIFF8 records holding an error value: BOOLERR (0x0205) with fError = 1, and FORMULA (0x0006)
# whose cached result is an error (result byte 0 = 2, bytes 6–7 = 0xFFFF).
_BIFF_ERROR = re.compile(rb"\x05\x02\x08\x00.{7}\x01|\x06\x00..(?:.{6})\x02.{5}\xff\xff", re.S)


def _xls_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Excel error values of a legacy .xls by sheet and (row, column), as for xlsx.

    calamine reads them as empty strings. A byte scan tells cheaply whether the file holds
    any; only then is it read again with xlrd, which keeps the error codes.
    """
    if not _BIFF_ERROR.search(data):
        return {}
    import xlrd

    out: dict[str, dict[tuple[int, int], str]] = {}
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            cells = {}
            for r in range(sheet.nrows):
                types = sheet.row_types(r)
                for c in (i for i, t in enumerate(types) if t == xlrd.XL_CELL_ERROR):
                    cells[(r, c)] = xlrd.error_text_from_code.get(sheet.cell_value(r, c), "#N/A")
            if cells:
                out[sheet.name] = cells
            book.unload_sheet(index)
    except (xlrd.XLRDError, ValueError, KeyError, IndexError, AssertionError):
        return {}
    return out


def _biff_filepass(data: bytes) -> bool:
    """Whether a legacy .xls is password-protected (a FILEPASS record follows the first BOF)."""
    at = data.find(_BIFF8_BOF)
    return at >= 0 and data[at + 20 : at + 22] == _BIFF_FILEPASS


def _xlsx_error_cells(
    zf: zipfile.ZipFile, uncalculated: dict[str, int] | None = None, skip: set[str] = frozenset()
) -> dict[str, dict[tuple[int, int], str]]:
    """Excel error values (#N/A, #DIV/0!, …) by sheet name and (row, column), 0-based.

    calamine reads an error cell as an empty string, which would turn a broken formula
    into a silently missing value; the worksheet XML keeps the error text (``t="e"``),
    so it is read from there and put back for ``normalize`` to reject. Cached formula
    results are what calamine reads; formulas without one (a file written by a program
    and never opened in Excel) are counted per sheet in ``uncalculated``. Parts in ``skip``
    (found by the safety scan to hold no formula and no error cell) are not read again, so a
    plain sheet is decompressed once before calamine.
    """
    out: dict[str, dict[tuple[int, int], str]] = {}
    uncalculated = {} if uncalculated is None else uncalculated
    try:
        for sheet_name, part in _sheet_parts(zf):
            if part in skip:
                continue
            xml = zf.read(part)
            if b"<f" in xml:  # formulas whose result was never calculated read as blank
                missing = _uncalculated_formulas(xml)
                if missing:
                    uncalculated[sheet_name] = missing
            if b't="e"' not in xml:
                continue
            out[sheet_name] = _error_values(xml)
    except (zipfile.BadZipFile, zlib.error, defused_et.ParseError, KeyError, ValueError):
        return {}
    return out


# --- text files -----------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode text (and say how): BOM, then strict UTF-8, then charset-normalizer; never garbled text."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as e:
                raise FileRejectedError("encoding-unknown", file=name) from e
    if b"\x00" in data:
        raise FileRejectedError("file-not-spreadsheet", file=name)
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode_legacy(data, name), "legacy"
    if _looks_binary(text):
        raise FileRejectedError("file-not-spreadsheet", file=name)
    return text, encoding


def _decode_legacy(data: bytes, name: str) -> str:
    """charset-normalizer's candidates (UTF-16/32 excluded: NUL-free text cannot be those);
    any CJK candidate sends the choice to :func:`_decode_cjk`."""
    if _mixed_utf8(data):
        raise FileRejectedError("encoding-unknown", file=name)
    sample = data if len(data) <= _SAMPLE_BYTES else data[: data.rfind(b"\n", 0, _SAMPLE_BYTES) + 1]
    matches = charset_normalizer.from_bytes(sample or data[:_SAMPLE_BYTES])
    candidates = [codecs.lookup(m.encoding).name.replace("-", "_") for m in matches]
    candidates = [c for c in candidates if not c.startswith(("utf_16", "utf_32"))]
    if not candidates:
        raise FileRejectedError("encoding-unknown", file=name)
    if any(c in _CJK_ENCODINGS for c in candidates):
        return _decode_cjk(data, name)
    try:
        return data.decode(candidates[0])
    except UnicodeDecodeError as e:
        raise FileRejectedError("encoding-unknown", file=name) from e


def _decode_cjk(data: bytes, name: str) -> str:
    """Choose between CP949 (Korean) and GB18030 (Chinese) decisively.

    Either encoding's bytes usually decode as the other, so charset-normalizer cannot
    tell them apart on short text. Chinese GBK read as CP949 puts about half of its
    characters in the Hanja block, while Korean text is Hangul only. CP949 wins only on
    positive evidence (at least 10 Hangul syllables, no Hanja); otherwise, as for a
    Chinese school's files, GB18030 (a superset of GBK and GB2312).
    """
    try:
        korean = data.decode("cp949")
    except UnicodeDecodeError:
        korean = None
    if korean is not None:
        sample = korean[: 1 << 20]
        hangul = len(_HANGUL_RE.findall(sample))
        if hangul >= 10 and not _HANJA_RE.search(sample):
            return korean
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise FileRejectedError("encoding-unknown", file=name) from e


def _mixed_utf8(data: bytes) -> bool:
    """True when some lines are valid multibyte UTF-8 and others are not (two encodings in one file).

    Evidence is a header (the first non-ASCII line) in UTF-8 over rows that are not, or
    more than 5% of the lines in UTF-8: a legacy-encoded line decodes as UTF-8 only rarely.
    """
    utf8_lines = other_lines = 0
    first_is_utf8: bool | None = None
    sample = data[:_SAMPLE_BYTES] + b"\n" + data[-_SAMPLE_BYTES:] if len(data) > 2 * _SAMPLE_BYTES else data
    for line in sample.split(b"\n"):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            other_lines += 1
            first_is_utf8 = False if first_is_utf8 is None else first_is_utf8
            continue
        if sum(1 for ch in decoded if ord(ch) > 0x7F) >= 2:
            utf8_lines += 1
            first_is_utf8 = True if first_is_utf8 is None else first_is_utf8
    if other_lines == 0:
        return False
    return bool(first_is_utf8) or utf8_lines > 0.05 * (utf8_lines + other_lines)


# What the sniffing looks at, in characters: the first lines within this many (see
# :func:`_logical_lines`) and the control characters of the first 64 Ki (:func:`_looks_binary`).
_HEAD_CHARS = 1 << 20


def _valid_utf8(data: bytes) -> memoryview | None:
    """The UTF-8 text of ``data`` (after a UTF-8 BOM) as a view of its bytes, when :func:`_decode`
    would read it as UTF-8 or UTF-8 with a BOM without refusing it; None otherwise (the file
    then takes the decoding path, which also gives every refusal). The bytes are validated by
    Arrow in place: no string of the whole file is built."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if not start and (data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data):
        return None
    view = memoryview(data)[start:]
    offsets = pa.py_buffer(np.array([0, len(view)], dtype=np.int64).tobytes())
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(view)).validate(full=True)
    except pa.ArrowInvalid:
        return None
    if not start and _looks_binary(_decoded_head(view)):
        return None
    return view


def _decoded_head(utf8: memoryview) -> str:
    """At least the first :data:`_HEAD_CHARS` characters of valid UTF-8 (all of it when shorter):
    4 bytes a character at most, and a character cut at the end is left out."""
    head = utf8[: 4 * _HEAD_CHARS + 4]
    return codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == len(utf8))


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    return bool(sample) and controls > 0.01 * len(sample)


def _sniff_delimiter(text: str) -> str:
    """The delimiter whose count outside quotes is most consistent (and non-zero) over the first lines."""
    lines = _logical_lines(text, 50)
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        counts = [_count_outside_quotes(line, delim) for line in lines]
        counts = [c for c in counts if c]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) * (1 + min(mode, 50) / 100)
        if score > best_score:
            best, best_score = delim, score
    return best


def _logical_lines(text: str, limit: int) -> list[str]:
    """The first ``limit`` non-blank records, joining lines whose quotes are still open."""
    out: list[str] = []
    pending = ""
    for line in text[:_HEAD_CHARS].splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.count('"') % 2 == 0:
            if pending.strip():
                out.append(pending)
            pending = ""
            if len(out) >= limit:
                break
    return out


def _count_outside_quotes(line: str, delim: str) -> int:
    return sum(part.count(delim) for part in line.split('"')[::2])


def _read_text(head: str, utf8: bytes | memoryview, text: Callable[[], str], stem: str, name: str,
               limits: Limits, utf8_at: str | None = None) -> list[RawSheet]:
    """A delimited text file as one sheet. ``head`` is the start of the decoded text (at least
    :data:`_HEAD_CHARS` characters, or all of it), which the sniffing reads; ``utf8`` the whole
    text in UTF-8, which DuckDB parses (from ``utf8_at`` when a file holds exactly those bytes);
    ``text()`` the whole text, decoded only for the csv module."""
    delim = "\t" if name.lower().endswith(".tsv") else _sniff_delimiter(head)
    width = max(
        (len(r) for r in csv.reader(io.StringIO("\n".join(_logical_lines(head, 200))), delimiter=delim)),
        default=1,
    )
    if width > limits.max_columns:  # refused before the whole file is parsed
        raise FileRejectedError("too-many-columns", file=name, count=width, limit=limits.max_columns)
    table = _parse_csv(utf8, text, delim, width, utf8_at)
    if table.num_columns > limits.max_columns:
        raise FileRejectedError("too-many-columns", file=name, count=table.num_columns, limit=limits.max_columns)
    sheet = _build_sheet(stem, table, merges=[], hidden=False, limits=limits, file=name)
    return [sheet] if sheet is not None else []


def _read_html(text: str, stem: str, name: str, limits: Limits) -> list[RawSheet]:
    """An HTML page saved as .xls: each data table a sheet; a login or error page is refused."""
    page = html_tables(text)
    tables = page.data_tables
    if page.login or not tables:
        raise FileRejectedError("file-html-disguised", file=name, title=page.title or "-")
    sheets = []
    for i, table in enumerate(tables, 1):
        if table.width > limits.max_columns:
            raise FileRejectedError("too-many-columns", file=name, count=table.width, limit=limits.max_columns)
        _check_record_count(len(table.rows), name, limits)
        sheet_name = stem if len(tables) == 1 else f"{stem} ({i})"
        built = _build_sheet(sheet_name, table.rows, merges=table.merges, hidden=False, limits=limits, file=name)
        if built is not None:
            # The page's title and headings state what titles state in a workbook (2024届 …).
            context = [t for t in (page.title, *page.headings) if t and t not in built.title_lines]
            built.title_lines = [*context, *built.title_lines]
            sheets.append(built)
    return sheets


def _parse_csv(utf8: bytes | memoryview, text: Callable[[], str], delim: str, width: int,
               utf8_at: str | None = None) -> pa.Table:
    """Parse with DuckDB when safe and fast; the csv module otherwise (on ``text()``).

    DuckDB skips blank lines (which would shift row numbers), so files with a blank line
    inside go to the csv module. A row wider than the sampled width makes DuckDB (in
    strict mode) raise, and we fall back too: nothing is ever dropped silently. ``width``
    is the widest of the first 200 records. The blank-line test reads the UTF-8 bytes: a
    line break is the same byte there as in the text.
    """
    end = len(utf8)
    while end and utf8[end - 1] in b"\r\n":  # trailing line ends (no copy of the bytes)
        end -= 1
    if not _BLANK_LINE.search(utf8, 0, end):
        try:
            return _duckdb_csv(utf8, delim, width, utf8_at)
        except duckdb.Error:
            pass
    whole = text()
    end = len(whole)
    while end and whole[end - 1] in "\r\n":
        end -= 1
    return _python_csv(whole[:end], delim)


_BLANK_LINE = re.compile(rb"\n\r?\n")


def _duckdb_csv(utf8: bytes | memoryview, delim: str, width: int, utf8_at: str | None = None) -> pa.Table:
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    query = (
        "SELECT * FROM read_csv($path, header = false, auto_detect = false, delim = $delim, quote = '\"', "
        "escape = '\"', null_padding = true, strict_mode = true, skip = 0, parallel = true, "
        f"max_line_size = 100000000, columns = {columns})"
    )
    with contextlib.nullcontext(utf8_at) if utf8_at else _scratch_file(utf8) as path:
        con = duckdb.connect()
        try:
            params = {"path": path, "delim": delim}
            return _blank_to_null(con.sql(query, params=params).to_arrow_table())
        finally:
            con.close()


@contextlib.contextmanager
def _scratch_file(data: bytes | memoryview) -> Iterator[str]:
    """A path to a copy of ``data`` for DuckDB, which reads files, not buffers: a memory file
    (``memfd``, by its ``/proc/self/fd`` path) where Linux has one, else a temporary file. A
    memory file is never written back to disk, so a machine busy writing (a store just saved)
    cannot hold the read up: writing a 65 MB temporary file took 0.02 s on a quiet disk and
    0.22 s right after a benchmark had written its stores; the sandboxed 1M-row read, 0.81 /
    0.94 s (min / median) with the temporary file, 0.80 / 0.83 s with the memory file."""
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("csv", os.MFD_CLOEXEC)
        try:
            with open(fd, "wb", closefd=False) as out:
                out.write(data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_bytes(data)
        yield str(path)


# A cell may be as long as the file (the file-size limit bounds it), not 128 KiB.
csv.field_size_limit(2**31 - 1)


def _python_csv(text: str, delim: str) -> pa.Table:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    return _blank_to_null(_rows_to_table(rows))


def _rows_to_table(rows: list[list[Any]]) -> pa.Table:
    width = max((len(r) for r in rows), default=0)
    return _columns_to_table([[r[i] if i < len(r) else None for r in rows] for i in range(width)])


def _columns_to_table(columns: list[list[str | None]]) -> pa.Table:
    """Columns of text (``None`` for blank) as a table of string columns ``c0``, ``c1``, …"""
    return pa.table({f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)})


def _blank_to_null(table: pa.Table) -> pa.Table:
    """Empty and whitespace-only cells (including full-width spaces) become null.

    Only the validity bitmap changes: a chunk without a blank cell is kept as it is, and
    one with blanks keeps its offsets and text buffers under a new bitmap (no copy of the text).
    """
    cols = []
    for col in table.columns:
        cols.append(pa.chunked_array([_blank_chunk_to_null(chunk) for chunk in col.chunks], type=col.type))
    return pa.table(cols, names=table.column_names)


def _blank_chunk_to_null(chunk: pa.Array) -> pa.Array:
    # whitespace-only (utf8_is_space: the characters utf8_trim_whitespace trims) or empty
    blank = pc.fill_null(pc.or_(pc.utf8_is_space(chunk), pc.equal(chunk, "")), False)
    if not pc.any(blank).as_py():
        return chunk
    if chunk.offset or chunk.type not in (pa.string(), pa.large_string()):  # a slice (its bitmap
        # would not line up with its buffers' start), or another layout of text
        return pc.if_else(blank, pa.scalar(None, chunk.type), chunk)
    valid = pc.and_not(chunk.is_valid(), blank)  # no nulls itself: its values are the bitmap
    _, offsets, text = chunk.buffers()
    return pa.Array.from_buffers(chunk.type, len(chunk), [valid.buffers()[1], offsets, text])


# --- workbooks ------------------------------------------------------------------------------


def _read_book(
    data: bytes, name: str, limits: Limits, errors: dict[str, dict[tuple[int, int], str]],
    parsed: _EarlyParse | None = None,
) -> list[RawSheet]:
    """Every worksheet of a workbook, read by calamine (``parsed``: its sheets parsed already
    by :class:`_EarlyParse`; else each is parsed here in turn).

    A Rust panic inside calamine (a date cell of -1e300 overflows its date arithmetic)
    arrives as ``pyo3_runtime.PanicException``, a ``BaseException`` that no ``except
    Exception`` catches; it is turned into ``file-corrupt`` here.
    """
    sheets = _calamine_sheets(data, name) if parsed is None else iter(parsed)
    try:
        return _read_book_cells(name, limits, errors, sheets)
    except BaseException as e:
        if type(e).__name__ == "PanicException":
            raise FileRejectedError("file-corrupt", file=name) from e
        raise
    finally:
        sheets.close()  # the workbook, when a refusal stopped the read before its last sheet


def _calamine_sheets(data: bytes, name: str) -> Iterator[tuple[Any, Any]]:
    """calamine's worksheets of ``data`` (metadata, parsed sheet), each parsed when it is asked
    for; a password or a broken file as :class:`FileRejectedError`."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as e:
        raise FileRejectedError("file-encrypted", file=name) from e
    except (python_calamine.CalamineError, ValueError, OSError) as e:
        raise FileRejectedError("file-corrupt", file=name) from e
    with book:
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = book.get_sheet_by_name(meta.name)
            except python_calamine.PasswordError as e:
                raise FileRejectedError("file-encrypted", file=name) from e
            except python_calamine.CalamineError as e:
                raise FileRejectedError("file-corrupt", file=name) from e
            yield meta, sheet


class _EarlyParse:
    """:func:`_calamine_sheets` run to its end on a thread, started before the safety scan.

    Iterating gives the sheets parsed before the first failure, then raises that failure: the
    order the sheet-by-sheet read meets them in, so a refusal found in an earlier sheet still
    comes first. Iterating waits for the thread."""

    def __init__(self, data: bytes, name: str) -> None:
        self._sheets: list[tuple[Any, Any]] = []
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(data, name), name="calamine", daemon=True)
        self._thread.start()

    def _run(self, data: bytes, name: str) -> None:
        try:
            for item in _calamine_sheets(data, name):
                self._sheets.append(item)
        except BaseException as e:  # a panic too: raised again where the reader maps it
            self._failure = e

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        self._thread.join()
        while self._sheets:  # each sheet let go once read
            yield self._sheets.pop(0)
        if self._failure is not None:
            raise self._failure


def _read_book_cells(
    name: str, limits: Limits, errors: dict[str, dict[tuple[int, int], str]], parsed: Iterator[tuple[Any, Any]]
) -> list[RawSheet]:
    sheets: list[RawSheet] = []
    for meta, sheet in parsed:
        try:
            if sheet.total_width > limits.max_columns or sheet.width > limits.max_columns:
                raise FileRejectedError(
                    "too-many-columns", file=name, count=sheet.width, limit=limits.max_columns
                )
            if sheet.end is not None:  # (row, column) of the last cell, 0-based
                _check_extent(name, meta.name, sheet.end[1] + 1, sheet.end[0] + 1, limits)
            columns = _text_columns(sheet.to_python(skip_empty_area=False))
            merges = sheet.merged_cell_ranges or []
        except python_calamine.PasswordError as e:
            raise FileRejectedError("file-encrypted", file=name) from e
        except python_calamine.CalamineError as e:
            raise FileRejectedError("file-corrupt", file=name) from e
        del sheet
        _put_error_cells(columns, errors.get(meta.name, {}))
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        # Merged ranges are filled row-wise once the header is known; without any, the
        # columns become the table directly (no transposing back to rows).
        grid: list[list[str | None]] | pa.Table
        if merges:
            grid = [list(row) for row in zip(*(column.to_pylist() for column in columns))]
        else:
            grid = pa.table({f"c{i}": column for i, column in enumerate(columns)})
        del columns
        built = _build_sheet(meta.name, grid, merges=merges, hidden=hidden, limits=limits, file=name)
        sheets.append(built if built is not None else _empty_marker(meta.name))
    return sheets


def _put_error_cells(columns: list[pa.Array], cells: dict[tuple[int, int], str]) -> None:
    """Put each error cell's text (``#N/A`` …, see :func:`_xlsx_error_cells`) at its (row,
    column) in ``columns``; only the columns that hold one are rebuilt."""
    by_column: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in cells.items():
        if c < len(columns) and r < len(columns[c]):
            by_column.setdefault(c, []).append((r, text))
    for c, items in by_column.items():
        values = columns[c].to_pylist()
        for r, text in items:
            values[r] = text
        columns[c] = pa.array(values, type=pa.string())


def _text_columns(rows: list[list[Any]]) -> list[pa.Array]:
    """calamine's rows as columns of text (see :func:`_cell_text`; null for a blank), built one
    column at a time: a column of only text (or only numbers) and blanks is converted without a
    call per cell. calamine's grid is dense (every row as wide as the sheet), so each column is
    taken by ``itemgetter`` in C instead of transposing through ``zip_longest(*rows)``."""
    width = max(map(len, rows), default=0)
    if rows and min(map(len, rows)) == width:
        columns: Iterable[Sequence[Any]] = (list(map(operator.itemgetter(i), rows)) for i in range(width))
    else:
        columns = itertools.zip_longest(*rows)
    return [_column_text(values) for values in columns]


def _column_text(values: Sequence[Any]) -> pa.Array:
    try:  # only text and blanks: Arrow converts it in C, and finds the blank cells as strip() would
        return _blank_chunk_to_null(pa.array(values, type=pa.string()))
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {str, float}:  # a number column under its header: the same rules as _cell_text
        texts = [
            None if v is None else (v if v.strip() else None) if type(v) is str
            else str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
            for v in values
        ]
    else:
        texts = [_cell_text(v) for v in values]
    return pa.array(texts, type=pa.string())


def _cell_text(value: Any) -> str | None:
    """One calamine cell as text: integral floats without ".0", dates ISO, booleans TRUE/FALSE."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# --- structure: header, title, footer ------------------------------------------------------


def _build_sheet(name: str, grid: list[list[str | None]] | pa.Table, *, merges: list, hidden: bool,
                 limits: Limits | None = None, file: str = "") -> RawSheet | None:
    """Find the header, fill merges, drop blank/footer rows and blank columns; None when empty.
    With ``limits``, a sheet with more than ``max_rows`` rows below its header is refused."""
    if isinstance(grid, pa.Table):
        head = [list(r.values()) for r in grid.slice(0, _HEADER_SCAN_ROWS + 20).to_pylist()]
    else:
        head = grid[: _HEADER_SCAN_ROWS + 20]
    if not any(v is not None for row in head for v in row) and _all_blank(grid):
        return None
    h = _find_header(head)
    upper = _upper_header(head, h, merges)
    if any(r0 == h and r1 > h for (r0, _), (r1, _) in merges) and h + 1 < len(head):
        # Header cells merged down over two rows (学号 beside 毕业去向 over 代码 | 单位): the row
        # below is the specific header, this one its group row.
        h, upper = h + 1, True
    below = _continued_header(head, h)
    top = h - 1 if upper else h
    title_lines = [" ".join(v.strip() for v in row if v is not None) for row in head[:top]]
    title_lines = [line for line in title_lines if line]
    issues: list[Issue] = []
    if isinstance(grid, list):
        filled = _fill_merges(grid, merges, h)
        if filled:
            issues.append(Issue("merged-cells-filled", params={"count": filled}))
        width = max((len(r) for r in grid), default=0)
        table = _rows_to_table([r + [None] * (width - len(r)) for r in grid])
        head = grid[: h + 1 + below]
    else:
        table = grid
    if title_lines:
        issues.append(Issue("title-rows-skipped", row=1, params={"rows": _rows_text(range(1, top + 1))}))
    if below:
        # A header split over several rows (a PDF converted to Excel): the pieces, joined.
        lower = [_joined(head[h:h + 1 + below], c) for c in range(table.num_columns)]
        headers = _combine_headers(lower, head[h - 1] if upper else None, table.num_columns)
        issues.append(Issue("header-rows-joined", row=h + 1, params={"rows": _rows_text(range(h + 1, h + 2 + below))}))
        h += below
    else:
        headers = _combine_headers(head[h], head[h - 1] if upper else None, table.num_columns)
    data = table.slice(h + 1)
    _check_data_rows(data.num_rows, file or name, limits)
    keep, dropped, sections = _data_rows(data, h + 2)
    for code, rows in dropped.items():
        if rows:
            issues.append(Issue(code, row=rows[0], params={"rows": _rows_text(rows), "count": len(rows)}))
    if not keep.all():  # most files keep every row: no copy of the table then
        data = data.filter(pa.array(keep, type=pa.bool_()))
    row_numbers = (h + 2 + np.flatnonzero(keep)).tolist()
    kept_sections = sections[keep].tolist() if sections is not None else None
    headers, data, blank_cols = _drop_blank_columns(headers, data)
    if blank_cols:
        issues.append(Issue("blank-columns-dropped", params={"columns": ", ".join(blank_cols), "count": len(blank_cols)}))
    headers = _unique(headers, issues)
    if hidden:
        issues.append(Issue("hidden-sheet", params={"sheet": name}))
    frame = data.rename_columns(headers).to_pandas()
    return RawSheet(name, headers, frame, row_numbers, h + 1, title_lines, hidden, issues, kept_sections)


def _joined(rows: list[list[str | None]], c: int) -> str | None:
    parts = [row[c].strip() for row in rows if c < len(row) and row[c] is not None and row[c].strip()]
    return "".join(parts) or None


def _continued_header(head: list[list[str | None]], h: int) -> int:
    """How many rows right below the header continue it (0–2): short text pieces only, whose
    joining with the header row makes more headers the importer knows."""
    from analytics.ingest.mapping import known_header

    best, best_known = 0, sum(known_header(v) for v in head[h] if v is not None)
    for k in (1, 2):
        rows = head[h + 1:h + 1 + k]
        if len(rows) < k or any(not any(v is not None for v in row) for row in rows):
            break
        pieces = [v for row in rows for v in row if v is not None]
        if not all(_is_label(v) and len(v.strip()) <= 12 and not _DIGIT_RE.search(v) for v in pieces):
            break
        width = max(len(r) for r in head[h:h + 1 + k])
        known = sum(known_header(v) for v in (_joined(head[h:h + 1 + k], c) for c in range(width)) if v)
        if known > best_known:
            best, best_known = k, known
    return best


def _all_blank(grid: list[list[str | None]] | pa.Table) -> bool:
    if isinstance(grid, pa.Table):
        return all(col.null_count == len(col) for col in grid.columns)
    return not any(v is not None for row in grid for v in row)


def _empty_marker(name: str) -> RawSheet:
    """A placeholder for an empty sheet; removed by :func:`_finish`, which reports it."""
    return RawSheet(name, [], pd.DataFrame(), [], 0, [], False, [Issue("empty-sheet", params={"sheet": name})])


def _is_label(value: str | None) -> bool:
    return value is not None and len(value.strip()) <= 60 and not _NUMBER_RE.match(value)


def _find_header(head: list[list[str | None]]) -> int:
    """Index of the header row: the first row of several short text cells as wide as the rows below."""
    counts = [sum(v is not None for v in row) for row in head]
    for i, row in enumerate(head[:_HEADER_SCAN_ROWS]):
        if counts[i] < 2:
            continue
        texts = [v for v in row if v is not None]
        if sum(_is_label(v) for v in texts) < 0.7 * len(texts):
            continue
        below = counts[i + 1 : i + 21]
        if below and counts[i] < 0.6 * max(below):
            continue
        return i
    return next((i for i, c in enumerate(counts) if c), 0)


def _upper_header(head: list[list[str | None]], h: int, merges: list) -> bool:
    """Whether the row above the header is a group row (merged group labels over specific labels)."""
    if h == 0:
        return False
    above, row = head[h - 1], head[h]
    cells = [c for c, v in enumerate(above) if v is not None]
    if not cells:
        return False
    width = max((c for c, v in enumerate(row) if v is not None), default=0) + 1
    for (r0, c0), (r1, c1) in merges:
        if r0 == h - 1 and c1 > c0 and not (c0 == 0 and c1 >= width - 1) and r1 == h - 1:
            return True
    labels = [v for v in row if v is not None]
    repeats = len(set(labels)) < len(labels)
    over_blank = any(c >= len(row) or row[c] is None for c in cells)
    return (repeats or over_blank) and len(cells) >= 2 and all(_is_label(above[c]) for c in cells)


def _fill_merges(grid: list[list[str | None]], merges: list, h: int) -> int:
    """Copy each merged range's top-left value into the range: fully in the header, down columns below it."""
    filled = 0
    for (r0, c0), (r1, c1) in merges:
        value = grid[r0][c0] if r0 < len(grid) and c0 < len(grid[r0]) else None
        if value is None:
            continue
        cols = range(c0, c1 + 1) if r0 <= h else range(c0, c0 + 1)
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in cols:
                if (r, c) != (r0, c0) and row[c] is None:
                    row[c] = value
                    filled += 1
    return filled


def _combine_headers(lower: list[str | None], upper: list[str | None] | None, width: int) -> list[str]:
    """Final labels: trimmed; with a group row, the lower label, or "upper/lower" when lower labels repeat."""
    low = [_label(lower[c]) if c < len(lower) else "" for c in range(width)]
    if upper is None:
        return low
    up: list[str] = []
    last = ""
    for c in range(width):
        text = _label(upper[c]) if c < len(upper) else ""
        last = text or (last if low[c] else "")
        up.append(last)
    out = []
    for c in range(width):
        if not low[c]:
            out.append(up[c])
        elif up[c] and up[c] != low[c] and low.count(low[c]) > 1:
            out.append(f"{up[c]}/{low[c]}")
        else:
            out.append(low[c])
    return out


def _label(value: str | None) -> str:
    return " ".join(value.split()) if value else ""


def _data_rows(data: pa.Table, first_row: int) -> tuple[np.ndarray, dict[str, list[int]], np.ndarray | None]:
    """Which data rows to keep; dropped row numbers by issue code (blank, total, footer, note,
    section); the section heading above each row (None when the sheet has no sections)."""
    n = data.num_rows
    if n == 0 or data.num_columns == 0:
        return np.ones(n, dtype=bool), {}, None
    lead = pc.coalesce(*data.columns)
    blank = pc.is_null(lead).to_numpy(zero_copy_only=False)
    # Only a lead cell with a character other than a digit can be a total, a note or a section
    # heading (each pattern needs a word, a colon or a separator): an ID column is not searched.
    worded = ~pc.fill_null(pc.utf8_is_digit(lead), True).to_numpy(zero_copy_only=False)
    total = _matching(lead, np.flatnonzero(worded), _TOTAL_RE.pattern, ignore_case=True)
    filled = np.sum([col.is_valid().to_numpy(zero_copy_only=False) for col in data.columns], axis=0)
    wide = filled[filled >= 2]
    section = np.zeros(n, dtype=bool)
    if wide.size and np.median(wide) >= 3:
        section = _matching(lead, np.flatnonzero(worded & (filled == 1)), _SECTION_RE.pattern)
    note = _matching(lead, np.flatnonzero(worded), _NOTE_RE.pattern, ignore_case=True) & ~total & ~section
    keep = ~(blank | total | section)
    footer: list[int] = []
    tail_start = max(0, n - 200)
    tail = lead.slice(tail_start).to_pylist()
    for i in range(n - 1, tail_start - 1, -1):
        value = tail[i - tail_start]
        if value is None or _TOTAL_RE.match(value):
            continue
        if not _NOTE_RE.match(value):
            break
        keep[i] = False
        footer.append(first_row + i)
    inside = note & keep  # a signature or note row between the data, not in the footer
    keep &= ~inside
    dropped = {
        "blank-rows-dropped": (first_row + np.flatnonzero(blank)).tolist(),
        "total-rows-dropped": (first_row + np.flatnonzero(total)).tolist(),
        "footer-rows-dropped": sorted(footer),
        "note-rows-dropped": (first_row + np.flatnonzero(inside)).tolist(),
        "section-rows-dropped": (first_row + np.flatnonzero(section)).tolist(),
    }
    sections = None
    if section.any():
        texts = pd.Series(lead.to_numpy(zero_copy_only=False), dtype=object).where(section).ffill()
        sections = texts.str.strip().astype(object).where(texts.notna(), None).to_numpy(dtype=object)
    return keep, dropped, sections


def _matching(lead: pa.ChunkedArray, rows: np.ndarray, pattern: str, ignore_case: bool = False) -> np.ndarray:
    """Per row, whether its ``lead`` cell matches ``pattern`` (RE2, a null never); only the rows
    at the indices ``rows`` are searched, every other row is False."""
    out = np.zeros(len(lead), dtype=bool)
    if rows.size:
        found = pc.match_substring_regex(lead.take(pa.array(rows)), pattern, ignore_case=ignore_case)
        out[rows] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    return out


def _drop_blank_columns(headers: list[str], data: pa.Table) -> tuple[list[str], pa.Table, list[str]]:
    keep, dropped = [], []
    for i, label in enumerate(headers):
        if not label and data.column(i).null_count == data.num_rows:
            dropped.append(_column_letter(i))
        else:
            keep.append(i)
    return [headers[i] for i in keep], data.select(keep), dropped


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _unique(headers: list[str], issues: list[Issue]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, label in enumerate(headers):
        label = label or f"column_{i + 1}"
        if label in seen:
            seen[label] += 1
            issues.append(Issue("duplicate-header", column=label, params={"renamed": f"{label} ({seen[label]})"}))
            label = f"{label} ({seen[label]})"
        else:
            seen[label] = 1
        out.append(label)
    return out


def _rows_text(rows: Any) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:20])
    return shown + (f" … (+{len(rows) - 20})" if len(rows) > 20 else "")


def _finish(sheets: list[RawSheet], name: str) -> list[RawSheet]:
    """Drop empty and header-only sheets (reported on the first returned sheet); refuse when none is left."""
    notes: list[Issue] = []
    kept: list[RawSheet] = []
    header_only: list[RawSheet] = []
    for sheet in sheets:
        if not sheet.headers:
            notes.extend(sheet.issues)
        elif sheet.frame.empty:
            header_only.append(sheet)
        else:
            kept.append(sheet)
    if not kept:
        if header_only:
            raise FileRejectedError("header-only", file=name, sheet=header_only[0].name)
        raise FileRejectedError("file-empty", file=name)
    notes.extend(Issue("header-only-sheet", params={"sheet": s.name}) for s in header_only)
    kept[0].issues.extend(notes)
    for sheet in kept:
        sheet.file_name = name
    return kept
