"""Exports that leave the school: a pseudonymised research export and a suppressed aggregate export.

**Research export** — one file per canonical table (rows in the current ``Filters``) plus
a data dictionary, zipped as CSV (UTF-8 with BOM, formula-looking text escaped by
``safe_export``) or Parquet (typed, unescaped: it is read by analysis tools, not by a
spreadsheet). Personal data (``Column.personal``) is removed:

* student and mentor IDs (``PSEUDONYM_COLUMNS``) become keyed HMAC-SHA256 pseudonyms
  (first 16 hex digits), computed in DuckDB. The same ID gives the same pseudonym in
  every table and in every export made with the same key, so researchers can join
  tables and follow students across exports, but nobody without the key can go back;
* names, respondents and free-text notes are dropped;
* class names (which often carry a head teacher's name) are pseudonymised like IDs, so a
  researcher can still group by class; the other free-text columns that are kept
  (``SCRUBBED_COLUMNS``: employer, enterprise and course names, qualifications, agreement
  numbers, action titles) are scrubbed: phone numbers, ID-card numbers and e-mail
  addresses in them become ``SCRUB_MARK`` (``scrub``);
* ``monthly_salary`` is kept on purpose: a salary does not identify anyone by itself and
  it is a research variable (the dictionary says so).

The key is 32 random bytes kept in ``secrets/pseudonym.key`` beside the database,
created on first use with permissions 0600 (never written into an export). Losing it
means new exports get new pseudonyms; sharing it lets the holder re-identify by
hashing known IDs, so it stays at the school.

**Aggregate export** — counts for publication (exams sat/passed, graduates with a known
status/placed, by major × year, as the dashboard counts them) with small-cell
suppression: a group of fewer than ``Settings.small_n`` (exams sat, graduates) is
shown as ``c``, its numerator too, and complementary suppression hides further cells
so that no ``c`` can be recovered from the published totals (see ``suppression_mask``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import hmac
import io
import os
import re
import zipfile
from collections import deque
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics import db, engines, schema
from analytics.config import Settings
from analytics.errors import ConfigError
from analytics.filters import Filters
from analytics.i18n import t
from analytics.private_files import write_private
from analytics.safe_export import to_csv_bytes

KINDS = ("research", "aggregate")
FORMATS = ("csv", "parquet")
KEY_FILE = Path("secrets") / "pseudonym.key"
KEY_BYTES = 32
PSEUDONYM_LENGTH = 16  # hex digits kept of the HMAC (64 bits: no collision in any school's roster)
PSEUDONYM_COLUMNS = ("student_id", "mentor_id", "school_mentor_id", "enterprise_mentor_id", "id_card",
                     "class_name")
# Free text kept for research but typed by people, so it may hold contact details (#18).
SCRUBBED_COLUMNS = ("employer_name", "enterprise_name", "industry", "qualification", "course",
                    "agreement_no", "title")
SCRUB_MARK = "[removed]"
# Digits may be split by spaces or dashes (138-1234-5678); none may touch the match.
_D = r"\d[\s-]?"
_SCRUB = re.compile(
    r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|(?<![\dXx])(?:\d{17}[\dXx]|\d{15})(?![\dXx])"  # ID card: 18 digits (last may be X), old 15
    r"|(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"  # mobile, optionally +86
    r"|(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"  # landline with area code
    rf"|(?<!\d)(?:{_D}){{6,}}\d(?!\d)"  # any other run of 7+ digits: a number a person can be called on
)
KEPT_PERSONAL = ("monthly_salary",)
SUPPRESSED = "c"
DOMINANCE = 2  # a group where only 1 or 2 did not pass / were not placed is suppressed like a small one

_BLOCK = 64  # SHA-256 block size, for HMAC's inner and outer pads


# -- Key and pseudonyms --------------------------------------------------------------------


def key_path(db_path: str | os.PathLike[str] | None = None) -> Path:
    """Where the pseudonym key of the database at ``db_path`` lives: ``<db dir>/secrets/pseudonym.key``."""
    return db.resolve_path(db_path).resolve().parent / KEY_FILE


def connection_key_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The key path beside the file ``con`` is open on (a PostgreSQL store's: in
    ``$DUAL_MENTOR_HOME/secrets``, docs/DEPLOY.md); an in-memory database has none."""
    if engines.engine_of(con) == "postgres":
        return key_path(con.dsn)
    found = db.rows(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    row = found[0] if found else None
    if row is None or not row[0]:
        raise ConfigError("export-key-needed")
    return key_path(row[0])


def load_key(path: str | os.PathLike[str]) -> bytes:
    """The key in ``path``, created (32 random bytes as hex, mode 0600, directory 0700) when missing."""
    path = Path(path)
    if not path.exists():  # another process creating it at the same moment: theirs is kept
        try:
            write_private(path, os.urandom(KEY_BYTES).hex() + "\n", replace=False, encoding="ascii")
        except OSError as e:
            raise ConfigError("export-key-invalid", path=path) from e
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ConfigError("export-key-invalid", path=path) from e
    if len(key) < 16:
        raise ConfigError("export-key-invalid", path=path)
    return key


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonym(value: str, key: bytes) -> str:
    """The pseudonym of one ID (the same as the export computes in SQL), e.g. to find a student."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def key_fingerprint(key: bytes) -> str:
    """A short, non-reversible tag of the key: two exports with the same tag share pseudonyms."""
    return hashlib.sha256(b"pseudonym-key-fingerprint" + key).hexdigest()[:8]


# -- Research export ---------------------------------------------------------------------------


def treatment(column: schema.Column) -> str:
    """What the research export does with ``column``: kept, pseudonymised or dropped."""
    if column.name in PSEUDONYM_COLUMNS:
        return "pseudonymised"
    if column.name in SCRUBBED_COLUMNS:
        return "scrubbed"
    if column.personal and column.name not in KEPT_PERSONAL:
        return "dropped"
    return "kept"


def research_tables(
    con: duckdb.DuckDBPyConnection, filters: Filters, key: bytes
) -> dict[str, pd.DataFrame]:
    """Every canonical table in the filter, pseudonymised and without personal columns."""
    ipad, opad = _pads(key)
    out: dict[str, pd.DataFrame] = {}
    for table in schema.TABLES:
        select = []
        for column in table.columns:
            how = treatment(column)
            ident = db.quote_ident(column.name)
            if how == "pseudonymised":
                select.append(
                    f"left(sha256(k.opad || unhex(sha256(k.ipad || encode(t.{ident})))), "
                    f"{PSEUDONYM_LENGTH}) AS {ident}"
                )
            elif how in ("kept", "scrubbed"):
                select.append(f"t.{ident}")
        where, params = filters.where(table.name, "t")
        sql = (
            "WITH k AS (SELECT $ipad::BLOB AS ipad, $opad::BLOB AS opad) "
            f"SELECT {', '.join(select)} FROM {db.quote_ident(table.name)} t, k "
            f"WHERE {where} ORDER BY ALL"
        )
        frame = db.query(con, sql, {"ipad": ipad, "opad": opad, **params})
        for column in table.columns:
            if treatment(column) == "scrubbed":
                frame[column.name] = frame[column.name].map(scrub, na_action="ignore")
        out[table.name] = frame
    return out


def scrub(text: str) -> str:
    """``text`` with every e-mail address, ID-card number and phone number (and any other run
    of seven or more digits) replaced by ``SCRUB_MARK``: what a free-text column may leak."""
    return _SCRUB.sub(SCRUB_MARK, text)


def _allowed(column: schema.Column) -> str:
    if column.kind == "enum":
        return "; ".join(column.allowed)
    if column.kind == "bool":
        return "true; false"
    return ""


def _meaning(table: schema.Table, column: schema.Column, lang: str) -> str:
    parts = [t(f"export.kind.{column.kind}", lang)]
    if column.min is not None and column.max is not None:
        parts.append(t("export.meaning.range", lang, low=f"{column.min:g}", high=f"{column.max:g}"))
    elif column.min is not None:
        parts.append(t("export.meaning.min", lang, low=f"{column.min:g}"))
    if column.name in table.key:
        parts.append(t("export.meaning.key", lang))
    if column.counter:
        parts.append(t("export.meaning.seq", lang))
    if column.ref is not None and column.ref != table.name:
        parts.append(t("export.meaning.ref", lang, table=column.ref))
    how = treatment(column)
    if how != "kept":
        parts.append(t(f"export.meaning.{how}", lang))
    elif column.personal:
        parts.append(t(f"export.meaning.kept-{column.name}", lang))
    return t("export.meaning.sep", lang).join(parts)


def data_dictionary(lang: str = "zh") -> pd.DataFrame:
    """One row per column of every table: labels, type, allowed values, treatment, meaning."""
    rows = [
        {
            "table": table.name,
            "column": column.name,
            "label_zh": column.zh,
            "label_en": column.en,
            "type": column.kind,
            "allowed_values": _allowed(column),
            "in_export": treatment(column) != "dropped",
            "treatment": t(f"export.treatment.{treatment(column)}", lang),
            "meaning": _meaning(table, column, lang),
        }
        for table in schema.TABLES
        for column in table.columns
    ]
    return pd.DataFrame(rows)


def _frame_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv_bytes(frame)
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ConfigError("export-bad-format", format=fmt, known=", ".join(FORMATS))


def research_export_bytes(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    fmt: str = "csv",
    *,
    key: bytes | None = None,
    lang: str = "zh",
    settings: Settings | None = None,
) -> bytes:
    """Zip of one pseudonymised file per table, ``data_dictionary``, ``METHODS.md`` (the
    methods note, with ``settings`` when given) and ``README.txt``.

    ``key`` defaults to the key file beside the database ``con`` is open on (created on
    first use); an in-memory database needs an explicit key.
    """
    _check_format(fmt)
    if key is None:
        key = load_key(connection_key_path(con))
    tables = research_tables(con, filters, key)
    files = {f"{name}.{fmt}": _frame_bytes(frame, fmt) for name, frame in tables.items()}
    files[f"data_dictionary.{fmt}"] = _frame_bytes(data_dictionary(lang), fmt)
    files["METHODS.md"] = _methods_file(lang, settings)
    counts = "\n".join(f"  {name}: {len(frame)}" for name, frame in tables.items())
    files["README.txt"] = t(
        "export.research-readme",
        lang,
        filters=filters.caption(lang),
        date=dt.date.today().isoformat(),
        fingerprint=key_fingerprint(key),
        counts=counts,
        format=fmt,
    ).encode("utf-8-sig")
    return _zip(files)


# -- Small-cell and complementary suppression -------------------------------------------------


def with_totals(counts: np.ndarray) -> np.ndarray:
    """``counts`` (rows × columns) with row totals as a last column and column totals as a last row."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2:
        raise ValueError("counts must be a 2-D table")
    rows = np.column_stack([counts, counts.sum(axis=1)])
    return np.vstack([rows, rows.sum(axis=0)])


def _on_cycle(mask: np.ndarray, cell: tuple[int, int]) -> bool:
    """Whether suppressed ``cell`` lies on a cycle of suppressed cells (row → column → row ...)."""
    start, goal = ("r", cell[0]), ("c", cell[1])
    seen = {start}
    todo = deque([start])
    while todo:
        kind, index = todo.popleft()
        line = mask[index, :] if kind == "r" else mask[:, index]
        for other in np.flatnonzero(line):
            pair = (index, int(other)) if kind == "r" else (int(other), index)
            if pair == cell:
                continue
            node = ("c", int(other)) if kind == "r" else ("r", int(other))
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.append(node)
    return False


def _cheapest_cycle(mask: np.ndarray, cost: np.ndarray, cell: tuple[int, int]) -> list[tuple[int, int]]:
    """Cells of the cheapest path from ``cell``'s row to its column avoiding ``cell`` (Dijkstra;
    suppressed cells cost nothing), which closes a cycle through ``cell``."""
    n_rows, n_cols = mask.shape
    start, goal = ("r", cell[0]), ("c", cell[1])
    best = {start: 0}
    back: dict[tuple[str, int], tuple[tuple[str, int], tuple[int, int]]] = {}
    heap = [(0, start)]
    while heap:
        dist, node = heapq.heappop(heap)
        if node == goal:
            break
        if dist > best[node]:
            continue
        kind, index = node
        for other in range(n_cols if kind == "r" else n_rows):
            pair = (index, other) if kind == "r" else (other, index)
            if pair == cell:
                continue
            step = 0 if mask[pair] else int(cost[pair])
            nxt = ("c", other) if kind == "r" else ("r", other)
            if dist + step < best.get(nxt, np.iinfo(np.int64).max):
                best[nxt] = dist + step
                back[nxt] = (node, pair)
                heapq.heappush(heap, (dist + step, nxt))
    path = []
    node = goal
    while node != start:
        node, pair = back[node]
        path.append(pair)
    return path


def primary_cells(denominators: np.ndarray, numerators: np.ndarray, threshold: int) -> np.ndarray:
    """Cells to suppress for their own sake, of a pair of tables with totals (``with_totals``):
    a group of 1 ≤ n < ``threshold`` (exams sat, graduates), and by the dominance rule a group
    where only 1 to ``DOMINANCE`` did not pass or were not placed (knowing who sat, one learns
    that all but one or two passed, and who they are is often known)."""
    den, num = np.asarray(denominators, dtype=np.int64), np.asarray(numerators, dtype=np.int64)
    rest = den - num
    return ((den > 0) & (den < threshold)) | ((rest >= 1) & (rest <= DOMINANCE))


def suppression_mask(extended: np.ndarray, threshold: int, primary: np.ndarray | None = None) -> np.ndarray:
    """Cells of a table with totals (``with_totals``) to publish as ``c``.

    Primary: ``primary`` (``primary_cells``), by default every cell, totals included, with
    1 ≤ value < ``threshold``. Complementary:
    the table's additive relations (each row and column of cells sums to its total) form
    a graph, rows and columns as nodes, cells as edges; a suppressed cell can be worked
    out from published numbers exactly when it is a bridge of the graph of suppressed
    cells (no cycle through it). So while some suppressed cell is on no cycle, the
    cheapest path closing a cycle through it is suppressed too: smallest non-zero inner
    cells first, zeros next, totals last. Every suppressed cell then lies on a cycle,
    so every row and column holding a ``c`` holds at least two.
    """
    values = np.asarray(extended, dtype=np.int64)
    mask = (values > 0) & (values < threshold) if primary is None else np.array(primary, dtype=bool)
    if not mask.any():
        return mask
    if min(values.shape) < 2:
        return np.ones_like(mask)
    big = int(values.max()) + 1
    cost = np.where(values > 0, values, big)
    cost[-1, :] += 4 * big
    cost[:, -1] += 4 * big
    while True:
        cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True)]
        bridge = next((c for c in cells if not _on_cycle(mask, c)), None)
        if bridge is None:
            return mask
        for pair in _cheapest_cycle(mask, cost, bridge):
            mask[pair] = True


