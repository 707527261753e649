"""What reading uploads in a child process costs: ``read_file`` in the process vs
``sandbox.read_isolated`` (fork a child from the warm fork server, send the bytes, read,
send the sheets back as JSON + Arrow IPC).

Interleaved A, B, A, B … (``--repeat`` rounds, default 5) in one process, after one warm-up
read of each kind, so both see the same caches; min and median wall time per case. The fork
server's own start (once per server process) is timed separately. Cases: a 3-row xlsx (the
fixed cost), a 100,000-row xlsx and a CSV of ``--rows`` rows (the cost that grows with the
frame sent back).

``python -m benchmarks.bench_sandbox [--rows N] [--xlsx-rows N] [--repeat N]`` prints a
markdown table and writes it to ``benchmarks/results/sandbox.md``.

``--checkouts DIR DIR …`` instead compares checkouts of this project (before and after a
change: ``git worktree add /tmp/old <commit>``) on the same two big files: each run is a
fresh process of one checkout (its own fork server, one tiny warm-up read) reading the file
once through ``sandbox.read_measured``; the checkouts take turns (A, B, A, B …). Per file and
checkout: the wall time, how much the reading process's peak RSS (``VmHWM``, reset before the
read) grew, and the reader child's own peak growth as it reports it. Written to
``benchmarks/results/sandbox-checkouts.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analytics.ingest import sandbox
from analytics.ingest.read import Limits, read_file
from benchmarks.bench_import import write_csv, write_xlsx
from benchmarks.harness import machine

RESULTS = Path(__file__).with_name("results")
LIMITS = Limits(max_bytes=500 * 1024**2)


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(data: bytes, name: str, repeat: int) -> dict[str, list[float]]:
    """Wall times of ``repeat`` interleaved rounds: in-process read, then isolated read."""
    def here() -> object:
        return read_file(data, file_name=name, limits=LIMITS)

    def there() -> object:
        return sandbox.read_isolated(data, name, LIMITS)

    here(), there()  # warm-up: first-use set-up of each path is not what is compared
    times: dict[str, list[float]] = {"in process": [], "sandbox": []}
    for _ in range(repeat):
        times["in process"].append(_seconds(here))
        times["sandbox"].append(_seconds(there))
    return times


def server_start() -> float:
    """Seconds from nothing to the first isolated read of a tiny CSV (the fork server's start)."""
    if sandbox._server is not None:
        sandbox._server.process.kill()
        sandbox._server.process.wait()
        sandbox._server = None
    return _seconds(lambda: sandbox.read_isolated("学号,姓名\n1,张三\n".encode(), "start.csv"))


def run(rows: int, xlsx_rows: int, repeat: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        start = server_start()
        cases = [
            ("xlsx, 3 rows", write_xlsx(f"{tmp}/small.xlsx", 3)),
            (f"xlsx, {xlsx_rows:,} rows", write_xlsx(f"{tmp}/big.xlsx", xlsx_rows)),
            (f"CSV, {rows:,} rows", write_csv(f"{tmp}/big.csv", rows)),
        ]
        measured = [(label, compare(Path(p).read_bytes(), Path(p).name, repeat)) for label, p in cases]
    lines = [
        f"Machine: {machine()}",
        "",
        f"Fork server start (once per server process): {start:.2f} s.",
        "",
        f"| case | in process min / median (s) | sandbox min / median (s) | added (median) | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, t in measured:
        a, b = t["in process"], t["sandbox"]
        ma, mb = statistics.median(a), statistics.median(b)
        lines.append(f"| {label} | {min(a):.3f} / {ma:.3f} | {min(b):.3f} / {mb:.3f} | "
                     f"{(mb - ma) * 1000:+.0f} ms | {mb / ma:.2f}× |")
    lines += ["", f"{repeat} interleaved rounds per case, after one warm-up read of each."]
    return "\n".join(lines)


# One run in a fresh process of a checkout: only APIs every checkout of the sandbox has.
_ONE_READ = """
import json, sys, time
from pathlib import Path
from analytics.ingest import sandbox
from analytics.ingest.read import Limits
def kib(field):
    return next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field + ":"))
sandbox.read_isolated("学号,姓名\\n1,张三\\n".encode(), "warm.csv")
data = Path(sys.argv[1]).read_bytes()
Path("/proc/self/clear_refs").write_text("5")
before = kib("VmRSS")
start = time.perf_counter()
reading = sandbox.read_measured(data, Path(sys.argv[1]).name, Limits(max_bytes=500 * 1024**2))
seconds = time.perf_counter() - start
assert reading.refused is None, reading.refused
print(json.dumps({"seconds": seconds, "parent_mib": (kib("VmHWM") - before) / 1024, "child_mib": reading.peak_mib}))
"""


def one_read(checkout: str, path: str) -> dict[str, float]:
    """Wall time and peak growths of one sandboxed read of ``path`` by the code in ``checkout``."""
    env = {**os.environ, "PYTHONPATH": checkout}
    out = subprocess.run([sys.executable, "-c", _ONE_READ, path], cwd=checkout, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def compare_checkouts(checkouts: list[str], rows: int, xlsx_rows: int, repeat: int) -> str:
    """The markdown table of :func:`one_read` per file and checkout, the checkouts interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        files = [(f"CSV, {rows:,} rows", write_csv(f"{tmp}/big.csv", rows)),
                 (f"xlsx, {xlsx_rows:,} rows", write_xlsx(f"{tmp}/big.xlsx", xlsx_rows))]
        runs = {(label, c): [] for label, _ in files for c in checkouts}
        for _ in range(repeat):
            for label, path in files:
                for checkout in checkouts:
                    runs[label, checkout].append(one_read(checkout, path))
    lines = [
        f"Machine: {machine()}", "",
        "| file | checkout | wall min / median (s) | reading process peak growth, median (MiB) "
        "| reader child peak growth, median (MiB) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for (label, checkout), got in runs.items():
        wall = [r["seconds"] for r in got]
        parent = statistics.median(r["parent_mib"] for r in got)
        child = statistics.median(r["child_mib"] for r in got)
        lines.append(f"| {label} | `{checkout}` | {min(wall):.2f} / {statistics.median(wall):.2f} | {parent:.0f} "
                     f"| {child:.0f} |")
    every = "; ".join(f"{label} `{c}`: " + " ".join(f"{r['seconds']:.2f}s/{r['parent_mib']:.0f}/{r['child_mib']:.0f}"
                                                     for r in got) for (label, c), got in runs.items())
    lines += ["", f"{repeat} interleaved rounds, a fresh process per run. Every run (wall/parent/child): {every}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--checkouts", nargs="+", metavar="DIR", help="compare these checkouts (see the module doc)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if args.checkouts:
        if args.repeat < 3:
            parser.error("--repeat must be at least 3")
        table = compare_checkouts([str(Path(c).resolve()) for c in args.checkouts], args.rows, args.xlsx_rows,
                                  args.repeat)
        (RESULTS / "sandbox-checkouts.md").write_text("# Sandboxed reads by checkout\n\n" + table + "\n",
                                                      encoding="utf-8")
    else:
        table = run(args.rows, args.xlsx_rows, args.repeat)
        (RESULTS / "sandbox.md").write_text("# Sandbox cost\n\n" + table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
