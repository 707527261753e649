"""Shared fixtures: the repository on ``sys.path`` and databases for the dashboard tests.

The demo database is built once per test session (through the importer, as a user
would); tests that write get their own copy of the file.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def _default_stores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding every test's default-store folder."""
    return tmp_path_factory.mktemp("store")


@pytest.fixture(autouse=True)
def _default_store_elsewhere(_default_stores: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes the developer's data/dual_mentor.duckdb (or settings.toml beside it):
    the default store is a fresh temporary file unless a test names its own. Its folder comes
    from ``tempfile.mkdtemp`` (one mkdir), not ``tmp_path_factory.mktemp``, which lists the whole
    base folder to number each new one: quadratic over a suite of 5,000 tests."""
    folder = Path(tempfile.mkdtemp(dir=_default_stores))
    monkeypatch.setenv("DUAL_MENTOR_DB", str(folder / "default.duckdb"))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the default demo data (2,400 students), built once."""
    from analytics import db
    from analytics.sample import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = db.connect(path)
    load_demo(con)
    con.close()
    return path


@pytest.fixture(scope="session")
def region_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the demo with its region (12 schools in 4 counties), built once."""
    from analytics import db
    from analytics.sample import load_demo

    path = tmp_path_factory.mktemp("region") / "region.duckdb"
    con = db.connect(path)
    load_demo(con, region=True)
    con.close()
    return path


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database for a test that writes."""
    target = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, target)
    return target


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    """A migrated database without data (what ``python -m analytics init`` creates)."""
    from analytics import db

    path = tmp_path / "empty.duckdb"
    db.connect(path).close()
    return path


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable]:
    """``app(page, db_path, **query)``: an AppTest of ``page`` (e.g. "pages/2_employment.py")
    against ``db_path``, opened with the URL query ``query``, already run once.

    Afterwards the dashboard's leases are closed and forgotten, so no idle connection to a shared
    database file (``demo_db``, ``region_db``) outlives the test (DuckDB refuses a second
    configuration of a file one process holds open; ``db.connect`` also asks an idle lease to let go)."""
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    # the dashboard refuses a non-loopback address in local mode; AppTest serves nothing
    config.set_option("server.address", "127.0.0.1")
    config.set_option("client.showErrorDetails", "full")  # tests want the real message of a failure

    def run(page: str, db_path: Path, timeout: float = 60, **query: str) -> AppTest:
        monkeypatch.setenv("DUAL_MENTOR_DB", str(db_path))
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
        if page != "dashboard.py":
            at.switch_page(page)
        at.query_params.update(query)
        return at.run()

    yield run
    import gc

    from ui import store

    store.close_all()  # the cached results stay: they are keyed on the file and its version
    gc.collect()


# --- engines: the suites marked ``BOTH_ENGINES = True`` run on DuckDB and on PostgreSQL -----
#
# PostgreSQL needs a server: ``DUAL_MENTOR_TEST_PG`` is the DSN of a database the tests may
# fill with throwaway schemas (``.ci/run`` starts one). Without it the PostgreSQL cases are
# skipped, except under ``REQUIRE_POSTGRES=1`` (CI), where a missing server is a failure.

ENGINES = ("duckdb", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if getattr(metafunc.module, "BOTH_ENGINES", False):
        if "engine" not in metafunc.fixturenames:
            metafunc.fixturenames.append("engine")
        # a test that reads no store of the engine (a pure function, a hand-built report, the
        # demo file) is marked ``one_engine`` and runs once, on DuckDB: no CI time spent twice
        one = metafunc.definition.get_closest_marker("one_engine") is not None
        metafunc.parametrize("engine", ENGINES[:1] if one else ENGINES, indirect=True, scope="module")


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest) -> str:
    """The engine this module's tests run on (all of one, then all of the other); stores made
    by ``metric_fixtures.make_db`` use it. A module-scoped fixture that makes a store must
    take ``engine`` too, so that it is made once per engine."""
    import engine_fixtures

    name = getattr(request, "param", "duckdb")
    if name == "postgres":
        engine_fixtures.require_postgres()
    token = engine_fixtures.CURRENT.set(name)
    yield name
    engine_fixtures.CURRENT.reset(token)
    engine_fixtures.drop_schemas()


@pytest.fixture(autouse=True)
def _engine_for_module(request: pytest.FixtureRequest) -> None:
    """Modules with ``BOTH_ENGINES`` get the ``engine`` fixture in every test."""
    if getattr(request.module, "BOTH_ENGINES", False):
        request.getfixturevalue("engine")
