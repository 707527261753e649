"""Markdown injection (#18 item 7): a value a user supplied (a stored major, name, enterprise,
school, action title, note, or a URL parameter) is shown as typed on every page, never as a
live link or image: each goes through ``i18n.md`` before it meets ``st.markdown``, a caption,
an alert or a label. Hostile names are written into a copy of the demo database by code."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from analytics.i18n import md

PAGES = ["dashboard.py", "pages/1_certificates.py", "pages/2_employment.py", "pages/3_satisfaction.py",
         "pages/4_students.py", "pages/5_mentors.py", "pages/6_enterprises.py", "pages/7_data.py", "pages/8_methods.py",
         "pages/9_actions.py", "pages/10_stages.py", "pages/11_agreements.py", "pages/12_training.py",
         "pages/13_recognition.py"]
MAJOR = "[major](http://evil/m)"
SCHOOL = "![](http://evil/school.png)"
ENTERPRISE = "<img src=http://evil/e.png>"
PERSON = "![p](http://evil/p.png)"
TITLE = "[title](http://evil/t) **bold**"
URL_MAJOR = "[url](http://evil/u)"


@pytest.mark.parametrize(("value", "shown"), [
    ("[x](http://evil)", r"\[x\]\(http\://evil\)"),
    ("![](a.png)", r"\!\[\]\(a\.png\)"),
    ("<img src=x>", r"\<img src\=x\>"),
    ("a*b_c`d", r"a\*b\_c\`d"),
    ("数控技术应用", "数控技术应用"),  # Chinese text is left as it is
    ("two\nlines", "two lines"),  # no line break can start a heading or a list
    (None, ""),
    (2024, "2024"),
])
def test_md_escapes_markdown(value, shown: str) -> None:
    assert md(value) == shown


def make_hostile(demo_db: Path, path: Path) -> Path:
    """A copy of the demo at ``path`` with hostile names: one major, one school, every
    enterprise, every person, every action (also used by the browser test)."""
    shutil.copy(demo_db, path)
    con = duckdb.connect(str(path))
    major = con.execute("SELECT min(major) FROM students").fetchone()[0]
    con.execute("UPDATE students SET major = ? WHERE major = ?", [MAJOR, major])
    con.execute("UPDATE mentors SET major = ? WHERE major = ?", [MAJOR, major])
    con.execute("UPDATE schools SET school_name = ? WHERE school_id = (SELECT min(school_id) FROM schools)", [SCHOOL])
    con.execute("UPDATE enterprises SET enterprise_name = ?", [ENTERPRISE])
    con.execute("UPDATE students SET student_name = ?", [PERSON])
    con.execute("UPDATE mentors SET mentor_name = ?", [PERSON])
    con.execute("UPDATE actions SET title = ?, owner = ?, notes = ?", [TITLE, PERSON, TITLE])
    con.close()
    return path


@pytest.fixture(scope="module")
def hostile_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_hostile(demo_db, tmp_path_factory.mktemp("hostile") / "hostile.duckdb")


@pytest.fixture(scope="module")
def hostile_student(hostile_db: Path) -> str:
    """A student ID of the hostile database (read before any page holds the file open)."""
    con = duckdb.connect(str(hostile_db), read_only=True)
    try:
        return con.execute("SELECT min(student_id) FROM students").fetchone()[0]
    finally:
        con.close()


def _texts(at) -> list[str]:
    """What Streamlit renders as Markdown: markdown, captions, titles, alerts, labels."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success",
                 "toast"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(m.label) for m in at.metric] + [str(m.help or "") for m in at.metric]
    out += [str(e.label) for e in at.expander] + [str(e.label) for e in at.tabs]
    out += [str(b.label) for b in at.button] + [str(b.label) for b in at.checkbox]
    return out


def _live(texts: list[str]) -> list[str]:
    # an escaped value has "http\:" and "\<img": what remains verbatim would render live
    return [s for s in texts if "http://evil" in s or "<img" in s]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("query", [{}, {"major": URL_MAJOR}, {"major": MAJOR, "lang": "en"}],
                         ids=["stored", "url-major", "stored-major-en"])
def test_no_page_renders_a_user_value_as_markdown(app, hostile_db: Path, page: str, query: dict) -> None:
    at = app(page, hostile_db, **query)
    assert not at.exception, [e.value for e in at.exception]
    assert _live(_texts(at)) == []


def test_the_growth_file_search_shows_the_typed_id_as_text(app, hostile_db: Path, hostile_student: str) -> None:
    at = app("pages/4_students.py", hostile_db)
    at.text_input(key="stu_search").input("[id](http://evil/id)").run()
    assert _live(_texts(at)) == []
    at.text_input(key="stu_search").input(hostile_student).run()
    assert not at.exception
    assert _live(_texts(at)) == []
    assert any(md(PERSON) in m.value for m in at.markdown)  # the name is there, as typed
