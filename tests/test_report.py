"""The meeting pack (analytics/report/): the renderers on a hand-built report without a
database, the builders on a small database, and the narrative they share with the dashboard.

The database:

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
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import charts, db, narrative, schema, stats
from analytics.cli import main
from analytics.config import Settings
from analytics.filters import Filters
from analytics.i18n import t
from analytics.metrics import headlines as hl
from analytics.report import (
    SECTIONS, Block, Bullets, Chart, Col, Report, Section, Text, build_report, methods, render_html, render_xlsx,
    report_xlsx,
)
from engine_fixtures import store_address
from tests.metric_fixtures import insert, make_db

# The same expected numbers on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True

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


@pytest.fixture(scope="module")
def con(engine: str) -> duckdb.DuckDBPyConnection:
    return fill(make_db())


@pytest.fixture(scope="module")
def built(con) -> dict[str, Report]:
    """The pack of the whole database in both languages, built once for the tests that read it."""
    return {lang: build_report(con, Filters(), Settings(), lang) for lang in ("zh", "en")}


def _block(report, key):
    return next(p for s in report.sections for p in s.parts if getattr(p, "key", None) == key)


def _visible(html: str) -> str:
    """The document without its scripts (plotly.js and the figure data)."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


# -- The renderers on a hand-built report (no database) ---------------------------------------------


def _never() -> object:
    raise AssertionError("the Excel renderer must not build plotly figures")


def _hand(figure) -> Report:
    """A two-section report built by hand; ``figure`` makes the plotly chart of its table."""
    return Report(
        lang="en", title="Pack", caption="Filter: All data", data_date="Data as of 2025-09-10 08:30",
        generated="generated 2025-09-11 09:00",
        sections=(
            Section("one", "First", (
                Text("A paragraph.", "Heading"),
                Bullets("list", "Points", ("first point", "second point"), ordered=True),
                Bullets("none", "Nothing", (), empty="Nothing to say."),
                Block("rates", "Rates", pd.DataFrame({
                    "group": ["Big", FORMULA], "rate": [0.75, 1 / 3], "n": [120, 3], "status": ["met", "near"],
                    "rel": [0.278, -0.05], "p": [0.0004, 0.25], "small_n": [False, True],
                }), (Col("group", "Group"), Col("rate", "Rate", "pct"), Col("n", "n", "int"), Col("status", "Status", "status"),
                     Col("rel", "Relative", "signed_pct"), Col("p", "p", "p"), Col("small_n", "Small", "flag")),
                    Chart("col", "group", ("rate",), "Rates", True, figure), note="a note"),
            ), "Sheet One"),
            Section("two", "Second", (Block("empty", "Empty", pd.DataFrame({"group": []}), (Col("group", "Group"),)),),
                    "Sheet/Two?"),
        ),
    )


@pytest.mark.one_engine
def test_html_renders_a_hand_built_report() -> None:
    html = render_html(_hand(lambda: go.Figure(go.Bar(x=["Big", FORMULA], y=[0.75, 1 / 3]))))
    assert html.count("Plotly.newPlot") == 1
    visible = _visible(html)
    assert '<section id="sec-one" class="first"><h2>First</h2>' in visible
    assert "<ol><li>first point</li><li>second point</li></ol>" in visible
    assert '<p class="empty">Nothing to say.</p>' in visible
    # the small group is grey (class small), its status cell coloured by verdict ("near" as a shade)
    assert re.search(r'<tr class="small"><td>=SUM\(A1\)</td><td class="num">33\.3%</td><td class="num">3</td>'
                     r'<td class="status near">Not met \(near the target\)</td><td class="num">-5\.0%</td>'
                     r'<td class="num">0\.250</td><td>⚠</td></tr>', visible)
    assert '<td class="status met">Met</td><td class="num">+27.8%</td><td class="num">&lt; 0.001</td>' in visible
    assert t("report.no_data", "en") in visible  # the empty block says so


