"""Validate a mapped sheet: normalise every cell, collect issues, keep the good rows.

Validation collects instead of raising: a cell that cannot be normalised rejects its row
(kept with all its original values for the rejects table), a file-level problem is raised
by the pipeline before this runs. References to other tables given as names are resolved
to IDs here (SPEC §2), and unknown references are counted as warnings.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import schema
from analytics.db import quote_ident
from analytics.ingest.issues import ERROR, WARNING, Issue
from analytics.ingest.load import to_arrow
from analytics.ingest.normalize import normalize_column

# Events that cannot have happened yet: a future date here is a typo, not a plan.
NOT_IN_FUTURE = frozenset({"exam_date", "survey_date", "activity_date"})
# Tables whose rows can be looked up by a human-readable name (SPEC §2).
NAME_COLUMNS = {
    "schools": "school_name",
    "enterprises": "enterprise_name",
    "mentors": "mentor_name",
}
EXAMPLES = 5  # values quoted in a counted warning


@dataclass
class Validated:
    """Accepted rows (canonical, typed, unique keys) and everything found on the way."""

    rows: pd.DataFrame
    row_numbers: np.ndarray
    rejected_positions: np.ndarray  # positions in the input frame of rejected rows
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def name_key(text: str) -> str:
    """Normalised form used to match a name against a table: width, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _cell_issues(
    codes: pd.Series, raw: pd.Series, row_numbers: np.ndarray, header: str
) -> list[Issue]:
    bad = np.flatnonzero(codes.notna().to_numpy())
    return [
        Issue(codes.iat[i], ERROR, int(row_numbers[i]), header, raw.iat[i]) for i in bad
    ]


def validate(
    con: duckdb.DuckDBPyConnection,
    table: schema.Table,
    raw: pd.DataFrame,
    row_numbers: np.ndarray,
    headers: dict[str, str],
    *,
    today: date | None = None,
    scope: tuple[str, ...] | None = None,
) -> Validated:
    """Normalise and check ``raw`` (canonical column name → cell text) for ``table``.

    With a ``scope`` (the schools of a school-scoped user) a row that belongs to no school
    of the scope is rejected (``out-of-scope``): such a user cannot write other schools' data.

    ``headers`` names the source of each column as the user knows it (a header, or
    a constant set for the file) so that every issue points at something visible.
    """
    today = today or date.today()
    n = len(raw)
    out: dict[str, pd.Series] = {}
    errors: list[Issue] = []
    bad = np.zeros(n, dtype=bool)
    for name in raw.columns:
        column = table.column(name)
        values, codes = normalize_column(raw[name], column)
        values = values.reset_index(drop=True)
        codes = codes.reset_index(drop=True)
        header = headers.get(name, name)
        errors += _cell_issues(codes, raw[name].reset_index(drop=True), row_numbers, header)
        bad |= codes.notna().to_numpy()
        if column.default is not None:
            values = values.astype(object).where(values.notna(), column.default)
        if name in NOT_IN_FUTURE:
            stamps = pd.to_datetime(values, errors="coerce")
            future = (stamps > pd.Timestamp(today)).to_numpy(dtype=bool) & codes.isna().to_numpy()
            for i in np.flatnonzero(future):
                errors.append(
                    Issue("future-date", ERROR, int(row_numbers[i]), header, raw[name].iat[i])
                )
            bad |= future
        out[name] = values
    frame = pd.DataFrame(out)

    for column in table.required_columns:
        if column.name not in frame.columns:
            continue  # the pipeline refuses the file before validation in this case
        missing = frame[column.name].isna().to_numpy() & ~bad
        for i in np.flatnonzero(missing):
            errors.append(
                Issue("missing-value", ERROR, int(row_numbers[i]), headers.get(column.name, column.name))
            )
        bad |= missing

    if scope is not None:
        outside = _outside_scope(con, table, frame, scope) & ~bad
        for i in np.flatnonzero(outside):
            errors.append(Issue("out-of-scope", ERROR, int(row_numbers[i]), params={"schools": "、".join(scope)}))
        bad |= outside

    keep = ~bad
    rows = frame.loc[keep].reset_index(drop=True)
    kept_numbers = row_numbers[keep]
    warnings: list[Issue] = []

    seq = [c.name for c in table.columns if c.counter]
    rest = [k for k in table.key if k not in seq]
    if seq:
        # Repeats of the rest of the key are distinct real events: number them 1, 2, ...
        rows[seq[0]] = rows.groupby(rest, dropna=False, sort=False).cumcount() + 1
    elif len(rows):
        rows, kept_numbers, dup_errors, dup_warnings = _deduplicate(con, rows, kept_numbers, table, headers)
        errors += dup_errors
        warnings += dup_warnings

    for column in table.columns:
        if column.ref and column.name in rows.columns:
            rows, ref_warnings = _resolve_references(con, rows, column, headers.get(column.name, column.name))
            warnings += ref_warnings

    rejected_rows = set(np.flatnonzero(bad))
    rejected_rows |= {
        int(p) for p in np.flatnonzero(np.isin(row_numbers, [e.row for e in errors if e.code == "duplicate-key"]))
    }
    return Validated(
        rows=rows,
        row_numbers=kept_numbers,
        rejected_positions=np.array(sorted(rejected_rows), dtype=int),
        errors=errors,
        warnings=warnings,
    )