# -- Aggregate export ------------------------------------------------------------------------------

# Rows of the split tables: dual-mentor students, the others, and those whose flag is unknown
# (``Filters.dual`` values; unknown = all − in − out, shown only when there are any).
DUAL_GROUPS = ("in", "out", "unknown")


def publication_filters(filters: Filters) -> Filters:
    """The filters the aggregate export is computed with: the user's scope and nothing else.

    Every aggregate export a user can take is then the same publication (every major, every
    year of their schools), so no two of them can be subtracted to uncover a suppressed cell
    (the unfiltered export minus the ``2+1`` one gave every ``1.5+1.5`` cell). A filter set
    on the page is named in the README as not applied."""
    return Filters(scope=filters.scope)


def _counts_by_year_major(frames: dict[int, pd.DataFrame]) -> tuple[list[object], list[int], dict, dict]:
    years = sorted(frames)
    num: dict[tuple[object, int], int] = {}
    den: dict[tuple[object, int], int] = {}
    for year, frame in frames.items():
        for g, k, n in frame[["group", "numerator", "denominator"]].itertuples(index=False):
            key = (None if pd.isna(g) else g, year)
            num[key], den[key] = int(k), int(n)
    majors = sorted({m for m, _ in den if m is not None})
    if any(m is None for m, _ in den):
        majors.append(None)
    return majors, years, num, den


