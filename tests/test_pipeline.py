"""The import path end to end: detect, map, normalise, validate, upsert, undo."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from analytics import db
from analytics.errors import UndoError
from analytics.ingest.load import batch_rejects, list_batches, undo_batch
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv, write_xlsx

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

CERT_HEADER = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]


@pytest.fixture
def con(engine):
    from engine_fixtures import store_address

    connection = db.connect(store_address())
    yield connection
    connection.close()


def rows(con, sql: str, params=()):
    return con.execute(sql, list(params)).fetchall()


def snapshot(con) -> dict[str, list]:
    """Every canonical, shadow and bookkeeping table, for 'nothing changed' checks."""
    out = {}
    for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall():
        out[name] = sorted(map(repr, con.execute(f'SELECT * FROM "{name}"').fetchall()))
    return out


def test_certificates_csv_loads_with_normalised_values(con, tmp_path):
    path = write_csv(
        tmp_path / "考证.csv",
        [
            CERT_HEADER,
            ["020210001", "数控车工", "2024年6月20日", "中级", "通过", "85"],
            ["020210002", "数控车工", "2024/6/20", "中级", "未通过", "５８"],
            ["020210003", "电工", "2024-06-21", "初级", "√", "90%"],
        ],
        encoding="gbk",
    )
    (r,) = import_file(con, path)
    assert (r.status, r.table, r.rows_read, r.inserted, r.rejected) == (
        "loaded", "certificate_exams", 3, 3, 0,
    )
    assert rows(con, "SELECT student_id, exam_date, passed, score FROM certificate_exams ORDER BY 1") == [
        ("020210001", dt.date(2024, 6, 20), True, 85.0),
        ("020210002", dt.date(2024, 6, 20), False, 58.0),
        ("020210003", dt.date(2024, 6, 21), True, 90.0),
    ]
    (batch,) = rows(con, "SELECT batch_id, target_table, rows_inserted, sha256 FROM import_batches")
    assert batch[:3] == (1, "certificate_exams", 3)
    assert batch[3] == hashlib.sha256(path.read_bytes()).hexdigest()  # the checksum of the bytes as uploaded


def test_bad_cells_reject_their_rows_and_keep_the_original_row(con, tmp_path):
    path = write_csv(
        tmp_path / "certs.csv",
        [
            CERT_HEADER,
            ["1", "电工", "2024-06-20", "初级", "通过", "88"],
            ["2", "电工", "2024-13-45", "初级", "通过", "88"],  # row 3: impossible date
            ["3", "电工", "2024-06-20", "初级", "也许", "88"],  # row 4: not a yes/no
            ["4", "电工", "2024-06-20", "初级", "通过", "188"],  # row 5: score above 100
            ["5", "电工", "2024-06-20", "初级", "", "70"],  # row 6: required result blank
        ],
    )
    (r,) = import_file(con, path)
    assert (r.inserted, r.rejected) == (1, 4)
    found = {(i.row, i.code) for i in r.errors}
    assert found == {(3, "type-error"), (4, "unknown-value"), (5, "out-of-range"), (6, "missing-value")}
    rejects = batch_rejects(con, r.batch_id)
    assert list(rejects["row_number"]) == [3, 4, 5, 6]
    original = json.loads(rejects.loc[rejects["row_number"] == 3, "original_row"].iloc[0])
    assert original["考试日期"] == "2024-13-45" and original["学号"] == "2"
    assert all(rejects["message_zh"].str.len() > 0) and all(rejects["message_en"].str.len() > 0)


def _strict(text: str) -> dict:
    """``json.loads`` refusing what is no JSON but Python reads all the same (NaN, Infinity)."""
    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def test_the_original_row_is_json_with_blank_cells_as_null(con, tmp_path):
    # Bug: a blank cell was written NaN, which no JSON reader but Python's accepts (PostgreSQL's
    # ::json, a browser's JSON.parse); and a quote or a slash in a cell must survive as typed.
    path = write_csv(tmp_path / "certs.csv", [
        CERT_HEADER,
        ["1", "电工", "2024-06-20", "", "通过", "abc"],  # row 2: no level, the score no number
        ["2", "电工", "2024-06-20", "初级", "通过", 'x/y"q'],  # row 3: the same, with a quote
    ])
    (r,) = import_file(con, path)
    got = dict(rows(con, "SELECT row_number, original_row FROM import_rejects ORDER BY 1"))
    assert got == {
        2: '{"学号": "1", "证书名称": "电工", "考试日期": "2024-06-20", "证书等级": null, "是否通过": "通过", "成绩": "abc"}',
        3: '{"学号": "2", "证书名称": "电工", "考试日期": "2024-06-20", "证书等级": "初级", "是否通过": "通过", '
           '"成绩": "x/y\\"q"}',
    }
    assert _strict(got[2])["证书等级"] is None and _strict(got[3])["成绩"] == 'x/y"q'


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 1000])
def test_the_rejects_are_the_same_in_any_chunk_size(tmp_path, monkeypatch, chunk):
    # The rejected cells are made into records a chunk at a time (pipeline._REJECTS_CHUNK); two
    # cells of one row may fall into two chunks. Row 3 holds two bad cells, rows 2, 4, 5 one each:
    # five cells in four rows.
    from analytics.ingest import pipeline

    path = write_csv(tmp_path / "certs.csv", [
        CERT_HEADER,
        ["1", "电工", "2024-13-45", "初级", "通过", "88"],  # row 2: the date
        ["2", "电工", "2024-13-46", "初级", "也许", "88"],  # row 3: the date and the result
        ["3", "电工", "2024-06-20", "", "通过", "188"],  # row 4: the score above 100 (no level)
        ["4", "电工", "2024-06-20", "初级", "通过", "abc"],  # row 5: no number
        ["5", "电工", "2024-06-20", "初级", "通过", "70"],  # row 6: good
    ])

    def stored(size: int) -> list[tuple]:
        monkeypatch.setattr(pipeline, "_REJECTS_CHUNK", size)
        con = db.connect(":memory:")
        (r,) = import_file(con, path)
        assert (r.inserted, r.rejected) == (1, 4)
        return rows(con, "SELECT row_number, column_name, original_value, code, message_zh, message_en, "
                         "original_row, sheet, row_key FROM import_rejects ORDER BY row_number, column_name")

    got = stored(chunk)
    assert got == stored(20_000) and len(got) == 5
    assert [(r[0], r[1]) for r in got] == [(2, "考试日期"), (3, "是否通过"), (3, "考试日期"), (4, "成绩"), (5, "成绩")]
    assert got[1][6] == got[2][6] and _strict(got[1][6])["是否通过"] == "也许"  # one row, both cells
    assert _strict(got[3][6])["证书等级"] is None


def test_a_check_words_no_rejected_cell(con, tmp_path, monkeypatch):
    # Bug: a check (dry run) made every rejected cell's original row and messages, which only an
    # import stores: most of a check's time and memory when a column fails in every row (100,000
    # rows: about 5 of 6.4 s, and 2 KB a row).
    from analytics.ingest.issues import Issue

    worded = []
    real = Issue.message
    monkeypatch.setattr(Issue, "message", lambda self, lang="zh": worded.append(self.row) or real(self, lang))
    path = write_csv(tmp_path / "certs.csv", [CERT_HEADER, *([str(i), "电工", "2024-06-20", "初级", "通过", "很好"]
                                                            for i in range(1, 51))])  # rows 2-51: no score
    (checked,) = import_file(con, path, dry_run=True)
    assert (checked.status, checked.inserted, checked.rejected, len(checked.errors)) == ("checked", 0, 50, 50)
    assert worded == []
    assert rows(con, "SELECT count(*) FROM import_rejects") == [(0,)]
    (loaded,) = import_file(con, path)  # the import words and stores each of them (a kind at a time)
    assert (loaded.status, loaded.rejected) == ("loaded", 50) and worded
    assert rows(con, "SELECT count(*), count(DISTINCT row_number) FROM import_rejects") == [(50, 50)]
    stored = rows(con, "SELECT row_number, message_zh, message_en FROM import_rejects ORDER BY row_number")
    assert stored == [(e.row, real(e, "zh"), real(e, "en")) for e in sorted(loaded.errors, key=lambda e: e.row)]


def test_the_rejects_records_are_made_only_when_the_store_takes_them(con, tmp_path, monkeypatch):
    # The records of the rejected cells are made while the store reads them, a chunk at a time:
    # importing the same file again (its rejects already recorded, nothing stored) makes none,
    # where it made every one of them (a sheet rejected in every row: seconds, for nothing).
    from analytics.ingest import pipeline

    made = []
    real = pipeline.message_columns
    monkeypatch.setattr(pipeline, "message_columns", lambda chunk, langs: made.append(len(chunk)) or real(chunk, langs))
    monkeypatch.setattr(pipeline, "_REJECTS_CHUNK", 4)
    path = write_csv(tmp_path / "certs.csv", [CERT_HEADER, *([str(i), "电工", "2024-06-20", "初级", "通过", "很好"]
                                                            for i in range(1, 11))])  # rows 2-11: no score
    (first,) = import_file(con, path)
    assert (first.status, first.rejected, made) == ("loaded", 10, [4, 4, 2])
    (again,) = import_file(con, path)
    assert (again.status, again.rejected, made) == ("unchanged", 10, [4, 4, 2])
    assert rows(con, "SELECT count(*) FROM import_rejects") == [(10,)]


def test_reimport_changes_nothing_and_says_so(con, tmp_path):
    path = write_csv(tmp_path / "c.csv", [CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "通过", "88"]])
    import_file(con, path)
    before = snapshot(con)
    (again,) = import_file(con, path)
    assert (again.status, again.inserted, again.updated, again.unchanged, again.previous_batch) == (
        "unchanged", 0, 0, 1, 1,
    )
    assert snapshot(con) == before


def test_update_keeps_old_version_and_undo_restores_it(con, tmp_path):
    first = write_csv(
        tmp_path / "a.csv",
        [CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "未通过", "55"], ["2", "电工", "2024-06-20", "初级", "通过", "80"]],
    )
    second = write_csv(
        tmp_path / "b.csv",
        [CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "通过", "65"], ["3", "电工", "2024-06-20", "初级", "通过", "70"]],
    )
    import_file(con, first)
    after_first = snapshot(con)
    (r,) = import_file(con, second)
    # student 1 changed (updated), student 3 is new (inserted), student 2 untouched.
    assert (r.inserted, r.updated, r.unchanged) == (1, 1, 0)
    assert rows(con, "SELECT student_id, passed, score FROM certificate_exams ORDER BY 1") == [
        ("1", True, 65.0), ("2", True, 80.0), ("3", True, 70.0),
    ]
    assert undo_batch(con, r.batch_id) == {"removed": 1, "restored": 1}
    now = snapshot(con)
    # the rows the batch wrote (student 1 at 65, student 3) wait in the redo shadow
    assert [row[:6] for row in con.execute(
        "SELECT student_id, certificate_name, exam_date, certificate_level, passed, score FROM _undone_certificate_exams "
        "ORDER BY 1").fetchall()] == [("1", "电工", dt.date(2024, 6, 20), "初级", True, 65.0),
                                      ("3", "电工", dt.date(2024, 6, 20), "初级", True, 70.0)]
    assert {k: v for k, v in now.items() if k != "import_batches" and not k.startswith("_undone_")} == {
        k: v for k, v in after_first.items() if k != "import_batches" and not k.startswith("_undone_")
    }
    assert list_batches(con)["status"].tolist() == ["undone", "loaded"]


def staged_left(con) -> list[str]:
    """Tables a load staged that are still on the connection: on PostgreSQL its temporary tables
    live as long as the session (DuckDB's live on the load's own cursor and end with it)."""
    return [name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('_stage', '_met', '_changed')"
    ).fetchall()]


def test_loads_one_after_another_on_one_connection_leave_nothing_staged(con, tmp_path):
    # Each load stages the file (and, on DuckDB, the keys it met and the rows it changes) and drops
    # what it staged: a later load on the same connection would otherwise fail to stage its own.
    # The steps go through every path of the load: new rows only, a dry run, new + changed +
    # unchanged, nothing to do, and an update beside an insert.
    def cert(student: str, score: str) -> list[str]:
        return [student, "电工", "2024-06-20", "初级", "通过", score]

    steps = [
        # (rows of the file, dry run, expected (inserted, updated, unchanged))
        ([cert("1", "80"), cert("2", "70")], False, (2, 0, 0)),                  # an empty table: both new
        ([cert("1", "80"), cert("2", "75"), cert("3", "60")], True, (1, 1, 1)),  # a dry run writes nothing
        ([cert("1", "80"), cert("2", "75"), cert("3", "60")], False, (1, 1, 1)),  # 3 new, 2 changed, 1 same
        ([cert("1", "80"), cert("2", "75"), cert("3", "60")], False, (0, 0, 3)),  # the same rows again
        ([cert("1", "81"), cert("4", "90")], False, (1, 1, 0)),                  # 4 new, 1 changed
    ]
    for i, (cells, dry_run, counts) in enumerate(steps):
        (r,) = import_file(con, write_csv(tmp_path / f"{i}.csv", [CERT_HEADER, *cells]), dry_run=dry_run)
        assert (r.inserted, r.updated, r.unchanged) == counts, i
        assert staged_left(con) == [], i
    assert rows(con, "SELECT student_id, score FROM certificate_exams ORDER BY 1") == [
        ("1", 81.0), ("2", 75.0), ("3", 60.0), ("4", 90.0)]
    # the versions replaced: 2 at 70 (by the third file), 1 at 80 (by the fifth)
    assert rows(con, "SELECT student_id, score FROM _prev_certificate_exams ORDER BY 1") == [("1", 80.0), ("2", 70.0)]


@pytest.mark.parametrize(
    "batch, code", [(99, "undo-unknown-batch"), (1, "undo-later-batch")]
)
def test_undo_refusals(con, tmp_path, batch, code):
    a = write_csv(tmp_path / "a.csv", [CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "未通过", "55"]])
    b = write_csv(tmp_path / "b.csv", [CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "通过", "75"]])
    import_file(con, a)
    import_file(con, b)  # batch 2 overwrites batch 1's row
    before = snapshot(con)
    with pytest.raises(UndoError) as err:
        undo_batch(con, batch)
    assert err.value.code == code
    assert snapshot(con) == before


def test_undo_twice_is_refused(con, tmp_path):
    a = write_csv(tmp_path / "a.csv", [CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "通过", "55"]])
    (r,) = import_file(con, a)
    undo_batch(con, r.batch_id)
    with pytest.raises(UndoError) as err:
        undo_batch(con, r.batch_id)
    assert err.value.code == "undo-already-undone"
    assert rows(con, "SELECT count(*) FROM certificate_exams") == [(0,)]


def test_duplicate_keys_in_a_file(con, tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        [
            CERT_HEADER,
            ["1", "电工", "2024-06-20", "初级", "通过", "80"],  # row 2
            ["1", "电工", "2024-06-20", "初级", "通过", "80"],  # row 3: exact repeat -> kept once
            ["2", "电工", "2024-06-20", "初级", "通过", "80"],  # row 4
            ["2", "电工", "2024-06-20", "初级", "未通过", "40"],  # row 5: conflicts with row 4
        ],
    )
    (r,) = import_file(con, path)
    assert (r.inserted, r.rejected) == (1, 2)
    assert sorted(i.row for i in r.errors if i.code == "duplicate-key") == [4, 5]
    assert [i.code for i in r.warnings if i.code == "duplicate-row"] == ["duplicate-row"]


def test_activities_repeat_on_one_day_get_seq_and_reimport_does_not_double(con, tmp_path):
    path = write_csv(
        tmp_path / "act.csv",
        [
            ["导师工号", "活动日期", "活动类型", "时长"],
            ["T01", "2024-03-05", "企业走访", "2"],
            ["T01", "2024-03-05", "企业走访", "3"],
            ["T01", "2024-03-06", "企业走访", "1"],
        ],
    )
    (r,) = import_file(con, path)
    assert r.inserted == 3
    assert rows(con, "SELECT activity_date, seq, hours, count FROM mentor_activities ORDER BY 1, 2") == [
        (dt.date(2024, 3, 5), 1, 2.0, 1),
        (dt.date(2024, 3, 5), 2, 3.0, 1),
        (dt.date(2024, 3, 6), 1, 1.0, 1),
    ]
    (again,) = import_file(con, path)
    assert again.status == "unchanged"
    assert rows(con, "SELECT count(*) FROM mentor_activities") == [(3,)]


def test_names_resolve_to_ids_and_unknown_references_are_counted(con, tmp_path):
    enterprises = write_csv(
        tmp_path / "ent.csv",
        [["企业编号", "企业名称", "合作形式"], ["E01", "华信精密机械有限公司", "订单班"], ["E02", "远航汽车服务有限公司", "现代学徒制"]],
    )
    import_file(con, enterprises)
    survey = write_csv(
        tmp_path / "sat.csv",
        [
            ["企业名称", "调查日期", "评价维度", "评分"],
            ["华信精密机械有限公司", "2024-06-01", "专业技能", "非常满意"],
            ["E02", "2024-06-01", "专业技能", "4"],
            ["不存在的公司", "2024-06-01", "专业技能", "3"],
        ],
    )
    (r,) = import_file(con, survey)
    assert (r.table, r.inserted) == ("satisfaction_surveys", 3)
    assert rows(con, "SELECT enterprise_id, score FROM satisfaction_surveys ORDER BY score DESC") == [
        ("E01", 5.0), ("E02", 4.0), ("不存在的公司", 3.0),
    ]
    codes = {i.code: i for i in r.warnings}
    assert codes["name-resolved"].params["count"] == 1
    assert codes["orphan-reference"].params["count"] == 1


def test_wide_satisfaction_sheet_is_unpivoted(con, tmp_path):
    path = write_xlsx(
        tmp_path / "survey.xlsx",
        {
            "满意度": [
                ["企业编号", "调查日期", "填写人", "总体满意度", "专业技能", "工作态度"],
                ["E01", "2024-06-01", "张经理", "非常满意", "满意", None],
                ["E02", "2024-06-02", "李主管", "一般", "4", "5"],
            ]
        },
    )
    (r,) = import_file(con, path)
    assert (r.table, r.inserted) == ("satisfaction_surveys", 5)  # one skipped blank cell
    assert rows(
        con, "SELECT enterprise_id, dimension, score, scale_max FROM satisfaction_surveys ORDER BY 1, 2"
    ) == [
        ("E01", "overall", 5.0, 5.0),
        ("E01", "professional_skills", 4.0, 5.0),
        ("E02", "overall", 3.0, 5.0),
        ("E02", "professional_skills", 4.0, 5.0),
        ("E02", "work_attitude", 5.0, 5.0),
    ]


def test_employment_title_states_year_and_survey_date_is_derived(con, tmp_path):
    path = write_xlsx(
        tmp_path / "就业.xlsx",
        {
            "Sheet1": [
                ["XX职业学校2024届毕业生就业统计表"],
                ["学号", "姓名", "就业状态", "就业单位", "是否专业对口", "月薪（元）"],
                ["S1", "张三", "已就业", "华信精密", "是", "4,500"],
                ["S2", "李四", "升学", None, None, None],
                ["S3", "王五", "待就业", None, None, None],
            ]
        },
    )
    (r,) = import_file(con, path)
    assert (r.status, r.table, r.inserted) == ("loaded", "employment", 3)
    assert r.constants["graduation_year"] == 2024
    assert rows(con, "SELECT student_id, graduation_year, survey_date, status, monthly_salary FROM employment ORDER BY 1") == [
        ("S1", 2024, dt.date(2024, 8, 31), "employed", 4500.0),
        ("S2", 2024, dt.date(2024, 8, 31), "further_study", None),
        ("S3", 2024, dt.date(2024, 8, 31), "unemployed", None),
    ]
    assert {"constant-proposed", "survey-date-derived"} <= {i.code for i in r.warnings}


def test_missing_required_column_refuses_the_file_and_names_it(con, tmp_path):
    path = write_csv(tmp_path / "c.csv", [["学号", "证书名称", "考试日期", "成绩"], ["1", "电工", "2024-06-20", "80"]])
    before = snapshot(con)
    (r,) = import_file(con, path, table="certificate_exams")
    assert r.status == "refused" and r.refused.code == "missing-column"
    assert "是否通过" in r.refused.message("zh") and "Passed" in r.refused.message("en")
    assert snapshot(con) == before


def test_confirmed_mapping_is_saved_and_reused(con, tmp_path):
    header = ["No", "Result", "Exam", "When"]
    a = write_csv(tmp_path / "a.csv", [header, ["1", "pass", "Welding", "2024-05-01"]])
    b = write_csv(tmp_path / "b.csv", [header, ["2", "fail", "Welding", "2024-05-02"]])
    overrides = {"student_id": "No", "passed": "Result", "certificate_name": "Exam", "exam_date": "When"}
    (first,) = import_file(con, a, table="certificate_exams", overrides=overrides, remember=True)
    assert first.status == "loaded"
    (second,) = import_file(con, b)
    assert (second.status, second.table, second.inserted) == ("loaded", "certificate_exams", 1)
    assert "mapping-reused" in {i.code for i in second.warnings}


def test_dry_run_counts_but_writes_nothing(con, tmp_path):
    path = write_csv(tmp_path / "c.csv", [CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "通过", "88"]])
    before = snapshot(con)
    (r,) = import_file(con, path, dry_run=True)
    assert (r.status, r.inserted, r.batch_id) == ("checked", 1, None)
    assert snapshot(con) == before


def test_workbook_sheets_load_separately_and_instructions_sheet_is_skipped(con, tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "填表说明": [["说明"], ["请按模板填写，不要修改表头。"], ["学号为10位数字。"]],
            "学生": [
                ["学号", "姓名", "性别", "专业", "班级", "入学年份", "是否双导师"],
                ["0202100001", "张三", "男", "数控技术应用", "数控2101", "2021", "是"],
            ],
            "考证": [CERT_HEADER, ["0202100001", "数控车工", "2023-06-20", "中级", "通过", "85"]],
        },
        text_cells=True,
    )
    results = import_file(con, path)
    assert [(r.sheet, r.status, r.table) for r in results] == [
        ("填表说明", "skipped", None),
        ("学生", "loaded", "students"),
        ("考证", "loaded", "certificate_exams"),
    ]
    assert rows(con, "SELECT student_id, dual_mentor FROM students") == [("0202100001", True)]


def test_future_exam_date_is_rejected(con, tmp_path):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    path = write_csv(tmp_path / "c.csv", [CERT_HEADER, ["1", "电工", future, "初级", "通过", "88"]])
    (r,) = import_file(con, path)
    assert (r.inserted, [i.code for i in r.errors]) == (0, ["future-date"])


def test_realdata_placement_imports_as_employment_with_a_mapping(con):
    path = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "Placement_Data_Full_Class.csv"
    (r,) = import_file(
        con,
        path,
        table="employment",
        overrides={"student_id": "S.No", "status": "Status", "monthly_salary": "Salary"},
        constants={"graduation_year": "2020"},
    )
    assert (r.status, r.inserted, r.rejected) == ("loaded", 215, 0)
    # SOURCES.md: 148 Placed, 67 Not Placed; salary blank when not placed.
    assert rows(con, "SELECT status, count(*), count(monthly_salary) FROM employment GROUP BY 1 ORDER BY 1") == [
        ("employed", 148, 148),
        ("unemployed", 67, 0),
    ]


def test_unknown_students_are_counted_as_orphans(con, tmp_path):
    import_file(con, write_csv(tmp_path / "s.csv", [["学号", "姓名", "班级", "入学年份"], ["1", "张三", "数控1班", "2022"]]))
    exams = (("1", "电工"), ("7", "电工"), ("8", "电工"), ("8", "钳工"), ("9", "电工"),
             ("10", "电工"), ("11", "电工"), ("12", "电工"))
    path = write_csv(
        tmp_path / "c.csv",
        [CERT_HEADER] + [[sid, cert, "2024-06-20", "初级", "通过", "80"] for sid, cert in exams],
    )
    (r,) = import_file(con, path)
    (orphans,) = [i for i in r.warnings if i.code == "orphan-reference"]
    # Known: student 1. Unknown IDs 7, 8, 9, 10, 11, 12 (six distinct) in 7 rows (8 twice);
    # five examples in sorted text order, then "…".
    assert (orphans.params["count"], orphans.params["rows"]) == (6, 7)
    assert orphans.params["examples"] == "10、11、12、7、8…"


def test_a_school_scoped_import_writes_only_that_schools_rows(con, tmp_path):
    roster = write_csv(tmp_path / "s.csv", [["学号", "姓名", "学校代码", "班级", "入学年份"],
                                             ["a1", "张三", "A", "数控1班", "2022"], ["b1", "李四", "B", "汽修1班", "2022"]])
    import_file(con, roster)
    exams = write_csv(tmp_path / "c.csv", [CERT_HEADER, ["a1", "电工", "2024-06-20", "初级", "通过", "80"],
                                           ["b1", "电工", "2024-06-20", "初级", "通过", "80"],
                                           ["x9", "电工", "2024-06-20", "初级", "通过", "80"]])
    (r,) = import_file(con, exams, scope=("A",))
    # Row 2 (a1, school A) loads; row 3 (b1, school B) and row 4 (x9, on no roster) are rejected.
    assert (r.inserted, r.rejected) == (1, 2)
    assert sorted((i.row, i.code) for i in r.errors) == [(3, "out-of-scope"), (4, "out-of-scope")]
    newcomer = write_csv(tmp_path / "s2.csv", [["学号", "姓名", "学校代码"], ["b2", "王五", "B"]])
    (r,) = import_file(con, newcomer, scope=("A",))
    assert (r.inserted, [i.code for i in r.errors]) == (0, ["out-of-scope"])
    funding = write_csv(tmp_path / "f.csv", [["年度", "经费来源", "支出类别", "预算", "支出"], ["2024", "政府", "设备", "100", "90"]])
    before = snapshot(con)
    (r,) = import_file(con, funding, scope=("A",))
    assert (r.status, r.refused.code) == ("refused", "table-out-of-scope")
    assert snapshot(con) == before


# A row of each school-linked table whose key school B already owns, uploaded by a user of
# school A with school = A. Headers, a row of B (loaded unscoped), the same key claimed by A,
# a key nobody holds for school C (outside A's scope).
_TAKEOVER = {
    "students": (["学号", "姓名", "学校代码", "班级", "入学年份"],
                 ["s1", "李四", "B", "汽修1班", "2022"], ["s1", "李四", "A", "数控1班", "2022"],
                 ["s9", "李四", "C", "数控1班", "2022"]),
    "mentors": (["导师工号", "导师姓名", "导师类型", "学校代码"],
                ["m1", "王师傅", "企业导师", "B"], ["m1", "王师傅", "企业导师", "A"],
                ["m9", "王师傅", "企业导师", "C"]),
    "agreements": (["合作企业", "签订日期", "到期日期", "学校代码", "协议编号"],
                   ["E1", "2024-01-01", "2026-12-31", "B", "XY-1"], ["E1", "2024-01-01", "2026-12-31", "A", "XY-1"],
                   ["E9", "2024-01-01", "2026-12-31", "C", "XY-1"]),
    "actions": (["决策日期", "事项", "学校代码", "责任方", "完成时限"],
                ["2024-03-01", "增聘企业导师", "B", "学校", "2024-09-01"],
                ["2024-03-01", "增聘企业导师", "A", "学校", "2024-09-01"],
                ["2024-03-02", "增聘企业导师", "C", "学校", "2024-09-01"]),
}


@pytest.mark.parametrize("table", sorted(_TAKEOVER))
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_scoped_user_cannot_take_another_schools_row(con, tmp_path, table, dry_run):
    header, theirs, claim, fresh = _TAKEOVER[table]
    import_file(con, write_csv(tmp_path / "b.csv", [header, theirs]))
    before = rows(con, f"SELECT * FROM {table}")
    (taken,) = import_file(con, write_csv(tmp_path / "a.csv", [header, claim]), scope=("A",), dry_run=dry_run)
    assert taken.table == table
    assert rows(con, f"SELECT * FROM {table}") == before  # school B keeps its row
    # Same answer as for a key nobody owns that is outside the scope: no existence oracle.
    (unknown,) = import_file(
        con, write_csv(tmp_path / "u.csv", [header, fresh]),
        scope=("A",), dry_run=True,
    )
    assert (taken.inserted, taken.updated, taken.rejected) == (0, 0, 1)
    assert [(i.row, i.code, i.params) for i in taken.errors] == [(i.row, i.code, i.params) for i in unknown.errors]
    assert [i.code for i in taken.errors] == ["out-of-scope"]
