"""The page and metric rows of issue 17's table on their own, interleaved, optionally beside an
older tree of the project measured in the same run.

``python -m benchmarks`` measures every row (imports too, minutes of set-up); this measures only
the overview, employment and mentors pages, ``metrics --json`` and six users at once, with the
same case functions (``bench_targets``) and the same cached demo databases, each run in a fresh
process, A, B, C, … repeated ``--reps`` times. With ``--before DIR`` (a checkout or
``git archive`` of an older commit) every case also runs on that tree's code, interleaved with
this tree's, against the same databases: before/after figures from the same minutes of a busy
machine.

``python -m benchmarks.bench_pages_targets [--reps 3] [--before DIR]`` prints a markdown table and
writes ``benchmarks/results/pages-targets.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
from pathlib import Path
from typing import Any

from benchmarks.bench_metrics import demo_db
from benchmarks.harness import ROOT, machine, measure

RESULTS = Path(__file__).with_name("results")
SMALL, LARGE = 10_000, 1_000_000


def cases(small_db: str, large_db: str) -> dict[str, tuple[str, tuple]]:
    """The rows' cases (``bench_targets`` functions) on the two demo databases."""
    page = "benchmarks.bench_targets:page_cold"
    return {
        "overview_small": (page, ("dashboard.py", small_db)),
        "overview_large": (page, ("dashboard.py", large_db)),
        "employment_small": (page, ("pages/2_employment.py", small_db)),
        "employment_large": (page, ("pages/2_employment.py", large_db)),
        "mentors_large": (page, ("pages/5_mentors.py", large_db)),
        "metrics_small": ("benchmarks.bench_targets:metrics_in_process", (small_db,)),
        "metrics_large": ("benchmarks.bench_targets:metrics_in_process", (large_db,)),
        "six_users_large": ("benchmarks.bench_targets:six_users", (large_db,)),
    }


def run(reps: int, before: Path | None, only: list[str] | None = None) -> dict[str, dict[str, dict]]:
    """``{tree: {case: {seconds, min, median, peak_mib, results}}}``, every case (or those of
    ``only``) of every tree interleaved: (after A, before A, after B, before B, …) × ``reps``."""
    small_db, large_db = str(demo_db(SMALL)), str(demo_db(LARGE))
    trees = {"after": ROOT} | ({"before": before} if before else {})
    todo = cases(small_db, large_db)
    if only:
        todo = {name: todo[name] for name in only}
    runs: dict[str, dict[str, list]] = {tree: {name: [] for name in todo} for tree in trees}
    for _ in range(reps):
        for name, (target, args) in todo.items():
            for tree, root in trees.items():
                runs[tree][name].append(measure(target, *args, root=root))
    out: dict[str, dict[str, dict]] = {}
    for tree, by_case in runs.items():
        out[tree] = {}
        for name, measured in by_case.items():
            seconds = [m["seconds"] for m in measured]
            out[tree][name] = {"seconds": seconds, "min": min(seconds), "median": statistics.median(seconds),
                               "peak_mib": max(m["peak_mib"] for m in measured),
                               "results": [m["result"] for m in measured]}
    return out


def rows(m: dict[str, dict]) -> list[tuple[str, str, str, str, bool]]:
    """(what, measured, ratio, target, met) of each row for one tree's measurements."""

    def fig(name: str) -> str:
        return f"{m[name]['median']:.2f} s (min {m[name]['min']:.2f})"

    def ratio(a: str, b: str) -> float:
        return m[a]["median"] / m[b]["median"]

    overview, jobs, metrics = (ratio("overview_large", "overview_small"), ratio("employment_large", "employment_small"),
                               ratio("metrics_large", "metrics_small"))
    warm = [r["warm"] for r in m["mentors_large"]["results"]]
    mentors_warm = statistics.median(warm)
    peak = max(r["server_peak_mib"] for r in m["six_users_large"]["results"])
    errors = sorted({e for r in m["six_users_large"]["results"] for e in r["errors"]})
    return [
        (f"overview page, cold, {LARGE:,} ÷ {SMALL:,} students", f"{fig('overview_large')} ÷ {fig('overview_small')}",
         f"{overview:.2f}×", "≤ 3×", overview <= 3),
        ("employment page, same ratio", f"{fig('employment_large')} ÷ {fig('employment_small')}", f"{jobs:.2f}×",
         "≤ 3×", jobs <= 3),
        (f"mentors page warm rerun at {LARGE:,}", f"{mentors_warm:.2f} s (median over the processes of the best of 3 "
         f"reruns each; min {min(warm):.2f})", "", "≤ 0.2 s", mentors_warm <= 0.2),
        (f"`metrics --json` in one process, {LARGE:,} ÷ {SMALL:,}", f"{fig('metrics_large')} ÷ {fig('metrics_small')}",
         f"{metrics:.2f}×", "≤ 4×", metrics <= 4),
        (f"peak memory, 6 users opening pages at once at {LARGE:,}, cold",
         f"{peak:.0f} MiB dashboard server (all drawn in {fig('six_users_large')}"
         f"{'; pages with an error: ' + ', '.join(errors) if errors else ''})", "", "≤ 1.5 GB", peak <= 1536),
    ]