def _split(by_group: dict[str, dict[int, pd.DataFrame]]) -> tuple[list[tuple[object, str]], list[int], np.ndarray, np.ndarray]:
    """Rows (major, group), years, and numerator/denominator matrices from per-group, per-year
    ``[group (major), numerator, denominator]`` frames (``"all"``, ``"in"``, ``"out"``)."""
    majors, years, num_all, den_all = _counts_by_year_major(by_group["all"])
    parts = {g: _counts_by_year_major(by_group[g]) for g in ("in", "out")}

    def cell(group: str, table: int, major: object, year: int) -> int:
        if group == "unknown":
            return cell("all", table, major, year) - cell("in", table, major, year) - cell("out", table, major, year)
        source = (num_all, den_all) if group == "all" else parts[group][2:]
        return source[table].get((major, year), 0)

    groups = [g for g in DUAL_GROUPS
              if any(cell(g, 1, m, y) for m in majors for y in years)]
    rows = [(m, g) for m in majors for g in groups]
    num = np.array([[cell(g, 0, m, y) for y in years] for m, g in rows], dtype=np.int64).reshape(len(rows), len(years))
    den = np.array([[cell(g, 1, m, y) for y in years] for m, g in rows], dtype=np.int64).reshape(len(rows), len(years))
    return rows, years, num, den


