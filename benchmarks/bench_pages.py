"""Each dashboard page in Streamlit's AppTest at 10k and 1M students, cold and warm.

Cold: a fresh process, the first run of the page (opening the database, every query, the
charts). Warm: the same session run again — the cached queries are reused, as when a user
comes back to a page or changes nothing. Peak memory is the whole process (the
dashboard's server for one session).

``python -m benchmarks.bench_pages [--students 10000 1000000]`` prints a markdown table
and writes ``benchmarks/results/pages.md``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks.bench_metrics import demo_db
from benchmarks.harness import ROOT, machine, measure

RESULTS = Path(__file__).with_name("results")
PAGES = (
    "dashboard.py",
    "pages/1_certificates.py",
    "pages/2_employment.py",
    "pages/3_satisfaction.py",
    "pages/4_students.py",
    "pages/5_mentors.py",
    "pages/6_enterprises.py",
    "pages/7_data.py",
)
SIZES = (10_000, 1_000_000)
WARM_RUNS = 3


def page_cold_warm(page: str, db_path: str) -> dict[str, object]:
    """Run ``page`` once cold and ``WARM_RUNS`` times warm; seconds of each, and what went
    wrong (an exception, or no page title — e.g. a refusal screen instead of the page)."""
    os.environ["DUAL_MENTOR_DB"] = db_path
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    if page != "dashboard.py":
        at.switch_page(page)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    errors = [str(e.value)[:200] for e in at.exception]
    if not at.title:  # a page that shows only a refusal or an error box did not render
        errors.append("no page title: " + "; ".join(str(e.value)[:200] for e in at.error))
    return {"cold": cold, "warm": min(warm), "errors": errors}


def collect(sizes: tuple[int, ...] = SIZES) -> dict[int, dict[str, dict]]:
    """``{students: {page: {"cold", "warm", "peak_mib", "errors"}}}``."""
    out: dict[int, dict[str, dict]] = {}
    for n in sizes:
        path = str(demo_db(n))
        out[n] = {}
        for page in PAGES:
            m = measure("benchmarks.bench_pages:page_cold_warm", page, path)
            out[n][page] = {**m["result"], "peak_mib": m["peak_mib"]}
    return out


def table(data: dict[int, dict[str, dict]]) -> str:
    sizes = sorted(data)
    head = "| page | " + " | ".join(f"cold {n:,} (s) | warm {n:,} (s) | peak {n:,} (MiB)" for n in sizes) + " |"
    rule = "| --- | " + " | ".join("---: | ---: | ---:" for _ in sizes) + " |"
    lines = [head, rule]
    for page in PAGES:
        cells = []
        for n in sizes:
            r = data[n][page]
            mark = " ⚠" if r["errors"] else ""
            cells.append(f"{r['cold']:.2f}{mark} | {r['warm']:.2f} | {r['peak_mib']:.0f}")
        lines.append(f"| `{page}` | " + " | ".join(cells) + " |")
    errors = [(n, p, e) for n in sizes for p, r in data[n].items() for e in r["errors"]]
    if errors:
        lines += ["", "⚠ Exceptions shown by the page:"] + [f"- {n:,} `{p}`: {e}" for n, p, e in errors]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    text = f"Machine: {machine()}\n\n" + table(collect(tuple(args.students)))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.md").write_text("# Page benchmark\n\n" + text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
