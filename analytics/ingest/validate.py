"""Validate a mapped sheet: normalise every cell, collect issues, keep the good rows.

Validation collects instead of raising: a cell that cannot be normalised rejects its row
(kept with all its original values for the rejects table), a file-level problem is raised
by the pipeline before this runs. References to other tables given as names are resolved
to IDs here (SPEC §2), and unknown references are counted as warnings.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import schema
from analytics.db import quote_ident
from analytics.ingest.issues import ERROR, WARNING, Issue
from analytics.ingest.load import to_arrow
from analytics.ingest.normalize import UNKNOWN_VALUE, CellRules, Coded, nearest_codes, normalize_coded

# Events that cannot have happened yet: a future date here is a typo, not a plan.
NOT_IN_FUTURE = frozenset({"exam_date", "survey_date", "activity_date"})
# Tables whose rows can be looked up by a human-readable name (SPEC §2).
NAME_COLUMNS = {
    "schools": "school_name",
    "enterprises": "enterprise_name",
    "mentors": "mentor_name",
}
EXAMPLES = 5  # values quoted in a counted warning
ABSENCE = "absence"  # the column that keeps why a result is missing (缺考 → absent)


@dataclass(frozen=True)
class UnknownValue:
    """One distinct value of a coded column the importer did not understand, asked once."""

    column: str  # canonical column
    header: str  # where it came from, as the user knows it
    value: str  # the cell text as written
    count: int  # rows holding it
    # the closest codes, best first; for the UNKNOWN_ASKED most frequent values of a column only
    nearest: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"column": self.column, "header": self.header, "value": self.value, "count": self.count,
                "nearest": list(self.nearest)}


@dataclass
class Validated:
    """Accepted rows (canonical, typed, unique keys) and everything found on the way."""

    rows: pd.DataFrame
    row_numbers: np.ndarray
    rejected_positions: np.ndarray  # positions in the input frame of rejected rows
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    unknown: list[UnknownValue] = field(default_factory=list)
    # Canonical key values of each rejected row that could be read, as JSON, by row number.
    rejected_keys: dict[int, str] = field(default_factory=dict)


def vocabulary_kind(column: schema.Column) -> str | None:
    """The vocabulary an unknown value of ``column`` is matched against (for the nearest codes)."""
    if column.vocabulary is not None:
        return column.vocabulary.kind
    return "grade" if column.grades else None


def accepted_words(column: schema.Column, lang: str) -> str:
    """The words a coded column accepts, for a rejection message: each code's label."""
    kind = vocabulary_kind(column)
    if kind is None:
        return ""
    vocab = schema.vocabulary(kind)
    if lang == "zh":
        return "、".join(t.zh for t in vocab.terms)
    return ", ".join(f"{t.en} ({t.code})" if t.en.casefold() != t.code else t.code for t in vocab.terms)


UNKNOWN_ASKED = 40
"""Distinct unknown values of a column the user is asked about (the most frequent): each with
its nearest codes, in the CLI's report and the Data page's value map; the others are counted.
A free-text column taken for a coded one can hold a value per row, and finding one value's
nearest codes takes 1.4 ms (100,000 values: 97 s before this bound)."""


def _unknown_values(
    column: schema.Column, header: str, raw: pd.Series, codes: pd.Series
) -> list[UnknownValue]:
    """Each distinct unknown value of one column with its count, most frequent first; the first
    :data:`UNKNOWN_ASKED` with their nearest codes."""
    unknown = raw[(codes == UNKNOWN_VALUE).to_numpy()]
    if unknown.empty:
        return []
    kind = vocabulary_kind(column)
    counts = unknown.astype(str).value_counts(sort=True)
    return [
        UnknownValue(column.name, header, value, int(n),
                     nearest_codes(kind, value) if kind and i < UNKNOWN_ASKED else ())
        for i, (value, n) in enumerate(counts.items())
    ]


