"""``python -m benchmarks``: every row of issue 17's table in one interleaved run.

Each case runs in a fresh process, the cases in turn, three times or ``--reps`` (A, B, C, …,
A, B, C, …); the table shows medians with the minimum, ratios of medians, and a verdict
against each target (``bench_targets``). The demo databases are cached under
``benchmarks/out/`` (the first run builds them: minutes for 1M). ``--quick`` uses small
sizes — a check that everything runs, not figures to quote — and writes
``summary-quick.md`` instead of ``summary.md``; ``--only import`` measures the import rows alone
(``summary-import.md``). The older per-area tables stay runnable:
``python -m benchmarks.bench_import``, ``.bench_metrics``, ``.bench_pages``, ``.bench_sandbox``.
With ``DUAL_MENTOR_BENCH_PG`` set, metrics and pages on PostgreSQL beside DuckDB follow
(``bench_pg_read``: 100k and 1M students, 10k and 100k with ``--quick``); without it, skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from benchmarks import bench_pg_read, bench_targets
from benchmarks.harness import machine

RESULTS = Path(__file__).with_name("results")
FULL = {"rows": 1_000_000, "xlsx_rows": 100_000, "small": 10_000, "large": 1_000_000, "limit_rows": 2_000_000}
QUICK = {"rows": 100_000, "xlsx_rows": 10_000, "small": 10_000, "large": 100_000, "limit_rows": 200_000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: check that everything runs")
    parser.add_argument("--only", choices=["import"], help="measure only these rows (import: the import rows)")
    parser.add_argument("--reps", type=int, default=3, help="runs of every case, interleaved (at least 3)")
    args = parser.parse_args()
    if args.reps < 3:
        parser.error("--reps must be at least 3")
    size = QUICK if args.quick else FULL
    measured = bench_targets.run(**size, reps=args.reps, only=args.only)
    command = "python -m benchmarks" + (" --quick" if args.quick else "") + (
        f" --only {args.only}" if args.only else "") + (f" --reps {args.reps}" if args.reps != 3 else "")
    text = "\n".join([
        "# Benchmarks (issue 17)",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {machine()} · `{command}` · {args.reps} interleaved runs "
        "per case" + (" · `--quick` sizes, not figures to quote" if args.quick else ""),
        "",
        bench_targets.table(measured, **size),
        "",
        bench_pg_read.section(args.quick, args.reps),
        "",
    ])
    RESULTS.mkdir(exist_ok=True)
    stem = ("summary-quick" if args.quick else "summary") + (f"-{args.only}" if args.only else "")
    (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(json.dumps(measured, indent=1, default=str) + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
