"""Signing in to the dashboard (AppTest): with a users file every page asks for a sign-in,
a school-scoped user sees only their school, roles decide who may import, and personal
data is masked for researchers."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import auth

SCHOOL = "3301012"  # one of the demo's two schools
PASSWORD = "correct horse battery"


@pytest.fixture
def users_db(demo_copy: Path) -> Path:
    """The demo database with a users file beside it: an admin, a leader and a researcher of one school."""
    users = demo_copy.parent / "secrets" / "users.json"
    auth.add_user(users, "boss", "admin", None, PASSWORD)
    auth.add_user(users, "zhang", "leader", [SCHOOL], PASSWORD)
    auth.add_user(users, "li", "researcher", [SCHOOL], PASSWORD)
    return demo_copy


def _sign_in(at, name: str, password: str = PASSWORD):
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    return at.button[0].click().run()


def test_every_page_asks_for_a_sign_in(app, users_db) -> None:
    at = app("pages/2_employment.py", users_db)
    assert not at.exception
    assert [t.value for t in at.title] == ["登录"]
    assert not at.metric  # nothing of the data before signing in


def test_wrong_password_is_refused(app, users_db) -> None:
    at = _sign_in(app("dashboard.py", users_db), "zhang", "wrong password!")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert [t.value for t in at.title] == ["登录"]


def test_leader_sees_only_their_school_and_cannot_import(app, users_db) -> None:
    at = _sign_in(app("pages/7_data.py", users_db), "zhang")
    assert not at.exception, [e.value for e in at.exception]
    assert "数据管理" in [t.value for t in at.title]
    assert at.selectbox(key="f_school").options == ["全部", "临江市机电职业技术学校"]
    assert any("无权执行此操作" in i.value for i in at.info)  # no upload for a leader
    assert not [u for u in at.get("file_uploader")]
    assert any("仅对可查看全部学校的用户显示" in i.value for i in at.info)  # no store-wide history


def test_researcher_sees_masked_names(app, users_db) -> None:
    at = _sign_in(app("pages/5_mentors.py", users_db), "li")
    assert not at.exception, [e.value for e in at.exception]
    names = next(d.value for d in at.dataframe if "姓名" in d.value.columns)["姓名"]
    assert set(names.dropna()) == {auth.MASK}


def test_admin_sees_every_school_and_signs_out(app, users_db) -> None:
    at = _sign_in(app("dashboard.py", users_db), "boss")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.selectbox(key="f_school").options) == 3  # all + two schools
    at.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["登录"]
