"""No user input reaches SQL except as a bound value.

Injection strings go through every ``Filters`` field (directly and through the URL), the
scope, every metric function, the reports and exports, and through an upload's headers,
sheet name and cells. Afterwards every table is intact and the strings are stored (or
matched) verbatim.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from analytics import audit, db, privacy, report, schema
from analytics.config import Settings
from analytics.filter_options import filter_options
from analytics.filters import Filters
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv, write_xlsx
from tests.test_scope import CALLS, build
from tests.metric_fixtures import make_db

# The same expectations on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

INJECTIONS = (
    "x' OR '1'='1",
    "'; DROP TABLE students; --",
    '"); DELETE FROM students; --',
    "1; UPDATE students SET school_id = 'X'",
    "$1",
    "? OR 1=1",
    "\\'; DROP TABLE mentors; --",
    "' UNION SELECT student_name FROM students --",
)
SETTINGS = Settings(small_n=1)


def _snapshot(con) -> dict[str, list]:
    """Every canonical table's rows (and the audit log), to show nothing changed."""
    out = {t.name: con.execute(f"SELECT * FROM {db.quote_ident(t.name)} ORDER BY ALL").fetchall()
           for t in schema.TABLES}
    out["audit_log"] = con.execute("SELECT * FROM audit_log ORDER BY ALL").fetchall()
    return out


@pytest.fixture(scope="module")
def con(engine: str):
    return build(with_b=True)


def _filters_with(text: str) -> list[Filters]:
    """The injection string in each string field, and as the scope."""
    fields = ("school", "major", "model", "gender", "enterprise")
    out = [Filters(**{name: text}) for name in fields]
    out.append(Filters(scope=(text,)))
    out.append(Filters(scope=("SCH-A", text), school=text))
    return out


@pytest.mark.parametrize("text", INJECTIONS)
def test_every_filter_field_is_a_bound_value(con, text: str) -> None:
    before = _snapshot(con)
    for f in _filters_with(text):
        for table in schema.TABLE_NAMES:
            where, params = f.where(table, "x")
            assert text not in where  # the SQL text never contains the value
            rows = con.execute(f"SELECT count(*) FROM {db.quote_ident(table)} x WHERE {where}", params).fetchone()[0]
            if table == "students":
                assert rows == 0  # no student has this school, major, model, enterprise or scope
    everything = Filters(school=text, major=text, model=text, gender=text, enterprise=text, scope=(text,))
    for _label, fn, kwargs in CALLS:  # every metric runs with it and raises nothing
        fn(con, everything, SETTINGS, **kwargs)
    assert _snapshot(con) == before


@pytest.mark.parametrize("text", INJECTIONS)
def test_url_values_are_bound_too(con, text: str) -> None:
    before = _snapshot(con)
    query = {key: text for key in ("from", "to", "school", "major", "cohort", "model", "gender", "dual", "enterprise")}
    f = Filters.from_query(query | {"scope": text})
    assert (f.year_from, f.year_to, f.cohort, f.model, f.dual, f.scope) == (None, None, None, None, "all", None)
    assert f.school == f.major == f.enterprise == text.strip()
    report.build_report(con, f, SETTINGS, "zh", now=dt.datetime(2025, 1, 1))
    privacy.research_export_bytes(con, f, "csv", key=bytes(32))
    privacy.aggregate_export_bytes(con, f, "csv", settings=SETTINGS)
    filter_options(con, (text,))
    assert _snapshot(con) == before


@pytest.mark.parametrize("text", INJECTIONS)
def test_audit_values_are_bound(text: str) -> None:
    c = make_db()
    audit.record_login(c, text, False, address=text, reason=text)
    log = audit.query_audit(c, user=text, text=text)
    assert log["user_name"].tolist() == [text] and log["address"].tolist() == [text]
    assert audit.query_audit(c, action=text).empty


def _check_intact(c) -> None:
    names = {r[0] for r in c.execute("SELECT table_name FROM information_schema.tables "
                                     "WHERE table_schema = current_schema()").fetchall()}
    assert set(schema.TABLE_NAMES) | {"import_batches", "import_rejects", "audit_log"} <= names


def test_injection_in_cells_is_stored_verbatim(tmp_path: Path) -> None:
    c = make_db()
    rows = [["学号", "姓名", "学校代码", "专业", "班级", "入学年份"]]
    rows += [[f"S{i}", text, "SCH-A", text, text, 2022] for i, text in enumerate(INJECTIONS)]
    path = write_csv(tmp_path / "students.csv", rows)
    (result,) = import_file(c, path, table="students")
    assert result.status == "loaded" and result.inserted == len(INJECTIONS)
    _check_intact(c)
    stored = c.execute("SELECT student_id, student_name, major, class_name FROM students ORDER BY student_id").fetchall()
    assert stored == [(f"S{i}", text, text, text) for i, text in enumerate(INJECTIONS)]


def test_injection_in_headers_and_sheet_names(tmp_path: Path) -> None:
    c = make_db()
    sheet = "x'; DROP TABLE students;--"  # 26 characters: a legal sheet name
    headers = ["学号", "姓名", "学校代码", "入学年份", *INJECTIONS[:3]]  # unknown headers stay unmapped
    rows = [headers, ["S1", "张三", "SCH-A", 2022, "a", "b", "c"], ["S2", "李四", "SCH-A", 2022, "d", "e", "f"]]
    path = write_xlsx(tmp_path / "book.xlsx", {sheet: rows})
    results = import_file(c, path, table="students")
    assert [r.status for r in results] == ["loaded"]
    _check_intact(c)
    assert c.execute("SELECT count(*) FROM students").fetchone()[0] == 2
    assert c.execute("SELECT sheet FROM import_batches").fetchall() == [(sheet,)]
    # A mapping that names an injection header as a column's source is a value too.
    path2 = write_csv(tmp_path / "s2.csv", [["学号", INJECTIONS[1], "学校代码"], ["S3", "王五", "SCH-A"]])
    (r2,) = import_file(c, path2, table="students", overrides={"student_name": INJECTIONS[1]})
    assert r2.status == "loaded"
    _check_intact(c)
    assert c.execute("SELECT student_name FROM students WHERE student_id = 'S3'").fetchone() == ("王五",)


def test_filters_have_no_other_string_fields() -> None:
    # If a field is added to Filters, add it to _filters_with above.
    kinds = {f.name: f.type for f in dataclasses.fields(Filters)}
    assert set(kinds) == {"year_from", "year_to", "school", "major", "cohort", "model", "gender", "dual", "enterprise",
                          "scope"}
