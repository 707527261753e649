"""The safety scan finds a worksheet's extent (last row, last column) with one RE2 count per
window deciding whether the per-cell regexes must run there; the extent, and so every
refusal, is the one those regexes give over every window (the reference below), also for a
stray far cell, references out of row order, leading zeros, attributes before ``r`` and
windows that cut a sheet anywhere."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from analytics.errors import FileRejectedError
from analytics.ingest import read
from analytics.ingest.read import Limits

ROW_REF = re.compile(rb"<row\b[^>]*?\sr=\"(\d{1,9})\"")
CELL_COL = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{1,4})\d")
CELL_ROW = re.compile(rb"<c\b[^>]*?\sr=\"[A-Z]{1,4}(\d{1,9})\"")


def reference_extent(xml: bytes, chunk: int) -> tuple[int, int] | None:
    """(width, height) from every row and cell reference of every window, as the scan read
    them before (None: no reference at all)."""
    rows: set[bytes] = set()
    cols: set[bytes] = set()
    tail = b""
    for at in range(0, len(xml), chunk):
        window = tail + xml[at:at + chunk]
        rows.update(ROW_REF.findall(window))
        rows.update(CELL_ROW.findall(window))
        cols.update(CELL_COL.findall(window))
        tail = window[-read._OVERLAP:]
    if not rows and not cols:
        return None
    return (max((read._column_index(c.decode()) + 1 for c in cols), default=1),
            max((int(r) for r in rows), default=1))


def book(sheet_xml: bytes) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", b'<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", b'<Relationships><Relationship Id="rId1" '
                    b'Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def scanned_extent(sheet_xml: bytes) -> tuple[int, int] | None:
    """(width, height) as the scan finds it: with a cell limit of 1, any extent of two cells
    or more is refused, and the refusal names the last column and row."""
    try:
        read._check_xml(book(sheet_xml), "t.xlsx", Limits(max_cells=1, max_columns=20_000, max_rows=10**9))
    except FileRejectedError as e:
        assert e.code == "sheet-too-large", e.code
        return e.params["columns"], int(e.params["rows"].replace(",", ""))
    return None  # one cell, or none


def rows_xml(n: int, width: int = 6, extra: dict[int, str] | None = None, row_attrs: str = "") -> bytes:
    rows = []
    for r in range(1, n + 1):
        cells = "".join(f'<c r="{read._column_letter(c)}{r}" t="inlineStr"><is><t>v{r}</t></is></c>'
                        for c in range(width))
        rows.append(f'<row r="{r}"{row_attrs}>{cells}{(extra or {}).get(r, "")}</row>')
    return ("<worksheet><sheetData>" + "".join(rows) + "</sheetData></worksheet>").encode()


SHEETS = {
    "in row order": rows_xml(40),
    "a stray far cell in the middle": rows_xml(40, extra={17: '<c r="XFD1048576"><v>1</v></c>'}),
    "a wider row late": rows_xml(40, extra={35: '<c r="AB35"><v>1</v></c>'}),
    "a cell below every row": rows_xml(40, extra={3: '<c r="B900"><v>1</v></c>'}),
    "leading zeros": rows_xml(30, extra={5: '<c r="C000000950"><v>1</v></c>'}),
    "ten digits (not a reference the scan reads)": rows_xml(30, extra={5: '<c r="C1234567890"><v>1</v></c>'}),
    "r after other attributes, tab before it": rows_xml(30, extra={9: '<c s="1" t="n"\tr="Z9"><v>1</v></c>'}),
    "five letters (no reference), then one": rows_xml(30, extra={9: '<c r="ABCDE9" x="1" r="AD9"><v>1</v></c>'}),
    "cells without row tags": b"<worksheet><sheetData><row>" + b"".join(
        f'<c r="{read._column_letter(c)}{r}"><v>1</v></c>'.encode() for r in range(1, 30) for c in range(5))
        + b"</row></sheetData></worksheet>",
    "rows without references": b"<worksheet><sheetData>" + b'<row><c t="inlineStr"><is><t>a</t></is></c></row>' * 30
        + b"</sheetData></worksheet>",
    "row tags far below the cells": rows_xml(20) .replace(b"</sheetData>", b'<row r="5000"/></sheetData>'),
    "text that looks like a reference": rows_xml(20, extra={4: '<c r="A4" t="inlineStr"><is><t> r="XFD99"</t></is></c>'}),
}


@pytest.mark.parametrize("chunk", [97, 1000, 1 << 20], ids=["97-byte windows", "1000-byte windows", "one window"])
@pytest.mark.parametrize("xml", list(SHEETS.values()), ids=list(SHEETS))
def test_the_extent_is_the_per_cell_regexes_one(xml, chunk, monkeypatch):
    monkeypatch.setattr(read, "_XML_CHUNK", chunk)
    want = reference_extent(xml, chunk)
    got = scanned_extent(xml)
    assert got == (want if want is not None and want[0] * want[1] > 1 else None)


def test_the_stray_cell_is_named_by_hand():
    # 40 rows of 6 columns and one cell at XFD1048576: 16,384 columns × 1,048,576 rows
    with pytest.raises(FileRejectedError) as info:
        read._check_xml(book(SHEETS["a stray far cell in the middle"]), "t.xlsx", Limits(max_columns=20_000))
    assert info.value.code == "sheet-too-large"
    assert info.value.params["cell"] == "XFD1048576" and info.value.params["columns"] == 16_384


@pytest.mark.parametrize("height, width, refs, beyond", [
    (0, 0, ['A1'], True),
    (40, 6, ['A1', 'F40', 'B0040'], False),
    (40, 6, ['F41'], True),
    (40, 6, ['G1'], True),
    (40, 6, ['F0000041'], True),
    (40, 6, ['F1234567890'], False),  # ten digits: neither regex captures a row; column F is not beyond
    (999_999_999, 475_254, ['ZZZZ999999999'], False),  # nothing can be beyond
])
def test_cells_beyond(height, width, refs, beyond):
    window = "".join(f'<c r="{ref}"><v>1</v></c>' for ref in refs).encode()
    assert read._cells_beyond(window, height, width) is beyond
