"""Metrics and pages on PostgreSQL beside DuckDB, at 100k and 1M students, in the same run.

``python -m benchmarks.bench_pg_read [--students 100000 1000000] [--reps 3] [--pages …]`` needs a
PostgreSQL server: ``DUAL_MENTOR_BENCH_PG`` is the DSN of a database the benchmark may fill
(e.g. ``postgresql://postgres@/dual_mentor_bench?host=/tmp&port=54399``; not the test database).

The stores: the demo DuckDB files of ``bench_metrics.demo_db`` (cached in ``benchmarks/out``),
and for each a schema ``demo_N`` of that database owned by the app role, filled once by the
project's own path, ``python -m analytics copy --from demo-N.duckdb --to postgresql://…`` (counts
and checksums verified), and used again while its batches and students match the file. Both
are read as the dashboard reads them: the PostgreSQL one as the app role, under row-level
security, with settings from the same folder (``DUAL_MENTOR_HOME`` = ``benchmarks/out``).

* **Metrics**: ``metrics --json`` twice in a fresh process (``bench_metrics.metrics_json``):
  the first run with imports and opening the store, the second the query work alone.
* **Pages**: each page in AppTest, a fresh process, cold then warm (``bench_pages.page_cold_warm``).

Every case runs DuckDB, PostgreSQL, DuckDB, PostgreSQL, … ``reps`` times (``harness.interleaved``);
the table gives min and median. Prints markdown and writes ``benchmarks/results/pg_read.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.bench_metrics import OUT, demo_db
from benchmarks.bench_pages import PAGES
from benchmarks.bench_pg_import import APP_ROLE
from benchmarks.harness import ROOT, interleaved, machine

RESULTS = Path(__file__).with_name("results")
SIZES = (100_000, 1_000_000)
ENGINES = ("DuckDB", "PostgreSQL")
ENV = "DUAL_MENTOR_BENCH_PG"


def server() -> str | None:
    """The DSN the benchmark may fill, or None (the benchmark is skipped)."""
    return os.environ.get(ENV) or None


def app_address(dsn: str, schema_name: str) -> str:
    """The app role's DSN of ``schema_name`` in the benchmark's database."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(dsn)
    host = parts.netloc.rsplit("@", 1)[-1]
    app = urlunsplit((parts.scheme, f"{APP_ROLE}@{host}", parts.path, parts.query, parts.fragment))
    return f"{app}{'&' if '?' in app else '?'}options=" + quote(f"-csearch_path={schema_name}")


def _fingerprint(address: str) -> tuple[int, int] | None:
    """Batches and students of a store, or None when it has none (never filled)."""
    from analytics import db
    from analytics.engines.scope import scoped

    try:
        con = db.connect(address)  # migrates a store copied under an older schema
    except Exception:  # noqa: BLE001 - a schema that is missing or broken is filled again
        return None
    try:
        with scoped(None):
            row = con.execute("SELECT (SELECT count(*) FROM import_batches), (SELECT count(*) FROM students)").fetchone()
    finally:
        con.close()
    return tuple(row) if row[0] else None


