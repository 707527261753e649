"""The meeting pack (analytics/report.py) and the overview narrative (analytics/narrative.py).

A small hand-built database with exact numbers:

* major A: 20 dual-mentor students, 16 of 20 exams passed, 19 of 20 graduates placed;
* major B: 20 other students, 10 of 20 exams passed, 14 of 20 placed;
* major "=SUM(A1)" (a planted formula): 3 other students, 1 of 3 exams passed, a small group.

All exams in 2024, all graduates of 2024 surveyed in September 2024.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest

from analytics import db, narrative
from analytics.cli import main
from analytics.config import Settings
from analytics.filters import Filters
from analytics.i18n import t
from analytics.metrics.targets import targets as target_statuses
from analytics.report import SECTIONS, build_report, render_html, render_xlsx, report_html, report_xlsx
from tests.metric_fixtures import insert, make_db

FORMULA = "=SUM(A1)"
# (major, students, dual, exams passed, graduates placed or None without a survey)
MAJORS = [("A", 20, True, 16, 19), ("B", 20, False, 10, 14), (FORMULA, 3, False, 1, None)]


def fill(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    students, exams, jobs = [], [], []
    for major, n, dual, passed, placed in MAJORS:
        for i in range(n):
            sid = f"{major[0] if major != FORMULA else 'F'}{i:02d}"
            students.append((sid, major, 2021, 2024 if placed is not None else 2025, dual))
            exams.append((sid, "电工", "2024-05-10", i < passed))
            if placed is not None:
                jobs.append((sid, "2024-09-01", 2024, "employed" if i < placed else "unemployed"))
    insert(con, "students", ["student_id", "major", "cohort_year", "graduation_year", "dual_mentor"], students)
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], exams)
    insert(con, "employment", ["student_id", "survey_date", "graduation_year", "status"], jobs)
    return con


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return fill(make_db())


def _block(report, key):
    return next(p for s in report.sections for p in s.parts if getattr(p, "key", None) == key)


def _visible(html: str) -> str:
    """The document without its scripts (plotly.js and the figure data)."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


# -- Narrative ---------------------------------------------------------------------------------


def test_sentences_say_the_latest_values_against_their_targets(con):
    # relative improvement 2024: (16/20) / (11/23) - 1 = 0.8 / 0.478261 - 1 = 0.672727 -> 67.3%
    # initial employment 2024: (19 + 14) / 40 = 0.825 -> 82.5%, below 90% but above 0.9 * 90% = 81%: near
    kpis = narrative.kpis(con, Filters(), Settings())
    assert [k.status for k in kpis] == ["met", "near", "no_data", "no_data", "no_data"]
    assert narrative.sentences(kpis, "en") == [
        "In 2024, dual-mentor students passed certificate exams 67.3% more often (relative) than the others, "
        "above the 18% target.",
        "Initial employment of the class of 2024 is 82.5%, below the 90% target.",
        t("narrative.none.satisfaction_improvement", "en"),
        t("narrative.none.school_compliance", "en"),
        t("narrative.none.enterprise_compliance", "en"),
    ]
    assert narrative.sentences(kpis, "zh")[1] == "2024 届毕业生初次就业率 82.5%，低于目标 90%。"


def test_attention_ranks_shortfalls_and_skips_small_groups(con):
    # B employment 14/20 = 70% vs target 90%: shortfall 0.20;
    # B pass rate 10/20 = 50% vs overall 27/43 = 62.8%: shortfall 0.128; the formula major
    # (1/3 = 33.3%) is a small group and never named.
    items = narrative.attention(con, Filters(), Settings(), "en")
    assert [(a.key, a.subject) for a in items] == [("major_employment", "B"), ("major_pass", "B")]
    assert items[0].text == "B: initial employment 70.0%, below the 90% target."
    assert items[1].text == "B: certificate pass rate 50.0%, below the overall 62.8%."
    assert pytest.approx(items[0].shortfall) == 0.2


