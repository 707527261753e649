"""Users, roles, password hashes, the sign-in throttle, sessions, OIDC mapping and start-up checks."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher

from analytics import audit, auth, db
from analytics.cli import main
from analytics.config import Settings, users_file_path
from analytics.filters import Filters

PASSWORD = "correct horse battery"


class Clock:
    """A hand-driven clock (seconds) for the throttle: no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "users.json"
    auth.add_user(path, "lead", "leader", ["S1"], PASSWORD)
    auth.add_user(path, "boss", "admin", None, PASSWORD + "!")
    return path


# -- Password hashes -------------------------------------------------------------------------


def test_the_file_holds_argon2_hashes_never_the_password(users: Path) -> None:
    text = users.read_text(encoding="utf-8")
    assert PASSWORD not in text
    data = json.loads(text)["users"]
    assert data["lead"]["hash"].startswith("$argon2id$")
    assert data["lead"]["hash"] != data["boss"]["hash"]
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert stat.S_IMODE(users.parent.stat().st_mode) == 0o700


def test_same_password_twice_gives_two_salted_hashes() -> None:
    a, b = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert a != b
    assert auth.verify_password(a, PASSWORD) and auth.verify_password(b, PASSWORD)


@pytest.mark.parametrize(
    ("password", "ok"),
    [(PASSWORD, True), ("correct horse batterY", False), ("", False), (PASSWORD + " ", False)],
)
def test_only_the_right_password_signs_in(users: Path, password: str, ok: bool) -> None:
    throttle = auth.LoginThrottle(clock=Clock())
    if ok:
        assert auth.authenticate(users, "lead", password, "10.0.0.1", throttle) == auth.User(
            "lead", "leader", ("S1",), "file")
    else:
        with pytest.raises(auth.AuthError) as err:
            auth.authenticate(users, "lead", password, "10.0.0.1", throttle)
        assert err.value.code == "auth-login-failed"


def test_unknown_name_fails_like_a_wrong_password(users: Path) -> None:
    with pytest.raises(auth.AuthError) as err:
        auth.authenticate(users, "nobody", PASSWORD, "10.0.0.1", auth.LoginThrottle(clock=Clock()))
    assert err.value.code == "auth-login-failed"


def test_a_weak_old_hash_is_replaced_at_sign_in(users: Path) -> None:
    data = json.loads(users.read_text(encoding="utf-8"))
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    data["users"]["lead"]["hash"] = weak
    users.write_text(json.dumps(data), encoding="utf-8")
    assert auth.needs_rehash(weak)
    auth.authenticate(users, "lead", PASSWORD, None, auth.LoginThrottle(clock=Clock()))
    new = auth.load_users(users)["lead"]["hash"]
    assert new != weak and not auth.needs_rehash(new) and auth.verify_password(new, PASSWORD)


@pytest.mark.parametrize("password", ["short", "         x", " " * 12])
def test_short_passwords_are_refused(tmp_path: Path, password: str) -> None:
    with pytest.raises(auth.AuthError) as err:
        auth.add_user(tmp_path / "u.json", "x", "viewer", ["S1"], password)
    assert err.value.code == "auth-password-short"


@pytest.mark.parametrize(
    ("name", "role", "schools", "code"),
    [
        ("a b", "viewer", ["S1"], "auth-bad-name"),
        ("", "viewer", ["S1"], "auth-bad-name"),
        ("x", "owner", ["S1"], "auth-unknown-role"),
        ("x", "viewer", [], "auth-no-school"),
        ("x", "viewer", [" "], "auth-bad-school"),
        ("lead", "viewer", ["S1"], "auth-user-exists"),
    ],
)
def test_bad_users_are_refused(users: Path, name: str, role: str, schools: list[str], code: str) -> None:
    with pytest.raises(auth.AuthError) as err:
        auth.add_user(users, name, role, schools, PASSWORD)
    assert err.value.code == code


