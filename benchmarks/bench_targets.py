"""Every row of issue 17's table, measured in one run, interleaved.

Each case runs in a fresh process (``harness.measure``), all cases in turn, ``reps`` times
(A, B, C, …, A, B, C, …): a ratio compares medians of runs that shared the same minutes of a
busy machine. Imports are measured into an empty database and into a copy of the 1M-student
demo database (copied before the clock starts). ``python -m benchmarks`` runs it; see
``docs/PERFORMANCE.md`` for the figures and how to read them.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_import import write_csv, write_xlsx
from benchmarks.bench_metrics import demo_db
from benchmarks.bench_pages import page_cold_warm
from benchmarks.harness import interleaved

BIG = 500 * 1024**2  # the import's size limit lifted for the benchmark files (a 1M-row CSV is 65 MB)
USERS = ("dashboard.py", "pages/1_certificates.py", "pages/2_employment.py", "pages/3_satisfaction.py",
         "pages/5_mentors.py", "pages/6_enterprises.py")  # six users, each opening a page


def _fresh(db_path: str, base: str) -> None:
    """``db_path`` removed, or replaced by a copy of ``base``."""
    for leftover in (Path(db_path), Path(db_path + ".wal")):
        leftover.unlink(missing_ok=True)
    if base:
        shutil.copyfile(base, db_path)


def _reader_running() -> None:
    """The reader's fork server started and answering, before the clock: as in the dashboard,
    which starts it with the server (``ui.warm.start``), not with the first upload."""
    from analytics.ingest import sandbox

    sandbox.read_isolated("学号\n1\n".encode(), "warm.csv")


def csv_import(csv_path: str, db_path: str, base: str = "", measure_reader: bool = False,
               reader_up: bool = False) -> dict[str, Any]:
    """``import_file`` of a certificate CSV into an empty database or a copy of ``base``; with
    ``measure_reader``, also the peak of the sandboxed reader child on the same file; with
    ``reader_up``, the reader's fork server already running (otherwise the clock includes its
    start-up, as for the first file a fresh process reads)."""
    from analytics import db
    from analytics.ingest.pipeline import import_file
    from analytics.ingest.read import Limits

    _fresh(db_path, base)
    if reader_up:
        _reader_running()
    start = time.perf_counter()
    con = db.connect(db_path)
    (r,) = import_file(con, Path(csv_path), table="certificate_exams", limits=Limits(max_bytes=BIG))
    con.close()
    seconds = time.perf_counter() - start
    if r.status not in ("loaded", "unchanged"):
        raise SystemExit(f"benchmark import not loaded: {r.status} {r.refused}")
    out = {"_seconds": seconds, "inserted": r.inserted, "updated": r.updated, "rejected": r.rejected}
    if measure_reader:
        # This process's peak is taken here: the reader check below maps a second reply of the
        # same size, which would lie on top of the heap the import freed but kept.
        out["import_peak_mib"] = _vm_hwm_mib(os.getpid())
        # After the clock: the reader child's own growth, which this process's peak misses.
        out["reader_peak_mib"] = reader_peak(csv_path)
    return out


def bare_read_csv(csv_path: str, db_path: str, base: str = "") -> dict[str, Any]:
    """DuckDB's ``read_csv(all_varchar=true)`` of the same file into a table of the same database."""
    import duckdb

    _fresh(db_path, base)
    start = time.perf_counter()
    con = duckdb.connect(db_path)
    con.execute("CREATE OR REPLACE TABLE bench_t AS SELECT * FROM read_csv(?, all_varchar = true)", [csv_path])
    rows = con.execute("SELECT count(*) FROM bench_t").fetchone()[0]
    con.close()
    return {"_seconds": time.perf_counter() - start, "rows": rows}


def first_pass_rate(csv_path: str, db_path: str) -> dict[str, Any]:
    """From the file to the first pass rate with the product: import, then ``metrics --json``."""
    import contextlib
    import io

    from analytics import cli

    _fresh(db_path, "")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(["import", csv_path, "--db", db_path, "--table", "certificate_exams",
                           "--max-mb", "500"])
        status = status or cli.main(["metrics", "--json", "--db", db_path])
    if status:
        raise SystemExit(f"import or metrics failed: {status}")
    return {"_seconds": time.perf_counter() - start}


