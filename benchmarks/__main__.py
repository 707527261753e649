"""``python -m benchmarks``: every benchmark, then one markdown table of the targets.

Runs the import benchmark (``bench_import``), the metrics at 10k / 100k / 1M students
(``bench_metrics``) and every page cold and warm at 10k and 1M (``bench_pages``), each
measurement in a fresh process; prints everything and writes
``benchmarks/results/summary.md``. The demo databases are cached under
``benchmarks/out/`` (the first run builds them: minutes for 1M). ``--quick`` uses small
sizes — a check that everything runs, not figures to quote — and writes
``summary-quick.md`` instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

from benchmarks import bench_import, bench_metrics, bench_pages
from benchmarks.harness import machine

RESULTS = Path(__file__).with_name("results")
FULL = {"rows": 1_000_000, "xlsx_rows": 100_000, "students": (10_000, 100_000, 1_000_000), "pages": (10_000, 1_000_000)}
QUICK = {"rows": 100_000, "xlsx_rows": 10_000, "students": (10_000, 100_000), "pages": (10_000, 100_000)}


def _import_figures(text: str) -> dict[str, float]:
    """The ratios and peaks of bench_import's table (its rows for ``import_file``)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) < 4 or "`import_file`" not in cells[0]:
            continue
        kind = "csv" if cells[0].startswith("CSV") else "xlsx"
        out[f"{kind}_peak"] = float(cells[2])
        if kind == "csv" and (m := re.search(r"([\d.]+)× bare", cells[3])):
            out["csv_ratio"] = float(m.group(1))
        if kind == "xlsx":
            if m := re.search(r"([\d.]+)× faster than openpyxl", cells[3]):
                out["xlsx_vs_openpyxl"] = float(m.group(1))
            if m := re.search(r"([\d.]+)× calamine", cells[3]):
                out["xlsx_vs_calamine"] = float(m.group(1))
    return out


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def targets(imp: dict[str, float], pages: dict[int, dict[str, dict]], rows: int) -> str:
    """One line per target of issue 7 with its measured figure."""
    small, large = min(pages), max(pages)
    cold_ratio = max(((pages[large][p]["cold"] / pages[small][p]["cold"], p) for p in bench_pages.PAGES))
    warm_worst = max(((pages[n][p]["warm"], p, n) for n in pages for p in bench_pages.PAGES))
    peak_large = max(((r["peak_mib"], p) for p, r in pages[large].items()))
    errors = sum(len(r["errors"]) for n in pages for r in pages[n].values())

    def get(key: str) -> float | None:
        return imp.get(key)

    rows_ = [
        ("CSV import ≤ 2× bare DuckDB `read_csv`", f"{get('csv_ratio')}× ({rows:,} rows)",
         None if get("csv_ratio") is None else get("csv_ratio") <= 2),
        ("xlsx import ≥ 5× faster than openpyxl", f"{get('xlsx_vs_openpyxl')}×",
         None if get("xlsx_vs_openpyxl") is None else get("xlsx_vs_openpyxl") >= 5),
        ("xlsx import ≤ 1.5× the calamine parse", f"{get('xlsx_vs_calamine')}×",
         None if get("xlsx_vs_calamine") is None else get("xlsx_vs_calamine") <= 1.5),
        (f"CSV import of {rows:,} rows ≤ 1 GB peak", f"{get('csv_peak')} MiB",
         None if get("csv_peak") is None else get("csv_peak") <= 1024),
        (f"each page at {large:,} ≤ 3× at {small:,} (cold)", f"worst {cold_ratio[0]:.1f}× (`{cold_ratio[1]}`)",
         cold_ratio[0] <= 3),
        ("warm page ≤ 0.3 s", f"worst {warm_worst[0]:.2f} s (`{warm_worst[1]}`, {warm_worst[2]:,})", warm_worst[0] <= 0.3),
        (f"dashboard at {large:,} students ≤ 1.5 GB", f"{peak_large[0]:.0f} MiB (`{peak_large[1]}`)",
         peak_large[0] <= 1536),
        ("every page renders (a title, no exception)", f"{errors} failures", errors == 0),
    ]
    lines = ["| target | measured | verdict |", "| --- | --- | --- |"]
    lines += [f"| {name} | {figure} | {_verdict(ok)} |" for name, figure, ok in rows_]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: check that everything runs")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    import_text = bench_import.run(size["rows"], size["xlsx_rows"])
    metrics_text = bench_metrics.run(size["students"])
    pages = bench_pages.collect(size["pages"])
    parts = [
        "# Benchmarks",
        "",
        f"{dt.date.today().isoformat()} · {machine()}" + (" · `--quick` sizes" if args.quick else ""),
        "",
        "## Targets",
        "",
        targets(_import_figures(import_text), pages, size["rows"]),
        "",
        "## Import",
        "",
        import_text.split("\n", 2)[2],  # without bench_import's own machine line
        "",
        "## Metrics (`python -m analytics metrics --json`)",
        "",
        metrics_text.split("\n", 2)[2],
        "",
        "## Pages (AppTest, one session)",
        "",
        bench_pages.table(pages),
    ]
    text = "\n".join(parts) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("summary-quick.md" if args.quick else "summary.md")).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