@pytest.mark.one_engine
def test_xlsx_renders_a_hand_built_report() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(_hand(_never))))
    assert wb.sheetnames == ["Sheet One", "SheetTwo"]  # characters Excel refuses are dropped
    ws = wb["Sheet One"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    formula = cells[f"'{FORMULA}"]  # text that looks like a formula stays text
    rate = ws.cell(row=formula.row, column=2)
    assert (rate.value, rate.number_format, rate.font.i) == (pytest.approx(1 / 3), "0.0%", True)
    rel = ws.cell(row=formula.row, column=5)
    assert (rel.value, rel.number_format) == (-0.05, "+0.0%;-0.0%;0.0%")
    assert ws.cell(row=formula.row, column=4).value == "Not met (near the target)"
    assert ws.cell(row=formula.row, column=7).value == "⚠"
    assert len(ws._charts) == 1  # native chart over the cells; the plotly callable was never called
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# -- Building: the headlines as on the dashboard ---------------------------------------------------


def test_sentences_and_targets_are_the_headlines(con, built) -> None:
    # first attempts (one exam each): dual 16/20 = 80.0%, others (B and the formula major) 11/23 = 47.8%
    # -> 0.8 / 0.478261 - 1 = 0.672727 = +67.3%; difference 0.321739 = +32.2 pp
    # initial employment 2024: (19 + 14) / 40 = 0.825 < 0.9, >= 0.81: not met, near
    items = hl.headlines(con, Filters(), Settings())
    assert [(h.status, h.near) for h in items] == [("met", False), ("not_met", True), ("no_data", False),
                                                  ("no_data", False), ("no_data", False)]
    low, high = stats.newcombe_interval(16, 20, 11, 23)
    sentences = narrative.sentences(items, "en", 10)
    assert sentences[0] == (
        "In 2024, dual-mentor students passed 80.0% of their first attempts, the others 47.8%: +67.3% relative, "
        f"higher than the others, difference +32.2 pp (95% CI {100 * low:+.1f} to {100 * high:+.1f}); "
        "meeting the target ≥ +18%.")
    low, high = stats.wilson_interval(33, 40)
    assert sentences[1] == (f"Initial employment of the class of 2024 is 82.5%, 95% CI {100 * low:.1f}%–{100 * high:.1f}%, "
                            "close to but short of the target ≥ 90%.")
    assert sentences[2:] == [t(f"headline.none.{k}", "en") for k in hl.KEYS[2:]]
    report = built["en"]
    assert _block(report, "narrative").items == tuple(sentences)
    table = _block(report, "targets").frame
    assert table["value"].tolist()[:2] == [pytest.approx(0.672727, abs=1e-6), 0.825]
    assert table["status"].tolist() == ["met", "near", "no_data", "no_data", "no_data"]
    assert table["basis"].tolist()[1] == "33/40 graduates of 2024 placed (status known)"


def test_no_adjustment_when_no_major_holds_both_groups(built) -> None:
    # every dual-mentor student is in A, every other student elsewhere: no stratum has both,
    # so the pack says the comparison cannot be adjusted (rather than calling it changed)
    notes = _block(built["en"], "headline_notes").items
    assert f"{schema.label('metric', 'pass_rate_improvement', 'en')}: {t('headline.secondary.adjusted_none', 'en')}" in notes
    rows = _block(built["en"], "cert_adjusted").frame
    assert rows["relative"].isna().tolist() == [False, True]


def test_attention_names_a_group_only_when_its_interval_excludes_the_rate(con):
    # B employment 14/20 = 70%, Wilson 48.1%–85.5%: wholly below the 90% target -> named;
    # B pass rate 10/20 = 50%, Wilson 29.9%–70.1%, includes the overall 27/43 = 62.8% -> not named;
    # the formula major (1/3) is a small group and never named
    items = narrative.attention(con, Filters(), Settings(), "en")
    assert [(a.key, a.subject) for a in items] == [("major_employment", "B")]
    assert items[0].text == "B: initial employment 70.0% (95% CI 48.1%–85.5%), wholly below the 90% target."
    assert pytest.approx(items[0].shortfall) == 0.2


@pytest.mark.parametrize(
    "filters, pass_rate, employment",
    [
        (Filters(), 27 / 43, 33 / 40),  # 16+10+1 of 20+20+3 exams; 19+14 of 40 graduates
        (Filters(major="A"), 16 / 20, 19 / 20),
        (Filters(dual="out"), 11 / 23, 14 / 20),  # B and the formula major
    ],
)
def test_filters_change_the_numbers(con, filters, pass_rate, employment):
    report = build_report(con, filters, Settings(), "en", sections=("summary",))
    assert [s.key for s in report.sections] == ["summary"]
    assert _block(report, "headline").frame["rate"].tolist()[0] == pytest.approx(pass_rate)
    assert _block(report, "targets").frame["value"].tolist()[1] == pytest.approx(employment)
    assert report.caption == t("report.caption", "en", caption=filters.caption("en"))


def test_small_groups_are_marked(built):
    majors = _block(built["en"], "cert_major").frame
    assert dict(zip(majors["group"], majors["small_n"], strict=True)) == {"A": False, "B": False, FORMULA: True}


def test_the_per_year_dual_table_marks_small_groups():
    # 2023: 3 dual and 12 others sat (a small dual group) -> flagged; 2024: 12 and 12 -> not
    con = make_db()
    insert(con, "students", ["student_id", "dual_mentor"], [(f"d{i}", True) for i in range(15)]
           + [(f"o{i}", False) for i in range(24)])
    exams = [(f"d{i}", "X", "2023-05-01" if i < 3 else "2024-05-01", True) for i in range(15)]
    exams += [(f"o{i}", "X", "2023-05-01" if i < 12 else "2024-05-01", i % 2 == 0) for i in range(24)]
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], exams)
    report = build_report(con, Filters(), Settings(), "en", sections=("certificates",))
    block = _block(report, "cert_dual")
    assert block.frame["small_n"].tolist() == [True, False]
    assert '<tr class="small"><td>2023</td>' in _visible(render_html(report))