def name_key(text: str) -> str:
    """Normalised form used to match a name against a table: width, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _cell_issues(
    codes: pd.Series, raw: pd.Series, row_numbers: np.ndarray, header: str, column: schema.Column
) -> list[Issue]:
    bad = np.flatnonzero(codes.notna().to_numpy())
    params = {"name": column.name, "accepted_zh": accepted_words(column, "zh"),
              "accepted_en": accepted_words(column, "en")}
    # each array taken once (``.iat`` per cell: 10 µs a cell, 30 s for a million rejected cells)
    bad_codes = codes.to_numpy(dtype=object)[bad].tolist()
    bad_cells = raw.to_numpy(dtype=object)[bad].tolist()
    bad_rows = row_numbers[bad].tolist()
    return [
        Issue(code, ERROR, int(row), header, cell, params if code == UNKNOWN_VALUE else {})
        for code, row, cell in zip(bad_codes, bad_rows, bad_cells)
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
    rules: dict[str, CellRules] | None = None,
    blank_means_no: bool = True,
) -> Validated:
    """Normalise and check ``raw`` (canonical column name → cell text) for ``table``.

    With a ``scope`` (the schools of a school-scoped user) a row that belongs to no school
    of the scope is rejected (``out-of-scope``): such a user cannot write other schools' data.

    ``headers`` names the source of each column as the user knows it (a header, or
    a constant set for the file) so that every issue points at something visible.
    ``rules`` (per canonical column) carry the user's value map, the grade scores and a
    unit stated for the column. A result column's absence (缺考, 免考 …) fills ``absence``.
    With ``blank_means_no``, a blank in a yes/no column (``Column.blank_means_no``) whose
    other cells only say yes is read as no (``blank-means-no``).
    """
    today = today or date.today()
    rules = rules or {}
    n = len(raw)
    out: dict[str, pd.Series] = {}
    errors: list[Issue] = []
    unknown: list[UnknownValue] = []
    warnings_found: list[Issue] = []
    bad = np.zeros(n, dtype=bool)
    absence = np.full(n, None, dtype=object)
    absent = np.zeros(n, dtype=bool)
    index = pd.RangeIndex(n)
    unique: set[str] = set()  # columns whose values are known not to repeat (keys, references)
    for name in raw.columns:
        column = table.column(name)
        # Each distinct cell is read once; what holds for the rows is spread with its codes,
        # and row-level error series are built only for a column that has errors.
        coded = normalize_coded(raw[name], column, rules.get(name))
        distinct = coded.distinct
        values = coded.values(column, index, arrow=True)
        if (name == table.key[0] or column.ref) and coded.unique():
            unique.add(name)
        failed = coded.flagged(pd.notna(distinct.errors))
        given = coded.flagged(pd.notna(distinct.absences)) & ~absent
        if given.any():
            absence[given] = distinct.absences[coded.codes[given]]
            absent |= given
        header = headers.get(name, name)
        if failed.any():
            codes = pd.Series(coded.rows(distinct.errors, None), dtype=object)
            cells = raw[name].reset_index(drop=True)
            errors += _cell_issues(codes, cells, row_numbers, header, column)
            unknown += _unknown_values(column, header, cells, codes)
        bad |= failed
        if blank_means_no and column.blank_means_no:
            values, filled = _blank_is_no(values, failed)
            if filled:
                warnings_found.append(Issue("blank-means-no", WARNING, column=header, params={"count": filled}))
        if column.default is not None:
            values = values.astype(object).where(values.notna(), column.default)
        if name in NOT_IN_FUTURE:
            future = _future(coded, values, today, column) & ~failed
            if future.any():
                later = np.flatnonzero(future)
                cells = raw[name].to_numpy(dtype=object)[later].tolist()
                errors += [Issue("future-date", ERROR, int(row), header, cell)
                           for row, cell in zip(row_numbers[later].tolist(), cells)]
            bad |= future
        out[name] = values
    frame = pd.DataFrame(out, index=index)
    if absent.any() and ABSENCE in table.column_names:
        frame[ABSENCE] = pd.Series(absence, index=index, dtype=object)

    for column in table.required_columns:
        if column.name not in frame.columns:
            continue  # the pipeline refuses the file before validation in this case
        # A result not taken (缺考) is missing with its reason, not a missing value.
        missing = frame[column.name].isna().to_numpy() & ~bad
        if column.absence:
            missing &= ~absent
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
    # Every row kept (a clean file): the frame itself, not a copy of a million rows (copy-on-write).
    rows = frame.copy(deep=False) if keep.all() else frame.loc[keep].reset_index(drop=True)
    kept_numbers = row_numbers[keep]
    warnings: list[Issue] = list(warnings_found)

    seq = [c.name for c in table.columns if c.counter]
    rest = [k for k in table.key if k not in seq]
    if seq:
        # Repeats of the rest of the key are distinct real events: number them 1, 2, ...
        rows[seq[0]] = rows.groupby(rest, dropna=False, sort=False).cumcount() + 1
    elif len(rows):
        rows, kept_numbers, dup_errors, dup_warnings = _deduplicate(
            con, rows, kept_numbers, table, headers, unique_first=table.key[0] in unique)
        errors += dup_errors
        warnings += dup_warnings

    for column in table.columns:
        if column.ref and column.name in rows.columns:
            header = headers.get(column.name, column.name)
            rows, id_warnings = _resolve_alternate_keys(con, rows, column, header)
            # An ID-card number resolved to a student ID may repeat one already there.
            rows, ref_warnings = _resolve_references(con, rows, column, header,
                                                     unique=column.name in unique and not id_warnings)
            warnings += id_warnings + ref_warnings

    rejected_rows = set(np.flatnonzero(bad))
    rejected_rows |= {
        int(p) for p in np.flatnonzero(np.isin(row_numbers, [e.row for e in errors if e.code == "duplicate-key"]))
    }
    positions = np.array(sorted(rejected_rows), dtype=int)
    return Validated(
        rows=rows,
        row_numbers=kept_numbers,
        rejected_positions=positions,
        errors=errors,
        warnings=warnings,
        unknown=unknown,
        rejected_keys=_rejected_keys(table, frame, row_numbers, positions),
    )


def _future(coded: Coded, values: pd.Series, today: date, column: schema.Column) -> np.ndarray:
    """Rows whose date is after ``today``: decided once per distinct date when the values are
    the column's own dates (no default filled in), else over the rows."""
    if column.kind == "date" and column.default is None:
        later = np.array([v is not None and v > today for v in coded.distinct.values], dtype=bool)
        return coded.flagged(later)
    stamps = pd.to_datetime(values, errors="coerce")
    return (stamps > pd.Timestamp(today)).to_numpy(dtype=bool)