def _major_label(major: object, lang: str) -> str:
    return t("export.agg.unknown-major", lang) if major is None else str(major)


def _group_label(group: str, lang: str) -> str:
    """Dual-mentor students, other students (the ``dual`` vocabulary) or the flag not recorded."""
    return t("export.agg.group-unknown", lang) if group == "unknown" else schema.label("dual", group, lang)


def _frame(cells: list[list[object]], labels: list[list[str]], heads: list[str], years: list[int],
           lang: str) -> pd.DataFrame:
    frame = pd.DataFrame(cells, columns=[str(y) for y in years] + [t("export.agg.total", lang)], dtype=object)
    for k, head in enumerate(heads):
        frame.insert(k, head, [row[k] for row in labels])
    return frame


def _publish_split(extended: np.ndarray, mask: np.ndarray, rows: list[tuple[object, str]], years: list[int],
                   lang: str) -> pd.DataFrame:
    labels = [[_major_label(m, lang), _group_label(g, lang)] for m, g in rows]
    labels.append([t("export.agg.total", lang), t("export.agg.group-all", lang)])
    cells = [[SUPPRESSED if hidden else int(v) for v, hidden in zip(row, hide, strict=True)]
             for row, hide in zip(extended.tolist(), mask.tolist(), strict=True)]
    return _frame(cells, labels, [t("export.agg.major", lang), t("export.agg.group-col", lang)], years, lang)


