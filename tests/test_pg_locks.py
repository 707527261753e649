"""Write locks on PostgreSQL keyed on what an import touches (``analytics.engines.locks``).

Importers run as threads of this process (each thread has its own server connection). The
test holds an import inside its transaction, right after it took its locks, by wrapping
``locks.lock_import``: with a barrier when both must be inside at once (a barrier that
breaks means one waited for the other), with an event when the second must wait. Whether an
import waits is read from ``pg_locks`` (a lock asked for and not granted), never from time.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from engine_fixtures import drop_schemas, new_pg_address, require_postgres

from analytics import db
from analytics.engines import locks
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv

HEADER = ["学号", "姓名", "学校代码", "入学年份"]
BOUND = 120  # seconds a barrier or event waits before the test fails (a bound, not a measure)


@pytest.fixture
def store() -> str:
    require_postgres()
    address = new_pg_address()
    db.connect(address).close()  # migrated before the importers start
    yield address
    drop_schemas()


def _roster(path: Path, school: str, first: int, n: int, year: int = 2023) -> Path:
    return write_csv(path, [HEADER] + [[f"S-{i:04d}", f"学生{i}", school, str(year)] for i in range(first, first + n)])


class Importers:
    """Imports in threads, each paused (once) by ``pause[name]()`` after taking its locks, and
    by ``pause_counted[name]()`` once it has counted new and changed rows (when it asks for a
    batch id, before it writes)."""

    def __init__(self, address: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.con = db.connect(address)
        self.store = self.con.execute("SELECT current_schema()").fetchone()[0]
        self.took: dict[str, int] = {}  # each import's file key
        self.pid: dict[str, int] = {}  # each import's server process
        self.pause: dict[str, object] = {}
        self.pause_counted: dict[str, object] = {}
        self.results: dict[str, object] = {}
        self.errors: list[BaseException] = []
        self._paused: set[str] = set()
        self._threads: dict[str, threading.Thread] = {}
        original = locks.lock_import

        def held(cur, table, sha256, sheet, *args, **kwargs) -> None:
            original(cur, table, sha256, sheet, *args, **kwargs)
            name = threading.current_thread().name
            self.took[name] = locks.file_key(self.store, sha256, sheet)
            self.pid[name] = cur.execute("SELECT pg_backend_pid()").fetchone()[0]
            if name in self.pause and name not in self._paused:
                self._paused.add(name)
                self.pause[name]()

        def counted(cur) -> int:
            name = threading.current_thread().name
            if name in self.pause_counted and (name, "counted") not in self._paused:
                self._paused.add((name, "counted"))
                self.pause_counted[name]()
            return next_batch_id(cur)

        next_batch_id = locks.next_batch_id
        monkeypatch.setattr(locks, "lock_import", held)
        monkeypatch.setattr(locks, "next_batch_id", counted)

    def start(self, name: str, path: Path) -> None:
        def run() -> None:
            try:
                (self.results[name],) = import_file(self.con, path)
            except BaseException as e:  # noqa: BLE001 - every failure is the test's
                self.errors.append(e)

        self._threads[name] = threading.Thread(target=run, name=name)
        self._threads[name].start()

    def join(self, name: str) -> None:
        self._threads[name].join(BOUND)
        assert not self._threads[name].is_alive(), f"{name} never finished"

    def waiting(self, k: int) -> int:
        """Transactions waiting for the lock of key ``k``."""
        return self.con.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = ? "
            "AND objid = ? AND objsubid = 1", list(locks.lock_tag(k))).fetchone()[0]

    def wait_for_waiter(self, k: int) -> bool:
        for _ in range(BOUND * 10):
            if self.waiting(k):
                return True
            threading.Event().wait(0.1)
        return False


def test_imports_of_two_schools_hold_their_transactions_at_once(store, tmp_path, monkeypatch) -> None:
    run = Importers(store, monkeypatch)
    held: list[int] = []

    def both_inside() -> None:  # runs once both importers are inside their transactions
        held.append(run.con.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND (classid, objid) IN ((?, ?), (?, ?))",
            [*locks.lock_tag(locks.school_key(run.store, "students", "A")),
             *locks.lock_tag(locks.school_key(run.store, "students", "B"))]).fetchone()[0])

    inside = threading.Barrier(2, action=both_inside, timeout=BOUND)
    run.pause = {"A": inside.wait, "B": inside.wait}
    run.start("A", _roster(tmp_path / "a.csv", "A", 0, 100))
    run.start("B", _roster(tmp_path / "b.csv", "B", 100, 100))
    run.join("A")
    run.join("B")
    assert run.errors == []
    assert held == [2]  # school A's key and school B's key, granted together
    assert [(r.status, r.inserted) for r in (run.results["A"], run.results["B"])] == [("loaded", 100)] * 2
    # the two open at once got consecutive ids: neither waited for the other to commit
    assert sorted(r.batch_id for r in run.results.values()) == [1, 2]
    assert run.con.execute("SELECT school_id, count(*) FROM students GROUP BY 1 ORDER BY 1").fetchall() == [
        ("A", 100), ("B", 100)]


@pytest.mark.parametrize("second", ["same school, other students", "the same file"])
def test_a_second_import_of_the_same_school_waits(store, tmp_path, monkeypatch, second) -> None:
    run = Importers(store, monkeypatch)
    first = _roster(tmp_path / "a1.csv", "A", 0, 100)
    other = first if second == "the same file" else _roster(tmp_path / "a2.csv", "A", 100, 100)
    go = threading.Event()
    run.pause = {"first": lambda: go.wait(BOUND)}
    run.start("first", first)
    for _ in range(BOUND * 10):  # the first is inside its transaction, holding school A
        if "first" in run._paused:
            break
        threading.Event().wait(0.1)
    run.start("second", other)
    # the second asks for a key the first holds and is not given it: school A's, or for the
    # same file the file's key too (keys are taken in ascending order: it stops at the lower)
    shared = [locks.school_key(run.store, "students", "A")]
    if other == first:
        shared.append(run.took["first"])
    waited = run.wait_for_waiter(min(shared))
    assert waited, "the second import never waited for the first"
    assert "second" not in run.results
    go.set()
    run.join("first")
    run.join("second")
    assert run.errors == []
    a, b = run.results["first"], run.results["second"]
    assert (a.status, a.inserted, a.batch_id) == ("loaded", 100, 1)
    if second == "the same file":  # it found nothing new: one batch
        assert (b.status, b.inserted, b.unchanged, b.batch_id) == ("unchanged", 0, 100, None)
        assert run.con.execute("SELECT count(*), sum(rows_inserted) FROM import_batches").fetchone() == (1, 100)
    else:
        assert (b.status, b.inserted, b.batch_id) == ("loaded", 100, 2)
    assert run.con.execute("SELECT count(*) FROM students").fetchone() == (100 if second == "the same file" else 200,)


STATE = (
    "SELECT student_id, student_name, school_id, _batch_id FROM students ORDER BY student_id",
    "SELECT student_id, school_id, _batch_id, _replaced_by FROM _prev_students ORDER BY student_id",
    "SELECT batch_id, file_name, rows_inserted, rows_updated, rows_unchanged, status FROM import_batches "
    "ORDER BY batch_id",
)


def test_two_schools_with_the_same_students_end_as_if_one_after_the_other(store, tmp_path, monkeypatch) -> None:
    # A's roster: S-0000–S-0099 at school A; B's: S-0050–S-0149 at school B (50 students in
    # both: moved to B). Their keys differ, so both are inside at once: A holds school A's key
    # while B counts all 100 of its students as new (A's are not committed). Then A commits,
    # and B's upsert meets A's 50 rows: B runs again holding the table, and counts 50 new +
    # 50 moved, A's versions kept for undo.
    run = Importers(store, monkeypatch)
    go_a, b_counted, go_b = threading.Event(), threading.Event(), threading.Event()
    run.pause = {"A": lambda: go_a.wait(BOUND)}
    run.pause_counted = {"B": lambda: (b_counted.set(), go_b.wait(BOUND))}
    files = {"A": _roster(tmp_path / "a.csv", "A", 0, 100), "B": _roster(tmp_path / "b.csv", "B", 50, 100)}
    run.start("A", files["A"])
    for _ in range(BOUND * 10):  # A is inside its transaction, holding school A
        if "A" in run._paused:
            break
        threading.Event().wait(0.1)
    run.start("B", files["B"])
    assert b_counted.wait(BOUND), "B waited for A"
    go_a.set()
    run.join("A")
    go_b.set()
    run.join("B")
    assert run.errors == []
    assert [(r.status, r.inserted, r.updated, r.batch_id) for r in (run.results["A"], run.results["B"])] == [
        ("loaded", 100, 0, 1), ("loaded", 50, 50, 2)]
    concurrent = [run.con.execute(sql).fetchall() for sql in STATE]
    assert len(concurrent[0]) == 150 and len(concurrent[1]) == 50  # 100 + 50 new; 50 replaced
    assert {row[1:] for row in concurrent[1]} == {("A", 1, 2)}

    sequential = db.connect(new_pg_address())
    for name in ("A", "B"):
        (result,) = import_file(sequential, files[name])
        assert result.status == "loaded"
    assert [sequential.execute(sql).fetchall() for sql in STATE] == concurrent
    sequential.close()


@pytest.mark.parametrize(("schools", "table_mode"), [(1, "ShareLock"), (locks.MAX_SCHOOL_KEYS + 1, "ExclusiveLock")])
def test_a_file_of_many_schools_holds_the_table_instead(store, tmp_path, monkeypatch, schools, table_mode) -> None:
    run = Importers(store, monkeypatch)
    held: list[tuple] = []

    def look() -> None:  # inside the transaction: how the table's key is held, how many school keys
        held.append(run.con.execute(
            "SELECT (SELECT string_agg(mode, ',') FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objsubid = 1 AND classid = ? AND objid = ?), "
            "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND pid = ?)",
            [*locks.lock_tag(locks.table_key(run.store, "students")), run.pid["many"]]).fetchone())

    run.pause = {"many": look}
    path = write_csv(tmp_path / "many.csv", [HEADER] + [[f"S-{i:04d}", "学生", f"SCH{i % schools}", "2023"]
                                                       for i in range(2 * schools)])
    run.start("many", path)
    run.join("many")
    assert run.errors == [] and run.results["many"].inserted == 2 * schools
    # the file key, and the table's key shared with one school key, or the table's key alone
    assert held == [(table_mode, 3 if schools == 1 else 2)]


@pytest.mark.parametrize(("k", "tag"), [
    (1, (0, 1)),
    (2**32, (1, 0)),
    (-1, (0xFFFF_FFFF, 0xFFFF_FFFF)),  # two's complement: every bit set
    (-(2**63), (0x8000_0000, 0)),
])
def test_lock_tag_is_how_pg_locks_shows_a_bigint_key(k, tag) -> None:
    assert locks.lock_tag(k) == tag


@pytest.mark.parametrize(("returned", "inserted", "updated", "overlap"), [
    ([(True,), (True,), (False,)], 2, 1, False),
    ([], 0, 0, False),
    ([(True,), (False,)], 2, 0, True),  # counted 2 new; one was written meanwhile by another import
    ([(True,)], 1, 1, True),  # counted a change that another import had already made
])
def test_an_upsert_that_did_otherwise_than_counted_is_an_overlap(returned, inserted, updated, overlap) -> None:
    if overlap:
        with pytest.raises(locks.Overlap):
            locks.check_upsert(returned, inserted, updated)
    else:
        locks.check_upsert(returned, inserted, updated)


def test_keys_are_the_same_in_every_process() -> None:
    import subprocess
    import sys

    code = "from analytics.engines import locks; print(locks.school_key('s', 'students', 'A'), locks.file_key('s', 'x', None))"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[1], env={"PYTHONHASHSEED": "1"}).stdout.split()
    assert [int(v) for v in there] == [locks.school_key("s", "students", "A"), locks.file_key("s", "x", None)]
    # distinct per school, table, store and file; a school named "None" is not the missing school
    assert len({locks.school_key("s", "students", "A"), locks.school_key("s", "students", "B"),
                locks.school_key("s", "students", None), locks.school_key("s", "students", "None"),
                locks.school_key("t", "students", "A"), locks.table_key("s", "students"),
                locks.file_key("s", "x", None)}) == 7
