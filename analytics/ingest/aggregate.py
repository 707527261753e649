"""Published aggregate tables → canonical ``benchmarks`` rows (one per group × period × indicator).

Statistics offices publish tables, not records: years as columns (``2019 년``,
``2014/15``), several indicators per row, counts beside (or instead of) the rate, an
"item" column naming what each row counts, suppressed cells. ``plan`` reads the layout
of a sheet from one readable dict (the ``overrides`` of ``import_file``, saved and reused
like any mapping); ``canonical_frame`` turns the sheet into the text frame that
validation and the loader take for every table.

The layout vocabulary (keys of the dict; values are headers of the file)::

    {"period": "year",                                  # or absent: year columns detected
     "group": "university, school, degree",             # "dim=header" renames a dimension
     "initial_employment_rate": "employment_rate_overall",   # indicator -> value column
     "achievement_rate.numerator": "Achievements",      # indicator.role -> count column
     "achievement_rate.denominator": "Starts",
     "item": "항목",                                     # cells name stage + role (Korean/Chinese)
     "sections": "grade: 기술사, 기능장, 기사"}           # outline rows that open a section

Canonical columns (``indicator``, ``value``, ``numerator``, ``denominator``,
``group_label``, ``unit``, ``source`` …) may be named too, for a sheet already in the
long form; without a dict they are found by their header synonyms.

Decisions:

* Rates (indicators ending in ``_rate``) are stored as fractions with unit ``ratio``,
  like every rate of the school (``stats.Rate``), so a benchmark is compared with the
  school's rate as it is. Stated rates are read as percentages, as offices publish them,
  unless their unit is ``ratio``. Without a stated rate it is numerator / denominator.
* A stated rate that differs from numerator / denominator by more than half a unit of
  its last stated digit is kept as published and counted (``benchmark-rate-mismatch``).
* A suppressed cell (``na``, ``ns``, ``nd``, ``x``, ``c``, ``low``, ``-``) is a missing
  value; the row is kept with its marker. DfE's ``" -   "`` means "zero or suppressed":
  the file does not say which, so it is a missing value with marker ``-``, never 0.
* Blank cells give no row (a qualification not examined that year).
* ``group_label`` is ``"dim=value; dim=value"`` in the order of the ``group`` columns,
  then the section, then the item's dimensions (``stage``); a blank cell leaves its
  dimension out. In an outline, a block that repeats the label of the block right before
  it is its subdivision (Q-net's field 안전관리 holds a sub-field 안전관리): ``안전관리 › 안전관리``.
* Periods are ``2019`` or ``2014/15`` (``2019 년``, ``2019年``, ``201415``, ``2014-15`` and
  ``2014/2015`` read so); ``year`` is their first calendar year. An unreadable period
  rejects its rows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from analytics import schema
from analytics.errors import ConfigError, FileRejectedError
from analytics.ingest import normalize
from analytics.ingest.issues import WARNING, Issue
from analytics.ingest.mapping import Mapping, map_headers
from analytics.ingest.read import RawSheet

TABLE = "benchmarks"
RATE_UNIT = "ratio"
ROLES = ("value", "numerator", "denominator")
EXAMPLES = 5

# Canonical columns a header may fill directly (the long form); ``year``/``marker`` are derived.
DIRECT = ("source", "publisher", "source_url", "licence", "indicator", "period",
          "group_label", "numerator", "denominator", "value", "unit")
LAYOUT_KEYS = ("group", "item", "sections")

# Item cells (Q-net's 항목 "필기합격률[%]"): stage prefix, then what the row counts.
ITEM_STAGES = {"필기": "written", "실기": "practical", "笔试": "written", "实操": "practical"}
ITEM_ROLES = {
    "합격률": ("certificate_pass_rate", "value"),
    "합격": ("certificate_pass_rate", "numerator"),
    "응시": ("certificate_pass_rate", "denominator"),
    "通过率": ("certificate_pass_rate", "value"),
    "合格率": ("certificate_pass_rate", "value"),
    "通过人数": ("certificate_pass_rate", "numerator"),
    "合格人数": ("certificate_pass_rate", "numerator"),
    "参考人数": ("certificate_pass_rate", "denominator"),
    "实考人数": ("certificate_pass_rate", "denominator"),
}
SUBDIVISION = " › "

_YEAR = r"((?:19|20)\d{2})"
_SINGLE = re.compile(_YEAR + r"\s*(?:년|년도|年|年度)?")
_ACADEMIC = re.compile(_YEAR + r"\s*[-/–]\s*(\d{2}|\d{4})\s*(?:学年|学年度)?")
_COMPACT = re.compile(_YEAR + r"(\d{2})")
_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)|（[^）]*）|【[^】]*】")


def is_rate(indicator: str) -> bool:
    """Whether ``indicator`` is a proportion (stored as a fraction, compared with a Wilson interval)."""
    return indicator.endswith("_rate")


def period_of(text: str) -> tuple[str, int] | None:
    """``("2019", 2019)`` for ``2019 년``; ``("2014/15", 2014)`` for ``201415`` or ``2014-2015``."""
    cleaned = unicodedata.normalize("NFKC", str(text)).strip()
    if match := _SINGLE.fullmatch(cleaned):
        return match.group(1), int(match.group(1))
    match = _ACADEMIC.fullmatch(cleaned) or _COMPACT.fullmatch(cleaned)
    if match:
        first, second = int(match.group(1)), int(match.group(2))
        if second % 100 == (first + 1) % 100 and (second < 100 or second == first + 1):
            return f"{first}/{(first + 1) % 100:02d}", first
    return None


def item_meaning(text: str) -> tuple[str, str, str | None] | None:
    """``(indicator, role, stage)`` of an item cell such as ``필기합격률[%]``; None if unknown."""
    cleaned = _BRACKETS.sub("", unicodedata.normalize("NFKC", str(text))).strip()
    stage = None
    for word, code in ITEM_STAGES.items():
        if cleaned.startswith(word):
            stage, cleaned = code, cleaned[len(word):].strip()
            break
    meaning = ITEM_ROLES.get(cleaned)
    return (*meaning, stage) if meaning else None


@dataclass(frozen=True)
class Layout:
    """How a sheet's headers give benchmark rows."""

    columns: dict[str, str]  # canonical column (long form) -> header
    measures: dict[tuple[str, str], str]  # (indicator, role) -> header
    groups: tuple[tuple[str, str], ...]  # (dimension, header)
    item: str | None
    sections: tuple[str, tuple[str, ...]] | None  # (dimension, labels)
    years: dict[str, str]  # header -> period (years as columns)

    def spec(self) -> dict[str, str]:
        """The layout as the readable dict it came from (saved and reused as a mapping)."""
        out = dict(self.columns)
        if self.groups:
            out["group"] = ", ".join(h if _dimension(h) == d else f"{d}={h}" for d, h in self.groups)
        if self.item:
            out["item"] = self.item
        if self.sections:
            out["sections"] = f"{self.sections[0]}: " + ", ".join(self.sections[1])
        for (indicator, role), header in self.measures.items():
            out[indicator if role == "value" else f"{indicator}.{role}"] = header
        return out

    def used(self) -> set[str]:
        return {*self.columns.values(), *self.measures.values(), *(h for _, h in self.groups),
                *self.years, *([self.item] if self.item else [])}


