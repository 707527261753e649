"""Claim: a file that cannot be imported is refused as a whole — one coded reason, said
clearly in Chinese and in English (naming the file, and the limit when a limit was
passed) — and the database file stays byte-for-byte as it was.

Every refused file of ``corpus.py`` goes through ``import_file`` (the path of the CLI, the
upload box and the demo), whose reading runs in the sandbox's child process.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from analytics import db
from analytics.errors import FileRejectedError
from analytics.ingest import sandbox
from analytics.ingest.pipeline import import_file
from analytics.ingest.read import read_file
from tests.badfiles.conftest import digest
from tests.badfiles.corpus import CORPUS, R, BadFile, build, cert_rows
from tests.filebuilders import write_xlsx

CJK = re.compile("[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]
# Codes of the reader and the sandbox: their messages name the file. Read from the source,
# so a new refusal there is covered without editing this list.
FILE_CODES = set(re.findall(r'FileRejectedError\(\s*"([a-z-]+)"', (ROOT / "analytics/ingest/read.py").read_text()
                            + (ROOT / "analytics/ingest/sandbox.py").read_text()))
REFUSED = [pytest.param(c, id=c.name) for c in CORPUS if c.outcome == R]


def assert_clear(zh: str, en: str) -> None:
    """One sentence per language, every placeholder filled, not a bare catalog key."""
    assert zh and en and zh != en
    for text in (zh, en):
        assert not text.startswith(("error.", "issue.")), text
        assert "{" not in text and "}" not in text, text
    assert CJK.search(zh), zh
    assert len(re.findall("[A-Za-z]", en)) > 20, en


@pytest.mark.parametrize("case", REFUSED)
def test_refused_clearly_and_database_unchanged(case: BadFile, template, tmp_path):
    path = build(case, tmp_path / "in")
    store = tmp_path / "store.duckdb"
    shutil.copy(template, store)
    before = digest(store)
    con = db.connect(store)
    try:
        results = import_file(con, path, **case.options)
    finally:
        con.close()
    assert results
    for r in results:
        assert r.status == "refused", (r.status, r.refused)
        assert r.refused.code in case.codes, r.refused.code
        zh, en = r.refused.message("zh"), r.refused.message("en")
        assert_clear(zh, en)
        if r.refused.code in FILE_CODES:
            assert path.name in zh and path.name in en
        limits = case.options.get("limits")
        if limits is not None and r.refused.code in ("too-many-rows", "too-many-columns"):
            limit = str(limits.max_rows if r.refused.code == "too-many-rows" else limits.max_columns)
            assert limit in zh and limit in en
    assert digest(store) == before


def test_the_codes_that_name_the_file_are_found():
    # the source scan above finds the reader's and the sandbox's codes
    assert {"file-corrupt", "sheet-too-large", "file-not-regular", "file-too-complex", "file-too-slow"} <= FILE_CODES


def test_bad_upload_bytes_are_named_by_the_upload_name():
    with pytest.raises(FileRejectedError) as info:
        sandbox.read_isolated(b"\x89PNG\r\n\x1a\n" + bytes(range(64)), "照片.xlsx")
    assert info.value.code == "file-not-spreadsheet"
    assert "照片.xlsx" in info.value.message("zh") and "照片.xlsx" in info.value.message("en")


def test_the_good_workbook_the_zip_cases_start_from_is_read(tmp_path):
    # the control for the damaged and hostile workbooks: the same file unmodified is read
    [sheet] = read_file(write_xlsx(tmp_path / "good.xlsx", {"考证": cert_rows(3)}))
    assert sheet.frame.shape == (3, 6)
