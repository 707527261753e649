"""``python -m benchmarks --only import``: the table of the import rows alone (no page rows)."""

from __future__ import annotations

from benchmarks.bench_targets import IMPORT_CASES, table


def _case(seconds: list[float], **result: float) -> dict:
    ordered = sorted(seconds)
    return {"seconds": seconds, "min": ordered[0], "median": ordered[1], "peak_mib": 900.0,
            "result": result, "results": [result] * len(seconds)}


def test_import_only_table_has_the_import_rows_and_no_page_rows():
    m = {name: _case([2.0, 1.0, 3.0]) for name in IMPORT_CASES}
    m["csv_bare_empty"] = _case([1.0, 0.5, 0.75])  # median 0.75: the import's median 2.0 is 2.67× it
    # the import's own peak (taken before the reader check), not the process's whole peak (900)
    m["limit_import"] = _case([4.0, 5.0, 6.0], import_peak_mib=850.0, reader_peak_mib=800.0)
    text = table(m, rows=1_000_000, xlsx_rows=100_000, small=10_000, large=1_000_000, limit_rows=2_000_000)
    lines = text.splitlines()
    assert lines[2] == ("| 1,000,000-row certificate CSV import ÷ DuckDB `read_csv(all_varchar)`, empty database "
                        "| 2.00 s (min 1.00) ÷ 0.75 s (min 0.50) | 2.67× | ≤ 2× | **missed** |")
    # 2.0 ÷ 2.0 = 1.00× for the other pairs; the peak row: 850 MiB ≤ 1024 and 800 ≤ 1024
    assert lines[3].endswith("| 1.00× | ≤ 2× | met |")
    assert lines[6] == ("| peak memory, 2,000,000-row CSV import | 850 MiB importing process, reader child +800 MiB "
                        "(5.00 s (min 4.00)) |  | ≤ 1 GB | met |")
    assert len([line for line in lines if line.startswith("| ") and "---" not in line]) == 1 + 5
    assert "overview" not in text and "mentors" not in text
    # the reader-running cases (2.0 s) beside the bare read_csv (0.75 s) and the bare parse (2.0 s)
    assert ("With the reader's fork server already running" in text
            and "CSV import 2.00 s (min 1.00), 2.67× the bare `read_csv`; xlsx import 2.00 s (min 1.00), "
                "1.00× the bare parse." in text)
