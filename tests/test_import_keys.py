"""The duplicate-key check of validation (``validate._has_duplicate_keys``): the one-column
shortcut (a key part that never repeats) gives the answer the GROUP BY over the whole key gives."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from analytics import schema
from analytics.ingest.validate import _has_duplicate_keys

D1, D2 = dt.date(2024, 6, 1), dt.date(2024, 12, 1)


@pytest.mark.parametrize(
    ("students", "certificates", "dates", "expected"),
    [
        (["s1", "s2", "s3"], ["电工", "电工", "电工"], [D1, D1, D1], False),  # the student ID never repeats
        (["s1", "s1", "s2"], ["电工", "电工", "电工"], [D1, D2, D1], False),  # s1 twice, on two dates
        (["s1", "s1", "s2"], ["电工", "电工", "电工"], [D1, D1, D1], True),  # s1, 电工, D1 twice
        ([None, None, "s2"], ["电工", "电工", "电工"], [D1, D1, D1], True),  # two blank IDs group together
        ([None, "s1", "s2"], ["电工", "电工", "电工"], [D1, D1, D1], False),  # one blank ID is no repeat
    ],
)
def test_duplicate_keys_with_and_without_a_unique_key_part(students, certificates, dates, expected):
    rows = pd.DataFrame({"student_id": pd.Series(students, dtype=object), "certificate_name": certificates,
                         "exam_date": pd.Series(dates, dtype=object)})
    assert _has_duplicate_keys(duckdb.connect(), rows, schema.table("certificate_exams")) is expected


@pytest.fixture
def roster(tmp_path):
    """A store whose roster has s1 (ID card 110101200801011234) and s2 (no ID card)."""
    from analytics import db

    con = db.connect(str(tmp_path / "store.duckdb"))
    con.execute("INSERT INTO students (student_id, id_card) VALUES ('s1', '110101200801011234'), ('s2', NULL)")
    yield con
    con.close()


@pytest.mark.parametrize(
    ("id_cards", "given", "expected", "resolved"),
    [
        (True, ["110101200801011234", "s2", "x9"], ["s1", "s2", "x9"], 1),  # the ID card is s1's
        (True, ["11010120080101123X"], ["11010120080101123X"], 0),  # nobody's
        (False, ["110101200801011234", "s2"], ["110101200801011234", "s2"], 0),  # no ID card on the roster
    ],
)
def test_id_card_numbers_become_student_ids_only_when_the_roster_has_them(roster, id_cards, given, expected,
                                                                           resolved):
    from analytics.ingest.validate import _resolve_alternate_keys

    if not id_cards:
        roster.execute("UPDATE students SET id_card = NULL")
    rows = pd.DataFrame({"student_id": pd.Series(given, dtype=object)})
    out, issues = _resolve_alternate_keys(roster, rows, schema.table("certificate_exams").column("student_id"), "学号")
    assert out["student_id"].tolist() == expected
    assert [(i.code, i.params["count"]) for i in issues] == ([("id-card-resolved", resolved)] if resolved else [])


@pytest.mark.parametrize(
    ("given", "orphans"),
    [
        (["s1", "s2", "s1"], None),  # every ID is on the roster: no warning
        (["s1", "x2", "x1", "x2"], (2, 3, "x1、x2")),  # 2 unknown IDs in 3 rows, examples in order
        # 7 unknown IDs in 8 rows (x7 twice); the first 5 quoted, "…" for the rest
        (["x7", "x6", "x5", "x4", "x3", "x2", "x1", "x7", "s1"], (7, 8, "x1、x2、x3、x4、x5…")),
    ],
)
def test_unknown_student_ids_are_counted_with_examples(roster, given, orphans):
    from analytics.ingest.validate import _resolve_references

    rows = pd.DataFrame({"student_id": pd.Series(given, dtype=object)})
    out, issues = _resolve_references(roster, rows, schema.table("certificate_exams").column("student_id"), "学号")
    assert out["student_id"].tolist() == given
    found = [(i.params["count"], i.params["rows"], i.params["examples"]) for i in issues if i.code == "orphan-reference"]
    assert found == ([orphans] if orphans else [])
