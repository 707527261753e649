"""Shapers: how one kind of table turns a sheet into the canonical text frame validation takes.

A shaper has two steps, the same for every kind of table:

* ``plan(raw, overrides, sample)`` → ``Mapping``: which headers fill which columns (saved
  and reused as the mapping of files with the same headers);
* ``frame(raw, table, mapping, constants)`` → ``Shaped``: cell text per canonical column,
  each row's spreadsheet row number and source position, the header each column came
  from (for messages), and what was found on the way.

``DEFAULT`` serves the record tables of SPEC §2 (a wide satisfaction sheet is unpivoted,
derivations declared in ``schema`` such as the employment ``survey_date`` are applied);
``analytics.ingest.aggregate`` serves the published ``benchmarks`` tables. ``shaper(table)``
picks one, so ``pipeline`` has no special case for any table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from analytics import schema
from analytics.ingest.dates import complete_years
from analytics.ingest.issues import WARNING, Issue
from analytics.ingest.mapping import Mapping, Sample, map_headers
from analytics.ingest.normalize import normalize_column
from analytics.ingest.read import RawSheet


@dataclass
class Shaped:
    """A sheet as canonical text: one row per record, with where each row came from."""

    frame: pd.DataFrame
    numbers: np.ndarray  # spreadsheet row number of each row
    origins: np.ndarray  # position of each row's source in the sheet
    headers: dict[str, str]  # canonical column -> where it came from, as the user knows it
    issues: list[Issue] = field(default_factory=list)


class Shaper(Protocol):
    def plan(self, raw: RawSheet, table: str, overrides: dict[str, str] | None, sample: Sample | None) -> Mapping: ...

    def frame(self, raw: RawSheet, table: schema.Table, mapping: Mapping, constants: dict[str, Any]) -> Shaped: ...


def as_text(value: Any) -> str:
    """A constant as the cell text it stands for (dates in ISO form)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class RecordShaper:
    """The record tables: one sheet row is one record, or one per dimension of a wide survey."""

    def plan(self, raw: RawSheet, table: str, overrides: dict[str, str] | None, sample: Sample | None) -> Mapping:
        return map_headers(table, raw.headers, overrides, sample)

    def frame(self, raw: RawSheet, table: schema.Table, mapping: Mapping, constants: dict[str, Any]) -> Shaped:
        n = len(raw.frame)
        numbers = np.asarray(raw.row_numbers, dtype=np.int64)
        origins = np.arange(n)
        cols = {col: raw.frame[header].reset_index(drop=True) for col, header in mapping.columns.items()}
        headers = dict(mapping.columns)
        issues = _complete_dates(raw, table, cols, headers)
        for col, value in constants.items():
            cols[col] = pd.Series([as_text(value)] * n, dtype=object)
            headers[col] = f"{col}={as_text(value)}"
        frame = pd.DataFrame(cols, index=range(n))
        if mapping.unpivot:
            frame, numbers, origins = _unpivot(raw, table, frame, numbers, origins, mapping)
            headers["dimension"] = "、".join(mapping.unpivot)
            headers["score"] = headers["dimension"]
        sources = frame.pop("_source") if "_source" in frame.columns else None
        if "scale_max" in table.column_names and "scale_max" not in frame.columns and "score" in frame.columns:
            issues += _scale(table, frame, headers, sources)
        for column in table.columns:
            # A key part with a default (an anonymous respondent, an overall dimension) may be absent.
            if column.name in table.key and column.default is not None and column.name not in frame.columns:
                frame[column.name] = str(column.default)
                headers[column.name] = f"{column.name}={column.default}"
        issues += _fill_grouped(table, frame, headers, set(mapping.columns))
        issues += _derive(table, frame, headers)
        return Shaped(frame, numbers, origins, headers, issues)


SCALE_SHARE = 0.1
_PERCENT = re.compile(r"%|百分|100\s*分|满分\s*100")
_TEN = re.compile(r"(?<!\d)10\s*分|十分制|满分\s*10(?!\d)|1\s*[-~–]\s*10(?!\d)")