def _dimension(header: str) -> str:
    return " ".join(header.split()).casefold()


def _header(headers: list[str], header: str, key: str) -> str:
    if header not in headers:
        raise ConfigError("mapping-unknown-header", header=header, column=key)
    return header


def _groups(headers: list[str], text: str) -> tuple[tuple[str, str], ...]:
    """``"a, dim=b"`` → ``(("a", "a"), ("dim", "b"))``; a header may itself hold commas."""
    out, pending = [], ""
    for piece in text.split(","):
        pending = f"{pending},{piece}" if pending else piece
        part = pending.strip()
        dim, sep, header = part.partition("=")
        if part in headers or not sep:
            dim, header = "", part
        if header.strip() in headers:
            out.append((dim.strip() or _dimension(header.strip()), header.strip()))
            pending = ""
    if pending.strip():
        _header(headers, pending.strip(), "group")
    return tuple(out)


def _sections(text: str) -> tuple[str, tuple[str, ...]]:
    dim, sep, labels = text.partition(":")
    names = tuple(s.strip() for s in labels.split(",") if s.strip())
    if not sep or not dim.strip() or not names:
        raise ConfigError("benchmark-sections-invalid", value=text)
    return dim.strip(), names


def _measure_key(key: str) -> tuple[str, str] | None:
    indicator, _, role = key.partition(".")
    if indicator not in schema.BENCHMARK_INDICATORS:
        return None
    role = role or "value"
    return (indicator, role) if role in ROLES else None


