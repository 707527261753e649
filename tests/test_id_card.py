"""1+X and other certificate platforms key their exports by the ID-card number: it stays text,
links the row to the student whose roster carries it, is masked on screen for everyone but
admins, and is replaced by a keyed pseudonym in research exports."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from analytics import auth, db
from analytics.config import Settings
from analytics.filters import Filters
from analytics.ingest.pipeline import import_file
from analytics.metrics.certificates import pass_rate
from analytics.privacy import pseudonym, research_export_bytes
from tests.filebuilders import write_csv, write_xlsx

KEY = bytes(range(32))
ID_A, ID_B = "11010120080101003X", "110101200802020028"  # example numbers, no real person's


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


def _roster(con, tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", {"23级": [
        ["学号", "姓名", "身份证号", "班级", "是否双导师"],
        ["2301", "张三", ID_A, "数控2301", "是"],
        ["2302", "李四", ID_B.lower(), "数控2301", "否"],
    ]}, text_cells=True)
    (r,) = import_file(con, path)
    assert (r.table, r.inserted) == ("students", 2)


def test_a_certificate_row_keyed_by_id_card_links_to_the_student(con, tmp_path):
    _roster(con, tmp_path)
    exam = write_csv(tmp_path / "1+X考核结果.csv", [
        ["序号", "考生姓名", "证件号码", "证书名称", "等级", "考核日期", "理论成绩", "实操成绩", "考核结果"],
        ["1", "张三", ID_A, "数控车铣加工", "中级", "2024-06-15", "82", "88", "合格"],
        ["2", "李四", ID_B, "数控车铣加工", "中级", "2024-06-15", "55", "58", "不合格"],
    ])
    (r,) = import_file(con, exam)
    assert (r.status, r.table, r.inserted) == ("loaded", "certificate_exams", 2)
    assert [i.code for i in r.warnings if i.code == "id-card-resolved"] == ["id-card-resolved"]
    assert con.execute("SELECT student_id, passed, theory_score, practical_score FROM certificate_exams ORDER BY 1"
                       ).fetchall() == [("2301", True, 82.0, 88.0), ("2302", False, 55.0, 58.0)]
    # The exam counts for the dual-mentor comparison: it is the roster's student 2301 (dual).
    dual = pass_rate(con, Filters(dual="in"), Settings())
    assert (dual.numerator, dual.denominator) == (1, 1)
    assert con.execute("SELECT id_card FROM students ORDER BY 1").fetchall() == [(ID_A,), (ID_B.lower(),)]


def test_id_cards_are_masked_on_screen_for_everyone_but_admin():
    frame = pd.DataFrame({"student_id": ["2301"], "id_card": [ID_A]})
    assert auth.mask(frame, "admin")["id_card"].tolist() == [ID_A]
    for role in ("leader", "viewer", "researcher"):
        assert auth.mask(frame, role)["id_card"].tolist() == [auth.MASK], role
    raw = pd.DataFrame({"证件号码": [ID_A, None], "原始行": [f'{{"证件号码": "{ID_A}"}}', "x"]})
    masked = auth.mask_id_cards(raw, "leader")
    assert masked["证件号码"].tolist()[0] == "110101********003X"
    assert ID_A not in masked["原始行"].iloc[0] and "110101********003X" in masked["原始行"].iloc[0]
    assert auth.mask_id_cards(raw, "admin") is raw


def test_research_export_pseudonymises_the_id_card(con, tmp_path):
    _roster(con, tmp_path)
    data = research_export_bytes(con, Filters(), "csv", key=KEY)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        text = "\n".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())
        students = pd.read_csv(io.BytesIO(zf.read("students.csv")), dtype=str, encoding="utf-8-sig")
    assert ID_A not in text and ID_B.lower() not in text
    assert set(students["id_card"]) == {pseudonym(ID_A, KEY), pseudonym(ID_B.lower(), KEY)}
