"""Every dashboard page in Streamlit's AppTest: runs on the demo data and on an empty
database, follows the global filters (widgets and deep links) and switches language."""

from __future__ import annotations

import pytest

from analytics.i18n import md

PAGES = {
    "dashboard.py": ("总览", "Overview"),
    "pages/1_certificates.py": ("技能证书", "Certificates"),
    "pages/2_employment.py": ("就业", "Employment"),
    "pages/3_satisfaction.py": ("企业满意度", "Satisfaction"),
    "pages/4_students.py": ("学生", "Students"),
    "pages/5_mentors.py": ("导师", "Mentors"),
    "pages/6_enterprises.py": ("企业与经费", "Enterprises & funding"),
    "pages/7_data.py": ("数据管理", "Data"),
    "pages/8_methods.py": ("方法说明", "Methods"),
    "pages/9_actions.py": ("决策督办", "Actions"),
    "pages/10_stages.py": ("培养阶段", "Training stages"),
    "pages/11_agreements.py": ("合作协议", "Agreements"),
    "pages/12_training.py": ("双向培训", "Two-way training"),
    "pages/13_recognition.py": ("评优推荐", "Recognition"),
}
MAJOR = "数控技术应用"  # one of the demo's six majors


def _titles(at) -> list[str]:
    return [t.value for t in at.title]


def _metrics(at) -> list[str]:
    return [m.value for m in at.metric]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_demo_data(app, demo_db, page: str) -> None:
    at = app(page, demo_db)
    assert not at.exception, [e.value for e in at.exception]
    assert PAGES[page][0] in _titles(at)
    # every page draws the same sidebar: language switch and the filters
    assert at.button_group(key="lang_switch").value == "zh"
    assert at.selectbox(key="f_major").value == ""


@pytest.mark.parametrize("page", PAGES)
def test_page_on_empty_database_shows_start_screen(app, empty_db, page: str) -> None:
    at = app(page, empty_db)
    assert not at.exception, [e.value for e in at.exception]
    if page == "pages/7_data.py":
        assert "数据管理" in _titles(at)  # the Data page stays usable: upload works on an empty database
    else:
        assert _titles(at) == ["欢迎使用双导师制数据看板"]
        assert at.button(key="load_demo")


@pytest.mark.parametrize("page", ["pages/1_certificates.py", "pages/2_employment.py", "pages/4_students.py"])
def test_filter_widget_changes_figures_and_url(app, demo_db, page: str) -> None:
    at = app(page, demo_db)
    before = _metrics(at)
    at.selectbox(key="f_major").select(MAJOR).run()
    assert not at.exception
    assert at.query_params["major"] == [MAJOR] or at.query_params["major"] == MAJOR
    assert _metrics(at) != before
    assert any(MAJOR in c.value for c in at.caption)


def test_deep_link_sets_the_filters(app, demo_db) -> None:
    at = app("pages/2_employment.py", demo_db, major=MAJOR, dual="in", **{"from": "2023", "to": "2025"})
    assert not at.exception
    assert at.selectbox(key="f_major").value == MAJOR
    assert at.button_group(key="f_dual").value == "in"
    assert tuple(at.select_slider(key="f_years").value) == ("2023", "2025")
    shown = app("pages/2_employment.py", demo_db)
    assert _metrics(at) != _metrics(shown)
    assert any("2023–2025" in c.value and MAJOR in c.value for c in at.caption)


def test_year_slider_writes_both_years_to_the_url(app, demo_db) -> None:
    # The demo spans 2020–2025; moving the ends to 2021 and 2024 writes from=2021&to=2024
    # (not the characters of one year, the bug a range slider without value=(a, b) had).
    at = app("pages/2_employment.py", demo_db)
    assert tuple(at.select_slider(key="f_years").value) == ("2020", "2025")
    at.select_slider(key="f_years").set_range("2021", "2024").run()
    assert not at.exception
    assert at.query_params["from"] in ("2021", ["2021"]) and at.query_params["to"] in ("2024", ["2024"])
    assert tuple(at.select_slider(key="f_years").value) == ("2021", "2024")
    assert any("2021–2024" in c.value for c in at.caption)


@pytest.mark.parametrize("page", ["dashboard.py", "pages/3_satisfaction.py", "pages/7_data.py"])
def test_language_switch(app, demo_db, page: str) -> None:
    at = app(page, demo_db)
    at.button_group(key="lang_switch").set_value("en").run()
    assert not at.exception
    assert PAGES[page][1] in _titles(at)
    assert at.query_params["lang"] in ("en", ["en"])


def test_language_from_url(app, demo_db) -> None:
    at = app("pages/5_mentors.py", demo_db, lang="en")
    assert "Mentors" in _titles(at)
    assert at.button_group(key="lang_switch").value == "en"


