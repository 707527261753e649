"""The PostgreSQL engine: the dialect rewrites (text in, text out), opening errors in zh and
en, and the schema version check. The metric suites marked ``BOTH_ENGINES`` check numbers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from engine_fixtures import new_pg_address, pg_dsn, require_postgres

from analytics import db, engines
from analytics.engines.dialect import to_postgres, translate
from analytics.errors import StoreError


@pytest.mark.parametrize(
    ("duck", "pg"),
    [
        ("SELECT a, count(*) FROM t GROUP BY ALL", "SELECT a, COUNT(*) FROM t GROUP BY 1"),
        ("SELECT a, b FROM t ORDER BY ALL", "SELECT a, b FROM t ORDER BY 1, 2"),
        ("SELECT * FROM (SELECT 1 AS x)", "SELECT * FROM (SELECT 1 AS x) AS _sq1"),
        ("SELECT arg_min(a, b) FROM t",
         "SELECT (ARRAY_AGG(a ORDER BY b) FILTER(WHERE a IS NOT NULL AND b IS NOT NULL))[1] FROM t"),
        ("SELECT arg_max(a, b) FILTER (WHERE c) FROM t",
         "SELECT (ARRAY_AGG(a ORDER BY b DESC) FILTER(WHERE a IS NOT NULL AND b IS NOT NULL AND (c)))[1] FROM t"),
        ("SELECT arg_min_null(a, b) FROM t",
         "SELECT (ARRAY_AGG(a ORDER BY b) FILTER(WHERE b IS NOT NULL))[1] FROM t"),
        ("SELECT round(x, 2) FROM t", "SELECT ROUND(CAST(x AS DECIMAL), 2) FROM t"),
        ("SELECT make_date(y, ?, 1) FROM t",
         "SELECT MAKE_DATE(CAST(y AS INT), CAST($1 AS INT), CAST(1 AS INT)) FROM t"),
        ("SELECT list_position(?, g) FROM t", "SELECT ARRAY_POSITION($1, g) FROM t"),
        ("SELECT contains(a, ?) FROM t", "SELECT POSITION($1 IN a) > 0 FROM t"),
        # a literal path: json_extract_path_text takes json (its jsonb twin has another name)
        ("SELECT json_extract_string(k, '$.a') FROM t", "SELECT JSON_EXTRACT_PATH_TEXT(CAST(k AS JSON), 'a') FROM t"),
        ("SELECT json_extract_string(k, ?) FROM t",
         "SELECT JSONB_PATH_QUERY_FIRST(CAST(k AS JSONB), CAST($1 AS JSONPATH)) #>> '{}' FROM t"),
        ("WITH a AS (SELECT 1 AS x, 2 AS y), b AS (SELECT 3 AS y) "
         "SELECT * FROM a UNION ALL BY NAME SELECT * FROM b",
         'WITH a AS (SELECT 1 AS x, 2 AS y), b AS (SELECT 3 AS y) '
         'SELECT "x", "y" FROM a UNION ALL SELECT NULL AS "x", "y" FROM b'),
        # a branch's computed items stay what they compute (were replaced by a bare column name)
        ("WITH a AS (SELECT 1 AS x) SELECT 'period' AS part, x FROM a UNION ALL BY NAME SELECT 2 AS x",
         "WITH a AS (SELECT 1 AS x) SELECT 'period' AS part, x FROM a UNION ALL SELECT NULL AS \"part\", 2 AS x"),
        # a rewrite that repeats an argument repeats the same parameter
        ("SELECT list_contains(?, x), ? FROM t",
         "SELECT CASE WHEN x IS NULL THEN NULL ELSE COALESCE(x = ANY($1), FALSE) END, $2 FROM t"),
        ("SELECT '?' AS q, ?::VARCHAR FROM t", "SELECT '?' AS q, CAST($1 AS TEXT) FROM t"),
    ],
)
def test_rewrites(duck: str, pg: str) -> None:
    assert to_postgres(duck) == pg


def test_named_parameters_are_numbered_by_first_use() -> None:
    assert translate("SELECT $b, $a, $b") == ("SELECT $1, $2, $1", ("b", "a"))


def test_addresses() -> None:
    assert engines.is_postgres("postgresql://u@h/db") and engines.is_postgres("postgres://h/db")
    assert not engines.is_postgres("data/x.duckdb") and not engines.is_postgres(None)
    assert db.resolve_address("postgresql://u@h/db") == "postgresql://u@h/db"


def _port() -> int:
    dsn = pg_dsn() or ""
    query = dict(p.split("=", 1) for p in urlsplit(dsn).query.split("&") if "=" in p)
    return int(query.get("port") or urlsplit(dsn).port or 5432)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_server_down(lang: str) -> None:
    # port 9 (discard) on loopback: nothing listens there
    with pytest.raises(StoreError) as e:
        db.connect("postgresql://someone:secret@127.0.0.1:9/region")
    assert e.value.code == "db-server-down"
    assert "127.0.0.1:9/region" in e.value.message(lang) and "secret" not in e.value.message(lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wrong_password(lang: str) -> None:
    require_postgres()
    with pytest.raises(StoreError) as e:
        db.connect(f"postgresql://postgres:wrong-password@127.0.0.1:{_port()}/postgres")
    assert e.value.code == "db-auth-failed"
    assert "wrong-password" not in e.value.message(lang)


def test_schema_newer_or_older_than_the_code() -> None:
    require_postgres()
    address = new_pg_address()
    with pytest.raises(StoreError) as e:
        db.connect(address, read_only=True)  # nothing migrated yet: version 0
    assert (e.value.code, e.value.params["version"]) == ("db-too-old", 0)
    con = db.connect(address)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    con.execute("INSERT INTO schema_version VALUES (?, current_timestamp)", [db.SCHEMA_VERSION + 1])
    con.close()
    for read_only in (False, True):
        with pytest.raises(StoreError) as e:
            db.connect(address, read_only=read_only)
        assert e.value.code == "db-too-new"


@pytest.fixture(autouse=True)
def _drop() -> None:
    from engine_fixtures import drop_schemas

    yield
    if pg_dsn():
        drop_schemas()
