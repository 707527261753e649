"""The meeting pack as data: a :class:`Report` of sections, each a sequence of parts —
tables (:class:`Block`, with an optional chart), lists (:class:`Bullets`) and paragraphs
(:class:`Text`) — and how one cell is written in HTML text and as an Excel value.

Both renderers (``html``, ``xlsx``) take a :class:`Report` and nothing else, so they are
tested on hand-built reports without a database. A chart's plotly figure is a callable,
built only when the HTML is rendered (the Excel chart is native and reads the cells).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.i18n import t
from analytics.safe_export import escape_cell

# Cell formats: how a value is written (HTML text) and its Excel number format.
EXCEL_FORMATS = {
    "int": "#,##0",
    "money": "#,##0",
    "pct": "0.0%",
    "signed_pct": "+0.0%;-0.0%;0.0%",
    "dec1": "0.0",
    "signed_dec1": "+0.0;-0.0;0.0",
    "year": "0",
    "datetime": "yyyy-mm-dd hh:mm",
    "p": "0.000",
}
NUMERIC = ("int", "money", "pct", "signed_pct", "dec1", "signed_dec1", "p", "row")
STATUSES = ("met", "near", "not_met", "no_data")  # a status cell: the verdict, "near" as its shade


@dataclass(frozen=True)
class Col:
    """One table column: key in the frame, header label, format (see ``EXCEL_FORMATS``,
    plus ``text``, ``flag`` for the small-group mark, ``status`` for a target status and
    ``row`` for a per-row format from ``Block.row_formats``)."""

    key: str
    label: str
    fmt: str = "text"


@dataclass(frozen=True)
class Chart:
    """A chart of a block: ``kind`` line | col | bar (horizontal) | stacked; ``x`` the
    category column, ``y`` the value columns; ``figure`` builds the plotly version for
    HTML (called only when the HTML is rendered)."""

    kind: str
    x: str
    y: tuple[str, ...]
    title: str
    percent: bool = False
    figure: Callable[[], Any] | None = None


@dataclass(frozen=True)
class Block:
    """A titled table with an optional chart and a note under it. Rows whose ``small_n``
    column is true are the small groups: grey and italic, with the ⚠ mark."""

    key: str
    title: str
    frame: pd.DataFrame
    cols: tuple[Col, ...]
    chart: Chart | None = None
    note: str = ""
    row_formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bullets:
    """A titled list of sentences (``empty`` is said when there are none)."""

    key: str
    title: str
    items: tuple[str, ...]
    ordered: bool = False
    empty: str = ""


@dataclass(frozen=True)
class Text:
    """A paragraph, with an optional heading."""

    text: str
    title: str = ""


Part = Block | Bullets | Text


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    parts: tuple[Part, ...]
    sheet: str  # Excel sheet name (≤ 31 characters)


@dataclass(frozen=True)
class Report:
    lang: str
    title: str
    caption: str
    data_date: str
    generated: str
    sections: tuple[Section, ...] = field(default=())


# -- Cell values ---------------------------------------------------------------------------------


def missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def small_rows(block: Block) -> list[bool] | None:
    """Which rows are small groups (``None`` when the block has no ``small_n`` column)."""
    if "small_n" not in block.frame:
        return None
    return [bool(v) and not missing(v) for v in block.frame["small_n"].tolist()]


def row_fmt(block: Block, col: Col, i: int) -> str:
    return block.row_formats[i] if col.fmt == "row" else col.fmt


def text(value: object, fmt: str, lang: str) -> str:
    """A cell as text for HTML."""
    if fmt == "flag":
        return "⚠" if not missing(value) and bool(value) else ""
    if missing(value):
        return "—"
    if fmt == "status":
        return t(f"headline.status.{value}", lang)
    if fmt == "pct":
        return f"{float(value) * 100:.1f}%"
    if fmt == "signed_pct":
        return f"{float(value) * 100:+.1f}%"
    if fmt in ("int", "money"):
        return f"{float(value):,.0f}"
    if fmt == "dec1":
        return f"{float(value):,.1f}"
    if fmt == "signed_dec1":
        return f"{float(value):+,.1f}"
    if fmt == "p":
        from analytics.narrative import p_text  # the one way a p-value is written

        return p_text(float(value))
    if fmt == "year":
        return str(int(value)) if isinstance(value, numbers.Real) else str(value)
    if fmt == "datetime":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def value(value: object, fmt: str, lang: str) -> object:
    """A cell as an Excel value: numbers stay numbers, text is escaped, missing is empty."""
    if fmt == "flag":
        return "⚠" if not missing(value) and bool(value) else None
    if missing(value):
        return None
    if fmt == "status":
        return escape_cell(t(f"headline.status.{value}", lang))
    if fmt in EXCEL_FORMATS:
        if fmt == "datetime":
            return pd.Timestamp(value).to_pydatetime()
        if fmt == "year" and not isinstance(value, numbers.Real):
            return escape_cell(str(value))
        return int(value) if fmt in ("year", "int") else float(value)
    return escape_cell(str(value))
