"""benchmarks.bench_rejects: its table from hand-made times, its files, and one real run of the
case (the outcome checked, not the time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_rejects import KINDS, check, table, write_file


def _case(median: float, low: float, rejected: int, peak: float = 300.4) -> dict:
    return {"seconds": [low, median, median + 1], "min": low, "median": median, "rejected": rejected,
            "peak_mib": peak}


def test_the_table_gives_each_tree_its_medians_and_the_ratio_to_the_clean_file() -> None:
    after = {"clean": _case(1.0, 0.9, 0), "one_word": _case(1.5, 1.4, 100), "distinct": _case(2.0, 1.8, 100)}
    before = {"clean": _case(1.0, 0.8, 0), "one_word": _case(4.0, 3.0, 100), "distinct": _case(97.0, 90.0, 100, 626.6)}
    lines = table({"after": after, "before": before}, 100).splitlines()
    assert lines[0] == ("| file | rows rejected | after: check (median) | after: ÷ clean | after: peak | "
                        "before: check (median) | before: ÷ clean | before: peak |")
    # distinct: after 2.0 ÷ 1.0 = 2.0×, before 97.0 ÷ 1.0 = 97.0×; peaks rounded to MiB
    assert lines[4] == ("| 100 rows, every score a different word | 100 | 2.00 s (min 1.80) | 2.0× | 300 MiB | "
                        "97.00 s (min 90.00) | 97.0× | 627 MiB |")
    assert lines[2].endswith("| 1.00 s (min 0.90) | 1.0× | 300 MiB | 1.00 s (min 0.80) | 1.0× | 300 MiB |")
    assert len(table({"after": after}, 100).splitlines()[0].split("|")) == 7  # one tree: three columns fewer


@pytest.mark.parametrize(("kind", "rejected", "unknown"), [("clean", 0, 0), ("one_word", 30, 1), ("distinct", 30, 30)])
def test_each_file_is_checked_with_the_rows_and_values_it_was_made_with(tmp_path: Path, kind, rejected, unknown):
    assert kind in KINDS
    path = write_file(str(tmp_path / f"{kind}.csv"), 30, kind)
    out = check(path)
    assert (out["rejected"], out["unknown"]) == (rejected, unknown)
    assert out["_seconds"] > 0


@pytest.mark.parametrize(("kind", "rejected"), [("clean", 0), ("one_word", 30), ("distinct", 30)])
def test_with_a_store_each_file_is_imported_there_anew(tmp_path: Path, kind, rejected):
    """``--import``: the import itself, into a database file made anew for each run (a second run
    into the same path finds nothing of the first)."""
    from analytics import db

    path = write_file(str(tmp_path / f"{kind}.csv"), 30, kind)
    store = str(tmp_path / "store.duckdb")
    for _ in range(2):
        assert check(path, store)["rejected"] == rejected
    con = db.connect(store)
    try:
        stored = con.execute("SELECT (SELECT count(*) FROM certificate_exams), (SELECT count(*) FROM import_rejects)")
        assert stored.fetchone() == (30 - rejected, rejected)
    finally:
        con.close()


def test_the_table_names_what_ran() -> None:
    case = _case(1.0, 0.9, 0)
    header = table({"after": {kind: case for kind in KINDS}}, 10, "import").splitlines()[0]
    assert header == "| file | rows rejected | after: import (median) | after: ÷ clean | after: peak |"
