"""Formulas without a cached result and error cells are found by looking only at the cells
around each ``<f`` / ``t="e"`` (not by a regex over every cell of the sheet); the answers
are those of the whole-sheet definitions, kept here as the reference."""

from __future__ import annotations

import re

import pytest

from analytics.ingest import read

# The definitions the reader used before (every cell of the sheet matched in turn).
CELL_BODY = re.compile(rb"<c\b[^>]*?(?:/>|>(.*?)</c>)", re.S)
ERROR_CELL = re.compile(rb"<c\b([^>]*\bt=\"e\"[^>]*)>.*?<v>([^<]*)</v>", re.S)


def reference_uncalculated(xml: bytes) -> int:
    return sum(1 for body in CELL_BODY.findall(xml) if b"<f" in body and not read._CACHED.search(body))


def reference_errors(xml: bytes) -> dict[tuple[int, int], str]:
    cells = {}
    for attrs, value in ERROR_CELL.findall(xml):
        ref = read._CELL_REF.search(attrs)
        if ref:
            cells[(int(ref.group(2)) - 1, read._column_index(ref.group(1).decode()))] = value.decode()
    return cells


def sheet(*rows: str, after: str = "") -> bytes:
    body = "".join(f'<row r="{i}">{cells}</row>' for i, cells in enumerate(rows, 1))
    return (f'<worksheet><cols><col min="1" max="2" width="9"/></cols><sheetData>{body}</sheetData>{after}'
            "</worksheet>").encode()


RICH = '<c r="A1" t="inlineStr"><is><r><rPr><color rgb="FF000000"/><charset val="134"/></rPr><t>学号</t></r></is></c>'
SHEETS = {
    "a total with its result": sheet('<c r="A1"><v>1</v></c>', '<c r="A2"><f>SUM(A1)</f><v>1</v></c>'),
    "a total never calculated": sheet('<c r="A1"><v>1</v></c>', '<c r="A2"><f>SUM(A1)</f><v></v></c>'),
    "no value element at all": sheet('<c r="A2" s="1"><f>A1*2</f></c>', '<c r="B2"><f t="shared" si="0"/></c>'),
    "shared formulas, some cached": sheet('<c r="A1"><f t="shared" ref="A1:A3" si="0">B1</f><v>3</v></c>',
                                          '<c r="A2"><f t="shared" si="0"/></c>', '<c r="A3"><f t="shared" si="0"/><v>4</v></c>'),
    "self-closed cells and rich text": sheet(RICH + '<c r="B1"/>', '<c r="A2"/><c r="B2"><f>A2</f></c>'),
    "formulas outside the cells": sheet('<c r="A1"><v>1</v></c>', after='<conditionalFormatting sqref="A1"><cfRule '
                                        'type="expression" priority="1"><formula>A1&gt;0</formula></cfRule>'
                                        '</conditionalFormatting>'),
    "error cells": sheet('<c r="A1" t="e"><v>#N/A</v></c><c r="B1" s="2" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
                         '<c t="e" r="C2"><v>#REF!</v></c><c r="D2" xt="e"><v>x</v></c><c r="E2"><v>2</v></c>'),
    "an error cell beside text that says t=\"e\"": sheet('<c r="A1" t="inlineStr"><is><t>t="e"</t></is></c>'
                                                       '<c r="AB10" t="e"><v>#NAME?</v></c>'),
    "nothing": sheet('<c r="A1"><v>1</v></c>'),
    "many conditional-format rules after the cells": sheet(
        '<c r="A1"><v>1</v></c>', '<c r="A2" t="e"><f>1/0</f></c>',
        after='<conditionalFormatting sqref="A1:A2">' + '<cfRule type="expression" priority="1">'
              '<formula>A1&gt;0</formula></cfRule>' * 50 + '</conditionalFormatting>'),
}


@pytest.mark.parametrize("xml", list(SHEETS.values()), ids=list(SHEETS))
def test_uncalculated_formulas_as_defined(xml):
    assert read._uncalculated_formulas(xml) == reference_uncalculated(xml)


@pytest.mark.parametrize("xml", list(SHEETS.values()), ids=list(SHEETS))
def test_error_values_as_defined(xml):
    assert read._error_values(xml) == reference_errors(xml)


def test_the_counts_by_hand():
    # never calculated: A2 (empty <v>), then A2 and B2 (no <v>); shared: A2 only (A1 and A3 cached)
    assert [read._uncalculated_formulas(SHEETS[k]) for k in
            ("a total with its result", "a total never calculated", "no value element at all",
             "shared formulas, some cached", "self-closed cells and rich text")] == [0, 1, 2, 1, 1]
    # A1, B1 and C2 (t="e" anywhere among the attributes); not D2 (xt="e")
    assert read._error_values(SHEETS["error cells"]) == {(0, 0): "#N/A", (0, 1): "#DIV/0!", (1, 2): "#REF!"}
    assert read._error_values(SHEETS['an error cell beside text that says t="e"']) == {(9, 27): "#NAME?"}


class CountingXml(bytes):
    """Sheet XML that counts the backward searches made over it."""

    def __new__(cls, data: bytes) -> CountingXml:
        obj = super().__new__(cls, data)
        obj.searches = 0
        return obj

    def rfind(self, *args):  # noqa: ANN002 - bytes.rfind's arguments
        self.searches += 1
        return super().rfind(*args)


@pytest.mark.parametrize("rules", [200, 2000])
def test_the_backward_searches_grow_with_the_rules_not_their_square(rules):
    # A workbook whose conditional formatting holds thousands of <formula> rules after its cells:
    # each <formula> starts a search back for the cell around it, one rfind per "<c" passed.
    # Searching back to the sheet's start, the k-th rule passed the k-1 <cfRule tags before it:
    # 2,000 rules took about 2,000²/2 = 2 million searches (8,000 rules: 12.7 s). Stopping at the
    # last position looked at, each <formula> passes its own <cfRule only: 2 searches (that tag,
    # then nothing), so at most 2 per rule plus the two cells' few.
    rule = '<cfRule type="expression" priority="1"><formula>A1&gt;0</formula></cfRule>'
    xml = CountingXml(sheet('<c r="A1"><v>1</v></c>', '<c r="A2" t="e"><f>1/0</f></c>',
                            after=f'<conditionalFormatting sqref="A1:A2">{rule * rules}</conditionalFormatting>'))
    assert read._uncalculated_formulas(xml) == 1  # A2: a formula without a cached result
    assert xml.searches <= 2 * rules + 5
    xml.searches = 0
    assert read._error_values(xml) == {}  # A2 says t="e" but has no <v>
    assert xml.searches <= 5
