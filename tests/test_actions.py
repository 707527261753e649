"""``analytics.actions``: one permission check, one operation and one audit record per action,
the same from the command line and the dashboard (issue 16.1)."""

from __future__ import annotations

import json

import pytest

from analytics import actions, audit, auth, db
from analytics.cli import main
from analytics.config import Settings
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from tests.filebuilders import write_csv
from engine_fixtures import store_address
from tests.metric_fixtures import make_db

# The same expectations on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

CERT = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]
VIEWER = auth.User("v", "viewer", ("S1",))
LEADER = auth.User("lead", "leader", ("S1",))
RESEARCHER = auth.User("res", "researcher", ("S1",))


@pytest.fixture
def good(tmp_path):
    # 2 rows: the first loads, the second is rejected ("也许" is no pass/fail answer)
    return write_csv(tmp_path / "good.csv", [CERT, ["1", "电工", "2024-06-20", "初级", "通过", "88"],
                                             ["2", "电工", "2024-06-20", "初级", "也许", "70"]])


def _log(path) -> list[tuple[str, str, bool, dict]]:
    con = db.connect(path)
    try:
        frame = audit.query_audit(con)
    finally:
        con.close()
    return [(u, a, bool(s), json.loads(d)) for u, a, s, d in
            zip(frame["user_name"], frame["action"], frame["success"], frame["details"], strict=True)][::-1]


