"""Import on DuckDB beside PostgreSQL, and PostgreSQL with 1, 2 and 4 importers at once.

``python -m benchmarks.bench_pg_import [--rows 100000] [--reps 3]`` needs a PostgreSQL server:
``DUAL_MENTOR_BENCH_PG`` (or ``DUAL_MENTOR_TEST_PG``) is the DSN of a database where it may create
and drop schemas. Every measurement is a fresh process importing a certificate file of
``bench_import.certificate_rows`` into a fresh store (a new DuckDB file, or a new schema owned by
the app role, as a deployment's, docs/DEPLOY.md), through ``import_file`` as the CLI does.

* **Engines**: one file of ``rows`` rows into DuckDB, then into PostgreSQL, interleaved
  (D, P, D, P, …) ``reps`` times: the import's own time (harness, inside the process).
* **Importers at once**: ``k`` = 1, 2, 4 processes started together on one PostgreSQL store, each
  with its own file of ``rows / 4`` rows (different students: no shared key), interleaved
  (rosters 1, 2, 4, exams 1, 2, 4, …): wall time from the first start to the last exit, and rows
  per second. Each importer's file is a **roster of its own school** (students: each holds its
  school's lock, ``engines.locks``, so their transactions overlap) or **exam results** (no school:
  each holds the table's lock, so their writes take turns and only reading, checking and COPY
  staging overlap).

Prints a markdown table (min and median) and writes ``benchmarks/results/pg_import.md``.
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
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import numpy as np

from benchmarks.bench_import import HEADERS, certificate_rows
from benchmarks.harness import ROOT, machine, measure

RESULTS = Path(__file__).with_name("results")
APP_ROLE = "dual_mentor_app"


def server() -> str:
    """The DSN the benchmark may create schemas in."""
    dsn = os.environ.get("DUAL_MENTOR_BENCH_PG") or os.environ.get("DUAL_MENTOR_TEST_PG")
    if not dsn:
        raise SystemExit("set DUAL_MENTOR_BENCH_PG to a PostgreSQL database the benchmark may fill")
    return dsn


def new_schema(dsn: str) -> tuple[str, str]:
    """A fresh schema owned by the app role: (its name, the app role's DSN with it on the path)."""
    import psycopg

    name = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(dsn, autocommit=True) as raw:
        if raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone() is None:
            raw.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER")
        raw.execute(f"CREATE SCHEMA {name} AUTHORIZATION {APP_ROLE}")
    parts = urlsplit(dsn)
    host = parts.netloc.rsplit("@", 1)[-1]
    app = urlunsplit((parts.scheme, f"{APP_ROLE}@{host}", parts.path, parts.query, parts.fragment))
    sep = "&" if "?" in app else "?"
    return name, f"{app}{sep}options=" + quote(f"-csearch_path={name}")


def drop_schema(dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as raw:
        raw.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def write_file(path: Path, n: int, first: int = 0, seed: int = 7) -> Path:
    """A certificate CSV of ``n`` rows whose student numbers start at ``first``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = certificate_rows(n, seed)
    cols[0] = np.char.add("0", (202100000 + first + np.arange(n)).astype(str))
    pacsv.write_csv(pa.table(dict(zip(HEADERS, cols, strict=True))), path)
    return path


ROSTER = ["学号", "姓名", "性别", "学校代码", "专业", "班级", "入学年份"]


def write_roster(path: Path, n: int, school: str, first: int = 0) -> Path:
    """A student roster CSV of ``n`` students of ``school``, numbered from ``first``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    ids = np.char.add("0", (202100000 + first + np.arange(n)).astype(str))
    k = np.arange(n)
    cols = [ids, np.char.add("学生", k.astype(str)), np.where(k % 2, "男", "女"), np.full(n, school),
            np.where(k % 3, "数控技术", "电子商务"), np.char.add("班", (k % 40).astype(str)),
            (2021 + k % 3).astype(str)]
    pacsv.write_csv(pa.table(dict(zip(ROSTER, cols, strict=True))), path)
    return path


def import_one(path: str, address: str, table: str = "certificate_exams") -> dict[str, int]:
    """Import ``path`` into ``table`` of the (already migrated) store at ``address``, as the CLI does."""
    from analytics import db
    from analytics.ingest.pipeline import import_file
    from analytics.ingest.read import Limits

    con = db.connect(address)
    (result,) = import_file(con, Path(path), table=table, limits=Limits(max_bytes=500 * 1024**2))
    con.close()
    if result.status != "loaded":
        raise SystemExit(f"benchmark import not loaded: {result.status} {result.refused}")
    return {"inserted": result.inserted}


def _migrated(address: str) -> None:
    from analytics import db

    db.connect(address).close()


def engines_case(dsn: str, tmp: Path, rows: int, reps: int) -> dict[str, list[float]]:
    """Seconds of one ``rows``-row import per engine, interleaved."""
    path = write_file(tmp / "engines.csv", rows)
    times: dict[str, list[float]] = {"DuckDB file": [], "PostgreSQL": []}
    for _ in range(reps):
        target = tmp / f"{uuid.uuid4().hex[:8]}.duckdb"
        _migrated(str(target))
        times["DuckDB file"].append(measure("benchmarks.bench_pg_import:import_one", str(path), str(target))["seconds"])
        name, address = new_schema(dsn)
        try:
            _migrated(address)
            times["PostgreSQL"].append(measure("benchmarks.bench_pg_import:import_one", str(path), address)["seconds"])
        finally:
            drop_schema(dsn, name)
    return times


KINDS = {"students": "rosters (one school each)", "certificate_exams": "exam results (no school)"}


def importers_case(
    dsn: str, tmp: Path, rows: int, reps: int, ks: tuple[int, ...] = (1, 2, 4)
) -> dict[tuple[str, int], list[float]]:
    """Wall seconds of ``k`` importer processes at once on one PostgreSQL store (each
    ``rows // 4`` rows, its own students), per kind of file, interleaved over kinds and ``ks``."""
    each = rows // 4
    files = {
        "students": [write_roster(tmp / f"roster{i}.csv", each, f"SCH{i}", first=i * each) for i in range(max(ks))],
        "certificate_exams": [write_file(tmp / f"school{i}.csv", each, first=i * each, seed=11 + i)
                              for i in range(max(ks))],
    }
    walls: dict[tuple[str, int], list[float]] = {(kind, k): [] for kind in KINDS for k in ks}
    for _ in range(reps):
        for kind, k in walls:
            name, address = new_schema(dsn)
            try:
                _migrated(address)
                start = time.perf_counter()
                procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.harness", "benchmarks.bench_pg_import:import_one",
                                           json.dumps([str(files[kind][i]), address, kind])], cwd=ROOT,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(k)]
                outs = [p.communicate() for p in procs]
                walls[(kind, k)].append(time.perf_counter() - start)
                bad = [err for p, (_, err) in zip(procs, outs, strict=True) if p.returncode != 0]
                if bad:
                    raise SystemExit(bad[0])
            finally:
                drop_schema(dsn, name)
    return walls


