"""Claim: a file with bad rows loads exactly its good rows; each bad row is rejected with a
coded reason whose message (zh and en) names its spreadsheet row, and is stored with the
whole original row."""

from __future__ import annotations

import shutil

import pytest

from analytics import db
from analytics.ingest.pipeline import import_file
from tests.badfiles.corpus import CORPUS, ROWS, BadFile, build
from tests.badfiles.test_refused import assert_clear

CASES = [pytest.param(c, id=c.name) for c in CORPUS if c.outcome == ROWS]


@pytest.mark.parametrize("case", CASES)
def test_bad_rows_rejected_good_rows_loaded(case: BadFile, template, tmp_path):
    path = build(case, tmp_path / "in")
    store = tmp_path / "store.duckdb"
    shutil.copy(template, store)
    con = db.connect(store)
    try:
        (r,) = import_file(con, path, **case.options)
        assert r.status == "loaded", (r.status, r.refused)
        assert (r.rejected, r.inserted) == (case.rejected, case.inserted)
        assert {i.code for i in r.errors} == set(case.codes)
        for issue in r.errors:
            zh, en = issue.message("zh"), issue.message("en")
            assert_clear(zh, en)
            assert str(issue.row) in zh and str(issue.row) in en  # the user can find the row in Excel
        stored = con.execute(
            "SELECT code, message_zh, message_en, original_row FROM import_rejects WHERE batch_id = ?", [r.batch_id]
        ).fetchall()
        rows = sum(db.table_counts(con).values())
    finally:
        con.close()
    assert sorted(s[0] for s in stored) == sorted(i.code for i in r.errors)
    assert all(s[1] and s[2] and s[3] for s in stored)  # messages and the whole original row kept
    assert rows == 3 + case.inserted  # the template's 3 rows and the good rows of this file