def pg_demo(dsn: str, students: int) -> str:
    """The PostgreSQL copy of the demo store for ``students`` (copied when missing or stale)."""
    import psycopg

    path = demo_db(students)
    name = f"demo_{students}"
    address = app_address(dsn, name)
    if _fingerprint(address) is not None and _fingerprint(address) == _fingerprint(str(path)):
        return address
    with psycopg.connect(dsn, autocommit=True) as raw:
        if raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone() is None:
            raw.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER")
        raw.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        raw.execute(f"CREATE SCHEMA {name} AUTHORIZATION {APP_ROLE}")
    subprocess.run([sys.executable, "-m", "analytics", "copy", "--from", str(path), "--to", address],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    return address


def _stats(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def collect(dsn: str, sizes: tuple[int, ...], reps: int, pages: tuple[str, ...]) -> dict:
    """``{students: {"metrics": {engine: {first, second}}, page: {engine: {cold, warm, errors}}}}``,
    each figure a (min, median) pair over ``reps`` interleaved runs."""
    before = os.environ.get("DUAL_MENTOR_HOME")
    os.environ["DUAL_MENTOR_HOME"] = str(OUT)  # PostgreSQL's settings: the DuckDB files' own
    try:
        return _collect(dsn, sizes, reps, pages)
    finally:
        if before is None:
            os.environ.pop("DUAL_MENTOR_HOME", None)
        else:
            os.environ["DUAL_MENTOR_HOME"] = before


def _collect(dsn: str, sizes: tuple[int, ...], reps: int, pages: tuple[str, ...]) -> dict:
    out: dict[int, dict] = {}
    for n in sizes:
        stores = {"DuckDB": str(demo_db(n)), "PostgreSQL": pg_demo(dsn, n)}
        runs = interleaved({e: ("benchmarks.bench_metrics:metrics_json", (stores[e],)) for e in ENGINES}, reps)
        out[n] = {"metrics": {e: {k: _stats([r[k] for r in runs[e]["results"]]) for k in ("first", "second")}
                              for e in ENGINES}}
        for page in pages:
            runs = interleaved({e: ("benchmarks.bench_pages:page_cold_warm", (page, stores[e])) for e in ENGINES}, reps)
            out[n][page] = {e: {"cold": _stats([r["cold"] for r in runs[e]["results"]]),
                                "warm": _stats([r["warm"] for r in runs[e]["results"]]),
                                "errors": sorted({x for r in runs[e]["results"] for x in r["errors"]})}
                            for e in ENGINES}
    return out


def _pair(duck: tuple[float, float], pg: tuple[float, float]) -> str:
    return f"{duck[0]:.2f} / {duck[1]:.2f} | {pg[0]:.2f} / {pg[1]:.2f} | {pg[1] / duck[1]:.1f}×"


def table(data: dict, reps: int) -> str:
    """The markdown: per size, the metrics rows and a row per page (min / median seconds)."""
    lines = [f"DuckDB file beside PostgreSQL 15 (app role, row-level security), interleaved D, P, D, P, … "
             f"×{reps}, each run a fresh process; min / median seconds, and PostgreSQL's median ÷ DuckDB's.", "",
             "| students | what | DuckDB min / median s | PostgreSQL min / median s | PG ÷ DuckDB (median) |",
             "|---:|---|---|---|---:|"]
    errors = []
    for n, cases in data.items():
        m = cases["metrics"]
        lines.append(f"| {n:,} | `metrics --json`, first run | {_pair(m['DuckDB']['first'], m['PostgreSQL']['first'])} |")
        lines.append(f"| {n:,} | `metrics --json`, second run | {_pair(m['DuckDB']['second'], m['PostgreSQL']['second'])} |")
        for page, per in cases.items():
            if page == "metrics":
                continue
            for kind in ("cold", "warm"):
                lines.append(f"| {n:,} | `{page}` {kind} | {_pair(per['DuckDB'][kind], per['PostgreSQL'][kind])} |")
            errors += [(n, page, e, x) for e in ENGINES for x in per[e]["errors"]]
    if errors:
        lines += ["", "⚠ Shown by the page:"] + [f"- {n:,} `{p}` on {e}: {x}" for n, p, e, x in errors]
    return "\n".join(lines)


QUICK_SIZES = (10_000, 100_000)


def section(quick: bool, reps: int) -> str:
    """This benchmark's part of ``python -m benchmarks``: skipped (one line saying how to run it)
    when ``DUAL_MENTOR_BENCH_PG`` is not set."""
    dsn = server()
    if dsn is None:
        return f"PostgreSQL beside DuckDB (`benchmarks.bench_pg_read`): skipped, {ENV} not set."
    sizes = QUICK_SIZES if quick else SIZES
    return "## PostgreSQL beside DuckDB\n\n" + table(collect(dsn, sizes, reps, PAGES), reps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=list(PAGES), help="pages to time (none: metrics only)")
    args = parser.parse_args()
    dsn = server()
    if dsn is None:
        raise SystemExit(f"set {ENV} to a PostgreSQL database the benchmark may fill")
    data = collect(dsn, tuple(args.students), args.reps, tuple(args.pages))
    text = f"Machine: {machine()}\n\n" + table(data, args.reps) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pg_read.md").write_text("# Metrics and pages on PostgreSQL beside DuckDB\n\n" + text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
