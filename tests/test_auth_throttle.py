"""The sign-in throttle under attack (#18 item 3): simultaneous guesses, a shared reverse proxy,
forged X-Forwarded-For headers, restarts, and many password checks at once."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from analytics import auth, db
from analytics.config import Settings, users_file_path

PASSWORD = "correct horse battery"
PROXY = "10.9.9.9"


class Clock:
    """A hand-driven clock (seconds since the epoch): no sleeping."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "users.json"
    auth.add_user(path, "xavier", "viewer", ["S1"], PASSWORD)
    auth.add_user(path, "yvonne", "viewer", ["S1"], PASSWORD)
    return path


def _code(fn, *args) -> str:  # noqa: ANN001 - a test helper
    try:
        fn(*args)
    except auth.AuthError as e:
        return e.code
    return "ok"


# -- Which address counts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("10.9.9.9", "203.0.113.5", ("10.9.9.9",), "203.0.113.5"),  # the proxy names the client
        ("10.9.9.9", "203.0.113.5", ("10.9.0.0/16",), "203.0.113.5"),  # a trusted network
        ("198.51.100.7", "203.0.113.5", ("10.9.9.9",), "198.51.100.7"),  # untrusted peer: header ignored
        ("198.51.100.7", "203.0.113.5", (), "198.51.100.7"),  # no proxy configured
        ("10.9.9.9", None, ("10.9.9.9",), "10.9.9.9"),  # the proxy sent no header
        # A client forging a first hop: the rightmost untrusted hop is the one the proxy saw.
        ("10.9.9.9", "1.1.1.1, 203.0.113.5", ("10.9.9.9",), "203.0.113.5"),
        # Two proxies in a row (both trusted): the client before them.
        ("10.9.9.9", "203.0.113.5, 10.9.9.8", ("10.9.9.8", "10.9.9.9"), "203.0.113.5"),
        ("10.9.9.9", "not-an-ip", ("10.9.9.9",), "10.9.9.9"),  # garbage never becomes a key
        ("10.9.9.9", "203.0.113.5, junk", ("10.9.9.9",), "10.9.9.9"),
        (None, "203.0.113.5", ("127.0.0.1",), "203.0.113.5"),  # a proxy on this machine (peer None)
        (None, "203.0.113.5", (), None),
        ("10.9.9.9", "2001:db8::1", ("10.9.9.9",), "2001:db8::1"),
    ],
)
def test_the_forwarded_header_is_believed_only_from_a_trusted_proxy(
    peer: str | None, forwarded: str | None, trusted: tuple[str, ...], expected: str | None
) -> None:
    assert auth.client_address(peer, forwarded, trusted) == expected


def test_behind_one_proxy_a_locked_user_does_not_lock_another(users: Path) -> None:
    throttle = auth.LoginThrottle(clock=Clock())
    x_client = auth.client_address(PROXY, "203.0.113.5", (PROXY,))
    y_client = auth.client_address(PROXY, "203.0.113.6", (PROXY,))
    for _ in range(auth.FREE_FAILURES + 2):  # 3 wrong, then throttled twice
        _code(auth.authenticate, users, "xavier", "wrong password", x_client, throttle)
    assert _code(auth.authenticate, users, "xavier", PASSWORD, x_client, throttle) == "auth-throttled"
    # Another person behind the same proxy, and even another name from xavier's own machine
    # (3 failures of the address's 10 free ones used), sign in.
    assert auth.authenticate(users, "yvonne", PASSWORD, y_client, throttle).name == "yvonne"
    assert auth.authenticate(users, "yvonne", PASSWORD, x_client, throttle).name == "yvonne"


def test_a_forged_header_from_an_untrusted_peer_does_not_escape_the_count(users: Path) -> None:
    throttle = auth.LoginThrottle(clock=Clock())
    results = []
    for i in range(auth.ADDRESS_FREE_FAILURES + 1):  # a new forged client and a new name each time
        address = auth.client_address("198.51.100.7", f"203.0.113.{i}", (PROXY,))
        results.append(_code(auth.authenticate, users, f"guess{i}", "wrong password", address, throttle))
    # All 11 count against 198.51.100.7: 10 free failures, then 2 ** (10 - 10) = 1 s.
    assert results == ["auth-login-failed"] * 10 + ["auth-throttled"]


# -- Check and count in one step --------------------------------------------------------------------


