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
