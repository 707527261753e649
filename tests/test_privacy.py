"""Research export: pseudonyms, the key file, dropped personal data, dictionary, formula escaping.

The fixture is imported through the real importer (CSV files built by code), with
formula-looking text planted in names, notes and kept text columns, and phone numbers
planted in notes and survey respondents.
"""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics import db, schema
from analytics.cli import main
from analytics.errors import ConfigError
from analytics.filters import Filters
from analytics.ingest.pipeline import import_file
from analytics.privacy import (
    KEY_FILE,
    PSEUDONYM_COLUMNS,
    connection_key_path,
    data_dictionary,
    key_path,
    load_key,
    pseudonym,
    research_export_bytes,
    treatment,
)
from tests.filebuilders import write_csv
from tests.metric_fixtures import make_db

# The same expectations on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))

STUDENT_IDS = ["020230001", "020230002", "020230003", "学籍A-17"]
MENTOR_IDS = ["T001", "E900"]
NAMES = ["=HYPERLINK(\"http://evil.example\",\"张三\")", "李四", "王小五", "@SUM(1+1)", "陈老师", "赵师傅"]
PHONES = ["13812345678", "13900001111"]
FILES = {
    "mentors.csv": [
        ["导师工号", "导师姓名", "导师类型", "专业", "从业年限", "职业资格证书"],
        ["T001", "陈老师", "校内导师", "数控技术应用", "6", "-2"],
        ["E900", "赵师傅", "企业导师", "数控技术应用", "12", "高级工"],
    ],
    "students.csv": [
        ["学号", "姓名", "专业", "班级", "入学年份", "毕业年份", "是否双导师", "校内导师", "企业导师"],
        ["020230001", NAMES[0], "数控技术应用", "=HYPERLINK(\"http://evil.example\")", "2023", "2026", "是", "T001", "E900"],
        ["020230002", "李四", "数控技术应用", "23数控1班", "2023", "2026", "否", "T001", ""],
        ["020230003", "王小五", "+1", "23电商1班", "2023", "2026", "是", "T001", "E900"],
        ["学籍A-17", NAMES[3], "+1", "23电商1班", "2022", "2025", "否", "", ""],
    ],
    "certificate_exams.csv": [
        ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"],
        ["020230001", "数控车铣", "2025-06-15", "-2", "通过", "86"],
        ["020230002", "数控车铣", "2025-06-15", "中级", "未通过", "52"],
        ["学籍A-17", "电子商务师", "2024-06-15", "@cmd", "通过", "90"],
    ],
    "employment.csv": [
        ["学号", "调查日期", "毕业年份", "就业状态", "就业单位", "月薪"],
        ["学籍A-17", "2025-08-31", "2025", "已就业", "@cmd", "4500"],
    ],
    "mentor_activities.csv": [
        ["导师工号", "活动日期", "活动类型", "次数", "备注"],
        ["T001", "2025-03-12", "企业走访", "1", f"=HYPERLINK(\"tel:{PHONES[0]}\") 联系电话 {PHONES[0]}"],
        ["E900", "2025-03-20", "进校授课", "2", "-2 课时调整"],
    ],
    "satisfaction_surveys.csv": [
        ["企业编号", "调查日期", "填写人", "评价维度", "评分"],
        ["E01", "2025-12-20", f"人事部 {PHONES[1]}", "总体满意度", "满意"],
    ],
}


def _load(con, folder: Path) -> None:
    for name, rows in FILES.items():
        path = write_csv(folder / name, rows)
        (result,) = import_file(con, path)
        assert result.status == "loaded", (name, result.refused)
        assert result.rejected == 0, (name, [i.code for i in result.errors])


@pytest.fixture(scope="module")
def con(engine: str, tmp_path_factory):
    con = make_db()
    _load(con, tmp_path_factory.mktemp("privacy"))
    return con


def _csv_tables(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {
            name: list(csv.reader(io.StringIO(zf.read(name).decode("utf-8-sig"))))
            for name in zf.namelist()
            if name.endswith(".csv")
        }


def _all_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())


