"""Uploads are parsed in a child process: a file that crashes or exhausts the reader is
refused with a clear message, and the process that asked (the dashboard server) lives on.

``no_refs.xlsx`` passes every check made before parsing and makes calamine ask for
11.5 GB (400 cells without a reference in row 900,000: 401 × 900,000 cells of 32 bytes);
in the server process that allocation failing aborts everyone's sessions.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analytics.errors import FileRejectedError
from analytics.ingest import sandbox
from analytics.ingest.read import Limits, read_file
from tests.badfiles.corpus import CORPUS, build, cert_rows
from tests.filebuilders import write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[2]


def _case(name: str):
    return next(c for c in CORPUS if c.name == name)


def test_a_file_that_aborts_the_reader_is_refused_and_the_caller_lives(tmp_path):
    path = build(_case("no_refs.xlsx"), tmp_path)
    with pytest.raises(FileRejectedError) as info:
        sandbox.read_isolated(path.read_bytes(), path.name)
    err = info.value
    assert err.code == "file-too-complex"
    zh, en = err.message("zh"), err.message("en")
    assert "no_refs.xlsx" in zh and "no_refs.xlsx" in en
    assert "1536 MB" in zh and "1536 MB" in en  # the default cap, Limits.max_memory
    # the same process goes on reading: the next file is read as before
    good = write_xlsx(tmp_path / "good.xlsx", {"考证": cert_rows(3)})
    [sheet] = sandbox.read_isolated(good.read_bytes(), good.name)
    assert sheet.frame.shape == (3, 6)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_isolated_reading_gives_what_reading_in_process_gives(tmp_path, fmt):
    rows = cert_rows(4) + [["合计", None, None, None, None, "320"]]
    path = write_xlsx(tmp_path / "c.xlsx", {"考证": rows}) if fmt == "xlsx" else write_csv(tmp_path / "c.csv", rows)
    [here] = read_file(path)
    [there] = sandbox.read_isolated(path.read_bytes(), path.name)
    assert there.headers == here.headers and there.row_numbers == here.row_numbers == [2, 3, 4, 5]
    assert there.frame.equals(here.frame)
    assert [(i.code, i.row) for i in there.issues] == [(i.code, i.row) for i in here.issues]
    assert ("total-rows-dropped", 6) in [(i.code, i.row) for i in there.issues]
    assert there.file_name == path.name


def test_a_refusal_in_the_child_arrives_with_its_code_and_parameters(tmp_path):
    path = write_csv(tmp_path / "wide.csv", [[f"c{i}" for i in range(12)], list(range(12))])
    with pytest.raises(FileRejectedError) as info:
        sandbox.read_isolated(path.read_bytes(), path.name, Limits(max_columns=10))
    assert info.value.code == "too-many-columns"
    assert info.value.params == {"file": "wide.csv", "count": 12, "limit": 10}


def test_a_read_over_its_time_is_stopped(tmp_path):
    # 13 million cells from 8 take calamine and the grid builder about 10 s of CPU; with
    # the cell limit lifted only the 1-second CPU cap stops the child
    path = build(_case("sparse.xlsx"), tmp_path)
    limits = Limits(max_cells=10**9, max_seconds=1)
    with pytest.raises(FileRejectedError) as info:
        sandbox.read_isolated(path.read_bytes(), path.name, limits)
    assert info.value.code == "file-too-slow"
    assert "1" in info.value.message("en") and "sparse.xlsx" in info.value.message("zh")


def test_a_crash_does_not_touch_a_read_running_beside_it(tmp_path):
    # two sessions at once: one file aborts its reader, the other is read in full
    crash = build(_case("no_refs.xlsx"), tmp_path).read_bytes()
    good = write_csv(tmp_path / "c.csv", cert_rows(500)).read_bytes()
    with ThreadPoolExecutor(max_workers=2) as pool:
        bad = pool.submit(sandbox.read_isolated, crash, "no_refs.xlsx")
        fine = [pool.submit(sandbox.read_measured, good, "c.csv") for _ in range(3)]
        with pytest.raises(FileRejectedError, match="no_refs.xlsx"):
            bad.result()
        readings = [f.result() for f in fine]
    assert [r.sheets[0].frame.shape for r in readings] == [(500, 6)] * 3
    assert all(r.peak_mib > 0 for r in readings)  # each child measured its own growth


def test_the_fork_server_is_restarted_when_it_died(tmp_path):
    path = write_csv(tmp_path / "c.csv", cert_rows(2))
    sandbox.read_isolated(path.read_bytes(), path.name)
    server = sandbox._server
    server.process.kill()
    server.process.wait()
    [sheet] = sandbox.read_isolated(path.read_bytes(), path.name)
    assert sheet.frame.shape == (2, 6)
    assert sandbox._server is not server


def test_start_runs_one_fork_server_ahead_of_the_first_read(tmp_path):
    path = write_csv(tmp_path / "c.csv", cert_rows(2))
    sandbox.start()
    server = sandbox._server
    assert server is not None and server.alive()
    sandbox.start()  # already running: the same server
    assert sandbox._server is server
    [sheet] = sandbox.read_isolated(path.read_bytes(), path.name)
    assert sheet.frame.shape == (2, 6)
    assert sandbox._server is server  # the read used the server started ahead


# Run in a fresh interpreter: the caps are for good (a hard limit cannot be raised again), and a
# fork of this multi-threaded test process could inherit a lock another thread held.
_CAPPED = """
import errno, os, resource
from analytics.ingest import sandbox
from analytics.ingest.read import Limits
limits = Limits(max_memory=512 * 1024**2, max_bytes=10 * 1024**2, max_seconds=60)
sandbox._cap(limits)
budget = sandbox._reply_budget(limits)  # 512 + 10 + 256 MiB
assert resource.getrlimit(resource.RLIMIT_FSIZE) == (budget, budget) == (778 * 1024**2,) * 2
# past the cap a write fails (EFBIG); it does not kill the child (SIGXFSZ ignored)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
fd = os.memfd_create("over")
os.write(fd, b"x" * 4096)
try:
    os.write(fd, b"x")
except OSError as e:
    assert e.errno == errno.EFBIG, e
    print("refused")
"""


def test_the_child_caps_each_file_it_writes_at_the_reply_budget():
    # The address-space cap does not count a memory file's pages (its writer does not map
    # them), so a child's reply or temp file could otherwise grow past every limit.
    done = subprocess.run([sys.executable, "-c", _CAPPED], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "refused"), done.stderr
