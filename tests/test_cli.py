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


def test_second_writer_process_gets_in_use_message(tmp_path, files):
    good, _ = files
    dbp = tmp_path / "busy.duckdb"
    from analytics import db

    con = db.connect(dbp)  # this process holds the write lock
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "analytics", "import", str(good), "--db", str(dbp), "--lang", "en"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    finally:
        con.close()
    assert proc.returncode == 1
    assert "open for writing in another program" in proc.stderr
