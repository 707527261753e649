"""The audit log: every kind of event is written with time, user and details, and found by the admin filters."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from analytics import audit, db
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.ingest.load import undo_batch
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv
from engine_fixtures import store_address
from tests.metric_fixtures import make_db

# The same expectations on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

DAY = dt.datetime(2025, 3, 1, 9, 0)


@pytest.fixture
def con():
    c = make_db()
    yield c
    c.close()


def test_every_helper_writes_one_event(con, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "schools.csv", [["学校代码", "学校名称"], ["S1", "一中"], ["S2", "二中"]])
    results = import_file(con, path)
    audit.record_login(con, "lead", False, address="10.0.0.1", reason="bad-credentials", now=DAY)
    audit.record_login(con, "lead", True, address="10.0.0.1", now=DAY + dt.timedelta(minutes=1))
    audit.record_import(con, "res", results, address="10.0.0.2", now=DAY + dt.timedelta(hours=1))
    done = undo_batch(con, results[0].batch_id)
    audit.record_undo(con, "boss", results[0].batch_id, done, now=DAY + dt.timedelta(days=1))
    audit.record_export(con, "res", "research", "csv", Filters(major="数控", scope=("S1",)),
                        now=DAY + dt.timedelta(days=2))
    audit.record_user_change(con, "boss", "add", "v", role="viewer", schools=["S1"], now=DAY + dt.timedelta(days=3))
    audit.record_denied(con, "v", "undo", now=DAY + dt.timedelta(days=3))
    audit.record_logout(con, "v", expired=True, now=DAY + dt.timedelta(days=4))

    log = audit.query_audit(con)
    assert list(log["action"]) == ["session_expired", "denied", "user_change", "export", "undo", "import",
                                   "login", "login"]
    assert list(log["event_id"]) == [8, 7, 6, 5, 4, 3, 2, 1]
    details = [json.loads(d) for d in log["details"]]
    assert details[3] == {"kind": "research", "format": "csv", "filters": {"major": "数控"}, "scope": ["S1"]}
    assert details[4] == {"batch": results[0].batch_id, **done}
    sheet = details[5]["sheets"][0]
    assert (sheet["file"], sheet["table"], sheet["status"], sheet["inserted"]) == ("schools.csv", "schools",
                                                                                   "loaded", 2)
    assert details[2] == {"change": "add", "target": "v", "role": "viewer", "schools": ["S1"]}
    assert list(log["success"]) == [True, False, True, True, True, True, True, False]
    assert log["occurred_at"].iloc[-1] == DAY


@pytest.fixture
def filled(con):
    for i, (user, action, ok) in enumerate([("a", "login", True), ("b", "login", False), ("a", "export", True),
                                            ("b", "login", True), ("c", "undo", True)]):
        audit.record(con, user, action, success=ok, details={"n": i, "file": f"f{i}.xlsx"},
                     now=DAY + dt.timedelta(days=i))
    return con


@pytest.mark.parametrize(
    ("kwargs", "ids"),
    [
        ({}, [5, 4, 3, 2, 1]),
        ({"user": "b"}, [4, 2]),
        ({"action": "login"}, [4, 2, 1]),
        ({"action": "login", "success": False}, [2]),
        ({"since": dt.date(2025, 3, 2)}, [5, 4, 3, 2]),  # day 1 = 2 March onward
        ({"until": dt.date(2025, 3, 2)}, [2, 1]),  # a date includes that whole day
        ({"since": DAY + dt.timedelta(days=1), "until": DAY + dt.timedelta(days=3)}, [4, 3, 2]),
        ({"text": "F3.XLSX"}, [4]),  # case-insensitive search in the details
        ({"limit": 2}, [5, 4]),
        ({"user": "a'; DROP TABLE audit_log; --"}, []),
    ],
)
def test_query_filters(filled, kwargs: dict, ids: list[int]) -> None:
    assert list(audit.query_audit(filled, **kwargs)["event_id"]) == ids
    assert audit.audit_users(filled) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: audit.record(c, "a", "dance"), "audit-unknown-action"),
        (lambda c: audit.record_export(c, "a", "everything", "csv", Filters()), "audit-unknown-export"),
        (lambda c: audit.record_user_change(c, "a", "promote", "b"), "audit-unknown-change"),
    ],
)
def test_unknown_kinds_are_refused(con, call, code: str) -> None:
    with pytest.raises(AnalyticsError) as err:
        call(con)
    assert err.value.code == code
    assert audit.query_audit(con).empty


def test_the_log_survives_reopening(tmp_path: Path) -> None:
    path = store_address(tmp_path)
    c = db.connect(path)
    audit.record_login(c, "lead", True, now=DAY)
    c.close()
    c = db.connect(path)
    assert audit.query_audit(c)["user_name"].tolist() == ["lead"]
    c.close()