def _blank_is_no(values: pd.Series, failed: np.ndarray) -> tuple[pd.Series, int]:
    """Blanks of a yes/no column that only says yes become no (a tick list); how many.
    ``failed`` marks the cells that could not be read (not blanks)."""
    present = values.dropna()
    blank = values.isna() & ~failed
    if present.empty or not bool(present.all()) or not blank.any():
        return values, 0
    return values.mask(blank, False), int(blank.sum())


def null_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of ``frame`` as dicts, taken at once, a missing cell as None (NaN is no JSON:
    PostgreSQL's ::json and JSON.parse refuse it)."""
    cells = frame.astype(object)
    return cells.where(cells.notna(), None).to_dict(orient="records")


def _json_record(record: dict[str, object], skip_missing: bool) -> str | None:
    """One row as :func:`json_rows` writes it, by ``json``."""
    if skip_missing:
        record = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in record.items() if v is not None}
        if not record:
            return None
    return json.dumps(record, ensure_ascii=False, default=str)


_CONTROL = r"[\x00-\x1f]"  # what json escapes as \uXXXX (or \n …): such rows are left to json


def _json_values(column: pd.Series) -> tuple[pa.Array, np.ndarray] | None:
    """Each cell of ``column`` as JSON text (null for a missing cell), and the cells left to
    ``json`` (a control character); None for a kind of column not written here (floats, times:
    their text is ``json``'s own)."""
    try:
        cells = pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    kind = cells.type
    if pa.types.is_null(kind):
        return pa.nulls(len(cells), pa.string()), np.zeros(len(cells), dtype=bool)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        cells = cells.cast(pa.string())
        slow = pc.match_substring_regex(cells, _CONTROL).fill_null(False).to_numpy(zero_copy_only=False)
        escaped = pc.replace_substring(pc.replace_substring(cells, "\\", "\\\\"), '"', '\\"')
        return pc.binary_join_element_wise('"', escaped, '"', ""), slow
    if pa.types.is_integer(kind):
        return cells.cast(pa.string()), np.zeros(len(cells), dtype=bool)
    if pa.types.is_boolean(kind):
        return pc.if_else(cells, "true", "false"), np.zeros(len(cells), dtype=bool)
    if pa.types.is_date32(kind):
        return pc.binary_join_element_wise('"', cells.cast(pa.string()), '"', ""), np.zeros(len(cells), dtype=bool)
    return None