def _layout(headers: list[str], spec: dict[str, str]) -> Layout:
    """The layout of ``spec`` (validated against ``headers``); ``ConfigError`` names what is wrong."""
    columns: dict[str, str] = {}
    measures: dict[tuple[str, str], str] = {}
    groups: tuple[tuple[str, str], ...] = ()
    item = sections = None
    for key, header in spec.items():
        if not header:
            continue
        if key == "group":
            groups = _groups(headers, header)
        elif key == "sections":
            sections = _sections(header)
        elif key == "item":
            item = _header(headers, header, key)
        elif key in DIRECT:
            columns[key] = _header(headers, header, key)
        elif (measure := _measure_key(key)) is not None:
            measures[measure] = _header(headers, header, key)
        elif key.partition(".")[2] in ROLES or key.endswith("_rate"):
            raise ConfigError("benchmark-unknown-indicator", indicator=key.partition(".")[0],
                              known=", ".join(schema.BENCHMARK_INDICATORS))
        else:
            known = [*DIRECT, *LAYOUT_KEYS, *schema.BENCHMARK_INDICATORS]
            raise ConfigError("mapping-unknown-column", column=key, table=TABLE, known=", ".join(known))
    taken = {*columns.values(), *measures.values(), *(h for _, h in groups), *([item] if item else [])}
    years = {}
    if "period" not in columns and not measures:
        years = {h: p[0] for h in headers if h not in taken and (p := period_of(h))}
    return Layout(columns, measures, groups, item, sections, years)


def plan(headers: list[str], overrides: dict[str, str] | None) -> Mapping:
    """The mapping of a benchmarks sheet: ``columns`` is the layout dict, ``unpivot`` the year columns.

    Without ``overrides`` the long form is found by header synonyms and year columns by
    their text. Raises ``ConfigError`` for an unknown key or header, and
    ``FileRejectedError`` (``benchmark-layout-unknown``) when nothing says which
    indicator the values are.
    """
    if overrides:
        layout = _layout(headers, overrides)
    else:
        found = map_headers(TABLE, headers).columns
        spec = {k: h for k, h in found.items() if k in DIRECT}
        layout = _layout(headers, spec)
        # The other labelled columns are its groups; ``year`` and ``marker`` are derived, not read.
        derived = {found.get("year"), found.get("marker")}
        rest = [h for h in headers if h not in layout.used() and h not in derived and h.strip()]
        if rest and "group_label" not in spec:
            layout = replace(layout, groups=tuple((_dimension(h), h) for h in rest))
    values = layout.measures or layout.years or {"value", "numerator", "denominator"} & set(layout.columns)
    if not values or not (layout.measures or layout.item or "indicator" in layout.columns):
        raise FileRejectedError("benchmark-layout-unknown", headers="、".join(headers[:8]))
    unmapped = tuple(h for h in headers if h not in layout.used())
    return Mapping(table=TABLE, columns=layout.spec(), unmapped=unmapped, unpivot=dict(layout.years))