def test_remove_and_change_password(users: Path) -> None:
    auth.set_password(users, "lead", "a new long password")
    throttle = auth.LoginThrottle(clock=Clock())
    assert auth.authenticate(users, "lead", "a new long password", None, throttle).name == "lead"
    auth.remove_user(users, "lead")
    assert [u.name for u in auth.list_users(users)] == ["boss"]
    with pytest.raises(auth.AuthError):
        auth.remove_user(users, "lead")


@pytest.mark.parametrize(
    "text",
    ['{"version": 1, "users": {"x": {"role": "viewer", "schools": ["S"], "hash": "plaintext"}}}',
     '{"version": 1, "users": {"x": {"role": "god", "schools": null, "hash": "$argon2id$..."}}}',
     "not json"],
)
def test_a_tampered_users_file_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "users.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(auth.AuthError) as err:
        auth.load_users(path)
    assert err.value.code == "auth-users-invalid"


# -- Throttle --------------------------------------------------------------------------------


def test_failed_sign_ins_slow_down_per_user_and_address(users: Path) -> None:
    clock = Clock()
    throttle = auth.LoginThrottle(clock=clock)
    for _ in range(auth.FREE_FAILURES):  # 3 free failures
        with pytest.raises(auth.AuthError) as err:
            auth.authenticate(users, "lead", "wrong password", "10.0.0.9", throttle)
        assert err.value.code == "auth-login-failed"
    # 3rd failure → wait 2 ** (3 - 3) = 1 s, even with the right password.
    with pytest.raises(auth.AuthError) as err:
        auth.authenticate(users, "lead", PASSWORD, "10.0.0.9", throttle)
    assert (err.value.code, err.value.params["seconds"]) == ("auth-throttled", 1)
    # Another address is still blocked for this user name ...
    assert throttle.wait("lead", "10.0.0.10") == 1.0
    # ... but not another name at this address: it has 10 free failures (3 used).
    assert throttle.wait("boss", "10.0.0.9") == 0.0
    clock.now += 1.0
    with pytest.raises(auth.AuthError):
        auth.authenticate(users, "lead", "wrong again", "10.0.0.9", throttle)  # 4th failure → 2 s
    assert throttle.wait("lead", "10.0.0.9") == 2.0
    clock.now += 2.0
    assert auth.authenticate(users, "lead", PASSWORD, "10.0.0.9", throttle).name == "lead"
    # Success clears the name, not the address (still 4 failures there, the success not counted).
    assert throttle.wait("lead", "10.0.0.77") == 0.0
    for _ in range(6):  # failures 5 … 10 from the address → 2 ** (10 - 10) = 1 s for every name
        throttle.failure("someone", "10.0.0.9")
    assert throttle.wait("boss", "10.0.0.9") == 1.0
    assert throttle.wait("boss", "10.0.0.8") == 0.0


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(0, 0.0), (2, 0.0), (3, 1.0), (4, 2.0), (5, 4.0), (11, 256.0), (12, 300.0), (40, 300.0)],
)
def test_delay_doubles_up_to_the_maximum(failures: int, delay: float) -> None:
    # 2 ** (failures - 3) seconds after the 3 free ones, capped at 300 s (2 ** 9 = 512 > 300).
    assert auth.LoginThrottle().delay(failures) == delay


def test_failures_are_forgotten_after_an_hour_of_quiet() -> None:
    clock = Clock()
    throttle = auth.LoginThrottle(clock=clock)
    for _ in range(6):
        throttle.failure("lead", "1.2.3.4")
    assert throttle.wait("lead", "1.2.3.4") == 8.0  # 2 ** (6 - 3)
    clock.now += auth.FORGET_AFTER + 1
    assert throttle.wait("lead", "1.2.3.4") == 0.0
    throttle.failure("lead", "1.2.3.4")
    assert throttle.wait("lead", "1.2.3.4") == 0.0  # counting starts again at 1


