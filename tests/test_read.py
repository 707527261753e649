"""read_file: encodings x delimiters, workbook structure (titles, merged headers, footers), real files."""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from filebuilders import write_csv, write_ods, write_xls, write_xlsx  # noqa: E402

from analytics.ingest.read import read_file  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
ZH_ROWS = [["学号", "姓名", "专业"], ["0012021", "张三", "机电一体化"], ["20210002", "李四", "数控技术应用"]]
KO_ROWS = [["학번", "이름", "학과"], ["0012021", "김철수", "기계과"], ["20210002", "이영희", "전자과"]]


def _cells(sheet):
    return [[None if v != v else v for v in row] for row in sheet.frame.astype(object).values.tolist()]


def _codes(sheet):
    return [i.code for i in sheet.issues]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gbk", "gb18030", "cp949"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_encoding_and_delimiter_round_trip(tmp_path, encoding, delimiter):
    rows = KO_ROWS if encoding == "cp949" else ZH_ROWS
    path = write_csv(tmp_path / "students.csv", rows, encoding=encoding, delimiter=delimiter)
    [sheet] = read_file(path)
    assert sheet.name == "students"
    assert sheet.headers == rows[0]
    assert _cells(sheet) == rows[1:]
    assert sheet.row_numbers == [2, 3]


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("学号,姓名\n001,张三\n", "gbk"),  # very short Chinese
        ("成绩,得分\n1,2\n", "gbk"),  # every character also a valid Hangul pair in CP949
        ("学号,姓名,专业\n" + "".join(f"{i:04d},张{i},机电一体化\n" for i in range(3000)), "gbk"),
        ("학번,이름,학과\n001,김철수,기계과\n002,이영희,전자과\n", "cp949"),
    ],
)
def test_cjk_detection_short_and_long(tmp_path, text, encoding):
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode(encoding))
    [sheet] = read_file(path)
    assert ",".join(sheet.headers) == text.split("\n")[0]
    assert len(sheet.frame) == text.count("\n") - 1


