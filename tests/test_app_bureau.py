"""The bureau's pages in AppTest on the demo region: reporting status (one school late, one
not reporting) and schools side by side (funnel plot, standardised ratios), both languages."""

from __future__ import annotations

import json

import pytest

from analytics import schema
from analytics.sample_region import LATE_SCHOOL, SILENT_SCHOOL, SCHOOLS

NAMES = {s.school_id: s.name for s in SCHOOLS}
TITLES = {"pages/15_reporting.py": ("数据报送", "Reporting status"),
          "pages/14_schools.py": ("学校横向比较", "Schools side by side")}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(TITLES))
def test_bureau_page_runs_in_both_languages(app, region_db, page, lang) -> None:
    at = app(page, region_db, lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [TITLES[page][0 if lang == "zh" else 1]]


def _frames(at) -> list:
    return [d.value for d in at.dataframe]


def test_reporting_page_names_the_late_and_the_silent_school(app, region_db) -> None:
    at = app("pages/15_reporting.py", region_db, lang="en")
    assert at.selectbox(key="rep_year").value == 2025
    late = _frames(at)[0].set_index("School")
    assert NAMES[LATE_SCHOOL] in late.index and NAMES[SILENT_SCHOOL] in late.index
    assert schema.table("employment").en in late.loc[NAMES[LATE_SCHOOL], "Sent late"]
    assert late.loc[NAMES[SILENT_SCHOOL], "Sent late"] == ""
    grid = _frames(at)[1].set_index("School")
    assert len(grid) == 12 and set(grid["County"]) == {"滨江区", "西湖区", "江北县", "宁海县"}
    assert (grid.loc[NAMES[SILENT_SCHOOL]].iloc[1:] != "✓ on time").sum() >= 5
    metrics = {m.label: m.value for m in at.metric}
    assert len(metrics) == 7 and "92%" in metrics.values()  # 11 of 12 schools sent their roster
    assert "dl_late_schools_2025" in [d.proto.id.split("-")[-1] if not getattr(d, "key", None) else d.key
                                      for d in at.get("download_button")] or len(at.get("download_button")) >= 4


def test_reporting_year_can_be_changed(app, region_db) -> None:
    at = app("pages/15_reporting.py", region_db, lang="zh")
    at.selectbox(key="rep_year").select(2024).run()
    assert not at.exception
    assert "2024" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("indicator", ["certificate_pass_rate", "initial_employment_rate"])
def test_schools_page_draws_the_funnel_for_each_indicator(app, region_db, indicator) -> None:
    at = app("pages/14_schools.py", region_db, lang="en")
    if indicator != "certificate_pass_rate":
        at.button_group(key="sch_indicator").set_value(indicator).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 2
    funnel = charts[0]["data"]
    points = [t for t in funnel if t.get("mode") == "markers+text"][0]
    assert len(points["text"]) >= 11  # every school with data (the silent one has no 2025 graduates)
    assert sum(1 for t in funnel if t.get("mode") == "lines") == 4  # 95% and 99.8%, both sides
    table = _frames(at)[0]
    assert {"Observed / expected", "Standardised rate", "Against the limits"} <= set(table.columns)
