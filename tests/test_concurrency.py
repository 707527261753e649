"""Concurrency: readers on the app's connection/cursor pattern while a writer imports and undoes.

The dashboard holds one DuckDB connection per process and runs every query on its own
``cursor()``; imports and undos take the write lock (``db.transaction``). Here 8 reader
threads compute metrics that way while one thread imports a certificate file and undoes
it, over and over: 1,000 operations in all. Every reader must only ever see the state
before the import or after it — never half of it — and no operation may fail.

A second *process* that opens the same file for writing gets ``StoreError("db-in-use")``
with a clear message in both languages.

The 1,000-operation test is ``slow`` (under a minute on two cores); CI runs it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from analytics import db
from analytics.config import Settings
from analytics.filters import Filters
from analytics.ingest.load import undo_batch
from analytics.ingest.pipeline import import_file
from analytics.metrics import certificates, employment
from tests.badfiles.corpus import CERT
from tests.filebuilders import write_csv

READERS = 8
WRITER_CYCLES = 25  # an import and an undo each: 50 writes
READS_EACH = 119  # 8 × 119 + 50 = 1,002 operations, at least
EXAM_ROWS = 300

SNAPSHOT = """
SELECT
  (SELECT count(*) FROM certificate_exams),
  (SELECT count(*) FROM certificate_exams WHERE certificate_name = '并发测试证书'),
  (SELECT count(*) FROM import_batches WHERE status = 'loaded' AND undone_at IS NULL
     AND file_name = 'concurrent.csv')
"""


def _reader_state(cur) -> tuple[tuple, tuple]:
    """What a reader sees: the table and the batch list (one statement, one snapshot), and
    the pass rate's counts (a metric query, its own snapshot — as on a page)."""
    snapshot = cur.execute(SNAPSHOT).fetchone()
    rate = certificates.pass_rate(cur, Filters(), Settings())
    return snapshot, (rate.numerator, rate.denominator)


@pytest.fixture
def store(demo_copy: Path, tmp_path: Path):
    """The demo database on one shared connection, and a certificate file for existing students."""
    con = db.connect(demo_copy)
    ids = [r[0] for r in con.execute(f"SELECT student_id FROM students ORDER BY student_id LIMIT {EXAM_ROWS}").fetchall()]
    rows = [CERT] + [[sid, "并发测试证书", "2024-05-10", "初级", "通过" if i % 3 else "未通过", "70"] for i, sid in enumerate(ids)]
    path = write_csv(tmp_path / "concurrent.csv", rows)
    yield con, path, demo_copy
    con.close()


def _import_undo(con, path: Path) -> None:
    (r,) = import_file(con, path)
    assert r.status == "loaded" and r.inserted == EXAM_ROWS, (r.status, r.refused)
    undo_batch(con, r.batch_id)


@pytest.mark.slow
def test_readers_see_whole_imports_only(store):
    con, path, _ = store
    with con.cursor() as cur:
        before = _reader_state(cur)
        (r,) = import_file(con, path)
        after = _reader_state(cur)
        undo_batch(con, r.batch_id)
        assert _reader_state(cur) == before
    # the import is visible: 300 new exams, 200 of them passed (every third failed)
    assert after[0] == (before[0][0] + EXAM_ROWS, EXAM_ROWS, 1) and before[0][1:] == (0, 0)
    assert (after[1][0] - before[1][0], after[1][1] - before[1][1]) == (200, 300)
    allowed = [{before[0], after[0]}, {before[1], after[1]}]

    errors: list[BaseException] = []
    seen: list[tuple] = []
    observed: set[tuple] = set()
    writer_done = threading.Event()
    done = [0] * (READERS + 1)

    def reader(k: int) -> None:
        try:
            while done[k] < READS_EACH or not writer_done.is_set():
                with con.cursor() as cur:
                    state = _reader_state(cur)
                    if done[k] % 4 == 0:
                        employment.initial_employment_rate(cur, Filters(), Settings())
                        db.data_version(cur)
                observed.add(state[0])
                if state[0] not in allowed[0] or state[1] not in allowed[1]:
                    seen.append(state)
                done[k] += 1
        except BaseException as e:  # collected and re-raised in the test thread
            errors.append(e)

    def writer() -> None:
        try:
            for _ in range(WRITER_CYCLES):
                _import_undo(con, path)
                done[READERS] += 2
        except BaseException as e:
            errors.append(e)
        finally:
            writer_done.set()

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[0]
    assert not seen, seen[:3]
    assert observed == allowed[0]  # the readers really ran between the writes
    assert sum(done) >= 1000
    with con.cursor() as cur:
        assert _reader_state(cur) == before  # every import was undone
        n_batches = cur.execute("SELECT count(*) FROM import_batches WHERE file_name = 'concurrent.csv'").fetchone()[0]
    assert n_batches == WRITER_CYCLES + 1


CHILD = """
import sys
from analytics import db
from analytics.errors import StoreError
try:
    db.connect(sys.argv[1])
except StoreError as e:
    print(e.code); print(e.message("zh")); print(e.message("en"))
    sys.exit(3)
"""


def test_second_process_gets_db_in_use(store):
    con, _, path = store
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 3, out.stderr
    code, zh, en = out.stdout.splitlines()
    assert code == "db-in-use"
    assert str(path) in zh and str(path) in en
    assert "另一个程序" in zh and "another program" in en


def test_cli_import_into_a_held_database_waits_then_says_busy(store, tmp_path):
    con, path_file, path = store
    out = subprocess.run(
        [sys.executable, "-m", "analytics", "import", str(path_file), "--db", str(path), "--lang", "en", "--wait", "1"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 2
    assert "waiting up to 1 s" in out.stderr
    assert "still in use by another program after waiting 1 s" in out.stderr
    assert "Traceback" not in out.stderr
