"""calamine's rows become columns of text the same way whether the grid is dense (the
``itemgetter`` path) or ragged (``zip_longest``, short rows padded with blanks)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.ingest import read


@pytest.mark.parametrize("rows, columns", [
    ([], []),
    ([["学号", "成绩"], ["001", 80.0], [" ", 92.5]], [["学号", "001", None], ["成绩", "80", "92.5"]]),
    ([["学号", "成绩", "日期"], ["001"], ["002", 1.0, dt.datetime(2024, 6, 20)]],
     [["学号", "001", "002"], ["成绩", None, "1"], ["日期", None, "2024-06-20"]]),
    ([["a"], ["b", True]], [["a", "b"], [None, "TRUE"]]),
], ids=["empty", "dense", "ragged", "ragged, short first row"])
def test_rows_become_columns_of_text(rows, columns):
    assert [column.to_pylist() for column in read._text_columns(rows)] == columns