def test_sign_in_writes_the_audit_log(tmp_path: Path) -> None:
    db_path = tmp_path / "db.duckdb"
    settings = Settings()
    auth.add_user(users_file_path(settings, db_path), "lead", "leader", ["S1"], PASSWORD)
    con = db.connect(db_path)
    throttle = auth.LoginThrottle(clock=Clock())
    with pytest.raises(auth.AuthError):
        auth.sign_in(con, settings, "lead", "nope", "10.1.1.1", db_path=db_path, throttle=throttle)
    user = auth.sign_in(con, settings, "lead", PASSWORD, "10.1.1.1", db_path=db_path, throttle=throttle)
    assert user.scope == ("S1",)
    log = audit.query_audit(con, action="login")
    assert list(log["success"]) == [True, False]
    assert json.loads(log["details"].iloc[1]) == {"method": "password", "reason": "bad-credentials"}
    con.close()


# -- Sessions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("idle", "alive"), [(0, True), (30 * 60, True), (30 * 60 + 1, False), (86400, False)])
def test_sessions_expire_after_inactivity(idle: int, alive: bool) -> None:
    settings = Settings(session_timeout_minutes=30)
    session = auth.start_session(auth.User("lead", "leader", ("S1",)), now=5000.0)
    checked = auth.check_session(session, settings, now=5000.0 + idle)
    assert (checked is not None) == alive
    assert auth.expired(session, settings, now=5000.0 + idle) == (not alive)
    if alive:
        assert checked.last_seen == 5000.0 + idle  # activity moves the deadline


def test_activity_keeps_a_session_alive() -> None:
    settings = Settings(session_timeout_minutes=1)
    session = auth.start_session(auth.User("v", "viewer", ("S1",)), now=0.0)
    for t in range(50, 1000, 50):  # a click every 50 s, 950 s in all
        session = auth.check_session(session, settings, now=float(t))
        assert session is not None
    assert auth.check_session(None, settings, now=0.0) is None


# -- Roles ---------------------------------------------------------------------------------------

# Role × action: True where allowed (issue 6: admin all; leader view + report; researcher view,
# upload, research/aggregate export, masked; viewer view only; issue 19: leaders record actions;
# issue 15: leaders and researchers submit a school's returns, leaders approve them — at the bureau's
# level only, see test_bureau.py).
MATRIX = {
    "admin": {a: True for a in auth.ACTIONS},
    "leader": {"view": True, "view_personal": True, "view_id_card": False, "import": False, "undo": False, "export_report": True,
               "export_research": False, "export_aggregate": False, "manage_users": False, "view_audit": False,
               "record_decision": True, "submit_returns": True, "approve_returns": True},
    "researcher": {"view": True, "view_personal": False, "view_id_card": False, "import": True, "undo": False, "export_report": False,
                   "export_research": True, "export_aggregate": True, "manage_users": False, "view_audit": False,
                   "record_decision": False, "submit_returns": True, "approve_returns": False},
    "viewer": {"view": True, "view_personal": True, "view_id_card": False, "import": False, "undo": False, "export_report": False,
               "export_research": False, "export_aggregate": False, "manage_users": False, "view_audit": False,
               "record_decision": False, "submit_returns": False, "approve_returns": False},
}


@pytest.mark.parametrize(("role", "action"), [(r, a) for r in auth.ROLES for a in auth.ACTIONS])
def test_role_action_matrix(role: str, action: str) -> None:
    user = auth.User("u", role, ("S1",), counties=("C1",))  # a county's user: bureau actions need one
    assert auth.can(role, action) is MATRIX[role][action]
    assert user.can(action) is MATRIX[role][action]
    if MATRIX[role][action]:
        auth.require(user, action)
    else:
        with pytest.raises(auth.AuthError) as err:
            auth.require(user, action)
        assert err.value.code == "auth-forbidden"


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        auth.can("admin", "launch")


@pytest.mark.parametrize(
    ("user", "scope"),
    [
        (auth.User("a", "admin", ("S1",)), None),  # admins see every school whatever the file says
        (auth.User("l", "leader", ("S1", "S2")), ("S1", "S2")),
        (auth.User("r", "researcher", None), None),  # added with --all-schools
        (auth.LOCAL_USER, None),
    ],
)
def test_scoped_filters_carry_the_users_schools(user: auth.User, scope: tuple[str, ...] | None) -> None:
    f = auth.scoped(Filters(major="数控", school="S9"), user)
    assert f.scope == scope and f.major == "数控" and f.school == "S9"