def _scale(
    table: schema.Table, frame: pd.DataFrame, headers: dict[str, str], sources: pd.Series | None
) -> list[Issue]:
    """The scale of the scores when no column states it: what the header says (%, 百分制, 10分制),
    else what a tenth of the answers at least show (above 10: out of 100; above 5: out of 10),
    else the default 5. ``sources`` names each row's header in a wide sheet."""
    if sources is None:
        sources = pd.Series([headers["score"]] * len(frame), index=frame.index)
    values, _ = normalize_column(frame["score"], table.column("score"))
    scale = pd.Series(float(table.column("scale_max").default), index=frame.index)
    stated = False
    for header in pd.unique(sources):
        rows = (sources == header).to_numpy()
        text = unicodedata.normalize("NFKC", str(header))
        answers = pd.Series(values[rows]).dropna().astype(float)
        # A scale shows in a tenth of the answers at least: one stray 6 on a 5-point form is a typo.
        above = (lambda limit: len(answers) > 0 and (answers > limit).mean() >= SCALE_SHARE)
        if _PERCENT.search(text) or above(10):
            scale[rows] = 100.0
        elif _TEN.search(text) or above(5):
            scale[rows] = 10.0
        else:
            continue
        stated = True
    if not stated:
        return []
    frame["scale_max"] = scale.map(lambda v: f"{v:g}")
    headers["scale_max"] = headers["score"]
    return [Issue("scale-inferred", WARNING, column=headers["score"],
                  params={"scales": "、".join(f"{v:g}" for v in sorted(scale.unique()))})]


def _fill_grouped(table: schema.Table, frame: pd.DataFrame, headers: dict[str, str], mapped: set[str]) -> list[Issue]:
    """Fill blank key cells from the row above in a grouped layout: merged category cells that
    a CSV export left blank below their first row (年度 and 经费来源 written once per block).

    Only parts of a composite key, never a key that names a student (each row is someone), and
    only where the column starts filled and the rest of the row is there.
    """
    if len(table.key) < 2 or frame.empty:
        return []
    issues = []
    for name in table.key:
        column = table.column(name)
        if name not in mapped or column.ref == "students" or column.generated:
            continue
        cells = frame[name]
        blank = cells.isna()
        if not blank.any() or blank.iat[0]:
            continue
        others = frame.drop(columns=[name]).notna().any(axis=1)
        fill = blank & others
        if not fill.any():
            continue
        frame[name] = cells.ffill().where(fill, cells)
        issues.append(Issue("cells-filled-down", WARNING, column=headers[name], params={"count": int(fill.sum())}))
    return issues


def _complete_dates(
    raw: RawSheet, table: schema.Table, cols: dict[str, pd.Series], headers: dict[str, str]
) -> list[Issue]:
    """Year-less dates (3月12日) of a hand-kept log take the year of their section heading,
    title, sheet name or file name (``dates.complete_years``)."""
    texts = [*raw.title_lines, raw.name, raw.file_name]
    issues = []
    for name in list(cols):
        if table.column(name).kind != "date":
            continue
        cols[name], count = complete_years(cols[name], raw.sections, texts)
        if count:
            issues.append(Issue("date-year-completed", WARNING, column=headers[name], params={"count": count}))
    return issues


def _unpivot(
    raw: RawSheet, table: schema.Table, frame: pd.DataFrame, numbers: np.ndarray, origins: np.ndarray,
    mapping: Mapping,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """One row per respondent and dimension; a blank or skipped answer ("(跳过)", "(空)") gives
    no row: the respondent did not answer that question."""
    parts, part_numbers, part_origins = [], [], []
    for header, dimension in mapping.unpivot.items():
        score = raw.frame[header].reset_index(drop=True)
        values, errors = normalize_column(score, table.column("score"))
        present = (values.notna() | errors.notna()).to_numpy()
        parts.append(frame.loc[present].assign(dimension=dimension, score=score[present], _source=header))
        part_numbers.append(numbers[present])
        part_origins.append(origins[present])
    if not parts:
        return frame.iloc[0:0], numbers[:0], origins[:0]
    return pd.concat(parts, ignore_index=True), np.concatenate(part_numbers), np.concatenate(part_origins)


def _derive(table: schema.Table, frame: pd.DataFrame, headers: dict[str, str]) -> list[Issue]:
    """Fill the columns ``schema`` declares derivable (``Column.derived_from``) that the sheet lacks."""
    issues = []
    for column in table.columns:
        if column.derived_from is None or column.name in frame.columns:
            continue
        source, template = column.derived_from
        if source not in frame.columns:
            continue
        values, _ = normalize_column(frame[source], table.column(source))
        text = pd.Series(values).astype("string")
        placeholder = "{year}" if "{year}" in template else "{value}"
        before, _, after = template.partition(placeholder)
        frame[column.name] = (before + text + after).astype(object).where(text.notna(), None)
        headers[column.name] = headers[source]
        issues.append(Issue(f"{column.name.replace('_', '-')}-derived", WARNING, column=headers[source]))
    return issues


DEFAULT = RecordShaper()


def shaper(table: str) -> Shaper:
    """The shaper of ``table``: the aggregate one for ``benchmarks``, the record one otherwise."""
    from analytics.ingest import aggregate

    return aggregate.SHAPER if table == aggregate.TABLE else DEFAULT