def test_cli_import_undo_report_export_are_audited(tmp_path, good, capsys):
    dbp = store_address(tmp_path)  # the CLI on this test's engine
    assert main(["import", str(good), "--db", dbp]) == 0
    assert main(["import", str(good), "--db", dbp, "--dry-run"]) == 0  # a check writes nothing, not audited
    assert main(["undo", "1", "--db", dbp]) == 0
    assert main(["undo", "1", "--db", dbp]) == 1  # already undone: refused, and audited as such
    assert main(["report", "--db", dbp, "--format", "html", "--out", str(tmp_path / "p.html"), "--from-year", "2024"]) == 0
    assert main(["export", "--db", dbp, "--kind", "aggregate", "--out", str(tmp_path / "a.zip")]) == 0
    capsys.readouterr()
    log = _log(dbp)
    me = actions.cli_user().name
    assert me.startswith("cli")
    assert [(u, a, s) for u, a, s, _ in log] == [(me, "import", True), (me, "undo", True), (me, "undo", False),
                                                 (me, "export", True), (me, "export", True)]
    sheet = log[0][3]["sheets"][0]
    assert (sheet["file"], sheet["batch"], sheet["inserted"], sheet["rejected"]) == ("good.csv", 1, 1, 1)
    assert log[1][3] == {"batch": 1, "removed": 1, "restored": 0}
    assert log[3][3] == {"kind": "report", "format": "html", "filters": {"from": "2024"}, "scope": None}
    assert (log[4][3]["kind"], log[4][3]["format"]) == ("aggregate", "csv")
    assert (tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("user, call, action", [
    (VIEWER, lambda con, u, p: actions.import_file(con, u, p), "import"),
    (LEADER, lambda con, u, p: actions.undo(con, u, 1), "undo"),
    (RESEARCHER, lambda con, u, p: actions.report(con, u, Filters(), Settings(), "html", "en"), "export_report"),
    (LEADER, lambda con, u, p: actions.export(con, u, "research", "csv", Filters(), Settings(), "en"),
     "export_research"),
    (RESEARCHER, lambda con, u, p: actions.record_decision(con, u, Settings(), title="x", owner_side="school",
                                                           due_on=__import__("datetime").date(2030, 1, 1)),
     "record_decision"),
    (LEADER, lambda con, u, p: actions.remove_user(con, u, p.parent / "users.toml", "x"), "manage_users"),
])
def test_a_refused_action_is_audited_and_changes_nothing(user, call, action, good):
    con = make_db()
    actions.import_file(con, actions.cli_user(), good)  # batch 1, 1 row
    with pytest.raises(AnalyticsError) as err:
        call(con, user, good)
    assert err.value.code == "auth-forbidden"
    last = audit.query_audit(con).iloc[0]
    assert (last["user_name"], last["action"], bool(last["success"])) == (user.name, "denied", False)
    assert json.loads(last["details"]) == {"action": action}
    assert db.table_counts(con)["certificate_exams"] == 1
    con.close()


def test_report_is_scoped_to_the_users_schools():
    con = make_db()
    data = actions.report(con, LEADER, Filters(major="数控"), Settings(), "xlsx", "zh")
    assert data[:2] == b"PK"
    details = json.loads(audit.query_audit(con).iloc[0]["details"])
    assert details == {"kind": "report", "format": "xlsx", "filters": {"major": "数控"}, "scope": ["S1"]}
    con.close()


@pytest.mark.one_engine
@pytest.mark.parametrize("table, overrides, values, remembered", [
    (None, None, None, False),  # detection alone: it finds the mapping again next time
    ("certificate_exams", None, None, True),
    (None, {"student_id": "学号"}, None, True),
    (None, None, {"passed": {"也许": "no"}}, True),
    (None, {}, {}, False),
])
def test_one_remember_policy(table, overrides, values, remembered):
    assert actions.remember_mapping(table, overrides, values) is remembered


def test_a_stated_mapping_is_saved_when_it_loads(good):
    """Detection alone saves nothing; a check saves nothing; a stated table that loads is saved."""
    con = make_db()
    count = "SELECT count(*) FROM saved_mappings"
    actions.import_file(con, actions.cli_user(), good)
    assert con.execute(count).fetchone()[0] == 0
    actions.import_file(con, actions.cli_user(), good, dry_run=True, table="certificate_exams")
    assert con.execute(count).fetchone()[0] == 0
    changed = good.with_name("again.csv")
    changed.write_text(good.read_text(encoding="utf-8") + "3,电工,2024-06-20,初级,通过,90\n", encoding="utf-8")
    actions.import_file(con, actions.cli_user(), changed, table="certificate_exams")
    assert con.execute(count).fetchone()[0] == 1
    con.close()


SCHOOLS = ["学校代码", "学校名称"]


def _names(con) -> dict[str, str]:
    return dict(con.execute("SELECT school_id, school_name FROM schools").fetchall())


def test_redo_applies_an_undone_batch_again_and_it_can_be_undone_again(tmp_path):
    con = make_db()
    me = actions.cli_user()
    a = write_csv(tmp_path / "a.csv", [SCHOOLS, ["S1", "一中"], ["S2", "二中"]])
    b = write_csv(tmp_path / "b.csv", [SCHOOLS, ["S2", "第二中学"], ["S3", "三中"]])
    actions.import_file(con, me, a)  # batch 1: S1, S2 inserted
    actions.import_file(con, me, b)  # batch 2: S3 inserted, S2 renamed (the old name kept for undo)
    after = {"S1": "一中", "S2": "第二中学", "S3": "三中"}
    before = {"S1": "一中", "S2": "二中"}
    assert _names(con) == after
    assert actions.undo(con, me, 2) == {"removed": 1, "restored": 1}
    assert _names(con) == before
    assert actions.redo(con, me, 2) == {"inserted": 1, "replaced": 1}
    assert _names(con) == after
    assert actions.undo(con, me, 2) == {"removed": 1, "restored": 1}  # exactly as the first time
    assert _names(con) == before
    assert actions.redo(con, me, 2) == {"inserted": 1, "replaced": 1}
    log = audit.query_audit(con)
    assert list(log["action"][:4]) == ["redo", "undo", "redo", "undo"]
    assert json.loads(log["details"].iloc[0]) == {"batch": 2, "inserted": 1, "replaced": 1}
    con.close()


@pytest.mark.parametrize("steps, batch, code", [
    ([], 2, "redo-not-undone"),  # batch 2 is loaded
    ([], 9, "undo-unknown-batch"),
    (["undo 2", "import c"], 2, "redo-later-batch"),  # batch 3 wrote S3 again since the undo
])
def test_redo_is_refused_when_it_would_not_be_what_was_undone(tmp_path, steps, batch, code):
    con = make_db()
    me = actions.cli_user()
    actions.import_file(con, me, write_csv(tmp_path / "a.csv", [SCHOOLS, ["S1", "一中"]]))
    actions.import_file(con, me, write_csv(tmp_path / "b.csv", [SCHOOLS, ["S3", "三中"]]))
    for step in steps:
        if step == "undo 2":
            actions.undo(con, me, 2)
        else:
            actions.import_file(con, me, write_csv(tmp_path / "c.csv", [SCHOOLS, ["S3", "第三中学"]]))
    names = _names(con)
    with pytest.raises(AnalyticsError) as err:
        actions.redo(con, me, batch)
    assert err.value.code == code
    assert _names(con) == names
    last = audit.query_audit(con).iloc[0]
    assert (last["action"], bool(last["success"])) == ("redo", False)
    con.close()


def test_cli_redo(tmp_path, capsys):
    dbp = store_address(tmp_path)  # the CLI on this test's engine
    path = write_csv(tmp_path / "a.csv", [SCHOOLS, ["S1", "一中"], ["S2", "二中"]])
    assert main(["import", str(path), "--db", dbp]) == 0
    assert main(["undo", "1", "--db", dbp]) == 0
    capsys.readouterr()
    assert main(["redo", "1", "--db", dbp, "--lang", "en"]) == 0
    assert "inserted 2 rows, replaced 0" in capsys.readouterr().out
    assert main(["redo", "1", "--db", dbp]) == 1


def _option(parser, *path: str):
    """The argparse action of ``path`` (subcommands, then the option's dest)."""
    import argparse

    *commands, dest = path
    for name in commands:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return next(a for a in parser._actions if a.dest == dest)


@pytest.mark.one_engine
def test_cli_choices_are_the_constants_they_name():
    from analytics import i18n, privacy, report
    from analytics.cli import build_parser
    from analytics.filters import DUAL_VALUES

    parser = build_parser()
    assert list(_option(parser, "report", "format").choices) == list(report.FORMATS)
    assert list(_option(parser, "export", "kind").choices) == list(privacy.KINDS)
    assert list(_option(parser, "export", "format").choices) == list(privacy.FORMATS)
    assert list(_option(parser, "metrics", "dual").choices) == list(DUAL_VALUES)
    assert list(_option(parser, "user", "add", "role").choices) == list(auth.ROLES)
    assert list(_option(parser, "tables", "lang").choices) == list(i18n.LANGS)


@pytest.mark.one_engine
def test_cli_demo_leaves_its_defaults_to_the_generator(monkeypatch, tmp_path, capsys):
    seen = {}
    monkeypatch.setattr(actions, "load_demo", lambda con, user, **kw: seen.update(kw) or [])
    assert main(["demo", "--db", str(tmp_path / "d.duckdb")]) == 0
    assert seen == {"out_dir": None, "region": False}  # --region (the bureau demo) off by default
    assert main(["demo", "--db", str(tmp_path / "d.duckdb"), "--students", "30", "--seed", "7"]) == 0
    assert seen == {"out_dir": None, "region": False, "students": 30, "seed": 7}
    capsys.readouterr()


@pytest.mark.one_engine
def test_cli_usage_error_names_the_formats(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--format", "pdf", "--out", "x"])
    assert exit_.value.code == 2
    assert "'html', 'xlsx'" in capsys.readouterr().err
