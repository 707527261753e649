"""Totals, notes and section headings are searched only in lead cells holding a character
other than a digit: every pattern needs a word, a colon or a separator, so an ID column is
skipped without changing a single answer (compared here with searching every cell)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analytics.ingest import read

LEADS = [
    "2024001", "０１２３", "²³", "৩৪", " 2024001 ", "", None, "合计", "合  计", "3月小计", "本页合计：", "Total",
    "grand total", "平均分", "均值", "制表人：张三", "审核（签字）：", "Note: x", "2024年3月", "2024-03", "2024/3",
    "第5周", "三月", "十二月份", "2023-2024学年第二学期", "春季学期", "上半年", "2024年春", "【2024年3月】",
    "张三", "20240001合计", "1月", "12", "2024.03", "小计2", "Mean",
]
PATTERNS = [(read._TOTAL_RE.pattern, True), (read._NOTE_RE.pattern, True), (read._SECTION_RE.pattern, False)]


@pytest.mark.parametrize("pattern, ignore_case", PATTERNS, ids=["total", "note", "section"])
def test_searching_only_worded_cells_finds_what_searching_all_finds(pattern, ignore_case):
    lead = pa.chunked_array([LEADS[:10], LEADS[10:]], type=pa.string())
    everywhere = pc.fill_null(pc.match_substring_regex(lead, pattern, ignore_case=ignore_case), False)
    worded = ~pc.fill_null(pc.utf8_is_digit(lead), True).to_numpy(zero_copy_only=False)
    got = read._matching(lead, np.flatnonzero(worded), pattern, ignore_case=ignore_case)
    assert got.tolist() == everywhere.to_numpy(zero_copy_only=False).tolist()


def test_the_rows_by_hand():
    # an ID column with a total, a note and a blank row: rows 2..7 of the sheet
    data = pa.table({"学号": ["2024001", "2024002", "合计", None, "2024003", "制表人：李四"],
                     "成绩": ["80", "90", "170", None, "70", None]})
    keep, dropped, sections = read._data_rows(data, 2)
    assert keep.tolist() == [True, True, False, False, True, False]
    assert dropped["total-rows-dropped"] == [4] and dropped["blank-rows-dropped"] == [5]
    assert dropped["footer-rows-dropped"] == [7] and sections is None


def test_nothing_to_search():
    lead = pa.chunked_array([["1", "2"]])
    assert read._matching(lead, np.array([], dtype=np.int64), read._TOTAL_RE.pattern).tolist() == [False, False]