def json_rows(frame: pd.DataFrame, *, skip_missing: bool = False) -> list[str | None]:
    """Each row of ``frame`` as a JSON object: the text ``json.dumps(record, ensure_ascii=False,
    default=str)`` gives for its record (:func:`null_records`; with ``skip_missing``, missing cells
    left out, dates and times as ISO text, and a row without any cell None). Built a column at a
    time in Arrow, not a dict and a ``json.dumps`` call a row: a sheet rejected in every row has a
    row to write for each. A row with a cell not written here (a control character, a float, a
    time) is written by ``json``, whole."""
    if frame.empty:
        return [] if not len(frame) else [None if skip_missing else "{}"] * len(frame)
    size = len(frame)
    slow = np.zeros(size, dtype=bool)
    pieces: list[pa.Array] = []
    for name in frame.columns:
        written = _json_values(frame[name])
        if written is None:
            slow[:] = True
            break
        values, left = written
        slow |= left
        key = json.dumps(str(name), ensure_ascii=False) + ": "
        if skip_missing:  # each cell with the separator before it, a missing one as nothing
            pieces.append(pc.binary_join_element_wise(", " + key, values, "").fill_null(""))
        else:
            pieces.append(pc.binary_join_element_wise(key, values.fill_null("null"), ""))
    texts: list[str | None] = [None] * size
    if not slow.all():
        # (no null_handling="skip": pyarrow 26.0's join with it drops the rows whose cells are all null)
        if skip_missing:
            joined = pieces[0] if len(pieces) == 1 else pc.binary_join_element_wise(*pieces, "")
            joined = pc.utf8_slice_codeunits(joined, len(", "))  # the first separator
            joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
        else:
            joined = pieces[0] if len(pieces) == 1 else pc.binary_join_element_wise(*pieces, ", ")
        whole = pc.binary_join_element_wise("{", joined, "}", "")
        texts = whole.to_pylist()
    for i in np.flatnonzero(slow):
        texts[i] = _json_record(null_records(frame.iloc[[i]])[0], skip_missing)
    return texts


def _rejected_keys(
    table: schema.Table, frame: pd.DataFrame, row_numbers: np.ndarray, positions: np.ndarray
) -> dict[int, str]:
    """The key (and year) values that could be read of each rejected row, as JSON by row number
    (a row with none left out), so that a rejected graduate still counts as a graduate with
    unknown status (``metrics.employment``)."""
    if not len(positions):
        return {}
    wanted = [c for c in dict.fromkeys((*table.key, table.year_column)) if c and c in frame.columns]
    texts = json_rows(frame.iloc[positions][wanted], skip_missing=True)
    return {int(row_numbers[p]): text for p, text in zip(positions, texts, strict=True) if text is not None}


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
    outside = ~inside.fillna(False).to_numpy(dtype=bool)
    return outside | _owned_elsewhere(con, table, frame, scope)


def _owned_elsewhere(
    con: duckdb.DuckDBPyConnection, table: schema.Table, frame: pd.DataFrame, scope: tuple[str, ...]
) -> np.ndarray:
    """Rows whose key already belongs to a school outside ``scope``.

    Such a row would *update* another school's row into this one (a takeover): it is
    rejected like any row outside the scope, with the same message, so that neither the
    import nor its dry run tells whether another school holds that key. A counter column
    of the key (numbered later) is left out: any existing row with the rest of the key
    that belongs elsewhere is enough.
    """
    column, via = _SCHOOL_LINK[table.name]
    keys = [k for k in table.key if k in frame.columns and not table.column(k).counter]
    if not keys or not len(frame):
        return np.zeros(len(frame), dtype=bool)
    if via is None:
        owner, join = f"t.{quote_ident(column)}", ""
    else:
        ref = schema.table(via)
        owner = "v.school_id"
        join = (f" LEFT JOIN {quote_ident(via)} v ON v.{quote_ident(ref.key[0])} = "
                f"t.{quote_ident(column)}")
    cur = con.cursor()
    cur.register("_claims", to_arrow(frame[keys], table).append_column(
        "_pos", pa.array(np.arange(len(frame)), type=pa.int64())))
    try:
        on = " AND ".join(f"t.{quote_ident(k)} = c.{quote_ident(k)}" for k in keys)
        hits = cur.execute(
            f"SELECT DISTINCT c._pos FROM _claims c JOIN {quote_ident(table.name)} t ON {on}{join} "
            f"WHERE {owner} IS NULL OR NOT list_contains(?::VARCHAR[], {owner})",
            [list(scope)],
        ).fetchall()
    finally:
        cur.unregister("_claims")
    taken = np.zeros(len(frame), dtype=bool)
    taken[[h[0] for h in hits]] = True
    return taken