def test_mask_hides_names_and_ids_from_researchers() -> None:
    frame = pd.DataFrame({"student_id": ["S-1", None], "student_name": ["张三", "李四"], "major": ["数控", "电工"],
                          "label": ["王老师", "赵老师"], "n": [3, 4]})
    masked = auth.mask(frame, "researcher", extra=["label"])
    assert masked["student_id"].tolist()[0] == auth.MASK and pd.isna(masked["student_id"].tolist()[1])
    assert masked["student_name"].tolist() == [auth.MASK, auth.MASK]
    assert masked["label"].tolist() == [auth.MASK, auth.MASK]
    assert masked["major"].tolist() == ["数控", "电工"] and masked["n"].tolist() == [3, 4]
    assert frame["student_name"].tolist() == ["张三", "李四"]  # the input is left alone
    assert auth.mask(frame, "leader") is frame


# -- Modes and binding ------------------------------------------------------------------------------


def test_mode_follows_the_users_file(tmp_path: Path) -> None:
    db_path = tmp_path / "x.duckdb"
    settings = Settings()
    assert auth.mode(settings, db_path) == "local"
    auth.add_user(users_file_path(settings, db_path), "boss", "admin", None, PASSWORD)
    assert users_file_path(settings, db_path) == tmp_path / "secrets" / "users.json"
    assert auth.mode(settings, db_path) == "users"
    elsewhere = Settings(users_file="conf/people.json")
    assert users_file_path(elsewhere, db_path) == tmp_path / "conf" / "people.json"
    assert auth.mode(elsewhere, db_path) == "local"
    assert auth.mode(Settings(), ":memory:") == "local"


@pytest.mark.parametrize(
    ("address", "users_file", "refused"),
    [
        ("127.0.0.1", False, False), ("localhost", False, False), ("::1", False, False), ("[::1]", False, False),
        ("127.0.0.2", False, False), (None, False, True), ("", False, True), ("0.0.0.0", False, True),
        ("192.168.1.20", False, True), ("school.example", False, True), ("0.0.0.0", True, False),
        (None, True, False),
    ],
)
def test_check_bind_refuses_the_network_without_users(address: str | None, users_file: bool, refused: bool) -> None:
    if refused:
        with pytest.raises(auth.AuthError) as err:
            auth.check_bind(address, users_file)
        assert err.value.code == "auth-bind-refused"
        assert "127.0.0.1" in err.value.message("en")
    else:
        auth.check_bind(address, users_file)


# -- OIDC ------------------------------------------------------------------------------------------

ACCESS = {
    "users": {"Head@School.cn": {"role": "leader", "schools": ["S1"]}},
    "groups": {"dashboard-admins": {"role": "admin"}, "researchers": {"role": "researcher", "schools": "S2"}},
}


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "head@school.cn", "email_verified": True}, auth.User("head@school.cn", "leader", ("S1",), "oidc")),
        ({"email": "it@x.cn", "groups": ["staff", "dashboard-admins"]}, auth.User("it@x.cn", "admin", None, "oidc")),
        ({"email": "r@x.cn", "groups": "researchers"}, auth.User("r@x.cn", "researcher", ("S2",), "oidc")),
        ({"email": "r@x.cn", "groups": ["researchers", "dashboard-admins"]},
         auth.User("r@x.cn", "admin", None, "oidc")),  # the first group listed in the mapping wins
        ({"email": "head@school.cn", "email_verified": False}, None),
        ({"email": "someone@else.cn"}, None),
        ({"sub": "123"}, None),
    ],
)
def test_oidc_claims_map_to_users(claims: dict, expected: auth.User | None) -> None:
    if expected is None:
        with pytest.raises(auth.AuthError) as err:
            auth.oidc_user(claims, ACCESS)
        assert err.value.code == "auth-oidc-not-allowed"
    else:
        assert auth.oidc_user(claims, ACCESS) == expected


