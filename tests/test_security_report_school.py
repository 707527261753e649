"""``report --school`` is a filter, not a scope (#18 item 9): the pack and ``--help`` say that
satisfaction and funding stay the whole program's; a user scoped to the school gets neither
other schools' enterprises nor the program's funding."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import db
from analytics.cli import main
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import funding, satisfaction
from analytics.report import build_report
from analytics.report.sections import school_filter_only

SCHOOL = "3301012"  # one of the demo's two schools
NOTE = {"en": "enterprise satisfaction and funding carry no school", "zh": "企业满意度与经费不区分学校"}


@pytest.mark.parametrize(
    ("filters", "noted"),
    [
        (Filters(), False),
        (Filters(school=SCHOOL), True),  # an administrator's pack filtered to a school
        (Filters(school=SCHOOL, scope=(SCHOOL, "3301025")), True),  # a user of two schools
        (Filters(school=SCHOOL, scope=(SCHOOL,)), False),  # the school's own user: scoped
        (Filters(major="数控技术应用"), False),
    ],
)
def test_the_pack_says_when_a_school_is_only_a_filter(demo_db: Path, filters: Filters, noted: bool) -> None:
    assert school_filter_only(filters) is noted
    con = db.connect(demo_db, read_only=True)
    try:
        for lang in ("zh", "en"):
            caption = build_report(con, filters, Settings(), lang, sections=("summary",)).caption
            assert (NOTE[lang] in caption) is noted
    finally:
        con.close()


def test_the_filter_keeps_program_figures_the_scope_does_not(demo_db: Path) -> None:
    # What the note says, on the demo: the school filter leaves satisfaction and funding as
    # for the whole program; the school's scope narrows satisfaction and hides funding.
    con = db.connect(demo_db, read_only=True)
    s = Settings()
    try:
        every = satisfaction.waves(con, Filters(), s)["respondents"].sum()
        filtered = satisfaction.waves(con, Filters(school=SCHOOL), s)["respondents"].sum()
        scoped = satisfaction.waves(con, Filters(school=SCHOOL, scope=(SCHOOL,)), s)["respondents"].sum()
        assert filtered == every and 0 < scoped < every
        budget = funding.totals(con, Filters(), s)["budget"]
        assert budget and funding.totals(con, Filters(school=SCHOOL), s)["budget"] == budget
        assert funding.totals(con, Filters(school=SCHOOL, scope=(SCHOOL,)), s)["budget"] is None
    finally:
        con.close()


def test_cli_report_school_says_so(demo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pack.html"
    assert main(["report", "--db", str(demo_copy), "--school", SCHOOL, "--format", "html", "--out", str(out),
                 "--lang", "en"]) == 0
    assert NOTE["en"] in out.read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "--school is a filter, not a scope" in capsys.readouterr().out
