"""Import speed against the bare parsers.

- a 1,000,000-row certificate CSV: ``import_file`` vs DuckDB's own ``read_csv`` into a
  table of a database file (target ≤ 2×); both persist the rows, so both pay for the write;
- a 100,000-row xlsx: ``import_file`` vs ``pandas.read_excel(engine="openpyxl")``
  (target ≥ 5× faster) and vs the calamine parse alone (target ≤ 1.5×).

``python -m benchmarks.bench_import [--rows N] [--xlsx-rows N]`` prints a markdown table and
writes it to ``benchmarks/results/import.md``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from analytics import db
from analytics.ingest.pipeline import import_file
from analytics.ingest.read import Limits
from benchmarks.harness import machine, measure

# Libraries are imported here, before the harness starts its clock, so no case pays for
# loading Python modules: the figures compare parsing and loading only.

RESULTS = Path(__file__).with_name("results")
HEADERS = ["学号", "证书名称", "证书等级", "考试日期", "是否通过", "成绩"]
CERTS = ["数控车工", "汽车维修工", "电工", "网络管理员", "会计专业技术", "电子商务师"]
LEVELS = ["初级", "中级", "高级"]


def certificate_rows(n: int, seed: int = 7) -> list[np.ndarray]:
    """Columns of ``n`` realistic certificate exam rows (unique keys)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("0", (202100000 + np.arange(n)).astype(str))
    certs = np.array(CERTS)[rng.integers(0, len(CERTS), n)]
    levels = np.array(LEVELS)[rng.integers(0, len(LEVELS), n)]
    days = (np.datetime64("2021-01-04") + rng.integers(0, 1400, n)).astype(str)
    passed = np.where(rng.random(n) < 0.72, "通过", "未通过")
    score = np.round(rng.normal(72, 12, n).clip(0, 100), 1).astype(str)
    return [ids, certs, levels, days, passed, score]


def write_csv(path: str, n: int) -> str:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = certificate_rows(n)
    pacsv.write_csv(pa.table(dict(zip(HEADERS, cols))), path)
    return path


def write_xlsx(path: str, n: int) -> str:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("考证成绩")
    ws.append(HEADERS)
    cols = certificate_rows(n)
    for row in zip(*(c.tolist() for c in cols)):
        ws.append(list(row))
    wb.save(path)
    return path


def bare_read_csv(path: str, db_path: str) -> int:
    """DuckDB's own CSV reader into a table of a database file, as the import writes one."""
    for leftover in (Path(db_path), Path(db_path + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(db_path)
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [path])
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return rows


def pandas_openpyxl(path: str) -> int:
    return len(pd.read_excel(path, engine="openpyxl", dtype=str))


def calamine_parse(path: str) -> int:
    wb = CalamineWorkbook.from_path(path)
    return len(wb.get_sheet_by_index(0).to_python())


def project_import(path: str, db_path: str) -> dict[str, int]:
    for leftover in (Path(db_path), Path(db_path + ".wal")):
        leftover.unlink(missing_ok=True)
    con = db.connect(db_path)
    # The default upload limit (50 MB) is for the dashboard; a 1M-row file is larger.
    limits = Limits(max_bytes=500 * 1024**2)
    (result,) = import_file(con, Path(path), table="certificate_exams", limits=limits)
    if result.status != "loaded":
        raise SystemExit(f"benchmark import not loaded: {result.status} {result.refused}")
    return {"inserted": result.inserted, "rejected": result.rejected}


def run(rows: int, xlsx_rows: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = write_csv(f"{tmp}/certs.csv", rows)
        xlsx_path = write_xlsx(f"{tmp}/certs.xlsx", xlsx_rows)
        bare = measure("benchmarks.bench_import:bare_read_csv", csv_path, f"{tmp}/bare.duckdb", repeat=2)
        ours_csv = measure("benchmarks.bench_import:project_import", csv_path, f"{tmp}/a.duckdb", repeat=2)
        opx = measure("benchmarks.bench_import:pandas_openpyxl", xlsx_path)
        cal = measure("benchmarks.bench_import:calamine_parse", xlsx_path, repeat=2)
        ours_xlsx = measure("benchmarks.bench_import:project_import", xlsx_path, f"{tmp}/b.duckdb", repeat=2)
    lines = [
        f"Machine: {machine()}",
        "",
        "| case | time (s) | peak memory (MiB) | ratio | target |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| CSV {rows:,} rows: DuckDB bare `read_csv` | {bare['seconds']:.2f} | {bare['peak_mib']:.0f} | 1.00 | |",
        f"| CSV {rows:,} rows: `import_file` | {ours_csv['seconds']:.2f} | {ours_csv['peak_mib']:.0f} | "
        f"{ours_csv['seconds'] / bare['seconds']:.2f}× bare | ≤ 2× |",
        f"| xlsx {xlsx_rows:,} rows: pandas + openpyxl | {opx['seconds']:.2f} | {opx['peak_mib']:.0f} | 1.00 | |",
        f"| xlsx {xlsx_rows:,} rows: calamine parse alone | {cal['seconds']:.2f} | {cal['peak_mib']:.0f} | | |",
        f"| xlsx {xlsx_rows:,} rows: `import_file` | {ours_xlsx['seconds']:.2f} | {ours_xlsx['peak_mib']:.0f} | "
        f"{opx['seconds'] / ours_xlsx['seconds']:.1f}× faster than openpyxl, "
        f"{ours_xlsx['seconds'] / cal['seconds']:.2f}× calamine | ≥ 5× faster; ≤ 1.5× calamine |",
        "",
        f"Rows inserted: CSV {ours_csv['result']}, xlsx {ours_xlsx['result']}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    args = parser.parse_args()
    table = run(args.rows, args.xlsx_rows)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import.md").write_text("# Import benchmark\n\n" + table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
