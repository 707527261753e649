"""Write tables for people to open in Excel, safely.

Every text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with an apostrophe so a spreadsheet program shows it as text instead of
running it as a formula (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """``value`` made inert if it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through ``escape_cell``."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell, na_action="ignore")
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with BOM, so Excel opens Chinese text correctly.

    Lines end in CRLF (RFC 4180, as Excel writes): the csv writer quotes a field holding
    any character of the line terminator, so a bare CR inside a cell is quoted too and
    cannot split the row or start a new line with ``=1+1``.
    """
    return escape_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


XLSX_SHEET_ROWS = 1_048_575
"""Rows an Excel sheet holds under its header (1,048,576 in all)."""


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """An xlsx workbook with a frozen header row: one sheet, or as many as its rows need (each with
    the header: ``data``, ``data (2)`` …), since a sheet holds :data:`XLSX_SHEET_ROWS` rows."""
    buf = io.BytesIO()
    escaped = escape_frame(frame)
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for i, start in enumerate(range(0, max(len(escaped), 1), XLSX_SHEET_ROWS)):
            name = sheet_name[:31] if i == 0 else f"{sheet_name[:25]} ({i + 1})"
            escaped.iloc[start:start + XLSX_SHEET_ROWS].to_excel(writer, sheet_name=name, index=False)
            writer.sheets[name].freeze_panes = "A2"
    return buf.getvalue()


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as .xlsx or .csv (by the extension of ``path``)."""
    path = Path(path)
    data = to_xlsx_bytes(frame) if path.suffix.lower() == ".xlsx" else to_csv_bytes(frame)
    path.write_bytes(data)
    return path