def pandas_pass_rate(csv_path: str) -> dict[str, Any]:
    """The script a researcher would write: ``read_csv`` then a ``groupby`` pass rate."""
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str)
    rate = (frame["是否通过"] == "通过").groupby(frame["证书名称"]).mean()
    return {"_seconds": time.perf_counter() - start, "groups": len(rate)}


def xlsx_import(xlsx_path: str, db_path: str, reader_up: bool = False) -> dict[str, Any]:
    """``import_file`` of the xlsx into an empty database (``reader_up``: as :func:`csv_import`)."""
    from analytics import db
    from analytics.ingest.pipeline import import_file

    _fresh(db_path, "")
    if reader_up:
        _reader_running()
    start = time.perf_counter()
    con = db.connect(db_path)
    (r,) = import_file(con, Path(xlsx_path), table="certificate_exams")
    con.close()
    return {"_seconds": time.perf_counter() - start, "inserted": r.inserted}


def calamine_parse(xlsx_path: str) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    rows = len(CalamineWorkbook.from_path(xlsx_path).get_sheet_by_index(0).to_python())
    return {"_seconds": time.perf_counter() - start, "rows": rows}


def metrics_in_process(db_path: str) -> dict[str, Any]:
    """``metrics --json`` run once in this process (modules imported before the clock)."""
    import contextlib
    import io

    from analytics import cli

    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(["metrics", "--json", "--db", db_path])
    if status:
        raise SystemExit(f"metrics failed: {status}")
    # CPU seconds of every thread of the process beside the wall time: on a shared, busy machine
    # the wall time waits for other programs, the CPU time much less
    return {"_seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def six_users(db_path: str) -> dict[str, Any]:
    """Six users opening six pages at the same moment, cold: a real dashboard server on
    ``db_path`` and six Chromium tabs (Playwright, Debian's /usr/bin/chromium), each in its own
    browser context. The time is until every page has drawn; the peak is the server's own."""
    import os
    import subprocess
    import sys
    import urllib.request

    from playwright.sync_api import sync_playwright

    from benchmarks.harness import ROOT
    from tests.browserkit import ARGS, CHROMIUM, TIMEOUT_MS, free_port, settle

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "DUAL_MENTOR_DB": db_path}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1):
                    break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("the dashboard server did not start") from None
                time.sleep(0.25)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            tabs = []
            for page in USERS:
                tab = browser.new_context(locale="zh-CN").new_page()
                tab.set_default_timeout(TIMEOUT_MS)
                tabs.append((page, tab))
            start = time.perf_counter()
            for page, tab in tabs:  # all six sessions start before any is waited for
                path = "" if page == "dashboard.py" else Path(page).stem.split("_", 1)[1]
                tab.goto(f"{base}/{path}", wait_until="commit")
            for _, tab in tabs:
                settle(tab)
            seconds = time.perf_counter() - start
            errors = [page for page, tab in tabs if tab.locator('[data-testid="stException"]').count()]
            browser.close()
        peak = _vm_hwm_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"_seconds": seconds, "server_peak_mib": peak, "errors": errors}


def _vm_hwm_mib(pid: int) -> float:
    """The peak resident memory of process ``pid`` (MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024
    raise LookupError(pid)


def reader_peak(csv_path: str) -> float:
    """How much the sandboxed reader child grows reading ``csv_path`` (MiB over its start)."""
    from analytics.ingest import sandbox
    from analytics.ingest.read import Limits

    reading = sandbox.read_measured(Path(csv_path).read_bytes(), Path(csv_path).name, Limits(max_bytes=BIG))
    if reading.refused is not None:
        raise SystemExit(f"reader refused the file: {reading.refused.code}")
    return reading.peak_mib or 0.0


def page_cold(page: str, db_path: str) -> dict[str, Any]:
    """A page's first run in a fresh session (the time), then its warm reruns (``warm``: the best)."""
    result = page_cold_warm(page, db_path)
    if result["errors"]:
        raise SystemExit(f"{page} failed: {result['errors']}")
    return {"_seconds": result["cold"], "warm": result["warm"]}


def certificate_csv_of(db_path: str, path: str) -> str:
    """A certificate CSV of the students of ``db_path`` (one exam each), as bench_import writes."""
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from benchmarks.bench_import import HEADERS, certificate_rows

    con = duckdb.connect(db_path, read_only=True)
    ids = np.array([r[0] for r in con.execute("SELECT student_id FROM students ORDER BY student_id").fetchall()])
    con.close()
    cols = certificate_rows(len(ids))
    cols[0] = ids
    pacsv.write_csv(pa.table(dict(zip(HEADERS, cols, strict=True))), path)
    return path


