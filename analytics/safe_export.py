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


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """One-sheet xlsx workbook with a frozen header row."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        escape_frame(frame).to_excel(writer, sheet_name=sheet_name[:31], index=False)
        writer.sheets[sheet_name[:31]].freeze_panes = "A2"
    return buf.getvalue()


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as .xlsx or .csv (by the extension of ``path``)."""
    path = Path(path)
    data = to_xlsx_bytes(frame) if path.suffix.lower() == ".xlsx" else to_csv_bytes(frame)
    path.write_bytes(data)
    return path
