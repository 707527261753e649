"""What the Data page's user waits for: the check of an upload (a dry run) and its import on
confirm, with the file read for each (as before ``pipeline.Reads``) and read once for both.

Each case is a fresh process with the reader's fork server already running (as in the
dashboard); it checks the file (``dry_run``) and then imports it into an empty database, both
through ``import_file``, and times each step. The two ways take turns (A, B, A, B …, ``--reps``
rounds, ``harness.interleaved``). Files: a 100,000-row certificate xlsx and a 1,000,000-row
certificate CSV (``--xlsx-rows``, ``--rows``; ``--quick``: 2,000 and 20,000).

``python -m benchmarks.bench_check_confirm [--reps 5] [--quick]`` prints a markdown table and
writes ``benchmarks/results/check-confirm.md`` and ``.json`` (every run's times).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_import import write_csv, write_xlsx
from benchmarks.harness import interleaved, write_results

BIG = 500 * 1024**2  # the size limit lifted, as for the other import benchmarks (a 1M-row CSV is 65 MB)


def check_then_import(path: str, db_path: str, keep: bool) -> dict[str, Any]:
    """Check ``path`` and then import it, as the Data page does; ``keep``: with one ``Reads``
    for both (the file read once), else each step reading the file. Times: ``check``, ``import``."""
    import time

    from analytics import db
    from analytics.ingest import sandbox
    from analytics.ingest.pipeline import Reads, import_file
    from analytics.ingest.read import Limits

    Path(db_path).unlink(missing_ok=True)
    Path(db_path + ".wal").unlink(missing_ok=True)
    sandbox.read_isolated("学号\n1\n".encode(), "warm.csv")  # the reader running, as in the dashboard
    data, name, limits = Path(path).read_bytes(), Path(path).name, Limits(max_bytes=BIG)
    reads = Reads() if keep else None
    con = db.connect(db_path)
    start = time.perf_counter()
    (checked,) = import_file(con, data, file_name=name, table="certificate_exams", dry_run=True, limits=limits,
                             reads=reads)
    middle = time.perf_counter()
    (loaded,) = import_file(con, data, file_name=name, table="certificate_exams", limits=limits, reads=reads)
    end = time.perf_counter()
    con.close()
    if (checked.status, loaded.status) != ("checked", "loaded"):
        raise SystemExit(f"benchmark import not loaded: {checked.status} {loaded.status} {loaded.refused}")
    return {"_seconds": end - start, "check": middle - start, "import": end - middle, "inserted": loaded.inserted}


def run(rows: int, xlsx_rows: int, reps: int) -> dict[str, dict[str, Any]]:
    """Every case ``reps`` times, interleaved; per case the step times of every run."""
    with tempfile.TemporaryDirectory() as tmp:
        files = {"xlsx": write_xlsx(f"{tmp}/certs.xlsx", xlsx_rows), "csv": write_csv(f"{tmp}/certs.csv", rows)}
        cases = {f"{kind}_{way}": ("benchmarks.bench_check_confirm:check_then_import",
                                   (path, f"{tmp}/{kind}-{way}.duckdb", way == "once"))
                 for kind, path in files.items() for way in ("each", "once")}
        measured = interleaved(cases, reps)
    return {name: {step: [r[step] for r in m["results"]] for step in ("check", "import")} | {"peak_mib": m["peak_mib"]}
            for name, m in measured.items()}


def table(m: dict[str, dict[str, Any]], rows: int, xlsx_rows: int) -> str:
    def fig(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s (min {min(values):.2f})"

    lines = ["| file | read | check (median) | import on confirm (median) | import ÷ the same with a read |",
             "| --- | --- | --- | --- | ---: |"]
    for kind, label in (("xlsx", f"{xlsx_rows:,}-row certificate xlsx"), ("csv", f"{rows:,}-row certificate CSV")):
        each, once = m[f"{kind}_each"], m[f"{kind}_once"]
        ratio = statistics.median(once["import"]) / statistics.median(each["import"])
        lines.append(f"| {label} | for each step | {fig(each['check'])} | {fig(each['import'])} | |")
        lines.append(f"| {label} | once (`pipeline.Reads`) | {fig(once['check'])} | {fig(once['import'])} | "
                     f"{ratio:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small files: check that it runs")
    args = parser.parse_args()
    rows, xlsx_rows = (20_000, 2_000) if args.quick else (args.rows, args.xlsx_rows)
    measured = run(rows, xlsx_rows, args.reps)
    command = "python -m benchmarks.bench_check_confirm" + (" --quick" if args.quick else "") + \
        (f" --reps {args.reps}" if args.reps != 3 else "")
    print(write_results("check-confirm" + ("-quick" if args.quick else ""), "Check, then import on confirm", command,
                        args.reps, table(measured, rows, xlsx_rows), measured))


if __name__ == "__main__":
    main()