def table(rows: int, engines: dict[str, list[float]], walls: dict[tuple[str, int], list[float]]) -> str:
    """The markdown of both cases."""
    each = rows // 4
    lines = [f"Import of {rows:,} certificate rows (CSV, `import_file`), each run a fresh process and store.",
             "", "| store | runs | min s | median s | rows/s (median) |", "|---|---|---|---|---|"]
    for name, ts in engines.items():
        med = statistics.median(ts)
        lines.append(f"| {name} | {len(ts)} | {min(ts):.2f} | {med:.2f} | {rows / med:,.0f} |")
    lines += ["", f"PostgreSQL, importers at once (each {each:,} rows, its own students; wall time from the first",
              "start to the last exit, Python start-up included):", "",
              "| files | importers | rows | runs | min s | median s | rows/s (median) |", "|---|---|---|---|---|---|---|"]
    for (kind, k), ts in walls.items():
        med = statistics.median(ts)
        lines.append(f"| {KINDS[kind]} | {k} | {k * each:,} | {len(ts)} | {min(ts):.2f} | {med:.2f} | "
                     f"{k * each / med:,.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    dsn = server()
    with tempfile.TemporaryDirectory() as tmp:
        engines = engines_case(dsn, Path(tmp), args.rows, args.reps)
        walls = importers_case(dsn, Path(tmp), args.rows, args.reps)
    text = f"Machine: {machine()}\n\n" + table(args.rows, engines, walls) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pg_import.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
