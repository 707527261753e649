"""The plain-cell path of ``normalize`` (ID and text columns): cells of ASCII letters and digits
skip the rules that cannot touch them, and every column comes out exactly as when every rule runs
on every cell (``FAST_PATH_MIN`` huge), whatever it holds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import schema
from analytics.ingest import normalize
from analytics.ingest.normalize import CellRules, normalize_cells, normalize_coded

STUDENT_ID = schema.table("certificate_exams").column("student_id")
ID_CARD = schema.table("students").column("id_card")
NAME = schema.table("students").column("student_name")
NOTES = schema.table("mentor_activities").column("notes")
PASSED = schema.table("certificate_exams").column("passed")  # a result column: absences
LEVEL = schema.table("students").column("gender")  # an enum: not on the plain path
T, M, N = "type-error", "id-masked", "id-as-number"

EVERY_RULE = 10**12  # FAST_PATH_MIN for which no column takes the plain path
PATHS = {"plain path": 0, "every rule": EVERY_RULE}
# Plain cells around the case, so that the case is also split from plain cells and merged back.
AROUND = ["20210001", "AB12", "NA"]


@pytest.fixture(params=list(PATHS), ids=list(PATHS))
def path(request, monkeypatch):
    """Each case twice: with the plain path taken for every column, and with every rule on every cell."""
    monkeypatch.setattr(normalize, "FAST_PATH_MIN", PATHS[request.param])
    return request.param


def around(column: schema.Column, raw: str | None, dtype: object) -> tuple[object, object]:
    """Value and error of ``raw`` normalised between plain cells; the plain cells checked too."""
    cells = pd.Series([AROUND[0], raw, AROUND[1], AROUND[2]], dtype=dtype)
    out = normalize_cells(cells, column)
    values = [None if pd.isna(v) else v for v in out.values]
    errors = list(out.errors)
    assert values[0] == "20210001" and values[2] == "AB12" and values[3] is None
    assert errors[0] is None and errors[2] is None and errors[3] is None
    return values[1], errors[1]


ID_CASES = [
    ("20210001", "20210001", None),
    ("020210001", "020210001", None),  # a leading zero is kept
    ("０１２３", "0123", None),  # full-width digits (NFKC)
    ("\xa00123\u3000", "0123", None),  # NBSP and the ideographic space trimmed
    (" 0123 ", "0123", None),
    ("01\u200b23", "0123", None),  # a zero-width space inside
    ("\ufeff0123", "0123", None),  # a byte-order mark in front
    ("12 34", "1234", None),  # grouped for reading
    ("'0123", "0123", None),  # Excel's text marker
    ("\u20180123", "0123", None),  # its curly look-alike
    ("'", None, None),  # the marker alone is blank
    ("12.0", "12", None),  # exported from a float cell
    ("12.00", "12", None),
    ("12.5", "12.5", None),  # not a float's .0: kept as written
    ("1.2E+17", None, N),  # Excel's scientific form: its digits are gone
    ("4.40106199001011e17", None, N),
    ("1E17", None, N),  # plain letters and digits, and still scientific
    ("4e5", None, N),
    ("e5", "e5", None),  # no digit in front: not a number
    ("1e", "1e", None),
    ("110101********003X", None, M),  # a masked ID-card number
    ("11010119900101003X", "11010119900101003X", None),
    ("11010119900101003x", "11010119900101003x", None),  # case is kept in an ID
    ("ab12CD", "ab12CD", None),
    ("ＡＢ１２", "AB12", None),
    ("张三", "张三", None),
    ("NA", None, None),  # missing markers, whatever their case
    ("na", None, None),
    ("Null", None, None),
    ("NONE", None, None),
    ("nan", None, None),
    ("n/a", None, None),
    ("N/A", None, None),
    ("/", None, None),
    ("-", None, None),
    ("—", None, None),
    ("－", None, None),  # full-width hyphen-minus
    ("--", None, None),
    ("无", None, None),
    ("#N/A", None, T),  # an Excel error hides a value
    ("#n/a", None, T),
    ("#VALUE!", None, T),
    ("", None, None),
    ("   ", None, None),
    (None, None, None),
]


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize(("raw", "value", "error"), ID_CASES)
def test_id_cells(path, dtype, raw, value, error):
    assert around(STUDENT_ID, raw, dtype) == (value, error)


TEXT_CASES = [
    ("张三", "张三", None),
    (" 张  三 ", "张 三", None),  # inner spaces become one
    ("张\u3000三", "张 三", None),
    ("AB12", "AB12", None),
    ("ab12CD", "ab12CD", None),
    ("Ａｂｃ", "Abc", None),
    ("a\u200bb", "ab", None),
    ("'0123", "'0123", None),  # the text marker is removed from IDs only
    ("12.0", "12.0", None),
    ("1.2E+17", "1.2E+17", None),
    ("1E17", "1E17", None),  # an ID's rule, not a text's
    ("110101********003X", "110101********003X", None),
    ("NA", None, None),
    ("none", None, None),
    ("无", None, None),
    ("(跳过)", None, None),
    ("—", None, None),
    ("#N/A", None, T),
    ("", None, None),
    (None, None, None),
]


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize(("raw", "value", "error"), TEXT_CASES)
def test_text_cells(path, dtype, raw, value, error):
    assert around(NOTES, raw, dtype) == (value, error)


def test_a_value_map_applies_to_plain_cells(path):
    rules = CellRules(value_map={"x1": "20210001", "q7": "NA"})
    out = normalize_cells(pd.Series(["X1", "Q7", "x2", "'0123"], dtype="str"), STUDENT_ID, rules)
    assert [None if pd.isna(v) else v for v in out.values] == ["20210001", None, "x2", "0123"]
    assert list(out.errors) == [None, None, None, None]


def test_absences_are_still_read_in_a_result_column(path):
    out = normalize_cells(pd.Series(["是", "缺考", "NA", "免考", "1"], dtype="str"), PASSED)
    assert list(out.absences) == [None, "absent", None, "exempt", None]
    assert [None if pd.isna(v) else bool(v) for v in out.values] == [True, None, None, None, True]


def test_plain_cells_are_never_cleaned(monkeypatch):
    """2,000 distinct plain IDs and 3 others above ``FAST_PATH_MIN``: only the 3 are cleaned."""
    sizes: list[int] = []
    clean = normalize._clean
    monkeypatch.setattr(normalize, "_clean", lambda texts: sizes.append(len(texts)) or clean(texts))
    monkeypatch.setattr(normalize, "FAST_PATH_MIN", 1_000)
    cells = [f"2021{i:04d}" for i in range(2_000)] + [" 0123", "１２", "'77"]
    out = normalize_cells(pd.Series(cells * 2, dtype="str"), STUDENT_ID)
    assert sizes == [3]
    assert list(out.values[-3:]) == ["0123", "12", "77"] and out.errors.isna().all()


def test_every_rule_runs_below_the_threshold(monkeypatch):
    """Fewer distinct cells than ``FAST_PATH_MIN``: every cell is cleaned, plain or not."""
    sizes: list[int] = []
    clean = normalize._clean
    monkeypatch.setattr(normalize, "_clean", lambda texts: sizes.append(len(texts)) or clean(texts))
    monkeypatch.setattr(normalize, "FAST_PATH_MIN", 1_000)
    normalize_cells(pd.Series(["20210001", "20210002", " 0123"], dtype="str"), STUDENT_ID)
    assert sizes == [3]


def test_no_missing_marker_is_digits_alone():
    """The plain path skips the markers for a column of digits only: none may be digits."""
    assert not any(marker.isdigit() for marker in normalize.MISSING_MARKERS)


# Fragments that every rule has something to say about, and plain ones.
FRAGMENTS = ["0", "1", "7", "9", "0123", "2021", "X", "x", "e", "E", "AB", "na", "NA", "null", "None", "nan",
             "１", "Ａ", " ", "\xa0", "\u3000", "\u200b", "\u2060", "\ufeff", "'", "\u2019", "`", ".", ".0",
             "e+", "*", "-", "—", "#N/A", "#n/a", "/", "n/a", "无", "空", "张", "缺考", "(跳过)", "\t", ",", "ﬁ"]


def coded_both_ways(cells: list[str | None], column: schema.Column, dtype: object,
                    rules: CellRules | None = None) -> tuple[normalize.Coded, normalize.Coded]:
    series = pd.Series(cells, dtype=dtype)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(normalize, "FAST_PATH_MIN", 0)
        fast = normalize_coded(series, column, rules)
        mp.setattr(normalize, "FAST_PATH_MIN", EVERY_RULE)
        slow = normalize_coded(series, column, rules)
    finally:
        mp.undo()
    return fast, slow


def assert_same(fast: normalize.Coded, slow: normalize.Coded) -> None:
    np.testing.assert_array_equal(fast.codes, slow.codes)
    assert fast.cells.equals(slow.cells)
    if isinstance(slow.distinct.values, pa.Array):
        assert fast.distinct.values.type == slow.distinct.values.type
        assert fast.distinct.values.to_pylist() == slow.distinct.values.to_pylist()
    else:
        assert list(fast.distinct.values) == list(slow.distinct.values)
    assert list(fast.distinct.errors) == list(slow.distinct.errors)
    assert list(fast.distinct.absences) == list(slow.distinct.absences)


COLUMNS = [STUDENT_ID, ID_CARD, NAME, NOTES, PASSED, LEVEL]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.one_of(st.none(), st.lists(st.sampled_from(FRAGMENTS), max_size=5).map("".join)),
                      max_size=40),
       column=st.sampled_from(COLUMNS), dtype=st.sampled_from(["str", object]))
def test_the_plain_path_equals_every_rule_on_any_cells(cells, column, dtype):
    fast, slow = coded_both_ways(cells, column, dtype)
    assert_same(fast, slow)


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.name)
@pytest.mark.parametrize("dtype", ["str", object])
def test_the_plain_path_equals_every_rule_on_a_large_mix(column, dtype):
    """5,000 cells of a seeded mix, three in four plain, with repeats and nulls."""
    rng = np.random.default_rng(17)
    plain = [f"{rng.integers(0, 10**9):09d}" for _ in range(2_000)] + ["na", "NA", "1E17", "AB12", "x"]
    tricky = ["".join(rng.choice(FRAGMENTS, size=rng.integers(1, 5))) for _ in range(700)]
    pool = np.array(plain + tricky, dtype=object)
    picks = np.where(rng.random(5_000) < 0.75, rng.integers(0, len(plain), 5_000),
                     rng.integers(len(plain), len(pool), 5_000))
    cells = [None if rng.random() < 0.02 else pool[i] for i in picks]
    fast, slow = coded_both_ways(cells, column, dtype)
    assert_same(fast, slow)
    if column.kind in ("id", "text"):  # the tricky cells were there: some were refused
        assert any(error is not None for error in fast.distinct.errors)


@pytest.mark.parametrize("cells", [
    [f"{i:08d}" for i in range(50)],  # every cell plain: nothing split
    [f" {i:08d}" for i in range(50)],  # no cell plain
    [],
], ids=["all plain", "none plain", "empty"])
def test_the_plain_path_equals_every_rule_without_a_split(cells):
    assert_same(*coded_both_ways(cells, STUDENT_ID, "str"))


def test_a_value_map_gives_the_same_either_way():
    rules = CellRules(value_map={"x1": "'0123", "q7": "NA"})
    assert_same(*coded_both_ways(["X1", "Q7", "x2", "'0123", "20210001"], STUDENT_ID, "str", rules))


def reference_factorize(cells: list[str | None]) -> tuple[list[int], list[str]]:
    """Codes and distinct cells in order of first appearance, by hand."""
    seen: dict[str, int] = {}
    codes = [-1 if c is None else seen.setdefault(c, len(seen)) for c in cells]
    return codes, list(seen)


@pytest.mark.parametrize(("cells", "codes", "distinct"), [
    (["01", "02", "03"], [0, 1, 2], ["01", "02", "03"]),  # sorted, no repeat
    (["01", "01", "02", "03", "03", "03"], [0, 0, 1, 2, 2, 2], ["01", "02", "03"]),  # sorted with repeats
    (["7", "7"], [0, 0], ["7"]),
    (["1", "10", "2"], [0, 1, 2], ["1", "10", "2"]),  # sorted as text, not as numbers
    (["03", "02", "01"], [0, 1, 2], ["03", "02", "01"]),  # descending: hashed
    (["01", "02", "01"], [0, 1, 0], ["01", "02"]),  # a repeat out of order
    (["01", None, "02"], [0, -1, 1], ["01", "02"]),  # a null: hashed
    (["a", "B", "b"], [0, 1, 2], ["a", "B", "b"]),  # bytes order: B < a
    (["张三", "李四"], [0, 1], ["张三", "李四"]),
    (["x"], [0], ["x"]),
    ([], [], []),
])
def test_factorize_gives_first_appearance_codes(cells, codes, distinct):
    assert reference_factorize(cells) == (codes, distinct)
    got_codes, got_distinct = normalize._factorize(pd.Series(cells, dtype="str"))
    assert got_codes.tolist() == codes and got_distinct.to_pylist() == distinct
    assert got_distinct.type == pa.string()


def test_a_column_sorted_only_at_its_start_is_hashed(monkeypatch):
    monkeypatch.setattr(normalize, "_SORTED_PROBE", 4)
    cells = ["1", "2", "3", "4", "5", "0", "5"]
    codes, distinct = normalize._factorize(pd.Series(cells, dtype="str"))
    assert (codes.tolist(), distinct.to_pylist()) == reference_factorize(cells) == (
        [0, 1, 2, 3, 4, 5, 4], ["1", "2", "3", "4", "5", "0"])


def test_a_sorted_column_is_found_without_hashing(monkeypatch):
    monkeypatch.setattr(normalize.pc, "dictionary_encode", lambda *a, **k: pytest.fail("hashed"))
    cells = [f"{i // 3:06d}" for i in range(3_000)]
    codes, distinct = normalize._factorize(pd.Series(cells, dtype="str"))
    assert codes.tolist() == [i // 3 for i in range(3_000)] and len(distinct) == 1_000


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cells=st.lists(st.one_of(st.none(), st.sampled_from(["", "0", "01", "1", "10", "2", "a", "A", "张"])),
                      max_size=30),
       order=st.sampled_from(["as drawn", "sorted", "sorted, nulls dropped"]), probe=st.sampled_from([1, 3, 1024]))
def test_factorize_equals_first_appearance_on_any_cells(cells, order, probe):
    if order != "as drawn":
        cells = sorted(c for c in cells if c is not None) + ([] if "dropped" in order else [None] * cells.count(None))
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(normalize, "_SORTED_PROBE", probe)
        codes, distinct = normalize._factorize(pd.Series(cells, dtype="str"))
    finally:
        mp.undo()
    assert (codes.tolist(), distinct.to_pylist()) == reference_factorize(cells)


@pytest.mark.parametrize("repeats", [1, 3], ids=["unique", "repeated"])
def test_a_sorted_id_column_gives_what_an_object_column_gives(monkeypatch, repeats):
    """The Arrow column (sorted: not hashed) and the object column (``pd.factorize``) agree, rows too."""
    monkeypatch.setattr(normalize.pc, "dictionary_encode", lambda *a, **k: pytest.fail("hashed"))
    # In byte order: digits < x, "2021x" < "2022.0" < "NA" < "２０２２" (full width, 0xEF…).
    cells = [f"2021{i // repeats:05d}" for i in range(3_000)] + ["2021x", "2022.0", "NA", "２０２２"]
    arrow, plain = (normalize_coded(pd.Series(cells, dtype=d), STUDENT_ID) for d in ("str", object))
    assert_same(arrow, plain)
    rows = [None if pd.isna(v) else v for v in arrow.values(STUDENT_ID, arrow=True)]
    assert rows[:2] == ["202100000", "202100000" if repeats == 3 else "202100001"]
    assert rows[-4:] == ["2021x", "2022", None, "2022"]
    assert rows == [None if pd.isna(v) else v for v in plain.values(STUDENT_ID)]


@pytest.fixture
def con():
    from tests.metric_fixtures import make_db

    connection = make_db()
    yield connection
    connection.close()


def test_a_clean_sheet_keeps_every_row_and_leaves_the_sheet_alone(con):
    """Every row kept: the rows are the frame itself; numbering repeats (``seq``) does not write
    into the sheet, and a rejected row's keys still come from the sheet."""
    from analytics.ingest.validate import validate

    table = schema.table("mentor_activities")
    raw = pd.DataFrame({
        "mentor_id": pd.Series(["M1", "M1", "M2"], dtype="str"),
        "activity_date": pd.Series(["2024-03-01", "2024-03-01", "2024-03-02"], dtype="str"),
        "activity_type": pd.Series(["实训指导", "实训指导", "实训指导"], dtype="str"),
    })
    before = raw.copy()
    headers = {c: c for c in raw.columns}
    checked = validate(con, table, raw, np.array([2, 3, 4]), headers, today=dt.date(2025, 1, 1))
    assert checked.rows["mentor_id"].tolist() == ["M1", "M1", "M2"]
    assert checked.rows["seq"].tolist() == [1, 2, 1]
    assert checked.row_numbers.tolist() == [2, 3, 4] and checked.rejected_positions.tolist() == []
    pd.testing.assert_frame_equal(raw, before)
    bad = raw.assign(activity_date=pd.Series(["2024-03-01", "2024-03-01", "bad"], dtype="str"))
    checked = validate(con, table, bad, np.array([2, 3, 4]), headers, today=dt.date(2025, 1, 1))
    assert checked.rows["seq"].tolist() == [1, 2] and checked.rejected_positions.tolist() == [2]
    assert checked.rejected_keys == {4: '{"mentor_id": "M2", "activity_type": "school_teaching"}'}  # 实训指导


