"""The command line and the store file: read commands never create a database, refuse a file that
is no database, name the filter values that exist, and every filter flag explains itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.cli import build_parser, main

# Commands that must find an existing database (every one but init, import, demo, copy, template, user).
EXISTING_ONLY = [
    ["tables"],
    ["batches"],
    ["metrics"],
    ["rejects", "1"],
    ["undo", "1"],
    ["redo", "1"],
    ["report", "--format", "html", "--out", "{tmp}/pack.html"],
    ["export", "--kind", "aggregate", "--out", "{tmp}/agg.zip"],
    ["cards", "--out", "{tmp}/cards"],
    ["signoff", "3301025", "2024", "--status", "submitted", "--by", "tester"],
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _store(tmp_path: Path, state: str) -> Path:
    """A --db that is not a database: missing, a 0-byte file, or a text file."""
    path = tmp_path / "typo.duckdb"
    if state == "empty":
        path.write_bytes(b"")
    elif state == "text":
        path.write_text("学号,姓名\n1,甲\n" * 50, encoding="utf-8")
    return path


@pytest.mark.parametrize("argv", EXISTING_ONLY, ids=lambda a: a[0])
@pytest.mark.parametrize("state, en", [
    ("missing", "There is no database at"),
    ("empty", "is empty, not a database"),
    ("text", "is not a DuckDB database"),
])
def test_commands_refuse_a_db_that_is_no_database_and_leave_it_as_it_was(tmp_path, capsys, argv, state, en):
    path = _store(tmp_path, state)
    before = path.read_bytes() if path.exists() else None
    argv = [a.format(tmp=tmp_path) for a in argv]
    code, out, err = run(capsys, *argv, "--db", str(path), "--lang", "en")
    assert code == 2
    assert en in err and str(path) in err
    assert "Traceback" not in err
    assert (path.read_bytes() if path.exists() else None) == before  # nothing created, nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if state == "missing" else ["typo.duckdb"])


@pytest.mark.parametrize("state, zh", [
    ("missing", "处没有数据库"),
    ("empty", "是空文件，不是数据库"),
    ("text", "不是 DuckDB 数据库"),
])
def test_the_refusal_speaks_chinese(tmp_path, capsys, state, zh):
    path = _store(tmp_path, state)
    code, _, err = run(capsys, "metrics", "--db", str(path), "--lang", "zh")
    assert code == 2
    assert zh in err


@pytest.mark.parametrize("argv", [["init"], ["demo", "--students", "100"]], ids=lambda a: a[0])
def test_init_and_demo_still_create_the_database(tmp_path, capsys, argv):
    path = tmp_path / "new" / "d.duckdb"
    code, _, _ = run(capsys, *argv, "--db", str(path), "--lang", "en")
    assert code == 0
    assert path.stat().st_size > 0
    assert run(capsys, "tables", "--db", str(path))[0] == 0


def test_import_still_creates_the_database(tmp_path, capsys):
    from tests.filebuilders import write_csv

    good = write_csv(tmp_path / "c.csv", [["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"],
                                          ["1", "电工", "2024-06-20", "初级", "通过", "88"]])
    path = tmp_path / "made.duckdb"
    assert run(capsys, "import", str(good), "--db", str(path))[0] == 0
    assert path.exists()


@pytest.mark.parametrize("option, value, en, zh", [
    # the demo's six majors, all listed (fewer than the 12 shown)
    ("--major", "机电一体化", "会计事务, 数控技术应用, 汽车运用与维修, 电子商务, 电子技术应用, 计算机网络技术.", "会计事务"),
    ("--school", "9999", "3301025 (临江市信息与商贸职业学校), 3301012 (临江市机电职业技术学校).", "3301012"),
    ("--model", "3+2", "The values present: 1.5+1.5, 2+1.", "1.5+1.5, 2+1"),
    ("--cohort", "2030", "2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025.", "2018"),
    # 30 enterprises: the first 12 and "18 more" (30 - 12 = 18)
    ("--enterprise", "X1", "… and 18 more.", "另有 18 个"),
])
def test_an_unknown_filter_value_lists_the_values_present(demo_db, capsys, option, value, en, zh):
    code, out, err = run(capsys, "metrics", "--db", str(demo_db), option, value, "--lang", "en")
    assert (code, out) == (2, "")
    assert f"No data has {option} “{value}”" in err and en in err
    code, _, err = run(capsys, "report", "--format", "html", "--out", "/nonexistent/never.html",
                       "--db", str(demo_db), option, value, "--lang", "zh")
    assert code == 2
    assert f"数据中没有 {option} 为“{value}”的记录" in err and zh in err


def test_the_enterprise_list_is_bounded(demo_db, capsys):
    _, _, err = run(capsys, "metrics", "--db", str(demo_db), "--enterprise", "X1", "--lang", "en")
    listed = err.split("The values present: ")[1].split(" … ")[0].split(", ")
    assert len(listed) == 12


def test_known_filter_values_pass(demo_db, capsys):
    code, out, _ = run(capsys, "metrics", "--db", str(demo_db), "--major", "电子商务", "--school", "3301025",
                       "--cohort", "2022", "--json")
    assert code == 0 and out.startswith("{")


def test_every_flag_and_argument_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    missing = [f"{name} {a.option_strings or a.dest}" for name, p in sub.choices.items() for a in p._actions
               if not a.help]
    assert missing == []


@pytest.mark.parametrize("wait", ["soon", "-1"])
def test_a_bad_wait_is_a_usage_error(demo_db, capsys, monkeypatch, wait):
    monkeypatch.setenv("DUAL_MENTOR_WAIT", wait)
    code, _, err = run(capsys, "tables", "--db", str(demo_db), "--lang", "en")
    assert code == 2
    assert "is not a number of seconds" in err
