"""A workbook parsed while its safety scan runs (``read_file(early=True)``, the sandbox child's
way) gives exactly what the scan-first read gives, and when the early read's child dies the
parent reads the file again scan-first, so a refusal keeps its own message.

Why it matters: calamine releases the GIL, so the parse and the scan overlap (about 0.3 s of a
100,000-row xlsx); but calamine then sees files the scan refuses, some of which abort it.
"""

from __future__ import annotations

import pytest

from analytics.errors import FileRejectedError
from analytics.ingest import read, sandbox
from analytics.ingest.read import Limits, read_file
from tests.badfiles.corpus import CORPUS, build, cert_rows
from tests.filebuilders import write_csv, write_xlsx


def _cells(sheet: read.RawSheet) -> dict[str, list]:
    """The frame's cells by column, None for a missing one."""
    frame = sheet.frame.astype(object)
    return frame.where(frame.notna(), None).to_dict("list")


def _summary(sheets: list[read.RawSheet]) -> list[tuple]:
    return [(s.name, s.headers, _cells(s), s.row_numbers, s.header_row, s.title_lines, s.hidden,
             s.sections, [(i.code, i.row, i.column, i.value) for i in s.issues]) for s in sheets]


def _outcome(read_one) -> tuple:
    try:
        return ("read", _summary(read_one()))
    except FileRejectedError as e:
        return ("refused", e.code, e.params)


def _workbooks(tmp_path) -> dict[str, object]:
    rows = cert_rows(5)
    rows[2][5] = "#N/A"  # an error cell: put back from the XML
    rows[3][5] = "=1/0"  # a formula never calculated
    numbers = [["学号", "成绩", "日期"], ["001", 80.0, None], ["002", "  ", 92.5], ["003", 1e17, "2024-06-20"]]
    return {
        "plain": write_xlsx(tmp_path / "plain.xlsx", {"考证": cert_rows(6)}),
        "errors and formulas": write_xlsx(tmp_path / "errors.xlsx", {"考证": rows}),
        "numbers and blanks": write_xlsx(tmp_path / "numbers.xlsx", {"成绩": numbers}),
        "merged title": write_xlsx(tmp_path / "merged.xlsx", {"考证": [["2024年考证成绩"] + [None] * 5, [None] * 6]
                                                                    + cert_rows(3)}, merges={"考证": ["A1:F2"]}),
        "three sheets, one hidden, one empty": write_xlsx(
            tmp_path / "three.xlsx", {"考证": cert_rows(2), "说明": [], "旧": cert_rows(3)}, hidden=("旧",)),
    }


@pytest.mark.parametrize("case", ["plain", "errors and formulas", "numbers and blanks", "merged title",
                                  "three sheets, one hidden, one empty"])
def test_an_early_read_gives_what_a_scan_first_read_gives(tmp_path, case):
    path = _workbooks(tmp_path)[case]
    early = _outcome(lambda: read_file(path, early=True))
    assert early[0] == "read"
    assert early == _outcome(lambda: read_file(path))


def test_the_text_of_a_read_workbook_is_the_cells_as_written(tmp_path):
    # what the early read gives, by hand: a blank "  " is missing, 80.0 is "80", 1e17 keeps its exponent
    [sheet] = read_file(_workbooks(tmp_path)["numbers and blanks"], early=True)
    assert _cells(sheet) == {
        "学号": ["001", "002", "003"], "成绩": ["80", None, "1e+17"], "日期": [None, "92.5", "2024-06-20"]}


# The corpus' workbooks (ZIP files), through the real sandbox: the early read with its retry
# against a child told to scan first. Some of these abort calamine, so never in this process.
_ZIPPED = [c for c in CORPUS if c.fmt in ("xlsx", "xlsm", "ods")]


@pytest.mark.parametrize("case", _ZIPPED, ids=[c.name for c in _ZIPPED])
def test_every_hostile_workbook_gets_the_scan_first_outcome(tmp_path, case):
    path = build(case, tmp_path)
    if not path.is_file() or path.is_symlink():
        pytest.skip("not a regular file: refused before any read")
    data, limits = path.read_bytes(), Limits()

    def scan_first() -> list[read.RawSheet]:
        reading = sandbox._read_in_child(data, path.name, limits, early=False)
        if reading.refused is not None:
            raise reading.refused
        return reading.sheets

    assert _outcome(lambda: sandbox.read_isolated(data, path.name, limits)) == _outcome(scan_first)


class _Children:
    """A stand-in for the reader child: records each request's ``early`` and answers in turn."""

    def __init__(self, *answers: object) -> None:
        self.answers, self.early = list(answers), []

    def __call__(self, data: bytes, file_name: str, limits: Limits, *, early: bool) -> sandbox.Reading:
        self.early.append(early)
        answer = self.answers.pop(0)
        if isinstance(answer, FileRejectedError):
            raise answer
        return answer


_DIED = FileRejectedError("file-too-complex", file="c.xlsx", limit_mb="1536")
_SLOW = FileRejectedError("file-too-slow", file="c.xlsx", seconds=120)
_SCAN = sandbox.Reading([], 3.0, FileRejectedError("file-unsafe", file="c.xlsx"))


@pytest.mark.parametrize("fmt, answers, early, code", [
    # the early child died: read again scan-first, and the scan's refusal is what the user sees
    ("xlsx", [_DIED, _SCAN], [True, False], "file-unsafe"),
    # it dies scan-first too: the same death, said once
    ("xlsx", [_DIED, _DIED], [True, False], "file-too-complex"),
    # out of time is not a crash of the early parse (and a second try would double the wait)
    ("xlsx", [_SLOW], [True], "file-too-slow"),
    # the reader's own refusal is final
    ("xlsx", [_SCAN], [True], "file-unsafe"),
    # a CSV has no early parse: its child's death is not retried
    ("csv", [_DIED], [True], "file-too-complex"),
])
def test_a_dead_early_child_is_retried_scan_first(tmp_path, monkeypatch, fmt, answers, early, code):
    rows = cert_rows(2)
    path = write_xlsx(tmp_path / "c.xlsx", {"考证": rows}) if fmt == "xlsx" else write_csv(tmp_path / "c.csv", rows)
    children = _Children(*answers)
    monkeypatch.setattr(sandbox, "_read_in_child", children)
    reading = sandbox.read_measured(path.read_bytes(), path.name)
    assert children.early == early
    assert reading.refused is not None and reading.refused.code == code


def test_only_a_zip_workbook_is_parsed_early(tmp_path):
    xlsx = write_xlsx(tmp_path / "c.xlsx", {"考证": cert_rows(1)}).read_bytes()
    csv = write_csv(tmp_path / "c.csv", cert_rows(1)).read_bytes()
    assert (read.parses_early(xlsx), read.parses_early(csv)) == (True, False)