# How a row of each table belongs to a school: its own school_id, or its student's or
# mentor's school. Tables with no school (enterprises, surveys, funding) have no entry.
_SCHOOL_LINK = {
    "schools": ("school_id", None),
    "students": ("school_id", None),
    "mentors": ("school_id", None),
    "certificate_exams": ("student_id", "students"),
    "employment": ("student_id", "students"),
    "student_assessments": ("student_id", "students"),
    "mentor_activities": ("mentor_id", "mentors"),
    "mentor_evaluations": ("mentor_id", "mentors"),
    "mentor_training": ("mentor_id", "mentors"),
    "agreements": ("school_id", None),
    "actions": ("school_id", None),
}
# Published aggregates belong to no school and may be loaded by anyone who may import.
SCOPE_FREE = frozenset({"benchmarks"})


def scoped_import_allowed(table: str) -> bool:
    """Whether a school-scoped user may import into ``table`` (rows are then checked)."""
    return table in _SCHOOL_LINK or table in SCOPE_FREE


def _outside_scope(
    con: duckdb.DuckDBPyConnection, table: schema.Table, frame: pd.DataFrame, scope: tuple[str, ...]
) -> np.ndarray:
    """Rows that belong to no school of ``scope`` (a student or mentor not yet on a roster
    of the scope counts as outside: load the roster first)."""
    if table.name in SCOPE_FREE:
        return np.zeros(len(frame), dtype=bool)
    column, via = _SCHOOL_LINK[table.name]
    values = frame[column].astype(object)
    if via is None:
        inside = values.isin(list(scope))
    else:
        ident = quote_ident(via)
        key = quote_ident(schema.table(via).key[0])
        members = {
            r[0]
            for r in con.cursor().execute(
                f"SELECT {key} FROM {ident} WHERE list_contains(?::VARCHAR[], {quote_ident('school_id')})",
                [list(scope)],
            ).fetchall()
        }
        inside = values.isin(members)
    return ~inside.fillna(False).to_numpy(dtype=bool)


def _has_duplicate_keys(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, table: schema.Table) -> bool:
    """Whether any key repeats: one DuckDB GROUP BY, far cheaper than pandas on object columns."""
    cur = con.cursor()
    cur.register("_keys", to_arrow(rows[list(table.key)], table))
    try:
        group = ", ".join(quote_ident(k) for k in table.key)
        return bool(
            cur.execute(
                f"SELECT EXISTS (SELECT 1 FROM _keys GROUP BY {group} HAVING count(*) > 1)"
            ).fetchall()[0][0]
        )
    finally:
        cur.unregister("_keys")