def test_quoted_comma_and_newline_and_blank_line(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('学号,专业,备注\n001,"机电,一体化","第一行\n第二行"\n\n002,数控,\n', encoding="utf-8")
    [sheet] = read_file(path)
    assert _cells(sheet) == [["001", "机电,一体化", "第一行\n第二行"], ["002", "数控", None]]
    # record 1 is the header, record 2 the quoted two-line row, record 3 the blank line
    assert sheet.row_numbers == [2, 4]
    assert "blank-rows-dropped" in _codes(sheet)


def test_ragged_title_rows_in_csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("学校2024届毕业生就业统计表\n填报日期：2024年9月1日\n学号,姓名,专业\n001,张三,机电\n002,李四,数控\n", "utf-8")
    [sheet] = read_file(path)
    assert sheet.header_row == 3
    assert sheet.title_lines == ["学校2024届毕业生就业统计表", "填报日期：2024年9月1日"]
    assert sheet.row_numbers == [4, 5]
    assert "title-rows-skipped" in _codes(sheet)


def test_wider_row_later_in_csv_is_not_cut(tmp_path):
    rows = [["a", "b"]] + [["1", "2"]] * 300 + [["3", "4", "5"]]
    [sheet] = read_file(write_csv(tmp_path / "w.csv", rows))
    assert sheet.headers == ["a", "b", "column_3"]
    assert _cells(sheet)[-1] == ["3", "4", "5"]
    assert len(sheet.frame) == 301


def _recorded_scratch_copies(monkeypatch) -> list[str]:
    """The path of each scratch copy the reader writes for DuckDB from now on, in order."""
    from analytics.ingest import read

    paths: list[str] = []
    real = read._scratch_file

    @contextlib.contextmanager
    def recorded(data):
        with real(data) as path:
            paths.append(path)
            yield path

    monkeypatch.setattr(read, "_scratch_file", recorded)
    return paths


@pytest.mark.parametrize("memory_file", [True, False], ids=["memfd", "temporary-file"])
def test_duckdb_reads_a_scratch_copy_and_none_is_left(tmp_path, monkeypatch, memory_file):
    """DuckDB reads files, so the text goes to a scratch copy: a memory file where Linux has
    one (never written back to disk), else a temporary file. Either way the rows are the
    same, they were read by DuckDB (not the csv module's fallback), and neither the memory
    file's descriptor nor the temporary file outlives the read."""
    from analytics.ingest import read

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    if not memory_file:
        monkeypatch.delattr(os, "memfd_create")
    paths = _recorded_scratch_copies(monkeypatch)

    def no_fallback(text, delim):
        raise AssertionError("DuckDB failed on the scratch copy; the csv module was asked instead")

    monkeypatch.setattr(read, "_python_csv", no_fallback)
    rows = [["学号", "姓名"]] + [[f"2024{i:04d}", f"学生{i}"] for i in range(300)]
    [sheet] = read_file(write_csv(tmp_path / "s.csv", rows))
    assert _cells(sheet) == rows[1:]
    [path] = paths
    assert path.startswith("/proc/self/fd/") is memory_file
    if memory_file:  # the descriptor is closed (its number may since name another file)
        assert not os.path.exists(path) or "memfd:csv" not in os.readlink(path)
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(("encode", "parsed_there"), [
    (lambda text: text.encode("utf-8"), True),                       # the bytes DuckDB parses are the file's
    (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), False),    # parsed after the BOM: not the file's bytes
    (lambda text: text.encode("gbk"), False),                        # parsed as the UTF-8 of the decoded text
], ids=["utf-8", "utf-8-bom", "gbk"])
def test_copy_at_is_parsed_in_place_of_a_scratch_copy_only_when_it_holds_the_parsed_bytes(
        tmp_path, monkeypatch, encode, parsed_there):
    """``copy_at`` (the sandbox child's memory file of the upload) spares the scratch copy when
    DuckDB would parse exactly the bytes it holds; otherwise the copy is written as before. The
    rows are the same either way."""
    copies = _recorded_scratch_copies(monkeypatch)
    rows = [["学号", "姓名"]] + [[f"2024{i:04d}", f"学生{i}"] for i in range(300)]
    data = encode("\n".join(",".join(r) for r in rows) + "\n")
    upload = tmp_path / "upload.csv"
    upload.write_bytes(data)
    [sheet] = read_file(data, file_name="s.csv", copy_at=str(upload))
    assert _cells(sheet) == rows[1:]
    assert len(copies) == (0 if parsed_there else 1)


def _school_rows():
    return [
        ["学校2024届毕业生就业统计表", None, None, None, None, None],
        ["填报日期：2024年9月1日", None, None, "单位：元", None, None],
        ["序号", "基本信息", None, None, "考试情况", None],
        [None, "学号", " 姓名 ", "性别", "证书名称", "是否通过"],
        [1, "0012021", "张三", "男", "电工证", True],
        [2, 20210002.0, "李四", "女", "焊工证", False],
        [None, None, None, None, None, None],
        [3, "20210003", "王五", "男", dt.datetime(2024, 6, 30, 8, 0), 85.5],
        ["合计", 3, None, None, None, None],
        ["制表人：张老师", None, None, "审核人：李主任", None, None],
    ]


def test_xlsx_title_two_row_header_footer(tmp_path):
    merges = {"S": ["A1:F1", "A3:A4", "B3:D3", "E3:F3"]}
    path = write_xlsx(tmp_path / "s.xlsx", {"S": _school_rows()}, merges=merges, text_cells=True)
    [sheet] = read_file(path)
    assert sheet.headers == ["序号", "学号", "姓名", "性别", "证书名称", "是否通过"]
    assert sheet.header_row == 4
    assert sheet.title_lines == ["学校2024届毕业生就业统计表", "填报日期：2024年9月1日 单位：元"]
    assert _cells(sheet) == [
        ["1", "0012021", "张三", "男", "电工证", "TRUE"],
        ["2", "20210002", "李四", "女", "焊工证", "FALSE"],
        ["3", "20210003", "王五", "男", "2024-06-30 08:00:00", "85.5"],
    ]
    assert sheet.row_numbers == [5, 6, 8]
    by_code = {i.code: i for i in sheet.issues}
    assert by_code["blank-rows-dropped"].params["rows"] == "7"
    assert by_code["total-rows-dropped"].params["rows"] == "9"
    assert by_code["footer-rows-dropped"].params["rows"] == "10"
    assert "merged-cells-filled" in by_code


