"""The check of a file full of cells the importer cannot read, against the same file clean.

A free-text column taken for a coded one, or a score column of words, rejects every row: the
check then words an issue and keeps the original row of each, and asks about each distinct
value it did not understand. Three certificate CSVs of the same rows (``--rows``, default
100,000; ``--quick``: 2,000): every score a number (clean), every score the same word
("one word"), every score a different word ("a word a row"). Each case is a dry run
(``import_file(dry_run=True)``) in a fresh process with the reader running, as the Data page
checks an upload; the cases take turns (``--reps`` rounds). With ``--before DIR`` (another
checkout of the project) each case also runs in that tree, interleaved with this one's: before
and after figures from the same minutes of a busy machine.

``python -m benchmarks.bench_rejects [--rows N] [--reps 3] [--before DIR] [--quick]`` prints a
markdown table and writes ``benchmarks/results/rejects.md`` and ``.json`` (every run's time).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, measure, write_results

BIG = 500 * 1024**2  # the size limit lifted, as for the other import benchmarks
HEADER = "学号,证书名称,考试日期,证书等级,是否通过,成绩"
KINDS = {"clean": "every score a number", "one_word": "every score the same word",
         "distinct": "every score a different word"}


def write_file(path: str, rows: int, kind: str) -> str:
    """``rows`` certificate rows whose scores are numbers, one word or a word a row (``kind``)."""
    score = {"clean": lambda i: str(60 + i % 40), "one_word": lambda i: "见附件",
             "distinct": lambda i: f"见附件{i}"}[kind]
    lines = [HEADER, *(f"0{202100000 + i},数控车工,2024-06-20,中级,通过,{score(i)}" for i in range(rows))]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(path: str, store: str = "") -> dict[str, Any]:
    """The dry run of ``path`` (the reader's fork server started before the clock); with ``store``
    (a database file, made anew), the import of it there instead."""
    import time

    from analytics import db
    from analytics.ingest import sandbox
    from analytics.ingest.pipeline import import_file
    from analytics.ingest.read import Limits

    sandbox.read_isolated("学号\n1\n".encode(), "warm.csv")
    for leftover in (Path(store), Path(store + ".wal")) if store else ():
        leftover.unlink(missing_ok=True)
    data, con = Path(path).read_bytes(), db.connect(store or ":memory:")
    start = time.perf_counter()
    (r,) = import_file(con, data, file_name=Path(path).name, table="certificate_exams", dry_run=not store,
                       limits=Limits(max_bytes=BIG))
    seconds = time.perf_counter() - start
    con.close()
    if r.status not in (("loaded", "unchanged") if store else ("checked",)):
        raise SystemExit(f"benchmark {'import' if store else 'check'} failed: {r.status} {r.refused}")
    return {"_seconds": seconds, "rejected": r.rejected, "unknown": len(r.unknown_values)}


def run(rows: int, reps: int, before: Path | None = None, imports: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    """``{tree: {kind: {seconds, min, median, peak_mib, rejected}}}``: every kind in every tree, interleaved
    (after clean, before clean, after one word, …) × ``reps``; checks, or with ``imports`` imports."""
    trees = {"after": ROOT} | ({"before": before} if before else {})
    runs: dict[str, dict[str, list[dict]]] = {tree: {kind: [] for kind in KINDS} for tree in trees}
    with tempfile.TemporaryDirectory() as tmp:
        files = {kind: write_file(f"{tmp}/{kind}.csv", rows, kind) for kind in KINDS}
        for _ in range(reps):
            for kind, path in files.items():
                for tree, root in trees.items():
                    store = (f"{tmp}/{tree}.duckdb",) if imports else ()
                    runs[tree][kind].append(measure("benchmarks.bench_rejects:check", path, *store, root=root))
    return {tree: {kind: {"seconds": [m["seconds"] for m in measured],
                          "min": min(m["seconds"] for m in measured),
                          "median": statistics.median(m["seconds"] for m in measured),
                          "peak_mib": max(m["peak_mib"] for m in measured),
                          "rejected": measured[-1]["result"]["rejected"]}
                   for kind, measured in by_kind.items()}
            for tree, by_kind in runs.items()}


def table(m: dict[str, dict[str, dict[str, Any]]], rows: int, what_ran: str = "check") -> str:
    """One row per file: each tree's median (min), its ratio to the clean file of the same tree and
    the largest peak memory of its runs (the whole process, as a dashboard server would grow)."""
    trees = list(m)
    head = "| file | rows rejected | " + " | ".join(
        f"{t}: {what_ran} (median) | {t}: ÷ clean | {t}: peak" for t in trees) + " |"
    lines = [head, "| --- | ---: | " + " | ".join("--- | ---: | ---:" for _ in trees) + " |"]
    for kind, what in KINDS.items():
        cells = []
        for tree in trees:
            case, clean = m[tree][kind], m[tree]["clean"]
            cells.append(f"{case['median']:.2f} s (min {case['min']:.2f}) | {case['median'] / clean['median']:.1f}× | "
                         f"{case['peak_mib']:.0f} MiB")
        lines.append(f"| {rows:,} rows, {what} | {m[trees[0]][kind]['rejected']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--before", type=Path, help="an older tree of the project, measured interleaved")
    parser.add_argument("--import", dest="imports", action="store_true",
                        help="import each file (into a new database) instead of checking it")
    parser.add_argument("--quick", action="store_true", help="a small file: check that it runs")
    args = parser.parse_args()
    rows = 2_000 if args.quick else args.rows
    measured = run(rows, args.reps, args.before, args.imports)
    command = "python -m benchmarks.bench_rejects" + (" --quick" if args.quick else f" --rows {rows}") + \
        f" --reps {args.reps}" + (" --before DIR" if args.before else "") + (" --import" if args.imports else "")
    name = "rejects" + ("-import" if args.imports else "") + ("-quick" if args.quick else "")
    title = ("Importing" if args.imports else "Checking") + " a file full of unreadable cells"
    print(write_results(name, title, command, args.reps,
                        table(measured, rows, "import" if args.imports else "check"), measured))


if __name__ == "__main__":
    main()
