"""Data quality per table (analytics.quality), worked out by hand on a tiny database."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import db
from analytics.quality import table_quality
from tests.metric_fixtures import make_db

# The same expectations on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True


def _none(value: object) -> object:
    """Missing values of a frame (NaN) as None, for exact comparisons."""
    return None if pd.isna(value) else value


@pytest.fixture
def con():
    c = make_db()
    c.execute("INSERT INTO schools (school_id, school_name) VALUES ('S1', '一中')")
    # 3 students: one points to school S9, which is not loaded (orphan); one has no major
    c.execute("""INSERT INTO students (student_id, school_id, major, cohort_year) VALUES
                 ('1', 'S1', 'CNC', 2021), ('2', 'S9', 'CNC', 2022), ('3', 'S1', NULL, 2024)""")
    c.execute("""INSERT INTO certificate_exams (student_id, certificate_name, exam_date, passed) VALUES
                 ('1', 'CNC-4', DATE '2023-06-01', TRUE), ('4', 'CNC-4', DATE '2024-06-01', FALSE)""")
    return c


@pytest.mark.parametrize(
    ("table", "rows", "year_min", "year_max", "orphans", "orphan_columns"),
    [
        ("schools", 1, None, None, 0, []),
        ("students", 3, 2021, 2024, 1, ["school_id"]),  # S9 is no known school
        ("certificate_exams", 2, 2023, 2024, 1, ["student_id"]),  # student 4 is not on the roster
        ("funding", 0, None, None, 0, []),
    ],
)
def test_rows_years_orphans(con, table, rows, year_min, year_max, orphans, orphan_columns) -> None:
    q = table_quality(con).set_index("table").loc[table]
    assert (q["rows"], _none(q["year_min"]), _none(q["year_max"]), q["orphans"], list(q["orphan_columns"])) == (
        rows, year_min, year_max, orphans, orphan_columns)


def test_missing_share(con) -> None:
    q = table_quality(con).set_index("table")
    # schools: value columns school_name, region, county; 1 row -> 3 cells, region and county
    # empty -> 2/3
    assert q.loc["schools", "missing_share"] == pytest.approx(2 / 3)
    # certificate_exams: value columns certificate_level, passed, score, theory_score,
    # practical_score -> 10 cells; all but passed empty in both rows -> 8/10
    assert q.loc["certificate_exams", "missing_share"] == pytest.approx(8 / 10)
    assert _none(q.loc["funding", "missing_share"]) is None  # no rows, no cells
