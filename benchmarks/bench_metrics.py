"""Headline metrics (``python -m analytics metrics --json``) at 10k, 100k and 1M students.

The databases come from the demo generator (``analytics.sample``) imported through
``import_file``, as ``python -m analytics demo --students N`` does, with the 50 MB upload
limit lifted (a 1M-student export is larger; bench_import does the same). They are built
once and cached as ``benchmarks/out/demo-N.duckdb`` (git-ignored); building 1M takes
minutes. Each measurement runs the CLI's ``main`` in a fresh process (wall time, peak RSS).

``python -m benchmarks.bench_metrics [--students 10000 100000 1000000]`` prints a markdown
table and writes ``benchmarks/results/metrics.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.harness import machine, measure

OUT = Path(__file__).with_name("out")
RESULTS = Path(__file__).with_name("results")
SIZES = (10_000, 100_000, 1_000_000)


def build_demo(students: int, db_path: str) -> dict[str, object]:
    """Generate the demo exports for ``students`` and import them into ``db_path``."""
    from analytics import db
    from analytics.ingest.pipeline import import_file
    from analytics.ingest.read import Limits
    from analytics.sample import generate

    limits = Limits(max_bytes=4 * 1024**3)
    con = db.connect(db_path)
    refused = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate(Path(tmp), students=students):
            for r in import_file(con, path, limits=limits):
                if r.status == "refused":
                    refused.append(f"{r.file_name}: {r.refused.code}")
    con.execute("CHECKPOINT")
    counts = db.table_counts(con)
    con.close()
    if refused:
        raise SystemExit(f"demo import refused files: {refused}")
    return counts


def demo_db(students: int) -> Path:
    """The cached demo database for ``students`` (built in a child process when missing)."""
    path = OUT / f"demo-{students}.duckdb"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        partial = path.with_suffix(".building")
        partial.unlink(missing_ok=True)
        Path(str(partial) + ".wal").unlink(missing_ok=True)
        measure("benchmarks.bench_metrics:build_demo", students, str(partial))
        partial.rename(path)
    return path


def metrics_json(db_path: str) -> dict[str, float]:
    """``python -m analytics metrics --json --db PATH`` run twice in this process.

    The first run includes importing the analytics package and opening the database
    (what the CLI pays, minus interpreter start-up); the second is the query work alone.
    """
    import contextlib
    import io

    from analytics import cli

    times = []
    for _ in range(2):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as out:
            status = cli.main(["metrics", "--json", "--db", db_path])
        times.append(time.perf_counter() - start)
        if status != 0 or not out.getvalue().startswith("{"):
            raise SystemExit(f"metrics failed with status {status}")
    return {"first": times[0], "second": times[1]}


def run(sizes: tuple[int, ...] = SIZES) -> str:
    lines = [
        f"Machine: {machine()}",
        "",
        "| students | rows in db | `metrics --json` first run (s) | second run (s) | peak memory (MiB) |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in sizes:
        path = demo_db(n)
        rows = _total_rows(path)
        m = measure("benchmarks.bench_metrics:metrics_json", str(path), repeat=3)
        first = m["result"]["first"]
        lines.append(f"| {n:,} | {rows:,} | {first:.2f} | {m['result']['second']:.2f} | {m['peak_mib']:.0f} |")
    lines += ["", "First: imports and opening the database included; second: the same command again in "
              "the same process. Best of 3 fresh processes; peak is the largest."]
    return "\n".join(lines)


def _total_rows(path: Path) -> int:
    from analytics import db

    con = db.connect(path)  # migrates a database cached by an older schema
    try:
        return sum(db.table_counts(con).values())
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    table = run(tuple(args.students))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "metrics.md").write_text("# Metrics benchmark\n\n" + table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