def test_oidc_with_another_name_claim() -> None:
    access = {"name_claim": "preferred_username", "users": {"li": {"role": "viewer", "schools": ["S1"]}}}
    assert auth.oidc_user({"preferred_username": "li"}, access) == auth.User("li", "viewer", ("S1",), "oidc")


# -- Command line ---------------------------------------------------------------------------------------


def _run(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def test_cli_user_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    db_path = str(tmp_path / "d.duckdb")
    db.connect(db_path).close()
    common = ["--db", db_path, "--lang", "en"]
    assert _run(monkeypatch, ["user", "add", "lead", "--role", "leader", "--school", "S1", "--school", "S2",
                              "--password-stdin", *common], PASSWORD + "\n") == 0
    assert _run(monkeypatch, ["user", "add", "res", "--role", "researcher", "--all-schools", "--password-stdin",
                              *common], PASSWORD + "\n") == 0
    assert _run(monkeypatch, ["user", "add", "v", "--role", "viewer", "--password-stdin", *common],
                PASSWORD + "\n") == 1  # a viewer needs a school or --all-schools
    assert _run(monkeypatch, ["user", "add", "v", "--role", "viewer", "--school", "S1", "--password-stdin",
                              *common], "short\n") == 1
    capsys.readouterr()
    assert _run(monkeypatch, ["user", "list", "--json", *common]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [{"name": "lead", "role": "leader", "schools": ["S1", "S2"]},
                      {"name": "res", "role": "researcher", "schools": None}]
    assert _run(monkeypatch, ["user", "passwd", "lead", "--password-stdin", *common], "another long one\n") == 0
    assert _run(monkeypatch, ["user", "remove", "res", *common]) == 0
    path = tmp_path / "secrets" / "users.json"
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "another long one" not in text
    assert auth.authenticate(path, "lead", "another long one", None, auth.LoginThrottle(clock=Clock())).name == "lead"
    con = db.connect(db_path)
    changes = [json.loads(d)["change"] for d in audit.query_audit(con, action="user_change")["details"]]
    assert changes == ["remove", "password", "add", "add"]
    assert PASSWORD not in " ".join(audit.query_audit(con)["details"])


def test_cli_adds_county_and_region_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    db_path = str(tmp_path / "d.duckdb")
    db.connect(db_path).close()
    common = ["--db", db_path, "--lang", "en"]
    assert _run(monkeypatch, ["user", "add", "bj", "--role", "viewer", "--county", "滨江区", "--password-stdin",
                              *common], PASSWORD + "\n") == 0
    assert _run(monkeypatch, ["user", "add", "city", "--role", "leader", "--region", "临江市", "--school", "X9",
                              "--password-stdin", *common], PASSWORD + "\n") == 0
    assert _run(monkeypatch, ["user", "add", "both", "--role", "viewer", "--county", "滨江区", "--all-schools",
                              "--password-stdin", *common], PASSWORD + "\n") == 1  # an area is not every school
    capsys.readouterr()
    assert _run(monkeypatch, ["user", "list", "--json", *common]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"name": "bj", "role": "viewer", "schools": [], "counties": ["滨江区"]},
        {"name": "city", "role": "leader", "schools": ["X9"], "regions": ["临江市"]},
    ]
    assert _run(monkeypatch, ["user", "list", *common]) == 0
    out = capsys.readouterr().out
    assert "counties 滨江区" in out and "X9; regions 临江市" in out
    con = db.connect(db_path)
    added = [json.loads(d) for d in audit.query_audit(con, action="user_change")["details"]]
    assert {a["target"]: (a.get("counties"), a.get("regions")) for a in added} == {
        "bj": (["滨江区"], None), "city": (None, ["临江市"])}


def test_cli_asks_twice_without_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    users = str(tmp_path / "u.json")
    assert main(["user", "add", "a", "--role", "admin", "--users-file", users, "--db", str(tmp_path / "d.duckdb")]) == 1
    assert not Path(users).exists()  # mismatch: nothing written