def test_no_raw_id_name_or_phone_in_any_cell(con):
    data = research_export_bytes(con, Filters(), "csv", key=KEY)
    secrets = STUDENT_IDS + MENTOR_IDS + NAMES + PHONES + ["人事部"]
    tables = _csv_tables(data)
    # Every cell of every table (the dictionary and README describe columns, never values).
    for name, rows in tables.items():
        for row in rows:
            for cell in row:
                for secret in secrets:
                    assert secret not in cell, (name, cell)
    readme = zipfile.ZipFile(io.BytesIO(data)).read("README.txt").decode("utf-8-sig")
    assert not any(s in readme for s in secrets)
    # Rows did arrive: 2 mentors, 4 students, 3 exams, 1 employment, 2 activities, 1 survey.
    assert {n: len(r) - 1 for n, r in tables.items() if n != "data_dictionary.csv"} == {
        "schools.csv": 0, "enterprises.csv": 0, "mentors.csv": 2, "students.csv": 4,
        "certificate_exams.csv": 3, "employment.csv": 1, "satisfaction_surveys.csv": 1,
        "mentor_activities.csv": 2, "student_assessments.csv": 0, "mentor_evaluations.csv": 0,
        "funding.csv": 0, "benchmarks.csv": 0, "agreements.csv": 0, "mentor_training.csv": 0, "actions.csv": 0,
    }


def test_personal_columns_dropped_ids_pseudonymised_salary_kept(con):
    tables = _csv_tables(research_export_bytes(con, Filters(), "csv", key=KEY))
    headers = {name.removesuffix(".csv"): rows[0] for name, rows in tables.items()}
    for table in schema.TABLES:
        expected = [c.name for c in table.columns if treatment(c) != "dropped"]
        assert headers[table.name] == expected
    for dropped in ("student_name", "mentor_name", "notes", "respondent"):
        assert all(dropped not in h for h in headers.values())
    employment = dict(zip(*tables["employment.csv"], strict=True))
    assert employment["monthly_salary"] == "4500.0"
    assert employment["student_id"] == pseudonym("学籍A-17", KEY)


def test_pseudonyms_join_across_tables_and_match_python_hmac(con):
    frames = {
        n.removesuffix(".csv"): pd.DataFrame(r[1:], columns=r[0])
        for n, r in _csv_tables(research_export_bytes(con, Filters(), "csv", key=KEY)).items()
    }
    assert sorted(frames["students"]["student_id"]) == sorted(pseudonym(s, KEY) for s in STUDENT_IDS)
    assert sorted(frames["mentors"]["mentor_id"]) == sorted(pseudonym(m, KEY) for m in MENTOR_IDS)
    # School mentor of the students is the mentor T001 of the mentors table, under one pseudonym.
    assert set(frames["students"]["school_mentor_id"]) - {""} == {pseudonym("T001", KEY)}
    assert set(frames["certificate_exams"]["student_id"]) <= set(frames["students"]["student_id"])
    assert all(len(p) == 16 for p in frames["students"]["student_id"])


def test_pseudonyms_stable_with_same_key_and_differ_with_another(con):
    first = research_export_bytes(con, Filters(), "csv", key=KEY)
    again = research_export_bytes(con, Filters(), "csv", key=KEY)
    other = research_export_bytes(con, Filters(), "csv", key=OTHER_KEY)
    students = lambda data: sorted(r[0] for r in _csv_tables(data)["students.csv"][1:])  # noqa: E731
    assert students(first) == students(again)
    assert not set(students(first)) & set(students(other))


@pytest.mark.parametrize(
    "table, column, planted",
    [
        ("students", "major", "+1"),
        ("certificate_exams", "certificate_level", "-2"),
        ("certificate_exams", "certificate_level", "@cmd"),
        ("employment", "employer_name", "@cmd"),
        ("mentors", "qualification", "-2"),
    ],
)
def test_formula_text_escaped_in_csv_and_raw_in_parquet(con, table, column, planted):
    csv_rows = _csv_tables(research_export_bytes(con, Filters(), "csv", key=KEY))[f"{table}.csv"]
    at = csv_rows[0].index(column)
    values = [r[at] for r in csv_rows[1:]]
    assert "'" + planted in values
    assert planted not in values
    with zipfile.ZipFile(io.BytesIO(research_export_bytes(con, Filters(), "parquet", key=KEY))) as zf:
        frame = pq.read_table(io.BytesIO(zf.read(f"{table}.parquet"))).to_pandas()
    assert planted in set(frame[column])


