"""A mentor activity log kept by hand, as a school office types it: a title above the header,
dates in four spellings, the log's own words for its activities, hours in Chinese numerals, a
blank spacer row, a totals row and a signature line under the data."""

from __future__ import annotations

import pytest

from analytics import db
from analytics.ingest import normalize
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv


@pytest.mark.parametrize(("written", "expected"), [
    ("两", 2.0), ("两小时", 2.0), ("两个小时", 2.0),
    ("半小时", 0.5), ("一个半小时", 1.5),  # half an hour; one and a half
    ("十二次", 12.0), ("二十五", 25.0),  # 十 alone is ten: 十二 = 10 + 2, 二十五 = 2 × 10 + 5
    ("一百零五", 105.0), ("一千零一", 1001.0),  # 零 marks the skipped place
    ("十二万", 120_000.0),  # 12 × the multiplier 万
    ("八十五分", 85.0),  # a score: 8 × 10 + 5 points
    ("半天", None), ("二三", None), ("十十", None), ("一般", None), ("十分满意", None),  # no numbers
])
def test_chinese_numerals(written: str, expected: float | None) -> None:
    assert normalize.parse_number(written) == expected


def test_a_hand_kept_activity_log_loads(tmp_path) -> None:
    con = db.connect(":memory:")
    rows = [
        ["2024学年第一学期 导师活动登记表"],
        ["导师姓名", "导师编号", "日期", "活动内容", "时长（小时）", "备注"],
        ["李娜", "JS1001", "2024.9.3", "企业走访", "2", ""],  # spreadsheet row 3
        ["陆飞辉", "JS1002", "2024年9月5日", "师徒结对", "一个半小时", ""],
        ["", "", "", "", "", ""],
        ["刘瑶妍", "JS1003", "45545", "技能指导", "两小时", "Excel 的日期序列号"],  # 45545 = 2024-09-10
        ["合计", "", "", "", "5.5", ""],
        ["填表人：王老师  审核：张主任"],
    ]
    (r,) = import_file(con, write_csv(tmp_path / "导师活动记录.csv", rows))
    assert (r.status, r.table, r.inserted, r.rejected) == ("loaded", "mentor_activities", 3, 0)
    assert con.execute("SELECT mentor_id, CAST(activity_date AS VARCHAR), activity_type, hours "
                       "FROM mentor_activities ORDER BY 1").fetchall() == [
        ("JS1001", "2024-09-03", "enterprise_visit", 2.0),
        ("JS1002", "2024-09-05", "student_meeting", 1.5),
        ("JS1003", "2024-09-10", "school_teaching", 2.0),
    ]
    # the totals row (5.5 = 2 + 1.5 + 2) is dropped, not loaded as an activity
    assert "total-rows-dropped" in [w.code for w in r.warnings]
    con.close()
