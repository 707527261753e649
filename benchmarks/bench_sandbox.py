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
"""

from __future__ import annotations

import argparse
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    table = run(args.rows, args.xlsx_rows, args.repeat)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sandbox.md").write_text("# Sandbox cost\n\n" + table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
