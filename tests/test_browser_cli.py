"""The command line beside a running dashboard, in a real browser (#13 acceptance).

``streamlit run dashboard.py`` serves the demo to Chromium; meanwhile ``python -m analytics
import`` (a separate process, as a clerk would run it) adds funding lines to the same DuckDB
file. The import goes through (it waits for the dashboard's read-only lease to be let go) and
the page shows the new rows when it is opened again; a read command works meanwhile too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from browserkit import MARKS, ROOT, browser, funding_rows, new_page, serve, settle  # noqa: F401  (fixtures)

pytestmark = MARKS


@pytest.fixture(scope="module")
def served(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db_file = tmp_path_factory.mktemp("cli_beside") / "dashboard.duckdb"
    shutil.copy(demo_db, db_file)
    for base in serve(db_file):
        yield base, db_file


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_cli_import_while_the_server_runs(served, browser, tmp_path: Path) -> None:
    base, db_file = served
    pg = new_page(browser)
    pg.goto(f"{base}/data")
    settle(pg, loaded=True)
    before = funding_rows(pg)
    # a read command while the page is open
    tables = _cli("tables", "--db", str(db_file), "--json")
    assert tables.returncode == 0, tables.stderr
    sheet = tmp_path / "经费补充.csv"
    # three funding lines of 2026: 3 rows, nothing rejected
    sheet.write_text("年度,经费来源,支出类别,预算金额,实际支出\n2026,学校,导师津贴,120000,30000\n"
                     "2026,企业,实训基地建设,200000,0\n2026,财政,教师企业实践,50000,12000\n", encoding="utf-8")
    done = _cli("import", str(sheet), "--db", str(db_file), "--wait", "60", "--lang", "zh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    pg.reload()
    settle(pg)
    assert funding_rows(pg) == before + 3  # the dashboard shows the CLI's import on its next run
    pg.context.close()