def cpu_lines(measured: dict[str, dict[str, dict]]) -> list[str]:
    """Per tree, the CPU seconds (every thread of the process) of the cases that report them
    (``metrics --json``), median (min) and every run, and their 1M ÷ 10k ratio of medians."""
    lines = []
    for tree, m in measured.items():
        cpu = {name: [r["cpu_seconds"] for r in v["results"]] for name, v in m.items()
               if v["results"] and all(isinstance(r, dict) and "cpu_seconds" in r for r in v["results"])}
        if not cpu:
            continue
        figs = "; ".join(f"{name} {statistics.median(v):.2f} (min {min(v):.2f}; runs {' '.join(f'{x:.2f}' for x in v)})"
                         for name, v in cpu.items())
        ratio = ""
        if "metrics_large" in cpu and "metrics_small" in cpu:
            ratio = (f"; metrics 1M ÷ 10k "
                     f"{statistics.median(cpu['metrics_large']) / statistics.median(cpu['metrics_small']):.2f}×")
        lines += ["", f"CPU seconds of `{tree}` (every thread), median (min): {figs}{ratio}."]
    return lines


def cases_table(measured: dict[str, dict[str, dict]]) -> str:
    """Median (min) of each case measured (``--only``: not every row's cases), per tree."""
    trees = list(measured)
    lines = ["| case | " + " | ".join(f"{t}: median (min)" for t in trees) + " |",
             "| --- |" + " --- |" * len(trees)]
    for name in measured["after"]:
        lines.append(f"| {name} | " + " | ".join(
            f"{measured[t][name]['median']:.2f} s ({measured[t][name]['min']:.2f})" for t in trees) + " |")
    for tree, m in measured.items():
        runs = "; ".join(f"{name} {' '.join(f'{s:.2f}' for s in v['seconds'])}" for name, v in m.items())
        lines += ["", f"Every run of `{tree}` (s), in the order measured: {runs}."]
    return "\n".join(lines + cpu_lines(measured))


def table(measured: dict[str, dict[str, dict]]) -> str:
    """The rows for this tree, with the older tree's figure beside each when measured."""
    if set(measured["after"]) != set(cases("", "")):
        return cases_table(measured)
    after = rows(measured["after"])
    before = rows(measured["before"]) if "before" in measured else None
    head = "| what | measured (median of the runs; min) | ratio | target | verdict |"
    rule = "| --- | --- | ---: | --- | --- |"
    if before:
        head = "| what | before: measured | before: ratio | after: measured | after: ratio | target | verdict |"
        rule = "| --- | --- | ---: | --- | ---: | --- | --- |"
    lines = [head, rule]
    for i, (what, fig, ratio, target, ok) in enumerate(after):
        verdict = "met" if ok else "**missed**"
        if before:
            lines.append(f"| {what} | {before[i][1]} | {before[i][2]} | {fig} | {ratio} | {target} | {verdict} |")
        else:
            lines.append(f"| {what} | {fig} | {ratio} | {target} | {verdict} |")
    for tree, m in measured.items():
        runs = "; ".join(f"{name} {' '.join(f'{s:.2f}' for s in v['seconds'])}" for name, v in m.items())
        lines += ["", f"Every run of `{tree}` (s), in the order measured: {runs}."]
    return "\n".join(lines + cpu_lines(measured))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="runs of every case, interleaved (at least 3)")
    parser.add_argument("--before", type=Path, help="an older tree of the project, measured interleaved")
    parser.add_argument("--only", nargs="+", choices=sorted(cases("", "")), metavar="CASE",
                        help="measure only these cases (e.g. employment_small employment_large)")
    args = parser.parse_args()
    if args.reps < 3:
        parser.error("--reps must be at least 3")
    load_start = os.getloadavg()[0]
    measured = run(args.reps, args.before, args.only)
    load = f"load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    command = "python -m benchmarks.bench_pages_targets" + (f" --reps {args.reps}" if args.reps != 3 else "") + (
        " --before DIR" if args.before else "") + (f" --only {' '.join(args.only)}" if args.only else "")
    text = (f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {machine()} · {load} · `{command}`\n\n"
            + table(measured))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages-targets.md").write_text("# Page and metric rows of issue 17\n\n" + text + "\n", encoding="utf-8")
    (RESULTS / "pages-targets.json").write_text(json.dumps(measured, indent=1, default=str) + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
