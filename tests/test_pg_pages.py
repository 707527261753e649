"""Every dashboard page in AppTest on a PostgreSQL store: the demo, copied from its DuckDB file
(``copy_store``), then each page run once in each language — no exception, its title, and the
same headline tiles as on the DuckDB file."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_fixtures import drop_schemas, new_pg_address, require_postgres
from test_app_pages import PAGES

from analytics.engines.copy import copy_store

BUREAU = {"pages/14_schools.py": ("学校横向比较", "Schools side by side"),
          "pages/15_reporting.py": ("数据报送", "Reporting status")}


@pytest.fixture(scope="module")
def pg_demo(demo_db: Path) -> str:
    require_postgres()
    address = new_pg_address()
    copy_store(str(demo_db), address)
    yield address
    drop_schemas()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", [*PAGES, *BUREAU])
def test_page_runs_on_postgresql(app, pg_demo, page: str, lang: str) -> None:
    at = app(page, pg_demo, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    titles = {**PAGES, **BUREAU}[page]
    assert titles[0 if lang == "zh" else 1] in [t.value for t in at.title]


def test_overview_tiles_equal_the_duckdb_files(app, demo_db, pg_demo) -> None:
    on_duckdb = [(m.label, m.value) for m in app("dashboard.py", demo_db, lang="en").metric]
    on_postgres = [(m.label, m.value) for m in app("dashboard.py", pg_demo, lang="en").metric]
    assert on_duckdb and on_postgres == on_duckdb
