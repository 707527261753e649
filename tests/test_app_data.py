"""The Data page in AppTest: a file is checked before anything is written, imported on
confirm, shows up in the counts and the history, and can be undone; rejected rows are
reported with their spreadsheet row numbers and downloadable as xlsx."""

from __future__ import annotations

import pandas as pd

# Two new funding lines (year 2026) and one whose budget is not a number: 2 rows load and
# spreadsheet row 4 (the header is row 1) is rejected.
FUNDING = ("年度,经费来源,支出类别,预算金额,实际支出\n"
           "2026,学校,导师津贴,120000,30000\n"
           "2026,企业,实训基地建设,200000,0\n"
           "2026,政府,设备购置,很多,0\n").encode("utf-8")


def _frame_with(at, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _funding_rows(at) -> int:
    """Rows of the funding table in the data-quality panel."""
    quality = _frame_with(at, "孤立引用行")
    return int(quality.loc[quality["数据表"] == "经费", "行数"].iloc[0])


def _upload(at):
    return at.file_uploader(key="upload_data_0").upload("经费补充.csv", FUNDING, "text/csv").run()


def test_check_then_confirm_then_undo(app, demo_copy) -> None:
    at = app("pages/7_data.py", demo_copy)
    before = _funding_rows(at)
    _upload(at)
    assert not at.exception, [e.value for e in at.exception]
    # the dry run reports, nothing is written yet
    assert any(m.value == "读取 3 行：新增 2，更新 0，不变 0，拒绝 1。" for m in at.markdown)
    report = _frame_with(at, "行号")
    assert report[["代码", "条数", "行号"]].values.tolist() == [["type-error", 1, "4"]]
    assert _funding_rows(at) == before
    at.button(key="confirm_data").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已导入（批次" in s.value and "新增 2 行" in s.value and "拒绝 1 行" in s.value for s in at.success)
    assert _funding_rows(at) == before + 2
    batch = at.selectbox(key="undo_batch").value
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert _funding_rows(at) == before + 2  # nothing happens before the confirmation
    # the question names the file, the batch and the rows: 2 added, 0 changed
    assert [w.value for w in at.warning if "确定撤销" in w.value] == [
        f"确定撤销批次 #{batch}（#{batch} 经费补充.csv · 经费补充）吗？它新增的 2 行将被删除，它修改的 0 行恢复为原来的值。撤销后仍可恢复。"]
    at.button(key="undo_yes").click().run()
    assert not at.exception
    assert any(f"已撤销批次 {batch}：删除 2 行" in s.value for s in at.success)
    assert _funding_rows(at) == before
    assert at.selectbox(key="undo_batch").value == batch  # the choice is kept, not the next batch
    at.button(key="undo_confirm").click().run()  # now "redo this batch"
    assert any(f"确定恢复批次 #{batch}" in w.value for w in at.warning)
    at.button(key="undo_yes").click().run()
    assert not at.exception
    assert any(f"已恢复批次 {batch}：重新加入 2 行" in s.value for s in at.success)
    assert _funding_rows(at) == before + 2


def test_undo_cancelled_changes_nothing(app, demo_copy) -> None:
    at = app("pages/7_data.py", demo_copy)
    _upload(at)
    at.button(key="confirm_data").click().run()
    rows = _funding_rows(at)
    at.button(key="undo_confirm").click().run()
    at.button(key="undo_cancel").click().run()
    assert not at.exception
    assert _funding_rows(at) == rows
    assert not [w for w in at.warning if "确定撤销" in w.value]


def test_rejected_rows_download(app, demo_copy) -> None:
    at = app("pages/7_data.py", demo_copy)
    _upload(at)
    at.button(key="confirm_data").click().run()
    assert not at.exception
    batch = at.selectbox(key="rejects_batch").value
    rejects = _frame_with(at, "整行原始数据")
    assert rejects[["行号", "列", "原始值", "代码"]].values.tolist() == [[4, "预算金额", "很多", "type-error"]]
    assert any(d.proto.label == "下载 Excel" for d in at.get("download_button"))
    # and the rows as uploaded, to correct and import again (tests/test_rejects_correction.py)
    assert any(d.proto.label == "下载被拒行（原列，可更正后重新导入）" for d in at.get("download_button"))
    assert batch == at.selectbox(key="undo_batch").value  # the new batch is offered first


def test_the_rows_to_correct_are_made_when_the_download_is_pressed(app, demo_copy, monkeypatch) -> None:
    # Bug: the rows to correct were made on every rerun of the Data page, pressed or not (a batch
    # of a million rejected cells: seconds per click anywhere on the page).
    import io

    import openpyxl
    import streamlit as st

    from tests.metric_fixtures import count_calls
    from ui import importer

    calls: dict[str, int] = {"rows": 0}
    count_calls(monkeypatch, calls, "rows", importer, "rows_to_correct")
    makers = {}
    real = st.download_button
    monkeypatch.setattr(st, "download_button", lambda label, data, **k: makers.setdefault(k["key"], data)
                        and real(label, data, **k))
    at = app("pages/7_data.py", demo_copy)
    _upload(at)
    at.button(key="confirm_data").click().run()
    at.run()
    assert not at.exception
    assert calls["rows"] == 0  # two runs of the page with the batch's rejects on it
    (key,) = [k for k in makers if k.startswith("dl_rejects_rows_batch_")]
    book = openpyxl.load_workbook(io.BytesIO(makers[key]()))  # pressed
    assert calls["rows"] == 1
    sheet = [[c.value for c in row] for row in book.active.iter_rows()]
    # the header as uploaded plus the column saying what to correct; row 4 of the file, as typed
    assert sheet[0][:5] == ["年度", "经费来源", "支出类别", "预算金额", "实际支出"] and sheet[1][:5] == [
        "2026", "政府", "设备购置", "很多", "0"]


def test_a_large_batch_of_rejects_masks_the_rows_shown_and_the_download_when_pressed(app, demo_copy, monkeypatch):
    # Bug: the rejects of the history's batch had their ID-card numbers masked in full on every
    # run of the Data page, shown or not (1.3 s a run per 100,000 rejected cells): now the rows
    # shown (ui.components.MAX_ROWS) on each run, the whole batch when its download is pressed.
    import streamlit as st

    from analytics import auth
    from ui import components

    masked: list[int] = []
    real_mask = auth.mask_id_cards
    monkeypatch.setattr(auth, "mask_id_cards", lambda frame, role: masked.append(len(frame)) or real_mask(frame, role))
    makers = {}
    real = st.download_button
    monkeypatch.setattr(st, "download_button", lambda label, data, **k: makers.setdefault(k["key"], data)
                        and real(label, data, **k))
    rows = components.MAX_ROWS + 100  # every budget "很多" (no number): one rejected cell a row
    sheet = ("年度,经费来源,支出类别,预算金额,实际支出\n" + "".join(
        f"2026,政府,设备购置{i},很多,0\n" for i in range(rows))).encode("utf-8")
    at = app("pages/7_data.py", demo_copy)
    at.file_uploader(key="upload_data_0").upload("经费.csv", sheet, "text/csv").run()
    at.button(key="confirm_data").click().run()
    at.run()
    assert not at.exception
    assert masked and max(masked) == components.MAX_ROWS  # the rows shown, on each run
    (key,) = [k for k in makers if k.startswith("dl_rejects_batch_")]
    masked.clear()
    assert makers[key]()[:2] == b"PK"  # pressed: the xlsx of the whole batch
    assert masked == [rows]


def test_the_checks_kept_are_the_latest_of_each_sheet_and_go_with_the_files(app, empty_db) -> None:
    # Bug: every choice in the value map added a check to the session, kept until the import (a
    # sheet rejected in every row holds an issue a cell in each), and removing the files kept them.
    from ui.importer import CHECKS_KEPT

    at = app("pages/7_data.py", empty_db)
    at.file_uploader(key="upload_data_0").upload("2024届去向.csv", DESTINATIONS, "text/csv").run()
    codes = [c for c in _value_box(at, "status", 0).options if c and not c.startswith("（")]
    for code in codes[:CHECKS_KEPT + 3]:  # 7 choices, each a check of the sheet
        _value_box(at, "status", 0).select(code).run()
    assert not at.exception, [e.value for e in at.exception]
    kept = list(at.session_state["_dry_data"])
    sheets = {(sha, sheet) for sha, sheet, *_ in kept}
    assert len(sheets) == 2  # the file's first check (every sheet) and the sheet's own checks
    assert len([k for k in kept if k[1] is not None]) == CHECKS_KEPT
    at.file_uploader(key="upload_data_0").clear().run()
    assert "_dry_data" not in at.session_state and "_reads_data" not in at.session_state


def test_missing_column_set_for_the_whole_file(app, demo_copy) -> None:
    # certificate results without the exam date: refused until a date is set for the whole file
    sheet = "学号,证书名称,是否通过\n20210100001,钳工四级,通过\n20210100002,钳工四级,未通过\n".encode("utf-8")
    at = app("pages/7_data.py", demo_copy)
    at.file_uploader(key="upload_data_0").upload("补考成绩.csv", sheet, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error  # the one-sentence refusal naming the missing column
    assert "confirm_data" not in [b.key for b in at.button]
    at.text_input(key="const_data_0_0_certificate_exams_exam_date").input("2025-06-20").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "读取 2 行：新增 2，更新 0，不变 0，拒绝 0。" for m in at.markdown)
    at.button(key="confirm_data").click().run()
    assert any("新增 2 行" in s.value for s in at.success)


# Graduate destinations in a county system's wording: 打零工 (odd jobs) is a word the vocabulary
# cannot place; a person decides it is employment. Its two rows are asked about once.
DESTINATIONS = ("学号,姓名,毕业年份,毕业去向,就业单位\n"
                "A2401,甲,2024,已就业,某机床厂\n"
                "A2402,乙,2024,打零工,\n"
                "A2403,丙,2024,打零工,\n"
                "A2404,丁,2024,升学,\n").encode("utf-8")


def _value_box(at, column: str, index: int):
    key = next(s.key for s in at.selectbox if s.key and s.key.startswith("value_") and s.key.endswith(f"_{column}_{index}"))
    return at.selectbox(key=key)


def test_unknown_values_are_asked_once_mapped_saved_and_reused(app, empty_db) -> None:
    at = app("pages/7_data.py", empty_db)
    at.file_uploader(key="upload_data_0").upload("2024届去向.csv", DESTINATIONS, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    # 4 rows, the two 打零工 rejected until mapped; the value is listed once with its count
    assert any(m.value == "读取 4 行：新增 2，更新 0，不变 0，拒绝 2。" for m in at.markdown)
    assert any("“打零工” · 2 行" in m.value for m in at.markdown)
    box = _value_box(at, "status", 0)
    assert box.options[0] == "（未对应：这些行不导入）" and "就业" in box.options
    box.select("employed").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "读取 4 行：新增 4，更新 0，不变 0，拒绝 0。" for m in at.markdown)
    at.button(key="confirm_data").click().run()
    assert any("新增 4 行" in s.value for s in at.success)

    # Next year's export from the same system: same headers, the same wording, no question.
    again = DESTINATIONS.replace(b"2024", b"2025").replace(b"A24", b"A25")
    at.file_uploader(key="upload_data_1").upload("2025届去向.csv", again, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "读取 4 行：新增 4，更新 0，不变 0，拒绝 0。" for m in at.markdown)
    at.button(key="confirm_data").click().run()
    assert any("新增 4 行" in s.value for s in at.success)


def test_the_upload_is_read_once_for_its_checks_and_its_import(app, demo_copy, monkeypatch) -> None:
    # The check, a second check after the user picks another table, and the import on confirm:
    # one read of the file in the reader child (before pipeline.Reads: three).
    import collections

    from analytics.ingest import pipeline
    from tests.metric_fixtures import count_calls

    calls: collections.Counter = collections.Counter()
    count_calls(monkeypatch, calls, "read", pipeline, "read_isolated")
    at = app("pages/7_data.py", demo_copy)
    _upload(at)
    assert at.selectbox(key="table_data_0_0").value == "funding"
    at.selectbox(key="table_data_0_0").set_value("enterprises").run()  # checked again, as enterprises
    assert not at.exception, [e.value for e in at.exception]
    assert not any(m.value == "读取 3 行：新增 2，更新 0，不变 0，拒绝 1。" for m in at.markdown)
    at.selectbox(key="table_data_0_0").set_value("funding").run()  # back: the first check's result
    assert any(m.value == "读取 3 行：新增 2，更新 0，不变 0，拒绝 1。" for m in at.markdown)
    at.button(key="confirm_data").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已导入（批次" in s.value and "新增 2 行" in s.value for s in at.success)
    assert calls["read"] == 1


def test_a_removed_upload_lets_go_of_its_reads(app, demo_copy) -> None:
    # The sheets an upload's checks read are kept for its import; the user removes the file
    # instead: they are no use any more, and a large workbook's frames must not stay in memory.
    at = app("pages/7_data.py", demo_copy)
    _upload(at)
    assert len(at.session_state["_reads_data"]) == 1
    at.file_uploader(key="upload_data_0").clear().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "_reads_data" not in at.session_state


def test_the_issue_report_words_one_example_per_code(monkeypatch):
    # Bug: every rerun of the Data page worded every issue of a checked sheet (a million rejected
    # cells: a million messages a rerun) to show one example of each code.
    import types

    from analytics import i18n
    from analytics.ingest.issues import ERROR, WARNING, Issue
    from analytics.ingest.pipeline import SheetResult
    from ui.importer import issue_report

    worded = []
    real = Issue.message
    monkeypatch.setattr(Issue, "message", lambda self, lang="zh": worded.append(self.row) or real(self, lang))
    issues = [Issue("type-error", ERROR, row, "成绩", "abc") for row in (9, 4, 4, *range(20, 35))]
    issues += [Issue("blank-rows-dropped", WARNING, 2, params={"rows": "2", "count": 1})]
    f = types.SimpleNamespace(lang="en", t=lambda key, **p: i18n.t(key, "en", **p))
    report = issue_report(f, SheetResult("x.csv", None, "checked", issues=issues))
    assert worded == [9, 2]  # the first issue of each code, once
    # 18 type errors in 17 rows (4 twice): the 12 lowest row numbers listed, then "…"
    assert report.to_dict("records") == [
        {"Severity": "Error (row rejected)", "Example": real(issues[0], "en"), "Count": 18,
         "Rows": "4, 9, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29 …", "Code": "type-error"},
        {"Severity": "Warning", "Example": real(issues[-1], "en"), "Count": 1, "Rows": "2",
         "Code": "blank-rows-dropped"},
    ]