def test_repeated_lower_labels_keep_group(tmp_path):
    rows = [["专业", "2023", None, "2024", None], [None, "报考人数", "通过人数", "报考人数", "通过人数"], ["机电", 10, 8, 12, 9]]
    path = write_xlsx(tmp_path / "g.xlsx", {"S": rows}, merges={"S": ["A1:A2", "B1:C1", "D1:E1"]})
    [sheet] = read_file(path)
    assert sheet.headers == ["专业", "2023/报考人数", "2023/通过人数", "2024/报考人数", "2024/通过人数"]
    assert _cells(sheet) == [["机电", "10", "8", "12", "9"]]


def test_vertical_merge_in_data_filled(tmp_path):
    rows = [["专业", "学号"], ["机电", "001"], [None, "002"], ["数控", "003"]]
    [sheet] = read_file(write_xlsx(tmp_path / "v.xlsx", {"S": rows}, merges={"S": ["A2:A3"]}))
    assert _cells(sheet) == [["机电", "001"], ["机电", "002"], ["数控", "003"]]


@pytest.mark.parametrize(
    "value, text",
    [
        (20210001.0, "20210001"),
        (20210001, "20210001"),
        (85.5, "85.5"),
        (0.1, "0.1"),
        (dt.date(2024, 6, 30), "2024-06-30"),
        (dt.datetime(2024, 6, 30, 0, 0), "2024-06-30"),
        (dt.datetime(2024, 6, 30, 8, 0, 5), "2024-06-30 08:00:05"),
        (True, "TRUE"),
        ("0012021", "0012021"),
    ],
)
def test_xlsx_cell_as_text(tmp_path, value, text):
    [sheet] = read_file(write_xlsx(tmp_path / "c.xlsx", {"S": [["值", "说明"], [value, "x"]]}))
    assert _cells(sheet) == [[text, "x"]]


@pytest.mark.parametrize(
    "values, texts",
    [
        # text only: whitespace-only cells (ASCII and the full-width space) are blank
        (["张三", "  ", "\u3000", "李四"], ["张三", None, None, "李四"]),
        # numbers under a text header: integral floats without ".0" below 1e16, repr above
        ([20210001.0, 85.5, 1e16, 123456789012345.0], ["20210001", "85.5", "1e+16", "123456789012345"]),
        # numbers, text and blanks in one column
        ([1.0, "缺考", None, 0.25], ["1", "缺考", None, "0.25"]),
        # any other kind in the column: every cell by the one-cell rule
        ([dt.date(2024, 6, 30), 2.0, True, "x"], ["2024-06-30", "2", "TRUE", "x"]),
    ],
)
def test_xlsx_whole_column_as_text(tmp_path, values, texts):
    """A column is converted at once (#17); its cells read as each would alone."""
    rows = [["值", "序号"]] + [[v, str(i)] for i, v in enumerate(values, 1)]
    [sheet] = read_file(write_xlsx(tmp_path / "col.xlsx", {"S": rows}))
    assert _cells(sheet) == [[t, str(i)] for i, t in enumerate(texts, 1)]
    assert sheet.row_numbers == [2, 3, 4, 5]


def test_every_sheet_hidden_and_empty(tmp_path):
    sheets = {"一班": [["学号"], ["001"]], "空": [], "二班": [["学号"], ["002"]]}
    path = write_xlsx(tmp_path / "b.xlsx", sheets, hidden=("二班",))
    first, second = read_file(path)
    assert (first.name, first.hidden, _cells(first)) == ("一班", False, [["001"]])
    assert (second.name, second.hidden, _cells(second)) == ("二班", True, [["002"]])
    assert "hidden-sheet" in _codes(second)
    assert "empty-sheet" in _codes(first)


