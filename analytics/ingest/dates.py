"""Dates written without a year (3月12日, 3.12) in hand-kept logs take it from their context.

A log is kept for one term or year and says so once: in a section heading above the rows
(``2024年3月``), in a title (``2024年春季学期…台账``, ``2023-2024学年第一学期``), in the sheet
name or in the file name. ``complete_years`` writes the year into such cells before they are
normalised; the nearest statement wins (section, then titles, then sheet, then file). A
school year ``2023-2024学年`` and an autumn term ``2023年秋季学期`` put August–December in the
first year and January–July in the next; a spring term, a calendar year or a month heading
gives its own year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[./-]\s*(\d{1,2}))\s*$")
_SCHOOL_YEAR = re.compile(r"((?:19|20)\d{2})\s*[-–—~至到]\s*((?:19|20)\d{2})\s*学年\s*(?:第\s*([一二12])\s*学期|([上下])\s*学期)?")
_TERM = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:度)?\s*(春|秋|上半年|下半年)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年|[-/.]\s*\d{1,2}(?!\d)|届|年度)")
_BARE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def month_day(text: object) -> tuple[int, int] | None:
    """``(3, 12)`` for ``3月12日``, ``3.12`` or ``03-12``; None for anything else."""
    if not isinstance(text, str):
        return None
    match = _MONTH_DAY.match(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    month, day = int(match.group(1)), int(match.group(2) or match.group(3))
    return (month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def year_of(text: str, month: int) -> int | None:
    """The year that a month of the period ``text`` names falls in, or None when it names none."""
    text = unicodedata.normalize("NFKC", text)
    if match := _SCHOOL_YEAR.search(text):
        first, second = int(match.group(1)), int(match.group(2))
        if second != first + 1:
            return None
        part = match.group(3) or match.group(4)
        if part in ("二", "2", "下"):
            return second  # the spring term lies in the second year
        return first if month >= 8 else second
    if match := _TERM.search(text):
        year = int(match.group(1))
        return year + 1 if match.group(2) == "秋" and month < 8 else year
    if match := _YEAR.search(text) or _BARE_YEAR.search(text):
        return int(match.group(1))
    return None


def complete_years(
    cells: pd.Series, sections: Sequence[str | None] | None, texts: Sequence[str]
) -> tuple[pd.Series, int]:
    """``cells`` with a year written into each year-less date, and how many got one.

    ``sections`` holds each row's section heading (or None), ``texts`` the title lines, the
    sheet name and the file name, nearest first. A cell whose context names no year is left
    as it is (normalisation then reports it).
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    parts = [month_day(u) for u in uniques]
    if not any(parts):
        return cells, 0
    months = np.array([p[0] if p else 0 for p in parts] + [0])[codes]
    section = (pd.Series(list(sections), dtype=object) if sections is not None
               else pd.Series([None] * len(cells), dtype=object))
    pairs = pd.DataFrame({"section": section.to_numpy(dtype=object), "month": months})
    wanted = pairs[pairs["month"] > 0].drop_duplicates()
    resolved = {}
    for sec, month in wanted.itertuples(index=False):  # a few (section, month) pairs per sheet
        for text in ([sec] if isinstance(sec, str) and sec else []) + list(texts):
            year = year_of(text, month) if isinstance(text, str) and text else None
            if year is not None:
                resolved[(sec, month)] = year
                break
    if not resolved:
        return cells, 0
    known = pd.DataFrame([(s, m, y) for (s, m), y in resolved.items()], columns=["section", "month", "year"])
    year = pd.Series(pairs.merge(known, on=["section", "month"], how="left")["year"].to_numpy(),
                     dtype="Int64", index=cells.index)
    day = pd.Series(np.array([p[1] if p else 0 for p in parts] + [0])[codes], index=cells.index)
    month = pd.Series(months, index=cells.index)
    text = (year.astype("string") + "年" + month.astype("string") + "月" + day.astype("string") + "日")
    filled = year.notna().to_numpy()
    return cells.where(~filled, text.astype(object)), int(filled.sum())
