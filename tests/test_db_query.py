"""``db.query`` / ``db.rows``: the one read path of ``analytics``, on both engines.

A query binds ``?`` values in order or ``$name`` values by name, gets its own cursor, and any
failure is ``StoreError("query-failed")`` with one sentence in each language, whichever module
ran it (metrics, audit, quality, filter options, privacy, the pipeline, the report).
"""

from __future__ import annotations

import pytest

from analytics import audit, db, metrics, quality
from analytics.errors import StoreError
from analytics.filter_options import filter_options
from tests.metric_fixtures import insert, make_db

BOTH_ENGINES = True

SCHOOLS = [("S1", "一中", "西湖区", "临江市"), ("S2", "二中", "西湖区", "临江市"), ("S3", "三中", "东城区", "临江市")]


@pytest.fixture
def con():
    c = make_db()
    insert(c, "schools", ["school_id", "school_name", "county", "region"], SCHOOLS)
    yield c
    c.close()


@pytest.mark.parametrize("sql, params, expected", [
    ("SELECT count(*) FROM schools WHERE county = ?", ["西湖区"], [(2,)]),  # S1, S2
    ("SELECT count(*) FROM schools WHERE county = $county", {"county": "西湖区"}, [(2,)]),
    # one name used twice, another once: bound by name, not by counting
    ("SELECT school_id FROM schools WHERE county = $c OR (school_id = $s AND county <> $c) ORDER BY 1",
     {"s": "S3", "c": "西湖区"}, [("S1",), ("S2",), ("S3",)]),
    ("SELECT school_id FROM schools ORDER BY 1", None, [("S1",), ("S2",), ("S3",)]),
])
def test_rows_bind_positional_and_named_values(con, sql, params, expected):
    assert db.rows(con, sql, params) == expected
    frame = db.query(con, sql, params)
    assert [tuple(r) for r in frame.itertuples(index=False)] == expected


def test_the_metrics_read_through_the_same_helper():
    assert metrics.query is db.query and metrics.rows is db.rows


@pytest.mark.parametrize("read", [
    lambda c: db.rows(c, "SELECT nope FROM schools"),
    lambda c: db.query(c, "SELECT * FROM no_such_table"),
], ids=["rows", "query"])
def test_a_failed_query_is_query_failed_in_both_languages(con, read):
    with pytest.raises(StoreError) as info:
        read(con)
    assert info.value.code == "query-failed"
    assert info.value.message("en").startswith("A database query failed: ")
    assert info.value.message("zh").startswith("数据库查询失败：")


@pytest.mark.parametrize("read", [
    lambda c: quality.table_quality(c),
    lambda c: filter_options(c),
    lambda c: audit.query_audit(c),
    lambda c: audit.audit_users(c),
    lambda c: db.table_coverage(c),
], ids=["quality", "filter-options", "audit", "audit-users", "coverage"])
def test_every_module_reports_a_broken_store_as_query_failed(con, read):
    # the tables they read are gone (a store damaged outside the program)
    for table in ("students", "schools", "audit_log"):
        con.execute(f"DROP TABLE {table} CASCADE" if _pg(con) else f"DROP TABLE {table}")
    with pytest.raises(StoreError) as info:
        read(con)
    assert info.value.code == "query-failed"


def _pg(con) -> bool:
    from analytics import engines

    return engines.engine_of(con) == "postgres"
