"""The import reads each distinct cell once and spreads the results over the rows: the reader's
Arrow-backed text columns and plain object columns give the same values, errors, absences and
row numbers (issue 17: the way it runs changes, what it finds does not)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import schema
from analytics.ingest.normalize import normalize_cells, normalize_coded
from analytics.ingest.validate import validate
from tests.metric_fixtures import make_db

CERTS = schema.table("certificate_exams")
STUDENT_ID = CERTS.column("student_id")
EXAM_DATE = CERTS.column("exam_date")
SCORE = CERTS.column("score")
PASSED = CERTS.column("passed")

# Dtypes a column can arrive in: the reader's (pandas "str", Arrow storage) and object (constants,
# shapers, tests).
DTYPES = ["str", object]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("column", "cells", "values", "errors"),
    [
        # spaces inside an ID go, a float ID loses ".0", 4.4E+17 has lost digits, a null is missing
        (STUDENT_ID, ["001", " 0 01", "12.0", "4.40106199001011E+17", None, "001"],
         ["001", "001", "12", None, None, "001"], [None, None, None, "id-as-number", None, None]),
        # IDs without spaces or dots: the two rewrites are skipped, the values are the cells
        (STUDENT_ID, ["0202100000", "0202100001", "0202100000"],
         ["0202100000", "0202100001", "0202100000"], [None, None, None]),
        (SCORE, ["85", "85.5", "缺考", "#N/A", "", "85"],
         [85.0, 85.5, None, None, None, 85.0], [None, None, None, "type-error", None, None]),
        (PASSED, ["通过", "未通过", None, "通过"], [True, False, None, True], [None, None, None, None]),
        (EXAM_DATE, ["2024-06-20", "2024年6月", "44000", "2024-13-01"],
         [dt.date(2024, 6, 20), dt.date(2024, 6, 1), dt.date(2020, 6, 18), None],
         [None, None, None, "type-error"]),
    ],
)
def test_each_distinct_cell_is_read_once_whatever_the_column_dtype(dtype, column, cells, values, errors):
    # 44000 days after 1899-12-30 is 2020-06-18 (Excel serial date).
    read = normalize_cells(pd.Series(cells, dtype=dtype), column)
    got = [None if v is pd.NA or v is None else v for v in read.values.astype(object)]
    assert got == values
    assert read.errors.tolist() == errors


@pytest.mark.parametrize("dtype", DTYPES)
def test_codes_point_each_row_at_its_distinct_cell(dtype):
    coded = normalize_coded(pd.Series(["b", "a", None, "b", "c"], dtype=dtype), STUDENT_ID)
    # distinct cells in order of first appearance: b, a, c; the null cell is -1
    assert coded.codes.tolist() == [0, 1, -1, 0, 2]
    assert coded.distinct.values.to_pylist() == ["b", "a", "c"]  # IDs stay Arrow
    assert coded.flagged(np.array([True, False, True])).tolist() == [True, False, False, True, True]


@pytest.fixture
def con():
    connection = make_db()
    yield connection
    connection.close()


@pytest.mark.parametrize("dtype", DTYPES)
def test_validation_finds_the_same_rows_from_either_dtype(con, dtype):
    raw = pd.DataFrame({
        "student_id": pd.Series(["1", "2", "3", "4", "5"], dtype=dtype),
        "certificate_name": pd.Series(["电工"] * 5, dtype=dtype),
        "exam_date": pd.Series(["2024-06-20", "2099-01-01", "2024-06-20", "2024-06-20", "bad"], dtype=dtype),
        "score": pd.Series(["80", "70", "缺考", "免考", "60"], dtype=dtype),
        "theory_score": pd.Series(["", "", "", "缺考", ""], dtype=dtype),
    })
    numbers = np.array([2, 3, 4, 5, 6])
    checked = validate(con, CERTS, raw, numbers, {c: c for c in raw.columns}, today=dt.date(2025, 1, 1))
    # row 3: exam in 2099 after today; row 6: no date. Rows 4 and 5 are absences, kept with reasons:
    # row 5's first result column (score) says 免考 (exempt), which wins over theory_score's 缺考.
    assert sorted((e.code, e.row) for e in checked.errors) == [("future-date", 3), ("type-error", 6)]
    assert checked.rows["student_id"].tolist() == ["1", "3", "4"]
    assert checked.rows["absence"].tolist() == [None, "absent", "exempt"]
    assert checked.row_numbers.tolist() == [2, 4, 5]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("cells", "known"),
    [
        (["a1", "b2", "c3"], True),  # every cell once, each value its cell
        (["a1", "b2", None], True),  # a blank repeats nothing
        (["a1", "b2", "a1"], False),  # a cell twice
        (["001", "0 01"], False),  # two cells, one value once the space is gone: not known
        (["１", "1"], False),  # full-width digit: the same after NFKC
        (["12.0", "12"], False),
    ],
)
def test_a_column_is_known_unique_only_when_no_two_rows_can_hold_one_value(dtype, cells, known):
    assert normalize_coded(pd.Series(cells, dtype=dtype), STUDENT_ID).unique() is known


def test_ids_that_differ_only_by_a_space_are_still_one_key_repeated(con):
    # "001" and "0 01" are the same student: the repeat is found although every cell differs.
    raw = pd.DataFrame({
        "student_id": pd.Series(["001", "0 01", "002"], dtype="str"),
        "certificate_name": pd.Series(["电工", "电工", "电工"], dtype="str"),
        "exam_date": pd.Series(["2024-06-20", "2024-06-20", "2024-06-20"], dtype="str"),
        "score": pd.Series(["80", "70", "60"], dtype="str"),
    })
    checked = validate(con, CERTS, raw, np.array([2, 3, 4]), {c: c for c in raw.columns}, today=dt.date(2025, 1, 1))
    assert sorted((e.code, e.row) for e in checked.errors) == [("duplicate-key", 2), ("duplicate-key", 3)]
    assert checked.rows["student_id"].tolist() == ["002"]


@pytest.mark.parametrize("unique", [False, True])
@pytest.mark.parametrize(
    ("given", "orphans"),
    [
        (["s1", "s2"], None),  # every ID is on the roster: no warning
        (["s1", "x2", "x1"], (2, 2, "x1、x2")),  # 2 unknown IDs in 2 rows, examples in order
        # 7 unknown IDs in 7 rows; the first 5 quoted, "…" for the rest
        (["x7", "x6", "x5", "x4", "x3", "x2", "x1", "s1"], (7, 7, "x1、x2、x3、x4、x5…")),
    ],
)
def test_unknown_ids_are_counted_alike_with_or_without_knowing_they_do_not_repeat(con, unique, given, orphans):
    from analytics.ingest.validate import _resolve_references

    con.execute("INSERT INTO students (student_id, school_id) VALUES ('s1', 'S'), ('s2', 'S')")
    rows = pd.DataFrame({"student_id": pd.Series(given, dtype="str")})
    out, issues = _resolve_references(con, rows, STUDENT_ID, "学号", unique=unique)
    assert out["student_id"].tolist() == given
    found = [(i.params["count"], i.params["rows"], i.params["examples"]) for i in issues if i.code == "orphan-reference"]
    assert found == ([orphans] if orphans else [])


def test_one_join_counts_new_changed_and_unchanged_rows(con, tmp_path):
    from analytics.ingest.pipeline import import_file
    from tests.filebuilders import write_csv

    head = ["学号", "证书名称", "考试日期", "是否通过", "成绩"]
    first = write_csv(tmp_path / "a.csv", [head, ["1", "电工", "2024-06-20", "是", "80"],
                                          ["2", "电工", "2024-06-20", "是", "70"]])
    (a,) = import_file(con, first)
    assert a.status == "loaded"
    assert (a.inserted, a.updated, a.unchanged) == (2, 0, 0)  # an empty table: every row new
    second = write_csv(tmp_path / "b.csv", [head, ["1", "电工", "2024-06-20", "是", "80"],
                                           ["2", "电工", "2024-06-20", "是", "75"], ["3", "电工", "2024-06-20", "是", "60"],
                                           ["4", "电工", "2024-06-20", "否", "50"]])
    (b,) = import_file(con, second)
    # student 1 as before (unchanged), student 2's score changed (updated), 3 and 4 new: 2 + 1 + 1 = 4 rows read
    assert (b.inserted, b.updated, b.unchanged) == (2, 1, 1)
    assert con.execute("SELECT student_id, score FROM certificate_exams ORDER BY student_id").fetchall() == [
        ("1", 80.0), ("2", 75.0), ("3", 60.0), ("4", 50.0)]
