"""benchmarks.bench_check_confirm: its table from hand-made times, and one real run of the case
(the outcome checked, not the time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_check_confirm import check_then_import, table
from tests.filebuilders import write_csv


def test_the_table_gives_medians_and_the_ratio_of_the_imports() -> None:
    steps = {"check": [1.0, 1.2, 1.1], "import": [1.0, 0.8, 0.9], "peak_mib": 1}
    once = {"check": [1.1, 1.0, 1.3], "import": [0.09, 0.12, 0.1], "peak_mib": 1}
    text = table({"xlsx_each": steps, "xlsx_once": once, "csv_each": steps, "csv_once": steps}, 1000, 10)
    lines = text.splitlines()
    # xlsx: import medians 0.90 (each) and 0.10 (once): 0.10 ÷ 0.90 = 0.11
    assert lines[2] == "| 10-row certificate xlsx | for each step | 1.10 s (min 1.00) | 0.90 s (min 0.80) | |"
    assert lines[3] == ("| 10-row certificate xlsx | once (`pipeline.Reads`) | 1.10 s (min 1.00) | "
                        "0.10 s (min 0.09) | 0.11 |")
    assert lines[5].endswith("| 1.00 |")  # the same times both ways


def test_the_case_checks_and_then_imports(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "考证.csv", [["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"],
                                            ["020210001", "电工", "2024-06-21", "初级", "通过", "90"]])
    for keep in (False, True):
        out = check_then_import(str(path), str(tmp_path / f"{keep}.duckdb"), keep)
        assert out["inserted"] == 1
        assert out["check"] > 0 and out["import"] > 0
        assert out["_seconds"] == pytest.approx(out["check"] + out["import"])