def _has_duplicate_keys(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, table: schema.Table, *, unique_first: bool = False
) -> bool:
    """Whether any key repeats: one DuckDB GROUP BY, far cheaper than pandas on object columns.

    When one part of the key never repeats (a student ID in a sheet of one exam per student),
    no whole key can: that is answered from the one column, without the GROUP BY, or without
    looking at all when validation already knows it (``unique_first``, ``Coded.unique``).
    """
    if unique_first or rows[table.key[0]].is_unique:
        return False
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
    *,
    unique_first: bool = False,
) -> tuple[pd.DataFrame, np.ndarray, list[Issue], list[Issue]]:
    """Identical repeats keep one row (warning); conflicting repeats of a key are all rejected.
    ``unique_first``: the first key column is known not to repeat."""
    key = list(table.key)
    if not _has_duplicate_keys(con, rows, table, unique_first=unique_first):
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


# Another identifier of a referenced table's rows: a certificate platform's row keyed by the
# ID-card number belongs to the student whose roster row carries that number.
ALTERNATE_KEYS = {"students": "id_card"}


def _resolve_alternate_keys(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, column: schema.Column, header: str
) -> tuple[pd.DataFrame, list[Issue]]:
    """Values that are no known ID but the alternate key of exactly one row become that row's ID."""
    alternate = ALTERNATE_KEYS.get(column.ref or "")
    if alternate is None or not len(rows):
        return rows, []
    ref = schema.table(column.ref)
    ident, key, alt = quote_ident(ref.name), quote_ident(ref.key[0]), quote_ident(alternate)
    cur = con.cursor()
    # No row of the referenced table carries the alternate key (no ID-card numbers on the roster,
    # or no roster yet): nothing can match, and the column need not be staged and made distinct.
    if not cur.execute(f"SELECT EXISTS (SELECT 1 FROM {ident} WHERE {alt} IS NOT NULL)").fetchall()[0][0]:
        return rows, []
    cur.register("_alt", pa.table({"v": pa.array(rows[column.name], type=pa.string(), from_pandas=True)}))
    try:
        pairs = cur.execute(
            f"SELECT v, any_value(t.{key}) FROM (SELECT DISTINCT v FROM _alt WHERE v IS NOT NULL) a "
            f"ANTI JOIN {ident} k ON k.{key} = a.v "
            f"JOIN {ident} t ON upper(t.{alt}) = upper(a.v) GROUP BY v HAVING count(DISTINCT t.{key}) = 1"
        ).fetchall()
    finally:
        cur.unregister("_alt")
    if not pairs:
        return rows, []
    mapping = dict(pairs)
    resolved = rows[column.name].map(mapping).fillna(rows[column.name])
    issue = Issue("id-card-resolved", WARNING, column=header, params={"count": len(mapping)})
    return rows.assign(**{column.name: resolved}), [issue]


def _resolve_references(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, column: schema.Column, header: str,
    *, unique: bool = False,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Replace names by IDs where the referenced table knows the name; count the rest.

    A value that is a known ID stays. A value that matches exactly one name (ignoring
    width, case and spaces) becomes that row's ID. Anything else stays as its own ID and
    is reported, so nothing is dropped. ``unique``: no value repeats (each unknown value is
    one row), so the unknown values are counted without grouping them.
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
        # One pass: each unknown value with its rows, and over all of them the rows and the
        # values in total (window sums over the distinct values, read from the first row).
        limit = "" if name_col else f" LIMIT {EXAMPLES + 1}"
        if unique:  # every unknown value is one row: counted, without a GROUP BY
            # The count and the first values apart: a window over a million unknown IDs costs
            # more than the two (the count reads the join; the first values keep a top-N heap).
            unknown = [r[0] for r in cur.execute(f"SELECT v FROM ({unknowns}) u ORDER BY v{limit}").fetchall()]
            unknown_rows = distinct = (int(cur.execute(f"SELECT count(*) FROM ({unknowns}) u").fetchall()[0][0])
                                       if limit and unknown else len(unknown))
        else:
            found = cur.execute(
                f"SELECT v, sum(n) OVER (), count(*) OVER () FROM (SELECT v, count(*) AS n FROM ({unknowns}) u "
                f"GROUP BY v) g ORDER BY v{limit}"
            ).fetchall()
            unknown = [r[0] for r in found]
            unknown_rows, distinct = (int(found[0][1]), int(found[0][2])) if found else (0, 0)
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
                    "table_zh": ref.zh,
                    "table_en": ref.en,
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
