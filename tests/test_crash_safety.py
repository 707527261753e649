"""Crash safety: an import process killed (SIGKILL) at random moments loses nothing committed.

A child process runs a fixed sequence of writes through the importer — imports of large
certificate CSVs, one that overwrites rows of the first two, its undo, one more import —
and appends the number of each finished operation to a progress file. The parent kills
it at a random moment of the sequence, then opens the database and checks:

* it opens (WAL replayed) and passes an integrity check: a full scan of every table
  (each row hashed) and a ``CHECKPOINT``;
* its contents equal, table by table and batch by batch, the state an uninterrupted
  reference run had after the last finished operation — or after the next one, when
  the kill fell between its COMMIT and the progress line.

``slow`` (about a minute on two cores): CI runs it; ``-m "not slow"`` skips it locally.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest

from analytics import db, schema
from analytics.ingest.load import undo_batch
from analytics.ingest.pipeline import import_file
from tests.badfiles.corpus import CERT
from tests.filebuilders import write_csv

KILLS = 20
ROWS = 40_000  # per file: each import takes a few tenths of a second, wide enough to be hit
SEED = 20241128


def _cert_file(path: Path, start: int, n: int, score: int) -> Path:
    rows = [CERT] + [[f"3{i:07d}", "电工", "2024-06-20", "初级", "通过", str(score)] for i in range(start, start + n)]
    return write_csv(path, rows)


def _files(directory: Path) -> dict[str, Path]:
    return {
        "a": _cert_file(directory / "a.csv", 0, ROWS, 70),
        "b": _cert_file(directory / "b.csv", ROWS, ROWS, 75),
        "a2": _cert_file(directory / "a2.csv", ROWS // 2, ROWS, 90),  # updates the second half of a, first of b
        "c": _cert_file(directory / "c.csv", 3 * ROWS, ROWS, 80),
    }


def fingerprint(con) -> dict[str, object]:
    """Every table's row count and content hash, and the batch history without timestamps."""
    cur = con.cursor()
    out: dict[str, object] = {}
    names = [t.name for t in schema.TABLES] + [db.prev_table(t.name) for t in schema.TABLES] + ["import_rejects"]
    for name in names:
        count, digest = cur.execute(
            f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM {db.quote_ident(name)} t"
        ).fetchone()
        out[name] = [count, digest]
    out["import_batches"] = [
        list(r)
        for r in cur.execute(
            "SELECT batch_id, file_name, target_table, rows_inserted, rows_updated, status, undone_at IS NULL "
            "FROM import_batches ORDER BY batch_id"
        ).fetchall()
    ]
    return out


def run_sequence(db_path: str, files: dict[str, str], progress: str, reference: bool) -> None:
    """The writes under test; after each, one line in ``progress`` (with the fingerprint when ``reference``)."""
    fd = os.open(progress, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def done(step: int, con) -> None:
        line = {"step": step, "t": time.monotonic(), "state": fingerprint(con) if reference else None}
        os.write(fd, (json.dumps(line) + "\n").encode())

    con = db.connect(db_path)
    done(0, con)
    for step, key in enumerate(("a", "b", "a2"), start=1):
        (r,) = import_file(con, Path(files[key]))
        assert r.status == "loaded"
        done(step, con)
    undo_batch(con, 3)
    done(4, con)
    (r,) = import_file(con, Path(files["c"]))
    done(5, con)
    con.close()
    os.close(fd)


def _progress(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


@pytest.fixture(scope="module")
def ctx():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["analytics.ingest.pipeline", "tests.test_crash_safety"])
    return context


@pytest.fixture(scope="module")
def reference(ctx, tmp_path_factory):
    """The input files, the state after each operation of an uninterrupted run, and how long
    the writes take without the fingerprints (the window the kills are spread over)."""
    directory = tmp_path_factory.mktemp("crash")
    files = {k: str(v) for k, v in _files(directory).items()}
    for name, with_states in (("timing", False), ("reference", True)):
        progress = directory / f"{name}.progress"
        p = ctx.Process(target=run_sequence, args=(str(directory / f"{name}.duckdb"), files, str(progress), with_states))
        p.start()
        p.join(300)
        assert p.exitcode == 0
        if name == "timing":
            timing = _progress(progress)
            duration = timing[-1]["t"] - timing[0]["t"]
    lines = _progress(progress)
    assert [line["step"] for line in lines] == [0, 1, 2, 3, 4, 5]
    states = [line["state"] for line in lines]
    # the sequence really writes: a 40k, b +40k, a2 overwrites 20k of a and 20k of b (kept for undo), c +40k
    assert [s["certificate_exams"][0] for s in states] == [0, ROWS, 2 * ROWS, 2 * ROWS, 2 * ROWS, 3 * ROWS]
    assert [s["_prev_certificate_exams"][0] for s in states] == [0, 0, 0, ROWS, 0, 0]
    assert states[4] != states[3] and states[4]["certificate_exams"] == states[2]["certificate_exams"]
    return files, states, duration


def _wait_ready(progress: Path, p, timeout: float = 60) -> None:
    """Block until the child has opened the database (step 0), so kills land in the writes."""
    deadline = time.monotonic() + timeout
    while not _progress(progress):
        assert p.is_alive() and time.monotonic() < deadline
        time.sleep(0.005)


def _check_integrity(path: Path) -> dict[str, object]:
    con = db.connect(path)
    try:
        state = fingerprint(con)  # reads every column of every row
        con.execute("CHECKPOINT")
        (size,) = con.execute("SELECT count(*) FROM pragma_database_size()").fetchone()
        assert size == 1
    finally:
        con.close()
    return state


@pytest.mark.slow
def test_sigkill_during_imports_keeps_exactly_the_committed_batches(ctx, reference, tmp_path):
    files, states, duration = reference
    rng = random.Random(SEED)
    outcomes = []
    for run in range(KILLS):
        path, progress = tmp_path / f"run{run}.duckdb", tmp_path / f"run{run}.progress"
        p = ctx.Process(target=run_sequence, args=(str(path), files, str(progress), False))
        p.start()
        _wait_ready(progress, p)
        delay = rng.uniform(0, duration)
        time.sleep(delay)
        try:
            os.kill(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # finished first: the state must then be the final one
        p.join(30)
        finished = _progress(progress)[-1]["step"]
        state = _check_integrity(path)
        allowed = [s for s in (finished, finished + 1) if s < len(states)]
        matches = [s for s in allowed if state == states[s]]
        assert matches, f"run {run}: killed after {delay:.2f}s, step {finished} finished; state matches none of {allowed}"
        outcomes.append(matches[0])
    # the kills really interrupted the sequence at different points
    assert len(set(outcomes)) >= 2 and min(outcomes) < 5, outcomes