# -- Report content ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, pass_rate, employment",
    [
        (Filters(), 27 / 43, 33 / 40),  # 16+10+1 of 20+20+3 exams; 19+14 of 40 graduates
        (Filters(major="A"), 16 / 20, 19 / 20),
        (Filters(dual="out"), 11 / 23, 14 / 20),  # B and the formula major
    ],
)
def test_filters_change_the_numbers(con, filters, pass_rate, employment):
    report = build_report(con, filters, Settings(), "en")
    rates = _block(report, "headline").frame["rate"].tolist()
    assert rates[0] == pytest.approx(pass_rate)
    assert rates[3] == pytest.approx(employment)
    assert report.caption == t("report.caption", "en", caption=filters.caption("en"))
    assert f"{100 * pass_rate:.1f}%" in report_html(con, filters, Settings(), "en")


def test_small_groups_are_marked(con):
    report = build_report(con, Filters(), Settings(), "en")
    majors = _block(report, "cert_major").frame
    assert dict(zip(majors["group"], majors["small_n"], strict=True)) == {"A": False, "B": False, FORMULA: True}
    html = render_html(report)
    assert re.search(r'<tr class="small"><td>=SUM\(A1\)</td><td class="num">33\.3%</td>', html)


# -- HTML ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_has_every_section_and_works_offline(con, lang):
    html = report_html(con, Filters(), Settings(), lang)
    for key in SECTIONS:
        assert f'id="sec-{key}"' in html
    for key in ("narrative", "targets", "attention", "headline", "cert_major", "emp_year", "coverage", "sources"):
        assert f'id="part-{key}"' in html
    assert t("report.title", lang) in html
    assert t("report.def.intervals_title", lang) in html
    # plotly.js is inlined once; nothing is fetched from elsewhere
    assert html.count("<script") - html.count("Plotly.newPlot") == 1
    lowered = html.lower()
    for needle in ("<script src", "<link", "@import", "url(http", "<iframe", "<img src=\"http"):
        assert needle not in lowered
    assert "https://" not in _visible(html) and "http://" not in _visible(html)
    # every string came from the catalog: no message key shows through
    assert not re.search(r"\b(report|narrative)\.[a-z_]+", _visible(html))
    assert "@page" in html and "break-before: page" in html


def test_empty_database_says_no_data():
    con = make_db()
    html = _visible(report_html(con, Filters(), Settings(), "en"))
    assert t("narrative.none.initial_employment", "en") in html
    assert t("report.attention_none", "en") in html
    assert t("report.no_data", "en") in html
    assert t("report.no_imports", "en") in html
    assert t("report.meth.no_sources", "en") in html
    wb = openpyxl.load_workbook(io.BytesIO(report_xlsx(con, Filters(), Settings(), "en")))
    assert sum(len(ws._charts) for ws in wb) == 0
    assert len(wb.sheetnames) == len(SECTIONS)


# -- Excel --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_sheets_charts_formats_and_no_formulas(con, lang):
    report = build_report(con, Filters(), Settings(), lang)
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames == [t(f"report.sheet.{key}", lang) for key in SECTIONS]
    # certificates: by year, dual vs others, by major; employment: by year, by major, destinations;
    # no satisfaction, mentor, student or funding data, so no chart there
    charts = {ws.title: len(ws._charts) for ws in wb}
    assert list(charts.values()) == [0, 3, 3, 0, 0, 0, 0, 0]
    for ws in wb:
        assert ws["A2"].value == report.caption
        assert ws["A3"].value.startswith(report.data_date)
        assert ws.freeze_panes is not None
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    cert = wb[t("report.sheet.certificates", lang)]
    cells = {c.value: c for row in cert.iter_rows() for c in row if c.value is not None}
    assert f"'{FORMULA}" in cells  # the planted formula stays text
    rate = cert.cell(row=cells[f"'{FORMULA}"].row, column=2)
    assert (rate.value, rate.number_format) == (pytest.approx(1 / 3), "0.0%")
    assert rate.font.i  # small group in grey italics
    assert cert.cell(row=rate.row, column=7).value == "⚠"


