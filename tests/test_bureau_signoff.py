"""The sign-off form of the reporting page (AppTest, the demo region): a school's clerk submits the
year's returns, the county's leader returns them with a note, the clerk submits again, the county
approves; a leader of another county has nothing to review. Every step goes through
``analytics.actions.sign_off`` (``auth.refusal`` decides who may) and shows in the grid at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics import auth, db
from analytics.i18n import t

PASSWORD = "correct horse battery"
SCHOOL, NAME, COUNTY = "3303012", "宁海县职业教育中心", "宁海县"
PAGE = "pages/15_reporting.py"


@pytest.fixture
def region_users(region_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo region with users: the school's clerk, its county's leader and
    the leader of another county."""
    path = tmp_path / "region.duckdb"
    shutil.copy(region_db, path)
    users = tmp_path / "secrets" / "users.json"
    auth.add_user(users, "clerk", "researcher", [SCHOOL], PASSWORD)
    auth.add_user(users, "ninghai", "leader", None, PASSWORD, counties=[COUNTY])
    auth.add_user(users, "jiangbei", "leader", None, PASSWORD, counties=["江北县"])
    return path


def _open_as(app, path: Path, name: str):
    at = app(PAGE, path, lang="en")
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="rep_year").value == 2025
    return at


def _approval(at) -> str:
    column = t("reporting.col.approval", "en")
    grid = next(d.value for d in at.dataframe if column in d.value.columns)
    return grid.set_index(t("reporting.col.school_name", "en")).loc[NAME, column]


def _said(at) -> list[str]:
    """The sign-off's confirmations (the page's other notices left out)."""
    return [s.value for s in at.success if s.value.startswith("School ")]


def _keys(at, kind: str) -> set[str]:
    return {w.key for w in at.get(kind) if getattr(w, "key", None)}


def test_submit_return_submit_again_approve(app, region_users) -> None:
    clerk = _open_as(app, region_users, "clerk")
    assert clerk.selectbox(key="signoff_school").options == [NAME]  # the clerk's one school
    assert "signoff_review_school" not in _keys(clerk, "selectbox")  # a school reviews nothing
    clerk = clerk.button(key="signoff_submit").click().run()
    assert _said(clerk) == [f"School {NAME}, 2025: submitted."]
    assert _approval(clerk) == "submitted"  # the grid shows it in the same run

    county = _open_as(app, region_users, "ninghai")
    assert county.selectbox(key="signoff_review_school").options == [NAME]
    county.radio(key="signoff_decision").set_value("returned")
    county.text_input(key="signoff_note").input("学生名单缺毕业年份")
    county = county.button(key="signoff_review").click().run()
    assert _said(county) == [f"School {NAME}, 2025: returned to the school."]
    assert _approval(county) == "returned to the school"

    clerk = _open_as(app, region_users, "clerk")
    assert _approval(clerk) == "returned to the school"
    assert [w.value for w in clerk.warning if "returned the returns" in w.value] == [
        f"The bureau returned the returns of {NAME}: 学生名单缺毕业年份"]  # the school reads why
    clerk = clerk.button(key="signoff_submit").click().run()
    county = _open_as(app, region_users, "ninghai")
    county = county.button(key="signoff_review").click().run()  # approve: the default decision
    assert _approval(county) == "approved by the bureau"
    assert "signoff_review_school" not in _keys(county, "selectbox")  # nothing left to review

    clerk = _open_as(app, region_users, "clerk")
    assert "signoff_school" not in _keys(clerk, "selectbox")  # approved is final
    assert [i.value for i in clerk.info if "Nothing to submit" in i.value]

    con = db.connect(region_users)  # as the dashboard holds it (DuckDB: one configuration per file)
    logged = con.execute("SELECT user_name, json_extract_string(details, '$.status'), "
                         "json_extract_string(details, '$.note') FROM audit_log WHERE action = 'signoff' "
                         "ORDER BY event_id").fetchall()
    con.close()
    assert logged == [("clerk", "submitted", None), ("ninghai", "returned", "学生名单缺毕业年份"),
                      ("clerk", "submitted", None), ("ninghai", "approved", None)]


def test_another_countys_leader_has_nothing_to_review(app, region_users) -> None:
    clerk = _open_as(app, region_users, "clerk")
    clerk.button(key="signoff_submit").click().run()
    other = _open_as(app, region_users, "jiangbei")
    assert "signoff_review_school" not in _keys(other, "selectbox")
    assert any("waiting for review" in i.value for i in other.info)
    assert NAME not in next(d.value for d in other.dataframe
                            if t("reporting.col.approval", "en") in d.value.columns)[
        t("reporting.col.school_name", "en")].tolist()  # nor sees the school at all
