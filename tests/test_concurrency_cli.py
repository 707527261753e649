"""The dashboard's lease (``ui.store.Lease``) beside real command-line processes.

DuckDB lets one process write a file or many read it. The dashboard holds a read-only
connection only while runs use it (closed when idle) and writes through a short-lived
read-write one, so the CLI reads beside it, and writes as soon as it lets go (waiting, and
saying so once, up to ``--wait`` seconds); when the CLI holds the writer the dashboard says
"being updated" instead of failing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from analytics import db
from analytics.errors import StoreError
from tests.filebuilders import write_csv

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = ["学号", "姓名", "性别", "专业", "入学年份", "班级", "培养模式", "学校代码"]


def cli(*argv: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def students_csv(path: Path, n: int) -> Path:
    """``n`` new students of the demo's first school (IDs the demo does not use)."""
    rows = [[f"NEW{i:03d}", f"新生{i}", "男", "数控技术应用", "2025", "25数控1班", "2+1", "3301012"] for i in range(n)]
    return write_csv(path, [STUDENTS, *rows])


def count_students(con) -> int:
    with closing(con.cursor()) as cur:
        return cur.execute("SELECT count(*) FROM students").fetchone()[0]


def until(condition, seconds: float = 30) -> bool:
    """Poll ``condition`` until it holds (a functional wait, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def lease(demo_copy):
    from ui.store import Lease

    held = Lease(str(demo_copy), idle=60)  # stays open for the whole test unless closed
    yield held
    held.close_if_idle()


def test_cli_reads_while_the_dashboard_holds_its_read_only_lease(lease, demo_copy):
    with lease.read() as con:
        before = count_students(con)
    assert lease.is_open
    proc = cli("tables", "--db", str(demo_copy), "--json", "--wait", "0")
    assert proc.returncode == 0, proc.stderr
    assert '"students"' in proc.stdout and f'"rows": {before}' in proc.stdout
    proc = cli("metrics", "--db", str(demo_copy), "--json", "--wait", "0", "--major", "数控技术应用")
    assert proc.returncode == 0, proc.stderr


def test_cli_import_waits_for_an_idle_lease_then_the_dashboard_sees_it(demo_copy, tmp_path):
    from ui.store import Lease

    lease = Lease(str(demo_copy), idle=3)
    with lease.read() as con:
        before = count_students(con)
    # the CLI finds the file held, says so once, and gets it when the lease idles out (3 s)
    proc = cli("import", str(students_csv(tmp_path / "s.csv", 3)), "--db", str(demo_copy), "--lang", "en", "--wait", "60")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("The dashboard is reading the database") <= 1
    assert not lease.is_open
    with lease.read() as con:
        assert count_students(con) == before + 3  # 3 new students
    lease.close_if_idle()


def test_a_dashboard_write_lets_go_at_once(lease, demo_copy, tmp_path):
    from analytics import audit

    with lease.write() as con:
        audit.record(con, "tester", "logout")
    assert not lease.is_open  # the writer is short-lived: the CLI may write now
    proc = cli("import", str(students_csv(tmp_path / "s.csv", 2)), "--db", str(demo_copy), "--wait", "0")
    assert proc.returncode == 0, proc.stderr


HOLD = """
import sys
from analytics import db
con = db.connect(sys.argv[1])  # the writer, as an import from the command line holds it
print("held", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("lang, text", [
    ("en", "The database is being updated (an import or undo from the command line); retry in a moment."),
    ("zh", "数据库正在更新（命令行正在导入或撤销）；请稍后重试。"),
])
def test_the_dashboard_says_being_updated_while_the_cli_writes(demo_copy, lang, text):
    from ui.store import Lease

    child = subprocess.Popen([sys.executable, "-c", HOLD, str(demo_copy)], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        lease = Lease(str(demo_copy), wait=0.5)
        with pytest.raises(StoreError) as err:
            with lease.read():
                pass
        assert err.value.code == "db-updating"
        assert err.value.message(lang) == text
        with pytest.raises(StoreError):
            with lease.write():
                pass
    finally:
        child.stdin.close()
        child.wait(60)
    with lease.read() as con:  # freed: the next run reads again
        assert count_students(con) > 0
    lease.close_if_idle()


def test_the_idle_lease_closes_by_itself(demo_copy):
    from ui.store import Lease

    lease = Lease(str(demo_copy), idle=0.3)
    with lease.read():
        pass
    assert until(lambda: not lease.is_open)
    with lease.read(), lease.read():  # two runs at once share one connection
        assert lease.opened == 2
    assert until(lambda: not lease.is_open)


def test_readers_share_a_writer_and_a_writer_waits_for_readers(lease):
    import threading

    from analytics import audit

    done = threading.Event()
    with lease.read():
        def write() -> None:
            with lease.write() as con:
                audit.record(con, "tester", "logout")
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not done.wait(0.3)  # the writer waits while the read-only connection is in use
    writer.join(30)
    assert done.is_set()


def test_this_process_may_open_the_file_read_write_beside_an_idle_lease(lease, demo_copy):
    with lease.read():
        pass
    assert lease.is_open
    con = db.connect(demo_copy)  # asks the idle lease to let go (one configuration per process)
    try:
        with lease.read() as shared:  # and the lease shares the read-write configuration meanwhile
            assert count_students(shared) == count_students(con)
    finally:
        con.close()