def test_twenty_simultaneous_guesses_with_one_allowed_check_exactly_one(
    users: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttle = auth.LoginThrottle(clock=Clock(), free=1)
    checked: list[str] = []
    others_done = threading.Event()

    def slow_wrong(stored_hash: str, password: str) -> bool:
        checked.append(password)
        others_done.wait(10)  # hold the check open while the other 19 try (a safety net, not a timing)
        return False

    monkeypatch.setattr(auth, "verify_password", slow_wrong)
    start = threading.Barrier(20)
    codes: list[str] = []
    lock = threading.Lock()

    def guess(i: int) -> None:
        start.wait()
        code = _code(auth.authenticate, users, "xavier", f"guess number {i}", "203.0.113.5", throttle)
        with lock:
            codes.append(code)
            if len(codes) == 19:
                others_done.set()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(checked) == 1
    assert sorted(codes) == ["auth-login-failed"] + ["auth-throttled"] * 19


# -- Bounded password checks -------------------------------------------------------------------------------


def test_no_more_than_max_checks_hash_checks_run_at_once(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    throttle = auth.LoginThrottle(clock=Clock(), max_checks=2, check_wait=0)
    inside = threading.Semaphore(0)
    release = threading.Event()
    calls: list[str] = []

    def held(stored_hash: str, password: str) -> bool:
        calls.append(password)
        if len(calls) <= 2:  # the first two checks stay open until released
            inside.release()
            release.wait(10)
        return False

    monkeypatch.setattr(auth, "verify_password", held)
    threads = [threading.Thread(target=_code, args=(auth.authenticate, users, f"n{i}", "wrong password",
                                                     f"203.0.113.{i}", throttle)) for i in range(2)]
    for th in threads:
        th.start()
    inside.acquire()
    inside.acquire()  # both places taken
    # A third sign-in is told the server is busy, without a check and without being counted.
    assert _code(auth.authenticate, users, "yvonne", PASSWORD, "203.0.113.9", throttle) == "auth-busy"
    assert len(calls) == 2
    assert throttle.wait("yvonne", "203.0.113.9") == 0.0 and throttle._failures.get(
        throttle._keys("yvonne", None)[0]) is None
    release.set()
    for th in threads:
        th.join()
    monkeypatch.undo()
    assert auth.authenticate(users, "yvonne", PASSWORD, "203.0.113.9", throttle).name == "yvonne"


def test_a_success_is_not_counted_against_the_address(users: Path) -> None:
    throttle = auth.LoginThrottle(clock=Clock())
    for _ in range(12):  # 12 good sign-ins from one address: no wait ever starts
        assert auth.authenticate(users, "yvonne", PASSWORD, "203.0.113.5", throttle).name == "yvonne"
    assert throttle.wait("xavier", "203.0.113.5") == 0.0


# -- Across restarts -----------------------------------------------------------------------------------


def test_counters_survive_a_restart(users: Path) -> None:
    clock = Clock()
    path = users.parent / auth.FAILURES_FILE
    first = auth.LoginThrottle(clock=clock, path=path)
    for _ in range(4):  # 4 failures → 2 ** (4 - 3) = 2 s
        first.failure("xavier", "203.0.113.5")
    again = auth.LoginThrottle(clock=clock, path=path)  # the server restarted
    assert again.wait("xavier", "203.0.113.99") == 2.0
    assert _code(auth.authenticate, users, "xavier", PASSWORD, "203.0.113.5", again) == "auth-throttled"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "xavier" not in text and "203.0.113.5" not in text  # hashes, not names
    assert len(json.loads(text)["failures"]) == 2  # one name, one address


def test_sign_in_keeps_the_counters_beside_the_users_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = tmp_path / "db.duckdb"
    settings = Settings()
    path = users_file_path(settings, db_path)
    auth.add_user(path, "xavier", "viewer", ["S1"], PASSWORD)
    con = db.connect(db_path)
    monkeypatch.setattr(auth, "_THROTTLES", {})
    for _ in range(3):
        with pytest.raises(auth.AuthError):
            auth.sign_in(con, settings, "xavier", "wrong password", "203.0.113.5", db_path=db_path)
    monkeypatch.setattr(auth, "_THROTTLES", {})  # a new process
    with pytest.raises(auth.AuthError) as err:
        auth.sign_in(con, settings, "xavier", PASSWORD, "203.0.113.5", db_path=db_path)
    assert err.value.code == "auth-throttled"
    assert (path.parent / auth.FAILURES_FILE).is_file()
    con.close()


def test_a_tampered_counter_file_is_refused_not_forgiven(tmp_path: Path) -> None:
    path = tmp_path / auth.FAILURES_FILE
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(auth.AuthError) as err:
        auth.LoginThrottle(path=path)
    assert err.value.code == "auth-users-invalid"
