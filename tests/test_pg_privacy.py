"""The research export on a PostgreSQL store: its pseudonym key lives in ``$DUAL_MENTOR_HOME/secrets``
(docs/DEPLOY.md), created on first use, as the key of a DuckDB file lives beside the file."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from engine_fixtures import drop_schemas, new_pg_address, require_postgres
from metric_fixtures import insert

from analytics import db
from analytics.filters import Filters
from analytics.privacy import KEY_FILE, connection_key_path, load_key, research_export_bytes


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    require_postgres()
    monkeypatch.setenv(db.HOME_VAR, str(tmp_path / "home"))
    con = db.connect(new_pg_address())
    insert(con, "students", ["student_id", "school_id", "major"], [("S1", "A", "数控"), ("S2", "A", "会计")])
    yield con
    con.close()
    drop_schemas()


def test_research_export_keeps_its_key_in_the_home_folder(store, tmp_path: Path) -> None:
    key_file = tmp_path / "home" / KEY_FILE
    assert connection_key_path(store) == key_file
    assert connection_key_path(store.cursor()) == key_file  # a page's cursor finds it too
    data = research_export_bytes(store, Filters(), "csv")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    students = _students(data)
    assert len(students) == 3 and "S1" not in "".join(students)  # two rows, pseudonymised
    again = research_export_bytes(store, Filters(), "csv", key=load_key(key_file))
    assert _students(again) == students  # the stored key: the same pseudonyms next time


def _students(export: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(export)).read("students.csv").decode("utf-8-sig").splitlines()