def test_xlsx_of_the_demo_has_a_chart_for_every_area(demo_db: Path):
    # Read-write like every other user of the shared demo file in this process (DuckDB refuses
    # a second connection to one file with a different configuration); nothing is written.
    con = db.connect(demo_db)
    wb = openpyxl.load_workbook(io.BytesIO(report_xlsx(con, Filters(), Settings(), "zh")))
    counts = [len(ws._charts) for ws in wb]
    # summary 0; certificates 3 + 1 beside the demo's province benchmark; employment 3 + 1
    # likewise; satisfaction 2 (waves, dimensions); mentors 2 (school by month, enterprise by
    # semester); students 2; funding 3; methods 0
    assert counts == [0, 4, 4, 2, 2, 2, 3, 0]
    kinds = {type(chart).__name__ for ws in wb for chart in ws._charts}
    assert kinds == {"LineChart", "BarChart"}


# -- CLI ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_cli_writes_the_report(tmp_path, capsys, fmt):
    path = tmp_path / "d.duckdb"
    fill(db.connect(path)).close()
    out = tmp_path / f"pack.{fmt}"
    code = main(["report", "--db", str(path), "--format", fmt, "--out", str(out), "--major", "A", "--lang", "en"])
    assert code == 0
    assert capsys.readouterr().out.strip() == t("report.written", "en", path=out)
    if fmt == "html":
        assert "80.0%" in out.read_text(encoding="utf-8")  # major A: 16 of 20 exams
    else:
        assert openpyxl.load_workbook(out).sheetnames[0] == t("report.sheet.summary", "en")


def test_cli_unwritable_path_is_a_clear_failure(tmp_path, capsys):
    path = tmp_path / "d.duckdb"
    fill(db.connect(path)).close()
    out = tmp_path / "missing-folder" / "pack.html"
    code = main(["report", "--db", str(path), "--format", "html", "--out", str(out), "--lang", "en"])
    assert code == 1
    assert capsys.readouterr().err.startswith(f"Cannot write the report file {out}: ")


def test_semesters_run_in_calendar_order():
    # one enterprise mentor: 4 school_teaching in spring 2024 (compliant), 1 in autumn 2024 (not):
    # 1 of 2 mentor-semesters = 50%; "2024-autumn" sorts before "2024-spring" as text, not in time
    con = make_db()
    insert(con, "mentors", ["mentor_id", "mentor_name", "mentor_type"], [("QY1", "王工", "enterprise")])
    insert(con, "mentor_activities", ["mentor_id", "activity_date", "activity_type", "seq"],
           [("QY1", f"2024-03-0{d}", "school_teaching", 1) for d in range(1, 5)]
           + [("QY1", "2024-09-10", "school_teaching", 1)])
    kpi = narrative.kpis(con, Filters(), Settings())[4]
    assert (kpi.key, kpi.value, kpi.xs, kpi.ys) == ("enterprise_compliance", 0.5, ("2024-spring", "2024-autumn"),
                                                     (1.0, 0.0))
    block = _block(build_report(con, Filters(), Settings(), "en"), "men_period_enterprise")
    assert block.frame["label"].tolist() == ["Spring 2024", "Autumn 2024"]


def test_report_puts_the_school_beside_the_published_benchmark(demo_db: Path):
    con = db.connect(demo_db)
    html_text = report_html(con, Filters(), Settings(), "en")
    # The demo's province series (data/sample/15_…): 2025 initial employment 46,010 / 50,050
    # = 91.93%, beside the school's 2025 rate of 282 / 298 = 94.63%.
    assert "Benchmark: Initial employment rate" in html_text
    assert "91.9%" in html_text and "94.6%" in html_text


def test_overview_equals_the_tiles_and_the_targets_computed_apart(demo_db: Path):
    con = db.connect(demo_db)
    f, s = Filters(), Settings()
    tiles, statuses = narrative.overview(con, f, s)
    assert tiles == narrative.kpis(con, f, s)
    assert statuses == target_statuses(con, f, s)
