"""The import's validation step, checkout against checkout (issue 17).

``python -m benchmarks.bench_validate --checkouts OLD NEW [--rows N] [--repeat N]`` imports the
same certificate CSV (``bench_import.write_csv``, 1,000,000 rows by default) with the code of each
checkout (``git worktree add /tmp/old <commit>`` or ``git archive``), each run in a fresh process
(its sandbox's fork server started and warmed by a tiny read first), the checkouts taking turns
(A, B, A, B …); ``--shuffled`` writes the same rows in a seeded random order (no column sorted,
so nothing is found by ``normalize._sorted_codes``). Per run: the wall time of ``import_file``, of the ``validate`` call inside it, and
of the ``normalize_coded`` calls inside that (summed over the columns). Written to
``benchmarks/results/validate-checkouts.md``: min and median per checkout, and every run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_import import HEADERS, certificate_rows, write_csv
from benchmarks.harness import machine

RESULTS = Path(__file__).with_name("results")
FIGURES = ("import_file", "validate", "normalize_coded")

# One run in a fresh process of a checkout: only APIs every checkout since issue 17's start has.
_ONE_IMPORT = """
import json, sys, time
from pathlib import Path
from analytics import db
from analytics.ingest import pipeline, sandbox
from analytics.ingest import validate as validating
from analytics.ingest.read import Limits
spent = {"validate": 0.0, "normalize_coded": 0.0}
def timed(name, fn):
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
    return run
pipeline.validate = timed("validate", pipeline.validate)
validating.normalize_coded = timed("normalize_coded", validating.normalize_coded)
sandbox.read_isolated("学号,姓名\\n1,张三\\n".encode(), "warm.csv")
csv, store = sys.argv[1], sys.argv[2]
for leftover in (Path(store), Path(store + ".wal")):
    leftover.unlink(missing_ok=True)
con = db.connect(store)
start = time.perf_counter()
(result,) = pipeline.import_file(con, Path(csv), table="certificate_exams", limits=Limits(max_bytes=500 * 1024**2))
seconds = time.perf_counter() - start
con.close()
assert result.status == "loaded", (result.status, result.refused)
print(json.dumps({"import_file": seconds, **spent, "inserted": result.inserted, "rejected": result.rejected}))
"""


def one_import(checkout: str, csv: str, store: str) -> dict[str, float]:
    """The figures of one import of ``csv`` by the code in ``checkout``, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": checkout}
    out = subprocess.run([sys.executable, "-c", _ONE_IMPORT, csv, store], cwd=checkout, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def write_shuffled_csv(path: str, n: int, seed: int = 11) -> str:
    """``bench_import.write_csv``'s rows in a seeded random order."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    order = np.random.default_rng(seed).permutation(n)
    pacsv.write_csv(pa.table({h: c[order] for h, c in zip(HEADERS, certificate_rows(n), strict=True)}), path)
    return path


def compare(checkouts: list[str], rows: int, repeat: int, shuffled: bool = False) -> str:
    """The markdown table of :func:`one_import` per checkout, the checkouts interleaved."""
    runs: dict[str, list[dict[str, float]]] = {c: [] for c in checkouts}
    with tempfile.TemporaryDirectory() as tmp:
        csv = (write_shuffled_csv if shuffled else write_csv)(f"{tmp}/certs.csv", rows)
        for _ in range(repeat):
            for checkout in checkouts:
                runs[checkout].append(one_import(checkout, csv, f"{tmp}/store.duckdb"))
    lines = [f"Machine: {machine()}", "",
             f"{rows:,}-row certificate CSV ({'rows shuffled' if shuffled else 'sorted by student ID'}), "
             f"{repeat} interleaved rounds, a fresh process per run.", "",
             "| checkout | " + " | ".join(f"`{f}` min / median (s)" for f in FIGURES) + " | rows inserted, rejected |",
             "| --- | " + " | ".join("---:" for _ in FIGURES) + " | --- |"]
    for checkout, got in runs.items():
        cells = [f"{min(r[f] for r in got):.3f} / {statistics.median(r[f] for r in got):.3f}" for f in FIGURES]
        lines.append(f"| `{checkout}` | " + " | ".join(cells) + f" | {got[-1]['inserted']:,}, {got[-1]['rejected']:,} |")
    lines.append("")
    for checkout, got in runs.items():
        every = "; ".join(f"{f} " + " ".join(f"{r[f]:.3f}" for r in got) for f in FIGURES)
        lines.append(f"Every run, `{checkout}`: {every}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", nargs="+", metavar="DIR", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shuffled", action="store_true", help="the rows in a random order")
    args = parser.parse_args()
    if args.repeat < 3:
        parser.error("--repeat must be at least 3")
    table = compare([str(Path(c).resolve()) for c in args.checkouts], args.rows, args.repeat, args.shuffled)
    RESULTS.mkdir(exist_ok=True)
    name = f"validate-checkouts{'-shuffled' if args.shuffled else ''}.md"
    (RESULTS / name).write_text("# Validation by checkout\n\n" + table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