def _publish_majors(extended: np.ndarray, mask: np.ndarray, rows: list[tuple[object, str]], years: list[int],
                    lang: str) -> pd.DataFrame:
    """The by-major table, each cell the sum of its groups' cells: shown only when every one of
    them is, so it tells nothing the split table does not."""
    majors = list(dict.fromkeys(m for m, _ in rows))
    cells, labels = [], []
    for major in majors:
        idx = [i for i, (m, _) in enumerate(rows) if m == major]
        cells.append([SUPPRESSED if mask[idx, j].any() else int(extended[idx, j].sum())
                      for j in range(extended.shape[1])])
        labels.append([_major_label(major, lang)])
    cells.append([SUPPRESSED if hidden else int(v) for v, hidden in zip(extended[-1], mask[-1], strict=True)])
    labels.append([t("export.agg.total", lang)])
    return _frame(cells, labels, [t("export.agg.major", lang)], years, lang)


AGGREGATE_PAIRS = {  # file stem -> (denominator, numerator) names
    "certificate_exams": ("sat", "passed"),
    "graduates": ("known_status", "placed"),
}


def aggregate_tables(
    con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings, lang: str = "zh"
) -> dict[str, pd.DataFrame]:
    """Publication tables (``c`` = suppressed), by file stem, of the user's whole scope
    (``publication_filters``: the page's other filters are not applied).

    Certificate exams sat and passed (per exam attempt, exam year) and graduates with a
    known status at their first survey and those placed (graduation year), counted as
    the dashboard's metrics count them, each as a table by major × year × group (dual-mentor
    students, the others, unknown: the strata of the adjusted comparison, ``*_by_dual``) and
    by major × year. One suppression pattern, decided on the split table, holds for all four
    tables of a measure: primary cells by ``primary_cells`` (small groups and the dominance
    rule), complementary ones by ``suppression_mask``; a by-major cell is shown only when all
    its groups are.
    """
    from analytics.metrics import certificates, employment

    base = publication_filters(filters)
    exam_years = certificates.pass_rates_by(con, base, settings, "year")["group"].dropna()
    grad_years = employment.initial_employment_by(con, base, settings, "graduation_year")
    grad_years = grad_years.loc[grad_years["denominator"] > 0, "group"].dropna()
    measures = {
        "certificate_exams": (certificates.pass_rates_by, [int(y) for y in exam_years]),
        "graduates": (employment.initial_employment_by, [int(y) for y in grad_years]),
    }
    out: dict[str, pd.DataFrame] = {}
    for name, (fn, years) in measures.items():
        by_group = {g: {y: fn(con, replace(base, year_from=y, year_to=y, dual=g), settings, "major") for y in years}
                    for g in ("all", "in", "out")}
        rows, years, num, den = _split(by_group)
        den_ext, num_ext = with_totals(den), with_totals(num)
        mask = suppression_mask(den_ext, settings.small_n, primary_cells(den_ext, num_ext, settings.small_n))
        den_name, num_name = AGGREGATE_PAIRS[name]
        out[f"{name}_{den_name}"] = _publish_majors(den_ext, mask, rows, years, lang)
        out[f"{name}_{num_name}"] = _publish_majors(num_ext, mask, rows, years, lang)
        out[f"{name}_{den_name}_by_dual"] = _publish_split(den_ext, mask, rows, years, lang)
        out[f"{name}_{num_name}_by_dual"] = _publish_split(num_ext, mask, rows, years, lang)
    return out


