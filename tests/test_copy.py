"""``python -m analytics copy``: a DuckDB file to PostgreSQL and back, every table, verified."""

from __future__ import annotations

import pytest
from engine_fixtures import drop_schemas, new_pg_address, require_postgres

from analytics import audit, db
from analytics.cli import main
from analytics.engines.copy import checksum, columns, copy_store, tables
from analytics.errors import StoreError
from analytics.ingest.load import undo_batch
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv

CERT_HEADER = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]


@pytest.fixture
def pg() -> str:
    require_postgres()
    yield new_pg_address()
    drop_schemas()


@pytest.fixture
def school(tmp_path) -> str:
    """A school's file: two batches (the second overwrites a row: an undo shadow row), a
    rejected cell, an audit event."""
    path = str(tmp_path / "school.duckdb")
    con = db.connect(path)
    import_file(con, write_csv(tmp_path / "a.csv", [
        CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "未通过", "55"], ["2", "电工", "2024-06-20", "初级", "通过", "80"]]))
    import_file(con, write_csv(tmp_path / "b.csv", [
        CERT_HEADER, ["1", "电工", "2024-06-20", "初级", "通过", "65"], ["3", "电工", "2031-06-20", "初级", "通过", "70"]]))
    audit.record(con, "tester", "import", details={"file": "b.csv"})
    con.close()
    return path


def _sums(address: str) -> dict[str, tuple[int, str]]:
    con = db.connect(address, read_only=True)
    try:
        return {n: checksum(con, n, columns(con, n)) for n in tables(con)}
    finally:
        con.close()


def test_duckdb_to_postgres_and_back_keeps_every_row(school, pg, tmp_path) -> None:
    done = copy_store(school, pg)
    by_table = {c.table: c.rows for c in done}
    # 3 exam rows (1, 2 from a.csv; 3 rejected: exam in the future), 1 shadow row (1's first
    # version), 2 batches, 1 rejected cell, 1 audit event
    assert (by_table["certificate_exams"], by_table["_prev_certificate_exams"], by_table["import_batches"],
            by_table["import_rejects"], by_table["audit_log"]) == (2, 1, 2, 1, 1)
    assert _sums(pg) == _sums(school)
    back = str(tmp_path / "back.duckdb")
    copy_store(pg, back)
    assert _sums(back) == _sums(school)


def test_the_copy_works_like_the_original(school, pg) -> None:
    """Undo on the copy restores the overwritten row; the audit log continues its numbering."""
    copy_store(school, pg)
    con = db.connect(pg)
    assert undo_batch(con, 2) == {"removed": 0, "restored": 1}
    assert con.execute("SELECT score FROM certificate_exams WHERE student_id = '1'").fetchone() == (55.0,)
    audit.record(con, "tester", "undo")
    assert [r[0] for r in con.execute("SELECT event_id FROM audit_log ORDER BY 1").fetchall()] == [1, 2]
    con.close()


def test_a_store_with_data_is_not_a_target(school, pg) -> None:
    copy_store(school, pg)
    before = _sums(pg)
    with pytest.raises(StoreError) as e:
        copy_store(school, pg)
    assert e.value.code == "copy-target-not-empty"
    assert _sums(pg) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cli_copy(school, pg, lang, capsys) -> None:
    assert main(["copy", "--from", school, "--to", pg, "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert ("行数与校验和一致" if lang == "zh" else "counts and checksums agree") in out
    assert "certificate_exams" in out
