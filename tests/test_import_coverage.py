"""Coverage tells the truth: a destination row rejected at import is a graduate with unknown
status until it is fixed, so the initial employment rate's coverage stays below 100%."""

from __future__ import annotations

import pytest

from analytics import db
from analytics.config import Settings
from analytics.filters import Filters
from analytics.ingest.load import undo_batch
from analytics.ingest.pipeline import import_file
from analytics.metrics.employment import initial_employment_rate
from tests.filebuilders import write_csv

HEADER = ["学号", "姓名", "毕业年份", "毕业去向", "月收入"]


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


def rates(con) -> tuple[tuple[int, int], tuple[int, int]]:
    r = initial_employment_rate(con, Filters(), Settings())
    return (r.rate.numerator, r.rate.denominator), (r.coverage.numerator, r.coverage.denominator)


def test_a_rejected_destination_row_is_a_graduate_with_unknown_status_until_fixed(con, tmp_path):
    # No roster: the graduates are those the destination file names. Row 4's status is unreadable.
    rows = [HEADER, ["G1", "甲", "2024", "已就业", "4000"], ["G2", "乙", "2024", "待就业", ""],
            ["G3", "丙", "2024", "见附件", ""]]
    (r,) = import_file(con, write_csv(tmp_path / "去向.csv", rows))
    assert (r.inserted, r.rejected) == (2, 1)
    # placed 1 of 2 known; coverage: 2 known of 3 graduates (G3 counts, with unknown status)
    assert rates(con) == ((1, 2), (2, 3))
    fixed = [HEADER, ["G3", "丙", "2024", "升学", ""]]
    (r,) = import_file(con, write_csv(tmp_path / "补报.csv", fixed))
    assert r.inserted == 1
    assert rates(con) == ((2, 3), (3, 3))


def test_undoing_the_batch_takes_its_rejected_graduates_with_it(con, tmp_path):
    rows = [HEADER, ["G1", "甲", "2024", "已就业", "4000"], ["G2", "乙", "2024", "见附件", ""]]
    (r,) = import_file(con, write_csv(tmp_path / "去向.csv", rows))
    assert rates(con) == ((1, 1), (1, 2))
    undo_batch(con, r.batch_id)
    assert rates(con) == ((0, 0), (0, 0))


def test_a_rejected_row_of_a_rostered_graduate_is_not_counted_twice(con, tmp_path):
    roster = [["学号", "姓名", "入学年份", "毕业年份"], ["G1", "甲", "2021", "2024"], ["G2", "乙", "2021", "2024"]]
    import_file(con, write_csv(tmp_path / "名单.csv", roster))
    rows = [HEADER, ["G1", "甲", "2024", "已就业", "4000"], ["G2", "乙", "2024", "见附件", ""]]
    import_file(con, write_csv(tmp_path / "去向.csv", rows))
    # the roster says 2 graduates; G2 is one of them, with unknown status
    assert rates(con) == ((1, 1), (1, 2))


def test_a_rejected_row_fixed_with_a_later_survey_counts_the_fixed_survey_only(con, tmp_path):
    # G2's row of a 1 September survey is rejected; the fix comes as a survey of 15 December.
    # The rejected row must not stay pending beside it: as G2's first survey after graduation,
    # with no status, it would make G2's status unknown again.
    header = [*HEADER, "调查日期"]
    rows = [header, ["G1", "甲", "2024", "已就业", "4000", "2024-09-01"],
            ["G2", "乙", "2024", "见附件", "", "2024-09-01"]]
    import_file(con, write_csv(tmp_path / "去向.csv", rows))
    assert rates(con) == ((1, 1), (1, 2))
    import_file(con, write_csv(tmp_path / "补报.csv", [header, ["G2", "乙", "2024", "已就业", "3000", "2024-12-15"]]))
    # placed 2 of 2 known; coverage 2 known of 2 graduates
    assert rates(con) == ((2, 2), (2, 2))
