"""The Chinese UI speaks Chinese (#13 "language leftovers"): every page rendered in zh shows no
English table key ("students"), no raw issue code ("merged-cells-filled") and no "None"/"nan"
in its text, labels, choices or tables. Codes may stay in a column named for them (the
issue report's code column, kept for support)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analytics import i18n, schema

PAGES = ["dashboard.py", "pages/1_certificates.py", "pages/2_employment.py", "pages/3_satisfaction.py",
         "pages/4_students.py", "pages/5_mentors.py", "pages/6_enterprises.py", "pages/7_data.py", "pages/8_methods.py",
         "pages/9_actions.py", "pages/10_stages.py", "pages/11_agreements.py", "pages/12_training.py",
         "pages/13_recognition.py"]
ISSUE_CODES = sorted({k.split(".", 1)[1] for k in i18n.catalog("zh") if k.startswith("issue.")})
# whole words only: "students" is a leftover, "students_per" inside a URL is not text
LEFTOVER = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, [*schema.TABLE_NAMES, *ISSUE_CODES]))
                      + r"|None|nan|NaN|NaT)(?![\w/.-])")
CODE_COLUMNS = {i18n.t("data.col.code", "zh")}  # named for codes


def _frame_texts(table) -> list[str]:
    df = table.value
    out = [str(c) for c in df.columns]
    if not table.proto.placeholder and df.isna().to_numpy().any():
        out.append("None")  # an empty cell without a placeholder shows as "None"
    for col in df.columns:
        if str(col) in CODE_COLUMNS:
            continue
        out += [str(v) for v in df[col].tolist() if isinstance(v, str)]
    return out


def visible_texts(at) -> list[str]:
    """Every text AppTest sees a user read: Markdown and alerts, labels, choices, table cells."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
    for kind in ("button", "checkbox", "toggle", "text_input", "number_input", "date_input", "expander", "tabs"):
        out += [str(e.label) for e in getattr(at, kind)]
    for kind in ("selectbox", "multiselect", "radio", "select_slider", "button_group"):
        for e in getattr(at, kind):
            out.append(str(e.label))
            out += [str(o) for o in getattr(e, "options", [])]
    for table in at.dataframe:
        out += _frame_texts(table)
    return out


def leftovers(at) -> list[str]:
    return sorted({m.group(0) + " ← " + s[:80] for s in visible_texts(at) for m in LEFTOVER.finditer(s)})


@pytest.mark.parametrize("page", PAGES)
def test_chinese_page_shows_no_english_keys_codes_or_none(app, demo_db, page: str) -> None:
    at = app(page, demo_db, lang="zh")
    assert not at.exception, [e.value for e in at.exception]
    assert leftovers(at) == []


def test_the_scan_finds_a_leftover() -> None:
    # the pattern itself: a raw key, a code and "None" are found, words containing them are not
    found = [m.group(0) for m in LEFTOVER.finditer("表 students；merged-cells-filled；值 None；studentsX；/employment")]
    assert found == ["students", "merged-cells-filled", "None"]


# a funding sheet with an empty cell (row 3) and a budget that is not a number (row 4)
FUNDING = ("年度,经费来源,支出类别,预算金额,实际支出\n"
           "2026,学校,导师津贴,120000,30000\n"
           "2026,企业,实训基地建设,200000,\n"
           "2026,政府,设备购置,很多,0\n").encode("utf-8")


def test_the_upload_check_speaks_chinese(app, demo_copy) -> None:
    at = app("pages/7_data.py", demo_copy, lang="zh")
    at.file_uploader(key="upload_data_0").upload("经费补充.csv", FUNDING, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("拒绝 1" in m.value for m in at.markdown)  # the check ran and found the bad row
    assert leftovers(at) == []


def test_an_action_without_owner_shows_no_nan(app, demo_copy) -> None:
    # #19 acceptance found "学校方 · nan" in the pack: an action recorded without an owner
    import datetime as dt

    from analytics import actions, auth, db, decisions, snapshot
    from analytics.config import Settings
    from analytics.filters import Filters

    con = db.connect(demo_copy)
    day = snapshot.snapshot_date(con)
    actions.record_decision(con, auth.LOCAL_USER, Settings(), title="无责任人的事项", owner_side="school", owner="",
                            due_on=day + dt.timedelta(days=30), metric="initial_employment", figure=Filters(),
                            expected="up", notes="", decided_on=day, lang="zh")
    frame = decisions.review_frame(decisions.review(con, Filters(), Settings()), "zh", {})
    con.close()
    assert frame.loc[frame["title"] == "无责任人的事项", "owner"].tolist() == ["学校方"]
    at = app("pages/9_actions.py", demo_copy, lang="zh")
    assert not at.exception, [e.value for e in at.exception]
    assert leftovers(at) == []
