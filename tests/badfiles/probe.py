"""Import one file in a fresh child process and measure how much its memory peak grew.

Run through a forkserver pool (``max_tasks_per_child=1``): each import gets a clean
process forked from one that already imported the analytics package, so the peak is the
import's own, and a crash (even a segfault in a native parser) fails the test instead of
the test run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analytics import db
from analytics.ingest.pipeline import import_file


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def import_measured(db_path: str, file_path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Import ``file_path`` into ``db_path``; outcome of every sheet and peak RSS growth (MiB)."""
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = _status_kib("VmRSS")
    con = db.connect(db_path)
    try:
        results = import_file(con, Path(file_path), **options)
    finally:
        con.close()
    growth = (_status_kib("VmHWM") - before) / 1024
    sheets = [
        {
            "status": r.status,
            "code": r.refused.code if r.refused else None,
            "messages": (r.refused.message("zh"), r.refused.message("en")) if r.refused else None,
            "rejected": r.rejected,
            "inserted": r.inserted,
            "batch_id": r.batch_id,
            "errors": [(i.code, i.row, i.message("zh"), i.message("en")) for i in r.errors],
        }
        for r in results
    ]
    return {"sheets": sheets, "growth_mib": growth}
