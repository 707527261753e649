"""The pages of closing the loop (issue 19) in AppTest on the demo data: Actions, Training
stages, Agreements, Two-way training, Recognition; recording an action beside a headline and
an attention item, closing and undoing it; who may record."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import auth, db, decisions
from analytics.i18n import md

PAGES = {
    "pages/9_actions.py": ("决策督办", "Actions"),
    "pages/10_stages.py": ("培养阶段", "Training stages"),
    "pages/11_agreements.py": ("合作协议", "Agreements"),
    "pages/12_training.py": ("双向培训", "Two-way training"),
    "pages/13_recognition.py": ("评优推荐", "Recognition"),
}
PASSWORD = "correct horse battery"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_in_both_languages(app, demo_db, page, lang) -> None:
    at = app(page, demo_db, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [PAGES[page][0 if lang == "zh" else 1]]
    assert at.dataframe  # every page shows its figures as tables


def test_actions_page_shows_the_last_meeting(app, demo_db) -> None:
    at = app("pages/9_actions.py", demo_db)
    # the spring 2025 meeting: 2 done, 1 overdue (the teaching-methods training), 1 open; as of 10 Sep 2025
    assert _metrics(at) == {"已逾期": "1", "推进中": "1", "已完成": "2", "已撤销": "0"}
    assert any("2025-03-14 会议议定" in m.value and "2025-09-10" in m.value for m in at.markdown)
    review = next(d.value for d in at.dataframe if "事项" in d.value.columns)
    assert review["状态"].tolist() == ["已逾期（41 天）", "推进中", "已完成", "已完成"]
    assert "相近" in review["变化"].iloc[0]  # the overdue action's figure has not moved
    assert review["变化"].iloc[2].startswith("上升")  # production-technology training rose


def test_agreements_page_figures(app, demo_db) -> None:
    at = app("pages/11_agreements.py", demo_db)
    # 27 of the 29 enterprises with agreements are in force (two lapsed in June), one expires on
    # 31 October (51 days), three partners host students or mentors without one (two lapsed, one
    # never signed): 27 of 30 hosting partners covered.
    assert _metrics(at) == {"有效协议": "27", "90 天内到期": "1", "无有效协议的合作企业": "3",
                            "合作企业协议覆盖率": "90.0%"}


def test_training_page_figures(app, demo_db) -> None:
    at = app("pages/12_training.py", demo_db, lang="en")
    got = _metrics(at)
    assert got["Enterprise mentors trained in teaching (2025)"] == "60.0%"  # 36 of 60
    assert got["School mentors trained in production technology (2025)"] == "81.7%"  # 49 of 60
    assert got["Enterprise practice on track"] == "80.0%"  # 48 of 60 school mentors


def test_stages_page_figures(app, demo_db) -> None:
    at = app("pages/10_stages.py", demo_db)
    # cohorts 2023–2025 are at school on 10 Sep 2025: 315 + 325 + 345 = 985; 9 of the 2023
    # cohort's 2+1 students were still assessed in the basic stage in 2024–2025.
    assert _metrics(at) == {"在校学生": "985", "应进入下一阶段": "9", "缺少主导导师": "0"}


def test_the_confirmation_names_the_action_as_stored(app, demo_copy) -> None:
    # a title is stored as an import stores text (full-width "：" becomes ":"), so the pack and the
    # Actions page list "浏览器验收:..."; the confirmation said "浏览器验收：..." and the action seemed lost
    at = app("dashboard.py", demo_copy)
    at.text_input(key="dec_title_tile_initial_employment").input("就业帮扶：第二轮")
    at.button(key="dec_submit_tile_initial_employment").click().run()
    assert not at.exception, [e.value for e in at.exception]
    stored = md("就业帮扶:第二轮")  # escaped for Markdown, as every typed value in a message
    assert [s.value for s in at.success if "就业帮扶" in s.value] == [
        f"已记录事项“{stored}”（第 19 批，可在“决策督办”页面撤销）。"]


def test_record_from_a_headline_then_close_and_undo(app, demo_copy) -> None:
    at = app("dashboard.py", demo_copy)
    at.text_input(key="dec_title_tile_initial_employment").input("组织毕业生就业专项帮扶")
    at.text_input(key="dec_owner_tile_initial_employment").input("招生就业处")
    at.button(key="dec_submit_tile_initial_employment").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("组织毕业生就业专项帮扶" in s.value for s in at.success)
    con = db.connect(demo_copy)
    row = decisions.actions(con).query("title == '组织毕业生就业专项帮扶'").iloc[0]
    # dated the demo's day; the figure is the headline's: the 2025 graduates, 282 of 298 placed
    assert str(row["decided_on"]) == "2025-09-10"
    assert (row["metric"], row["baseline_numerator"], row["baseline_denominator"], row["baseline_period"]) == (
        "initial_employment", 282, 298, "2025")
    con.close()

    at = app("pages/9_actions.py", demo_copy)
    review = next(d.value for d in at.dataframe if "事项" in d.value.columns)
    # the new meeting of 10 Sep 2025 is now the last one; the spring meeting's open items carry over
    assert review["事项"].tolist() == ["组织企业导师参加教学能力培训,年度覆盖率不低于80%", "组织毕业生就业专项帮扶",
                                      "修订《企业导师聘任与管理办法》,明确企业导师到校授课要求"]
    assert "尚无新数据" in review["变化"].iloc[1]
    at.selectbox(key="dec_status_pick").select("2025-09-10|组织毕业生就业专项帮扶")
    at.button_group(key="dec_status_to").set_value("done")
    at.button(key="dec_status_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已改为已完成" in s.value for s in at.success)
    assert _metrics(at)["已完成"] == "1"
    batch = at.selectbox(key="dec_undo_pick").value  # the newest batch first: the status change
    at.button(key="dec_undo").click().run()
    assert any(f"已撤销第 {batch} 批" in s.value for s in at.success), ([s.value for s in at.success], [e.value for e in at.error], batch)
    assert any("已撤销第" in s.value for s in at.success)
    assert _metrics(at)["已完成"] == "0" and _metrics(at)["推进中"] == "2"


def test_record_from_an_attention_item_presets_its_figure(app, demo_copy) -> None:
    at = app("dashboard.py", demo_copy)
    # the first attention item is the overdue action (a link); the second, enterprise mentors'
    # teaching, presets the enterprise-compliance figure
    assert at.selectbox(key="dec_metric_attention_2").value == "enterprise_compliance"
    at.text_input(key="dec_title_attention_2").input("督促企业导师到校授课")
    at.button(key="dec_submit_attention_2").click().run()
    assert not at.exception, [e.value for e in at.exception]
    con = db.connect(demo_copy)
    row = decisions.actions(con).query("title == '督促企业导师到校授课'").iloc[0]
    assert row["metric"] == "enterprise_compliance" and row["baseline_denominator"] == 238
    con.close()


def test_a_bad_action_is_refused_in_the_page_language(app, demo_copy) -> None:
    at = app("pages/9_actions.py", demo_copy, lang="en")
    at.button(key="dec_submit_page").click().run()  # no wording
    assert [e.value for e in at.error] == ["Please say what is to be done."]
    con = db.connect(demo_copy)
    assert len(decisions.actions(con)) == 6  # nothing stored
    con.close()


@pytest.fixture
def users_db(demo_copy: Path) -> Path:
    users = demo_copy.parent / "secrets" / "users.json"
    auth.add_user(users, "boss", "admin", None, PASSWORD)
    auth.add_user(users, "zhang", "leader", ["3301012"], PASSWORD)
    auth.add_user(users, "wang", "viewer", None, PASSWORD)
    return demo_copy


def _sign_in(at, name: str):
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(PASSWORD)
    return at.button[0].click().run()


@pytest.mark.parametrize(("user", "can"), [("boss", True), ("zhang", True), ("wang", False)])
def test_only_leaders_and_admins_record(app, users_db, user, can) -> None:
    at = _sign_in(app("pages/9_actions.py", users_db), user)
    assert not at.exception, [e.value for e in at.exception]
    keys = {w.key for w in at.text_input}
    assert ("dec_title_page" in keys) is can


def test_a_school_leader_records_for_their_school(app, users_db) -> None:
    at = _sign_in(app("pages/9_actions.py", users_db), "zhang")
    assert _metrics(at)["已逾期"] == "0"  # the program-wide demo actions belong to no school
    at.text_input(key="dec_title_page").input("机电学校企业导师授课督导")
    at.button(key="dec_submit_page").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["推进中"] == "1"
    con = db.connect(users_db)
    row = decisions.actions(con).query("title == '机电学校企业导师授课督导'").iloc[0]
    assert (row["school_id"], row["recorded_by"]) == ("3301012", "zhang")
    events = con.execute("SELECT user_name, action, details FROM audit_log WHERE action = 'decision'").fetchall()
    assert [(u, a) for u, a, _ in events] == [("zhang", "decision")] and '"change": "record"' in events[0][2]
    con.close()