def test_numbers_stay_numbers_in_parquet(con):
    with zipfile.ZipFile(io.BytesIO(research_export_bytes(con, Filters(), "parquet", key=KEY))) as zf:
        exams = pq.read_table(io.BytesIO(zf.read("certificate_exams.parquet"))).to_pandas()
        assert sorted(zf.namelist()) == sorted(
            [f"{t}.parquet" for t in schema.TABLE_NAMES] + ["data_dictionary.parquet", "METHODS.md", "README.txt"]
        )
    assert sorted(exams["score"]) == [52.0, 86.0, 90.0]
    assert sorted(exams["passed"]) == [False, True, True]


def test_filters_select_rows(con):
    tables = _csv_tables(research_export_bytes(con, Filters(major="+1"), "csv", key=KEY))
    # Majors "+1": students 020230003 and 学籍A-17; their exams: only 学籍A-17's one.
    assert sorted(r[0] for r in tables["students.csv"][1:]) == sorted(
        pseudonym(s, KEY) for s in ("020230003", "学籍A-17")
    )
    assert len(tables["certificate_exams.csv"]) - 1 == 1
    years = _csv_tables(research_export_bytes(con, Filters(year_from=2025, year_to=2025), "csv", key=KEY))
    assert len(years["certificate_exams.csv"]) - 1 == 2  # the two exams of 2025-06-15


def test_dictionary_describes_every_column():
    zh, en = data_dictionary("zh"), data_dictionary("en")
    assert len(en) == sum(len(t.columns) for t in schema.TABLES)
    status = en.set_index(["table", "column"])
    assert status.loc[("employment", "status"), "allowed_values"] == "; ".join(schema.EMPLOYMENT_STATUSES)
    assert status.loc[("students", "dual_mentor"), "allowed_values"] == "true; false"
    assert not status.loc[("students", "student_name"), "in_export"]
    assert status.loc[("students", "school_mentor_id"), "treatment"].startswith("pseudonymised")
    assert "research variable" in status.loc[("employment", "monthly_salary"), "meaning"]
    assert "研究变量" in zh.set_index(["table", "column"]).loc[("employment", "monthly_salary"), "meaning"]
    for column in PSEUDONYM_COLUMNS:
        assert (en[en["column"] == column]["in_export"]).all()


@pytest.mark.one_engine
def test_key_file_created_beside_database_0600_and_reused(tmp_path):
    path = tmp_path / "store" / "d.duckdb"
    con = db.connect(path)
    _load(con, tmp_path)
    key_file = tmp_path / "store" / KEY_FILE
    assert connection_key_path(con) == key_file == key_path(path)
    assert not key_file.exists()
    first = research_export_bytes(con, Filters(), "csv")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    key = load_key(key_file)
    assert len(key) == 32
    assert research_export_bytes(con, Filters(), "csv") != b""
    assert _csv_tables(first)["students.csv"][1:] == _csv_tables(research_export_bytes(con, Filters(), "csv", key=key))["students.csv"][1:]
    # The key never travels with the export.
    assert key.hex() not in _all_text(first)
    assert all("secrets" not in n and "key" not in n for n in zipfile.ZipFile(io.BytesIO(first)).namelist())


@pytest.mark.one_engine
def test_in_memory_database_needs_a_key(con):
    with pytest.raises(ConfigError) as err:
        research_export_bytes(con, Filters(), "csv")
    assert err.value.code == "export-key-needed"


@pytest.mark.one_engine
@pytest.mark.parametrize("content", ["not hex at all", "abcd", ""])
def test_bad_key_file_refused(tmp_path, content):
    bad = tmp_path / "k.key"
    bad.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_key(bad)
    assert err.value.code == "export-key-invalid"
    assert str(bad) in err.value.message("zh")


