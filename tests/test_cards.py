"""Report cards: one per school of a county, compared with that county's schools only, written
as HTML and Excel with a progress call per school; the CLI draws a progress bar."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from analytics import db
from analytics.cli import main
from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.report.cards import write_cards
from engine_fixtures import store_address
from tests.metric_fixtures import insert

# The same cards from a DuckDB file and from PostgreSQL (conftest.engine).
BOTH_ENGINES = True

NOW = dt.datetime(2025, 9, 10, 9, 0)


def _store(path: str) -> None:
    """East county: A (6 of 10 exams passed) and B (9 of 10); West county: C (乙地学校, 1 of 10)."""
    con = db.connect(path)
    insert(con, "schools", ["school_id", "school_name", "county", "region"],
           [("A", "东一校", "东县", "某市"), ("B", "东二校", "东县", "某市"), ("C", "乙地学校", "西县", "某市")])
    students, exams = [], []
    for school, passed in (("A", 6), ("B", 9), ("C", 1)):
        for i in range(10):
            students.append((f"{school}{i}", school, "数控", 2022, 2025))
            exams.append((f"{school}{i}", "电工", dt.date(2024, 6, 20), i < passed))
    insert(con, "students", ["student_id", "school_id", "major", "cohort_year", "graduation_year"], students)
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], exams)
    con.close()


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = store_address(tmp_path)
    _store(path)
    return path


def test_a_card_per_school_of_the_county(store: str, tmp_path: Path) -> None:
    con = db.connect(store)
    calls = []
    paths = write_cards(con, Settings(small_n=1), tmp_path / "out", "zh", counties=["东县"], now=NOW,
                        progress=lambda i, n, school: calls.append((i, n, school.school_id)))
    assert [p.name for p in paths] == ["A_东一校.html", "A_东一校.xlsx", "B_东二校.html", "B_东二校.xlsx"]
    assert calls == [(1, 2, "A"), (2, 2, "B")]
    html = paths[0].read_text(encoding="utf-8")
    # A: 6/10 = 60.0%; the county's reference (A and B): 15/20 = 75.0%; C is in no figure.
    assert "学校报告卡：东一校" in html and "60.0%" in html and "75.0%" in html
    assert "乙地学校" not in html
    book = openpyxl.load_workbook(io.BytesIO(paths[1].read_bytes()))
    sheet = book[book.sheetnames[0]] if "横向比较" not in book.sheetnames else book["横向比较"]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert pytest.approx(0.6) in values and pytest.approx(0.75) in values


def test_cards_for_an_unknown_county_are_refused(store: str, tmp_path: Path) -> None:
    with pytest.raises(AnalyticsError) as info:
        write_cards(db.connect(store), Settings(), tmp_path / "out", "en", counties=["无此县"])
    assert info.value.code == "card-no-schools" and "无此县" in info.value.message("en")


def test_cli_writes_the_cards_with_a_progress_bar(store: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cards"
    assert main(["cards", "--db", str(store), "--out", str(out), "--region", "某市", "--format", "html",
                 "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["A_东一校.html", "B_东二校.html", "C_乙地学校.html"]
    assert "[########################] 3/3 乙地学校" in captured.err
    assert "3 report cards written" in captured.out
