"""The PostgreSQL import benchmark's pieces (benchmarks/bench_pg_import.py): its files and its
table. The figures themselves are measured by running it, not asserted here."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks import bench_pg_import as b


def test_importers_files_hold_their_own_students(tmp_path: Path) -> None:
    first = b.write_file(tmp_path / "a.csv", 3, first=0, seed=11)
    second = b.write_file(tmp_path / "b.csv", 3, first=3, seed=12)
    ids = [[row[0] for row in list(csv.reader(p.open(encoding="utf-8")))[1:]] for p in (first, second)]
    assert ids == [["0202100000", "0202100001", "0202100002"], ["0202100003", "0202100004", "0202100005"]]


def test_rosters_are_of_one_school_each(tmp_path: Path) -> None:
    path = b.write_roster(tmp_path / "r.csv", 3, "SCH1", first=5)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == b.ROSTER
    # students 5, 6, 7 of school SCH1; k = 0, 1, 2: 女/男/女, cohort 2021 + k % 3
    assert [(r[0], r[2], r[3], r[6]) for r in rows[1:]] == [
        ("0202100005", "女", "SCH1", "2021"), ("0202100006", "男", "SCH1", "2022"), ("0202100007", "女", "SCH1", "2023")]


def test_table_gives_min_median_and_rows_per_second() -> None:
    text = b.table(100_000, {"DuckDB file": [4.0, 2.0, 3.0], "PostgreSQL": [5.0, 4.0, 6.0]},
                   {("students", 1): [2.5, 2.0, 3.0], ("certificate_exams", 4): [10.0, 8.0, 9.0]})
    # DuckDB: min 2, median 3 -> 100,000 / 3 = 33,333 rows/s; PostgreSQL median 5 -> 20,000.
    assert "| DuckDB file | 3 | 2.00 | 3.00 | 33,333 |" in text
    assert "| PostgreSQL | 3 | 4.00 | 5.00 | 20,000 |" in text
    # 1 importer of 25,000 rows, median 2.5 s -> 10,000/s; 4 of them (100,000), median 9 s -> 11,111/s
    assert "| rosters (one school each) | 1 | 25,000 | 3 | 2.00 | 2.50 | 10,000 |" in text
    assert "| exam results (no school) | 4 | 100,000 | 3 | 8.00 | 9.00 | 11,111 |" in text


# -- bench_pg_read: metrics and pages on PostgreSQL beside DuckDB -------------------------------------

def test_read_table_gives_min_median_and_the_ratio_of_medians() -> None:
    from benchmarks import bench_pg_read as r

    data = {100_000: {
        "metrics": {"DuckDB": {"first": (0.5, 0.6), "second": (0.2, 0.3)},
                    "PostgreSQL": {"first": (2.0, 3.0), "second": (1.5, 1.5)}},
        "dashboard.py": {"DuckDB": {"cold": (1.0, 1.5), "warm": (0.1, 0.2), "errors": []},
                         "PostgreSQL": {"cold": (3.0, 4.5), "warm": (0.1, 0.1), "errors": ["boom"]}},
    }}
    text = r.table(data, 3)
    # ratios of medians: 3.0 / 0.6 = 5.0; 1.5 / 0.3 = 5.0; 4.5 / 1.5 = 3.0; 0.1 / 0.2 = 0.5
    assert "| 100,000 | `metrics --json`, first run | 0.50 / 0.60 | 2.00 / 3.00 | 5.0× |" in text
    assert "| 100,000 | `metrics --json`, second run | 0.20 / 0.30 | 1.50 / 1.50 | 5.0× |" in text
    assert "| 100,000 | `dashboard.py` cold | 1.00 / 1.50 | 3.00 / 4.50 | 3.0× |" in text
    assert "| 100,000 | `dashboard.py` warm | 0.10 / 0.20 | 0.10 / 0.10 | 0.5× |" in text
    assert "- 100,000 `dashboard.py` on PostgreSQL: boom" in text
    assert "×3" in text


def test_python_m_benchmarks_skips_postgresql_without_its_dsn(monkeypatch) -> None:
    from benchmarks import bench_pg_read as r

    monkeypatch.delenv("DUAL_MENTOR_BENCH_PG", raising=False)
    assert r.section(quick=True, reps=3) == (
        "PostgreSQL beside DuckDB (`benchmarks.bench_pg_read`): skipped, DUAL_MENTOR_BENCH_PG not set.")


def test_the_app_role_reads_the_copy_in_its_own_schema() -> None:
    from benchmarks import bench_pg_read as r

    assert r.app_address("postgresql://postgres@/dual_mentor_bench?host=/tmp&port=54399", "demo_100000") == (
        "postgresql://dual_mentor_app@/dual_mentor_bench?host=/tmp&port=54399&options=-csearch_path%3Ddemo_100000")
    assert r.app_address("postgresql://admin:pw@db.example:5432/bureau", "demo_1000000") == (
        "postgresql://dual_mentor_app@db.example:5432/bureau?options=-csearch_path%3Ddemo_1000000")