IMPORT_CASES = ("csv_import_empty", "csv_bare_empty", "csv_import_existing", "csv_bare_existing", "pass_rate_product",
                "pass_rate_pandas", "xlsx_import", "xlsx_calamine", "limit_import", "csv_import_reader_up",
                "xlsx_import_reader_up")


def run(rows: int, xlsx_rows: int, small: int, large: int, limit_rows: int, reps: int,
        only: str | None = None) -> dict[str, dict]:
    """Build the files and databases, then measure every case interleaved; the raw figures.
    ``only="import"`` measures the import rows alone (``IMPORT_CASES``)."""
    small_db, large_db = str(demo_db(small)), str(demo_db(large))
    tmp = tempfile.mkdtemp(prefix="bench17-")
    try:
        csv = write_csv(f"{tmp}/certs.csv", rows)
        known = certificate_csv_of(large_db, f"{tmp}/certs-known.csv")
        limit_csv = write_csv(f"{tmp}/certs-limit.csv", limit_rows)
        xlsx = write_xlsx(f"{tmp}/certs.xlsx", xlsx_rows)
        cases = {
            "csv_import_empty": ("benchmarks.bench_targets:csv_import", (csv, f"{tmp}/a.duckdb")),
            "csv_bare_empty": ("benchmarks.bench_targets:bare_read_csv", (csv, f"{tmp}/b.duckdb")),
            "csv_import_existing": ("benchmarks.bench_targets:csv_import", (known, f"{tmp}/c.duckdb", large_db)),
            "csv_bare_existing": ("benchmarks.bench_targets:bare_read_csv", (known, f"{tmp}/d.duckdb", large_db)),
            "pass_rate_product": ("benchmarks.bench_targets:first_pass_rate", (csv, f"{tmp}/e.duckdb")),
            "pass_rate_pandas": ("benchmarks.bench_targets:pandas_pass_rate", (csv,)),
            "xlsx_import": ("benchmarks.bench_targets:xlsx_import", (xlsx, f"{tmp}/f.duckdb")),
            "xlsx_calamine": ("benchmarks.bench_targets:calamine_parse", (xlsx,)),
            "csv_import_reader_up": ("benchmarks.bench_targets:csv_import", (csv, f"{tmp}/h.duckdb", "", False, True)),
            "xlsx_import_reader_up": ("benchmarks.bench_targets:xlsx_import", (xlsx, f"{tmp}/i.duckdb", True)),
            "overview_small": ("benchmarks.bench_targets:page_cold", ("dashboard.py", small_db)),
            "overview_large": ("benchmarks.bench_targets:page_cold", ("dashboard.py", large_db)),
            "employment_small": ("benchmarks.bench_targets:page_cold", ("pages/2_employment.py", small_db)),
            "employment_large": ("benchmarks.bench_targets:page_cold", ("pages/2_employment.py", large_db)),
            "mentors_large": ("benchmarks.bench_targets:page_cold", ("pages/5_mentors.py", large_db)),
            "metrics_small": ("benchmarks.bench_targets:metrics_in_process", (small_db,)),
            "metrics_large": ("benchmarks.bench_targets:metrics_in_process", (large_db,)),
            "limit_import": ("benchmarks.bench_targets:csv_import", (limit_csv, f"{tmp}/g.duckdb", "", True)),
            "six_users_large": ("benchmarks.bench_targets:six_users", (large_db,)),
        }
        if only == "import":
            cases = {name: case for name, case in cases.items() if name in IMPORT_CASES}
        return interleaved(cases, reps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ratio(m: dict[str, dict], a: str, b: str) -> float:
    return m[a]["median"] / m[b]["median"]


def table(m: dict[str, dict], rows: int, xlsx_rows: int, small: int, large: int, limit_rows: int) -> str:
    """Issue 17's table with the measured figures (medians; min in brackets) and a verdict."""

    def fig(name: str, key: str = "median") -> str:
        return f"{m[name][key]:.2f} s (min {m[name]['min']:.2f})"

    lines = [
        "| what | measured (median of the runs; min) | ratio | target | verdict |",
        "| --- | --- | ---: | --- | --- |",
    ]

    def row(what: str, measured: str, ratio: float | None, target: str, ok: bool) -> None:
        shown = "" if ratio is None else f"{ratio:.2f}×"
        lines.append(f"| {what} | {measured} | {shown} | {target} | {'met' if ok else '**missed**'} |")

    r = _ratio(m, "csv_import_empty", "csv_bare_empty")
    row(f"{rows:,}-row certificate CSV import ÷ DuckDB `read_csv(all_varchar)`, empty database",
        f"{fig('csv_import_empty')} ÷ {fig('csv_bare_empty')}", r, "≤ 2×", r <= 2)
    r = _ratio(m, "csv_import_existing", "csv_bare_existing")
    row(f"the same, {large:,} students' CSV into a copy of the {large:,}-student database",
        f"{fig('csv_import_existing')} ÷ {fig('csv_bare_existing')}", r, "≤ 2×", r <= 2)
    r = _ratio(m, "pass_rate_product", "pass_rate_pandas")
    row("file → first pass rate (`import` + `metrics --json`) ÷ pandas `read_csv → groupby`",
        f"{fig('pass_rate_product')} ÷ {fig('pass_rate_pandas')}", r, "≤ 1×", r <= 1)
    r = _ratio(m, "xlsx_import", "xlsx_calamine")
    row(f"{xlsx_rows:,}-row xlsx import ÷ bare python-calamine parse",
        f"{fig('xlsx_import')} ÷ {fig('xlsx_calamine')}", r, "≤ 1.5×", r <= 1.5)
    pages = "overview_large" in m  # not measured with ``only="import"``
    if pages:
        r = _ratio(m, "overview_large", "overview_small")
        row(f"overview page, cold, {large:,} ÷ {small:,} students", f"{fig('overview_large')} ÷ {fig('overview_small')}",
            r, "≤ 3×", r <= 3)
        mentors_warm = statistics.median(r["warm"] for r in m["mentors_large"]["results"])
        r = _ratio(m, "employment_large", "employment_small")
        row("employment page, same ratio", f"{fig('employment_large')} ÷ {fig('employment_small')}", r, "≤ 3×", r <= 3)
        row(f"mentors page warm rerun at {large:,}", f"{mentors_warm:.2f} s (median over the processes of the best "
            "of 3 reruns each)", None,
            "≤ 0.2 s", mentors_warm <= 0.2)
        r = _ratio(m, "metrics_large", "metrics_small")
        row(f"`metrics --json` in one process, {large:,} ÷ {small:,}", f"{fig('metrics_large')} ÷ {fig('metrics_small')}",
            r, "≤ 4×", r <= 4)
    peak = max(r["import_peak_mib"] for r in m["limit_import"]["results"])
    reader = max(r["reader_peak_mib"] for r in m["limit_import"]["results"])
    row(f"peak memory, {limit_rows:,}-row CSV import", f"{peak:.0f} MiB importing process, reader child "
        f"+{reader:.0f} MiB ({fig('limit_import')})", None, "≤ 1 GB", peak <= 1024 and reader <= 1024)
    if pages:
        peak = max(r["server_peak_mib"] for r in m["six_users_large"]["results"])
        errors = m["six_users_large"]["result"]["errors"]
        row(f"peak memory, 6 users opening pages at once at {large:,}, cold",
            f"{peak:.0f} MiB dashboard server (all drawn in {fig('six_users_large')}"
            f"{'; pages with an error: ' + ', '.join(errors) if errors else ''})", None,
            "≤ 1.5 GB", peak <= 1536)
    if "xlsx_import_reader_up" in m:
        lines += ["", "With the reader's fork server already running (as in the dashboard, which starts it with "
                  "the server; the rows above start it inside the clock, as the first file a fresh process reads): "
                  f"CSV import {fig('csv_import_reader_up')}, "
                  f"{_ratio(m, 'csv_import_reader_up', 'csv_bare_empty'):.2f}× the bare `read_csv`; xlsx import "
                  f"{fig('xlsx_import_reader_up')}, {_ratio(m, 'xlsx_import_reader_up', 'xlsx_calamine'):.2f}× "
                  "the bare parse."]
    runs = "; ".join(f"{name} {' '.join(f'{s:.2f}' for s in v['seconds'])}" for name, v in m.items())
    lines += ["", f"Every run (s), in the order measured: {runs}."]
    return "\n".join(lines)