def _per_distinct(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``fn`` of each cell, computed once per distinct cell (None for blank cells)."""
    results = {v: fn(v) for v in pd.unique(values.dropna())}
    return pd.Series([results.get(v) for v in values], index=values.index, dtype=object)


def _text(series: pd.Series) -> pd.Series:
    return series.reset_index(drop=True).astype(object).where(series.notna().to_numpy(), None)


def _part(dim: str, values: pd.Series) -> pd.Series:
    """``dim=value`` per row, ``""`` where the cell is blank."""
    text = values.fillna("").astype(str).str.split().str.join(" ").str.replace(";", ",", regex=False)
    return (dim + "=" + text).where(text != "", "")


def _joined(parts: list[pd.Series], n: int) -> pd.Series:
    out = pd.Series([""] * n, dtype=object)
    for part in parts:
        out = (out + "; " + part).where((out != "") & (part != ""), out + part)
    return out


def _row_groups(raw: RawSheet, layout: Layout) -> tuple[pd.Series, np.ndarray]:
    """Group label of each sheet row (without the item's stage) and its record number.

    A record is one sheet row, or with an item column one block of rows of one group.
    """
    n = len(raw.frame)
    cells = [(dim, _text(raw.frame[h]).fillna("").astype(str).str.split().str.join(" "))
             for dim, h in layout.groups]
    record = np.arange(n)
    if layout.item and cells:
        label = cells[0][1]
        items = _text(raw.frame[layout.item]).fillna("")
        run = (label != label.shift()).cumsum()
        repeat = pd.DataFrame({"run": run, "item": items}).groupby(["run", "item"]).cumcount()
        record = pd.MultiIndex.from_arrays([run, repeat]).factorize()[0]
        # A block repeating the label of the block right before it is its subdivision.
        nested = label
        for k in range(1, int(repeat.max()) + 1):
            nested = nested.where(repeat.to_numpy() < k, nested + SUBDIVISION + label)
        cells[0] = (cells[0][0], nested)
    parts = []
    if layout.sections and cells:
        dim, names = layout.sections
        first = cells[0][1]
        opens = first.isin(names)
        section = first.where(opens).ffill().fillna("")
        parts.append(_part(dim, section))
        cells[0] = (cells[0][0], first.where(~opens, ""))
    parts += [_part(dim, values) for dim, values in cells]
    if "group_label" in layout.columns:  # already in the canonical form (a long sheet)
        parts.insert(0, _text(raw.frame[layout.columns["group_label"]]).fillna("").astype(str).str.strip())
    return _joined(parts, n), record


def _long_cells(raw: RawSheet, layout: Layout, constants: dict[str, Any], record: np.ndarray) -> pd.DataFrame:
    n = len(raw.frame)
    origin = np.arange(n)
    if "period" in layout.columns:
        period = _text(raw.frame[layout.columns["period"]])
    else:
        period = pd.Series([constants.get("period")] * n, dtype=object)
    if layout.item:
        meaning = _per_distinct(_text(raw.frame[layout.item]), item_meaning)
        indicator = meaning.map(lambda m: m[0] if m else None)
        role = meaning.map(lambda m: m[1] if m else None)
        stage = meaning.map(lambda m: m[2] if m else None)
    else:
        if "indicator" in layout.columns:
            indicator = _text(raw.frame[layout.columns["indicator"]])
        else:
            indicator = pd.Series([constants.get("indicator")] * n, dtype=object)
        role = pd.Series(["value"] * n, dtype=object)
        stage = pd.Series([None] * n, dtype=object)
    base = pd.DataFrame({"record": record, "origin": origin, "period": period,
                         "indicator": indicator, "role": role, "stage": stage})
    parts = []
    if layout.years:
        for header, year in layout.years.items():
            parts.append(base.assign(period=year, text=_text(raw.frame[header]), header=header))
    for (name, part_role), header in layout.measures.items():
        parts.append(base.assign(indicator=name, role=part_role, text=_text(raw.frame[header]), header=header))
    if not layout.years:
        for part_role in ROLES:
            if part_role in layout.columns:
                header = layout.columns[part_role]
                parts.append(base.assign(role=part_role, text=_text(raw.frame[header]), header=header))
    return pd.concat(parts, ignore_index=True)


def _decimals(text: pd.Series) -> pd.Series:
    """Digits after the decimal point of each stated number (``45.95`` → 2)."""
    after = text.astype(object).fillna("").astype(str).str.extract(r"\.(\d+)\s*%?\s*$", expand=False)
    return after.str.len().fillna(0).astype(int)


def _number(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parsed value (NaN when missing or bad), marker, and whether the cell is unreadable."""
    texts = text.astype(object)
    markers = normalize.suppression_markers(texts)
    readable = texts.where(markers.isna(), None)
    values, errors = normalize.normalize_column(readable, schema.table(TABLE).column("value"))
    return values.astype("float64"), markers, errors.notna()


def _examples(values: list[Any]) -> str:
    shown = "、".join(str(v) for v in values[:EXAMPLES])
    return shown + ("…" if len(values) > EXAMPLES else "")


def canonical_frame(
    raw: RawSheet, mapping: Mapping, constants: dict[str, Any]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[str, str], list[Issue]]:
    """Cell text per canonical column for validation, one row per group × period × indicator.

    Returns the frame, each row's spreadsheet row number and sheet position (of its
    value cell, else its first cell), the header each column came from, and warnings.
    """
    found = _layout(raw.headers, mapping.columns)
    layout = replace(found, years=dict(mapping.unpivot))
    groups, record = _row_groups(raw, layout)
    cells = _long_cells(raw, layout, constants, record)
    issues: list[Issue] = []
    if layout.item:
        unknown = cells.loc[cells["indicator"].isna(), "origin"].unique()
        skipped = pd.unique(_text(raw.frame[layout.item]).iloc[unknown].dropna())
        if len(skipped):
            issues.append(Issue("benchmark-items-skipped", WARNING, column=layout.item,
                                params={"count": len(skipped), "examples": _examples(list(skipped))}))
        cells = cells.loc[cells["indicator"].notna()]
    cells = cells.loc[cells["text"].notna() & (cells["text"].astype(str).str.strip() != "")]
    cells = cells.assign(stage=cells["stage"].fillna(""), period=cells["period"].fillna(""))
    key = ["record", "indicator", "period", "stage"]
    wide = cells.pivot_table(index=key, columns="role", values="text", aggfunc="first")
    # A row points at its value cell, else at its first count cell.
    origin = cells.sort_values(["role"], key=lambda r: r != "value", kind="stable").groupby(key)["origin"].first()
    wide = wide.reindex(columns=list(ROLES)).join(origin).reset_index()
    frame, keep, row_issues = _rows(raw, layout, constants, wide, groups, cells)
    origins = wide["origin"].to_numpy(dtype=np.int64)[keep]
    numbers = np.asarray(raw.row_numbers, dtype=np.int64)[origins]
    return frame, numbers, origins, _headers(layout, constants, cells), issues + row_issues


def _headers(layout: Layout, constants: dict[str, Any], cells: pd.DataFrame) -> dict[str, str]:
    """Where each canonical column came from, as the user knows it (for issue messages)."""
    by_role = {r: "、".join(pd.unique(cells.loc[cells["role"] == r, "header"])) for r in ROLES}
    headers = {col: f"{col}={value}" for col, value in constants.items()}
    headers.update({col: h for col, h in layout.columns.items()})
    headers.update({role: h for role, h in by_role.items() if h})
    if layout.item:
        headers["indicator"] = layout.item
    elif layout.measures:
        headers["indicator"] = "、".join(layout.measures.values())
    if layout.years:
        headers["period"] = "、".join(layout.years)
    headers["year"] = headers.get("period", "period")
    headers["group_label"] = "、".join(h for _, h in layout.groups) or "group_label"
    headers["marker"] = by_role["value"] or "marker"
    return headers


def _units(raw: RawSheet, layout: Layout, constants: dict[str, Any], origin: np.ndarray) -> pd.Series:
    if "unit" in layout.columns:
        return _text(raw.frame[layout.columns["unit"]]).iloc[origin].reset_index(drop=True)
    return pd.Series([constants.get("unit")] * len(origin), dtype=object)


def _counted(code: str, column: str, mask: np.ndarray, numbers: np.ndarray) -> Issue:
    rows = sorted(set(numbers[mask].tolist()))
    return Issue(code, WARNING, rows[0], column, params={"count": int(mask.sum()), "rows": _examples(rows)})


def _rows(
    raw: RawSheet, layout: Layout, constants: dict[str, Any], wide: pd.DataFrame,
    groups: pd.Series, cells: pd.DataFrame,
) -> tuple[pd.DataFrame, np.ndarray, list[Issue]]:
    """The canonical text frame of the pivoted cells, which rows to keep, and counted warnings."""
    origin = wide["origin"].to_numpy(dtype=np.int64)
    numbers = np.asarray(raw.row_numbers, dtype=np.int64)[origin]
    parsed = {role: _number(wide[role]) for role in ROLES}
    stated, num, den = (parsed[r][0].to_numpy() for r in ROLES)
    bad = {role: parsed[role][2].to_numpy() for role in ROLES}
    indicator_column = schema.table(TABLE).column("indicator")
    codes = _per_distinct(wide["indicator"], lambda v: normalize.enum_code(indicator_column, str(v)))
    rate = codes.map(lambda c: c is not None and is_rate(c)).to_numpy(dtype=bool)
    unit = _units(raw, layout, constants, origin)
    percent = rate & (unit.fillna("").astype(str).str.strip().str.casefold().to_numpy() != RATE_UNIT)
    stated_pct = np.where(percent, stated, stated * 100)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.where(den > 0, num / den, np.nan)
    value = np.where(rate, np.where(np.isnan(stated), derived, stated_pct / 100), stated)

    issues = []
    value_header = "、".join(pd.unique(cells.loc[cells["role"] == "value", "header"])) or None
    tolerance = 0.5 * 10.0 ** (-_decimals(wide["value"]).to_numpy()) + 1e-9
    mismatch = rate & ~np.isnan(stated) & ~np.isnan(derived) & (np.abs(stated_pct - 100 * derived) > tolerance)
    if mismatch.any():
        issues.append(_counted("benchmark-rate-mismatch", value_header, mismatch, numbers))
    above = rate & (np.nan_to_num(value) > 1)
    if above.any():
        issues.append(_counted("benchmark-rate-above-one", value_header, above, numbers))

    unreadable = bad["value"] | bad["numerator"] | bad["denominator"]
    marker = parsed["value"][1].combine_first(parsed["numerator"][1]).combine_first(parsed["denominator"][1])
    marker = marker.where(np.isnan(value), None)
    empty = np.isnan(value) & np.isnan(num) & np.isnan(den) & marker.isna().to_numpy()
    keep = unreadable | ~empty

    def text(values: np.ndarray, role: str) -> pd.Series:
        out = pd.Series([None if np.isnan(v) else repr(float(v)) for v in values], dtype=object)
        return out.where(~bad[role], wide[role].astype(object))

    periods = _per_distinct(wide["period"].where(wide["period"] != "", None), period_of)
    frame = pd.DataFrame({
        "indicator": wide["indicator"].astype(object),
        # An unreadable period stays as written, so that validation rejects it in ``year``.
        "period": [p[0] if p else (t or None) for p, t in zip(periods, wide["period"])],
        "year": [str(p[1]) if p else (t or None) for p, t in zip(periods, wide["period"])],
        "group_label": _joined(
            [groups.iloc[origin].reset_index(drop=True), _part("stage", wide["stage"])], len(wide)
        ).to_numpy(dtype=object),
        "numerator": text(num, "numerator"),
        "denominator": text(den, "denominator"),
        "value": text(value, "value"),
        "unit": np.where(rate, RATE_UNIT, unit.to_numpy(dtype=object)),
        "marker": marker.to_numpy(dtype=object),
    })
    for col in ("source", "publisher", "source_url", "licence"):
        if col in layout.columns:
            frame[col] = _text(raw.frame[layout.columns[col]]).iloc[origin].to_numpy()
        elif col in constants:
            frame[col] = str(constants[col])
    return frame.loc[keep].reset_index(drop=True), keep, issues


class AggregateShaper:
    """The ``shape.Shaper`` of published aggregate tables (see the module notes)."""

    def plan(self, raw: RawSheet, table: str, overrides: dict[str, str] | None, sample: object = None) -> Mapping:
        return plan(raw.headers, overrides)

    def frame(self, raw: RawSheet, table: schema.Table, mapping: Mapping, constants: dict[str, Any]) -> Any:
        from analytics.ingest.shape import Shaped

        frame, numbers, origins, headers, issues = canonical_frame(raw, mapping, constants)
        return Shaped(frame, numbers, origins, headers, issues)


SHAPER = AggregateShaper()
