"""What the dashboard's lease costs on page time (#13): the dashboard holds no connection
between script runs, so a run after an idle pause opens the DuckDB file again.

In one process, on the overview in AppTest (results already cached, as for a user who comes
back): A = a run after the lease was let go (``store.close_all()``: the next run opens the
file read-only again), B = a run while the lease is still open. Interleaved A, B, A, B …,
``reps`` times; min and median of each and the median difference.

``python -m benchmarks.bench_lease [--students 10000 1000000] [--reps 7]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from benchmarks.bench_metrics import demo_db
from benchmarks.harness import ROOT, machine, measure


def lease_cost(db_path: str, reps: int) -> dict[str, list[float]]:
    """Seconds of the overview's runs after the lease closed (``reopened``) and while open (``open``)."""
    os.environ["DUAL_MENTOR_DB"] = db_path
    from streamlit.testing.v1 import AppTest

    from ui import store

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    at.run()  # cold: fills the result cache
    times: dict[str, list[float]] = {"reopened": [], "open": []}
    for _ in range(reps):
        store.close_all()
        start = time.perf_counter()
        at.run()
        times["reopened"].append(time.perf_counter() - start)
        start = time.perf_counter()
        at.run()
        times["open"].append(time.perf_counter() - start)
    if at.exception:
        raise RuntimeError(str(at.exception[0].value))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    print(f"{machine()}\n")
    print("| students | reopened min / median (s) | open min / median (s) | median difference (s) |")
    print("| ---: | ---: | ---: | ---: |")
    for n in args.students:
        t = measure("benchmarks.bench_lease:lease_cost", str(demo_db(n)), args.reps)["result"]
        diff = statistics.median(a - b for a, b in zip(t["reopened"], t["open"], strict=True))
        print(f"| {n:,} | {min(t['reopened']):.3f} / {statistics.median(t['reopened']):.3f} | "
              f"{min(t['open']):.3f} / {statistics.median(t['open']):.3f} | {diff:+.3f} |")


if __name__ == "__main__":
    main()
