"""Stores on either engine for the suites that run on both (see ``conftest.engine``).

On PostgreSQL every store is a fresh schema of the test database (``DUAL_MENTOR_TEST_PG``),
reached through a DSN whose ``search_path`` names it, so tests stay independent and can run
in any order; the schemas are dropped when the test ends.
"""

from __future__ import annotations

import os
import uuid
from contextvars import ContextVar
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

PG_ENV = "DUAL_MENTOR_TEST_PG"
CURRENT: ContextVar[str] = ContextVar("test_engine", default="duckdb")
_made: list[str] = []


def pg_dsn() -> str | None:
    """The test server's DSN, or None when there is none."""
    return os.environ.get(PG_ENV) or None


def require_postgres() -> None:
    """Skip (or, under ``REQUIRE_POSTGRES=1``, fail) when no PostgreSQL server is reachable."""
    import psycopg

    dsn = pg_dsn()
    reason = f"no PostgreSQL server ({PG_ENV} unset)"
    if dsn:
        try:
            psycopg.connect(dsn, connect_timeout=5).close()
            return
        except psycopg.Error as e:
            reason = f"PostgreSQL at {PG_ENV} unreachable: {e}"
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def with_search_path(dsn: str, schema_name: str) -> str:
    """``dsn`` with ``search_path`` set to ``schema_name`` for every connection."""
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options=" + quote(f"-csearch_path={schema_name}")


# The role the stores are used as: an ordinary role (superusers bypass row-level security),
# owner of its schema, as a deployment's app role is (docs/DEPLOY.md).
APP_ROLE = "dual_mentor_app"


def as_role(dsn: str, role: str) -> str:
    """``dsn`` with its user replaced by ``role`` (no password: the test server trusts the
    local socket)."""
    parts = urlsplit(dsn)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{role}@{host}", parts.path, parts.query, parts.fragment))


def new_pg_address() -> str:
    """A DSN of an empty schema of its own on the test server, used as ``APP_ROLE``."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_dsn(), autocommit=True) as raw:
        if raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone() is None:
            try:
                raw.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER")
            except psycopg.errors.DuplicateObject:
                pass  # another test process made it first
        raw.execute(f"CREATE SCHEMA {name} AUTHORIZATION {APP_ROLE}")
    _made.append(name)
    return with_search_path(as_role(pg_dsn(), APP_ROLE), name)


def drop_schemas() -> None:
    """Drop the schemas made since the last call (the end of a test)."""
    import psycopg

    if not _made:
        return
    with psycopg.connect(pg_dsn(), autocommit=True) as raw:
        for name in _made:
            raw.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    _made.clear()


def store_address(tmp_path=None) -> str:
    """Where a new store of the current engine lives: ``:memory:`` (or a file in
    ``tmp_path``) on DuckDB, a fresh schema on PostgreSQL."""
    if CURRENT.get() == "postgres":
        return new_pg_address()
    return ":memory:" if tmp_path is None else str(tmp_path / f"{uuid.uuid4().hex[:8]}.duckdb")