def test_charts_are_built_only_for_html(con, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise RuntimeError("figure built")

    monkeypatch.setattr(charts, "rate_trend", refuse)
    report = build_report(con, Filters(), Settings(), "en", sections=("certificates",))  # no figure yet
    render_xlsx(report)  # the workbook's charts are native: no plotly either
    with pytest.raises(RuntimeError, match="figure built"):
        render_html(report)


def test_unknown_section_is_refused(con) -> None:
    with pytest.raises(ValueError):
        build_report(con, Filters(), Settings(), "en", sections=("nope",))


# -- The methods appendix comes from docs/METHODS.md ----------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_methods_appendix_is_generated_from_the_methods_document(built, lang) -> None:
    section = next(s for s in built[lang].sections if s.key == "methods")
    titles = [p.title for p in section.parts if isinstance(p, Text | Bullets) and p.title]
    doc = [s.title for s in methods.sections(lang) if s.key != "intro"]
    assert titles == doc
    texts = [x for p in section.parts if isinstance(p, Bullets) for x in p.items]
    satisfaction = dict(methods.section(lang, "satisfaction").plain)
    assert all(text in texts for kind, text in methods.section(lang, "satisfaction").plain if kind == "li")
    assert satisfaction  # the section has its bullets
    settings = _block(built[lang], "settings").frame
    assert (t("report.setting.small_n", lang), "10") in list(zip(settings["setting"], settings["value"], strict=True))


@pytest.mark.one_engine
def test_both_methods_documents_have_the_same_sections() -> None:
    en, zh = methods.sections("en"), methods.sections("zh")
    assert [s.key for s in en] == [s.key for s in zh]
    assert set(hl.METHODS.values()) <= {s.key for s in en}
    for s in (*en, *zh):
        assert s.blocks, s.key  # no empty section


@pytest.mark.one_engine
def test_methods_note_for_the_export_archives() -> None:
    note = methods.methods_note("en", Settings(small_n=7))
    assert note.startswith("# Methods: how every figure is computed")
    assert "| Small-group threshold (cases) | 7 |" in note
    assert methods.methods_note("zh").startswith("# 方法说明")


# -- HTML and Excel of the built pack ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_has_every_section_and_works_offline(built, lang):
    html = render_html(built[lang])
    for key in SECTIONS:
        assert f'id="sec-{key}"' in html
    for key in ("narrative", "targets", "attention", "headline", "cert_major", "emp_year", "coverage", "sources"):
        assert f'id="part-{key}"' in html
    assert t("report.title", lang) in html
    assert methods.section(lang, "statistics").title in html
    # plotly.js is inlined once; nothing is fetched from elsewhere
    assert html.count("<script") - html.count("Plotly.newPlot") == 1
    lowered = html.lower()
    for needle in ("<script src", "<link", "@import", "url(http", "<iframe", "<img src=\"http"):
        assert needle not in lowered
    assert "https://" not in _visible(html) and "http://" not in _visible(html)
    # every string came from the catalog: no message key shows through
    assert not re.search(r"\b(report|narrative|headline)\.[a-z_]+\.[a-z_]+", _visible(html))
    assert "@page" in html and "break-before: page" in html


def test_empty_database_says_no_data():
    con = make_db()
    report = build_report(con, Filters(), Settings(), "en")
    html = _visible(render_html(report))
    assert t("headline.none.initial_employment", "en") in html
    assert t("report.attention_none", "en") in html
    assert t("report.no_data", "en") in html
    assert t("report.no_imports", "en") in html
    assert t("report.meth.no_sources", "en") in html
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert sum(len(ws._charts) for ws in wb) == 0
    assert len(wb.sheetnames) == len(SECTIONS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_sheets_charts_formats_and_no_formulas(built, lang):
    report = built[lang]
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames == [t(f"report.sheet.{key}", lang) for key in SECTIONS]
    # the actions first (no chart); certificates: by year, dual vs others, by major; employment: by
    # year, by major, destinations; no satisfaction, mentor, student or funding data, so no chart there
    counts = {ws.title: len(ws._charts) for ws in wb}
    assert list(counts.values()) == [0, 0, 3, 3, 0, 0, 0, 0, 0]
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


@pytest.mark.one_engine
def test_xlsx_of_the_demo_has_a_chart_for_every_area(demo_db: Path):
    # Read-write like every other user of the shared demo file in this process (DuckDB refuses
    # a second connection to one file with a different configuration); nothing is written.
    con = db.connect(demo_db)
    wb = openpyxl.load_workbook(io.BytesIO(report_xlsx(con, Filters(), Settings(), "zh")))
    counts = [len(ws._charts) for ws in wb]
    # last meeting's actions 0; summary 0; certificates 3 + 1 beside the demo's province benchmark;
    # employment 3 + 1 likewise; satisfaction 2 (waves, dimensions); mentors 2 (school by month,
    # enterprise by semester); students 2; funding 3; methods 0
    assert counts == [0, 0, 4, 4, 2, 2, 2, 3, 0]
    kinds = {type(chart).__name__ for ws in wb for chart in ws._charts}
    assert kinds == {"LineChart", "BarChart"}


# -- CLI ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_cli_writes_the_report(tmp_path, capsys, fmt):
    path = store_address(tmp_path)  # the CLI's --db on this test's engine
    fill(db.connect(path)).close()
    out = tmp_path / f"pack.{fmt}"
    code = main(["report", "--db", str(path), "--format", fmt, "--out", str(out), "--major", "A", "--lang", "en"])
    assert code == 0
    assert capsys.readouterr().out.strip() == t("report.written", "en", path=out)
    if fmt == "html":
        assert "80.0%" in out.read_text(encoding="utf-8")  # major A: 16 of 20 exams
    else:
        # the pack opens with last meeting's actions, then the overview
        assert openpyxl.load_workbook(out).sheetnames[:2] == [t("report.sheet.actions", "en"),
                                                              t("report.sheet.summary", "en")]


def test_cli_unwritable_path_is_a_clear_failure(tmp_path, capsys):
    path = store_address(tmp_path)  # the CLI's --db on this test's engine
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
    h = hl.compliance(con, Filters(), Settings(), "enterprise")
    assert (h.value, h.period) == (0.5, "2024-spring–2024-autumn")
    assert [(p.period, p.value) for p in h.series] == [("2024-spring", 1.0), ("2024-autumn", 0.0)]
    block = _block(build_report(con, Filters(), Settings(), "en", sections=("mentors",)), "men_period_enterprise")
    assert block.frame["label"].tolist() == ["Spring 2024", "Autumn 2024"]


@pytest.mark.one_engine
def test_report_puts_the_school_beside_the_published_benchmark(demo_db: Path):
    con = db.connect(demo_db)
    html_text = render_html(build_report(con, Filters(), Settings(), "en", sections=("employment",)))
    # The demo's province series (data/sample/15_…): 2025 initial employment 46,010 / 50,050
    # = 91.93%, beside the school's 2025 rate of 282 / 298 = 94.63%.
    assert "Benchmark: Initial employment rate" in html_text
    assert "91.9%" in html_text and "94.6%" in html_text


def test_funding_execution_says_what_it_leaves_out():
    con = make_db()
    insert(con, "funding", ["year", "source", "category", "budget", "spent"],
           [(2024, "school", "training", 100.0, 80.0), (2024, "enterprise", "equipment", 50.0, None)])
    report = build_report(con, Filters(), Settings(), "en", sections=("summary", "funding"))
    # 80 / 100 over the one line with both amounts; the other line (budget 50) is left out
    note = t("report.fund.left_out", "en", n=1, lines=2, budget="50")
    assert _block(report, "figures").note == note
    assert note in report.sections[1].parts[0].text
