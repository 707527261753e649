"""Small-cell and complementary suppression: hand-worked tables, random tables, the aggregate export.

``derivable`` is an independent check of the guarantee: the published cells of a table
with totals satisfy one linear equation per row and per column (cells sum to the total);
a suppressed cell can be recovered from published numbers exactly when its column in the
equations restricted to the suppressed cells is *not* a combination of the other
suppressed cells' columns (then every solution has the same value there).
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from analytics.config import Settings
from analytics.filters import Filters
from analytics.privacy import SUPPRESSED, aggregate_export_bytes, aggregate_tables, suppression_mask, with_totals
from tests.metric_fixtures import insert, make_db

# The same tables on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True


def equations(shape: tuple[int, int]) -> np.ndarray:
    """One row per additive relation of a table with totals (last row/column): cells − total = 0."""
    n_rows, n_cols = shape
    eqs = []
    for i in range(n_rows):
        eq = np.zeros(shape)
        eq[i, :-1], eq[i, -1] = 1, -1
        eqs.append(eq.ravel())
    for j in range(n_cols):
        eq = np.zeros(shape)
        eq[:-1, j], eq[-1, j] = 1, -1
        eqs.append(eq.ravel())
    return np.array(eqs)


def derivable(mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells whose value follows from the published ones."""
    a = equations(mask.shape)[:, mask.ravel()]
    cells = [tuple(map(int, c)) for c in zip(*np.nonzero(mask), strict=True)]
    if not cells:
        return []
    full = np.linalg.matrix_rank(a)
    return [c for k, c in enumerate(cells) if np.linalg.matrix_rank(np.delete(a, k, axis=1)) < full]


def single_line_leaks(mask: np.ndarray) -> list[tuple[str, int]]:
    """Rows/columns (cells and their total) with exactly one suppressed cell: subtraction reveals it."""
    rows = [("row", i) for i in range(mask.shape[0]) if mask[i].sum() == 1]
    return rows + [("column", j) for j in range(mask.shape[1]) if mask[:, j].sum() == 1]


@pytest.mark.one_engine
def test_with_totals():
    # Row totals 20+5=25, 30+40=70; column totals 50, 45; grand total 95.
    assert with_totals(np.array([[20, 5], [30, 40]])).tolist() == [[20, 5, 25], [30, 40, 70], [50, 45, 95]]


@pytest.mark.one_engine
def test_checker_catches_primary_only_suppression():
    # The checker itself can fail: hiding only the 5 leaves it as 25 − 20.
    extended = with_totals(np.array([[20, 5], [30, 40]]))
    primary = (extended > 0) & (extended < 10)
    assert derivable(primary) == [(0, 1)]
    assert single_line_leaks(primary) == [("row", 0), ("column", 1)]


