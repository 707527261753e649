"""The records of rejected cells, built a column (or a kind of issue) at a time: each must be
exactly what the one-at-a-time way gives (``json.dumps`` of the row's dict; ``Issue.message``)."""

from __future__ import annotations

import datetime as dt
import json
import random

import pandas as pd
import pytest

from analytics.i18n import catalog
from analytics.ingest import issues as issues_module
from analytics.ingest.issues import ERROR, Issue, message_columns
from analytics.ingest.validate import json_rows, null_records

TEXTS = ['a"b', "c\\d", None, "x\ny", "普通", "", "tab\there", "\x01ctl", "{brace}", "é ✓ 𠀀", "end\\"]


def _expected(frame: pd.DataFrame, skip_missing: bool) -> list[str | None]:
    """The one-at-a-time way: each row's dict (missing cells None) through ``json.dumps``."""
    out = []
    for record in null_records(frame):
        if skip_missing:
            record = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in record.items() if v is not None}
            if not record:
                out.append(None)
                continue
        out.append(json.dumps(record, ensure_ascii=False, default=str))
    return out


def _frame(kind: str) -> pd.DataFrame:
    n = len(TEXTS)
    columns = {
        "arrow text": {"学号": pd.Series(TEXTS, dtype="str"), "成绩 \"分\"": pd.Series(TEXTS[::-1], dtype="str")},
        "object text": {"备注": pd.Series(TEXTS, dtype=object)},
        "typed keys": {
            "student_id": pd.Series(TEXTS, dtype="str"),
            "graduation_year": pd.array([2024, None, *range(2000, 2000 + n - 2)], dtype="Int64"),
            "exam_date": pd.Series([dt.date(2024, 1, 2), None] * (n // 2) + [dt.date(2020, 2, 29)] * (n % 2),
                                   dtype=object),
            "passed": pd.array([True, False, None] * (n // 3) + [True] * (n % 3), dtype="boolean"),
        },
        "floats go to json": {"score": pd.Series([85.5, None, 1e16, 100.0, 0.1] * 2 + [3.0]), "id": TEXTS},
        "times go to json": {"at": pd.Series([dt.datetime(2024, 1, 2, 3, 4, 5)] * n, dtype=object)},
        "all missing": {"a": pd.Series([None] * n, dtype=object), "b": pd.Series([None] * n, dtype="str")},
    }[kind]
    return pd.DataFrame(columns)


@pytest.mark.parametrize("skip_missing", [False, True], ids=["original-row", "row-key"])
@pytest.mark.parametrize("kind", ["arrow text", "object text", "typed keys", "floats go to json",
                                  "times go to json", "all missing"])
def test_json_rows_is_json_dumps_of_each_row(kind, skip_missing):
    frame = _frame(kind)
    got = json_rows(frame, skip_missing=skip_missing)
    assert got == _expected(frame, skip_missing)
    for text in got:  # and each is JSON that reads back
        assert text is None or isinstance(json.loads(text), dict)


def test_json_rows_of_no_rows_and_no_columns():
    assert json_rows(pd.DataFrame({"a": pd.Series([], dtype="str")})) == []
    assert json_rows(pd.DataFrame(index=range(2))) == ["{}", "{}"]
    assert json_rows(pd.DataFrame(index=range(2)), skip_missing=True) == [None, None]


def messages(found: list[Issue], lang: str = "zh") -> list[str]:
    return message_columns(found, (lang,))[lang].to_pylist()


def _issues_of_every_code(per_kind: int) -> list[Issue]:
    """``per_kind`` issues of every issue code of the catalog, every parameter given, rows and
    values of every sort (none, braces, quotes), two columns each."""
    codes = sorted(k.removeprefix("issue.") for k in catalog("zh") if k.startswith("issue."))
    params = {"accepted_en": "a", "accepted_zh": "甲", "columns": "学号、姓名", "count": 3, "examples": "x, y",
              "name": "表{1}", "other": "o", "other_en": "oe", "other_zh": "其他", "renamed": "r", "rows": "2, 3",
              "scales": "100", "schools": "s", "sheet": "Sheet1", "table": "t", "table_en": "te", "table_zh": "表"}
    values = [None, "", "见附件", "{0}", "a}b{", '"q"']
    out = []
    for code in codes:
        for column in ("成绩", "{col}"):
            for i in range(per_kind):
                row = None if i % 5 == 4 else 2 + i
                out.append(Issue(code, ERROR, row, column, values[i % len(values)], dict(params)))
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("per_kind", [1, issues_module._SMALL_GROUP - 1, issues_module._SMALL_GROUP, 30])
def test_messages_are_each_issues_own_message(lang, per_kind):
    """Worded a kind at a time, the same text as one at a time, for every code of the catalog,
    kinds smaller than the group size (worded one by one) and larger."""
    found = _issues_of_every_code(per_kind)
    found += [Issue("unknown-value", ERROR, r, "成绩", "x", {"examples": ["a", "b"]}) for r in range(per_kind)]
    random.Random(per_kind).shuffle(found)  # kinds interleaved: each message back in its issue's place
    assert messages(found, lang) == [issue.message(lang) for issue in found]


def test_message_columns_of_several_languages_and_of_no_issue():
    found = _issues_of_every_code(10)
    columns = message_columns(found, ("zh", "en"))
    assert {lang: c.to_pylist() for lang, c in columns.items()} == {
        lang: [i.message(lang) for i in found] for lang in ("zh", "en")}
    assert {lang: c.to_pylist() for lang, c in message_columns([], ("zh", "en")).items()} == {"zh": [], "en": []}


def test_messages_with_a_parameter_that_is_no_key_and_a_format_of_its_own(monkeypatch):
    """A list parameter (not hashable) and a template that formats the row its own way are worded
    one by one: still each issue's own message."""
    listed = [Issue("unknown-value", ERROR, r, "成绩", "x", {"examples": ["a", "b"]}) for r in range(2, 20)]
    assert messages(listed) == [i.message() for i in listed]
    monkeypatch.setitem(catalog("en"), "issue.unknown-value", "row {row:>6}: {value!r} in {column}")
    padded = [Issue("unknown-value", ERROR, r, "成绩", f"v{r}") for r in range(2, 30)]
    assert messages(padded, "en") == [i.message("en") for i in padded]
    assert messages(padded, "en")[0] == "row      2: 'v2' in 成绩"  # (the template above was the one in use)