def test_header_only_sheet_among_others_is_warned(tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", {"A": [["学号"], ["001"]], "B": [["学号", "姓名"]]})
    [sheet] = read_file(path)
    assert "header-only-sheet" in _codes(sheet)


def test_duplicate_and_blank_headers(tmp_path):
    rows = [["姓名", "姓名", None, "x"], ["a", "b", "c", "d"]]
    [sheet] = read_file(write_csv(tmp_path / "d.csv", rows))
    assert sheet.headers == ["姓名", "姓名 (2)", "column_3", "x"]
    assert "duplicate-header" in _codes(sheet)


def test_trailing_blank_columns_dropped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,,,\n1,2,,,\n3,4,,,\n", "utf-8")
    [sheet] = read_file(path)
    assert sheet.headers == ["a", "b"]
    blank = next(i for i in sheet.issues if i.code == "blank-columns-dropped")
    assert blank.params["columns"] == "C, D, E"


@pytest.mark.parametrize("writer", [write_xls, write_ods])
def test_xls_and_ods(tmp_path, writer):
    rows = [["学号", "姓名", "入学日期", "成绩"], ["0012021", "张三", dt.date(2021, 9, 1), 85.5], [20210002, "李四", None, 90]]
    suffix = ".xls" if writer is write_xls else ".ods"
    [sheet] = read_file(writer(tmp_path / f"f{suffix}", {"名单": rows}))
    assert sheet.name == "名单"
    assert sheet.headers == ["学号", "姓名", "入学日期", "成绩"]
    assert _cells(sheet) == [["0012021", "张三", "2021-09-01", "85.5"], ["20210002", "李四", None, "90"]]


def test_upload_bytes_use_file_name(tmp_path):
    data = write_csv(tmp_path / "a.csv", ZH_ROWS, encoding="gbk").read_bytes()
    [sheet] = read_file(data, file_name="名单.csv")
    assert sheet.name == "名单"
    assert _cells(sheet) == ZH_ROWS[1:]


# --- real public files (values read by hand with head / iconv -f cp949) ----------------------


def test_real_korean_cp949():
    [sheet] = read_file(REAL / "kr_qnet_national_technical_qualification_pass_rates_2019_2023.cp949.csv")
    assert sheet.headers == ["종목별", "항목", "단위", "2019 년", "2020 년", "2021 년", "2022 년", "2023 년"]
    assert len(sheet.frame) == 6832
    assert _cells(sheet)[0] == ["계", "필기접수[명]", "명", "2786759", "2616011", "3227486", "2807962", "3123934"]
    assert "blank-columns-dropped" in _codes(sheet)  # every line ends with a trailing comma


def test_real_french_lp():
    [sheet] = read_file(REAL / "fr-esr-insertion_professionnelle-lp.csv")
    assert len(sheet.frame) == 6038
    assert sheet.headers[:4] == ["Annee", "Diplôme", "Numéro de l'établissement", "Établissement"]
    values = set(sheet.frame["Taux d’insertion"].dropna())
    assert {"ns", "nd"} <= values


def test_real_dfe_padded_headers():
    [sheet] = read_file(REAL / "dfe_apprenticeship_starts_achievements_by_framework_1415.csv")
    assert sheet.headers[-2:] == ["Starts", "Achievements"]
    assert len(sheet.frame) == 17496
    assert _cells(sheet)[2][-2:] == [" -   ", " -   "]  # line 4 ends ", -   , -   " (od -c)


def test_real_singapore_and_placement():
    [ges] = read_file(REAL / "GraduateEmploymentSurveyNTUNUSSITSMUSUSSSUTD.csv")
    assert len(ges.frame) == 1262
    assert _cells(ges)[0][:2] == ["2013", "Nanyang Technological University"]
    [placement] = read_file(REAL / "Placement_Data_Full_Class.csv")
    assert len(placement.frame) == 215
    assert placement.headers[-1] == "Salary"  # no "\r" left from CRLF
    assert _cells(placement)[0][-2:] == ["Placed", "270000"]


def test_real_dut():
    [sheet] = read_file(REAL / "fr-esr-insertion_professionnelle-dut_donnees_nationales.csv")
    assert len(sheet.frame) == 732
    assert len(sheet.headers) == 68  # every column has a label; the empty ones are kept
    assert sheet.frame["statut_conspe"].isna().all()