@pytest.mark.one_engine
@pytest.mark.parametrize(
    "counts, threshold, expected",
    [
        # Nothing small: nothing hidden.
        ([[20, 15], [30, 40]], 10, [[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
        # The 5 needs a cycle through row 0 and column 1 avoiding totals: 20, 30, 40 (cost 90)
        # is the only one without a total, so all four inner cells go.
        ([[20, 5], [30, 40]], 10, [[1, 1, 0], [1, 1, 0], [0, 0, 0]]),
        # Zeros are never primary and cost more than any non-zero cell as complements.
        # Cycles through the 3: 12 → 50 → 11 costs 73, 12 → 60 → 40 costs 112: the first.
        ([[12, 3, 0], [50, 11, 70], [60, 40, 80]], 10,
         [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
        # One year only: a small cell equals its row total, which must go with it, and a
        # second row (the cheapest, 15) closes the cycle with its total.
        ([[4], [15], [30]], 10, [[1, 1], [1, 1], [0, 0], [0, 0]]),
        # A small grand total: everything (it is all one small group).
        ([[2, 1], [3, 0]], 10, [[1, 1, 1], [1, 0, 1], [1, 1, 1]]),
    ],
)
def test_hand_worked_patterns(counts, threshold, expected):
    mask = suppression_mask(with_totals(np.array(counts)), threshold)
    assert mask.astype(int).tolist() == expected
    assert derivable(mask) == []


def _random_counts(rng: np.random.Generator) -> np.ndarray:
    shape = (int(rng.integers(1, 7)), int(rng.integers(1, 6)))
    kind = rng.integers(3)
    if kind == 0:  # mostly small groups
        return rng.integers(0, 15, size=shape)
    if kind == 1:  # mostly large, a few small
        counts = rng.integers(10, 80, size=shape)
        small = rng.random(shape) < 0.2
        return np.where(small, rng.integers(0, 10, size=shape), counts)
    return rng.poisson(rng.uniform(2, 30), size=shape)  # anything, zeros included


@pytest.mark.one_engine
@pytest.mark.parametrize("seed", range(200))
def test_random_tables_no_suppressed_cell_recoverable(seed):
    rng = np.random.default_rng(seed)
    counts = _random_counts(rng)
    threshold = int(rng.choice([3, 5, 10]))
    extended = with_totals(counts)
    mask = suppression_mask(extended, threshold)
    # Every small non-zero cell (totals included) is hidden; zeros are never primary.
    assert mask[(extended > 0) & (extended < threshold)].all()
    # No row or column (with its total) has exactly one hidden cell ...
    assert single_line_leaks(mask) == []
    # ... and no combination of rows and columns pins down a hidden cell either.
    assert derivable(mask) == []


def _fixture_db():
    con = make_db()
    # Students: major A has 12 graduates of 2024 and 3 of 2025; major B 20 of 2024, 15 of 2025.
    students = []
    for major, year, n in (("A", 2024, 12), ("A", 2025, 3), ("B", 2024, 20), ("B", 2025, 15)):
        students += [(f"{major}{year}{k:02d}", major, year) for k in range(n)]
    insert(con, "students", ("student_id", "major", "graduation_year"), students)
    # Exams in 2024: A sits 12 (passes 9), B sits 4 (passes 2); in 2025: A 15 (10), B 20 (18).
    exams = []
    for major, year, sat, passed in (("A", 2024, 12, 9), ("B", 2024, 4, 2), ("A", 2025, 15, 10), ("B", 2025, 20, 18)):
        pool = [s for s in students if s[1] == major]
        for k in range(sat):
            exams.append((pool[k % len(pool)][0], f"cert{k}", f"{year}-06-15", k < passed))
    insert(con, "certificate_exams", ("student_id", "certificate_name", "exam_date", "passed"), exams)
    # Employment: every graduate surveyed on 31 August; the first 2 of each group unemployed.
    rows = []
    for sid, major, year in students:
        rows.append((sid, f"{year}-08-31", year, "unemployed" if int(sid[-2:]) < 2 else "employed"))
    insert(con, "employment", ("student_id", "survey_date", "graduation_year", "status"), rows)
    return con


def test_aggregate_tables_by_hand():
    tables = aggregate_tables(_fixture_db(), Filters(), Settings(small_n=10), "en")
    sat = tables["certificate_exams_sat"].set_index("Major")
    passed = tables["certificate_exams_passed"].set_index("Major")
    # Exams sat: [[A 12, 15 | 27], [B 4, 20 | 24], [16, 35 | 51]]. B-2024 (4) is small;
    # the cheapest cycle avoiding totals is 12, 15, 20: all four inner cells hidden.
    assert sat.to_dict("index") == {
        "A": {"2024": "c", "2025": "c", "Total": 27},
        "B": {"2024": "c", "2025": "c", "Total": 24},
        "Total": {"2024": 16, "2025": 35, "Total": 51},
    }
    # Passed uses the same pattern: A 9+10=19, B 2+18=20, columns 11, 28, total 39.
    assert passed.to_dict("index") == {
        "A": {"2024": "c", "2025": "c", "Total": 19},
        "B": {"2024": "c", "2025": "c", "Total": 20},
        "Total": {"2024": 11, "2025": 28, "Total": 39},
    }
    known = tables["graduates_known_status"].set_index("Major")
    placed = tables["graduates_placed"].set_index("Major")
    # Graduates: [[A 12, 3 | 15], [B 20, 15 | 35], [32, 18 | 50]]: A-2025 (3) small, same cycle.
    assert known.to_dict("index") == {
        "A": {"2024": "c", "2025": "c", "Total": 15},
        "B": {"2024": "c", "2025": "c", "Total": 35},
        "Total": {"2024": 32, "2025": 18, "Total": 50},
    }
    # Placed = graduates − 2 per group: A 10, 1 | 11; B 18, 13 | 31; 28, 14 | 42.
    assert placed.loc["Total"].tolist() == [28, 14, 42]
    assert placed.loc["A", "Total"] == 11 and placed.loc["B", "Total"] == 31


def test_aggregate_csv_has_c_and_footnote_parquet_is_text():
    con = _fixture_db()
    data = aggregate_export_bytes(con, Filters(), "csv", settings=Settings(small_n=10), lang="zh")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == [
            "METHODS.md", "README.txt", "certificate_exams_passed.csv", "certificate_exams_passed_by_dual.csv",
            "certificate_exams_sat.csv", "certificate_exams_sat_by_dual.csv", "graduates_known_status.csv",
            "graduates_known_status_by_dual.csv", "graduates_placed.csv", "graduates_placed_by_dual.csv",
        ]
        text = zf.read("certificate_exams_sat.csv").decode("utf-8-sig")
        readme = zf.read("README.txt").decode("utf-8-sig")
    assert text.splitlines()[1] == "A,c,c,27"
    assert "c = 已隐去" in text and "少于 10" in text
    assert "c = 已隐去" in readme
    parquet = aggregate_export_bytes(con, Filters(), "parquet", settings=Settings(small_n=10), lang="en")
    with zipfile.ZipFile(io.BytesIO(parquet)) as zf:
        frame = pd.read_parquet(io.BytesIO(zf.read("graduates_known_status.parquet")))
    assert frame.iloc[0].tolist() == ["A", SUPPRESSED, SUPPRESSED, "15"]


def test_aggregate_row_labels_escaped():
    con = _fixture_db()
    con.execute("UPDATE students SET major = '=cmd()' WHERE major = 'A'")
    data = aggregate_export_bytes(con, Filters(), "csv", settings=Settings(small_n=10), lang="en")
    text = zipfile.ZipFile(io.BytesIO(data)).read("graduates_placed.csv").decode("utf-8-sig")
    assert "'=cmd()" in text.splitlines()[1:3][0] + text.splitlines()[1:3][1]
    assert not any(line.startswith("=") for line in text.splitlines())


def test_empty_database_exports_empty_tables():
    tables = aggregate_tables(make_db(), Filters(), Settings(), "en")
    measures = ("certificate_exams_sat", "certificate_exams_passed", "graduates_known_status", "graduates_placed")
    assert {n: f.values.tolist() for n, f in tables.items()} == {
        **{n: [["Total", 0]] for n in measures}, **{f"{n}_by_dual": [["Total", "All", 0]] for n in measures}
    }
