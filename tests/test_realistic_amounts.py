"""Amounts as school finance offices type them: a column headed 万元 whose cells sometimes name
their own unit. A cell that says 元 is in yuan; only a bare number takes the column's 万."""

from __future__ import annotations

import pytest

from analytics.ingest import normalize
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv
from tests.metric_fixtures import make_db


@pytest.fixture
def con():
    connection = make_db()
    yield connection
    connection.close()


@pytest.mark.parametrize(("raw", "scale", "expected"), [
    ("1,250,000元", 10_000, 1_250_000.0),  # the cell names 元: 1,250,000 yuan, not ×10,000
    ("3500元", 10_000, 3_500.0),
    ("800块", 10_000, 800.0),  # 块 is colloquial 元
    ("12.5万元", 10_000, 125_000.0),  # 12.5 × 10,000, scaled once
    ("12.5万", 10_000, 125_000.0),
    ("12.5", 10_000, 125_000.0),  # bare number: the column's 万元
    ("(1.2)", 10_000, -12_000.0),  # refund: -1.2 × 10,000
    ("3500元", 1, 3_500.0),
])
def test_a_cell_that_names_its_unit_is_not_scaled_by_the_column(raw, scale, expected):
    assert normalize.parse_number(normalize._clean_one(raw), scale) == expected


def test_a_wan_yuan_column_with_a_cell_in_yuan_loads_the_yuan(con, tmp_path):
    path = write_csv(tmp_path / "经费.csv", [
        ["年度", "来源", "类别", "预算（万元）", "支出（万元）"],
        ["2024", "政府", "设备", "12.5", "10"],
        ["2024", "企业", "培训", "12.5万", "1,250,000元"],
    ])
    (r,) = import_file(con, path)
    assert (r.status, r.inserted, r.rejected) == ("loaded", 2, 0)
    # 12.5 万 = 125,000; 10 万 = 100,000; "1,250,000元" = 1,250,000 (was 12,500,000,000)
    assert con.execute("SELECT source, budget, spent FROM funding ORDER BY 1").fetchall() == [
        ("enterprise", 125_000.0, 1_250_000.0), ("government", 125_000.0, 100_000.0)]