@pytest.mark.one_engine
def test_cli_research_and_aggregate_exports(tmp_path, capsys):
    path = tmp_path / "d.duckdb"
    con = db.connect(path)
    _load(con, tmp_path)
    con.close()
    out = tmp_path / "r.zip"
    assert main(["export", "--db", str(path), "--kind", "research", "--out", str(out), "--major", "+1", "--lang", "en"]) == 0
    assert len(_csv_tables(out.read_bytes())["students.csv"]) - 1 == 2
    assert (tmp_path / KEY_FILE).exists()
    agg = tmp_path / "a.zip"
    assert main(["export", "--db", str(path), "--kind", "aggregate", "--format", "parquet", "--out", str(agg)]) == 0
    assert "graduates_placed.parquet" in zipfile.ZipFile(agg).namelist()
    with pytest.raises(SystemExit) as usage:
        main(["export", "--db", str(path), "--kind", "research", "--format", "xml", "--out", str(out)])
    assert usage.value.code == 2
    capsys.readouterr()


# Free text (#18 item 8): a phone, an ID-card number or an e-mail typed into a kept text
# column never leaves in a research export; class names (which carry teachers' names) are
# pseudonymised. Each planted secret with the part that must survive beside it.
FREE_TEXT_SECRETS = [
    "13812345678", "138-1234-5678", "+86 139 0000 1111", "0574-87654321",
    "330102199001011234", "33010219900101123X", "330102900101123", "hr.zhang@example.cn",
    "１３８１２３４５６７８",  # full-width digits, as an IME types them
]


@pytest.fixture
def free_text_con(tmp_path):
    con = make_db()
    employer = "宁波精工机械有限公司 " + " ".join(f"联系{s}" for s in FREE_TEXT_SECRETS)
    files = {
        "students.csv": [["学号", "姓名", "专业", "班级", "入学年份", "毕业年份"],
                         ["S1", "张三", "数控技术应用", "23数控1班（王建国老师）", "2023", "2026"]],
        "employment.csv": [["学号", "调查日期", "毕业年份", "就业状态", "就业单位", "月薪"],
                           ["S1", "2026-08-31", "2026", "已就业", employer, "4500"]],
        "mentors.csv": [["导师工号", "导师姓名", "导师类型", "职业资格证书"],
                        ["T1", "陈老师", "校内导师", f"高级工 证书号 {FREE_TEXT_SECRETS[4]}"]],
    }
    for name, rows in files.items():
        (result,) = import_file(con, write_csv(tmp_path / name, rows))
        assert (result.status, result.rejected) == ("loaded", 0), name
    yield con
    con.close()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_free_text_scrubbed_of_phones_id_cards_and_emails(free_text_con, fmt):
    data = research_export_bytes(free_text_con, Filters(), fmt, key=KEY)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        frames = {n.split(".")[0]: (pd.read_parquet(io.BytesIO(zf.read(n))) if fmt == "parquet"
                                    else pd.read_csv(io.BytesIO(zf.read(n)), dtype=str, keep_default_na=False))
                  for n in zf.namelist() if n.endswith(fmt)}
    employer = frames["employment"]["employer_name"].iat[0]
    assert employer.startswith("宁波精工机械有限公司")  # the research variable survives
    cells = " ".join(str(v) for f in frames.values() for v in f.to_numpy().ravel())
    digits = lambda s: "".join(ch for ch in s if ch.isdigit() or ch == "X")  # noqa: E731
    for secret in FREE_TEXT_SECRETS:
        assert secret not in cells, secret
        if digits(secret):
            assert digits(secret)[-7:] not in digits(cells), secret  # nor its digits split up
    assert "example.cn" not in cells
    (stored,) = free_text_con.execute("SELECT class_name FROM students").fetchone()
    assert "王建国" in stored
    assert frames["students"]["class_name"].iat[0] == pseudonym(stored, KEY)
    assert "王建国" not in cells
    assert "高级工" in frames["mentors"]["qualification"].iat[0]


def test_dictionary_says_which_free_text_is_scrubbed():
    en = data_dictionary("en").set_index(["table", "column"])
    assert "scrubbed" in en.loc[("employment", "employer_name"), "treatment"]
    assert "phone" in en.loc[("employment", "employer_name"), "meaning"]
    assert en.loc[("students", "class_name"), "treatment"].startswith("pseudonymised")
    zh = data_dictionary("zh").set_index(["table", "column"])
    assert "电话" in zh.loc[("employment", "employer_name"), "meaning"]
