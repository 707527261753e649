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
