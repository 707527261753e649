"""Many writers and readers at once on PostgreSQL (the region's store).

Four import processes (four schools' exam files, 300 rows each) run at once while eight
reader threads (dashboard sessions) read the store until the imports are done. No operation
may fail, no row may be lost, and a reader must never see half an import: in one statement,
the rows in the table always equal the rows the committed batches say they inserted, and
are a whole number of files. Two processes importing the same file at once leave one batch.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from engine_fixtures import drop_schemas, new_pg_address, require_postgres

from analytics import db
from analytics.engines import locks
from tests.filebuilders import write_csv

ROOT = Path(__file__).resolve().parents[1]
CERT_HEADER = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]
ROWS = 300
IMPORTERS = 4
READERS = 8
SNAPSHOT = (
    "SELECT (SELECT count(*) FROM certificate_exams), "
    "(SELECT coalesce(sum(rows_inserted), 0) FROM import_batches WHERE status = 'loaded')"
)
IMPORT = (
    "import sys; from analytics import db; from analytics.ingest.pipeline import import_file; "
    "print(import_file(db.connect(sys.argv[1]), sys.argv[2])[0].status)"
)


@pytest.fixture
def store() -> str:
    require_postgres()
    address = new_pg_address()
    db.connect(address).close()  # migrated before the processes start
    yield address
    drop_schemas()


def _file(tmp_path: Path, school: str) -> Path:
    return write_csv(tmp_path / f"{school}.csv", [CERT_HEADER] + [
        [f"{school}-{i:04d}", "电工", "2024-06-20", "初级", "通过" if i % 3 else "未通过", str(50 + i % 50)]
        for i in range(ROWS)])


def _start(address: str, path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", IMPORT, address, str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_importers_and_eight_readers(store, tmp_path) -> None:
    files = [_file(tmp_path, f"SCH{n}") for n in range(IMPORTERS)]
    con = db.connect(store)
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(tuple(con.cursor().execute(SNAPSHOT).fetchone()))
            seen.append(tuple(con.cursor().execute(SNAPSHOT).fetchone()))
        except BaseException as e:  # noqa: BLE001 - every failure is the test's
            errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(READERS)]
    for r in readers:
        r.start()
    procs = [_start(store, f) for f in files]
    outcomes = [p.communicate(timeout=600) for p in procs]
    done.set()
    for r in readers:
        r.join(timeout=120)
    assert not errors
    assert [(p.returncode, out.strip(), err) for p, (out, err) in zip(procs, outcomes)] == [
        (0, "loaded", "")] * IMPORTERS
    # every snapshot is whole: table rows = committed batches' rows, a multiple of one file
    assert {rows == batches and rows % ROWS == 0 for rows, batches in seen} == {True}
    assert seen[-1] == (IMPORTERS * ROWS, IMPORTERS * ROWS)  # 4 × 300: nothing lost
    batches = con.execute("SELECT batch_id FROM import_batches ORDER BY 1").fetchall()
    assert batches == [(1,), (2,), (3,), (4,)]
    con.close()


def test_the_same_file_twice_at_once_leaves_one_batch(store, tmp_path) -> None:
    path = _file(tmp_path, "SCHX")
    procs = [_start(store, path) for _ in range(2)]
    statuses = sorted(p.communicate(timeout=600)[0].strip() for p in procs)
    assert statuses == ["loaded", "unchanged"]
    con = db.connect(store)
    assert con.execute("SELECT count(*), sum(rows_inserted) FROM import_batches").fetchone() == (1, ROWS)
    assert con.execute("SELECT count(*) FROM certificate_exams").fetchone() == (ROWS,)
    con.close()


# -- Two importers, overlapping keys: serialised on the table's lock --------------------------------
#
# File A holds students 0000–0199, file B 0100–0299 with other scores: 100 keys in both.
# The test holds the table's lock (locks.table_key(store, "certificate_exams"): exam results carry no
# school, so every import of them takes it exclusively with pg_advisory_xact_lock) until both
# importer processes wait on it, so they are truly
# concurrent; then it lets go. Whichever commits first inserts 200 rows; the second inserts
# its 100 new keys and updates the 100 shared ones (their old versions kept for undo).
# The end state equals importing the two files one after the other in that order.

OVERLAP_STATE = (
    "SELECT student_id, score, passed, _batch_id FROM certificate_exams ORDER BY student_id",
    "SELECT student_id, score, _batch_id, _replaced_by FROM _prev_certificate_exams ORDER BY student_id",
    "SELECT batch_id, file_name, rows_inserted, rows_updated, rows_unchanged, status FROM import_batches "
    "ORDER BY batch_id",
)


def _overlapping(tmp_path: Path, name: str, first: int, score: int) -> Path:
    return write_csv(tmp_path / f"{name}.csv", [CERT_HEADER] + [
        [f"S-{i:04d}", "电工", "2024-06-20", "初级", "通过", str(score)] for i in range(first, first + 200)])


def _schema(address: str) -> str:
    con = db.connect(address)
    try:
        return con.execute("SELECT current_schema()").fetchone()[0]
    finally:
        con.close()


def _state(address: str) -> list[list[tuple]]:
    con = db.connect(address)
    try:
        return [con.execute(sql).fetchall() for sql in OVERLAP_STATE]
    finally:
        con.close()


def test_two_importers_of_overlapping_keys_end_as_if_sequential(store, tmp_path) -> None:
    import psycopg

    from analytics.ingest.pipeline import import_file

    a, b = _overlapping(tmp_path, "A", 0, 70), _overlapping(tmp_path, "B", 100, 90)
    with psycopg.connect(store, autocommit=True) as holder:
        key = locks.table_key(_schema(store), "certificate_exams")
        holder.execute("SELECT pg_advisory_lock(%s::bigint)", [key])
        procs = [_start(store, path) for path in (a, b)]
        waiting = 0
        for _ in range(1200):  # both importers reach their write transaction (at most 2 min)
            waiting = holder.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid = %s AND objid = %s AND objsubid = 1", list(locks.lock_tag(key))).fetchone()[0]
            if waiting >= 2 or any(p.poll() is not None for p in procs):
                break
            threading.Event().wait(0.1)
        holder.execute("SELECT pg_advisory_unlock(%s::bigint)", [key])
    outcomes = [p.communicate(timeout=600) for p in procs]
    assert waiting >= 2, "the importers never waited on the table's lock together"
    assert [(p.returncode, out.strip(), err) for p, (out, err) in zip(procs, outcomes)] == [(0, "loaded", "")] * 2
    concurrent = _state(store)
    order = [name for _, name, *_ in concurrent[2]]
    # 200 + 100 new keys; the shared 100 carry the second file's score, the first's kept for undo
    assert [row[2:5] for row in concurrent[2]] == [(200, 0, 0), (100, 100, 0)]
    assert len(concurrent[0]) == 300 and len(concurrent[1]) == 100

    sequential = new_pg_address()
    con = db.connect(sequential)
    for name in order:
        (result,) = import_file(con, tmp_path / name)
        assert result.status == "loaded"
    con.close()
    assert _state(sequential) == concurrent
