"""Run one measurement in a fresh Python process: wall time and peak memory (max RSS).

A fresh process per measurement keeps caches and memory of one case out of the next.
``python -m benchmarks.harness MODULE:FUNCTION JSON_ARGS`` prints one JSON line.
"""

from __future__ import annotations

import importlib
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def measure(target: str, *args: Any, repeat: int = 1, root: Path = ROOT) -> dict[str, float]:
    """Run ``target`` (``module:function``) with ``args`` in a child; best time, peak MiB.
    ``root``: the project tree the child runs in (another checkout, for before/after figures)."""
    best, peak, result = float("inf"), 0.0, None
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.harness", target, json.dumps(args)],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        )
        line = json.loads(out.stdout.strip().splitlines()[-1])
        best = min(best, line["seconds"])
        peak = max(peak, line["peak_mib"])
        result = line["result"]
    return {"seconds": best, "peak_mib": peak, "result": result}


def interleaved(cases: dict[str, tuple[str, tuple]], reps: int = 3) -> dict[str, dict[str, Any]]:
    """Run every case (``name -> (module:function, args)``) ``reps`` times, each run in a fresh
    process, interleaved: A, B, C, A, B, C, … so a slow minute of a shared machine falls on
    every case alike. Per case: every time, their min and median, the largest peak, every
    result and the last one."""
    import statistics

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    for _ in range(reps):
        for name, (target, args) in cases.items():
            runs[name].append(measure(target, *args))
    out = {}
    for name, measured in runs.items():
        seconds = [m["seconds"] for m in measured]
        out[name] = {"seconds": seconds, "min": min(seconds), "median": statistics.median(seconds),
                     "peak_mib": max(m["peak_mib"] for m in measured), "result": measured[-1]["result"],
                     "results": [m["result"] for m in measured]}
    return out


def write_results(stem: str, title: str, command: str, reps: int, table: str, measured: Any) -> str:
    """``benchmarks/results/STEM.md`` (the title, the command, when, the machine, then ``table``)
    and ``STEM.json`` (``measured``: every run's figures); returns the markdown."""
    import datetime as dt

    text = (f"# {title}\n\n`{command}` · {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {machine()} · "
            f"×{reps} interleaved, a fresh process per run\n\n{table}\n")
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / f"{stem}.md").write_text(text, encoding="utf-8")
    (results / f"{stem}.json").write_text(json.dumps(measured, indent=1), encoding="utf-8")
    return text


def machine() -> str:
    """One line naming the machine the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def _peak_kib() -> float:
    """This process's own peak RSS. Linux carries ``ru_maxrss`` over fork and exec, so a
    child of a big parent would report the parent's size; ``VmHWM`` belongs to the
    process image and starts afresh at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(target: str, args_json: str) -> None:
    module, func = target.split(":")
    fn = getattr(importlib.import_module(module), func)
    start = time.perf_counter()
    result = fn(*json.loads(args_json))
    seconds = time.perf_counter() - start
    if isinstance(result, dict) and "_seconds" in result:  # the case timed its own part (set-up excluded)
        seconds = result.pop("_seconds")
    peak_mib = _peak_kib() / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib, "result": result}, default=str))


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
