"""``python -m analytics``: commands, JSON output and exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.cli import main
from tests.filebuilders import write_csv

ROOT = Path(__file__).resolve().parents[1]
CERT = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]


@pytest.fixture
def files(tmp_path):
    good = write_csv(tmp_path / "good.csv", [CERT, ["1", "电工", "2024-06-20", "初级", "通过", "88"], ["2", "电工", "2024-06-20", "初级", "也许", "70"]])
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    return good, bad


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_reports_mapping_counts_and_rejects(tmp_path, files, capsys):
    good, _ = files
    code, out, _ = run(capsys, "import", str(good), "--db", str(tmp_path / "d.duckdb"), "--json", "--lang", "en")
    assert code == 0
    (report,) = json.loads(out)
    assert report["table"] == "certificate_exams"
    assert report["mapping"]["student_id"] == "学号"
    assert (report["rows_read"], report["inserted"], report["rejected"]) == (2, 1, 1)
    (reject,) = report["rejects"]
    assert (reject["row"], reject["column"], reject["value"], reject["code"]) == (3, "是否通过", "也许", "unknown-value")
    assert reject["message"]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["import", "{good}"], 0),  # rows rejected, file loaded
        (["import", "{good}", "{bad}"], 1),  # one file refused
        (["import", "{good}", "--table", "nonsense"], 2),  # usage error
        (["import", "{good}", "--map", "no-equals-sign"], 2),
        (["undo", "42"], 1),
        (["tables"], 0),
        (["batches"], 0),
    ],
)
def test_exit_status(tmp_path, files, capsys, argv, expected):
    good, bad = files
    argv = [a.format(good=good, bad=bad) for a in argv]
    assert run(capsys, "init", "--db", str(tmp_path / "d.duckdb"))[0] == 0  # read commands need a database
    code, out, err = run(capsys, *argv, "--db", str(tmp_path / "d.duckdb"))
    assert code == expected
    if expected:
        assert (out + err).strip()  # a message, not a traceback
        assert "Traceback" not in out + err


def test_usage_error_from_argparse_is_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["import"])
    assert exit_.value.code == 2


def test_tables_batches_rejects_undo_round_trip(tmp_path, files, capsys):
    good, _ = files
    dbp = str(tmp_path / "d.duckdb")
    run(capsys, "import", str(good), "--db", dbp)
    code, out, _ = run(capsys, "tables", "--db", dbp, "--json")
    tables = json.loads(out)
    assert tables["certificate_exams"]["rows"] == 1
    assert (tables["certificate_exams"]["year_from"], tables["certificate_exams"]["year_to"]) == (2024, 2024)
    assert tables["students"]["rows"] == 0
    code, out, _ = run(capsys, "batches", "--db", dbp, "--json")
    assert [b["batch_id"] for b in json.loads(out)] == [1]
    out_file = tmp_path / "rejects.xlsx"
    code, out, _ = run(capsys, "rejects", "1", "--db", dbp, "--out", str(out_file), "--lang", "en")
    assert code == 0 and out_file.stat().st_size > 0
    code, out, _ = run(capsys, "undo", "1", "--db", dbp, "--lang", "en")
    assert code == 0 and "removed 1" in out
    code, out, _ = run(capsys, "tables", "--db", dbp, "--json")
    assert json.loads(out)["certificate_exams"]["rows"] == 0


def test_db_from_environment_variable(tmp_path, files, monkeypatch, capsys):
    good, _ = files
    target = tmp_path / "env.duckdb"
    monkeypatch.setenv("DUAL_MENTOR_DB", str(target))
    assert run(capsys, "import", str(good))[0] == 0
    assert target.exists()


@pytest.mark.parametrize("lang, waiting, busy", [
    ("en", "waiting up to 0.5 s", "still in use by another program after waiting 0.5 s"),
    ("zh", "最多等待 0.5 秒", "等待 0.5 秒后"),
])
def test_second_writer_process_waits_then_says_busy(tmp_path, files, lang, waiting, busy):
    good, _ = files
    dbp = tmp_path / "busy.duckdb"
    from analytics import db

    con = db.connect(dbp)  # this process holds the write lock for the whole wait
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "analytics", "import", str(good), "--db", str(dbp), "--lang", lang, "--wait", "0.5"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    finally:
        con.close()
    assert proc.returncode == 2
    assert proc.stderr.count(waiting) == 1  # said once, not once per retry
    assert busy in proc.stderr
    assert "Traceback" not in proc.stderr


DESTINATIONS = [["学号", "姓名", "毕业年份", "毕业去向"], ["A1", "甲", "2024", "已就业"], ["A2", "乙", "2024", "打零工"],
                ["A3", "丙", "2024", "打零工"], ["A4", "丁", "2024", "回乡务农（家庭农场）"]]


def test_unknown_values_are_listed_once_then_mapped_with_value_and_reused(tmp_path, capsys):
    db_file = str(tmp_path / "d.duckdb")
    first = write_csv(tmp_path / "2024届.csv", DESTINATIONS)
    code, out, _ = run(capsys, "import", str(first), "--db", db_file, "--dry-run", "--lang", "en")
    assert code == 0
    # Two distinct unknown values, each listed once with its row count, and the option to give.
    assert "2 value(s) not understood" in out
    assert "毕业去向: “打零工” (2 rows)" in out and "毕业去向: “回乡务农（家庭农场）” (1 rows)" in out
    assert "--value \"status:打零工=" in out
    code, out, _ = run(capsys, "import", str(first), "--db", db_file, "--json",
                       "--value", "status:打零工=employed", "--value", "status:回乡务农（家庭农场）=other")
    (report,) = json.loads(out)
    assert (code, report["inserted"], report["rejected"], report["unknown_values"]) == (0, 4, 0, [])
    assert report["value_map"] == {"status": {"打零工": "employed", "回乡务农（家庭农场）": "other"}}
    # The next file with the same headers: no option, the saved value map applies.
    rows = [DESTINATIONS[0]] + [[f"B{i}", r[1], "2025", r[3]] for i, r in enumerate(DESTINATIONS[1:], 1)]
    second = write_csv(tmp_path / "2025届.csv", rows)
    code, out, _ = run(capsys, "import", str(second), "--db", db_file, "--json")
    (report,) = json.loads(out)
    assert (code, report["inserted"], report["rejected"]) == (0, 4, 0)
    assert report["value_map"]["status"]["打零工"] == "employed"


def test_many_unknown_values_ask_about_the_most_frequent_ones(tmp_path, capsys, monkeypatch):
    # Bug: a column of 100,000 distinct unknown values (a free-text column taken for the
    # status) spent 97 s on their nearest codes and printed a line for each. Now: the most
    # frequent UNKNOWN_ASKED values of a column are asked about, the rest counted.
    import collections

    from analytics.ingest import validate
    from tests.metric_fixtures import count_calls

    calls: collections.Counter = collections.Counter()
    count_calls(monkeypatch, calls, "nearest", validate, "nearest_codes")
    others = [[f"C{i}", "甲", "2024", f"情况说明{i}"] for i in range(100)]  # 100 values, one row each
    path = write_csv(tmp_path / "2024届.csv", [*DESTINATIONS, *others])  # and 打零工 (2 rows), 回乡务农… (1)
    code, out, _ = run(capsys, "import", str(path), "--db", str(tmp_path / "d.duckdb"), "--dry-run", "--lang", "en")
    assert code == 0
    assert validate.UNKNOWN_ASKED == 40 and calls["nearest"] == 40
    assert "102 value(s) not understood" in out
    listed = [line for line in out.splitlines() if line.startswith("    毕业去向: “")]
    assert len(listed) == 40 and listed[0].startswith("    毕业去向: “打零工” (2 rows), nearest: ")
    # 102 distinct values - 40 listed = 62 more, each in one row
    assert "    … and 62 more value(s) in 毕业去向 (62 rows)" in out
    code, out, _ = run(capsys, "import", str(path), "--db", str(tmp_path / "d.duckdb"), "--dry-run", "--json")
    (report,) = json.loads(out)
    unknown = report["unknown_values"]
    assert len(unknown) == 102 and sum(u["count"] for u in unknown) == 103  # every value, with its count
    assert all(u["nearest"] == [] for u in unknown[40:])  # nearest codes for the asked ones only
    assert unknown[0]["value"] == "打零工" and unknown[0]["nearest"]


@pytest.mark.parametrize(("value", "code_in_message"), [
    ("status=employed", "COLUMN:TEXT=CODE"),  # no column
    ("status:打零工", "COLUMN:TEXT=CODE"),  # no code
    ("statuz:打零工=employed", "statuz"),  # no such column
    ("status:打零工=xyz", "Not yet employed"),  # no such code: the accepted words are listed
])
def test_bad_value_options_are_usage_errors(tmp_path, capsys, value, code_in_message):
    path = write_csv(tmp_path / "d.csv", DESTINATIONS)
    code, out, err = run(capsys, "import", str(path), "--db", str(tmp_path / "d.duckdb"), "--value", value,
                         "--lang", "en")
    assert code == 2 and code_in_message in err


def _signoffs_logged(path: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(path)) as con:  # the configuration of a connection the command may have left
        return con.execute(
            "SELECT user_name, action, success, coalesce(json_extract_string(details, '$.status'), "
            "json_extract_string(details, '$.action')) FROM audit_log "
            "WHERE action IN ('signoff', 'denied') ORDER BY event_id").fetchall()


def test_cli_signoff_is_the_dashboards_action_and_is_audited(demo_copy, capsys):
    db = ["--db", str(demo_copy), "--lang", "en"]
    assert main(["signoff", "3301025", "2024", "--status", "submitted", "--by", "王老师", *db]) == 0
    assert main(["signoff", "3301025", "2024", "--status", "approved", "--by", "教育局", *db]) == 0
    capsys.readouterr()
    assert _signoffs_logged(demo_copy) == [("王老师", "signoff", True, "submitted"),
                                           ("教育局", "signoff", True, "approved")]


def test_cli_signoff_checks_the_permission_and_audits_a_refusal(demo_copy, capsys, monkeypatch):
    # a command-line user whose role may not approve (the check the dashboard makes): refused,
    # the refusal audited, the returns untouched
    from analytics import actions, auth

    monkeypatch.setattr(actions, "cli_user", lambda: auth.User("cli:x", "viewer", None, "local"))
    code = main(["signoff", "3301025", "2024", "--status", "submitted", "--by", "李四",
                 "--db", str(demo_copy), "--lang", "en"])
    assert code == 1
    assert "李四 (viewer) may not do this (submit_returns)." in capsys.readouterr().err
    assert _signoffs_logged(demo_copy) == [("李四", "denied", False, "submit_returns")]


# Modules an option's values come from (cli.Choices): imported only when that option is
# checked or its help shown, never to build the parser of every command.
CHOICE_MODULES = ("analytics.report", "analytics.privacy", "analytics.signoff")


@pytest.mark.parametrize("argv", [[], ["import", "x.csv", "--dry-run"], ["metrics", "--json"]])
def test_building_the_parser_imports_no_module_of_option_values(argv):
    # argparse formatted each option's choices into its usage as the option was added, which
    # imported the report renderer (about 0.5 s) for every command, import and metrics too
    code = ("import sys; from analytics import cli; p = cli.build_parser(); "
            f"p.parse_args({argv!r}) if {argv!r} else None; "
            f"print(' '.join(m for m in {CHOICE_MODULES!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


@pytest.mark.parametrize(("argv", "values"), [
    (["report", "--format", "pdf", "--out", "x"], "'html', 'xlsx'"),
    (["signoff", "S1", "2024", "--status", "done", "--by", "me"], "'submitted', 'approved', 'returned'"),
    (["export", "--kind", "all", "--out", "x.zip"], "'research', 'aggregate'"),
])
def test_a_value_not_among_an_options_choices_is_refused_naming_them(capsys, argv, values):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and f"(choose from {values})" in capsys.readouterr().err


@pytest.mark.parametrize(("command", "shown"), [
    ("report", "html, xlsx: html opens"), ("cards", "html, xlsx, or both"),
    ("signoff", "submitted, approved, returned"), ("export", "research, aggregate:"),
])
def test_the_help_names_an_options_values(capsys, command, shown):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert shown in " ".join(capsys.readouterr().out.split())
