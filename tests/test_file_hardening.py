"""Files the program writes: CSV exports keep a bare CR inside its cell (#18.9), and the
database and settings.toml are created readable by the service user only (SECURITY.md)."""

from __future__ import annotations

import csv
import io
import os
import stat

import pandas as pd
import pytest

from analytics import db
from analytics.config import load_settings
from analytics.safe_export import to_csv_bytes


@pytest.mark.parametrize("cell", ["x\r=1+1", "x\n=1+1", "x\r\n=1+1"])
def test_a_line_break_inside_a_cell_stays_in_its_cell(cell):
    data = to_csv_bytes(pd.DataFrame({"name": [cell, "y"], "n": [1, 2]}))
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["name", "n"], [cell, "1"], ["y", "2"]]  # 3 records, not 4
    # the cell is quoted, so a spreadsheet reads the break as part of it, not a new row
    assert f'"{cell}"' in text


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # the usual umask: new files 0644 unless created otherwise
    yield
    os.umask(old)


def test_a_new_database_is_created_for_the_service_user_only(tmp_path, open_umask):
    path = tmp_path / "new.duckdb"
    db.connect(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_new_settings_are_created_for_the_service_user_only(tmp_path, open_umask):
    target = tmp_path / "settings.toml"
    load_settings(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_an_existing_database_keeps_its_mode(tmp_path, open_umask):
    path = tmp_path / "shared.duckdb"
    db.connect(path).close()
    path.chmod(0o640)  # an administrator's choice is left alone
    db.connect(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
