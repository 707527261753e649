"""ID-card numbers as certificate platforms and hand-kept sheets really write them: the forms that
name the roster's student link to it, and the forms that cannot name anyone are refused with a
reason instead of being stored as a student nobody has.

The roster holds 2301 (ID_A) and 2302 (ID_B); each case imports a two-row 1+X result file whose
first row carries ID_A as written below, the second ID_B plainly."""

from __future__ import annotations

import pytest

from analytics import db
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv, write_xlsx

ID_A, ID_B = "11010120080101003X", "110101200802020028"  # example numbers, no real person's
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.fixture
def con(tmp_path):
    connection = db.connect(":memory:")
    roster = write_xlsx(tmp_path / "名单.xlsx", {"23级": [
        ["学号", "姓名", "身份证号", "班级", "是否双导师"],
        ["2301", "张三", ID_A, "数控2301", "是"],
        ["2302", "李四", ID_B, "数控2301", "否"],
    ]}, text_cells=True)
    import_file(connection, roster)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("written", "stored", "error"),
    [
        (ID_A, ["2301", "2302"], None),
        (ID_A.lower(), ["2301", "2302"], None),  # a lower-case check letter
        (ID_A.translate(FULL_WIDTH), ["2301", "2302"], None),  # full-width digits (NFKC)
        ("110101 20080101 003X", ["2301", "2302"], None),  # grouped for reading
        ("'" + ID_A, ["2301", "2302"], None),  # Excel's text marker, kept by the export
        ("`" + ID_A, ["2301", "2302"], None),
        ("\u2018" + ID_A, ["2301", "2302"], None),  # the marker as a typographic quote
        (ID_A[:6] + "\u200b" + ID_A[6:], ["2301", "2302"], None),  # a zero-width space inside
        ("\u202e" + ID_A, ["2301", "2302"], None),  # a right-to-left override (looks reversed)
        (ID_A[:9] + "\u2060" + ID_A[9:], ["2301", "2302"], None),  # a word joiner
        ("\ufeff" + ID_A + "\u00a0", ["2301", "2302"], None),
        # masked on export: 110101********003X could be anyone born in that district: refused (row 2)
        ("110101********003X", ["2302"], "id-masked"),
        ("110101＊＊＊＊＊＊＊＊003X", ["2302"], "id-masked"),  # full-width asterisks
        ("1.10101E+17", ["2302"], "id-as-number"),  # Excel kept it as a number: digits lost
        ("'", ["2302"], "missing-value"),  # the marker alone is a blank cell
    ],
)
def test_an_id_card_as_written_links_or_is_refused(con, tmp_path, written: str, stored: list[str],
                                                   error: str | None) -> None:
    exam = write_csv(tmp_path / "1+X考核结果.csv", [
        ["序号", "考生姓名", "证件号码", "证书名称", "等级", "考核日期", "考核结果"],
        ["1", "张三", written, "数控车铣加工", "中级", "2024-06-15", "合格"],
        ["2", "李四", ID_B, "数控车铣加工", "中级", "2024-06-15", "不合格"],
    ])
    (r,) = import_file(con, exam)
    assert r.status == "loaded"
    assert [s for (s,) in con.execute("SELECT student_id FROM certificate_exams ORDER BY 1").fetchall()] == stored
    assert [(i.code, i.row) for i in r.errors] == ([(error, 2)] if error else [])
    assert "orphan-reference" not in [i.code for i in r.warnings]  # nothing stored under an unknown student


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_masked_id_says_why_in_the_users_language(con, tmp_path, lang: str) -> None:
    exam = write_csv(tmp_path / "1+X考核结果.csv", [
        ["序号", "考生姓名", "证件号码", "证书名称", "等级", "考核日期", "考核结果"],
        ["1", "张三", "110101********003X", "数控车铣加工", "中级", "2024-06-15", "合格"],
    ])
    (r,) = import_file(con, exam)
    (issue,) = r.errors
    text = issue.message(lang)
    assert "110101********003X" in text and "2" in text
    assert ("脱敏" in text) if lang == "zh" else ("masked" in text)