def test_meeting_view_has_no_sidebar(app, demo_db) -> None:
    at = app("dashboard.py", demo_db, view="meeting")
    assert not at.exception
    assert len(at.sidebar.children) == 0 or not at.sidebar.selectbox
    assert len(at.metric) == 5


def test_start_screen_loads_the_demo(app, empty_db) -> None:
    at = app("dashboard.py", empty_db)
    at.button(key="load_demo").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert "总览" in _titles(at)
    assert len(at.metric) == 5


def test_growth_file_search(app, demo_db) -> None:
    at = app("pages/4_students.py", demo_db)
    at.text_input(key="stu_search").input("20210100001").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value.startswith("**") and "（20210100001）" in m.value for m in at.markdown)  # the profile line
    at.text_input(key="stu_search").input("no-such-id").run()
    assert any(md("no-such-id") in w.value for w in at.warning)  # the typed text, escaped as Markdown


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("query", [{"major": "不存在的专业"}, {"from": "2020", "to": "2020"}],
                         ids=["unknown-major", "one-early-year"])
def test_page_survives_filters_without_data(app, demo_db, page: str, query: dict) -> None:
    at = app(page, demo_db, **query)
    assert not at.exception, [e.value for e in at.exception]
    assert PAGES[page][0] in _titles(at)


def test_meeting_view_button_keeps_filters(app, demo_db) -> None:
    at = app("pages/2_employment.py", demo_db, major=MAJOR)
    at.button(key="meeting_view").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _titles(at) == ["总览"]
    assert at.query_params["view"] in ("meeting", ["meeting"])
    assert any(MAJOR in c.value for c in at.caption)


@pytest.mark.parametrize(("page", "subheader"), [("pages/2_employment.py", "对标：初次就业率"),
                                                 ("pages/1_certificates.py", "对标：证书通过率")])
def test_benchmark_panel(app, demo_db, page: str, subheader: str) -> None:
    at = app(page, demo_db)
    assert subheader in [s.value for s in at.subheader]
    assert any("置信区间" in m.value and "本校" in m.value for m in at.markdown)  # the comparison sentence


def test_clear_filters_keeps_language(app, demo_db) -> None:
    at = app("pages/3_satisfaction.py", demo_db, lang="en", major=MAJOR, dual="out")
    at.button(key="f_reset").click().run()
    assert not at.exception
    assert "major" not in at.query_params and "dual" not in at.query_params
    assert at.query_params["lang"] in ("en", ["en"])
    assert at.selectbox(key="f_major").value == ""
    assert any(c.value.startswith("All data") for c in at.caption)


def test_methods_page_opens_the_linked_section(app, demo_db) -> None:
    from analytics.report import methods

    at = app("pages/8_methods.py", demo_db, lang="en", section="satisfaction")
    assert not at.exception, [e.value for e in at.exception]
    titles = [e.label for e in at.expander]
    assert titles == [s.title for s in methods.sections("en") if s.key != "intro"]
    assert [e.proto.expanded for e in at.expander if e.label == methods.section("en", "satisfaction").title] == [True]
    assert sum(e.proto.expanded for e in at.expander) == 1
    assert any("respondents, not ratings" in m.value for m in at.markdown)


def test_tiles_link_to_their_page_and_the_methods(app, demo_db) -> None:
    at = app("dashboard.py", demo_db, major=MAJOR)
    links = [(p.proto.page, p.proto.query_string) for p in at.get("page_link")]
    assert sum("section=pass-rate-improvement" in q and page.endswith("methods") for page, q in links) == 1
    assert any(page.endswith("certificates") and "major=" in q for page, q in links)


def test_certificates_page_flags_a_verdict_the_adjustment_changes(app, tmp_path) -> None:
    from analytics import db
    from analytics.i18n import t
    from tests.metric_fixtures import insert

    path = tmp_path / "confounded.duckdb"
    con = db.connect(path)
    students, exams = [], []
    for major, dual_n, dual_pass, other_n, other_pass in (("E", 40, 36, 10, 9), ("H", 10, 4, 40, 16)):
        for dual, n, passed in ((True, dual_n, dual_pass), (False, other_n, other_pass)):
            for i in range(n):
                sid = f"{major}{'d' if dual else 'o'}{i:02d}"
                students.append((sid, major, dual))
                exams.append((sid, "X", "2024-05-10", i < passed))
    insert(con, "students", ["student_id", "major", "dual_mentor"], students)
    insert(con, "certificate_exams", ["student_id", "certificate_name", "exam_date", "passed"], exams)
    con.close()
    at = app("pages/1_certificates.py", path, lang="en")
    assert not at.exception, [e.value for e in at.exception]
    assert ("2024|+60.0%") in [f"{m.label}|{m.value}" for m in at.metric]  # crude: 0.8 / 0.5 - 1
    warnings = [w.value for w in at.warning]
    assert t("certificates.verdict_changes", "en") in warnings
    assert any(w.startswith("⚠ Compared within the same major and year") for w in warnings)
