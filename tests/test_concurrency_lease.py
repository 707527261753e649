"""The dashboard's lease (``ui.store.Lease``) between threads of one process: every wait ends.

Readers share one connection; a writer waits for the readers of a read-only connection to let go,
and readers arriving meanwhile queue behind it. Each test drives an interleaving step by step
(threads, a barrier, or polling the lease's own counters until a thread is parked), and runs its
scenario in a thread joined with a generous guard, so that a deadlock fails the test instead of
hanging the suite. Nothing here asserts how long anything takes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from analytics.errors import StoreError
from ui.store import Lease

GUARD = 120  # seconds a scenario may take before it counts as hung (it takes well under one)


def _finishes(fn: Callable[[], None]) -> None:
    """Run ``fn`` in a thread; fail if it hangs, re-raise what it raised."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 — handed back to the test
            failed.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(GUARD)
    assert not t.is_alive(), "deadlock: the scenario never finished"
    if failed:
        raise failed[0]


def _until(ready: Callable[[], bool]) -> None:
    """Wait until another thread has reached a state of the lease (it is parked waiting)."""
    while not ready():
        threading.Event().wait(0.01)


def _writer(lease: Lease, out: list) -> threading.Thread:
    """A thread that writes once through ``lease``, leaving what happened in ``out``."""

    def run() -> None:
        try:
            with lease.write() as con:
                out.append(("wrote", con.execute("SELECT 1").fetchone()[0]))
        except StoreError as e:
            out.append((e.code, e.message("en"), e.message("zh")))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_a_thread_holding_the_lease_reads_again_while_a_writer_waits(empty_db: Path):
    # before the fix: the nested read queued behind the writer, which waited for this very
    # thread to let go: a deadlock (a page reading inside a read while an import starts)
    lease = Lease(str(empty_db), idle=60)
    out: list = []

    def scenario() -> None:
        with lease.read() as con:
            writer = _writer(lease, out)
            _until(lambda: lease._writers == 1)  # parked: waiting for this reader
            with lease.read() as again:
                assert again is con
                assert again.execute("SELECT 2").fetchone() == (2,)
            assert out == []  # the writer still waits for the outer hold
        writer.join(GUARD)

    _finishes(scenario)
    assert out == [("wrote", 1)]
    assert not lease.is_open and lease._users == 0  # the writer let go at once
    assert lease.opened == 2  # read-only, then read-write


def test_a_writer_waiting_for_a_reader_that_never_lets_go_says_being_updated(empty_db: Path):
    # before the fix: the writer waited forever
    lease = Lease(str(empty_db), idle=60, hold=0.2)
    out: list = []

    def scenario() -> None:
        with lease.read():
            _writer(lease, out).join(GUARD)
        _writer(lease, out).join(GUARD)  # once the reader lets go, writing works

    _finishes(scenario)
    assert out == [
        ("db-updating",
         "The database is being updated (an import or undo from the command line); retry in a moment.",
         "数据库正在更新（命令行正在导入或撤销）；请稍后重试。"),
        ("wrote", 1),
    ]
    assert lease._writers == 0 and lease._users == 0


def test_a_reader_behind_a_writer_that_never_gets_its_turn_says_being_updated(empty_db: Path):
    # a reader holds; a writer queues (hold 0.5 s); a second reader queues behind the writer
    # (its own hold, 60 s, is longer): when the writer gives up, the reader gets in
    lease = Lease(str(empty_db), idle=60, hold=0.5)
    out: list = []
    read: list = []

    def scenario() -> None:
        with lease.read():
            writer = _writer(lease, out)
            _until(lambda: lease._writers == 1)
            lease.hold = 60.0

            def second_reader() -> None:
                with lease.read() as con:
                    read.append(con.execute("SELECT 3").fetchone()[0])

            reader = threading.Thread(target=second_reader, daemon=True)
            reader.start()
            writer.join(GUARD)
            reader.join(GUARD)

    _finishes(scenario)
    assert [o[0] for o in out] == ["db-updating"]
    assert read == [3]
    assert lease._writers == 0 and lease._users == 0


class _FailsToClose:
    """A connection whose first ``close`` fails (a disk error while letting go)."""

    failures = 1

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def close(self) -> None:
        self._con.close()
        if _FailsToClose.failures:
            _FailsToClose.failures -= 1
            raise duckdb.IOException("IO Error: could not close")

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def test_a_release_whose_close_fails_still_wakes_the_waiting_writer(empty_db: Path, monkeypatch):
    # before the fix: the failed close skipped notify_all, and the writer slept forever
    from analytics import db

    real_open = db.open_store
    monkeypatch.setattr(db, "open_store", lambda *a, **k: _FailsToClose(real_open(*a, **k)))
    monkeypatch.setattr(_FailsToClose, "failures", 1)
    lease = Lease(str(empty_db), idle=0)  # a reader that lets go closes at once
    out: list = []

    def scenario() -> None:
        with pytest.raises(duckdb.IOException, match="could not close"):
            with lease.read():
                writer = _writer(lease, out)
                _until(lambda: lease._writers == 1)
        writer.join(GUARD)

    _finishes(scenario)
    assert out == [("wrote", 1)]
    assert not lease.is_open and lease._users == 0


def test_a_writer_that_raises_mid_write_lets_go_and_readers_come_in(empty_db: Path):
    lease = Lease(str(empty_db), idle=60)
    start = threading.Barrier(2)
    read: list = []

    def scenario() -> None:
        def reader() -> None:
            start.wait()  # the writer holds the read-write connection now
            with lease.read() as con:
                read.append(con.execute("SELECT 4").fetchone()[0])

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        with pytest.raises(ValueError, match="half-way"):
            with lease.write():
                start.wait()
                raise ValueError("half-way")
        t.join(GUARD)

    _finishes(scenario)
    assert read == [4]
    assert lease._users == 0 and lease._writers == 0
    with lease.read() as con:  # the next run reads as usual
        assert con.execute("SELECT 5").fetchone() == (5,)
    lease.close_if_idle()