@pytest.mark.parametrize("unique", [False, True])
@pytest.mark.parametrize(("given", "resolved", "orphans"), [
    # a name resolved, 6 unknown IDs in 6 rows: the first 5 quoted
    (["M1", "张 老师", "x6", "x5", "x4", "x3", "x2", "x1"], ["M1", "M1", "x6", "x5", "x4", "x3", "x2", "x1"],
     {"count": 6, "rows": 6, "examples": "x1、x2、x3、x4、x5…"}),
    (["M1", "M2"], ["M1", "M2"], None),
    (["x1", "M2"], ["x1", "M2"], {"count": 1, "rows": 1, "examples": "x1"}),
])
def test_unknown_references_to_a_named_table_are_counted_alike(con, unique, given, resolved, orphans):
    """Mentors have names: every unknown value is read (no top-N), with or without knowing they do not repeat."""
    from analytics.ingest.validate import _resolve_references

    con.execute("INSERT INTO mentors (mentor_id, mentor_name, mentor_type, school_id) "
                "VALUES ('M1', '张老师', 'school', 'S'), ('M2', '李老师', 'school', 'S')")
    rows = pd.DataFrame({"mentor_id": pd.Series(given, dtype="str")})
    column = schema.table("mentor_activities").column("mentor_id")
    out, issues = _resolve_references(con, rows, column, "导师编号", unique=unique)
    assert out["mentor_id"].tolist() == resolved
    found = [{k: i.params[k] for k in ("count", "rows", "examples")} for i in issues if i.code == "orphan-reference"]
    assert found == ([orphans] if orphans else [])