def _methods_file(lang: str, settings: Settings | None) -> bytes:
    """``METHODS.md`` of an export archive: the one methods note (``analytics.report.methods``)."""
    from analytics.report.methods import methods_note

    return methods_note(lang, settings).encode("utf-8")


def aggregate_export_bytes(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    fmt: str = "csv",
    *,
    settings: Settings | None = None,
    lang: str = "zh",
) -> bytes:
    """Zip of the publication tables (``aggregate_tables``), ``METHODS.md`` and ``README.txt``
    with the footnote and the filters not applied.

    CSV files end with the title and the footnote rows; Parquet files hold the table only
    (text columns, since ``c`` sits among the numbers).
    """
    _check_format(fmt)
    settings = settings or Settings()
    base = publication_filters(filters)
    footnote = t("export.agg.footnote", lang, n=settings.small_n, d=DOMINANCE)
    files: dict[str, bytes] = {}
    titles = []
    for name, frame in aggregate_tables(con, filters, settings, lang).items():
        title = t(f"export.agg.title.{name}", lang)
        titles.append(f"  {name}.{fmt}: {title}")
        if fmt == "csv":
            blank = [""] * (frame.shape[1] - 1)
            notes = pd.DataFrame(
                [[text, *blank] for text in ("", title, base.caption(lang), footnote)],
                columns=frame.columns,
                dtype=object,
            )
            files[f"{name}.csv"] = to_csv_bytes(pd.concat([frame, notes], ignore_index=True))
        else:
            files[f"{name}.parquet"] = _frame_bytes(frame.astype("string"), fmt)
    files["METHODS.md"] = _methods_file(lang, settings)
    ignored = replace(filters, scope=None)
    files["README.txt"] = t(
        "export.aggregate-readme",
        lang,
        filters=base.caption(lang),
        date=dt.date.today().isoformat(),
        tables="\n".join(titles),
        footnote=footnote,
    ).encode("utf-8-sig") + (
        ("\n" + t("export.agg.not-applied", lang, filters=ignored.caption(lang)) + "\n").encode("utf-8")
        if ignored != Filters() else b"")
    return _zip(files)


def write_export(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    fmt: str,
    out: str | os.PathLike[str],
    filters: Filters,
    settings: Settings,
    lang: str = "zh",
    *,
    key_file: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the ``kind`` export ("research" or "aggregate") as a zip to ``out``."""
    if kind not in KINDS:
        raise ConfigError("export-bad-kind", kind=kind, known=", ".join(KINDS))
    if kind == "research":
        key = load_key(key_file) if key_file is not None else None
        data = research_export_bytes(con, filters, fmt, key=key, lang=lang, settings=settings)
    else:
        data = aggregate_export_bytes(con, filters, fmt, settings=settings, lang=lang)
    path = Path(out)
    path.write_bytes(data)
    return path