def _deduplicate(
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    numbers: np.ndarray,
    table: schema.Table,
    headers: dict[str, str],
) -> tuple[pd.DataFrame, np.ndarray, list[Issue], list[Issue]]:
    """Identical repeats keep one row (warning); conflicting repeats of a key are all rejected."""
    key = list(table.key)
    if not _has_duplicate_keys(con, rows, table):
        return rows, numbers, [], []
    dup = rows.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return rows, numbers, [], []
    exact = rows.duplicated(keep="first").to_numpy()  # identical to an earlier row
    conflicting_keys = rows.loc[dup & ~exact].duplicated(key, keep=False)
    conflict = np.zeros(len(rows), dtype=bool)
    conflict_idx = conflicting_keys[conflicting_keys].index
    if len(conflict_idx):
        bad_keys = rows.loc[conflict_idx, key].drop_duplicates()
        conflict = (
            rows[key].merge(bad_keys.assign(_c=True), on=key, how="left")["_c"].fillna(False).to_numpy(bool)
        )
    errors = [
        Issue(
            "duplicate-key",
            ERROR,
            int(numbers[i]),
            " + ".join(headers.get(k, k) for k in key),
            " | ".join(str(rows.at[i, k]) for k in key),
        )
        for i in np.flatnonzero(conflict)
    ]
    repeats = exact & ~conflict
    warnings = []
    if repeats.any():
        listed = [int(r) for r in numbers[repeats]]
        warnings.append(
            Issue("duplicate-row", WARNING, listed[0], params={"count": len(listed), "rows": _rows_text(listed)})
        )
    keep = ~(conflict | repeats)
    return rows.loc[keep].reset_index(drop=True), numbers[keep], errors, warnings


def _rows_text(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in numbers[:limit])
    return shown + (" …" if len(numbers) > limit else "")


def _resolve_references(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, column: schema.Column, header: str
) -> tuple[pd.DataFrame, list[Issue]]:
    """Replace names by IDs where the referenced table knows the name; count the rest.

    A value that is a known ID stays. A value that matches exactly one name (ignoring
    width, case and spaces) becomes that row's ID. Anything else stays as its own ID and
    is reported, so nothing is dropped.
    """
    ref = schema.table(column.ref)
    id_col, ident = ref.key[0], quote_ident(ref.name)
    values = rows[column.name]
    cur = con.cursor()
    name_col = NAME_COLUMNS.get(ref.name)
    # Values that are no known ID and how many rows hold them, by a DuckDB anti-join over
    # the column: a million student IDs stay in Arrow. Only a table that has names (to
    # resolve) needs every unknown value; otherwise a few examples do.
    cur.register("_refs", pa.table({"v": pa.array(values, type=pa.string(), from_pandas=True)}))
    try:
        unknowns = (
            f"SELECT v FROM _refs ANTI JOIN {ident} r ON r.{quote_ident(id_col)} = _refs.v "
            "WHERE v IS NOT NULL"
        )
        unknown_rows, distinct = cur.execute(
            f"SELECT count(*), count(DISTINCT v) FROM ({unknowns})"
        ).fetchall()[0]
        limit = "" if name_col else f" LIMIT {EXAMPLES + 1}"
        unknown = [r[0] for r in cur.execute(f"SELECT DISTINCT v FROM ({unknowns}) ORDER BY v{limit}").fetchall()]
    finally:
        cur.unregister("_refs")
    if not distinct:
        return rows, []
    warnings: list[Issue] = []
    mapping: dict[str, str] = {}
    if name_col:
        by_name: dict[str, list[str]] = {}
        for rid, rname in cur.execute(
            f"SELECT {quote_ident(id_col)}, {quote_ident(name_col)} FROM {ident} "
            f"WHERE {quote_ident(name_col)} IS NOT NULL"
        ).fetchall():
            by_name.setdefault(name_key(rname), []).append(rid)
        ambiguous = []
        for v in unknown:
            ids = by_name.get(name_key(v), [])
            if len(ids) == 1:
                mapping[v] = ids[0]
            elif len(ids) > 1:
                ambiguous.append(v)
        if mapping:
            warnings.append(
                Issue("name-resolved", WARNING, column=header,
                      params={"count": len(mapping), "examples": _examples(list(mapping))})
            )
        if ambiguous:
            warnings.append(
                Issue("name-ambiguous", WARNING, column=header,
                      params={"count": len(ambiguous), "examples": _examples(ambiguous)})
            )
    unresolved = [v for v in unknown if v not in mapping]
    if unresolved:
        rows_affected = unknown_rows - (int(values.isin(list(mapping)).sum()) if mapping else 0)
        warnings.append(
            Issue(
                "orphan-reference",
                WARNING,
                column=header,
                params={
                    "count": distinct - len(mapping),
                    "rows": rows_affected,
                    "table": ref.name,
                    "examples": _examples(unresolved),
                },
            )
        )
    if mapping:
        rows = rows.assign(**{column.name: values.map(lambda v: mapping.get(v, v))})
    return rows, warnings


def _examples(values: list[str]) -> str:
    shown = "、".join(str(v) for v in values[:EXAMPLES])
    return shown + ("…" if len(values) > EXAMPLES else "")
