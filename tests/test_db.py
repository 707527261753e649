"""The store: migrations, the database path, coverage."""

from __future__ import annotations

import duckdb
import pytest

from analytics import db, schema
from analytics.errors import StoreError


def columns(con, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()


def test_fresh_database_has_every_table_with_declared_types():
    con = db.connect(":memory:")
    for table in schema.TABLES:
        got = columns(con, table.name)
        expected = [(c.name, c.sql_type) for c in table.columns] + [(db.BATCH_COLUMN, "BIGINT")]
        assert got == expected, table.name
        assert columns(con, db.prev_table(table.name))[:-1] == expected
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == db.SCHEMA_VERSION


def test_a_version_1_database_is_migrated_on_open(tmp_path):
    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    raw.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    db.MIGRATIONS[0](raw)
    raw.execute("INSERT INTO schema_version VALUES (1, current_timestamp)")
    raw.execute("INSERT INTO schools (school_id, school_name) VALUES ('S1', '第一职校')")
    raw.close()
    con = db.connect(path)
    assert con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall() == [(v,) for v in range(1, db.SCHEMA_VERSION + 1)]
    assert columns(con, "benchmarks")[0] == ("source", "VARCHAR")
    assert con.execute("SELECT school_name FROM schools").fetchall() == [("第一职校",)]


def test_a_version_4_database_gets_the_real_export_columns(tmp_path):
    """Migration 5 adds students.id_card, exam theory/practical scores and absences, the saved
    value map and the rejected rows' sheet and key, keeping what the database holds."""
    path = tmp_path / "v4.duckdb"
    raw = duckdb.connect(str(path))
    raw.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    for version, migration in enumerate(db.MIGRATIONS[:4], 1):
        migration(raw)
        raw.execute("INSERT INTO schema_version VALUES (?, current_timestamp)", [version])
    # migration 1 reads today's schema: take the new columns away again to make it a real v4 file
    for table, column in db._MIGRATION_5_COLUMNS:
        for target in (table, db.prev_table(table)):
            raw.execute(f'ALTER TABLE "{target}" DROP COLUMN "{column}"')
    raw.execute("INSERT INTO students (student_id, student_name) VALUES ('2101', '张三')")
    raw.close()
    con = db.connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == db.SCHEMA_VERSION
    assert con.execute("SELECT student_id, student_name, id_card FROM students").fetchall() == [("2101", "张三", None)]
    for table, column in db._MIGRATION_5_COLUMNS:
        for target in (table, db.prev_table(table)):
            assert column in [c for c, _ in columns(con, target)], (target, column)
    assert ("value_map", "VARCHAR") in columns(con, "saved_mappings")
    assert {("sheet", "VARCHAR"), ("row_key", "VARCHAR")} <= set(columns(con, "import_rejects"))


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    con = db.connect(path)
    con.execute("INSERT INTO schema_version VALUES (?, current_timestamp)", [db.SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(StoreError) as err:
        db.connect(path)
    assert err.value.code == "db-too-new"


@pytest.mark.parametrize(
    "arg, env, expected",
    [
        ("/x/a.duckdb", "/y/b.duckdb", "/x/a.duckdb"),  # --db wins
        (None, "/y/b.duckdb", "/y/b.duckdb"),  # then the environment
        (None, None, str(db.DEFAULT_DB)),  # then data/dual_mentor.duckdb
    ],
)
def test_database_path(monkeypatch, arg, env, expected):
    if env:
        monkeypatch.setenv(db.ENV_VAR, env)
    else:
        monkeypatch.delenv(db.ENV_VAR, raising=False)
    assert str(db.resolve_path(arg)) == expected


def test_coverage_counts_rows_and_years():
    con = db.connect(":memory:")
    con.execute(
        "INSERT INTO certificate_exams (student_id, certificate_name, exam_date, passed) VALUES "
        "('1', 'a', DATE '2022-06-01', true), ('2', 'a', DATE '2024-01-05', false)"
    )
    coverage = {c["table"]: c for c in db.table_coverage(con)}
    assert (coverage["certificate_exams"]["rows"], coverage["certificate_exams"]["year_from"],
            coverage["certificate_exams"]["year_to"]) == (2, 2022, 2024)
    assert (coverage["students"]["rows"], coverage["students"]["year_from"]) == (0, None)
